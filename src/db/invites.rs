//! The `invites` table: invite links and their uses.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An invite.
#[derive(Debug, Clone)]
pub struct Invite {
    pub id: i64,
    pub account_id: i64,
    pub code: String,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Makes an invite.
pub async fn insert(
    db: impl PgExecutor<'_>,
    account_id: i64,
    code: &str,
    max_uses: Option<i32>,
    expires_at: Option<DateTime<Utc>>,
) -> sqlx::Result<Invite> {
    sqlx::query_as!(
        Invite,
        "insert into invites (account_id, code, max_uses, expires_at) values ($1, $2, $3, $4)
         returning id, account_id, code, max_uses, uses, expires_at, revoked_at, created_at",
        account_id,
        code,
        max_uses,
        expires_at,
    )
    .fetch_one(db)
    .await
}

/// A member's invites, newest first.
pub async fn list_for(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Invite>> {
    sqlx::query_as!(
        Invite,
        "select id, account_id, code, max_uses, uses, expires_at, revoked_at, created_at
         from invites where account_id = $1 order by id desc limit 100",
        account_id
    )
    .fetch_all(db)
    .await
}

/// The invite with this code, if it can still be used: not revoked, not expired, uses left,
/// and its maker able to sign in.
pub async fn find_usable(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<Invite>> {
    sqlx::query_as!(
        Invite,
        "select i.id, i.account_id, i.code, i.max_uses, i.uses, i.expires_at, i.revoked_at, i.created_at
         from invites i join users u on u.account_id = i.account_id join accounts a on a.id = i.account_id
         where i.code = $1 and i.revoked_at is null and (i.expires_at is null or i.expires_at > now())
           and (i.max_uses is null or i.uses < i.max_uses) and not u.disabled and a.suspended_at is null",
        code
    )
    .fetch_optional(db)
    .await
}

/// Counts one use of a usable invite; `None` when it can no longer be used (a race lost).
pub async fn use_once(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "update invites set uses = uses + 1
         where code = $1 and revoked_at is null and (expires_at is null or expires_at > now())
           and (max_uses is null or uses < max_uses)
         returning id",
        code
    )
    .fetch_optional(db)
    .await
}

/// Revokes one of a member's invites; whether it was theirs and live.
pub async fn revoke(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update invites set revoked_at = now() where id = $1 and account_id = $2 and revoked_at is null",
        id,
        account_id
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// Records which invite a member signed up with.
pub async fn set_user_invite(db: impl PgExecutor<'_>, user_id: i64, invite_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set invite_id = $2 where id = $1",
        user_id,
        invite_id
    )
    .execute(db)
    .await?;
    Ok(())
}
