//! `/api/v1/announcements` (the list, dismissing, reactions) and `GET /api/v1/custom_emojis`.

use axum::Json;
use axum::extract::{Path, State};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Announcement, CustomEmoji};

/// GET /api/v1/announcements
pub async fn get_announcements(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<Announcement>>> {
    let user = auth.require_user(&["read"])?;
    let rows = db::announcements::list_active(&state.db, user.user_id).await?;
    Ok(Json(render(&state, &rows, Some(user.user_id)).await?))
}

/// Announcements with their reactions, as `user_id` (none: nobody in particular) sees them.
pub async fn render(
    state: &AppState,
    rows: &[db::announcements::Announcement],
    user_id: Option<i64>,
) -> AppResult<Vec<Announcement>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let reactions = db::announcements::list_reactions(&state.db, &ids, user_id).await?;
    let emojis = if reactions.is_empty() {
        Vec::new()
    } else {
        db::custom_emojis::list_local(&state.db).await?
    };
    Ok(rows
        .iter()
        .map(|row| Announcement::with_reactions(row, &reactions, &emojis))
        .collect())
}

fn announcement_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// POST /api/v1/announcements/{id}/dismiss
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let user = auth.require_user(&["write:accounts"])?;
    actions::announcements::dismiss(&state.db, announcement_id(&id)?, user.user_id).await?;
    Ok(Json(serde_json::json!({})))
}

/// PUT /api/v1/announcements/{id}/reactions/{name}
pub async fn add_reaction(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> AppResult<Json<serde_json::Value>> {
    let user = auth.require_user(&["write:favourites"])?;
    actions::announcements::react(&state.db, announcement_id(&id)?, user.user_id, &name, true).await?;
    Ok(Json(serde_json::json!({})))
}

/// DELETE /api/v1/announcements/{id}/reactions/{name}
pub async fn remove_reaction(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, name)): Path<(String, String)>,
) -> AppResult<Json<serde_json::Value>> {
    let user = auth.require_user(&["write:favourites"])?;
    actions::announcements::react(&state.db, announcement_id(&id)?, user.user_id, &name, false).await?;
    Ok(Json(serde_json::json!({})))
}

/// GET /api/v1/custom_emojis
pub async fn get_custom_emojis(State(state): State<AppState>) -> AppResult<Json<Vec<CustomEmoji>>> {
    let rows = db::custom_emojis::list_local(&state.db).await?;
    Ok(Json(rows.iter().map(CustomEmoji::from_row).collect()))
}
