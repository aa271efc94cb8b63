//! What the operator does to a member's sign-in from the command line: a new password, a new
//! role or address, a confirmed address, a disabled login, two-factor sign-in turned off.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::passwords;

/// Sets a member's password and signs them out everywhere (browsers and apps).
pub async fn reset_password(pool: &PgPool, account_id: i64, password: &str) -> AppResult<()> {
    if let Some(problem) = crate::actions::accounts::password_problem(password) {
        return Err(problem.into());
    }
    let user = db::users::find_by_account(pool, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(AppError::Internal)?;
    let mut tx = db::begin(pool).await?;
    db::users::update_password(&mut *tx, user.id, &hash).await?;
    db::sessions::delete_all_for_user(&mut *tx, user.id).await?;
    db::oauth::revoke_all_user_tokens(&mut *tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes to a member's sign-in; `None` leaves a part as it is.
#[derive(Debug, Default)]
pub struct Modification<'a> {
    pub role: Option<crate::actions::accounts::Role>,
    pub email: Option<&'a str>,
    pub confirm: bool,
    pub disabled: Option<bool>,
    pub disable_two_factor: bool,
}

/// Applies a modification in one transaction.
pub async fn modify(pool: &PgPool, account_id: i64, change: &Modification<'_>) -> AppResult<()> {
    let user = db::users::find_by_account(pool, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin(pool).await?;
    if let Some(role) = change.role {
        db::users::set_role(&mut *tx, user.id, role.as_str()).await?;
    }
    if let Some(email) = change.email.map(str::trim) {
        if let Some(problem) = crate::actions::accounts::email_problem(email) {
            return Err(problem.into());
        }
        if !email.eq_ignore_ascii_case(&user.email) && db::users::exists_email(&mut *tx, email).await? {
            return Err(crate::actions::accounts::email_taken());
        }
        db::users::set_email(&mut *tx, user.id, email).await?;
    }
    if change.confirm {
        let email = change.email.map(str::trim).unwrap_or(&user.email);
        db::users::confirm_email(&mut *tx, user.id, email).await?;
    }
    if let Some(disabled) = change.disabled {
        db::account_moderation::set_disabled(&mut *tx, account_id, disabled).await?;
    }
    if change.disable_two_factor {
        db::two_factor::disable(&mut tx, user.id).await?;
    }
    tx.commit().await?;
    Ok(())
}
