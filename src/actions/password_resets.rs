//! Forgotten passwords: a single-use link mailed to the member, and the new password it sets.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::app::AppState;
use crate::db;
use crate::email::{self, notices};
use crate::error::{AppError, AppResult};
use crate::{passwords, secrets};

/// How long a reset link works.
pub const RESET_HOURS: i64 = 2;
/// Reset mails one member may get per hour.
const RESETS_PER_HOUR: i64 = 3;

/// Mails a reset link to the member whose address or username `login` is. Says nothing about
/// whether there is one (the page answers the same either way), so it cannot be used to find out
/// who has an account; a few mails an hour at most.
pub async fn request(state: &AppState, login: &str) -> AppResult<()> {
    let Some(user) = db::users::find_by_login(&state.db, login.trim()).await? else {
        return Ok(());
    };
    let since = Utc::now() - Duration::hours(1);
    if db::user_tokens::count_recent(&state.db, user.id, "reset_password", since).await? >= RESETS_PER_HOUR {
        tracing::info!(user = user.id, "password reset mail not sent: too many this hour");
        return Ok(());
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = secrets::random_token()?;
    let url = format!(
        "{}/auth/password/edit?reset_password_token={token}",
        state.base_url
    );
    let mail = notices::reset_password(&account.username, &url).render(&user.email, state.config.title())?;
    let mut tx = db::begin(&state.db).await?;
    db::user_tokens::insert(
        &mut *tx,
        &secrets::digest(&token),
        user.id,
        "reset_password",
        None,
        Utc::now() + Duration::hours(RESET_HOURS),
    )
    .await?;
    email::queue(&mut *tx, mail).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a reset link still works (to show its form, or say it expired).
pub async fn is_valid(pool: &PgPool, token: &str) -> AppResult<bool> {
    Ok(db::user_tokens::is_live(pool, &secrets::digest(token), "reset_password").await?)
}

/// Why a reset did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetRefusal {
    /// Unknown, used or expired link.
    InvalidLink,
    Unacceptable(String),
}

/// Sets a new password with a reset link. Every browser session and every app token of the
/// member ends (push subscriptions go with the tokens), and the link is spent; reaching the
/// mailbox proves the address, so an unconfirmed one counts as confirmed from now.
pub async fn reset(
    state: &AppState,
    token: &str,
    new_password: &str,
) -> AppResult<Result<i64, ResetRefusal>> {
    if let Some(problem) = crate::actions::accounts::password_problem(new_password) {
        return Ok(Err(ResetRefusal::Unacceptable(problem.description)));
    }
    let new = new_password.to_owned();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&new))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(AppError::Internal)?;
    let mut tx = db::begin(&state.db).await?;
    let Some(taken) = db::user_tokens::take(&mut tx, &secrets::digest(token), "reset_password").await? else {
        return Ok(Err(ResetRefusal::InvalidLink));
    };
    let user = db::users::find(&mut *tx, taken.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::users::update_password(&mut *tx, user.id, &hash).await?;
    if user.confirmed_at.is_none() && user.unconfirmed_email.is_none() {
        db::users::confirm_email(&mut *tx, user.id, &user.email).await?;
    }
    db::sessions::delete_all_for_user(&mut *tx, user.id).await?;
    db::oauth::revoke_all_user_tokens(&mut *tx, user.id).await?;
    let account = db::accounts::find(&mut *tx, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = notices::password_changed(&account.username).render(&user.email, state.config.title())?;
    email::queue(&mut *tx, notice).await?;
    tx.commit().await?;
    Ok(Ok(user.id))
}
