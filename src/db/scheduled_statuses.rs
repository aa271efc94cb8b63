//! The `scheduled_statuses` table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A scheduled status row.
#[derive(Debug, Clone)]
pub struct ScheduledStatus {
    pub id: i64,
    pub account_id: i64,
    pub application_id: Option<i64>,
    pub scheduled_at: DateTime<Utc>,
    pub params: serde_json::Value,
}

/// Inserts a scheduled status and returns its id.
pub async fn insert(
    db: impl PgExecutor<'_>,
    account_id: i64,
    application_id: Option<i64>,
    scheduled_at: DateTime<Utc>,
    params: &serde_json::Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into scheduled_statuses (account_id, application_id, scheduled_at, params)
         values ($1, $2, $3, $4) returning id",
        account_id,
        application_id,
        scheduled_at,
        params
    )
    .fetch_one(db)
    .await
}

/// A member's scheduled status.
pub async fn find(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<ScheduledStatus>> {
    sqlx::query_as!(
        ScheduledStatus,
        "select id, account_id, application_id, scheduled_at, params from scheduled_statuses
         where id = $1 and account_id = $2",
        id,
        account_id
    )
    .fetch_optional(db)
    .await
}

/// A scheduled status by id alone (for the job that publishes it).
pub async fn take(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<ScheduledStatus>> {
    sqlx::query_as!(
        ScheduledStatus,
        "delete from scheduled_statuses where id = $1
         returning id, account_id, application_id, scheduled_at, params",
        id
    )
    .fetch_optional(db)
    .await
}

/// A member's scheduled statuses, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    account_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<ScheduledStatus>> {
    sqlx::query_as!(
        ScheduledStatus,
        "select id, account_id, application_id, scheduled_at, params from scheduled_statuses
         where account_id = $1 order by id desc limit $2",
        account_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Moves a scheduled status to another time.
pub async fn reschedule(
    db: impl PgExecutor<'_>,
    account_id: i64,
    id: i64,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update scheduled_statuses set scheduled_at = $3 where id = $1 and account_id = $2",
        id,
        account_id,
        at
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Cancels a scheduled status.
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from scheduled_statuses where id = $1 and account_id = $2",
        id,
        account_id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// A scheduled status by id, whoever owns it.
pub async fn find_any(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<ScheduledStatus>> {
    sqlx::query_as!(
        ScheduledStatus,
        "select id, account_id, application_id, scheduled_at, params from scheduled_statuses where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}
