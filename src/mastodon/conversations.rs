//! Conversations: direct-message threads, with read state.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Conversation, format_id};
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;
use crate::mastodon::present;

/// Conversations as `viewer` reads them (the API's, and streaming's `conversation` events).
pub async fn render(
    state: &AppState,
    viewer: i64,
    rows: &[db::conversations::Conversation],
) -> AppResult<Vec<Conversation>> {
    let mut account_ids: Vec<i64> = rows
        .iter()
        .flat_map(|c| c.participant_ids.iter().copied())
        .collect();
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts = present::accounts(state, &account_ids).await?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|c| c.last_status_id).collect();
    let statuses = present::statuses(state, &status_ids, Some(viewer)).await?;
    Ok(rows
        .iter()
        .map(|c| Conversation {
            id: format_id(c.id),
            unread: c.unread,
            accounts: c
                .participant_ids
                .iter()
                .filter_map(|id| accounts.get(id).cloned())
                .collect(),
            last_status: c
                .last_status_id
                .and_then(|id| statuses.iter().find(|s| s.id == id.to_string()).cloned()),
        })
        .collect())
}

/// GET /api/v1/conversations
pub async fn get_conversations(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Conversation>>)> {
    let viewer = auth.require_user(&["read:statuses"])?.account_id;
    let rows = db::conversations::list(&state.db, viewer, &page.page()).await?;
    let paging: Vec<i64> = rows.iter().filter_map(|c| c.last_status_id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/conversations", &paging, page.limit());
    Ok((headers, Json(render(&state, viewer, &rows).await?)))
}

/// POST /api/v1/conversations/:id/read
pub async fn read_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Conversation>> {
    let viewer = auth.require_user(&["write:conversations"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::conversations::mark_read(&state.db, viewer, id).await?;
    let row = db::conversations::find(&state.db, viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&state, viewer, &[row])
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// DELETE /api/v1/conversations/:id
pub async fn delete_conversation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:conversations"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::conversations::remove(&state.db, viewer, id).await?;
    Ok(Json(json!({})))
}
