//! Timelines: home, public, hashtag, list, an account's statuses, bookmarks and favourites.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::db::timelines::{AccountFilter, Scope};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Status;
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::{filtering, present};

/// Paging fields kept inline in parameter structs (serde's `flatten` would lose leniency).
macro_rules! page_of_params {
    ($params:expr) => {
        PageParams {
            max_id: $params.max_id,
            since_id: $params.since_id,
            min_id: $params.min_id,
            limit: $params.limit,
        }
    };
}

/// Renders a page of statuses with its `Link` header (paged by `paging` ids).
async fn page_of(
    state: &AppState,
    (path, context): (&str, &str),
    status_ids: &[i64],
    paging: &[i64],
    viewer: Option<i64>,
    limit: i64,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let ticket = state.caches.fresh().await;
    page_under(
        state,
        (path, context),
        (status_ids, paging),
        viewer,
        limit,
        ticket,
    )
    .await
}

/// As [`page_of`], under the ticket the request already holds.
async fn page_under(
    state: &AppState,
    (path, context): (&str, &str),
    (status_ids, paging): (&[i64], &[i64]),
    viewer: Option<i64>,
    limit: i64,
    ticket: Option<crate::caches::Ticket>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let statuses = present::statuses_under(state, status_ids, viewer, ticket).await?;
    let statuses = filtering::apply_under(state, viewer, context, statuses, ticket).await?;
    let headers = link_headers(&state.base_url, path, paging, limit);
    Ok((headers, Json(statuses)))
}

/// GET /api/v1/timelines/home
pub async fn get_home(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let viewer = auth.require_user(&["read:statuses"])?.account_id;
    let (ids, ticket) =
        crate::caches::home_feeds::home_page(&state.caches, &state.db, viewer, &page.page()).await?;
    page_under(
        &state,
        ("/api/v1/timelines/home", "home"),
        (&ids, &ids),
        Some(viewer),
        page.limit(),
        ticket,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PublicParams {
    #[serde(default)]
    local: bool,
    #[serde(default)]
    remote: bool,
    #[serde(default)]
    only_media: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    none: Vec<String>,
}

fn scope(params: &PublicParams) -> Scope {
    match (params.local, params.remote) {
        (true, _) => Scope::Local,
        (false, true) => Scope::Remote,
        _ => Scope::All,
    }
}

/// GET /api/v1/timelines/public
pub async fn get_public(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Params(params): Params<PublicParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let page = page_of_params!(params);
    let ids =
        db::timelines::public(&state.db, viewer, scope(&params), params.only_media, &page.page()).await?;
    page_of(
        &state,
        ("/api/v1/timelines/public", "public"),
        &ids,
        &ids,
        viewer,
        page.limit(),
    )
    .await
}

/// GET /api/v1/timelines/tag/:hashtag
pub async fn get_hashtag(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(tag): Path<String>,
    Params(params): Params<PublicParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let mut any = vec![tag.trim_start_matches('#').to_owned()];
    any.extend(params.any.iter().cloned());
    let page = page_of_params!(params);
    let ids = db::timelines::hashtag(
        &state.db,
        viewer,
        &any,
        &params.all,
        &params.none,
        scope(&params),
        params.only_media,
        &page.page(),
    )
    .await?;
    let path = format!("/api/v1/timelines/tag/{}", any[0]);
    page_of(&state, (&path, "public"), &ids, &ids, viewer, page.limit()).await
}

/// GET /api/v1/timelines/list/:id
pub async fn get_list(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let viewer = auth.require_user(&["read:lists"])?.account_id;
    let list_id = ids::parse(&id).ok_or(AppError::NotFound)?;
    let ids = db::timelines::list(&state.db, viewer, list_id, &page.page())
        .await?
        .ok_or(AppError::NotFound)?;
    page_of(
        &state,
        (&format!("/api/v1/timelines/list/{list_id}"), "home"),
        &ids,
        &ids,
        Some(viewer),
        page.limit(),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct AccountStatusesParams {
    #[serde(default)]
    exclude_replies: bool,
    #[serde(default)]
    exclude_reblogs: bool,
    #[serde(default)]
    only_media: bool,
    #[serde(default)]
    pinned: bool,
    tagged: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// GET /api/v1/accounts/:id/statuses
pub async fn get_account_statuses(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
    Params(params): Params<AccountStatusesParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let account_id = ids::parse(&id).ok_or(AppError::NotFound)?;
    db::accounts::find_unsuspended(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = AccountFilter {
        exclude_replies: params.exclude_replies,
        exclude_reblogs: params.exclude_reblogs,
        pinned: params.pinned,
        tagged: params.tagged.filter(|t| !t.is_empty()),
        only_media: params.only_media,
    };
    let page = page_of_params!(params);
    let ids = db::timelines::account(&state.db, account_id, viewer, &filter, &page.page()).await?;
    let path = format!("/api/v1/accounts/{account_id}/statuses");
    page_of(&state, (&path, "account"), &ids, &ids, viewer, page.limit()).await
}

async fn marked(
    state: AppState,
    auth: Auth,
    page: PageParams,
    favourites: bool,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    let scope = if favourites {
        "read:favourites"
    } else {
        "read:bookmarks"
    };
    let viewer = auth.require_user(&[scope])?.account_id;
    let pairs = db::timelines::marked(&state.db, viewer, favourites, &page.page()).await?;
    let status_ids: Vec<i64> = pairs.iter().map(|(_, s)| *s).collect();
    let paging: Vec<i64> = pairs.iter().map(|(p, _)| *p).collect();
    let path = if favourites {
        "/api/v1/favourites"
    } else {
        "/api/v1/bookmarks"
    };
    page_of(
        &state,
        (path, "account"),
        &status_ids,
        &paging,
        Some(viewer),
        page.limit(),
    )
    .await
}

/// GET /api/v1/bookmarks
pub async fn get_bookmarks(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    marked(state, auth, page, false).await
}

/// GET /api/v1/favourites
pub async fn get_favourites(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Status>>)> {
    marked(state, auth, page, true).await
}
