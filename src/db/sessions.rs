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

/// A member's signed-in browser, as the sessions page lists it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id_digest: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A member's live sessions, newest first.
pub async fn list_for_user(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as!(
        SessionRow,
        "select id_digest, created_at, expires_at from web_sessions
         where user_id = $1 and expires_at > now() order by created_at desc",
        user_id,
    )
    .fetch_all(db)
    .await
}

/// Ends one of a member's sessions; whether there was one.
pub async fn delete_for_user(db: impl PgExecutor<'_>, user_id: i64, id_digest: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "delete from web_sessions where user_id = $1 and id_digest = $2",
        user_id,
        id_digest,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of a member but `keep`.
pub async fn delete_others(db: impl PgExecutor<'_>, user_id: i64, keep: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from web_sessions where user_id = $1 and id_digest <> $2",
        user_id,
        keep,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every browser session of a member (a password reset).
pub async fn delete_all_for_user(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from web_sessions where user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(())
}
