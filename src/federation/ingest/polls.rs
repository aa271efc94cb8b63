//! Votes in our polls: one Note per chosen option, named after it, answering the poll.

use serde_json::Value;

use super::super::urls::{self, LocalObject};
use super::super::vocab;
use super::refuse;
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;

/// Records `object` as a vote when it is one: a Note with a `name` (the option's title) and no
/// content, in reply to a local status with a poll (as Mastodon, Akkoma and GoToSocial send
/// them). The object is already checked to be the voter's own. True when it was a vote, so the
/// caller does not store it as a reply.
pub(super) async fn vote(state: &AppState, object: &Value, voter: i64) -> AppResult<bool> {
    let Some(name) = vocab::str_of(object, "name") else {
        return Ok(false);
    };
    let has_content = vocab::text_of(object, "content").is_some_and(|c| !c.trim().is_empty());
    if has_content || !vocab::has_type(object, "Note") {
        return Ok(false);
    }
    let Some(parent) = vocab::id_at(object, "inReplyTo") else {
        return Ok(false);
    };
    let Some(LocalObject::Status { id: status_id, .. }) = urls::local_object(&state.base_url, parent) else {
        return Ok(false);
    };
    let Some(poll) = db::polls::find_by_status(&state.db, status_id).await? else {
        return Ok(false);
    };
    let choice = poll
        .options
        .iter()
        .position(|option| option == name)
        .or_else(|| {
            poll.options
                .iter()
                .position(|option| option.trim() == name.trim())
        })
        .and_then(|index| i32::try_from(index).ok());
    let Some(choice) = choice else {
        return refuse(format!("a vote for {name:?}, which is not an option of the poll"));
    };
    actions::polls::remote_vote(&state.db, voter, poll.id, choice).await?;
    Ok(true)
}
