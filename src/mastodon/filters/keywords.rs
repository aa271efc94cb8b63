//! `/api/v2/filters/:filter_id/keywords` and `/api/v2/filters/keywords/:id`: a filter's keywords.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::parse_id;
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::FilterKeyword;
use crate::mastodon::params::Params;

/// GET /api/v2/filters/:filter_id/keywords
pub async fn get_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(filter_id): Path<String>,
) -> AppResult<Json<Vec<FilterKeyword>>> {
    let user = auth.require_user(&["read:filters"])?;
    let filter = db::filters::find_owned(&state.db, user.account_id, parse_id(&filter_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = db::filters::list_keywords(&state.db, filter.id).await?;
    Ok(Json(rows.iter().map(FilterKeyword::from_row).collect()))
}

#[derive(Debug, Deserialize)]
pub struct KeywordParams {
    keyword: Option<String>,
    whole_word: Option<bool>,
}

/// POST /api/v2/filters/:filter_id/keywords
pub async fn create_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(filter_id): Path<String>,
    Params(params): Params<KeywordParams>,
) -> AppResult<Json<FilterKeyword>> {
    let user = auth.require_user(&["write:filters"])?;
    let row = actions::filters::add_keyword(
        &state.db,
        user.account_id,
        parse_id(&filter_id)?,
        params.keyword.as_deref().unwrap_or(""),
        params.whole_word.unwrap_or(true),
    )
    .await?;
    Ok(Json(FilterKeyword::from_row(&row)))
}

/// GET /api/v2/filters/keywords/:id
pub async fn get_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<FilterKeyword>> {
    let user = auth.require_user(&["read:filters"])?;
    let row = db::filters::find_owned_keyword(&state.db, user.account_id, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(FilterKeyword::from_row(&row)))
}

/// PUT /api/v2/filters/keywords/:id
pub async fn update_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<KeywordParams>,
) -> AppResult<Json<FilterKeyword>> {
    let user = auth.require_user(&["write:filters"])?;
    let row = actions::filters::update_keyword(
        &state.db,
        user.account_id,
        parse_id(&id)?,
        params.keyword.as_deref(),
        params.whole_word,
    )
    .await?;
    Ok(Json(FilterKeyword::from_row(&row)))
}

/// DELETE /api/v2/filters/keywords/:id
pub async fn delete_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:filters"])?;
    actions::filters::delete_keyword(&state.db, user.account_id, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}
