//! `/api/v1/admin/email_domain_blocks` and `/api/v1/admin/ip_blocks`: where sign-ups may not come from.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::require_staff;
use crate::actions::sign_up_blocks::{self as blocks, IpBlockRequest};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{AdminEmailDomainBlock, AdminIpBlock};
use crate::mastodon::params::{Params, empty_as_none};

const EMAIL_READ: &[&str] = &["admin:read:email_domain_blocks"];
const EMAIL_WRITE: &[&str] = &["admin:write:email_domain_blocks"];
const IP_READ: &[&str] = &["admin:read:ip_blocks"];
const IP_WRITE: &[&str] = &["admin:write:ip_blocks"];

/// Sign-up blocks are the admins' (Mastodon's `manage_blocks` permission).
fn require_admin(auth: &Auth, scopes: &[&str]) -> AppResult<()> {
    let user = require_staff(auth, scopes)?;
    if user.role == "admin" {
        Ok(())
    } else {
        Err(AppError::Forbidden("This action is not allowed".into()))
    }
}

async fn email_entity(
    state: &AppState,
    row: &db::sign_up_blocks::EmailDomainBlock,
) -> AppResult<AdminEmailDomainBlock> {
    let now = chrono::Utc::now();
    let per_day =
        db::sign_up_blocks::sign_ups_per_day(&state.db, &row.domain, now - chrono::Duration::days(7)).await?;
    Ok(AdminEmailDomainBlock::new(row, &per_day, now))
}

fn parse_id(id: &str) -> AppResult<i64> {
    ids::parse(id).ok_or(AppError::NotFound)
}

/// GET /api/v1/admin/email_domain_blocks
pub async fn list_email_domain_blocks(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<AdminEmailDomainBlock>>> {
    require_admin(&auth, EMAIL_READ)?;
    let mut out = Vec::new();
    for row in db::sign_up_blocks::list_email_domains(&state.db).await? {
        out.push(email_entity(&state, &row).await?);
    }
    Ok(Json(out))
}

/// GET /api/v1/admin/email_domain_blocks/:id
pub async fn get_email_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminEmailDomainBlock>> {
    require_admin(&auth, EMAIL_READ)?;
    let row = db::sign_up_blocks::find_email_domain(&state.db, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(email_entity(&state, &row).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct EmailDomainParams {
    #[serde(default)]
    domain: String,
}

/// POST /api/v1/admin/email_domain_blocks
pub async fn create_email_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<EmailDomainParams>,
) -> AppResult<Json<AdminEmailDomainBlock>> {
    require_admin(&auth, EMAIL_WRITE)?;
    let row = blocks::block_email_domain(&state.db, &params.domain).await?;
    Ok(Json(email_entity(&state, &row).await?))
}

/// DELETE /api/v1/admin/email_domain_blocks/:id
pub async fn delete_email_domain_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    require_admin(&auth, EMAIL_WRITE)?;
    blocks::unblock_email_domain(&state.db, parse_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// GET /api/v1/admin/ip_blocks
pub async fn list_ip_blocks(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<AdminIpBlock>>> {
    require_admin(&auth, IP_READ)?;
    let rows = db::sign_up_blocks::list_ips(&state.db, false).await?;
    Ok(Json(rows.iter().map(AdminIpBlock::from).collect()))
}

/// GET /api/v1/admin/ip_blocks/:id
pub async fn get_ip_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminIpBlock>> {
    require_admin(&auth, IP_READ)?;
    let row = db::sign_up_blocks::find_ip(&state.db, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(AdminIpBlock::from(&row)))
}

#[derive(Debug, Deserialize, Default)]
pub struct IpBlockParams {
    #[serde(default)]
    ip: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    comment: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    expires_in: Option<i64>,
}

impl IpBlockParams {
    fn request(&self) -> IpBlockRequest<'_> {
        IpBlockRequest {
            ip: &self.ip,
            severity: &self.severity,
            comment: &self.comment,
            expires_in: self.expires_in,
        }
    }
}

/// POST /api/v1/admin/ip_blocks
pub async fn create_ip_block(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<IpBlockParams>,
) -> AppResult<Json<AdminIpBlock>> {
    require_admin(&auth, IP_WRITE)?;
    let row = blocks::block_ip(&state.db, &params.request()).await?;
    Ok(Json(AdminIpBlock::from(&row)))
}

/// PUT /api/v1/admin/ip_blocks/:id
pub async fn update_ip_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<IpBlockParams>,
) -> AppResult<Json<AdminIpBlock>> {
    require_admin(&auth, IP_WRITE)?;
    let id = parse_id(&id)?;
    let current = db::sign_up_blocks::find_ip(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Fields left out stay as they are.
    let request = IpBlockRequest {
        ip: if params.ip.is_empty() {
            &current.ip
        } else {
            &params.ip
        },
        severity: if params.severity.is_empty() {
            &current.severity
        } else {
            &params.severity
        },
        comment: if params.comment.is_empty() {
            &current.comment
        } else {
            &params.comment
        },
        expires_in: params.expires_in,
    };
    let row = blocks::update_ip_block(&state.db, id, &request).await?;
    Ok(Json(AdminIpBlock::from(&row)))
}

/// DELETE /api/v1/admin/ip_blocks/:id
pub async fn delete_ip_block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    require_admin(&auth, IP_WRITE)?;
    blocks::unblock_ip(&state.db, parse_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
