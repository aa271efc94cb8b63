//! Two-factor sign-in: TOTP secrets, recovery codes and sign-ins awaiting their second step.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A member's TOTP state.
#[derive(Debug, Clone)]
pub struct Otp {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: i64,
}

/// The TOTP state of a member.
pub async fn find(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Option<Otp>> {
    sqlx::query_as!(
        Otp,
        r#"select otp_secret as secret, otp_enabled_at is not null as "enabled!", otp_last_step as last_step
           from users where id = $1"#,
        user_id,
    )
    .fetch_optional(db)
    .await
}

/// Stores a secret being set up (not yet enabled).
pub async fn set_pending_secret(db: impl PgExecutor<'_>, user_id: i64, secret: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set otp_secret = $2 where id = $1 and otp_enabled_at is null",
        user_id,
        secret,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records that the code of time step `step` was accepted, unless a code of that step or a later
/// one was: false then (a replayed code).
pub async fn accept_step(db: impl PgExecutor<'_>, user_id: i64, step: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update users set otp_last_step = $2 where id = $1 and otp_last_step < $2",
        user_id,
        step,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Turns two-factor sign-in on with the pending secret and replaces the recovery codes.
pub async fn enable(db: &mut PgConnection, user_id: i64, code_digests: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set otp_enabled_at = now(), updated_at = now() where id = $1",
        user_id
    )
    .execute(&mut *db)
    .await?;
    replace_recovery_codes(db, user_id, code_digests).await
}

/// Replaces a member's recovery codes.
pub async fn replace_recovery_codes(
    db: &mut PgConnection,
    user_id: i64,
    code_digests: &[String],
) -> sqlx::Result<()> {
    sqlx::query!("delete from otp_recovery_codes where user_id = $1", user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "insert into otp_recovery_codes (user_id, digest) select $1, unnest($2::text[])",
        user_id,
        code_digests,
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Turns two-factor sign-in off: secret, recovery codes and pending sign-ins go.
pub async fn disable(db: &mut PgConnection, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set otp_secret = null, otp_enabled_at = null, updated_at = now() where id = $1",
        user_id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!("delete from otp_recovery_codes where user_id = $1", user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Uses an unused recovery code; false when there is none with this digest.
pub async fn use_recovery_code(db: impl PgExecutor<'_>, user_id: i64, digest: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update otp_recovery_codes set used_at = now() where user_id = $1 and digest = $2 and used_at is null",
        user_id,
        digest,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from otp_recovery_codes where user_id = $1 and used_at is null",
        user_id
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}

/// Remembers a sign-in awaiting its second factor.
pub async fn insert_challenge(
    db: impl PgExecutor<'_>,
    digest: &str,
    user_id: i64,
    return_to: &str,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into sign_in_challenges (digest, user_id, return_to, expires_at) values ($1, $2, $3, $4)",
        digest,
        user_id,
        return_to,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A sign-in awaiting its second factor.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub user_id: i64,
    pub return_to: String,
}

/// The unexpired challenge with this digest.
pub async fn find_challenge(db: impl PgExecutor<'_>, digest: &str) -> sqlx::Result<Option<Challenge>> {
    sqlx::query_as!(
        Challenge,
        "select user_id, return_to from sign_in_challenges where digest = $1 and expires_at > now()",
        digest,
    )
    .fetch_optional(db)
    .await
}

/// Ends a challenge (answered), and forgets expired ones.
pub async fn delete_challenge(db: impl PgExecutor<'_>, digest: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from sign_in_challenges where digest = $1 or expires_at < now()",
        digest
    )
    .execute(db)
    .await?;
    Ok(())
}
