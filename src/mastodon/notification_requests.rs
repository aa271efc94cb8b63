//! Notification policies (v1 and v2) and requests (Mastodon 4.3): what a member's policy filters, kept apart until accepted or dismissed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::actions::notification_requests::{self as requests, Answer, PolicyChange};
use crate::app::AppState;
use crate::db;
use crate::db::notification_requests::Policy;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, Status, format_id, format_time};
use crate::mastodon::pagination::link_headers;
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;

async fn summary(state: &AppState, account_id: i64) -> AppResult<Value> {
    let (requests, notifications) = db::notification_requests::summary(&state.db, account_id).await?;
    Ok(json!({
        "pending_requests_count": requests,
        "pending_notifications_count": notifications,
    }))
}

async fn policy_v2(state: &AppState, account_id: i64, policy: &Policy) -> AppResult<Json<Value>> {
    Ok(Json(json!({
        "for_not_following": policy.for_not_following,
        "for_not_followers": policy.for_not_followers,
        "for_new_accounts": policy.for_new_accounts,
        "for_private_mentions": policy.for_private_mentions,
        "for_limited_accounts": policy.for_limited_accounts,
        "summary": summary(state, account_id).await?,
    })))
}

async fn policy_v1(state: &AppState, account_id: i64, policy: &Policy) -> AppResult<Json<Value>> {
    // v1 speaks in booleans: anything but `accept` filters.
    Ok(Json(json!({
        "filter_not_following": policy.for_not_following != "accept",
        "filter_not_followers": policy.for_not_followers != "accept",
        "filter_new_accounts": policy.for_new_accounts != "accept",
        "filter_private_mentions": policy.for_private_mentions != "accept",
        "summary": summary(state, account_id).await?,
    })))
}

/// GET /api/v2/notifications/policy
pub async fn get_policy(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let policy = db::notification_requests::find_policy(&state.db, viewer).await?;
    policy_v2(&state, viewer, &policy).await
}

#[derive(Debug, Deserialize)]
pub struct PolicyParams {
    #[serde(default, deserialize_with = "empty_as_none")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    for_limited_accounts: Option<String>,
}

/// PATCH /api/v2/notifications/policy
pub async fn update_policy(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<PolicyParams>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    let change = PolicyChange {
        for_not_following: params.for_not_following,
        for_not_followers: params.for_not_followers,
        for_new_accounts: params.for_new_accounts,
        for_private_mentions: params.for_private_mentions,
        for_limited_accounts: params.for_limited_accounts,
    };
    let policy = requests::update_policy(&state.db, viewer, change).await?;
    policy_v2(&state, viewer, &policy).await
}

/// GET /api/v1/notifications/policy
pub async fn get_policy_v1(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let policy = db::notification_requests::find_policy(&state.db, viewer).await?;
    policy_v1(&state, viewer, &policy).await
}

#[derive(Debug, Deserialize)]
pub struct PolicyV1Params {
    #[serde(default)]
    filter_not_following: Option<bool>,
    #[serde(default)]
    filter_not_followers: Option<bool>,
    #[serde(default)]
    filter_new_accounts: Option<bool>,
    #[serde(default)]
    filter_private_mentions: Option<bool>,
}

/// PATCH /api/v1/notifications/policy
pub async fn update_policy_v1(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<PolicyV1Params>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    let word = |filter: Option<bool>| filter.map(|f| if f { "filter" } else { "accept" }.to_owned());
    let change = PolicyChange {
        for_not_following: word(params.filter_not_following),
        for_not_followers: word(params.filter_not_followers),
        for_new_accounts: word(params.filter_new_accounts),
        for_private_mentions: word(params.filter_private_mentions),
        for_limited_accounts: None,
    };
    let policy = requests::update_policy(&state.db, viewer, change).await?;
    policy_v1(&state, viewer, &policy).await
}

/// NotificationRequest.
#[derive(Debug, Serialize)]
pub struct NotificationRequest {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub account: Account,
    /// A string, as Mastodon sends it.
    pub notifications_count: String,
    pub last_status: Option<Status>,
}

async fn present_requests(
    state: &AppState,
    viewer: i64,
    rows: &[db::notification_requests::Request],
) -> AppResult<Vec<NotificationRequest>> {
    let account_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts = present::accounts(state, &account_ids).await?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let statuses = present::statuses(state, &status_ids, Some(viewer)).await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(NotificationRequest {
                id: format_id(r.id),
                created_at: format_time(r.created_at),
                updated_at: format_time(r.updated_at),
                account: accounts.get(&r.from_account_id)?.clone(),
                notifications_count: r.notifications_count.to_string(),
                last_status: r
                    .last_status_id
                    .and_then(|id| statuses.iter().find(|s| s.id == format_id(id)).cloned()),
            })
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct RequestPage {
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// GET /api/v1/notifications/requests
pub async fn get_requests(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<RequestPage>,
) -> AppResult<(HeaderMap, Json<Vec<NotificationRequest>>)> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let limit = page.limit.unwrap_or(40).clamp(1, 80);
    // Requests are few: `min_id` reads as a lower bound, like `since_id`.
    let rows = db::notification_requests::list(
        &state.db,
        viewer,
        page.max_id,
        page.min_id.or(page.since_id),
        limit,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/notifications/requests", &ids, limit);
    Ok((headers, Json(present_requests(&state, viewer, &rows).await?)))
}

/// GET /api/v1/notifications/requests/:id
pub async fn get_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<NotificationRequest>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let row = db::notification_requests::find(&state.db, viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    present_requests(&state, viewer, &[row])
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// POST /api/v1/notifications/requests/:id/accept
pub async fn accept_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    requests::answer(&state.db, viewer, &[id], true, Answer::Accept).await?;
    Ok(Json(json!({})))
}

/// POST /api/v1/notifications/requests/:id/dismiss
pub async fn dismiss_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    requests::answer(&state.db, viewer, &[id], true, Answer::Dismiss).await?;
    Ok(Json(json!({})))
}

#[derive(Debug, Deserialize)]
pub struct BulkParams {
    #[serde(default)]
    id: Vec<String>,
}

fn parse_ids(given: &[String]) -> Vec<i64> {
    given.iter().filter_map(|id| ids::parse(id)).collect()
}

/// POST /api/v1/notifications/requests/accept
pub async fn accept_requests(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<BulkParams>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    requests::answer(&state.db, viewer, &parse_ids(&params.id), false, Answer::Accept).await?;
    Ok(Json(json!({})))
}

/// POST /api/v1/notifications/requests/dismiss
pub async fn dismiss_requests(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<BulkParams>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    requests::answer(&state.db, viewer, &parse_ids(&params.id), false, Answer::Dismiss).await?;
    Ok(Json(json!({})))
}

/// GET /api/v1/notifications/requests/merged: accepting merges at once here, so always done.
pub async fn get_merged(auth: Auth) -> AppResult<Json<Value>> {
    auth.require_user(&["read:notifications"])?;
    Ok(Json(json!({ "merged": true })))
}
