//! `GET /api/v1/lists`: the member's lists.

use axum::Json;
use axum::extract::State;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::List;

/// GET /api/v1/lists
pub async fn get_lists(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<List>>> {
    let user = auth.require_user(&["read:lists"])?;
    let rows = db::lists::list_by_owner(&state.db, user.account_id).await?;
    Ok(Json(rows.iter().map(List::from_row).collect()))
}
