//! Subscribed block lists: subscribing, refreshing each list (conditional GET), and deriving the
//! subscription rules from what the lists say (agreement, priority, retraction; the operator's
//! own and imported rules always win).

use std::collections::HashMap;

use url::Url;

use crate::actions::{blocklist_import, domain_blocks};
use crate::app::AppState;
use crate::db;
use crate::db::blocklists::{ListedEntry, Subscription};
use crate::db::domain_blocks::{DomainBlock, NewDomainBlock};
use crate::error::{AppError, AppResult};
use crate::federation::fetch::Conditional;
use crate::moderation::blocklist;
use crate::moderation::domain_name::with_parents;
use crate::moderation::domain_policy::{Rule, Severity};

/// What we ask list servers for.
const ACCEPT: &str = "text/csv, application/json, text/plain, */*";
/// A list of at least this many entries that comes back empty is not believed.
const EMPTIED_LIST_SUSPECT_FROM: i64 = 10;
/// The largest list read (the biggest public lists are a few hundred kilobytes).
const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// How refreshing one list went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    /// A new copy was read.
    Changed {
        format: blocklist::Format,
        entries: usize,
        skipped: usize,
    },
    /// The server said nothing changed (304).
    NotModified,
    /// It failed; the entries of the last good copy stay in force.
    Failed(String),
}

/// One list's refresh.
#[derive(Debug, Clone)]
pub struct Report {
    pub url: String,
    pub outcome: Refreshed,
}

/// What deriving the subscription rules changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recomputed {
    pub added: usize,
    pub changed: usize,
    pub retracted: usize,
}

impl Recomputed {
    /// Whether any rule was added, changed or retracted.
    pub fn touched(&self) -> bool {
        self.added + self.changed + self.retracted > 0
    }
}

/// Subscribes to the list at `url` (subscribing again changes the priority) and reads it now.
pub async fn subscribe(state: &AppState, url: &str, priority: i32) -> AppResult<(Report, Recomputed)> {
    let parsed =
        Url::parse(url.trim()).map_err(|e| AppError::Invalid(format!("{url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(AppError::Invalid(format!("{url:?} is not an http(s) URL")));
    }
    let subscription = db::blocklists::upsert_subscription(&state.db, parsed.as_str(), priority).await?;
    let (mut reports, recomputed) = refresh(state, vec![subscription]).await?;
    let report = reports.pop().ok_or(AppError::NotFound)?;
    Ok((report, recomputed))
}

/// Ends the subscription to `url`; the rules only it backed are retracted.
pub async fn unsubscribe(state: &AppState, url: &str) -> AppResult<(Subscription, Recomputed)> {
    let normal = Url::parse(url.trim()).map_or_else(|_| url.trim().to_owned(), |u| u.to_string());
    // One transaction: the list and the rules only it backed go together, or neither does.
    let mut tx = crate::db::begin(&state.db).await?;
    db::blocklists::lock_rules(&mut tx).await?;
    let removed = match db::blocklists::delete_subscription(&mut *tx, &normal).await? {
        Some(removed) => removed,
        None => db::blocklists::delete_subscription(&mut *tx, url.trim())
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let recomputed = recompute_in(state, &mut tx).await?;
    tx.commit().await?;
    if recomputed.touched() {
        blocklist_import::took_effect(state).await?;
    }
    Ok((removed, recomputed))
}

/// Refreshes every subscribed list now.
pub async fn refresh_all(state: &AppState) -> AppResult<(Vec<Report>, Recomputed)> {
    let subscriptions = db::blocklists::list_all(&state.db).await?;
    refresh(state, subscriptions).await
}

/// Refreshes the lists not attempted for `federation.blocklists.refresh_minutes` (the worker
/// calls this; several processes never fetch the same list at once). Nothing due: nothing done.
pub async fn refresh_due(state: &AppState) -> AppResult<Vec<Report>> {
    let minutes = i32::try_from(state.config.federation.blocklists.refresh_minutes).unwrap_or(i32::MAX);
    let due = db::blocklists::claim_due(&state.db, minutes).await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let (reports, _) = refresh(state, due).await?;
    Ok(reports)
}

/// Fetches each of `subscriptions`, stores what each says, then derives the rules once.
pub async fn refresh(
    state: &AppState,
    subscriptions: Vec<Subscription>,
) -> AppResult<(Vec<Report>, Recomputed)> {
    let mut reports = Vec::with_capacity(subscriptions.len());
    for subscription in subscriptions {
        let outcome = refresh_one(state, &subscription).await?;
        if let Refreshed::Failed(error) = &outcome {
            tracing::warn!(url = %subscription.url, %error, "block list could not be refreshed");
            db::blocklists::mark_failed(&state.db, subscription.id, error).await?;
        }
        reports.push(Report {
            url: subscription.url,
            outcome,
        });
    }
    let recomputed = recompute(state).await?;
    Ok((reports, recomputed))
}

async fn refresh_one(state: &AppState, subscription: &Subscription) -> AppResult<Refreshed> {
    let url = match Url::parse(&subscription.url) {
        Ok(url) => url,
        Err(error) => return Ok(Refreshed::Failed(format!("not a URL: {error}"))),
    };
    let fetched = state
        .federation
        .fetcher
        .get_if_changed(
            &url,
            ACCEPT,
            subscription.etag.as_deref(),
            subscription.last_modified.as_deref(),
            MAX_LIST_BYTES,
        )
        .await;
    let (body, etag, last_modified) = match fetched {
        Ok(Conditional::NotModified) => {
            db::blocklists::mark_refreshed(&state.db, subscription.id, None).await?;
            return Ok(Refreshed::NotModified);
        }
        Ok(Conditional::Fetched {
            body,
            etag,
            last_modified,
            ..
        }) => (body, etag, last_modified),
        Err(error) => return Ok(Refreshed::Failed(error.to_string())),
    };
    let parsed = match blocklist::parse(&body) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Refreshed::Failed(error.to_string())),
    };
    // A sizeable list that comes back empty is far likelier a broken publication than a real
    // amnesty: its last good copy stays in force (an operator who wants the rules gone
    // unsubscribes). A small list emptying out is taken at its word.
    if parsed.entries.is_empty()
        && db::blocklists::count_entries(&state.db, subscription.id).await? >= EMPTIED_LIST_SUSPECT_FROM
    {
        return Ok(Refreshed::Failed(
            "the list came back empty; its last good copy stays in force".into(),
        ));
    }
    let mut tx = crate::db::begin(&state.db).await?;
    db::blocklists::replace_entries(&mut tx, subscription.id, &parsed.entries).await?;
    db::blocklists::mark_refreshed(
        &mut *tx,
        subscription.id,
        Some((etag.as_deref(), last_modified.as_deref())),
    )
    .await?;
    tx.commit().await?;
    Ok(Refreshed::Changed {
        format: parsed.format,
        entries: parsed.entries.len(),
        skipped: parsed.skipped.len(),
    })
}

/// Derives the subscription rules from every list's entries and writes the difference in one
/// transaction, with one announcement and jobs for the changed domains.
pub async fn recompute(state: &AppState) -> AppResult<Recomputed> {
    let mut tx = crate::db::begin(&state.db).await?;
    let recomputed = recompute_in(state, &mut tx).await?;
    tx.commit().await?;
    if recomputed.touched() {
        blocklist_import::took_effect(state).await?;
    }
    Ok(recomputed)
}

/// [`recompute`] inside the caller's transaction; the caller commits and then announces the
/// change when [`Recomputed::touched`].
async fn recompute_in(state: &AppState, tx: &mut sqlx::PgConnection) -> AppResult<Recomputed> {
    let min_agreement = state.config.federation.blocklists.min_agreement as usize;
    db::blocklists::lock_rules(&mut *tx).await?;
    let entries = db::blocklists::list_entries(&mut *tx).await?;
    let rules = db::domain_blocks::list(&mut *tx).await?;
    let own_domain = blocklist_import::own_domain(state);
    let configured = state.config.federation.configured_rules();
    let wanted: Vec<NewDomainBlock> = wanted_rules(&entries, &rules, min_agreement.max(1), &configured)
        .into_iter()
        .filter(|r| r.domain != own_domain)
        .collect();
    let current: HashMap<&str, &DomainBlock> = rules
        .iter()
        .filter(|r| r.source == "subscription")
        .map(|r| (r.domain.as_str(), r))
        .collect();
    let (mut added, mut changed) = (Vec::new(), Vec::new());
    for rule in &wanted {
        match current.get(rule.domain.as_str()) {
            None => added.push(rule.clone()),
            Some(old) if differs(old, rule) => changed.push(rule.clone()),
            Some(_) => {}
        }
    }
    let wanted_domains: std::collections::HashSet<&str> = wanted.iter().map(|r| r.domain.as_str()).collect();
    let retracted: Vec<String> = current
        .keys()
        .filter(|d| !wanted_domains.contains(*d))
        .map(|d| (*d).to_owned())
        .collect();
    for chunk in added.chunks(blocklist_import::CHUNK) {
        db::blocklists::insert_rules(&mut *tx, chunk).await?;
    }
    for chunk in changed.chunks(blocklist_import::CHUNK) {
        db::blocklists::update_rules(&mut *tx, chunk, Some("subscription")).await?;
    }
    db::blocklists::delete_subscription_rules(&mut *tx, &retracted).await?;
    let touched: Vec<String> = added
        .iter()
        .chain(&changed)
        .map(|r| r.domain.clone())
        .chain(retracted.iter().cloned())
        .collect();
    if !touched.is_empty() {
        domain_blocks::carry_out_many_later(&mut *tx, &touched).await?;
    }
    Ok(Recomputed {
        added: added.len(),
        changed: changed.len(),
        retracted: retracted.len(),
    })
}

fn differs(old: &DomainBlock, new: &NewDomainBlock) -> bool {
    old.severity != new.severity.as_str()
        || old.reject_media != new.reject_media
        || old.reject_reports != new.reject_reports
        || old.public_comment != new.public_comment
        || old.obfuscate != new.obfuscate
        || old.source_urls != new.source_urls
}

/// The rules the lists call for: a domain named by at least `min_agreement` lists, as the
/// highest-priority list naming it says (equal priorities: the strictest), unless the operator's
/// own or an imported rule decides it (for the domain itself, or a parent rule at least as strict).
pub fn wanted_rules(
    entries: &[ListedEntry],
    rules: &[DomainBlock],
    min_agreement: usize,
    configured: &[(String, Rule)],
) -> Vec<NewDomainBlock> {
    let operators: HashMap<&str, &DomainBlock> = rules
        .iter()
        .filter(|r| r.source != "subscription")
        .map(|r| (r.domain.as_str(), r))
        .collect();
    let mut by_domain: HashMap<&str, Vec<&ListedEntry>> = HashMap::new();
    for listed in entries {
        by_domain
            .entry(listed.entry.domain.as_str())
            .or_default()
            .push(listed);
    }
    let mut wanted = Vec::new();
    for (domain, mut naming) in by_domain {
        if naming.len() < min_agreement || operators.contains_key(domain) {
            continue;
        }
        naming.sort_by(|a, b| {
            (b.priority, b.entry.strength(), &a.url).cmp(&(a.priority, a.entry.strength(), &b.url))
        });
        let Some(best) = naming.first().map(|l| &l.entry) else {
            continue;
        };
        let covered = with_parents(domain)
            .skip(1)
            .find_map(|d| operators.get(d))
            .is_some_and(|parent| {
                let parent_severity = Severity::parse(&parent.severity).unwrap_or_default();
                let suspended = parent_severity == Severity::Suspend;
                parent_severity >= best.severity
                    && (parent.reject_media || suspended || !best.reject_media)
                    && (parent.reject_reports || suspended || !best.reject_reports)
            });
        if covered {
            continue;
        }
        wanted.push(NewDomainBlock {
            domain: best.domain.clone(),
            severity: best.severity,
            reject_media: best.reject_media,
            reject_reports: best.reject_reports,
            private_comment: None,
            public_comment: best.public_comment.clone(),
            obfuscate: best.obfuscate,
            source: "subscription",
            source_urls: naming.iter().map(|l| l.url.clone()).collect(),
        });
    }
    wanted.sort_by(|a, b| a.domain.cmp(&b.domain));
    // A subdomain rule weaker than a parent's (another wanted rule, or the configuration's) would
    // loosen the parent's there: the parent covers it.
    let floor = blocklist_import::floor(
        wanted
            .iter()
            .map(|r| (r.domain.as_str(), (r.severity, r.reject_media, r.reject_reports))),
        configured,
    );
    let covered: std::collections::HashSet<String> = wanted
        .iter()
        .filter(|r| {
            blocklist_import::covered_by(&floor, &r.domain, (r.severity, r.reject_media, r.reject_reports))
        })
        .map(|r| r.domain.clone())
        .collect();
    wanted.retain(|r| !covered.contains(&r.domain));
    wanted
}
