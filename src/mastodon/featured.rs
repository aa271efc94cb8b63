//! Featured hashtags and endorsed accounts on profiles.

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
use crate::mastodon::entities::{Account, Relationship, format_id};
use crate::mastodon::params::Params;
use crate::mastodon::{present, relationships};

fn render_tags(state: &AppState, rows: &[db::featured::FeaturedTag], username: &str) -> Vec<Value> {
    rows.iter()
        .map(|row| {
            json!({
                "id": format_id(row.id),
                "name": row.name,
                "url": format!("{}/@{username}/tagged/{}", state.base_url, row.name),
                "statuses_count": row.statuses_count.to_string(),
                "last_status_at": row.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
            })
        })
        .collect()
}

async fn username_of(state: &AppState, account_id: i64) -> AppResult<String> {
    Ok(db::accounts::find(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?
        .username)
}

/// GET /api/v1/featured_tags
pub async fn get_featured_tags(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.require_user(&["read:accounts"])?.account_id;
    let rows = db::featured::list_tags(&state.db, me).await?;
    Ok(Json(render_tags(&state, &rows, &username_of(&state, me).await?)))
}

#[derive(Debug, Deserialize)]
pub struct FeatureParams {
    #[serde(default)]
    name: String,
}

/// POST /api/v1/featured_tags
pub async fn feature_tag(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<FeatureParams>,
) -> AppResult<Json<Value>> {
    let me = auth.require_user(&["write:accounts"])?.account_id;
    let id = actions::featured::feature_tag(&state.db, me, &params.name).await?;
    let rows = db::featured::list_tags(&state.db, me).await?;
    let username = username_of(&state, me).await?;
    render_tags(&state, &rows, &username)
        .into_iter()
        .find(|tag| tag["id"] == format_id(id))
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// DELETE /api/v1/featured_tags/:id
pub async fn unfeature_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.require_user(&["write:accounts"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::featured::unfeature_tag(&state.db, me, id).await?;
    Ok(Json(json!({})))
}

/// GET /api/v1/featured_tags/suggestions
pub async fn get_suggestions(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.require_user(&["read:accounts"])?.account_id;
    let names = db::featured::list_tag_suggestions(&state.db, me).await?;
    Ok(Json(
        names
            .into_iter()
            .map(|name| json!({ "name": name, "url": format!("{}/tags/{name}", state.base_url), "history": [] }))
            .collect(),
    ))
}

/// GET /api/v1/accounts/:id/featured_tags
pub async fn get_account_featured_tags(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Value>>> {
    let account_id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let username = username_of(&state, account_id).await?;
    let rows = db::featured::list_tags(&state.db, account_id).await?;
    Ok(Json(render_tags(&state, &rows, &username)))
}

/// GET /api/v1/endorsements
pub async fn get_endorsements(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Account>>> {
    let me = auth.require_user(&["read:accounts"])?.account_id;
    let ids = db::featured::list_endorsed(&state.db, me).await?;
    Ok(Json(present::accounts_in_order(&state, &ids).await?))
}

/// GET /api/v1/accounts/:id/endorsements
pub async fn get_account_endorsements(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Account>>> {
    let account_id = ids::parse(&id).ok_or(AppError::NotFound)?;
    db::accounts::find(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ids = db::featured::list_endorsed(&state.db, account_id).await?;
    Ok(Json(present::accounts_in_order(&state, &ids).await?))
}

/// POST /api/v1/accounts/:id/pin and /unpin
pub async fn endorse(state: AppState, auth: Auth, id: String, on: bool) -> AppResult<Json<Relationship>> {
    let me = auth.require_user(&["write:accounts"])?.account_id;
    let target = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::featured::endorse(&state.db, me, target, on).await?;
    relationships::relationships(&state, me, &[target])
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(AppError::NotFound)
}
