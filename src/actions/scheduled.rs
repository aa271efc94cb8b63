//! Scheduled statuses: kept with their draft until their time, then posted by a job.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::actions::statuses::{self, Composer, Draft};
use crate::config::Config;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, Job};

/// How far ahead a status must be scheduled (Mastodon's rule).
pub const MIN_LEAD_MINUTES: i64 = 5;

fn check_time(at: DateTime<Utc>) -> AppResult<()> {
    if at < Utc::now() + Duration::minutes(MIN_LEAD_MINUTES) {
        return Err(AppError::Invalid(format!(
            "Validation failed: Scheduled at must be at least {MIN_LEAD_MINUTES} minutes in the future"
        )));
    }
    Ok(())
}

/// Schedules a draft (checked now as if it were posted) and queues its publication.
pub async fn schedule(pool: &PgPool, author: i64, at: DateTime<Utc>, draft: &Draft) -> AppResult<i64> {
    check_time(at)?;
    if !statuses::VISIBILITIES.contains(&draft.visibility.as_str()) {
        return Err(AppError::Invalid(
            "Validation failed: Visibility is not one of public, unlisted, private or direct".into(),
        ));
    }
    if draft.text.trim().is_empty() && draft.media_ids.is_empty() {
        return Err(AppError::Invalid("Validation failed: Text can't be blank".into()));
    }
    if let Some(problem) = draft.poll.as_ref().and_then(statuses::poll_problem) {
        return Err(AppError::Invalid(format!("Validation failed: {problem}")));
    }
    let params = serde_json::to_value(draft).map_err(anyhow::Error::from)?;
    let mut tx = crate::db::begin(pool).await?;
    statuses::check_media(&mut tx, author, None, &draft.media_ids, draft.poll.is_some()).await?;
    let id = db::scheduled_statuses::insert(&mut *tx, author, draft.application_id, at, &params).await?;
    jobs::enqueue(
        &mut *tx,
        &Job::PublishScheduledStatus {
            scheduled_status_id: id,
        },
        at,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves a scheduled status to another time (the job checks the time when it runs).
pub async fn reschedule(pool: &PgPool, author: i64, id: i64, at: DateTime<Utc>) -> AppResult<()> {
    check_time(at)?;
    let mut tx = crate::db::begin(pool).await?;
    if !db::scheduled_statuses::reschedule(&mut *tx, author, id, at).await? {
        return Err(AppError::NotFound);
    }
    jobs::enqueue(
        &mut *tx,
        &Job::PublishScheduledStatus {
            scheduled_status_id: id,
        },
        at,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a scheduled status, with the job that would post it.
pub async fn cancel(pool: &PgPool, author: i64, id: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    if !db::scheduled_statuses::delete(&mut *tx, author, id).await? {
        return Err(AppError::NotFound);
    }
    jobs::cancel(
        &mut *tx,
        &Job::PublishScheduledStatus {
            scheduled_status_id: id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Posts a scheduled status whose time has come; returns the status id (none when it was
/// cancelled or moved later).
pub async fn publish(pool: &PgPool, config: &Config, id: i64) -> AppResult<Option<i64>> {
    let Some(row) = db::scheduled_statuses::find_any(pool, id).await? else {
        return Ok(None);
    };
    if row.scheduled_at > Utc::now() {
        // Rescheduled: a later job publishes it.
        return Ok(None);
    }
    let mut draft: Draft = serde_json::from_value(row.params.clone()).map_err(anyhow::Error::from)?;
    // If this job runs twice (a crash after posting, a retry), the key makes it post once.
    draft.idempotency_key = Some(format!("scheduled:{id}"));
    let base_url = config.base_url();
    let composer = Composer::new(config, &base_url);
    let status_id = statuses::post(pool, row.account_id, &composer, &draft).await?;
    db::scheduled_statuses::take(pool, id).await?;
    Ok(Some(status_id))
}
