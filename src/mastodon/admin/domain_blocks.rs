//! `/api/v1/admin/domain_blocks`: the operator's domain rules (Limit, Suspend, flags, comments).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{federation_manager, limit};
use crate::actions::domain_blocks::{self as rules, Created};
use crate::app::AppState;
use crate::db;
use crate::db::domain_blocks::{DomainBlock, NewDomainBlock};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{AdminDomainBlock, ExistingDomainBlockError};
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;
use crate::moderation::domain_policy::Severity;

const READ: &[&str] = &["admin:read:domain_blocks"];
const WRITE: &[&str] = &["admin:write:domain_blocks"];

/// What a client may say about a rule; on update, what it leaves out stays as it was.
#[derive(Debug, Default, Deserialize)]
pub struct RuleParams {
    domain: Option<String>,
    severity: Option<String>,
    reject_media: Option<bool>,
    reject_reports: Option<bool>,
    private_comment: Option<String>,
    public_comment: Option<String>,
    obfuscate: Option<bool>,
}

fn severity(word: &str) -> AppResult<Severity> {
    Severity::parse(word).ok_or_else(|| {
        AppError::Invalid(format!(
            "Validation failed: Severity {word:?} is not one of noop, silence, suspend"
        ))
    })
}

/// An empty comment is no comment.
fn comment(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

async fn find(state: &AppState, id: &str) -> AppResult<DomainBlock> {
    let id = ids::parse(id).ok_or(AppError::NotFound)?;
    db::domain_blocks::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// GET /api/v1/admin/domain_blocks
pub async fn list_domain_blocks(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<AdminDomainBlock>>)> {
    federation_manager(&auth, READ)?;
    let limit = limit(&page);
    let rows = db::domain_blocks::list_page(&state.db, &page.page_of(limit)).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/admin/domain_blocks", &ids, limit);
    Ok((
        headers,
        Json(rows.iter().map(AdminDomainBlock::from_row).collect()),
    ))
}

/// GET /api/v1/admin/domain_blocks/:id
pub async fn get_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminDomainBlock>> {
    federation_manager(&auth, READ)?;
    Ok(Json(AdminDomainBlock::from_row(&find(&state, &id).await?)))
}

/// POST /api/v1/admin/domain_blocks
///
/// A rule for a domain that has one, or one no stricter than its parent domain's, answers 422
/// with the existing rule (`existing_domain_block`), as Mastodon does.
pub async fn create_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<RuleParams>,
) -> AppResult<Response> {
    federation_manager(&auth, WRITE)?;
    let domain = rules::domain_for_rule(&state, params.domain.as_deref().unwrap_or_default())?;
    let rule = NewDomainBlock {
        domain,
        severity: match params.severity.as_deref() {
            Some(word) => severity(word)?,
            None => Severity::Silence,
        },
        reject_media: params.reject_media.unwrap_or(false),
        reject_reports: params.reject_reports.unwrap_or(false),
        private_comment: comment(params.private_comment),
        public_comment: comment(params.public_comment),
        obfuscate: params.obfuscate.unwrap_or(false),
        source: "manual",
        source_urls: Vec::new(),
    };
    Ok(match rules::create(&state, rule).await? {
        Created::Added(added) => Json(AdminDomainBlock::from_row(&added)).into_response(),
        Created::Exists(existing) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ExistingDomainBlockError::from_row(&existing)),
        )
            .into_response(),
    })
}

/// PUT /api/v1/admin/domain_blocks/:id
///
/// Changes what is given; the rest stays, and so does the domain. Raising a Limit to a Suspend
/// purges the domain (in a background job). A subscribed rule edited here becomes a manual one.
pub async fn update_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<RuleParams>,
) -> AppResult<Json<AdminDomainBlock>> {
    federation_manager(&auth, WRITE)?;
    let old = find(&state, &id).await?;
    // A rule edited by hand is the operator's from then on: a subscription refresh never
    // overwrites or retracts it (its `source_urls` stay as the record of where it came from).
    let source = match old.source.as_str() {
        "import" => "import",
        _ => "manual",
    };
    let rule = NewDomainBlock {
        severity: match params.severity.as_deref() {
            Some(word) => severity(word)?,
            None => Severity::parse(&old.severity).unwrap_or_default(),
        },
        reject_media: params.reject_media.unwrap_or(old.reject_media),
        reject_reports: params.reject_reports.unwrap_or(old.reject_reports),
        private_comment: match params.private_comment {
            Some(text) => comment(Some(text)),
            None => old.private_comment.clone(),
        },
        public_comment: match params.public_comment {
            Some(text) => comment(Some(text)),
            None => old.public_comment.clone(),
        },
        obfuscate: params.obfuscate.unwrap_or(old.obfuscate),
        source,
        source_urls: old.source_urls.clone(),
        domain: old.domain,
    };
    let updated = rules::update(&state, old.id, rule).await?;
    Ok(Json(AdminDomainBlock::from_row(&updated)))
}

/// DELETE /api/v1/admin/domain_blocks/:id
///
/// Lifts the rule; nothing a suspension purged comes back.
pub async fn delete_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    federation_manager(&auth, WRITE)?;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    rules::remove(&state, id).await?;
    Ok(Json(serde_json::json!({})))
}
