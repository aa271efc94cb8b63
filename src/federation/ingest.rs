//! Processing of queued inbox activities: deduplicated by id, origin-checked, then handed to
//! the same `actions` the local API uses.
//!
//! Origin rules: the signer is the actor (checked in the inbox); an object an actor creates,
//! updates or deletes must live on the actor's host and be attributed to the actor; an object
//! referenced only by id is fetched from its origin. A violation is logged and dropped (the
//! sender already got its 202), never retried.

use serde_json::Value;

use super::resolve;
use super::urls::{self, LocalObject};
use super::vocab::{self, Activity};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// Processes one activity delivered by `signer_id` (already verified as its actor).
pub async fn process(state: &AppState, document: &Value, signer_id: i64) -> AppResult<()> {
    let activity = match Activity::read(document) {
        Ok(activity) => activity,
        Err(error) => return drop_activity("unreadable", &error.to_string()),
    };
    if let Some(id) = activity.id
        && db::ingest::already_processed(&state.db, id).await?
    {
        return Ok(());
    }
    let outcome = dispatch(state, &activity, signer_id).await;
    match outcome {
        Ok(()) => {}
        // Refusals are final: the activity was wrong, trying again will not fix it.
        Err(AppError::BadRequest(reason)) | Err(AppError::Forbidden(reason)) => {
            drop_activity(activity.kind, &reason)?;
        }
        Err(AppError::NotFound) => drop_activity(activity.kind, "refers to something we do not have")?,
        Err(other) => return Err(other),
    }
    if let Some(id) = activity.id {
        db::ingest::mark_processed(&state.db, id).await?;
    }
    Ok(())
}

fn drop_activity(kind: &str, reason: &str) -> AppResult<()> {
    tracing::info!(kind, reason, "activity dropped");
    Ok(())
}

fn refuse<T>(reason: impl Into<String>) -> AppResult<T> {
    Err(AppError::BadRequest(reason.into()))
}

async fn dispatch(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    match activity.kind {
        "Create" => create(state, activity).await,
        "Update" => update(state, activity, signer_id).await,
        "Delete" => delete(state, activity, signer_id).await,
        "Follow" => follow(state, activity, signer_id).await,
        "Accept" => accept(state, activity, signer_id).await,
        "Reject" => reject(state, activity, signer_id).await,
        "Undo" => undo(state, activity, signer_id).await,
        other => {
            tracing::debug!(kind = other, "activity type ignored");
            Ok(())
        }
    }
}

/// Create: a status by the actor, on the actor's host.
async fn create(state: &AppState, activity: &Activity<'_>) -> AppResult<()> {
    let Some(object_id) = activity.object_id() else {
        return refuse("Create without an object");
    };
    if !vocab::same_host(object_id, activity.actor) {
        return refuse(format!("{} may not create {object_id}", activity.actor));
    }
    match activity.embedded_object() {
        Some(object) => {
            let author = vocab::id_at(object, "attributedTo").or_else(|| vocab::id_at(object, "actor"));
            if author.is_some_and(|a| a != activity.actor) {
                return refuse("the object is attributed to someone else");
            }
            resolve::store_note(state, object).await?;
        }
        None => {
            resolve::status_by_uri(state, object_id).await?;
        }
    }
    Ok(())
}

/// Update: the actor's own profile, or a status of theirs.
async fn update(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object) = activity.embedded_object() else {
        return refuse("Update without an embedded object");
    };
    let Some(object_id) = vocab::id_of(object) else {
        return refuse("Update of an object without an id");
    };
    if vocab::types_of(object)
        .iter()
        .any(|t| vocab::ACTOR_TYPES.contains(t))
    {
        if object_id != activity.actor {
            return refuse("an actor may only update itself");
        }
        resolve::store_actor(state, object).await?;
        return Ok(());
    }
    if !vocab::same_host(object_id, activity.actor) {
        return refuse(format!("{} may not update {object_id}", activity.actor));
    }
    match db::statuses::find_author_by_uri(&state.db, object_id).await? {
        Some((status_id, author)) if author == signer_id => {
            resolve::update_note(state, status_id, object).await
        }
        Some(_) => refuse("only the author may update a status"),
        // An edit of a status we never had: nothing to change.
        None => Ok(()),
    }
}

/// Delete: a status of the actor's, or the actor itself.
async fn delete(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object_id) = activity.object_id() else {
        return refuse("Delete without an object");
    };
    if object_id == activity.actor {
        state.federation.signer_cache().forget_actor(activity.actor);
        return actions::remote_accounts::delete_actor(&state.db, signer_id).await;
    }
    if !vocab::same_host(object_id, activity.actor) {
        return refuse(format!("{} may not delete {object_id}", activity.actor));
    }
    match db::statuses::find_author_by_uri(&state.db, object_id).await? {
        Some((status_id, author)) if author == signer_id => {
            actions::statuses::delete(&state.db, author, status_id).await?;
            Ok(())
        }
        Some(_) => refuse("only the author may delete a status"),
        None => Ok(()),
    }
}

/// The local account an actor URI names.
async fn local_account(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    match urls::local_object(&state.base_url, uri) {
        Some(LocalObject::Actor { username }) => {
            Ok(db::accounts::find_local_by_username(&state.db, &username)
                .await?
                .map(|a| a.id))
        }
        _ => Ok(None),
    }
}

/// Follow of a local member: a follow, or a request when the member approves followers.
async fn follow(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
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
    actions::follows::follow(&state.db, signer_id, target_id, &options).await?;
    if let Some(uri) = activity.id {
        db::follows::set_follow_uri(&state.db, signer_id, target_id, uri).await?;
    }
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
async fn accept(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(follower) = answered_follow(state, activity, signer_id).await? else {
        return Ok(());
    };
    match actions::follows::authorize_request(&state.db, signer_id, follower).await {
        // Accepted twice, or a follow already in place: nothing to do.
        Err(AppError::NotFound) => Ok(()),
        other => other,
    }
}

/// Reject of our member's follow (or of a follow in place: the remote removed the follower).
async fn reject(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(follower) = answered_follow(state, activity, signer_id).await? else {
        return Ok(());
    };
    actions::follows::unfollow(&state.db, follower, signer_id).await
}

/// Undo of the actor's own earlier activity.
async fn undo(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object) = activity.embedded_object() else {
        // An Undo naming only an id: find what it undoes among follows.
        if let Some(uri) = activity.object_id()
            && let Some((follower, target)) = db::follows::find_request_by_uri(&state.db, uri).await?
            && follower == signer_id
        {
            return actions::follows::unfollow(&state.db, follower, target).await;
        }
        return Ok(());
    };
    if vocab::id_at(object, "actor").is_some_and(|actor| actor != activity.actor) {
        return refuse("an actor may only undo its own activities");
    }
    let inner_object = vocab::id_at(object, "object");
    match vocab::primary_type(object) {
        Some("Follow") => {
            let Some(target) = inner_object else {
                return Ok(());
            };
            if let Some(target_id) = local_account(state, target).await? {
                actions::follows::unfollow(&state.db, signer_id, target_id).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
