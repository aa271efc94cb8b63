//! `GET /api/v1/announcements` and `GET /api/v1/custom_emojis`.

use axum::Json;
use axum::extract::State;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Announcement, CustomEmoji};

/// GET /api/v1/announcements
pub async fn get_announcements(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<Announcement>>> {
    let user = auth.require_user(&["read"])?;
    let rows = db::announcements::list_active(&state.db, user.user_id).await?;
    Ok(Json(rows.iter().map(Announcement::from_row).collect()))
}

/// GET /api/v1/custom_emojis
pub async fn get_custom_emojis(State(state): State<AppState>) -> AppResult<Json<Vec<CustomEmoji>>> {
    let rows = db::custom_emojis::list_local(&state.db).await?;
    Ok(Json(rows.iter().map(CustomEmoji::from_row).collect()))
}
