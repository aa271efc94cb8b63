//! `/api/v1/admin/domain_allows`: the domains allowlist mode federates with.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::{federation_manager, limit};
use crate::actions::domain_blocks as rules;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::AdminDomainAllow;
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;

const READ: &[&str] = &["admin:read:domain_allows"];
const WRITE: &[&str] = &["admin:write:domain_allows"];

#[derive(Debug, Deserialize)]
pub struct AllowParams {
    domain: Option<String>,
}

/// GET /api/v1/admin/domain_allows
pub async fn list_domain_allows(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<AdminDomainAllow>>)> {
    federation_manager(&auth, READ)?;
    let limit = limit(&page);
    let rows = db::domain_blocks::list_allows_page(&state.db, &page.page_of(limit)).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/admin/domain_allows", &ids, limit);
    Ok((
        headers,
        Json(rows.iter().map(AdminDomainAllow::from_row).collect()),
    ))
}

/// GET /api/v1/admin/domain_allows/:id
pub async fn get_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminDomainAllow>> {
    federation_manager(&auth, READ)?;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let row = db::domain_blocks::find_allow(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(AdminDomainAllow::from_row(&row)))
}

/// POST /api/v1/admin/domain_allows
///
/// An already allowed domain answers its existing entry, as Mastodon does.
pub async fn create_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<AllowParams>,
) -> AppResult<Json<AdminDomainAllow>> {
    federation_manager(&auth, WRITE)?;
    let domain = rules::domain_for_rule(&state, params.domain.as_deref().unwrap_or_default())?;
    let allowed = rules::allow(&state, &domain).await?;
    Ok(Json(AdminDomainAllow::from_row(&allowed)))
}

/// DELETE /api/v1/admin/domain_allows/:id
pub async fn delete_domain_allow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    federation_manager(&auth, WRITE)?;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    rules::disallow(&state, id).await?;
    Ok(Json(serde_json::json!({})))
}
