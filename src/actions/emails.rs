//! Mail that follows from members' and staff's actions: confirming an address (at sign-up, on a
//! change, on request), and the notices staff and applicants get.

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use crate::app::AppState;
use crate::db;
use crate::email::{self, notices};
use crate::error::{AppError, AppResult};
use crate::secrets;

/// How long a confirmation link works.
pub const CONFIRMATION_DAYS: i64 = 3;
/// Confirmation mails one member may ask for per hour.
const CONFIRMATIONS_PER_HOUR: i64 = 5;

/// Makes a confirmation token for `email` and queues the mail carrying its link (inside the
/// caller's transaction).
pub async fn queue_confirmation(
    db: &mut PgConnection,
    state: &AppState,
    user_id: i64,
    username: &str,
    email: &str,
    change: bool,
) -> AppResult<()> {
    let token = secrets::random_token()?;
    let expires_at = Utc::now() + Duration::days(CONFIRMATION_DAYS);
    db::user_tokens::insert(
        &mut *db,
        &secrets::digest(&token),
        user_id,
        "confirm_email",
        Some(email),
        expires_at,
    )
    .await?;
    let url = format!("{}/auth/confirmation?confirmation_token={token}", state.base_url);
    let mail = notices::confirm_email(username, &url, change).render(email, state.config.title())?;
    email::queue(&mut *db, mail).await?;
    Ok(())
}

/// Sends a member's confirmation mail again (`POST /api/v1/emails/confirmations`, the resend
/// page), to a corrected address when `new_email` is given. Only while unconfirmed, and a few
/// times an hour.
pub async fn resend_confirmation(state: &AppState, user_id: i64, new_email: Option<&str>) -> AppResult<()> {
    let user = db::users::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.confirmed_at.is_some() {
        return Err(AppError::Forbidden(
            "This method is only available while the e-mail is awaiting confirmation".into(),
        ));
    }
    let since = Utc::now() - Duration::hours(1);
    if db::user_tokens::count_recent(&state.db, user_id, "confirm_email", since).await?
        >= CONFIRMATIONS_PER_HOUR
    {
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
            limit: CONFIRMATIONS_PER_HOUR as u32,
        });
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin(&state.db).await?;
    let email = match new_email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => {
            if let Some(problem) = crate::actions::accounts::email_problem(email) {
                return Err(problem.into());
            }
            crate::actions::sign_up_blocks::check_email(&state.db, email).await?;
            if !email.eq_ignore_ascii_case(&user.email) && db::users::exists_email(&mut *tx, email).await? {
                return Err(crate::actions::accounts::email_taken());
            }
            db::users::set_unconfirmed_address(&mut *tx, user_id, email).await?;
            email.to_owned()
        }
        None => user.email.clone(),
    };
    queue_confirmation(&mut tx, state, user_id, &account.username, &email, false).await?;
    tx.commit().await?;
    Ok(())
}

/// What following a confirmation link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// The address is confirmed; the member's user id.
    Done(i64),
    /// Unknown, used or expired link.
    Invalid,
    /// Another member took the address meanwhile.
    Taken,
}

/// Confirms the address a token was mailed to.
pub async fn confirm(state: &AppState, token: &str) -> AppResult<Confirmed> {
    let mut tx = db::begin(&state.db).await?;
    let Some(taken) = db::user_tokens::take(&mut tx, &secrets::digest(token), "confirm_email").await? else {
        return Ok(Confirmed::Invalid);
    };
    let Some(email) = taken.email else {
        return Ok(Confirmed::Invalid);
    };
    if !db::users::confirm_email(&mut *tx, taken.user_id, &email).await? {
        return Ok(Confirmed::Taken);
    }
    tx.commit().await?;
    Ok(Confirmed::Done(taken.user_id))
}

/// Why an address change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChangeRefusal {
    WrongPassword,
    Unacceptable(String),
}

/// Starts a change of address: checked against the password, confirmed by a link mailed to the
/// new address, told to the old one. The old address stays in use until then.
pub async fn change_email(
    state: &AppState,
    user_id: i64,
    password: &str,
    new_email: &str,
) -> AppResult<Result<(), EmailChangeRefusal>> {
    let user = db::users::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::actions::sessions::hash_matches(&user.password_hash, password).await? {
        return Ok(Err(EmailChangeRefusal::WrongPassword));
    }
    let new_email = new_email.trim();
    if let Some(problem) = crate::actions::accounts::email_problem(new_email) {
        return Ok(Err(EmailChangeRefusal::Unacceptable(problem.description)));
    }
    if new_email.eq_ignore_ascii_case(&user.email) {
        return Ok(Err(EmailChangeRefusal::Unacceptable(
            "That is already your address.".into(),
        )));
    }
    if let Err(AppError::Validation { description, .. }) =
        crate::actions::sign_up_blocks::check_email(&state.db, new_email).await
    {
        return Ok(Err(EmailChangeRefusal::Unacceptable(description)));
    }
    if db::users::exists_email(&state.db, new_email).await? {
        return Ok(Err(EmailChangeRefusal::Unacceptable(
            "That address is already in use.".into(),
        )));
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin(&state.db).await?;
    db::users::set_unconfirmed_email(&mut *tx, user_id, new_email).await?;
    queue_confirmation(&mut tx, state, user_id, &account.username, new_email, true).await?;
    let notice =
        notices::email_changing(&account.username, new_email).render(&user.email, state.config.title())?;
    email::queue(&mut *tx, notice).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Mails a member (by user id) a notice, if they have an address on file.
pub async fn notify_member(
    db: &mut PgConnection,
    state: &AppState,
    user_id: i64,
    notice: &email::Notice,
) -> AppResult<()> {
    if let Some(user) = db::users::find(&mut *db, user_id).await? {
        let mail = notice.render(&user.email, state.config.title())?;
        email::queue(&mut *db, mail).await?;
    }
    Ok(())
}

/// Mails the staff who asked for `kind` (`pending_sign_up` or `report`) the notice `notice`.
pub async fn notify_staff(
    db: &mut PgConnection,
    state: &AppState,
    kind: &str,
    notice: &email::Notice,
) -> AppResult<()> {
    for staff in db::users::staff_wanting_mail(&mut *db, kind).await? {
        let mail = notice.render(&staff.email, state.config.title())?;
        email::queue(&mut *db, mail).await?;
    }
    Ok(())
}

/// Which notices a staff member wants by mail (403 for members, who get none).
pub async fn set_staff_preferences(
    pool: &sqlx::PgPool,
    user: &db::users::User,
    on_pending_sign_up: bool,
    on_report: bool,
) -> AppResult<()> {
    if !matches!(user.role.as_str(), "admin" | "moderator") {
        return Err(AppError::Forbidden("These notices are for the staff.".into()));
    }
    db::users::set_staff_mail_preferences(pool, user.id, on_pending_sign_up, on_report).await?;
    Ok(())
}
