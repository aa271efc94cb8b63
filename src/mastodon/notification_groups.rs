//! Grouped notifications (v2, Mastodon 4.3): pages of groups, one group, its accounts, dismissing it, unread groups.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::db::notification_groups::GroupData;
use crate::db::notifications::Notification as Row;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, Notification, format_id, format_time};
use crate::mastodon::notifications::{TYPES, render};
use crate::mastodon::pagination::link_headers;
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;

/// The types grouped unless a client says otherwise.
const GROUPABLE: &[&str] = &["favourite", "reblog", "follow", "admin.sign_up"];
/// Notifications read per step of the walk through a member's notifications.
const CHUNK: i64 = 200;
/// Steps at most: a page stops after this many notifications even with fewer groups than asked.
const MAX_CHUNKS: usize = 50;

#[derive(Debug, Deserialize)]
pub struct GroupParams {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    exclude_types: Vec<String>,
    #[serde(default)]
    grouped_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "empty_as_none")]
    account_id: Option<i64>,
    #[serde(default)]
    include_filtered: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    expand_accounts: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

fn known(list: &[String]) -> Vec<String> {
    list.iter()
        .filter(|t| TYPES.contains(&t.as_str()))
        .cloned()
        .collect()
}

fn grouped_types(asked: &Option<Vec<String>>) -> Vec<String> {
    match asked {
        Some(list) => list
            .iter()
            .filter(|t| GROUPABLE.contains(&t.as_str()))
            .cloned()
            .collect(),
        None => GROUPABLE.iter().map(|t| (*t).to_owned()).collect(),
    }
}

/// The key a notification is shown under: its group's when its type is grouped.
fn key_of(row: &Row, grouped: &[String]) -> String {
    match &row.group_key {
        Some(key) if grouped.contains(&row.r#type) => key.clone(),
        _ => format!("ungrouped-{}", row.id),
    }
}

/// One group of a page, before rendering.
struct PageGroup {
    key: String,
    /// Its newest notification in the page.
    newest: Row,
    data: Option<GroupData>,
}

/// Walks the member's notifications from the cursor, newest first (oldest first above
/// `min_id`), until `limit` groups are found; returns them and the page's id range.
async fn walk(
    state: &AppState,
    viewer: i64,
    params: &GroupParams,
    grouped: &[String],
) -> AppResult<(Vec<PageGroup>, Option<(i64, i64)>)> {
    let types = known(&params.types);
    let exclude = known(&params.exclude_types);
    let limit = params.limit.unwrap_or(40).clamp(1, 80) as usize;
    let ascending = params.min_id.is_some();
    let (mut max_id, mut min_id) = (params.max_id, params.min_id);
    let mut order: Vec<String> = Vec::new();
    let mut newest: HashMap<String, Row> = HashMap::new();
    let mut range: Option<(i64, i64)> = None;
    'walk: for _ in 0..MAX_CHUNKS {
        let query = db::notifications::NotificationQuery {
            types: &types,
            exclude_types: &exclude,
            from_account_id: params.account_id,
            include_filtered: params.include_filtered,
            max_id,
            since_id: params.since_id,
            min_id,
            limit: CHUNK,
        };
        let mut rows = db::notifications::list(&state.db, viewer, &query).await?;
        let full = rows.len() as i64 == CHUNK;
        if ascending {
            rows.reverse();
        }
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for row in rows {
            let key = key_of(&row, grouped);
            if !newest.contains_key(&key) {
                if order.len() == limit {
                    break 'walk;
                }
                order.push(key.clone());
            }
            range = Some(match range {
                None => (row.id, row.id),
                Some((low, high)) => (low.min(row.id), high.max(row.id)),
            });
            match newest.get(&key) {
                Some(kept) if kept.id > row.id => {}
                _ => {
                    newest.insert(key, row);
                }
            }
        }
        if !full {
            break;
        }
        if ascending {
            min_id = Some(last);
        } else {
            max_id = Some(last);
        }
    }
    let Some((lower, upper)) = range else {
        return Ok((Vec::new(), None));
    };
    let real: Vec<String> = order
        .iter()
        .filter(|k| !k.starts_with("ungrouped-"))
        .cloned()
        .collect();
    let mut data: HashMap<String, GroupData> =
        db::notification_groups::data(&state.db, viewer, &real, lower, upper, params.include_filtered)
            .await?
            .into_iter()
            .map(|d| (d.group_key.clone(), d))
            .collect();
    let mut groups: Vec<PageGroup> = order
        .into_iter()
        .filter_map(|key| {
            let newest = newest.remove(&key)?;
            let data = data.remove(&key);
            Some(PageGroup { key, newest, data })
        })
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.newest.id));
    Ok((groups, Some((lower, upper))))
}

/// The answer: groups with the accounts and statuses they refer to.
async fn present_groups(
    state: &AppState,
    viewer: i64,
    groups: Vec<PageGroup>,
    partial_avatars: bool,
) -> AppResult<Value> {
    let newest: Vec<Row> = groups.iter().map(|g| g.newest.clone()).collect();
    // Rendered as v1 renders them: a group whose status the member may no longer see is left out.
    let rendered: HashMap<String, Notification> = render(state, viewer, &newest)
        .await?
        .into_iter()
        .map(|n| (n.id.clone(), n))
        .collect();
    let mut sample_ids: Vec<i64> = Vec::new();
    for group in &groups {
        match &group.data {
            Some(data) => sample_ids.extend(&data.sample_account_ids),
            None => sample_ids.push(group.newest.from_account_id),
        }
    }
    let accounts_by_id = present::accounts(state, &sample_ids).await?;
    let mut entries = Vec::new();
    let mut statuses = Vec::new();
    let mut full_ids: HashSet<i64> = HashSet::new();
    let mut listed: Vec<i64> = Vec::new();
    for group in &groups {
        let Some(notification) = rendered.get(&format_id(group.newest.id)) else {
            continue;
        };
        let (count, samples, min_id, max_id, latest) = match &group.data {
            Some(d) => (
                d.count,
                d.sample_account_ids.clone(),
                d.min_id,
                d.max_id,
                d.latest_at,
            ),
            None => (
                1,
                vec![group.newest.from_account_id],
                group.newest.id,
                group.newest.id,
                group.newest.created_at,
            ),
        };
        // The group's newest sender is always a full account; with `partial_avatars` the rest
        // may be partial (Mastodon's contract).
        if let Some(first) = samples.first() {
            full_ids.insert(*first);
        }
        for id in &samples {
            if !listed.contains(id) {
                listed.push(*id);
            }
        }
        let mut entry = json!({
            "group_key": group.key,
            "notifications_count": count,
            "type": notification.r#type,
            "most_recent_notification_id": format_id(max_id),
            "page_min_id": format_id(min_id),
            "page_max_id": format_id(max_id),
            "latest_page_notification_at": format_time(latest),
            "sample_account_ids": samples.iter().map(|id| format_id(*id)).collect::<Vec<_>>(),
        });
        if let Some(status) = &notification.status {
            entry["status_id"] = json!(status.id);
            if !statuses
                .iter()
                .any(|s: &crate::mastodon::entities::Status| s.id == status.id)
            {
                statuses.push(status.clone());
            }
        }
        if let Some(report) = &notification.report {
            entry["report"] = json!(report);
        }
        if let Some(warning) = &notification.moderation_warning {
            entry["moderation_warning"] = json!(warning);
        }
        if let Some(event) = &notification.event {
            entry["event"] = json!(event);
        }
        entries.push(entry);
    }
    let mut accounts: Vec<&Account> = Vec::new();
    let mut partial = Vec::new();
    for id in listed {
        let Some(account) = accounts_by_id.get(&id) else {
            continue;
        };
        if partial_avatars && !full_ids.contains(&id) {
            partial.push(json!({
                "id": account.id,
                "acct": account.acct,
                "url": account.url,
                "avatar": account.avatar,
                "avatar_static": account.avatar_static,
                "locked": account.locked,
                "bot": account.bot,
            }));
        } else {
            accounts.push(account);
        }
    }
    let mut answer = json!({
        "accounts": accounts,
        "statuses": statuses,
        "notification_groups": entries,
    });
    if partial_avatars {
        answer["partial_accounts"] = json!(partial);
    }
    Ok(answer)
}

/// GET /api/v2/notifications
pub async fn get_groups(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<GroupParams>,
) -> AppResult<(HeaderMap, Json<Value>)> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let empty = json!({"accounts": [], "statuses": [], "notification_groups": []});
    if !params.types.is_empty() && known(&params.types).is_empty() {
        return Ok((HeaderMap::new(), Json(empty)));
    }
    let grouped = grouped_types(&params.grouped_types);
    let limit = params.limit.unwrap_or(40).clamp(1, 80);
    let (groups, range) = walk(&state, viewer, &params, &grouped).await?;
    let Some((lower, upper)) = range else {
        return Ok((HeaderMap::new(), Json(empty)));
    };
    let partial = params.expand_accounts.as_deref() == Some("partial_avatars");
    let answer = present_groups(&state, viewer, groups, partial).await?;
    let headers = link_headers(&state.base_url, "/api/v2/notifications", &[upper, lower], limit);
    Ok((headers, Json(answer)))
}

/// GET /api/v2/notifications/:group_key
pub async fn get_group(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let newest = db::notification_groups::newest(&state.db, viewer, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = match &newest.group_key {
        Some(group) if *group == key => {
            db::notification_groups::data(&state.db, viewer, std::slice::from_ref(&key), 0, newest.id, true)
                .await?
                .into_iter()
                .next()
        }
        _ => None,
    };
    let group = PageGroup { key, newest, data };
    let answer = present_groups(&state, viewer, vec![group], false).await?;
    if answer["notification_groups"]
        .as_array()
        .is_none_or(|g| g.is_empty())
    {
        return Err(AppError::NotFound);
    }
    Ok(Json(answer))
}

/// GET /api/v2/notifications/:group_key/accounts
pub async fn get_group_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> AppResult<Json<Vec<Account>>> {
    let viewer = auth.require_user(&["read:notifications"])?.account_id;
    let newest = db::notification_groups::newest(&state.db, viewer, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let ids = if newest.group_key.as_deref() == Some(key.as_str()) {
        db::notification_groups::account_ids(&state.db, viewer, &key).await?
    } else {
        vec![newest.from_account_id]
    };
    Ok(Json(present::accounts_in_order(&state, &ids).await?))
}

/// POST /api/v2/notifications/:group_key/dismiss
pub async fn dismiss_group(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> AppResult<Json<Value>> {
    let viewer = auth.require_user(&["write:notifications"])?.account_id;
    actions::notifications::dismiss_group(&state.db, viewer, &key).await?;
    Ok(Json(json!({})))
}

#[derive(Debug, Deserialize)]
pub struct UnreadParams {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    exclude_types: Vec<String>,
    #[serde(default)]
    grouped_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "empty_as_none")]
    account_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// GET /api/v2/notifications/unread_count: groups after the read marker.
pub async fn get_unread_count(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<UnreadParams>,
) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["read:notifications"])?;
    let marker = db::markers::list(&state.db, user.user_id, &["notifications".to_owned()]).await?;
    let count = db::notification_groups::count_unread(
        &state.db,
        user.account_id,
        &db::notification_groups::UnreadQuery {
            after: marker.first().map(|m| m.last_read_id),
            types: &known(&params.types),
            exclude_types: &known(&params.exclude_types),
            from_account_id: params.account_id,
            grouped_types: &grouped_types(&params.grouped_types),
            limit: params.limit.unwrap_or(100).clamp(1, 1000),
        },
    )
    .await?;
    Ok(Json(json!({ "count": count })))
}
