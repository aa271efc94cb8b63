//! The one gate: what the operator's domain rules say about a host, answered from memory and
//! reloaded in every process within a second of a change (LISTEN/NOTIFY).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};

use super::domain_name::{already_normal, normalize, with_parents};
use crate::config::{Config, FederationMode};

/// The channel a change to domain rules is announced on.
pub const CHANNEL: &str = "ferrodon_domain_policy";
/// A full reload also runs this often, in case a notification was missed while reconnecting.
const SAFETY_RELOAD: Duration = Duration::from_secs(300);

/// How hard a rule bears on a domain (Mastodon's words: `noop`, `silence` = Limit, `suspend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Only the rule's flags apply.
    #[default]
    Noop,
    /// Limit: hidden from public timelines and search, followable, follows from it need approval.
    Silence,
    /// Disconnected.
    Suspend,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Noop => "noop",
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    /// Parses Mastodon's words, and `limit` for `silence`.
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "noop" | "none" => Some(Severity::Noop),
            "silence" | "limit" => Some(Severity::Silence),
            "suspend" => Some(Severity::Suspend),
            _ => None,
        }
    }
}

/// What one rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rule {
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
}

impl Rule {
    /// A Suspend implies rejecting media and reports.
    fn effective(self) -> Verdict {
        let suspended = self.severity == Severity::Suspend;
        Verdict {
            severity: self.severity,
            reject_media: self.reject_media || suspended,
            reject_reports: self.reject_reports || suspended,
        }
    }
}

/// What policy says about one host: the most specific rule covering it, or the allowlist's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
}

impl Verdict {
    /// Nothing applies.
    pub const FREE: Verdict = Verdict {
        severity: Severity::Noop,
        reject_media: false,
        reject_reports: false,
    };
    const DISCONNECTED: Verdict = Verdict {
        severity: Severity::Suspend,
        reject_media: true,
        reject_reports: true,
    };

    /// Disconnected: nothing accepted, fetched or delivered.
    pub fn is_suspended(self) -> bool {
        self.severity == Severity::Suspend
    }

    /// Limited (and not suspended).
    pub fn is_limited(self) -> bool {
        self.severity == Severity::Silence
    }

    /// Whether this does at least all that `other` does.
    pub fn covers(self, other: Verdict) -> bool {
        self.severity >= other.severity
            && (self.reject_media || !other.reject_media)
            && (self.reject_reports || !other.reject_reports)
    }
}

/// The rules in force, swapped whole on reload.
#[derive(Debug, Default)]
pub struct RuleSet {
    blocks: HashMap<Box<str>, Rule>,
    allows: HashSet<Box<str>>,
}

impl RuleSet {
    /// A rule set of `blocks` and `allows` (domains already normalized).
    pub fn new(
        blocks: impl IntoIterator<Item = (String, Rule)>,
        allows: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            blocks: blocks.into_iter().map(|(d, r)| (d.into_boxed_str(), r)).collect(),
            allows: allows.into_iter().map(String::into_boxed_str).collect(),
        }
    }

    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }
}

/// The gate. Cheap to ask (a few hash lookups, no allocation for hosts in normal form).
#[derive(Debug)]
pub struct DomainPolicy {
    current: RwLock<Arc<RuleSet>>,
    /// Our own domain is never subject to a rule.
    own_domain: String,
    allowlist_mode: bool,
    /// Rules from the configuration file (`[federation.domains]`, the bridge preset); where the
    /// database names the same domain, the stricter of the two applies.
    configured: Vec<(String, Rule)>,
}

impl DomainPolicy {
    /// An empty policy for `config` (configured rules only, until [`DomainPolicy::reload`]).
    pub fn new(config: &Config) -> Self {
        let configured = config.federation.configured_rules();
        let policy = Self {
            current: RwLock::new(Arc::new(RuleSet::default())),
            own_domain: normalize(&config.server.domain).unwrap_or_default(),
            allowlist_mode: config.federation.mode == FederationMode::Allowlist,
            configured,
        };
        policy.replace(RuleSet::new(policy.configured.clone(), Vec::new()));
        policy
    }

    /// What the rules say about `host` (any spelling: case, trailing dot, port, IDN).
    pub fn check(&self, host: &str) -> Verdict {
        match already_normal(host) {
            Some(normal) => self.check_normal(normal),
            None => match normalize(host) {
                Some(normal) => self.check_normal(&normal),
                // A host no rule could name is not one we talk to.
                None => Verdict::DISCONNECTED,
            },
        }
    }

    /// What the rules say about the host of `url`; a URL without a host is refused.
    pub fn check_url(&self, url: &str) -> Verdict {
        match url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            Some(host) => self.check(&host),
            None => Verdict::DISCONNECTED,
        }
    }

    /// Whether `host` is suspended (or outside the allowlist).
    pub fn is_suspended(&self, host: &str) -> bool {
        self.check(host).is_suspended()
    }

    fn check_normal(&self, host: &str) -> Verdict {
        if host == self.own_domain {
            return Verdict::FREE;
        }
        let rules = match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        };
        if self.allowlist_mode && !with_parents(host).any(|d| rules.allows.contains(d)) {
            return Verdict::DISCONNECTED;
        }
        with_parents(host)
            .find_map(|d| rules.blocks.get(d))
            .map_or(Verdict::FREE, |rule| rule.effective())
    }

    /// The rule written for exactly `domain` or its nearest parent, with the domain it is for.
    pub fn rule_for(&self, host: &str) -> Option<(String, Rule)> {
        let normal = normalize(host)?;
        let rules = self.snapshot();
        with_parents(&normal).find_map(|d| rules.blocks.get(d).map(|r| (d.to_owned(), *r)))
    }

    /// The rules in force now.
    pub fn snapshot(&self) -> Arc<RuleSet> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Puts `rules` in force, with the configured rules: where the database and the
    /// configuration both name a domain, the stricter rule applies (an import or a subscription
    /// never loosens what the configuration file sets).
    pub fn replace(&self, mut rules: RuleSet) {
        for (domain, rule) in &self.configured {
            rules
                .blocks
                .entry(domain.clone().into_boxed_str())
                .and_modify(|held| {
                    if rule.effective().covers(held.effective()) {
                        *held = *rule;
                    }
                })
                .or_insert(*rule);
        }
        match self.current.write() {
            Ok(mut guard) => *guard = Arc::new(rules),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(rules),
        }
    }

    /// Reads every rule from the database and puts them in force.
    pub async fn reload(&self, db: &PgPool) -> sqlx::Result<()> {
        let blocks = crate::db::domain_blocks::list_rules(db).await?;
        let allows = crate::db::domain_blocks::list_allowed_domains(db).await?;
        self.replace(RuleSet::new(blocks, allows));
        Ok(())
    }
}

/// Announces a change to every process (inside the changing transaction: sent at commit).
pub async fn announce_change(db: impl PgExecutor<'_>) -> sqlx::Result<()> {
    crate::db::domain_blocks::notify_change(db, CHANNEL).await
}

/// The first wait before listening again, and the longest.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// The wait after one more failure in a row: doubled, up to [`LONGEST_RETRY`].
fn next_retry(wait: Duration) -> Duration {
    (wait * 2).min(LONGEST_RETRY)
}

/// Keeps `policy` current: reloads on every announcement (and every few minutes, and after a
/// lost connection) until `shutdown` turns true.
pub async fn keep_current(
    policy: Arc<DomainPolicy>,
    db: PgPool,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut wait = FIRST_RETRY;
    loop {
        if let Err(error) = policy.reload(&db).await {
            tracing::warn!(%error, "domain rules could not be loaded; keeping the previous ones");
        }
        let listening = match sqlx::postgres::PgListener::connect_with(&db).await {
            Ok(mut listener) => listener.listen(CHANNEL).await.map(|()| listener),
            Err(error) => Err(error),
        };
        let mut listener = match listening {
            Ok(listener) => listener,
            Err(error) => {
                // Waits longer after each failure in a row: a database that refuses us is not
                // asked again in a tight loop.
                tracing::warn!(%error, ?wait, "cannot listen for domain rule changes; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => return,
                }
                wait = next_retry(wait);
                continue;
            }
        };
        wait = FIRST_RETRY;
        // Changes made between the load above and LISTEN would be missed: load once more.
        let _ = policy.reload(&db).await;
        loop {
            tokio::select! {
                received = listener.recv() => match received {
                    Ok(_) => {
                        if let Err(error) = policy.reload(&db).await {
                            tracing::warn!(%error, "domain rules could not be reloaded");
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "lost the domain rule channel; reconnecting");
                        break;
                    }
                },
                _ = tokio::time::sleep(SAFETY_RELOAD) => {
                    let _ = policy.reload(&db).await;
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_is_retried_ever_more_slowly_up_to_a_bound() {
        let waits: Vec<u64> = std::iter::successors(Some(FIRST_RETRY), |w| Some(next_retry(*w)))
            .take(8)
            .map(|w| w.as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    fn policy(blocks: &[(&str, Severity)], allows: &[&str], allowlist: bool) -> DomainPolicy {
        let mut config = Config::default();
        config.server.domain = "ours.test".into();
        if allowlist {
            config.federation.mode = FederationMode::Allowlist;
        }
        let policy = DomainPolicy::new(&config);
        policy.replace(RuleSet::new(
            blocks.iter().map(|(d, s)| {
                (
                    (*d).to_owned(),
                    Rule {
                        severity: *s,
                        ..Rule::default()
                    },
                )
            }),
            allows.iter().map(|d| (*d).to_owned()),
        ));
        policy
    }

    #[test]
    fn a_rule_covers_its_subdomains_in_every_spelling() {
        let p = policy(&[("evil.test", Severity::Suspend)], &[], false);
        for host in ["evil.test", "sub.evil.test", "EVIL.TEST.", "a.b.Evil.Test:443"] {
            assert!(p.is_suspended(host), "{host}");
        }
        for host in ["notevil.test", "evil.test.example", "test", "ours.test"] {
            assert_eq!(p.check(host), Verdict::FREE, "{host}");
        }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let p = policy(
            &[
                ("evil.test", Severity::Suspend),
                ("ok.evil.test", Severity::Silence),
            ],
            &[],
            false,
        );
        assert!(p.check("ok.evil.test").is_limited());
        assert!(p.check("x.ok.evil.test").is_limited());
        assert!(p.is_suspended("other.evil.test"));
    }

    #[test]
    fn idn_rules_match_punycode_hosts_and_back() {
        let p = policy(&[("xn--bcher-kva.example", Severity::Suspend)], &[], false);
        assert!(p.is_suspended("bücher.example"));
        assert!(p.is_suspended("XN--BCHER-KVA.EXAMPLE"));
        assert!(p.is_suspended("shop.bücher.example"));
    }

    #[test]
    fn allowlist_mode_disconnects_everyone_not_allowed() {
        let p = policy(
            &[("friend.test", Severity::Silence)],
            &["friend.test", "pal.test"],
            true,
        );
        assert!(p.is_suspended("stranger.test"));
        assert_eq!(p.check("pal.test"), Verdict::FREE);
        assert_eq!(p.check("sub.pal.test"), Verdict::FREE);
        assert!(p.check("friend.test").is_limited());
        assert_eq!(p.check("ours.test"), Verdict::FREE);
    }

    #[test]
    fn suspension_implies_rejecting_media_and_reports() {
        let p = policy(&[("evil.test", Severity::Suspend)], &[], false);
        let verdict = p.check("evil.test");
        assert!(verdict.reject_media && verdict.reject_reports);
    }
}
