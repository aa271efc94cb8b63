//! The `web_sessions` table: signed-in browsers.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Inserts a session for `user_id`, identified by the digest of its cookie value.
pub async fn insert(
    db: impl PgExecutor<'_>,
    id_digest: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into web_sessions (id_digest, user_id, expires_at) values ($1, $2, $3)",
        id_digest,
        user_id,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The user of a live session.
pub async fn find_user_id(db: impl PgExecutor<'_>, id_digest: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "select user_id from web_sessions where id_digest = $1 and expires_at > now()",
        id_digest,
    )
    .fetch_optional(db)
    .await
}

/// Ends a session.
pub async fn delete(db: impl PgExecutor<'_>, id_digest: &str) -> sqlx::Result<()> {
    sqlx::query!("delete from web_sessions where id_digest = $1", id_digest)
        .execute(db)
        .await?;
    Ok(())
}
