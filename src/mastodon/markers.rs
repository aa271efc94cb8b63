//! `GET/POST /api/v1/markers`: where the member stopped reading home and notifications.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Marker;
use crate::mastodon::params::Params;

/// The timelines that have markers.
const TIMELINES: [&str; 2] = ["home", "notifications"];

#[derive(Debug, Deserialize)]
pub struct MarkersQuery {
    #[serde(default)]
    timeline: Vec<String>,
}

/// GET /api/v1/markers
pub async fn get_markers(
    State(state): State<AppState>,
    auth: Auth,
    Params(query): Params<MarkersQuery>,
) -> AppResult<Json<BTreeMap<String, Marker>>> {
    let user = auth.require_user(&["read:statuses"])?;
    let timelines: Vec<String> = query
        .timeline
        .into_iter()
        .filter(|t| TIMELINES.contains(&t.as_str()))
        .collect();
    let rows = db::markers::list(&state.db, user.user_id, &timelines).await?;
    Ok(Json(
        rows.iter()
            .map(|row| (row.timeline.clone(), Marker::from_row(row)))
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct MarkerParam {
    #[serde(default)]
    last_read_id: String,
}

#[derive(Debug, Deserialize)]
pub struct SaveMarkers {
    home: Option<MarkerParam>,
    notifications: Option<MarkerParam>,
}

/// POST /api/v1/markers
pub async fn save_markers(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<SaveMarkers>,
) -> AppResult<Json<BTreeMap<String, Marker>>> {
    let user = auth.require_user(&["write:statuses"])?;
    let mut updates = Vec::new();
    for (timeline, param) in [("home", params.home), ("notifications", params.notifications)] {
        if let Some(param) = param {
            let id = ids::parse(param.last_read_id.trim()).ok_or_else(|| {
                AppError::Invalid(format!(
                    "Validation failed: {timeline} last_read_id must be an id"
                ))
            })?;
            updates.push((timeline, id));
        }
    }
    if updates.is_empty() {
        return Err(AppError::BadRequest(
            "Give home[last_read_id] or notifications[last_read_id]".into(),
        ));
    }
    let saved = actions::markers::save(&state.db, user.user_id, &updates).await?;
    Ok(Json(
        saved
            .iter()
            .map(|row| (row.timeline.clone(), Marker::from_row(row)))
            .collect(),
    ))
}
