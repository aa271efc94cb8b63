//! Domain blocks outside the admin API: members' own (`/api/v1/domain_blocks`) and the public
//! list of moderated servers (`/api/v1/instance/domain_blocks`).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::config::DomainBlocksVisibility;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::PublicDomainBlock;
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;
use crate::moderation::domain_policy::Severity;

/// A member's list: 100 a page unless asked, at most 200 (Mastodon's limits).
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 200;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/domain_blocks",
            get(get_domain_blocks).post(block_domain).delete(unblock_domain),
        )
        .route("/api/v1/instance/domain_blocks", get(get_instance_domain_blocks))
}

#[derive(Debug, Deserialize)]
pub struct DomainParams {
    domain: Option<String>,
}

/// GET /api/v1/domain_blocks
pub async fn get_domain_blocks(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<String>>)> {
    let viewer = auth.require_user(&["read:blocks"])?.account_id;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let rows = db::account_domain_blocks::list(&state.db, viewer, &page.page_of(limit)).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/domain_blocks", &ids, limit);
    Ok((
        headers,
        Json(rows.into_iter().map(|(_, domain)| domain).collect()),
    ))
}

/// POST /api/v1/domain_blocks
pub async fn block_domain(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<DomainParams>,
) -> AppResult<Json<serde_json::Value>> {
    let viewer = auth.require_user(&["write:blocks"])?.account_id;
    actions::member_domain_blocks::block(&state, viewer, params.domain.as_deref().unwrap_or_default())
        .await?;
    Ok(Json(serde_json::json!({})))
}

/// DELETE /api/v1/domain_blocks
pub async fn unblock_domain(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<DomainParams>,
) -> AppResult<Json<serde_json::Value>> {
    let viewer = auth.require_user(&["write:blocks"])?.account_id;
    actions::member_domain_blocks::unblock(&state, viewer, params.domain.as_deref().unwrap_or_default())
        .await?;
    Ok(Json(serde_json::json!({})))
}

/// GET /api/v1/instance/domain_blocks
///
/// Per `federation.show_domain_blocks`: `hidden` answers 404; `users` answers 404 to anyone not
/// signed in (as Mastodon does); `all` answers everyone. Limit and Suspend rules are listed
/// (noop rules restrict nothing the public would notice), the configuration's too, strictest
/// first; obfuscated rules show a masked domain, and every line the SHA-256 of the real one.
pub async fn get_instance_domain_blocks(
    State(state): State<AppState>,
    auth: Option<Auth>,
) -> AppResult<Json<Vec<PublicDomainBlock>>> {
    let allowed = match state.config.federation.show_domain_blocks {
        DomainBlocksVisibility::Hidden => false,
        DomainBlocksVisibility::Users => auth.as_ref().is_some_and(|a| a.user().is_ok()),
        DomainBlocksVisibility::All => true,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let stored = db::domain_blocks::list_public(&state.db).await?;
    let mut lines: Vec<(Severity, PublicDomainBlock)> = stored
        .iter()
        .map(|row| {
            (
                Severity::parse(&row.severity).unwrap_or_default(),
                PublicDomainBlock::new(
                    &row.domain,
                    &row.severity,
                    row.obfuscate,
                    row.public_comment.clone(),
                ),
            )
        })
        .collect();
    for (domain, rule) in state.config.federation.configured_rules() {
        if rule.severity == Severity::Noop || stored.iter().any(|row| row.domain == domain) {
            continue;
        }
        lines.push((
            rule.severity,
            PublicDomainBlock::new(&domain, rule.severity.as_str(), false, None),
        ));
    }
    lines.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| x.domain.cmp(&y.domain)));
    Ok(Json(lines.into_iter().map(|(_, line)| line).collect()))
}
