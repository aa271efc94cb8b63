//! Two-factor sign-in: TOTP (RFC 6238) set up with a QR code, ten single-use recovery codes,
//! and the check a sign-in makes once it is on.

use chrono::{Duration, Utc};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::app::AppState;
use crate::db;
use crate::email::notices;
use crate::error::{AppError, AppResult};
use crate::secrets;

/// Seconds per code.
const STEP_SECONDS: u64 = 30;
/// Codes of the step before and after now are accepted too (clocks drift).
const SKEW_STEPS: i64 = 1;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;
/// How long a sign-in waits for its second factor.
pub const CHALLENGE_MINUTES: i64 = 5;

/// What the setup page shows: the secret as text, the `otpauth://` URL and its QR code.
#[derive(Debug, Clone)]
pub struct Setup {
    pub secret: String,
    pub url: String,
    /// PNG, base64.
    pub qr_png: String,
}

fn totp(state: &AppState, secret_base32: &str, username: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("stored TOTP secret unreadable: {e:?}"))?;
    // The otpauth URL's label may not hold a colon: the host without its port, the title without.
    let host = state
        .config
        .server
        .domain
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let issuer = state.config.title().replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some(issuer),
        format!("{username}@{host}"),
    )
    .map_err(|e| AppError::Internal(anyhow::anyhow!("TOTP: {e}")))
}

/// The secret being set up for a member (made on first call, the same until enabled, so a
/// reloaded page shows the code already scanned); `None` when two-factor is on already.
pub async fn setup(state: &AppState, user_id: i64, username: &str) -> AppResult<Option<Setup>> {
    let otp = db::two_factor::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if otp.enabled {
        return Ok(None);
    }
    let secret = match otp.secret {
        Some(secret) => secret,
        None => {
            let mut bytes = [0u8; 20];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let secret = Secret::Raw(bytes.to_vec()).to_encoded().to_string();
            db::two_factor::set_pending_secret(&state.db, user_id, &secret).await?;
            secret
        }
    };
    let totp = totp(state, &secret, username)?;
    let qr_png = totp
        .get_qr_base64()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(Some(Setup {
        url: totp.get_url(),
        secret,
        qr_png,
    }))
}

/// Whether `code` is the member's current TOTP code, unused so far; accepting it spends it.
async fn accept_code(
    state: &AppState,
    user_id: i64,
    secret: &str,
    username: &str,
    code: &str,
) -> AppResult<bool> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let totp = totp(state, secret, username)?;
    let now = Utc::now().timestamp();
    let current = now / STEP_SECONDS as i64;
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        let expected = totp.generate(step as u64 * STEP_SECONDS);
        if secrets::constant_time_eq(&expected, &code) {
            return Ok(db::two_factor::accept_step(&state.db, user_id, step).await?);
        }
    }
    Ok(false)
}

/// Why a two-factor change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    WrongPassword,
    WrongCode,
    /// On already (enable) or off already (disable).
    AlreadyDone,
}

fn new_recovery_code() -> AppResult<String> {
    let mut bytes = [0u8; 5];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hex = hex::encode(bytes);
    Ok(format!("{}-{}", &hex[..5], &hex[5..]))
}

/// Recovery codes are compared without case, spaces or dashes.
fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Turns two-factor sign-in on, once a code from the app proves it was set up, and returns the
/// recovery codes (shown once; only their digests are kept).
pub async fn enable(
    state: &AppState,
    user_id: i64,
    password: &str,
    code: &str,
) -> AppResult<Result<Vec<String>, Refusal>> {
    let user = db::users::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let otp = db::two_factor::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if otp.enabled {
        return Ok(Err(Refusal::AlreadyDone));
    }
    if !crate::actions::sessions::hash_matches(&user.password_hash, password).await? {
        return Ok(Err(Refusal::WrongPassword));
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(secret) = otp.secret else {
        return Ok(Err(Refusal::WrongCode));
    };
    if !accept_code(state, user_id, &secret, &account.username, code).await? {
        return Ok(Err(Refusal::WrongCode));
    }
    let codes = (0..RECOVERY_CODES)
        .map(|_| new_recovery_code())
        .collect::<AppResult<Vec<_>>>()?;
    let digests: Vec<String> = codes
        .iter()
        .map(|c| secrets::digest(&normalize_recovery_code(c)))
        .collect();
    let mut tx = db::begin(&state.db).await?;
    db::two_factor::enable(&mut tx, user_id, &digests).await?;
    let notice = notices::two_factor_changed(&account.username, true);
    crate::actions::emails::notify_member(&mut tx, state, user_id, &notice).await?;
    tx.commit().await?;
    Ok(Ok(codes))
}

/// Checks a second factor: a current TOTP code, or one of the recovery codes (spent by use).
pub async fn verify(state: &AppState, user_id: i64, code: &str) -> AppResult<bool> {
    let otp = db::two_factor::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (true, Some(secret)) = (otp.enabled, otp.secret) else {
        return Ok(false);
    };
    let user = db::users::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if accept_code(state, user_id, &secret, &account.username, code).await? {
        return Ok(true);
    }
    let normalized = normalize_recovery_code(code);
    if normalized.len() != 10 {
        return Ok(false);
    }
    Ok(db::two_factor::use_recovery_code(&state.db, user_id, &secrets::digest(&normalized)).await?)
}

/// Turns two-factor sign-in off, with the password and a current code (or a recovery code).
pub async fn disable(
    state: &AppState,
    user_id: i64,
    password: &str,
    code: &str,
) -> AppResult<Result<(), Refusal>> {
    let user = db::users::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.otp_enabled {
        return Ok(Err(Refusal::AlreadyDone));
    }
    if !crate::actions::sessions::hash_matches(&user.password_hash, password).await? {
        return Ok(Err(Refusal::WrongPassword));
    }
    if !verify(state, user_id, code).await? {
        return Ok(Err(Refusal::WrongCode));
    }
    let account = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin(&state.db).await?;
    db::two_factor::disable(&mut tx, user_id).await?;
    let notice = notices::two_factor_changed(&account.username, false);
    crate::actions::emails::notify_member(&mut tx, state, user_id, &notice).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Starts the second step of a sign-in whose password was right: returns the secret the
/// browser keeps in a cookie until it answers.
pub async fn challenge(state: &AppState, user_id: i64, return_to: &str) -> AppResult<String> {
    let secret = secrets::random_token()?;
    let expires_at = Utc::now() + Duration::minutes(CHALLENGE_MINUTES);
    db::two_factor::insert_challenge(
        &state.db,
        &secrets::digest(&secret),
        user_id,
        return_to,
        expires_at,
    )
    .await?;
    Ok(secret)
}

/// The sign-in a challenge cookie stands for, if it has not expired.
pub async fn pending_sign_in(state: &AppState, secret: &str) -> AppResult<Option<db::two_factor::Challenge>> {
    Ok(db::two_factor::find_challenge(&state.db, &secrets::digest(secret)).await?)
}

/// Ends a challenge (answered or abandoned).
pub async fn end_challenge(state: &AppState, secret: &str) -> AppResult<()> {
    db::two_factor::delete_challenge(&state.db, &secrets::digest(secret)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_look_alike_and_compare_loosely() {
        let code = new_recovery_code().unwrap();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalize_recovery_code(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
    }
}
