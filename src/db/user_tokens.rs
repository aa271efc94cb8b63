//! The `user_tokens` table: single-use secrets mailed to members (confirmations, password resets).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// Stores a token's digest for `purpose` (`confirm_email` or `reset_password`).
pub async fn insert(
    db: impl PgExecutor<'_>,
    digest: &str,
    user_id: i64,
    purpose: &str,
    email: Option<&str>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into user_tokens (digest, user_id, purpose, email, expires_at) values ($1, $2, $3, $4, $5)",
        digest,
        user_id,
        purpose,
        email,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A token taken for use.
#[derive(Debug, Clone)]
pub struct Taken {
    pub user_id: i64,
    pub email: Option<String>,
}

/// Uses the unexpired, unused token with this digest and purpose: marks it used and returns whom
/// it was for. Every other token of the same purpose for that member is spent with it, so an
/// older mail's link cannot be used after a newer one's.
pub async fn take(db: &mut PgConnection, digest: &str, purpose: &str) -> sqlx::Result<Option<Taken>> {
    let taken = sqlx::query_as!(
        Taken,
        "update user_tokens set used_at = now()
         where digest = $1 and purpose = $2 and used_at is null and expires_at > now()
         returning user_id, email",
        digest,
        purpose,
    )
    .fetch_optional(&mut *db)
    .await?;
    if let Some(taken) = &taken {
        sqlx::query!(
            "update user_tokens set used_at = now() where user_id = $1 and purpose = $2 and used_at is null",
            taken.user_id,
            purpose,
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(taken)
}

/// Whether an unexpired, unused token with this digest and purpose exists (to show its form).
pub async fn is_live(db: impl PgExecutor<'_>, digest: &str, purpose: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from user_tokens
                       where digest = $1 and purpose = $2 and used_at is null and expires_at > now())",
        digest,
        purpose,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// Tokens of a purpose made for a member since `since` (to bound how many mails one can ask for).
pub async fn count_recent(
    db: impl PgExecutor<'_>,
    user_id: i64,
    purpose: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from user_tokens where user_id = $1 and purpose = $2 and created_at >= $3",
        user_id,
        purpose,
        since,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}

/// Forgets tokens that expired a day ago or more.
pub async fn prune(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    Ok(
        sqlx::query!("delete from user_tokens where expires_at < now() - interval '1 day'")
            .execute(db)
            .await?
            .rows_affected(),
    )
}
