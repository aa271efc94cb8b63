//! `GET /api/v2/filters` and the v1 view of the same filters (one entry per keyword).

use axum::Json;
use axum::extract::State;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{FilterV1, FilterV2};

/// GET /api/v2/filters
pub async fn get_filters_v2(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<FilterV2>>> {
    let user = auth.require_user(&["read:filters"])?;
    let filters = db::filters::list_by_owner(&state.db, user.account_id).await?;
    let keywords = db::filters::list_keywords_by_owner(&state.db, user.account_id).await?;
    Ok(Json(
        filters
            .iter()
            .map(|f| FilterV2::from_rows(f, &keywords))
            .collect(),
    ))
}

/// GET /api/v1/filters
pub async fn get_filters_v1(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<FilterV1>>> {
    let user = auth.require_user(&["read:filters"])?;
    let filters = db::filters::list_by_owner(&state.db, user.account_id).await?;
    let keywords = db::filters::list_keywords_by_owner(&state.db, user.account_id).await?;
    Ok(Json(
        keywords
            .iter()
            .filter_map(|k| {
                filters
                    .iter()
                    .find(|f| f.id == k.filter_id)
                    .map(|f| FilterV1::from_rows(f, k))
            })
            .collect(),
    ))
}
