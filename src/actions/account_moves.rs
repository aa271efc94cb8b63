//! A member moving to another account: aliases on the new account, then the Move from the old
//! one, which carries the followers over (ours directly, other servers' through the Move).

use crate::actions::follows::{self, FollowOutcome};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::{events, resolve, urls};

/// Days between two moves of one account (as Mastodon).
pub const MOVE_COOLDOWN_DAYS: i64 = 30;

/// The actor URI of the account `handle` (`user@domain`, or a local `user`) names, found or
/// fetched as a member's lookup would.
async fn actor_uri_of(state: &AppState, handle: &str) -> AppResult<(i64, String)> {
    let handle = handle.trim().trim_start_matches('@');
    let (username, domain) = handle.split_once('@').unwrap_or((handle, ""));
    let id = resolve::account_by_handle(state, username, domain)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = db::accounts::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let uri = match (&account.domain, &account.uri) {
        (Some(_), Some(uri)) => uri.clone(),
        _ => urls::actor(&state.base_url, &account.username),
    };
    Ok((id, uri))
}

/// Adds the account `handle` names to the member's aliases (`alsoKnownAs`), so that account may
/// move here; followers' servers hear of it through Update(Person). Returns the alias's URI.
pub async fn add_alias(state: &AppState, account_id: i64, handle: &str) -> AppResult<String> {
    let (alias_id, uri) = actor_uri_of(state, handle).await?;
    if alias_id == account_id {
        return Err(AppError::Invalid("an account cannot be its own alias".into()));
    }
    let mut aliases = db::remote_accounts::also_known_as(&state.db, account_id).await?;
    if !aliases.contains(&uri) {
        aliases.push(uri.clone());
    }
    let mut tx = crate::db::begin(&state.db).await?;
    db::accounts::set_also_known_as(&mut *tx, account_id, &aliases).await?;
    events::profile_updated(&mut tx, &state.base_url, account_id).await?;
    tx.commit().await?;
    Ok(uri)
}

/// Moves the member to the account `handle` names, which must list the member among its aliases
/// (fetched afresh: the alias may be moments old). The member's account records the move, its
/// remote followers' servers are sent Move, and each local follower follows the new account
/// instead (a request until a remote target's server accepts). Returns how many local
/// followers moved.
pub async fn move_to(state: &AppState, account_id: i64, handle: &str) -> AppResult<usize> {
    let account = db::accounts::find(&state.db, account_id)
        .await?
        .filter(|a| a.domain.is_none())
        .ok_or(AppError::NotFound)?;
    if let Some(at) = db::remote_accounts::moved_at(&state.db, account_id).await?
        && chrono::Utc::now() - at < chrono::Duration::days(MOVE_COOLDOWN_DAYS)
    {
        return Err(AppError::Invalid(format!(
            "an account can move once every {MOVE_COOLDOWN_DAYS} days; the last move was on {}",
            at.format("%Y-%m-%d")
        )));
    }
    let own_uri = urls::actor(&state.base_url, &account.username);
    let (target, target_uri) = actor_uri_of(state, handle).await?;
    if target == account_id {
        return Err(AppError::Invalid("an account cannot move to itself".into()));
    }
    // A remote target is read again from its server; a local one is read here.
    if urls::local_object(&state.base_url, &target_uri).is_none() {
        resolve::fresh_account_by_uri(state, &target_uri).await?;
    }
    let aliases = db::remote_accounts::also_known_as(&state.db, target).await?;
    if !aliases.contains(&own_uri) {
        return Err(AppError::Invalid(format!(
            "{handle} does not name {own_uri} among its aliases: add the alias there first"
        )));
    }
    let mut tx = crate::db::begin(&state.db).await?;
    db::remote_accounts::set_moved_to(&mut *tx, account_id, target).await?;
    events::moved(&mut tx, &state.base_url, account_id, &target_uri).await?;
    tx.commit().await?;
    let mut moved = 0;
    for (follower, options) in db::follows::list_local_followers(&state.db, account_id).await? {
        match follows::follow(&state.db, &state.base_url, follower, target, &options).await {
            Ok(FollowOutcome::Following | FollowOutcome::Requested) => {
                follows::unfollow(&state.db, &state.base_url, follower, account_id).await?;
                moved += 1;
            }
            Err(AppError::Forbidden(reason) | AppError::Invalid(reason)) => {
                tracing::info!(follower, target, %reason, "follower not moved");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(moved)
}

/// Removes an alias the member declared (by its URI); false when it was not one.
pub async fn remove_alias(state: &AppState, account_id: i64, uri: &str) -> AppResult<bool> {
    let mut aliases = db::remote_accounts::also_known_as(&state.db, account_id).await?;
    let before = aliases.len();
    aliases.retain(|alias| alias != uri);
    if aliases.len() == before {
        return Ok(false);
    }
    let mut tx = crate::db::begin(&state.db).await?;
    db::accounts::set_also_known_as(&mut *tx, account_id, &aliases).await?;
    events::profile_updated(&mut tx, &state.base_url, account_id).await?;
    tx.commit().await?;
    Ok(true)
}
