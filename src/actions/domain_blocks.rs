//! The operator's domain rules: adding, changing and lifting them, and carrying them out (the
//! accounts they cover, and the purge a suspension brings).

use chrono::Utc;
use sqlx::PgPool;

use crate::app::AppState;
use crate::db;
use crate::db::domain_blocks::{DomainAllow, DomainBlock, NewDomainBlock};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, Job};
use crate::moderation::domain_name::{normalize, with_parents};
use crate::moderation::domain_policy::{self, DomainPolicy, Severity};

/// Accounts purged per transaction (a big domain is purged in many short steps).
const PURGE_BATCH: i64 = 200;

/// What asking for a new rule did.
#[derive(Debug)]
pub enum Created {
    /// The rule is in force.
    Added(DomainBlock),
    /// A rule for the same domain, or an equal or stricter one for a parent domain, exists: it
    /// is returned unchanged (Mastodon answers 422 with it).
    Exists(DomainBlock),
}

/// Whether `new` bears harder than `old` (Mastodon's order: severity, then each flag).
pub fn stricter_than(new: &NewDomainBlock, old: &DomainBlock) -> bool {
    let old_severity = Severity::parse(&old.severity).unwrap_or_default();
    if new.severity == Severity::Suspend {
        return old_severity != Severity::Suspend || (new.reject_media && !old.reject_media);
    }
    if new.severity < old_severity {
        return false;
    }
    let flags_not_weaker =
        (new.reject_media || !old.reject_media) && (new.reject_reports || !old.reject_reports);
    flags_not_weaker
        && (new.severity > old_severity
            || (new.reject_media && !old.reject_media)
            || (new.reject_reports && !old.reject_reports))
}

/// Normalizes a domain from a request, or says why it cannot be a rule's domain.
pub fn domain_for_rule(state: &AppState, input: &str) -> AppResult<String> {
    let domain =
        normalize(input).ok_or_else(|| AppError::Invalid(format!("{input:?} is not a domain name")))?;
    if normalize(&state.config.server.domain).as_deref() == Some(domain.as_str()) {
        return Err(AppError::Invalid(
            "this server's own domain cannot be moderated".into(),
        ));
    }
    Ok(domain)
}

/// Adds a rule, unless one for the same domain exists or a parent's is as strict (then that one
/// is returned as it is: a duplicate never replaces a rule silently).
pub async fn create(state: &AppState, rule: NewDomainBlock) -> AppResult<Created> {
    if let Some(existing) = db::domain_blocks::find_by_domain(&state.db, &rule.domain).await? {
        return Ok(Created::Exists(existing));
    }
    if let Some((parent, _)) = state.federation.policy.rule_for(&rule.domain)
        && let Some(existing) = db::domain_blocks::find_by_domain(&state.db, &parent).await?
        && !stricter_than(&rule, &existing)
    {
        return Ok(Created::Exists(existing));
    }
    let mut tx = crate::db::begin(&state.db).await?;
    let added = match db::domain_blocks::insert(&mut *tx, &rule).await {
        Ok(added) => added,
        // Someone added the same domain a moment ago.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            drop(tx);
            let existing = db::domain_blocks::find_by_domain(&state.db, &rule.domain)
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok(Created::Exists(existing));
        }
        Err(e) => return Err(e.into()),
    };
    carry_out_later(&mut tx, &added.domain).await?;
    tx.commit().await?;
    took_effect(state, &added.domain).await?;
    Ok(Created::Added(added))
}

/// Changes the rule with `id` (its domain stays); a Limit raised to Suspend purges.
pub async fn update(state: &AppState, id: i64, rule: NewDomainBlock) -> AppResult<DomainBlock> {
    let mut tx = crate::db::begin(&state.db).await?;
    let updated = db::domain_blocks::update(&mut *tx, id, &rule)
        .await?
        .ok_or(AppError::NotFound)?;
    carry_out_later(&mut tx, &updated.domain).await?;
    tx.commit().await?;
    took_effect(state, &updated.domain).await?;
    Ok(updated)
}

/// Lifts the rule with `id`. Nothing a suspension purged comes back.
pub async fn remove(state: &AppState, id: i64) -> AppResult<DomainBlock> {
    let mut tx = crate::db::begin(&state.db).await?;
    let removed = db::domain_blocks::delete(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    carry_out_later(&mut tx, &removed.domain).await?;
    tx.commit().await?;
    took_effect(state, &removed.domain).await?;
    Ok(removed)
}

/// Allows `domain` (allowlist mode); an already allowed domain is returned as it is.
pub async fn allow(state: &AppState, domain: &str) -> AppResult<DomainAllow> {
    let mut tx = crate::db::begin(&state.db).await?;
    let allowed = db::domain_blocks::insert_allow(&mut *tx, domain).await?;
    carry_out_later(&mut tx, &allowed.domain).await?;
    tx.commit().await?;
    took_effect(state, &allowed.domain).await?;
    Ok(allowed)
}

/// Takes the domain with `id` off the allowlist.
pub async fn disallow(state: &AppState, id: i64) -> AppResult<DomainAllow> {
    let mut tx = crate::db::begin(&state.db).await?;
    let removed = db::domain_blocks::delete_allow(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    carry_out_later(&mut tx, &removed.domain).await?;
    tx.commit().await?;
    took_effect(state, &removed.domain).await?;
    Ok(removed)
}

/// In the changing transaction: tells every process to reload, and queues the job that carries
/// the change out durably (account flags, and the purge if the domain is now suspended).
pub async fn carry_out_later(tx: &mut sqlx::PgConnection, domain: &str) -> sqlx::Result<()> {
    domain_policy::announce_change(&mut *tx).await?;
    jobs::enqueue(
        &mut *tx,
        &Job::ApplyDomainRule {
            domain: domain.to_owned(),
        },
        Utc::now(),
    )
    .await
}

/// After commit: this process's gate takes the new rules now (others within a second through
/// the notification), and the accounts under `domain` are flagged at once.
pub async fn took_effect(state: &AppState, domain: &str) -> AppResult<()> {
    state.federation.policy.reload(&state.db).await?;
    mirror_onto_accounts(&state.db, &state.federation.policy, domain).await?;
    Ok(())
}

/// Sets the Limit/Suspend flags of the accounts at or under `domain` to what policy says now.
pub async fn mirror_onto_accounts(db: &PgPool, policy: &DomainPolicy, domain: &str) -> AppResult<()> {
    let domains = db::domain_blocks::list_account_domains_under(db, domain).await?;
    mirror_domains(db, policy, domains).await
}

/// Sets the flags of every remote account to what policy says (at start: the configuration's
/// rules and mode may have changed while the server was down).
pub async fn mirror_all(db: &PgPool, policy: &DomainPolicy) -> AppResult<()> {
    let domains = db::domain_blocks::list_account_domains(db).await?;
    mirror_domains(db, policy, domains).await
}

/// At start: account flags follow the rules in force (the configuration's rules and mode may
/// have changed while the server was down), and a domain the configuration suspends is purged
/// by the job (queued again at each start; a purge with nothing left to purge is quick).
pub async fn configuration_took_effect(state: &AppState) -> AppResult<()> {
    mirror_all(&state.db, &state.federation.policy).await?;
    for (domain, rule) in state.config.federation.configured_rules() {
        if rule.severity == Severity::Suspend {
            let job = Job::ApplyDomainRule { domain };
            jobs::enqueue(&state.db, &job, Utc::now()).await?;
        }
    }
    Ok(())
}

async fn mirror_domains(db: &PgPool, policy: &DomainPolicy, domains: Vec<String>) -> AppResult<()> {
    let (mut free, mut limited, mut suspended) = (Vec::new(), Vec::new(), Vec::new());
    for domain in domains {
        let verdict = policy.check(&domain);
        if verdict.is_suspended() {
            suspended.push(domain);
        } else if verdict.is_limited() {
            limited.push(domain);
        } else {
            free.push(domain);
        }
    }
    db::domain_blocks::set_account_flags(db, &free, false, false).await?;
    db::domain_blocks::set_account_flags(db, &limited, true, false).await?;
    db::domain_blocks::set_account_flags(db, &suspended, false, true).await?;
    Ok(())
}

/// The job: brings this process's rules up to date, flags the accounts under `domain`, and if
/// any of them are now suspended, purges what they had here (see [`purge_suspended`]).
pub async fn apply(state: &AppState, domain: &str) -> AppResult<()> {
    let policy = &state.federation.policy;
    policy.reload(&state.db).await?;
    mirror_onto_accounts(&state.db, policy, domain).await?;
    let suspended: Vec<String> = db::domain_blocks::list_account_domains_under(&state.db, domain)
        .await?
        .into_iter()
        .filter(|d| policy.is_suspended(d))
        .collect();
    if !suspended.is_empty() {
        purge_suspended(&state.db, policy, domain, &suspended).await?;
    }
    Ok(())
}

/// Domains carried out per job when many rules change at once (an import, a list refresh).
const APPLY_CHUNK: usize = 1000;

/// [`carry_out_later`] for many domains: one announcement, one job per thousand domains.
pub async fn carry_out_many_later(tx: &mut sqlx::PgConnection, domains: &[String]) -> sqlx::Result<()> {
    domain_policy::announce_change(&mut *tx).await?;
    for chunk in domains.chunks(APPLY_CHUNK) {
        let job = Job::ApplyDomainRules {
            domains: chunk.to_vec(),
        };
        jobs::enqueue(&mut *tx, &job, Utc::now()).await?;
    }
    Ok(())
}

/// The job for many changed rules: [`apply`] done once for all of them (one reload, one pass
/// over the known account domains, a purge per changed rule that now suspends known accounts).
pub async fn apply_many(state: &AppState, domains: &[String]) -> AppResult<()> {
    let policy = &state.federation.policy;
    policy.reload(&state.db).await?;
    mirror_all(&state.db, policy).await?;
    let changed: std::collections::HashSet<&str> = domains.iter().map(String::as_str).collect();
    let mut purges: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for host in db::domain_blocks::list_account_domains(&state.db).await? {
        if !policy.is_suspended(&host) {
            continue;
        }
        let rule = with_parents(&host)
            .find(|d| changed.contains(d))
            .map(str::to_owned);
        if let Some(rule) = rule {
            purges.entry(rule).or_default().push(host);
        }
    }
    for (rule, hosts) in purges {
        purge_suspended(&state.db, policy, &rule, &hosts).await?;
    }
    Ok(())
}

/// A suspension's purge: members who followed or were followed by accounts of `domains` are
/// told (one `severed_relationships` notification each, listing what they lost), then every
/// status, media attachment, follow, favourite, boost, notification and pending delivery of
/// those accounts goes. The account rows stay, reserving their names. Runs in short
/// transactions, so a huge domain never holds a long lock; running it again is harmless.
pub async fn purge_suspended(
    db: &PgPool,
    policy: &DomainPolicy,
    rule_domain: &str,
    domains: &[String],
) -> AppResult<()> {
    let mut tx = crate::db::begin(db).await?;
    let event = db::severances::insert_event(&mut *tx, "domain_block", rule_domain).await?;
    let members = db::severances::record_follows_with_domains(&mut *tx, event, domains).await?;
    if members.is_empty() {
        db::severances::delete_event(&mut *tx, event).await?;
    } else {
        db::severances::notify(&mut *tx, event, &members).await?;
    }
    tx.commit().await?;
    let mut after = 0;
    loop {
        let accounts = db::remote_accounts::list_ids_in_domains(db, domains, after, PURGE_BATCH).await?;
        let Some(&last) = accounts.last() else { break };
        let mut tx = crate::db::begin(db).await?;
        for account in &accounts {
            db::remote_accounts::purge_content(&mut tx, *account).await?;
        }
        tx.commit().await?;
        after = last;
    }
    let hosts: Vec<String> = db::deliveries::list_pending_hosts(db)
        .await?
        .into_iter()
        .filter(|host| policy.is_suspended(host))
        .collect();
    db::deliveries::delete_for_hosts(db, &hosts).await?;
    tracing::info!(
        domain = rule_domain,
        hosts = domains.len(),
        "suspended domain purged"
    );
    Ok(())
}
