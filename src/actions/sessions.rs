//! Signing in and out of the web pages: password checks and browser sessions.

use std::sync::OnceLock;

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::{passwords, secrets};

/// How long a browser stays signed in.
pub const SESSION_DAYS: i64 = 30;

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown login or wrong password (never said apart).
    WrongCredentials,
    /// Right password, but the account awaits the staff's approval.
    PendingApproval,
    /// Right password, but the address is unconfirmed and the server requires confirmation.
    Unconfirmed,
}

/// A sign-in attempt: the member its login (email or username) names, if any, and the key its
/// attempts are counted under.
#[derive(Debug)]
pub struct Attempt {
    user: Option<db::users::User>,
    /// The same for every spelling of one account (its username, its email address, any case),
    /// so that each account has one budget of attempts; an unknown login counts as typed.
    pub counted_as: String,
}

/// Finds what a login names, for counting the attempt before the password is checked.
pub async fn attempt(pool: &PgPool, login: &str) -> AppResult<Attempt> {
    let user = db::users::find_by_login(pool, login.trim()).await?;
    let counted_as = match &user {
        Some(user) => format!("account:{}", user.account_id),
        None => format!("login:{}", login.trim().to_lowercase()),
    };
    Ok(Attempt { user, counted_as })
}

/// Checks an attempt's password. Takes as long for an unknown login as for a known one, so that
/// answers do not reveal which accounts exist.
pub async fn check_password(
    attempt: Attempt,
    password: &str,
    require_confirmation: bool,
) -> AppResult<Result<db::users::User, SignInRefusal>> {
    let user = attempt.user;
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || passwords::verify(&password, &stored))
        .await
        .map_err(anyhow::Error::from)?;
    Ok(match user {
        Some(user) if matches && require_confirmation && user.confirmed_at.is_none() => {
            Err(SignInRefusal::Unconfirmed)
        }
        Some(user) if matches && user.approved => Ok(user),
        Some(_) if matches => Err(SignInRefusal::PendingApproval),
        _ => Err(SignInRefusal::WrongCredentials),
    })
}

/// A hash to verify against when the login is unknown.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| passwords::hash("not anyone's password").unwrap_or_default())
}

/// Starts a session for `user_id` and returns the cookie value naming it.
pub async fn start_session(pool: &PgPool, user_id: i64) -> AppResult<String> {
    let value = secrets::random_token()?;
    let expires_at = Utc::now() + Duration::days(SESSION_DAYS);
    db::sessions::insert(pool, &secrets::digest(&value), user_id, expires_at).await?;
    db::users::touch_last_active(pool, user_id).await?;
    Ok(value)
}

/// Records that a member was active now (a token used, a session begun).
pub async fn note_activity(pool: &PgPool, user_id: i64) -> AppResult<()> {
    db::users::touch_last_active(pool, user_id).await?;
    Ok(())
}

/// Ends the session named by a cookie value.
pub async fn end_session(pool: &PgPool, cookie_value: &str) -> AppResult<()> {
    db::sessions::delete(pool, &secrets::digest(cookie_value)).await?;
    Ok(())
}

/// Ends one of a member's sessions (named by its digest, as the sessions page lists them).
pub async fn end_session_of(pool: &PgPool, user_id: i64, id_digest: &str) -> AppResult<bool> {
    Ok(db::sessions::delete_for_user(pool, user_id, id_digest).await?)
}

/// Why a password was not changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordRefusal {
    WrongCurrentPassword,
    Unacceptable(String),
}

/// Changes a member's password after checking the current one. Every other browser session of
/// theirs ends (the one named by `keep_session`, the member's own, stays); apps keep their
/// tokens, as in Mastodon, unless `sign_out_apps` asks that they be revoked too. The member is
/// told by mail.
pub async fn change_password(
    state: &AppState,
    user_id: i64,
    current: &str,
    new: &str,
    keep_session: &str,
    sign_out_apps: bool,
) -> AppResult<Result<(), PasswordRefusal>> {
    let pool = &state.db;
    let user = db::users::find(pool, user_id).await?.ok_or(AppError::NotFound)?;
    if !hash_matches(&user.password_hash, current).await? {
        return Ok(Err(PasswordRefusal::WrongCurrentPassword));
    }
    if let Some(problem) = crate::actions::accounts::password_problem(new) {
        return Ok(Err(PasswordRefusal::Unacceptable(problem.description)));
    }
    let new = new.to_owned();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&new))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(AppError::Internal)?;
    let account = db::accounts::find(pool, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin(pool).await?;
    db::users::update_password(&mut *tx, user_id, &hash).await?;
    db::sessions::delete_others(&mut *tx, user_id, &secrets::digest(keep_session)).await?;
    if sign_out_apps {
        db::oauth::revoke_all_user_tokens(&mut *tx, user_id).await?;
    }
    let notice = crate::email::notices::password_changed(&account.username);
    crate::email::queue(&mut *tx, notice.render(&user.email, state.config.title())?).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Whether `password` is the member's (for forms that ask for it again before a grave change).
pub async fn password_matches(pool: &PgPool, user_id: i64, password: &str) -> AppResult<bool> {
    let user = db::users::find(pool, user_id).await?.ok_or(AppError::NotFound)?;
    hash_matches(&user.password_hash, password).await
}

/// Whether `password` matches a stored hash, checked off the async runtime (Argon2 is slow on
/// purpose).
pub async fn hash_matches(hash: &str, password: &str) -> AppResult<bool> {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    Ok(
        tokio::task::spawn_blocking(move || passwords::verify(&password, &hash))
            .await
            .map_err(anyhow::Error::from)?,
    )
}
