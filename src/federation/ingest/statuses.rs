//! Create, Update and Delete of the actor's own statuses and profile.

use super::super::resolve;
use super::super::vocab::{self, Activity};
use super::{polls, refuse};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;

/// Create: a status by the actor, on the actor's host (or a vote in one of our polls).
pub(super) async fn create(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    // The object's host was checked with the other origin rules (`super::foreign_object`).
    let Some(object_id) = activity.object_id() else {
        return refuse("Create without an object");
    };
    match activity.embedded_object() {
        Some(object) => {
            // The author as the status reader will take it, so the check and the storing agree.
            let author = match vocab::Note::read(object) {
                Ok(note) => Some(note.attributed_to),
                Err(_) => vocab::id_at(object, "attributedTo")
                    .or_else(|| vocab::id_at(object, "actor"))
                    .map(str::to_owned),
            };
            if author.is_some_and(|a| a != activity.actor) {
                return refuse("the object is attributed to someone else");
            }
            // A vote is a Note too, but it must not be shown as a reply.
            if polls::vote(state, object, signer_id).await? {
                return Ok(());
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
pub(super) async fn update(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object) = activity.embedded_object() else {
        return refuse("Update without an embedded object");
    };
    let Some(object_id) = vocab::id_of(object) else {
        return refuse("Update of an object without an id");
    };
    // Only the actor itself, or an object on its host (`super::foreign_object`).
    if vocab::types_of(object)
        .iter()
        .any(|t| vocab::ACTOR_TYPES.contains(t))
    {
        resolve::store_actor(state, object).await?;
        return Ok(());
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

/// Delete: a status of the actor's (a boost too), or the actor itself.
pub(super) async fn delete(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object_id) = activity.object_id() else {
        return refuse("Delete without an object");
    };
    if object_id == activity.actor {
        state.federation.signer_cache().forget_actor(activity.actor);
        return actions::remote_accounts::delete_actor(&state.db, signer_id).await;
    }
    match db::statuses::find_author_by_uri(&state.db, object_id).await? {
        Some((status_id, author)) if author == signer_id => {
            actions::statuses::delete(&state.db, &state.base_url, author, status_id).await?;
            Ok(())
        }
        Some(_) => refuse("only the author may delete a status"),
        None => Ok(()),
    }
}
