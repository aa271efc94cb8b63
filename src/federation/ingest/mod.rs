//! Processing of queued inbox activities: deduplicated by id, origin-checked, then handed to
//! the same `actions` the local API uses.
//!
//! Origin rules: the signer is the actor (checked in the inbox); an object an actor creates,
//! updates or deletes must live on the actor's host and be attributed to the actor; an object
//! referenced only by id is fetched from its origin. A violation is logged and dropped (the
//! sender already got its 202), never retried.
//!
//! Handlers by concern: `statuses` (Create, Update, Delete, and poll votes, which arrive as
//! Creates), `follows` (Follow, Accept, Reject), `interactions` (Announce, Like, featured
//! Add/Remove), `moderation` (Block, Flag, Move). Undo is dispatched here to the handler of
//! what it undoes.

mod follows;
mod interactions;
mod moderation;
mod polls;
mod statuses;

use serde_json::Value;

use super::urls::{self, LocalObject};
use super::vocab::{self, Activity};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// Processes one activity delivered by `signer_id` (already verified as its actor).
pub async fn process(state: &AppState, document: &Value, signer_id: i64) -> AppResult<()> {
    let activity = match Activity::read(document) {
        Ok(activity) => activity,
        Err(error) => return drop_activity("unreadable", &error.to_string()),
    };
    // Only an id on the actor's own host is the actor's to name: another server could otherwise
    // mark someone else's future activity (a predictable `#delete` id) as already done.
    let dedupe_id = activity.id.filter(|id| vocab::same_host(id, activity.actor));
    if let Some(id) = dedupe_id
        && db::ingest::already_processed(&state.db, id).await?
    {
        return Ok(());
    }
    let outcome = dispatch(state, &activity, signer_id).await;
    match outcome {
        Ok(()) => {}
        // Refusals are final: the activity was wrong, trying again will not fix it. `Invalid`
        // and `Conflict` are the actions' own refusals (a second vote, a status that cannot be
        // boosted, an id already taken).
        Err(AppError::BadRequest(reason))
        | Err(AppError::Forbidden(reason))
        | Err(AppError::Invalid(reason))
        | Err(AppError::Conflict(reason)) => {
            drop_activity(activity.kind, &reason)?;
        }
        Err(AppError::NotFound) => drop_activity(activity.kind, "refers to something we do not have")?,
        Err(other) => return Err(other),
    }
    if let Some(id) = dedupe_id {
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
    // The inbox refuses these already; activities queued by an older version meet the rule here.
    if let Some(reason) = foreign_object(activity) {
        return refuse(reason);
    }
    if let Some(host) = suspended_host_named(state, activity) {
        return refuse(format!("it involves {host}, a suspended domain"));
    }
    // An account the staff suspended is as disconnected as a suspended domain. One its own
    // server suspended may still update itself (to lift the suspension) or delete itself.
    let sanctions = db::account_moderation::sanctions(&state.db, signer_id).await?;
    let about_itself =
        matches!(activity.kind, "Update" | "Delete") && activity.object_id() == Some(activity.actor);
    if sanctions.suspended && !(sanctions.suspended_by_its_server && about_itself) {
        return refuse("the sender's account is suspended here");
    }
    match activity.kind {
        "Create" => statuses::create(state, activity, signer_id).await,
        "Update" => statuses::update(state, activity, signer_id).await,
        "Delete" => statuses::delete(state, activity, signer_id).await,
        "Follow" => follows::follow(state, activity, signer_id).await,
        "Accept" => follows::accept(state, activity, signer_id).await,
        "Reject" => follows::reject(state, activity, signer_id).await,
        "Announce" => interactions::announce(state, activity, signer_id).await,
        "Like" => interactions::like(state, activity, signer_id).await,
        "Add" => interactions::feature(state, activity, signer_id, true).await,
        "Remove" => interactions::feature(state, activity, signer_id, false).await,
        "Block" => moderation::block(state, activity, signer_id).await,
        "Flag" => moderation::flag(state, activity, signer_id).await,
        "Move" => moderation::move_account(state, activity, signer_id).await,
        "Undo" => undo(state, activity, signer_id).await,
        // EmojiReact, Dislike and the rest: accepted (202) and ignored.
        other => {
            tracing::debug!(kind = other, "activity type ignored");
            Ok(())
        }
    }
}

/// Why a Create, Update or Delete speaks for someone else, if it does: its object lives on
/// another host than its actor, or (embedded, and naming a single author) is attributed to
/// another actor, or an Update changes another actor. The inbox refuses these in the request
/// (403), and processing drops them; the handlers then check the finer points (the author as
/// the status reader takes it, who wrote the stored status).
pub fn foreign_object(activity: &Activity<'_>) -> Option<String> {
    if !matches!(activity.kind, "Create" | "Update" | "Delete") {
        return None;
    }
    let object_id = activity.object_id()?;
    if !vocab::same_host(object_id, activity.actor) {
        return Some(format!(
            "{} may not {} {object_id}",
            activity.actor,
            activity.kind.to_lowercase()
        ));
    }
    let object = activity.embedded_object()?;
    let is_actor = vocab::types_of(object)
        .iter()
        .any(|t| vocab::ACTOR_TYPES.contains(t));
    if is_actor && activity.kind == "Update" && object_id != activity.actor {
        return Some("an actor may only update itself".into());
    }
    let single_author = object
        .get("attributedTo")
        .filter(|a| !a.is_array())
        .and_then(vocab::id_of);
    if activity.kind != "Delete" && single_author.is_some_and(|author| author != activity.actor) {
        return Some("the object is attributed to someone else".into());
    }
    None
}

/// The first host the activity involves that policy suspends: its actor's (the rule may have
/// changed since the inbox accepted it), its object's, or what the object replies to, quotes or
/// is attributed to. Content about a suspended domain arriving through a third server (a boost,
/// a reply, a quote, a relay's Announce) is dropped with it.
fn suspended_host_named(state: &AppState, activity: &Activity<'_>) -> Option<String> {
    let policy = &state.federation.policy;
    let mut named: Vec<&str> = vec![activity.actor];
    named.extend(activity.object_id());
    if let Some(object) = activity.embedded_object() {
        for key in [
            "actor",
            "attributedTo",
            "inReplyTo",
            "quote",
            "quoteUrl",
            "quoteUri",
            "_misskey_quote",
        ] {
            named.extend(vocab::id_at(object, key));
        }
        // A relay's Announce wraps a whole activity whose object may be embedded again.
        if let Some(inner) = object.get("object") {
            named.extend(vocab::id_of(inner));
            for key in [
                "attributedTo",
                "inReplyTo",
                "quote",
                "quoteUrl",
                "quoteUri",
                "_misskey_quote",
            ] {
                named.extend(vocab::id_at(inner, key));
            }
        }
    }
    named
        .into_iter()
        .filter_map(vocab::host_of)
        .find(|host| policy.is_suspended(host))
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

/// Undo of the actor's own earlier activity, embedded or named only by its id.
async fn undo(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(object) = activity.embedded_object() else {
        let Some(uri) = activity.object_id() else {
            return refuse("Undo without an object");
        };
        return undo_by_id(state, uri, signer_id).await;
    };
    if vocab::id_at(object, "actor").is_some_and(|actor| actor != activity.actor) {
        return refuse("an actor may only undo its own activities");
    }
    match vocab::primary_type(object) {
        Some("Follow") => follows::undo_follow(state, object, signer_id).await,
        Some("Like") => interactions::undo_like(state, object, signer_id).await,
        Some("Announce") => interactions::undo_announce(state, object, signer_id).await,
        Some("Block") => moderation::undo_block(state, object, signer_id).await,
        _ => Ok(()),
    }
}

/// An Undo naming only the id of what it undoes: found among what the signer's activities made
/// (follows, favourites, boosts and blocks keep the id of the activity behind them).
async fn undo_by_id(state: &AppState, uri: &str, signer_id: i64) -> AppResult<()> {
    if follows::undo_follow_by_id(state, uri, signer_id).await?
        || interactions::undo_like_by_id(state, uri, signer_id).await?
        || interactions::undo_announce_by_id(state, uri, signer_id).await?
        || moderation::undo_block_by_id(state, uri, signer_id).await?
    {
        return Ok(());
    }
    tracing::debug!(%uri, "Undo of something we do not have");
    Ok(())
}
