//! Announce (boosts), Like (favourites), featured Add/Remove (pins), and their Undos.

use chrono::Utc;
use serde_json::Value;

use super::super::resolve;
use super::super::vocab::{self, Activity};
use super::refuse;
use crate::actions;
use crate::actions::interactions::RemoteReblog;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// Announce: the actor boosts a status we have or can fetch. The boost keeps the Announce's id
/// as its URI and its published time.
pub(super) async fn announce(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(uri) = activity.id else {
        return refuse("Announce without an id");
    };
    // The boost is a status of the actor's: its id must live on the actor's host, like any other.
    if !vocab::same_host(uri, activity.actor) {
        return refuse(format!("{} may not announce as {uri}", activity.actor));
    }
    let Some(status_id) = announced_status(state, activity).await? else {
        return Err(AppError::NotFound);
    };
    let reblog = RemoteReblog {
        account_id: signer_id,
        status_id,
        uri,
        visibility: boost_visibility(activity),
        published: activity.published.unwrap_or_else(Utc::now),
    };
    actions::interactions::remote_reblog(&state.db, &reblog).await?;
    Ok(())
}

/// The status an Announce shares: one we have; else its embedded copy when that lives on the
/// announcer's host (the announcer's signature vouches for its own server's objects); else
/// fetched from its origin, so a forged copy of another server's status is never believed.
async fn announced_status(state: &AppState, activity: &Activity<'_>) -> AppResult<Option<i64>> {
    let Some(object_id) = activity.object_id() else {
        return refuse("Announce without an object");
    };
    if let Some(known) = resolve::known_status_by_uri(state, object_id).await? {
        return Ok(Some(known));
    }
    match activity.embedded_object() {
        Some(object) if vocab::same_host(object_id, activity.actor) => {
            resolve::store_note(state, object).await
        }
        _ => resolve::status_by_uri(state, object_id).await,
    }
}

/// Mastodon's reading of a boost's addressing: Public in `to` is public, in `cc` unlisted,
/// anything else (the announcer's followers) private.
fn boost_visibility(activity: &Activity<'_>) -> &'static str {
    if vocab::addresses_public(&activity.to) {
        "public"
    } else if vocab::addresses_public(&activity.cc) {
        "unlisted"
    } else {
        "private"
    }
}

/// Like: the actor favourites a status we have (ours or known; nothing is fetched). A Misskey
/// reaction is a Like with `content`, and counts as a favourite all the same.
pub(super) async fn like(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(uri) = activity.id else {
        return refuse("Like without an id");
    };
    let Some(object_id) = activity.object_id() else {
        return refuse("Like without an object");
    };
    let Some(status_id) = resolve::known_status_by_uri(state, object_id).await? else {
        return Err(AppError::NotFound);
    };
    actions::interactions::remote_favourite(&state.db, signer_id, status_id, uri).await
}

/// Undo(Like): the favourite the Like made (by its id), or the signer's favourite of its object.
pub(super) async fn undo_like(state: &AppState, like: &Value, signer_id: i64) -> AppResult<()> {
    if let Some(id) = vocab::id_of(like)
        && undo_like_by_id(state, id, signer_id).await?
    {
        return Ok(());
    }
    let Some(object_id) = vocab::id_at(like, "object") else {
        return Ok(());
    };
    if let Some(status_id) = resolve::known_status_by_uri(state, object_id).await? {
        let status = db::statuses::find(&state.db, status_id).await?;
        let target = status.and_then(|s| s.reblog_of_id).unwrap_or(status_id);
        actions::interactions::remove_favourite(&state.db, signer_id, target).await?;
    }
    Ok(())
}

/// Undo naming a Like by id; true when it named one of the signer's favourites.
pub(super) async fn undo_like_by_id(state: &AppState, uri: &str, signer_id: i64) -> AppResult<bool> {
    match db::interactions::find_favourite_by_uri(&state.db, uri).await? {
        Some((account, status_id)) if account == signer_id => {
            actions::interactions::remove_favourite(&state.db, signer_id, status_id).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Undo(Announce): the boost with the Announce's id, or the signer's boost of its object.
pub(super) async fn undo_announce(state: &AppState, announce: &Value, signer_id: i64) -> AppResult<()> {
    if let Some(id) = vocab::id_of(announce)
        && undo_announce_by_id(state, id, signer_id).await?
    {
        return Ok(());
    }
    let Some(object_id) = vocab::id_at(announce, "object") else {
        return Ok(());
    };
    let Some(status_id) = resolve::known_status_by_uri(state, object_id).await? else {
        return Ok(());
    };
    if let Some(boost) = db::statuses::find_reblog(&state.db, signer_id, status_id).await? {
        actions::statuses::delete(&state.db, &state.base_url, signer_id, boost.id).await?;
    }
    Ok(())
}

/// Undo naming an Announce by id; true when it named one of the signer's boosts.
pub(super) async fn undo_announce_by_id(state: &AppState, uri: &str, signer_id: i64) -> AppResult<bool> {
    let Some((status_id, author)) = db::statuses::find_author_by_uri(&state.db, uri).await? else {
        return Ok(false);
    };
    let is_boost = db::statuses::find(&state.db, status_id)
        .await?
        .is_some_and(|s| s.reblog_of_id.is_some());
    // Only a boost is undone: an Undo naming one of the actor's own posts deletes nothing.
    if author != signer_id || !is_boost {
        return Ok(false);
    }
    actions::statuses::delete(&state.db, &state.base_url, signer_id, status_id).await?;
    Ok(true)
}

/// Add/Remove with the actor's featured collection as target: it pins or unpins one of its
/// own statuses (fetched when unknown). Other collections (Lemmy's moderators, featured tags)
/// are ignored.
pub(super) async fn feature(
    state: &AppState,
    activity: &Activity<'_>,
    signer_id: i64,
    on: bool,
) -> AppResult<()> {
    let featured = db::remote_accounts::featured_url(&state.db, signer_id).await?;
    if featured.is_none() || activity.target_id() != featured.as_deref() {
        tracing::debug!(kind = activity.kind, "Add/Remove of another collection ignored");
        return Ok(());
    }
    let Some(object_id) = activity.object_id() else {
        return refuse(format!("{} without an object", activity.kind));
    };
    if !vocab::same_host(object_id, activity.actor) {
        return refuse(format!("{} may not feature {object_id}", activity.actor));
    }
    let status = if on {
        resolve::status_by_uri(state, object_id).await?
    } else {
        resolve::known_status_by_uri(state, object_id).await?
    };
    let Some(status_id) = status else {
        return Err(AppError::NotFound);
    };
    actions::interactions::set_remote_pin(&state.db, signer_id, status_id, on).await
}
