//! `/api/v1/filters`: the v1 view of filters, one entry per keyword (its id is the keyword's).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{expiry, parse_id};
use crate::actions;
use crate::actions::filters::phrase::PhraseFilter;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::FilterV1;
use crate::mastodon::params::{Params, nullable};

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

/// GET /api/v1/filters/:id
pub async fn get_filter_v1(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<FilterV1>> {
    let user = auth.require_user(&["read:filters"])?;
    let keyword = db::filters::find_owned_keyword(&state.db, user.account_id, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = db::filters::find_owned(&state.db, user.account_id, keyword.filter_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(FilterV1::from_rows(&filter, &keyword)))
}

#[derive(Debug, Deserialize)]
pub struct FilterV1Params {
    phrase: Option<String>,
    context: Option<Vec<String>>,
    irreversible: Option<bool>,
    whole_word: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    expires_in: Option<Option<i64>>,
}

impl FilterV1Params {
    fn phrase_filter(&self) -> AppResult<PhraseFilter<'_>> {
        Ok(PhraseFilter {
            phrase: self.phrase.as_deref(),
            whole_word: self.whole_word,
            context: self.context.as_deref(),
            irreversible: self.irreversible,
            expires_at: expiry(self.expires_in)?,
        })
    }
}

/// POST /api/v1/filters
pub async fn create_filter_v1(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<FilterV1Params>,
) -> AppResult<Json<FilterV1>> {
    let user = auth.require_user(&["write:filters"])?;
    let (filter, keyword) =
        actions::filters::phrase::create(&state.db, user.account_id, &params.phrase_filter()?).await?;
    Ok(Json(FilterV1::from_rows(&filter, &keyword)))
}

/// PUT /api/v1/filters/:id
pub async fn update_filter_v1(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FilterV1Params>,
) -> AppResult<Json<FilterV1>> {
    let user = auth.require_user(&["write:filters"])?;
    let (filter, keyword) = actions::filters::phrase::update(
        &state.db,
        user.account_id,
        parse_id(&id)?,
        &params.phrase_filter()?,
    )
    .await?;
    Ok(Json(FilterV1::from_rows(&filter, &keyword)))
}

/// DELETE /api/v1/filters/:id
pub async fn delete_filter_v1(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:filters"])?;
    actions::filters::phrase::delete(&state.db, user.account_id, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}
