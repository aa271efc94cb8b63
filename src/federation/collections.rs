//! A local actor's collections as AS2: outbox, followers, following, featured statuses and
//! hashtags, and the replies of a status. Nothing private ever appears in them.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::publish::{activity_json, host, public_account, servable_status};
use super::render::{self, Host};
use super::{loading, urls};
use crate::app::AppState;
use crate::db;
use crate::db::timelines::{AccountFilter, Page};
use crate::error::{AppError, AppResult};

/// Items on a page of the outbox (as Mastodon).
const OUTBOX_PAGE: i64 = 20;
/// Actors on a page of followers or following.
const FOLLOWS_PAGE: i64 = 40;
/// Replies on a page of a replies collection.
const REPLIES_PAGE: i64 = 20;
/// Pinned statuses shown (pins are limited to 5; this is a bound, not the rule).
const FEATURED_MAX: i64 = 20;

/// The paging parameters collections understand.
#[derive(Debug, Default)]
struct Paging {
    page: bool,
    max_id: Option<i64>,
    min_id: Option<i64>,
    only_other_accounts: bool,
}

impl Paging {
    /// Reads `page`, `max_id`, `min_id` and `only_other_accounts`; a malformed id is a 400.
    fn parse(query: Option<&str>) -> AppResult<Self> {
        let mut paging = Paging::default();
        let truthy = |value: &str| !matches!(value, "" | "false" | "0");
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "page" => paging.page = truthy(&value),
                "only_other_accounts" => paging.only_other_accounts = truthy(&value),
                "max_id" => paging.max_id = Some(cursor(&value)?),
                "min_id" => paging.min_id = Some(cursor(&value)?),
                _ => {}
            }
        }
        Ok(paging)
    }
}

/// A paging cursor: a non-negative decimal id (`min_id=0` names the oldest page).
fn cursor(value: &str) -> AppResult<i64> {
    let valid = !value.is_empty() && value.len() <= 19 && value.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| value.parse::<i64>().ok())
        .flatten()
        .ok_or_else(|| AppError::BadRequest("Invalid paging cursor".into()))
}

async fn stats(state: &AppState, account_id: i64) -> AppResult<db::accounts::Stats> {
    Ok(db::accounts::list_stats(&state.db, &[account_id])
        .await?
        .into_iter()
        .next()
        .unwrap_or(db::accounts::Stats {
            account_id,
            statuses_count: 0,
            followers_count: 0,
            following_count: 0,
            last_status_at: None,
        }))
}

/// GET /users/{name}/outbox
pub async fn get_outbox(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let paging = Paging::parse(query.as_deref())?;
    let account = public_account(&state, &name).await?;
    let host = host(&state);
    let id = urls::actor_path(&state.base_url, &account.username, "outbox");
    if !paging.page {
        let total = stats(&state, account.id).await?.statuses_count;
        let first = format!("{id}?page=true");
        let last = format!("{id}?page=true&min_id=0");
        return Ok(activity_json(render::document(render::ordered_collection(
            &id,
            total,
            Some(first),
            Some(last),
        ))));
    }
    // Anonymous visibility: public and unlisted originals, and boosts of what anyone may see.
    let page = Page {
        max_id: paging.max_id,
        since_id: None,
        min_id: paging.min_id,
        limit: OUTBOX_PAGE,
    };
    let ids = db::timelines::account(&state.db, account.id, None, &AccountFilter::default(), &page).await?;
    let rows = loading::statuses_in_order(&state.db, &ids).await?;
    let items = outbox_items(&state, host, &account, rows).await?;
    let mut page_id = format!("{id}?page=true");
    if let Some(max_id) = paging.max_id {
        page_id.push_str(&format!("&max_id={max_id}"));
    }
    if let Some(min_id) = paging.min_id {
        page_id.push_str(&format!("&min_id={min_id}"));
    }
    let next = (ids.len() as i64 == OUTBOX_PAGE)
        .then(|| ids.last().map(|last| format!("{id}?page=true&max_id={last}")))
        .flatten();
    let prev = ids.first().map(|first| format!("{id}?page=true&min_id={first}"));
    Ok(activity_json(render::document(render::ordered_collection_page(
        &page_id, &id, items, next, prev,
    ))))
}

/// Creates of originals and Announces of boosts, in the order of `rows`.
async fn outbox_items(
    state: &AppState,
    host: Host<'_>,
    account: &db::accounts::Account,
    rows: Vec<db::statuses::Status>,
) -> AppResult<Vec<Value>> {
    let original_ids: Vec<i64> = rows.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals: HashMap<i64, db::statuses::StatusRef> = db::statuses::list_refs(&state.db, &original_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let reblogs: Vec<db::statuses::Status> = rows
        .iter()
        .filter(|s| s.reblog_of_id.is_some())
        .cloned()
        .collect();
    let order: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let mut notes: HashMap<i64, render::LocalStatus> =
        loading::local_statuses(&mut *state.db.acquire().await?, host, account, rows)
            .await?
            .into_iter()
            .map(|l| (l.status.id, l))
            .collect();
    let now = Utc::now();
    let mut items = Vec::with_capacity(order.len());
    for id in order {
        if let Some(local) = notes.remove(&id) {
            items.push(render::create(host, &local, now));
        } else if let Some(reblog) = reblogs.iter().find(|r| r.id == id) {
            let announce = reblog
                .reblog_of_id
                .and_then(|original| originals.get(&original))
                .and_then(|original| render::announce(host, &account.username, reblog, original));
            items.extend(announce);
        }
    }
    Ok(items)
}

/// Which side of the follows a collection lists.
#[derive(Debug, Clone, Copy)]
enum Side {
    Followers,
    Following,
}

/// GET /users/{name}/followers
pub async fn get_followers(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    follows_collection(&state, &name, query.as_deref(), Side::Followers).await
}

/// GET /users/{name}/following
pub async fn get_following(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    follows_collection(&state, &name, query.as_deref(), Side::Following).await
}

/// A follows collection: its size always; its pages of actor URIs, newest follow first, unless
/// the member hides their collections (then a page is 403, as on Mastodon).
async fn follows_collection(
    state: &AppState,
    name: &str,
    query: Option<&str>,
    side: Side,
) -> AppResult<Response> {
    let paging = Paging::parse(query)?;
    let account = public_account(state, name).await?;
    let path = match side {
        Side::Followers => "followers",
        Side::Following => "following",
    };
    let id = urls::actor_path(&state.base_url, &account.username, path);
    if !paging.page {
        let stats = stats(state, account.id).await?;
        let total = match side {
            Side::Followers => stats.followers_count,
            Side::Following => stats.following_count,
        };
        let first = (!account.hide_collections).then(|| format!("{id}?page=true"));
        return Ok(activity_json(render::document(render::ordered_collection(
            &id, total, first, None,
        ))));
    }
    if account.hide_collections {
        return Err(AppError::Forbidden("This collection is hidden".into()));
    }
    let follows_page = db::paging::Page {
        max_id: paging.max_id,
        limit: FOLLOWS_PAGE,
        ..db::paging::Page::default()
    };
    let follows = match side {
        Side::Followers => db::follows::list_followers(&state.db, account.id, &follows_page).await?,
        Side::Following => db::follows::list_following(&state.db, account.id, &follows_page).await?,
    };
    let account_ids: Vec<i64> = follows.iter().map(|(_, other)| *other).collect();
    let accounts: HashMap<i64, db::accounts::Account> = db::accounts::list_by_ids(&state.db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let items: Vec<Value> = account_ids
        .iter()
        .filter_map(|other| accounts.get(other))
        .filter_map(|other| match other.domain {
            None => Some(urls::actor(&state.base_url, &other.username)),
            Some(_) => other.uri.clone(),
        })
        .map(Value::String)
        .collect();
    let page_id = match paging.max_id {
        Some(max_id) => format!("{id}?page=true&max_id={max_id}"),
        None => format!("{id}?page=true"),
    };
    let next = (follows.len() as i64 == FOLLOWS_PAGE)
        .then(|| {
            follows
                .last()
                .map(|(last, _)| format!("{id}?page=true&max_id={last}"))
        })
        .flatten();
    Ok(activity_json(render::document(render::ordered_collection_page(
        &page_id, &id, items, next, None,
    ))))
}

/// GET /users/{name}/collections/featured
pub async fn get_featured(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let account = public_account(&state, &name).await?;
    let host = host(&state);
    let filter = AccountFilter {
        pinned: true,
        ..AccountFilter::default()
    };
    let page = Page {
        limit: FEATURED_MAX,
        ..Page::default()
    };
    let ids = db::timelines::account(&state.db, account.id, None, &filter, &page).await?;
    let rows = loading::statuses_in_order(&state.db, &ids).await?;
    let now = Utc::now();
    let notes: Vec<Value> = loading::local_statuses(&mut *state.db.acquire().await?, host, &account, rows)
        .await?
        .iter()
        .map(|local| render::note(host, local, now))
        .collect();
    let id = urls::actor_path(&state.base_url, &account.username, "collections/featured");
    Ok(activity_json(render::document(render::ordered_collection_of(
        &id, notes,
    ))))
}

/// GET /users/{name}/collections/tags
pub async fn get_featured_tags(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    let account = public_account(&state, &name).await?;
    let host = host(&state);
    let tags: Vec<Value> = db::featured::list_tags(&state.db, account.id)
        .await?
        .iter()
        .map(|tag| render::hashtag(host, &tag.name))
        .collect();
    let id = urls::actor_path(&state.base_url, &account.username, "collections/tags");
    Ok(activity_json(render::document(render::collection_of(&id, tags))))
}

/// GET /users/{name}/statuses/{id}/replies
pub async fn get_replies(
    State(state): State<AppState>,
    Path((name, status_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let paging = Paging::parse(query.as_deref())?;
    let account = public_account(&state, &name).await?;
    let status = servable_status(&state, &account, &status_id).await?;
    let host = host(&state);
    if !paging.page {
        let self_replies = db::statuses::list_self_reply_ids(
            &state.db,
            &[status.id],
            i64::try_from(render::SELF_REPLIES_SHOWN).unwrap_or(5),
        )
        .await?;
        let ids: Vec<i64> = self_replies.iter().map(|(_, reply)| *reply).collect();
        return Ok(activity_json(render::document(render::replies(
            host,
            &account.username,
            status.id,
            &ids,
        ))));
    }
    let replies = db::statuses::list_public_replies(
        &state.db,
        status.id,
        account.id,
        paging.only_other_accounts,
        paging.min_id,
        REPLIES_PAGE,
    )
    .await?;
    let id = urls::status_replies(&state.base_url, &account.username, status.id);
    let others = if paging.only_other_accounts {
        "&only_other_accounts=true"
    } else {
        ""
    };
    let page_id = match paging.min_id {
        Some(min_id) => format!("{id}?page=true{others}&min_id={min_id}"),
        None => format!("{id}?page=true{others}"),
    };
    let full = replies.len() as i64 == REPLIES_PAGE;
    let next = match (full, replies.last()) {
        (true, Some(last)) => Some(format!("{id}?page=true{others}&min_id={}", last.id)),
        // The author's own replies come first, then everyone else's.
        _ if !paging.only_other_accounts => Some(format!("{id}?page=true&only_other_accounts=true")),
        _ => None,
    };
    let items: Vec<Value> = replies
        .iter()
        .filter_map(|reply| render::status_uri(host, reply))
        .map(|uri| json!(uri))
        .collect();
    Ok(activity_json(render::document(render::collection_page(
        &page_id, &id, items, next,
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_reads_cursors_and_refuses_malformed_ones() {
        let paging = Paging::parse(Some("page=true&max_id=123&min_id=0")).unwrap();
        assert!(paging.page);
        assert_eq!((paging.max_id, paging.min_id), (Some(123), Some(0)));
        assert!(!Paging::parse(None).unwrap().page);
        assert!(!Paging::parse(Some("page=false")).unwrap().page);
        assert!(Paging::parse(Some("page=1")).unwrap().page);
        for bad in [
            "max_id=-1",
            "max_id=abc",
            "min_id=",
            "max_id=99999999999999999999",
        ] {
            assert!(Paging::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
