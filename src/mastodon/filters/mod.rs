//! `/api/v2/filters`: the member's filters; keywords, statuses and the v1 view in submodules.

pub mod keywords;
pub mod statuses;
pub mod v1;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::actions::filters::{FilterAttributes, KeywordChange};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::FilterV2;
use crate::mastodon::params::{Params, empty_as_none, nullable};

/// Longest expiry a client may ask for: 100 years, in seconds.
const MAX_EXPIRES_IN: i64 = 100 * 366 * 24 * 3600;

/// An id in a path; one that cannot name a row is 404.
fn parse_id(id: &str) -> AppResult<i64> {
    ids::parse(id).ok_or(AppError::NotFound)
}

/// `expires_in` (seconds from now) as an expiry: absent leaves it, null or empty clears it.
fn expiry(expires_in: Option<Option<i64>>) -> AppResult<Option<Option<DateTime<Utc>>>> {
    let Some(seconds) = expires_in else {
        return Ok(None);
    };
    let Some(seconds) = seconds else {
        return Ok(Some(None));
    };
    if !(1..=MAX_EXPIRES_IN).contains(&seconds) {
        return Err(AppError::Invalid(format!(
            "Validation failed: Expires in must be between 1 and {MAX_EXPIRES_IN} seconds"
        )));
    }
    let at = TimeDelta::try_seconds(seconds)
        .and_then(|delta| Utc::now().checked_add_signed(delta))
        .ok_or_else(|| AppError::Invalid("Validation failed: Expires in is out of range".into()))?;
    Ok(Some(Some(at)))
}

/// One of the member's filters with its keywords and statuses.
async fn render(state: &AppState, owner_id: i64, filter_id: i64) -> AppResult<FilterV2> {
    let filter = db::filters::find_owned(&state.db, owner_id, filter_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let keywords = db::filters::list_keywords(&state.db, filter.id).await?;
    let statuses = db::filters::list_statuses(&state.db, filter.id).await?;
    Ok(FilterV2::from_rows(&filter, &keywords, &statuses))
}

/// GET /api/v2/filters
pub async fn get_filters_v2(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<FilterV2>>> {
    let user = auth.require_user(&["read:filters"])?;
    let filters = db::filters::list_by_owner(&state.db, user.account_id).await?;
    let keywords = db::filters::list_keywords_by_owner(&state.db, user.account_id).await?;
    let statuses = db::filters::list_statuses_by_owner(&state.db, user.account_id).await?;
    Ok(Json(
        filters
            .iter()
            .map(|f| FilterV2::from_rows(f, &keywords, &statuses))
            .collect(),
    ))
}

/// GET /api/v2/filters/:id
pub async fn get_filter_v2(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<FilterV2>> {
    let user = auth.require_user(&["read:filters"])?;
    Ok(Json(render(&state, user.account_id, parse_id(&id)?).await?))
}

#[derive(Debug, Deserialize)]
pub struct KeywordAttributes {
    #[serde(default, deserialize_with = "empty_as_none")]
    id: Option<String>,
    keyword: Option<String>,
    whole_word: Option<bool>,
    #[serde(default, rename = "_destroy")]
    destroy: bool,
}

#[derive(Debug, Deserialize)]
pub struct FilterParams {
    title: Option<String>,
    context: Option<Vec<String>>,
    filter_action: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    expires_in: Option<Option<i64>>,
    #[serde(default)]
    keywords_attributes: Vec<KeywordAttributes>,
}

impl FilterParams {
    /// Keyword changes as Rails' nested attributes read them: an entry with an id changes or
    /// (`_destroy`) removes that keyword; one without adds a keyword, unless it is blank or
    /// marked for destruction, when it is skipped.
    fn keyword_changes(&self) -> AppResult<Vec<KeywordChange>> {
        let mut changes = Vec::new();
        for item in &self.keywords_attributes {
            match &item.id {
                Some(id) => {
                    let id = parse_id(id.trim())?;
                    changes.push(if item.destroy {
                        KeywordChange::Destroy { id }
                    } else {
                        KeywordChange::Update {
                            id,
                            keyword: item.keyword.clone(),
                            whole_word: item.whole_word,
                        }
                    });
                }
                None => {
                    let keyword = item.keyword.clone().unwrap_or_default();
                    let blank = keyword.trim().is_empty() && item.whole_word != Some(true);
                    if !item.destroy && !blank {
                        changes.push(KeywordChange::Add {
                            keyword,
                            whole_word: item.whole_word.unwrap_or(true),
                        });
                    }
                }
            }
        }
        Ok(changes)
    }

    fn attributes(&self) -> AppResult<FilterAttributes<'_>> {
        Ok(FilterAttributes {
            title: self.title.as_deref(),
            context: self.context.as_deref(),
            action: self.filter_action.as_deref(),
            expires_at: expiry(self.expires_in)?,
        })
    }
}

/// POST /api/v2/filters
pub async fn create_filter_v2(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<FilterParams>,
) -> AppResult<Json<FilterV2>> {
    let user = auth.require_user(&["write:filters"])?;
    let filter_id = actions::filters::create(
        &state.db,
        user.account_id,
        &params.attributes()?,
        &params.keyword_changes()?,
    )
    .await?;
    Ok(Json(render(&state, user.account_id, filter_id).await?))
}

/// PUT /api/v2/filters/:id
pub async fn update_filter_v2(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FilterParams>,
) -> AppResult<Json<FilterV2>> {
    let user = auth.require_user(&["write:filters"])?;
    let filter_id = parse_id(&id)?;
    actions::filters::update(
        &state.db,
        user.account_id,
        filter_id,
        &params.attributes()?,
        &params.keyword_changes()?,
    )
    .await?;
    Ok(Json(render(&state, user.account_id, filter_id).await?))
}

/// DELETE /api/v2/filters/:id
pub async fn delete_filter_v2(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:filters"])?;
    actions::filters::delete(&state.db, user.account_id, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}
