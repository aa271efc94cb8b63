//! `GET /api/v1/follow_requests`: accounts waiting for the member's approval.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Account;
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;

/// GET /api/v1/follow_requests
pub async fn get_follow_requests(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let user = auth.require_user(&["read:follows"])?;
    let pairs = db::follow_requests::list_requesters(
        &state.db,
        user.account_id,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit(),
    )
    .await?;
    let requester_ids: Vec<i64> = pairs.iter().map(|(_, account)| *account).collect();
    let rows = db::accounts::list_by_ids(&state.db, &requester_ids).await?;
    let accounts = requester_ids
        .iter()
        .filter_map(|id| rows.iter().find(|row| row.id == *id))
        .map(|row| Account::from_row(row, &state.config))
        .collect();
    let ids: Vec<i64> = pairs.iter().map(|(request, _)| *request).collect();
    let headers = link_headers(&state.base_url, "/api/v1/follow_requests", &ids, page.limit());
    Ok((headers, Json(accounts)))
}
