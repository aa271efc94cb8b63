//! The durable job queue and its worker: ending polls and publishing scheduled statuses on time.
//! Jobs are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so several processes share the
//! queue and a job whose process died is claimed again. A failed job says what to do next: give
//! up (kept with its reason), wait as a server told, or retry with backoff.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;

/// How long a claimed job is ours before another worker may take it.
const LEASE_SECONDS: f64 = 300.0;
/// Longest a job may run (a third of the lease).
const JOB_TIME_LIMIT: Duration = Duration::from_secs(100);
/// How often processed activity ids older than [`PROCESSED_KEPT_DAYS`] are forgotten and uploads
/// left unattached are removed.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// Days an activity id is remembered: redeliveries come within hours, retries within days.
const PROCESSED_KEPT_DAYS: i32 = 7;
/// Jobs claimed (and run concurrently) at once.
const BATCH: i64 = 32;
/// Attempts before a job is given up (it stays in the table with its last error).
const MAX_ATTEMPTS: i32 = 10;
/// How often the worker looks for subscribed block lists due a refresh.
const BLOCKLIST_CHECK_INTERVAL: Duration = Duration::from_secs(60);

/// How often the cache change log is pruned: each time, of the rows of transactions that had
/// ended at the previous pruning, so every reader (they read at least every two minutes, or
/// start afresh) has seen a row before it goes.
const CACHE_EVENTS_PRUNE_INTERVAL: Duration = Duration::from_secs(300);
/// How often the worker looks for due jobs.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A unit of background work.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Tell voters and the author that a poll ended.
    EndPoll { poll_id: i64 },
    /// Send the current counts of a member's poll to the servers that hold a copy of it.
    SendPollCounts { poll_id: i64 },
    /// Publish a scheduled status.
    PublishScheduledStatus { scheduled_status_id: i64 },
    /// Process an activity the inbox accepted from `signer_id`.
    ProcessActivity {
        activity: serde_json::Value,
        signer_id: i64,
    },
    /// Read the recent public statuses of a newly found remote account.
    BackfillOutbox { account_id: i64 },
    /// Carry out a change to the rule for `domain`: flag its accounts, purge if suspended.
    ApplyDomainRule { domain: String },
    /// The same for many domains at once (an import, a block-list refresh).
    ApplyDomainRules { domains: Vec<String> },
    /// Push a notification to one subscription (queued by the trigger on `notifications`).
    WebPush {
        notification_id: i64,
        subscription_id: i64,
    },
    /// Send a rendered mail.
    Email { mail: crate::email::Mail },
    /// Carry out the rows of a member's import (a batch, then another job for the rest).
    ProcessImport { import_id: i64 },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::EndPoll { .. } => "end_poll",
            Job::SendPollCounts { .. } => "send_poll_counts",
            Job::PublishScheduledStatus { .. } => "publish_scheduled_status",
            Job::ProcessActivity { .. } => "process_activity",
            Job::BackfillOutbox { .. } => "backfill_outbox",
            Job::ApplyDomainRule { .. } => "apply_domain_rule",
            Job::ApplyDomainRules { .. } => "apply_domain_rules",
            Job::WebPush { .. } => "web_push",
            Job::Email { .. } => "email",
            Job::ProcessImport { .. } => "process_import",
        }
    }
}

/// Queues a job to run at `run_at` (inside the caller's transaction).
pub async fn enqueue(db: impl PgExecutor<'_>, job: &Job, run_at: DateTime<Utc>) -> sqlx::Result<()> {
    let payload = serde_json::to_value(job).unwrap_or_default();
    db::jobs::insert(db, job.kind(), &payload, run_at).await
}

/// Queues a job to run at `run_at` unless the same job already waits (inside the caller's
/// transaction).
pub async fn enqueue_once(db: impl PgExecutor<'_>, job: &Job, run_at: DateTime<Utc>) -> sqlx::Result<()> {
    let payload = serde_json::to_value(job).unwrap_or_default();
    db::jobs::insert_unless_waiting(db, job.kind(), &payload, run_at).await
}

/// Takes back a queued job that has not started (inside the caller's transaction).
pub async fn cancel(db: impl PgExecutor<'_>, job: &Job) -> sqlx::Result<()> {
    let payload = serde_json::to_value(job).unwrap_or_default();
    db::jobs::delete_waiting(db, job.kind(), &payload).await
}

/// Why a job did not succeed, and so what happens to it.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// It cannot succeed (a refusal, an unreadable payload): given up now, with its reason.
    #[error("{0}")]
    Permanent(String),
    /// Try again after this long, as a server asked (`Retry-After`).
    #[error("{1} (retry after {0:?})")]
    RetryAfter(Duration, String),
    /// Anything else: retried with backoff until the attempts run out.
    #[error(transparent)]
    Transient(#[from] crate::error::AppError),
}

/// What the queue does with a job that failed on attempt `attempts` (1 for the first).
#[derive(Debug, Clone, PartialEq)]
enum Next {
    GiveUp,
    RetryIn(f64),
}

fn next_step(error: &JobError, attempts: i32) -> Next {
    match error {
        JobError::Permanent(_) => Next::GiveUp,
        _ if attempts >= MAX_ATTEMPTS => Next::GiveUp,
        // A server's wish, within reason: at least a second, at most a day.
        JobError::RetryAfter(wait, _) => Next::RetryIn(wait.as_secs_f64().clamp(1.0, 86_400.0)),
        JobError::Transient(_) => Next::RetryIn(2f64.powi(attempts.min(16)) * 10.0),
    }
}

/// Runs a job. Most kinds fail only transiently (their action's error); push, which talks to
/// services that can refuse for good or ask for patience, answers [`JobError::Permanent`] or
/// [`JobError::RetryAfter`] itself.
async fn perform(state: &AppState, job: Job) -> Result<(), JobError> {
    match job {
        Job::EndPoll { poll_id } => {
            Ok(actions::polls::notify_ended(&state.db, &state.base_url, poll_id).await?)
        }
        Job::SendPollCounts { poll_id } => {
            Ok(actions::polls::send_counts(&state.db, &state.base_url, poll_id).await?)
        }
        Job::PublishScheduledStatus { scheduled_status_id } => {
            actions::scheduled::publish(&state.db, &state.config, scheduled_status_id).await?;
            Ok(())
        }
        Job::BackfillOutbox { account_id } => {
            Ok(crate::federation::resolve::backfill_outbox(state, account_id).await?)
        }
        Job::ApplyDomainRule { domain } => Ok(actions::domain_blocks::apply(state, &domain).await?),
        Job::ApplyDomainRules { domains } => Ok(actions::domain_blocks::apply_many(state, &domains).await?),
        Job::ProcessActivity { activity, signer_id } => {
            Ok(crate::federation::ingest::process(state, &activity, signer_id).await?)
        }
        Job::WebPush {
            notification_id,
            subscription_id,
        } => crate::push::send::deliver(state, notification_id, subscription_id).await,
        Job::Email { mail } => crate::email::deliver(state, &mail).await,
        Job::ProcessImport { import_id } => Ok(actions::imports::process(state, import_id).await?),
    }
}

/// Runs every job that is due now, once; returns how many ran. Tests call this instead of
/// waiting for the worker. The jobs of a claimed batch run concurrently (they are independent:
/// each activity, poll or scheduled status is its own unit), so a slow remote fetch in one does
/// not hold up the rest.
pub async fn run_pending_jobs(state: &AppState) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let claimed = db::jobs::claim_due(&state.db, BATCH, LEASE_SECONDS).await?;
        if claimed.is_empty() {
            return Ok(done);
        }
        let mut running = tokio::task::JoinSet::new();
        for row in claimed {
            let state = state.clone();
            running.spawn(async move { run_one(&state, row).await });
        }
        while let Some(finished) = running.join_next().await {
            match finished {
                Ok(Ok(())) => done += 1,
                Ok(Err(error)) => return Err(error),
                Err(panic) => {
                    tracing::error!(%panic, "a job panicked; it will be claimed again after its lease")
                }
            }
        }
    }
}

async fn run_one(state: &AppState, row: db::jobs::Job) -> AppResult<()> {
    let outcome = match serde_json::from_value::<Job>(row.payload.clone()) {
        // Bounded well inside the lease, so a job stuck on slow servers is retried later rather
        // than claimed a second time while it still runs.
        Ok(job) => match tokio::time::timeout(JOB_TIME_LIMIT, perform(state, job)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(JobError::Transient(
                anyhow::anyhow!("took longer than {JOB_TIME_LIMIT:?}").into(),
            )),
        },
        // No later attempt can read it either.
        Err(error) => Err(JobError::Permanent(format!("unreadable job: {error}"))),
    };
    let Err(error) = outcome else {
        db::jobs::delete(&state.db, row.id).await?;
        return Ok(());
    };
    let reason = error.to_string();
    match next_step(&error, row.attempts) {
        Next::GiveUp => {
            tracing::error!(job = row.id, kind = %row.kind, %reason, attempts = row.attempts, "job given up");
            db::jobs::give_up(&state.db, row.id, &reason).await?;
        }
        Next::RetryIn(delay) => {
            tracing::warn!(job = row.id, kind = %row.kind, %reason, delay, "job failed; retrying later");
            db::jobs::retry_later(&state.db, row.id, delay, &reason).await?;
        }
    }
    Ok(())
}

/// Deletes the change log rows of transactions that had ended by `ended_before` (the horizon at
/// the previous pruning), and returns the horizon now, for the next.
async fn prune_cache_events(state: &AppState, ended_before: Option<i64>) -> Option<i64> {
    if let Some(horizon) = ended_before {
        match db::cache_events::prune(&state.db, horizon).await {
            Ok(pruned) if pruned > 0 => tracing::debug!(pruned, "pruned the cache change log"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the cache change log could not be pruned"),
        }
    }
    db::cache_events::horizon(&state.db).await.ok()
}

/// Runs due jobs until `shutdown` resolves; a job in progress finishes first.
pub async fn run_worker(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut last_prune: Option<std::time::Instant> = None;
    let mut last_blocklist_check: Option<std::time::Instant> = None;
    let mut cache_events_pruned: Option<(std::time::Instant, Option<i64>)> = None;
    loop {
        if let Err(error) = run_pending_jobs(&state).await {
            tracing::warn!(%error, "job worker: the queue could not be read");
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_INTERVAL) {
            last_prune = Some(std::time::Instant::now());
            match db::ingest::prune_processed(&state.db, PROCESSED_KEPT_DAYS).await {
                Ok(pruned) if pruned > 0 => tracing::info!(pruned, "forgot old processed activity ids"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "processed activity ids could not be pruned"),
            }
            match actions::media::prune_unattached(&state.db, &state.media).await {
                Ok(pruned) if pruned > 0 => tracing::info!(pruned, "removed uploads left unattached"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "unattached uploads could not be pruned"),
            }
            if let Err(error) = db::user_tokens::prune(&state.db).await {
                tracing::warn!(%error, "expired mailed links could not be pruned");
            }
        }
        if cache_events_pruned.is_none_or(|(at, _)| at.elapsed() >= CACHE_EVENTS_PRUNE_INTERVAL) {
            let ended_before = cache_events_pruned.and_then(|(_, horizon)| horizon);
            cache_events_pruned = Some((
                std::time::Instant::now(),
                prune_cache_events(&state, ended_before).await,
            ));
        }
        if last_blocklist_check.is_none_or(|at| at.elapsed() >= BLOCKLIST_CHECK_INTERVAL) {
            last_blocklist_check = Some(std::time::Instant::now());
            // When each list was last tried is in the database (durable, shared by every worker
            // process); fetching runs beside the queue so a slow list server holds up no job.
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(error) = actions::blocklist_subscriptions::refresh_due(&state).await {
                    tracing::warn!(%error, "block lists could not be refreshed");
                }
            });
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_whether_and_when_the_job_runs_again() {
        let permanent = JobError::Permanent("refused".into());
        assert_eq!(next_step(&permanent, 1), Next::GiveUp);
        let told = JobError::RetryAfter(Duration::from_secs(120), "busy".into());
        assert_eq!(next_step(&told, 1), Next::RetryIn(120.0));
        let too_long = JobError::RetryAfter(Duration::from_secs(1_000_000), "busy".into());
        assert_eq!(next_step(&too_long, 1), Next::RetryIn(86_400.0));
        let transient = JobError::Transient(crate::error::AppError::NotFound);
        assert_eq!(next_step(&transient, 1), Next::RetryIn(20.0));
        assert_eq!(next_step(&transient, 3), Next::RetryIn(80.0));
        assert_eq!(next_step(&transient, MAX_ATTEMPTS), Next::GiveUp);
        assert_eq!(next_step(&told, MAX_ATTEMPTS), Next::GiveUp);
    }
}
