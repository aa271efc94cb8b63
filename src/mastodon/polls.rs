//! `GET /api/v1/polls/:id` and `POST /api/v1/polls/:id/votes`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Poll;
use crate::mastodon::params::Params;

async fn render(state: &AppState, poll_id: i64, viewer: Option<i64>) -> AppResult<Json<Poll>> {
    let poll = db::polls::find(&state.db, poll_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::statuses::find_visible(&state.db, poll.status_id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = match viewer {
        Some(viewer) => db::polls::list_own_votes(&state.db, viewer, &[poll.id]).await?,
        None => Vec::new(),
    };
    Ok(Json(Poll::from_row(&poll, viewer, &own)))
}

/// GET /api/v1/polls/:id
pub async fn get_poll(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> AppResult<Json<Poll>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    render(&state, ids::parse(&id).ok_or(AppError::NotFound)?, viewer).await
}

#[derive(Debug, Deserialize)]
pub struct VoteParams {
    #[serde(default)]
    choices: Vec<i32>,
}

/// POST /api/v1/polls/:id/votes
pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<VoteParams>,
) -> AppResult<Json<Poll>> {
    let voter = auth.require_user(&["write:statuses"])?.account_id;
    let poll_id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::polls::vote(&state.db, &state.base_url, voter, poll_id, &params.choices).await?;
    render(&state, poll_id, Some(voter)).await
}
