//! Scheduled statuses: list, one, reschedule, cancel.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::ScheduledStatus;
use crate::mastodon::params::Params;

/// GET /api/v1/scheduled_statuses
pub async fn list_scheduled(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<ScheduledStatus>>> {
    let author = auth.require_user(&["read:statuses"])?.account_id;
    let rows = db::scheduled_statuses::list(&state.db, author, 40).await?;
    Ok(Json(rows.iter().map(ScheduledStatus::from_row).collect()))
}

/// GET /api/v1/scheduled_statuses/:id
pub async fn get_scheduled(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<ScheduledStatus>> {
    let author = auth.require_user(&["read:statuses"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let row = db::scheduled_statuses::find(&state.db, author, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(ScheduledStatus::from_row(&row)))
}

#[derive(Debug, Deserialize)]
pub struct Reschedule {
    #[serde(default)]
    scheduled_at: String,
}

/// PUT /api/v1/scheduled_statuses/:id
pub async fn reschedule(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<Reschedule>,
) -> AppResult<Json<ScheduledStatus>> {
    let author = auth.require_user(&["write:statuses"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let at = chrono::DateTime::parse_from_rfc3339(&params.scheduled_at)
        .map_err(|_| AppError::Invalid("Validation failed: Scheduled at is not an ISO 8601 time".into()))?
        .with_timezone(&chrono::Utc);
    actions::scheduled::reschedule(&state.db, author, id, at).await?;
    let row = db::scheduled_statuses::find(&state.db, author, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(ScheduledStatus::from_row(&row)))
}

/// DELETE /api/v1/scheduled_statuses/:id
pub async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let author = auth.require_user(&["write:statuses"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::scheduled::cancel(&state.db, author, id).await?;
    Ok(Json(json!({})))
}
