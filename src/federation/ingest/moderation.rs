//! Block, Flag (reports) and Move, and Undo of a Block.

use serde_json::Value;

use super::super::resolve;
use super::super::urls::{self, LocalObject};
use super::super::vocab::{self, Activity};
use super::{local_account, refuse};
use crate::actions;
use crate::actions::reports::RemoteReport;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::text::sanitize;

/// Most objects of a Flag looked at (an account and the statuses reported with it).
const MAX_FLAG_OBJECTS: usize = 100;

/// Block of a local member: as a member's block, follows both ways end and each is hidden from
/// the other.
pub(super) async fn block(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(uri) = activity.id else {
        return refuse("Block without an id");
    };
    let Some(target) = activity.object_id() else {
        return refuse("Block without an object");
    };
    let Some(target_id) = local_account(state, target).await? else {
        return Err(AppError::NotFound);
    };
    actions::follows::remote_block(&state.db, signer_id, target_id, uri).await
}

/// Undo(Block): the signer lifts its block of the local member the Block named.
pub(super) async fn undo_block(state: &AppState, block: &Value, signer_id: i64) -> AppResult<()> {
    if let Some(id) = vocab::id_of(block)
        && undo_block_by_id(state, id, signer_id).await?
    {
        return Ok(());
    }
    let Some(target) = vocab::id_at(block, "object") else {
        return Ok(());
    };
    if let Some(target_id) = local_account(state, target).await? {
        actions::follows::unblock(&state.db, &state.base_url, signer_id, target_id).await?;
    }
    Ok(())
}

/// Undo naming a Block by id; true when it named one of the signer's blocks.
pub(super) async fn undo_block_by_id(state: &AppState, uri: &str, signer_id: i64) -> AppResult<bool> {
    match db::follows::find_block_by_uri(&state.db, uri).await? {
        Some((account, target)) if account == signer_id => {
            actions::follows::unblock(&state.db, &state.base_url, account, target).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Flag: a report about a local member (the first local account among the objects), with the
/// member's statuses named beside it. The reporter is the signer: a person, or the instance
/// actor Mastodon flags with.
pub(super) async fn flag(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    let Some(uri) = activity.id else {
        return refuse("Flag without an id");
    };
    if state.federation.policy.check_url(activity.actor).reject_reports {
        return refuse("reports from this domain are rejected");
    }
    let mut target = None;
    let mut status_ids = Vec::new();
    for object in activity.object_ids().iter().take(MAX_FLAG_OBJECTS) {
        match urls::local_object(&state.base_url, object) {
            Some(LocalObject::Actor { .. }) if target.is_none() => {
                target = local_account(state, object).await?;
            }
            Some(LocalObject::Status { id, .. }) => status_ids.push(id),
            // Remote accounts and statuses are their own servers' to judge.
            _ => {}
        }
    }
    let Some(target) = target else {
        return Err(AppError::NotFound);
    };
    let comment = sanitize::to_plain_text(activity.content.as_deref().unwrap_or_default());
    let report = RemoteReport {
        reporter: signer_id,
        target,
        status_ids: &status_ids,
        comment: &comment,
        uri,
    };
    actions::reports::file_remote(state, &report).await?;
    Ok(())
}

/// Move: the actor (`object`, which must be itself) now lives at `target`, whose current actor
/// document must name it in `alsoKnownAs`; our members who followed it follow the target.
pub(super) async fn move_account(state: &AppState, activity: &Activity<'_>, signer_id: i64) -> AppResult<()> {
    if activity.object_id() != Some(activity.actor) {
        return refuse("an actor may only move itself");
    }
    let Some(target) = activity.target_id() else {
        return refuse("Move without a target");
    };
    // Fetched afresh: the alias may have been added moments before the Move was sent.
    let Some(target_id) = resolve::fresh_account_by_uri(state, target).await? else {
        return Err(AppError::NotFound);
    };
    let moved =
        actions::remote_accounts::record_move(&state.db, &state.base_url, signer_id, target_id).await?;
    tracing::info!(
        from = activity.actor,
        to = target,
        followers = moved,
        "account moved"
    );
    Ok(())
}
