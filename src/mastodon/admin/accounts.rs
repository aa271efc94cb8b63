//! `/api/v1/admin/accounts` (and the v2 listing): the staff's view of accounts and the
//! sanctions they take (Mastodon's admin API, which moderation tools drive).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::{page_size, require_staff};
use crate::actions;
use crate::actions::account_moderation::{Lift, Moderator, Sanction};
use crate::app::AppState;
use crate::db;
use crate::db::account_moderation::Filter;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::{Auth, AuthUser};
use crate::mastodon::entities::AdminAccount;
use crate::mastodon::pagination::link_headers;
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;
use crate::moderation::domain_name;

const READ: &[&str] = &["admin:read:accounts"];
const WRITE: &[&str] = &["admin:write:accounts"];

fn moderator(user: &AuthUser) -> Moderator<'_> {
    Moderator {
        account_id: user.account_id,
        role: &user.role,
    }
}

/// Admin accounts by id (unknown ids left out).
pub(super) async fn admin_accounts(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, AdminAccount>> {
    let standings = db::account_moderation::list_by_ids(&state.db, ids).await?;
    let mut accounts = present::accounts_for_staff(state, ids).await?;
    Ok(standings
        .iter()
        .filter_map(|standing| {
            let account = accounts.remove(&standing.account_id)?;
            Some((standing.account_id, AdminAccount::from_row(standing, account)))
        })
        .collect())
}

async fn admin_account(state: &AppState, id: i64) -> AppResult<AdminAccount> {
    admin_accounts(state, &[id])
        .await?
        .remove(&id)
        .ok_or(AppError::NotFound)
}

fn account_id(id: &str) -> AppResult<i64> {
    ids::parse(id).ok_or(AppError::NotFound)
}

/// Listing parameters of both versions (v1 flags and v2 words) and paging.
#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    local: bool,
    #[serde(default)]
    remote: bool,
    #[serde(default)]
    active: bool,
    #[serde(default)]
    pending: bool,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    silenced: bool,
    #[serde(default)]
    suspended: bool,
    #[serde(default)]
    sensitized: bool,
    #[serde(default)]
    staff: bool,
    origin: Option<String>,
    status: Option<String>,
    permissions: Option<String>,
    by_domain: Option<String>,
    username: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ListParams {
    /// The filter the parameters ask for; v1 flags and v2 words mean the same.
    fn filter(self) -> AppResult<Filter> {
        let origin = match given(self.origin) {
            Some(origin) if origin == "local" || origin == "remote" => Some(origin),
            Some(_) => return Err(AppError::Invalid("Validation failed: origin is invalid".into())),
            None if self.local => Some("local".to_owned()),
            None if self.remote => Some("remote".to_owned()),
            None => None,
        };
        let flags = [
            (self.active, "active"),
            (self.pending, "pending"),
            (self.disabled, "disabled"),
            (self.silenced, "silenced"),
            (self.suspended, "suspended"),
            (self.sensitized, "sensitized"),
        ];
        let status = match given(self.status) {
            Some(status) if flags.iter().any(|(_, word)| *word == status) => Some(status),
            Some(_) => return Err(AppError::Invalid("Validation failed: status is invalid".into())),
            None => flags
                .iter()
                .find(|(on, _)| *on)
                .map(|(_, word)| (*word).to_owned()),
        };
        let domain =
            given(self.by_domain).map(|d| domain_name::normalize(&d).unwrap_or_else(|| d.to_lowercase()));
        Ok(Filter {
            origin,
            domain,
            status,
            username: given(self.username),
            display_name: given(self.display_name),
            email: given(self.email),
            staff: self.staff || self.permissions.as_deref() == Some("staff"),
        })
    }
}

async fn list(
    state: AppState,
    auth: Auth,
    params: ListParams,
    path: &str,
) -> AppResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    require_staff(&auth, READ)?;
    let limit = page_size(params.limit);
    let (max_id, min_id) = (params.max_id, params.min_id.or(params.since_id));
    let filter = params.filter()?;
    let standings = db::account_moderation::list(&state.db, &filter, max_id, min_id, limit).await?;
    let ids: Vec<i64> = standings.iter().map(|s| s.account_id).collect();
    let mut accounts = present::accounts_for_staff(&state, &ids).await?;
    let page = standings
        .iter()
        .filter_map(|standing| {
            let account = accounts.remove(&standing.account_id)?;
            Some(AdminAccount::from_row(standing, account))
        })
        .collect();
    Ok((link_headers(&state.base_url, path, &ids, limit), Json(page)))
}

/// GET /api/v1/admin/accounts
pub async fn list_accounts_v1(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<ListParams>,
) -> AppResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    list(state, auth, params, "/api/v1/admin/accounts").await
}

/// GET /api/v2/admin/accounts
pub async fn list_accounts_v2(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<ListParams>,
) -> AppResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    list(state, auth, params, "/api/v2/admin/accounts").await
}

/// GET /api/v1/admin/accounts/:id
pub async fn get_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminAccount>> {
    require_staff(&auth, READ)?;
    Ok(Json(admin_account(&state, account_id(&id)?).await?))
}

/// What an action names.
#[derive(Debug, Deserialize, Default)]
pub struct ActionParams {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    report_id: Option<i64>,
    /// A note to the member: in the log, and in the mail when one is sent.
    text: Option<String>,
    /// Mail the member (a local one) what was done, with `text`.
    #[serde(default)]
    send_email_notification: bool,
}

/// POST /api/v1/admin/accounts/:id/action
pub async fn act_on_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<ActionParams>,
) -> AppResult<Json<serde_json::Value>> {
    let user = require_staff(&auth, WRITE)?;
    let id = account_id(&id)?;
    let sanction = Sanction::parse(params.kind.trim())
        .ok_or_else(|| AppError::Invalid("Validation failed: Type is not included in the list".into()))?;
    let text = params.text.as_deref().map(str::trim).unwrap_or_default();
    if !text.is_empty() {
        tracing::info!(account = id, note = text, "moderation note");
    }
    actions::account_moderation::act(
        &state.db,
        &state.base_url,
        moderator(user),
        id,
        sanction,
        params.report_id,
    )
    .await?;
    if params.send_email_notification {
        actions::account_moderation::warn(&state, user.account_id, id, params.kind.trim(), text).await?;
    }
    Ok(Json(serde_json::json!({})))
}

/// POST /api/v1/admin/accounts/:id/{enable,unsilence,unsuspend,unsensitive}
pub async fn lift_sanction(
    state: AppState,
    auth: Auth,
    id: String,
    lift: Lift,
) -> AppResult<Json<AdminAccount>> {
    let user = require_staff(&auth, WRITE)?;
    let id = account_id(&id)?;
    actions::account_moderation::lift(&state.db, &state.base_url, moderator(user), id, lift).await?;
    Ok(Json(admin_account(&state, id).await?))
}

/// POST /api/v1/admin/accounts/:id/approve
pub async fn approve_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminAccount>> {
    let user = require_staff(&auth, WRITE)?;
    let id = account_id(&id)?;
    actions::account_moderation::approve(&state, moderator(user), id).await?;
    Ok(Json(admin_account(&state, id).await?))
}

/// POST /api/v1/admin/accounts/:id/reject
pub async fn reject_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminAccount>> {
    let user = require_staff(&auth, WRITE)?;
    let id = account_id(&id)?;
    // Rendered before it goes: the answer shows the sign-up that was rejected.
    let shown = admin_account(&state, id).await?;
    actions::account_moderation::reject(&state, moderator(user), id).await?;
    Ok(Json(shown))
}

/// DELETE /api/v1/admin/accounts/:id
pub async fn delete_account(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminAccount>> {
    let user = require_staff(&auth, WRITE)?;
    let id = account_id(&id)?;
    actions::account_moderation::delete_data(&state.db, &state.base_url, &state.media, moderator(user), id)
        .await?;
    Ok(Json(admin_account(&state, id).await?))
}
