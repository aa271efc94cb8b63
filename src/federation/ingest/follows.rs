//! Follow, Accept and Reject, and Undo of a Follow.

use serde_json::Value;

use super::super::vocab::{self, Activity};
use super::{local_account, refuse};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// Follow of a local member: a follow, or a request when the member approves followers.
pub(super) async fn follow(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(target) = activity.object_id() else {
        return refuse("Follow without an object");
    };
    let Some(target_id) = local_account(state, target).await? else {
        return Err(AppError::NotFound);
    };
    let options = db::follows::FollowOptions {
        show_reblogs: true,
        notify: false,
        languages: None,
    };
    actions::follows::remote_follow(
        &state.db,
        &state.base_url,
        signer_id,
        target_id,
        &options,
        activity.id,
    )
    .await?;
    Ok(())
}

/// The local follower and remote target of the Follow an Accept or Reject answers.
async fn answered_follow(
    state: &AppState,
    activity: &Activity<'_>,
    signer_id: i64,
) -> AppResult<Option<i64>> {
    if let Some(follow) = activity
        .embedded_object()
        .filter(|o| vocab::has_type(o, "Follow"))
    {
        let target = vocab::id_at(follow, "object");
        let follower = vocab::id_at(follow, "actor");
        if target != Some(activity.actor) {
            return refuse("an actor may only answer follows of itself");
        }
        if let Some(follower) = follower {
            return local_account(state, follower).await;
        }
    }
    if let Some(uri) = activity.object_id()
        && let Some((follower, target)) = db::follows::find_request_by_uri(&state.db, uri).await?
    {
        return Ok((target == signer_id).then_some(follower));
    }
    Ok(None)
}

/// Accept of our member's follow: the request becomes a follow.
pub(super) async fn accept(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(follower) = answered_follow(state, activity, signer_id).await? else {
        return Ok(());
    };
    match actions::follows::authorize_request(&state.db, &state.base_url, signer_id, follower).await {
        // Accepted twice, or a follow already in place: nothing to do.
        Err(AppError::NotFound) => Ok(()),
        other => other,
    }
}

/// Reject of our member's follow (or of a follow in place: the remote removed the follower).
pub(super) async fn reject(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(follower) = answered_follow(state, activity, signer_id).await? else {
        return Ok(());
    };
    actions::follows::end_follow(&state.db, follower, signer_id).await
}

/// Undo(Follow): the signer stops following the local member the Follow named.
pub(super) async fn undo_follow(state: &AppState, follow: &Value, signer_id: i64) -> AppResult<()> {
    let Some(target) = vocab::id_at(follow, "object") else {
        return Ok(());
    };
    if let Some(target_id) = local_account(state, target).await? {
        actions::follows::end_follow(&state.db, signer_id, target_id).await?;
    }
    Ok(())
}

/// Undo naming a Follow by id; true when it named one of the signer's.
pub(super) async fn undo_follow_by_id(state: &AppState, uri: &str, signer_id: i64) -> AppResult<bool> {
    match db::follows::find_request_by_uri(&state.db, uri).await? {
        Some((follower, target)) if follower == signer_id => {
            actions::follows::end_follow(&state.db, follower, target).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
