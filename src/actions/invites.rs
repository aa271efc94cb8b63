//! Invite links: who may make them, making and revoking them, and the check a sign-up makes.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::app::AppState;
use crate::config::InvitesBy;
use crate::db;
use crate::db::invites::Invite;
use crate::error::{AppError, AppResult};

/// Live invites one member may hold at once.
const MAX_LIVE_INVITES: usize = 50;

/// Whether a member with `role` may make invites under this configuration.
pub fn may_invite(state: &AppState, role: &str) -> bool {
    match state.config.registrations.invites {
        InvitesBy::Members => state.config.registrations.mode != crate::config::RegistrationMode::Closed,
        InvitesBy::Staff => matches!(role, "admin" | "moderator"),
        InvitesBy::None => false,
    }
}

/// Eight characters from an alphabet without look-alikes.
fn new_code() -> AppResult<String> {
    Ok(crate::secrets::readable(8)?)
}

/// Makes an invite: `max_uses` (none: unlimited) and `expires_in` seconds (none: never).
pub async fn create(
    state: &AppState,
    user: &db::users::User,
    max_uses: Option<i32>,
    expires_in: Option<i64>,
) -> AppResult<Invite> {
    if !may_invite(state, &user.role) {
        return Err(AppError::Forbidden(
            "You may not invite people to this server".into(),
        ));
    }
    if max_uses.is_some_and(|n| !(1..=1000).contains(&n)) {
        return Err(AppError::Invalid(
            "Validation failed: Max uses must be between 1 and 1000".into(),
        ));
    }
    let expires_at = match expires_in {
        None => None,
        Some(seconds) if (60..=366 * 86_400).contains(&seconds) => {
            Some(Utc::now() + Duration::seconds(seconds))
        }
        Some(_) => {
            return Err(AppError::Invalid(
                "Validation failed: Expires in is out of range".into(),
            ));
        }
    };
    let live = db::invites::list_for(&state.db, user.account_id)
        .await?
        .iter()
        .filter(|i| i.revoked_at.is_none() && i.expires_at.is_none_or(|at| at > Utc::now()))
        .count();
    if live >= MAX_LIVE_INVITES {
        return Err(AppError::Invalid(format!(
            "Validation failed: You have {MAX_LIVE_INVITES} live invites: revoke some first"
        )));
    }
    Ok(db::invites::insert(&state.db, user.account_id, &new_code()?, max_uses, expires_at).await?)
}

/// Revokes one of a member's invites.
pub async fn revoke(pool: &PgPool, account_id: i64, id: i64) -> AppResult<()> {
    if db::invites::revoke(pool, account_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The invite a sign-up names, refused when it can no longer be used.
pub async fn usable(pool: &PgPool, code: &str) -> AppResult<Invite> {
    db::invites::find_usable(pool, code.trim())
        .await?
        .ok_or_else(|| AppError::Forbidden("This invite link is not valid anymore".into()))
}
