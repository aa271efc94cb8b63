//! The buttons on posts and profiles: favourite, boost, bookmark, vote, and follow, block and
//! mute, each a CSRF-protected form that acts through `actions` and returns to its page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageParams;
use super::{Member, back_to};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::PageError;

#[derive(Debug, Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    return_to: String,
}

fn unknown_action() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "There is no such action.")
}

fn parse_id(id: &str, what: &str) -> Result<i64, PageError> {
    crate::ids::parse(id)
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, format!("There is no such {what}.")))
}

/// POST /statuses/:id/{favourite,unfavourite,reblog,unreblog,bookmark,unbookmark}
pub async fn act_on_status(
    State(state): State<AppState>,
    member: Member,
    Path((id, action)): Path<(String, String)>,
    PageParams(form): PageParams<ActionForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let id = parse_id(&id, "post")?;
    let viewer = member.account_id();
    let (db, base) = (&state.db, &state.base_url);
    match action.as_str() {
        "favourite" => actions::interactions::favourite(db, base, viewer, id).await?,
        "unfavourite" => actions::interactions::unfavourite(db, base, viewer, id).await?,
        "reblog" => {
            actions::interactions::reblog(db, base, viewer, id, "public").await?;
        }
        "unreblog" => {
            actions::interactions::unreblog(db, base, viewer, id).await?;
        }
        "bookmark" => actions::interactions::set_bookmark(db, viewer, id, true).await?,
        "unbookmark" => actions::interactions::set_bookmark(db, viewer, id, false).await?,
        _ => return Err(unknown_action()),
    }
    Ok(back_to(&format!("{}#post-{id}", form.return_to), "/home").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct VoteForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    return_to: String,
    #[serde(default)]
    choices: Vec<i32>,
}

/// POST /polls/:id/votes
pub async fn vote(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<VoteForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let poll_id = parse_id(&id, "poll")?;
    if form.choices.is_empty() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose an option before voting. Go back and try again.",
        ));
    }
    actions::polls::vote(
        &state.db,
        &state.base_url,
        member.account_id(),
        poll_id,
        &form.choices,
    )
    .await?;
    Ok(back_to(&form.return_to, "/home").into_response())
}

/// POST /accounts/:id/{follow,unfollow,block,unblock,mute,unmute,authorize,reject}
pub async fn act_on_account(
    State(state): State<AppState>,
    member: Member,
    Path((id, action)): Path<(String, String)>,
    PageParams(form): PageParams<ActionForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let id = parse_id(&id, "account")?;
    let viewer = member.account_id();
    let (db, base) = (&state.db, &state.base_url);
    db::accounts::find_unsuspended(db, id)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "That account is not available."))?;
    match action.as_str() {
        "follow" => {
            let options = FollowOptions {
                show_reblogs: true,
                notify: false,
                languages: None,
            };
            actions::follows::follow(db, base, viewer, id, &options).await?;
        }
        "unfollow" => actions::follows::unfollow(db, base, viewer, id).await?,
        "block" => actions::follows::block(db, base, viewer, id).await?,
        "unblock" => actions::follows::unblock(db, base, viewer, id).await?,
        "mute" => actions::follows::mute(db, viewer, id, true, 0).await?,
        "unmute" => actions::follows::unmute(db, viewer, id).await?,
        "authorize" => actions::follows::authorize_request(db, base, viewer, id).await?,
        "reject" => actions::follows::reject_request(db, base, viewer, id).await?,
        _ => return Err(unknown_action()),
    }
    Ok(back_to(&form.return_to, &format!("/accounts/{id}")).into_response())
}
