//! Notifications (v1): list, one, dismiss, clear, unread count.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Notification, RelationshipSeveranceEvent, format_id, format_time};
use crate::mastodon::pagination::link_headers;
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;

/// The notification types clients may ask for.
pub const TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
];

#[derive(Debug, Deserialize)]
pub struct NotificationParams {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    account_id: Option<i64>,
    #[serde(default)]
    include_filtered: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// Notifications as `viewer` reads them (those whose status they may no longer see left out);
/// the web's notifications page shows the same.
pub async fn render(
    state: &AppState,
    viewer: i64,
    rows: &[db::notifications::Notification],
) -> AppResult<Vec<Notification>> {
    let account_ids: Vec<i64> = rows.iter().map(|n| n.from_account_id).collect();
    let accounts = present::accounts(state, &account_ids).await?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    // A notification whose status the member may no longer see (an edit removed the mention, an
    // unfollow ended access) is left out rather than shown: `present` leaves such statuses out.
    let statuses = present::statuses(state, &status_ids, Some(viewer)).await?;
    let mut events = std::collections::HashMap::new();
    for event_id in rows.iter().filter_map(|n| n.relationship_severance_event_id) {
        if let Some(event) = db::severances::find_for_account(&state.db, event_id, viewer).await? {
            events.insert(event_id, RelationshipSeveranceEvent::from(&event));
        }
    }
    let reports = if rows.iter().any(|n| n.r#type == "admin.report") {
        let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
        super::reports::for_notifications(state, &ids).await?
    } else {
        Default::default()
    };
    let warning_ids: Vec<i64> = rows.iter().filter_map(|n| n.account_warning_id).collect();
    let mut warnings = std::collections::HashMap::new();
    if !warning_ids.is_empty() {
        let viewer_account = present::accounts(state, &[viewer]).await?;
        for row in db::account_warnings::list_by_ids(&state.db, &warning_ids).await? {
            if let Some(target) = viewer_account.get(&row.target_account_id) {
                warnings.insert(
                    row.id,
                    crate::mastodon::entities::AccountWarning::new(&row, target.clone()),
                );
            }
        }
    }
    Ok(rows
        .iter()
        .filter_map(|n| {
            let account = accounts.get(&n.from_account_id)?.clone();
            let status = match n.status_id {
                Some(id) => Some(statuses.iter().find(|s| s.id == id.to_string())?.clone()),
                None => None,
            };
            Some(Notification {
                id: format_id(n.id),
                r#type: n.r#type.clone(),
                group_key: group_key(n),
                created_at: format_time(n.created_at),
                account,
                status,
                event: n
                    .relationship_severance_event_id
                    .and_then(|id| events.get(&id).cloned()),
                report: reports.get(&n.id).cloned(),
                moderation_warning: n.account_warning_id.and_then(|id| warnings.get(&id).cloned()),
            })
        })
        .collect())
}

/// The key of the notification's group: its own, or `ungrouped-<id>` (Mastodon's word).
pub fn group_key(notification: &db::notifications::Notification) -> String {
    notification
        .group_key
        .clone()
        .unwrap_or_else(|| format!("ungrouped-{}", notification.id))
}

/// GET /api/v1/notifications
pub async fn get_notifications(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<NotificationParams>,
) -> AppResult<(HeaderMap, Json<Vec<Notification>>)> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let keep = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|t| TYPES.contains(&t.as_str()))
            .cloned()
            .collect()
    };
    let types = keep(&params.types);
    if !params.types.is_empty() && types.is_empty() {
        return Ok((HeaderMap::new(), Json(Vec::new())));
    }
    let exclude = keep(&params.exclude_types);
    let limit = params.limit.unwrap_or(40).clamp(1, 80);
    let query = db::notifications::NotificationQuery {
        types: &types,
        exclude_types: &exclude,
        from_account_id: params.account_id,
        include_filtered: params.include_filtered,
        max_id: params.max_id,
        since_id: params.since_id,
        min_id: params.min_id,
        limit,
    };
    let rows = db::notifications::list(&state.db, viewer, &query).await?;
    let notifications = render(&state, viewer, &rows).await?;
    let paging: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/notifications", &paging, limit);
    Ok((headers, Json(notifications)))
}

/// GET /api/v1/notifications/:id
pub async fn get_notification(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Notification>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let row = db::notifications::find(&state.db, viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&state, viewer, &[row])
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// POST /api/v1/notifications/:id/dismiss
pub async fn dismiss_notification(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    let id = ids::parse(&id).ok_or(AppError::NotFound)?;
    actions::notifications::dismiss(&state.db, viewer, id).await?;
    Ok(Json(json!({})))
}

/// POST /api/v1/notifications/clear
pub async fn clear_notifications(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    actions::notifications::clear(&state.db, viewer).await?;
    Ok(Json(json!({})))
}

#[derive(Debug, Deserialize)]
pub struct UnreadParams {
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// GET /api/v1/notifications/unread_count
pub async fn get_unread_count(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<UnreadParams>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["read:notifications"])?;
    let marker = db::markers::list(&state.db, user.user_id, &["notifications".to_owned()]).await?;
    let after = marker.first().map(|m| m.last_read_id);
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let count = db::notifications::count_unread(&state.db, user.account_id, after, limit).await?;
    Ok(Json(json!({ "count": count })))
}
