//! Activities already processed, so a redelivery is done once.

use sqlx::PgExecutor;

pub async fn already_processed(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<bool> {
    Ok(
        sqlx::query_scalar!("select 1 as one from processed_activities where uri = $1", uri)
            .fetch_optional(db)
            .await?
            .is_some(),
    )
}

pub async fn mark_processed(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into processed_activities (uri) values ($1) on conflict do nothing",
        uri
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets processed ids older than `days` (a redelivery after that long is not expected).
pub async fn prune_processed(db: impl PgExecutor<'_>, days: i32) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        "delete from processed_activities where processed_at < now() - make_interval(days => $1)",
        days
    )
    .execute(db)
    .await?
    .rows_affected())
}
