//! `/api/v2/filters/:filter_id/statuses` and `/api/v2/filters/statuses/:id`: filtered statuses.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse_id;
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::FilterStatus;
use crate::mastodon::params::Params;

/// GET /api/v2/filters/:filter_id/statuses
pub async fn get_statuses(
    State(state): State<AppState>,
    auth: Auth,
    Path(filter_id): Path<String>,
) -> AppResult<Json<Vec<FilterStatus>>> {
    let user = auth.require_user(&["read:filters"])?;
    let filter = db::filters::find_owned(&state.db, user.account_id, parse_id(&filter_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = db::filters::list_statuses(&state.db, filter.id).await?;
    Ok(Json(rows.iter().map(FilterStatus::from_row).collect()))
}

#[derive(Debug, Deserialize)]
pub struct StatusParams {
    #[serde(default)]
    status_id: Option<String>,
}

/// POST /api/v2/filters/:filter_id/statuses
pub async fn create_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(filter_id): Path<String>,
    Params(params): Params<StatusParams>,
) -> AppResult<Json<FilterStatus>> {
    let user = auth.require_user(&["write:filters"])?;
    // An id that cannot name a status is answered like a missing status (422, as in Mastodon).
    let status_id = params.status_id.as_deref().and_then(|id| ids::parse(id.trim()));
    let row =
        actions::filters::add_status(&state.db, user.account_id, parse_id(&filter_id)?, status_id).await?;
    Ok(Json(FilterStatus::from_row(&row)))
}

/// GET /api/v2/filters/statuses/:id
pub async fn get_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<FilterStatus>> {
    let user = auth.require_user(&["read:filters"])?;
    let row = db::filters::find_owned_status(&state.db, user.account_id, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(FilterStatus::from_row(&row)))
}

/// DELETE /api/v2/filters/statuses/:id
pub async fn delete_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:filters"])?;
    actions::filters::delete_status(&state.db, user.account_id, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}
