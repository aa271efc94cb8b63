//! `/api/v1/lists`: the member's lists and the accounts on them, and `/api/v1/accounts/:id/lists`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::actions::lists::ListAttributes;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, List};
use crate::mastodon::pagination::{PageParams, link_header};
use crate::mastodon::params::Params;

/// Default page of a list's accounts (Mastodon's); `limit` goes up to twice this.
const DEFAULT_ACCOUNTS_LIMIT: i64 = 40;

/// GET /api/v1/lists
pub async fn get_lists(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<List>>> {
    let user = auth.require_user(&["read:lists"])?;
    let rows = db::lists::list_by_owner(&state.db, user.account_id).await?;
    Ok(Json(rows.iter().map(List::from_row).collect()))
}

fn parse_id(id: &str) -> AppResult<i64> {
    ids::parse(id).ok_or(AppError::NotFound)
}

/// GET /api/v1/lists/:id
pub async fn get_list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<List>> {
    let user = auth.require_user(&["read:lists"])?;
    let row = db::lists::find_owned(&state.db, user.account_id, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(List::from_row(&row)))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    title: Option<String>,
    replies_policy: Option<String>,
    exclusive: Option<bool>,
}

impl ListParams {
    fn attributes(&self) -> ListAttributes<'_> {
        ListAttributes {
            title: self.title.as_deref(),
            replies_policy: self.replies_policy.as_deref(),
            exclusive: self.exclusive,
        }
    }
}

/// POST /api/v1/lists
pub async fn create_list(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<ListParams>,
) -> AppResult<Json<List>> {
    let user = auth.require_user(&["write:lists"])?;
    let row = actions::lists::create(&state.db, user.account_id, &params.attributes()).await?;
    Ok(Json(List::from_row(&row)))
}

/// PUT /api/v1/lists/:id
pub async fn update_list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<ListParams>,
) -> AppResult<Json<List>> {
    let user = auth.require_user(&["write:lists"])?;
    let row =
        actions::lists::update(&state.db, user.account_id, parse_id(&id)?, &params.attributes()).await?;
    Ok(Json(List::from_row(&row)))
}

/// DELETE /api/v1/lists/:id
pub async fn delete_list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:lists"])?;
    actions::lists::delete(&state.db, user.account_id, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// GET /api/v1/lists/:id/accounts
pub async fn get_list_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let user = auth.require_user(&["read:lists"])?;
    let list = db::lists::find_owned(&state.db, user.account_id, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    // `limit=0` asks for every account, unpaged (as in Mastodon).
    let limit = match page.limit {
        Some(0) => None,
        Some(n) => Some(n.saturating_abs().clamp(1, 2 * DEFAULT_ACCOUNTS_LIMIT)),
        None => Some(DEFAULT_ACCOUNTS_LIMIT),
    };
    let account_ids =
        db::lists::list_account_ids(&state.db, list.id, page.max_id, page.since_id, page.min_id, limit)
            .await?;
    let rows = db::accounts::list_by_ids(&state.db, &account_ids).await?;
    let accounts = account_ids
        .iter()
        .filter_map(|id| rows.iter().find(|row| row.id == *id))
        .map(|row| Account::from_row(row, &state.config))
        .collect();
    let mut headers = HeaderMap::new();
    if let Some(limit) = limit
        && let Some(link) = link_header(
            &state.config.base_url(),
            &format!("/api/v1/lists/{}/accounts", list.id),
            &account_ids,
            limit,
        )
    {
        headers.insert(header::LINK, link);
    }
    Ok((headers, Json(accounts)))
}

#[derive(Debug, Deserialize)]
pub struct AccountIdsParams {
    #[serde(default)]
    account_ids: Vec<String>,
}

impl AccountIdsParams {
    /// The ids given, deduplicated; an id that cannot name an account is 404 (as Mastodon answers).
    fn parse(&self) -> AppResult<Vec<i64>> {
        if self.account_ids.is_empty() {
            return Err(AppError::Invalid(
                "Validation failed: account_ids must name at least one account".into(),
            ));
        }
        let mut parsed = Vec::with_capacity(self.account_ids.len());
        for id in &self.account_ids {
            let id = parse_id(id.trim())?;
            if !parsed.contains(&id) {
                parsed.push(id);
            }
        }
        Ok(parsed)
    }
}

/// POST /api/v1/lists/:id/accounts
pub async fn add_list_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<AccountIdsParams>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:lists"])?;
    let list_id = parse_id(&id)?;
    actions::lists::add_accounts(&state.db, user.account_id, list_id, &params.parse()?).await?;
    Ok(Json(json!({})))
}

/// DELETE /api/v1/lists/:id/accounts
pub async fn remove_list_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<AccountIdsParams>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["write:lists"])?;
    let list_id = parse_id(&id)?;
    actions::lists::remove_accounts(&state.db, user.account_id, list_id, &params.parse()?).await?;
    Ok(Json(json!({})))
}

/// GET /api/v1/accounts/:id/lists
pub async fn get_account_lists(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<List>>> {
    let user = auth.require_user(&["read:lists"])?;
    let account = db::accounts::find(&state.db, parse_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = db::lists::list_owned_containing(&state.db, user.account_id, account.id).await?;
    Ok(Json(rows.iter().map(List::from_row).collect()))
}
