//! Importing a block list into the operator's rules (a plan first: what is added, raised, taken
//! over or left alone; never a weakened rule) and exporting the rules as Mastodon's CSV.

use std::collections::HashMap;

use crate::actions::domain_blocks;
use crate::app::AppState;
use crate::db;
use crate::db::domain_blocks::{DomainBlock, NewDomainBlock};
use crate::error::AppResult;
use crate::moderation::blocklist::{self, Entry};
use crate::moderation::domain_name::{normalize, with_parents};
use crate::moderation::domain_policy::{Rule, Severity};

/// Rows written per statement; progress is reported after each.
pub const CHUNK: usize = 5000;

/// A rule that changes, as it was and as it will be.
#[derive(Debug, Clone)]
pub struct Change {
    pub before: DomainBlock,
    pub after: NewDomainBlock,
}

/// An entry that changes nothing, and the rule (its own domain's or a parent's) already as strict.
#[derive(Debug, Clone)]
pub struct LeftAlone {
    pub entry: Entry,
    pub existing: DomainBlock,
}

/// What an import does to the rules.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Domains with no rule (and no parent rule as strict): new rules, source `import`.
    pub added: Vec<NewDomainBlock>,
    /// Rules the list asks more of: severity raised and/or flags added, nothing lowered.
    pub upgraded: Vec<Change>,
    /// Subscription-derived rules the list names as strictly as they are: they become imported
    /// rules (so a later refresh no longer retracts them), their effect unchanged.
    pub adopted: Vec<Change>,
    /// Entries equal to or weaker than a rule in force.
    pub left_alone: Vec<LeftAlone>,
    /// Entries naming this server's own domain (never moderated).
    pub refused: Vec<String>,
    /// Entries for a subdomain that a parent in the same list, or a rule in the configuration
    /// file, already covers as strictly: a rule of their own would only loosen it there.
    pub covered: Vec<String>,
}

impl Plan {
    /// The domains whose effect changes (their accounts are flagged and purged as needed).
    pub fn changed_domains(&self) -> Vec<String> {
        self.added
            .iter()
            .map(|r| r.domain.clone())
            .chain(self.upgraded.iter().map(|c| c.after.domain.clone()))
            .collect()
    }
}

/// What the import did, in numbers (equal to the plan's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    pub added: usize,
    pub upgraded: usize,
    pub adopted: usize,
    pub left_alone: usize,
}

impl From<&Plan> for Outcome {
    fn from(plan: &Plan) -> Self {
        Self {
            added: plan.added.len(),
            upgraded: plan.upgraded.len(),
            adopted: plan.adopted.len(),
            left_alone: plan.left_alone.len(),
        }
    }
}

/// What a rule does in effect: severity, and whether media and reports are refused (a
/// suspension refuses both whatever its flags say).
fn effect(severity: Severity, reject_media: bool, reject_reports: bool) -> (Severity, bool, bool) {
    let suspended = severity == Severity::Suspend;
    (severity, reject_media || suspended, reject_reports || suspended)
}

fn effect_of_rule(rule: &DomainBlock) -> (Severity, bool, bool) {
    effect(
        Severity::parse(&rule.severity).unwrap_or_default(),
        rule.reject_media,
        rule.reject_reports,
    )
}

/// Whether `strong` does at least all that `weak` does.
pub fn covers(strong: (Severity, bool, bool), weak: (Severity, bool, bool)) -> bool {
    strong.0 >= weak.0 && (strong.1 || !weak.1) && (strong.2 || !weak.2)
}

/// The effects asked for by domain, from `asked` (a list's entries) and the configuration's
/// rules, the stricter where both name a domain: what a subdomain entry must not undercut.
pub fn floor<'a>(
    asked: impl Iterator<Item = (&'a str, (Severity, bool, bool))>,
    configured: &'a [(String, Rule)],
) -> HashMap<&'a str, (Severity, bool, bool)> {
    let mut floor: HashMap<&str, (Severity, bool, bool)> = HashMap::new();
    let configured = configured
        .iter()
        .map(|(d, r)| (d.as_str(), (r.severity, r.reject_media, r.reject_reports)));
    for (domain, (severity, media, reports)) in asked.chain(configured) {
        let effect = effect(severity, media, reports);
        floor
            .entry(domain)
            .and_modify(|held| {
                if covers(effect, *held) {
                    *held = effect;
                }
            })
            .or_insert(effect);
    }
    floor
}

/// Whether a parent of `domain` (not `domain` itself) in `floor` does at least all of `asked`.
pub fn covered_by(
    floor: &HashMap<&str, (Severity, bool, bool)>,
    domain: &str,
    asked: (Severity, bool, bool),
) -> bool {
    with_parents(domain)
        .skip(1)
        .any(|parent| floor.get(parent).is_some_and(|held| covers(*held, asked)))
}

fn as_rule(before: &DomainBlock, source: &'static str) -> NewDomainBlock {
    NewDomainBlock {
        domain: before.domain.clone(),
        severity: Severity::parse(&before.severity).unwrap_or_default(),
        reject_media: before.reject_media,
        reject_reports: before.reject_reports,
        private_comment: before.private_comment.clone(),
        public_comment: before.public_comment.clone(),
        obfuscate: before.obfuscate,
        source,
        source_urls: if source == "subscription" {
            before.source_urls.clone()
        } else {
            Vec::new()
        },
    }
}

/// What importing `entries` would do to `existing` rules on the server named `own_domain`,
/// whose configuration file sets `configured` rules (never loosened by an import).
pub fn plan(
    entries: &[Entry],
    existing: &[DomainBlock],
    own_domain: &str,
    configured: &[(String, Rule)],
) -> Plan {
    let by_domain: HashMap<&str, &DomainBlock> = existing.iter().map(|r| (r.domain.as_str(), r)).collect();
    let floor = floor(
        entries.iter().map(|e| (e.domain.as_str(), e.strength())),
        configured,
    );
    let mut plan = Plan::default();
    for entry in entries {
        if entry.domain == own_domain {
            plan.refused.push(entry.domain.clone());
            continue;
        }
        let asked = effect(entry.severity, entry.reject_media, entry.reject_reports);
        if let Some(&old) = by_domain.get(entry.domain.as_str()) {
            // An imported rule keeps the source it had, except that a subscription-derived one
            // becomes the operator's (source `import`).
            let source = match old.source.as_str() {
                "manual" => "manual",
                _ => "import",
            };
            let mut after = as_rule(old, source);
            if covers(effect_of_rule(old), asked) {
                if old.source == "subscription" {
                    plan.adopted.push(Change {
                        before: old.clone(),
                        after,
                    });
                } else {
                    plan.left_alone.push(LeftAlone {
                        entry: entry.clone(),
                        existing: old.clone(),
                    });
                }
                continue;
            }
            after.severity = after.severity.max(entry.severity);
            after.reject_media |= entry.reject_media;
            after.reject_reports |= entry.reject_reports;
            after.obfuscate |= entry.obfuscate;
            if after.public_comment.is_none() {
                after.public_comment = entry.public_comment.clone();
            }
            plan.upgraded.push(Change {
                before: old.clone(),
                after,
            });
            continue;
        }
        let parent = with_parents(&entry.domain)
            .skip(1)
            .find_map(|d| by_domain.get(d).copied());
        if let Some(parent) = parent
            && covers(effect_of_rule(parent), asked)
        {
            plan.left_alone.push(LeftAlone {
                entry: entry.clone(),
                existing: parent.clone(),
            });
            continue;
        }
        if covered_by(&floor, &entry.domain, asked) {
            plan.covered.push(entry.domain.clone());
            continue;
        }
        plan.added.push(NewDomainBlock {
            domain: entry.domain.clone(),
            severity: entry.severity,
            reject_media: entry.reject_media,
            reject_reports: entry.reject_reports,
            private_comment: None,
            public_comment: entry.public_comment.clone(),
            obfuscate: entry.obfuscate,
            source: "import",
            source_urls: Vec::new(),
        });
    }
    plan
}

/// The plan for importing `entries` against the rules now in force (the dry run).
pub async fn dry_run(state: &AppState, entries: &[Entry]) -> AppResult<Plan> {
    let existing = db::domain_blocks::list(&state.db).await?;
    Ok(plan(
        entries,
        &existing,
        &own_domain(state),
        &state.config.federation.configured_rules(),
    ))
}

/// Imports `entries`: computes the plan with other rule writers held off, and carries out exactly
/// that in one transaction (set-based writes of [`CHUNK`] rows, one announcement, a job per
/// thousand changed domains). `progress(done, total)` is called after each chunk written.
pub async fn import(state: &AppState, entries: &[Entry], progress: impl Fn(usize, usize)) -> AppResult<Plan> {
    let mut tx = crate::db::begin(&state.db).await?;
    db::blocklists::lock_rules(&mut tx).await?;
    let existing = db::domain_blocks::list(&mut *tx).await?;
    let plan = plan(
        entries,
        &existing,
        &own_domain(state),
        &state.config.federation.configured_rules(),
    );
    let changes: Vec<NewDomainBlock> = plan
        .upgraded
        .iter()
        .chain(&plan.adopted)
        .map(|c| c.after.clone())
        .collect();
    let total = plan.added.len() + changes.len();
    let mut done = 0;
    for chunk in plan.added.chunks(CHUNK) {
        db::blocklists::insert_rules(&mut *tx, chunk).await?;
        done += chunk.len();
        progress(done, total);
    }
    for chunk in changes.chunks(CHUNK) {
        db::blocklists::update_rules(&mut *tx, chunk, None).await?;
        done += chunk.len();
        progress(done, total);
    }
    let changed = plan.changed_domains();
    if total > 0 {
        domain_blocks::carry_out_many_later(&mut tx, &changed).await?;
    }
    tx.commit().await?;
    if total > 0 {
        took_effect(state).await?;
    }
    Ok(plan)
}

/// This server's domain as rules spell domains.
pub fn own_domain(state: &AppState) -> String {
    normalize(&state.config.server.domain).unwrap_or_default()
}

/// After a change to many rules: this process's gate takes them now and every remote account's
/// flags follow (the jobs do it again, and purge).
pub async fn took_effect(state: &AppState) -> AppResult<()> {
    state.federation.policy.reload(&state.db).await?;
    domain_blocks::mirror_all(&state.db, &state.federation.policy).await
}

/// Every rule as Mastodon's CSV export.
pub async fn export(state: &AppState) -> AppResult<Vec<u8>> {
    let rules = db::domain_blocks::list(&state.db).await?;
    let entries: Vec<Entry> = rules
        .into_iter()
        .map(|r| Entry {
            severity: Severity::parse(&r.severity).unwrap_or_default(),
            domain: r.domain,
            reject_media: r.reject_media,
            reject_reports: r.reject_reports,
            public_comment: r.public_comment,
            obfuscate: r.obfuscate,
        })
        .collect();
    Ok(blocklist::write_csv(&entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(domain: &str, severity: &str, media: bool, source: &str) -> DomainBlock {
        DomainBlock {
            id: 1,
            domain: domain.into(),
            severity: severity.into(),
            reject_media: media,
            reject_reports: false,
            private_comment: Some("ours".into()),
            public_comment: None,
            obfuscate: false,
            source: source.into(),
            source_urls: Vec::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn entry(domain: &str, severity: Severity, media: bool) -> Entry {
        Entry {
            domain: domain.into(),
            severity,
            reject_media: media,
            reject_reports: false,
            public_comment: Some("from the list".into()),
            obfuscate: false,
        }
    }

    #[test]
    fn an_import_adds_raises_and_never_weakens() {
        let existing = [
            rule("limited.test", "silence", false, "manual"),
            rule("gone.test", "suspend", false, "manual"),
            rule("flagged.test", "noop", true, "import"),
            rule("parent.test", "suspend", false, "manual"),
            rule("listed.test", "silence", false, "subscription"),
        ];
        let entries = [
            entry("new.test", Severity::Silence, false),
            entry("limited.test", Severity::Suspend, false),
            entry("gone.test", Severity::Silence, true),
            entry("flagged.test", Severity::Silence, false),
            entry("sub.parent.test", Severity::Silence, false),
            entry("listed.test", Severity::Noop, false),
            entry("ours.test", Severity::Suspend, false),
        ];
        let plan = plan(&entries, &existing, "ours.test", &[]);
        assert_eq!(
            plan.added.iter().map(|r| r.domain.as_str()).collect::<Vec<_>>(),
            ["new.test"]
        );
        let upgraded: Vec<(&str, Severity, bool)> = plan
            .upgraded
            .iter()
            .map(|c| (c.after.domain.as_str(), c.after.severity, c.after.reject_media))
            .collect();
        assert_eq!(
            upgraded,
            [
                ("limited.test", Severity::Suspend, false),
                ("flagged.test", Severity::Silence, true)
            ]
        );
        // The operator's comments and source stay.
        assert_eq!(plan.upgraded[0].after.source, "manual");
        assert_eq!(plan.upgraded[0].after.private_comment.as_deref(), Some("ours"));
        assert_eq!(
            plan.upgraded[0].after.public_comment.as_deref(),
            Some("from the list")
        );
        let left: Vec<&str> = plan
            .left_alone
            .iter()
            .map(|l| l.existing.domain.as_str())
            .collect();
        assert_eq!(left, ["gone.test", "parent.test"]);
        assert_eq!(plan.adopted.len(), 1);
        assert_eq!(plan.adopted[0].after.source, "import");
        assert_eq!(plan.adopted[0].after.severity, Severity::Silence);
        assert_eq!(plan.refused, ["ours.test"]);
    }
}
