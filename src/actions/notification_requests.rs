//! A member's notification policy and the requests it fills: changed, accepted, dismissed.

use sqlx::PgPool;

use crate::db;
use crate::db::notification_requests::Policy;
use crate::error::{AppError, AppResult};

/// What a policy may say of a kind of sender.
pub const OUTCOMES: &[&str] = &["accept", "filter", "drop"];

/// Changes to a policy: each `Some` replaces its field.
#[derive(Debug, Default)]
pub struct PolicyChange {
    pub for_not_following: Option<String>,
    pub for_not_followers: Option<String>,
    pub for_new_accounts: Option<String>,
    pub for_private_mentions: Option<String>,
    pub for_limited_accounts: Option<String>,
}

fn apply(field: &mut String, change: Option<String>, name: &str) -> AppResult<()> {
    if let Some(value) = change {
        if !OUTCOMES.contains(&value.as_str()) {
            return Err(AppError::Invalid(format!(
                "Validation failed: {name} must be one of accept, filter, drop"
            )));
        }
        *field = value;
    }
    Ok(())
}

/// Changes the member's policy and returns it. Only new notifications follow it.
pub async fn update_policy(pool: &PgPool, account_id: i64, change: PolicyChange) -> AppResult<Policy> {
    let mut policy = db::notification_requests::find_policy(pool, account_id).await?;
    apply(
        &mut policy.for_not_following,
        change.for_not_following,
        "for_not_following",
    )?;
    apply(
        &mut policy.for_not_followers,
        change.for_not_followers,
        "for_not_followers",
    )?;
    apply(
        &mut policy.for_new_accounts,
        change.for_new_accounts,
        "for_new_accounts",
    )?;
    apply(
        &mut policy.for_private_mentions,
        change.for_private_mentions,
        "for_private_mentions",
    )?;
    apply(
        &mut policy.for_limited_accounts,
        change.for_limited_accounts,
        "for_limited_accounts",
    )?;
    db::notification_requests::save_policy(pool, account_id, &policy).await?;
    Ok(policy)
}

/// What a member does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Its notifications join the others and its sender is accepted from now on; the member's
    /// streams hear `notifications_merged` once it is done.
    Accept,
    /// It goes, with the notifications it held.
    Dismiss,
}

/// Answers requests `ids` (the member's own; others are ignored in bulk, 404 when `one`).
pub async fn answer(pool: &PgPool, account_id: i64, ids: &[i64], one: bool, answer: Answer) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let mut any = false;
    for id in ids {
        any |= match answer {
            Answer::Accept => db::notification_requests::accept(&mut tx, account_id, *id).await?,
            Answer::Dismiss => db::notification_requests::dismiss(&mut tx, account_id, *id).await?,
        };
    }
    if one && !any {
        return Err(AppError::NotFound);
    }
    if any && answer == Answer::Accept {
        db::cache_events::record(&mut tx, b'M', account_id, None).await?;
    }
    tx.commit().await?;
    Ok(())
}
