//! Search: `GET /api/v2/search` (accounts, hashtags, statuses) and `GET /api/v1/accounts/search`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db;
use crate::db::search::{AccountQuery, StatusFilter, Window};
use crate::error::{AppError, AppResult};
use crate::federation::resolve::Resolved;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, Status, Tag};
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;
use crate::mastodon::tags::{TagView, render};

/// Results per type when the client names no `limit`, and the most it may ask for (v2).
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 40;
/// The same for `/api/v1/accounts/search`.
const DEFAULT_ACCOUNTS_LIMIT: i64 = 40;
const MAX_ACCOUNTS_LIMIT: i64 = 80;

/// The search routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/search", get(search))
        .route("/api/v1/accounts/search", get(search_accounts))
}

/// What `/api/v2/search` reads. `resolve` fetches a remote account or status named by handle or
/// URL (a status is shown only to those who may see it, as everywhere); `exclude_unreviewed` is
/// not read at all, as hashtags are not reviewed here.
#[derive(Debug, Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub offset: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub account_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub min_id: Option<i64>,
    #[serde(default)]
    pub following: bool,
    #[serde(default)]
    pub resolve: bool,
}

/// The answer of `/api/v2/search`.
#[derive(Debug, Serialize)]
pub struct SearchResults {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub hashtags: Vec<Tag>,
}

/// GET /api/v2/search
///
/// Without a user token, statuses are not searched and `offset` and `resolve` answer 401, as in
/// Mastodon. `offset` applies only with a `type`.
pub async fn search(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Params(params): Params<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:search"])?;
    Ok(Json(search_for(&state, viewer, &params).await?))
}

/// What a search by `viewer` finds (the API's and the web's search page).
pub async fn search_for(
    state: &AppState,
    viewer: Option<i64>,
    params: &SearchParams,
) -> AppResult<SearchResults> {
    let query = normalize_quotes(params.q.as_deref().unwrap_or("").trim());
    if query.is_empty() {
        return Err(AppError::BadRequest(
            "param is missing or the value is empty: q".into(),
        ));
    }
    if viewer.is_none() && params.offset.is_some() {
        return Err(AppError::Unauthorized(
            "Search queries pagination is not supported without authentication".into(),
        ));
    }
    if viewer.is_none() && params.resolve {
        return Err(AppError::Unauthorized(
            "Search queries that resolve remote resources are not supported without authentication".into(),
        ));
    }
    let limit = limit_within(params.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = offset_of(params.offset)?;
    let kind = params.kind.as_deref().filter(|k| !k.is_empty());
    let wants = |what: &str| kind.is_none_or(|k| k == what);
    // Mastodon pages only a search of one type; with all three, `offset` is ignored.
    let window = Window {
        viewer,
        limit,
        offset: if kind.is_some() { offset } else { 0 },
    };
    let mut results = SearchResults {
        accounts: Vec::new(),
        statuses: Vec::new(),
        hashtags: Vec::new(),
    };
    if limit == 0 {
        return Ok(results);
    }
    let has_at = query.contains('@');
    let has_space = query.contains(' ');
    let hashtag_like = query.starts_with('#');
    let resolved = match viewer {
        Some(_) if params.resolve && window.offset == 0 => {
            crate::federation::resolve::by_query(state, &query).await?
        }
        _ => None,
    };
    if let Some(Resolved::Status(id)) = resolved
        && wants("statuses")
    {
        // A status found by its URL is shown only if the searcher may see it (`present` applies
        // the visibility rule to every status it renders).
        results.statuses = present::statuses(state, &[id], viewer).await?;
        return Ok(results);
    }
    if wants("accounts") && !hashtag_like && !(has_at && has_space) {
        results.accounts = find_accounts(state, &query, params.following, window).await?;
        if let Some(Resolved::Account(id)) = resolved {
            let id_text = crate::mastodon::entities::format_id(id);
            results.accounts.retain(|a| a.id != id_text);
            if let Some(account) = present::account(state, id).await? {
                results.accounts.insert(0, account);
                results
                    .accounts
                    .truncate(usize::try_from(limit).unwrap_or(1).max(1));
            }
        }
    }
    if let Some(viewer) = viewer
        && wants("statuses")
        && !((hashtag_like || has_at) && !has_space)
    {
        let filter = StatusFilter {
            account_id: params.account_id,
            max_id: params.max_id,
            min_id: params.min_id,
        };
        let ids = db::search::list_statuses(&state.db, &query, viewer, filter, limit, window.offset).await?;
        results.statuses = present::statuses(state, &ids, Some(viewer)).await?;
    }
    if wants("hashtags") && !has_at {
        results.hashtags = find_hashtags(state, &query, window).await?;
    }
    Ok(results)
}

/// What `/api/v1/accounts/search` reads; `resolve` looks a remote handle up.
#[derive(Debug, Deserialize)]
pub struct AccountSearchParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    resolve: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    offset: Option<i64>,
    #[serde(default)]
    following: bool,
}

/// GET /api/v1/accounts/search
///
/// Accounts only (mention autocompletion), for members; an empty query finds nobody.
pub async fn search_accounts(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<AccountSearchParams>,
) -> AppResult<Json<Vec<Account>>> {
    let viewer = auth.require_user(&["read:accounts"])?.account_id;
    let limit = limit_within(params.limit, DEFAULT_ACCOUNTS_LIMIT, MAX_ACCOUNTS_LIMIT)?;
    let window = Window {
        viewer: Some(viewer),
        limit,
        offset: offset_of(params.offset)?,
    };
    let query = params.q.as_deref().unwrap_or("").trim();
    if query.is_empty() || query.starts_with('#') || limit == 0 {
        return Ok(Json(Vec::new()));
    }
    let mut accounts = find_accounts(&state, query, params.following, window).await?;
    if params.resolve
        && window.offset == 0
        && let Some(Resolved::Account(id)) = crate::federation::resolve::by_query(&state, query).await?
    {
        let id_text = crate::mastodon::entities::format_id(id);
        accounts.retain(|a| a.id != id_text);
        if let Some(account) = present::account(&state, id).await? {
            accounts.insert(0, account);
            accounts.truncate(usize::try_from(limit).unwrap_or(1).max(1));
        }
    }
    Ok(Json(accounts))
}

fn negative_paging() -> AppError {
    AppError::BadRequest("Pagination values for `offset` and `limit` must be positive".into())
}

/// The page size: `default` when not given, at most `max`; 0 asks for nothing.
fn limit_within(limit: Option<i64>, default: i64, max: i64) -> AppResult<i64> {
    match limit {
        None => Ok(default),
        Some(n) if n < 0 => Err(negative_paging()),
        Some(n) => Ok(n.min(max)),
    }
}

fn offset_of(offset: Option<i64>) -> AppResult<i64> {
    match offset {
        Some(n) if n < 0 => Err(negative_paging()),
        other => Ok(other.unwrap_or(0)),
    }
}

/// Typographic quotes become `"`, so phrases typed on phones search as phrases.
fn normalize_quotes(query: &str) -> String {
    query
        .chars()
        .map(|c| match c {
            '“' | '”' | '„' | '«' | '»' | '「' | '」' | '『' | '』' | '《' | '》' => '"',
            c => c,
        })
        .collect()
}

/// Splits a query into a handle (`@user`, `user`, `user@domain`) and the words of a name.
fn account_query(query: &str, our_domain: &str) -> Option<AccountQuery> {
    let handle = query.strip_prefix('@').unwrap_or(query);
    let mut parts = handle.split('@');
    let username = parts.next().unwrap_or("").trim().to_lowercase();
    let domain = parts
        .next_back()
        .map(|d| d.trim().trim_end_matches('.').to_lowercase())
        .filter(|d| !d.is_empty());
    let local_only = domain
        .as_deref()
        .is_some_and(|d| d.eq_ignore_ascii_case(our_domain));
    let domain = domain.filter(|_| !local_only);
    if username.is_empty() && domain.is_none() {
        return None;
    }
    let terms = match &domain {
        Some(domain) => format!("{username} {domain}"),
        None => username.clone(),
    };
    Some(AccountQuery {
        username,
        domain,
        local_only,
        terms,
    })
}

async fn find_accounts(
    state: &AppState,
    query: &str,
    following: bool,
    window: Window,
) -> AppResult<Vec<Account>> {
    let Some(query) = account_query(query, &state.config.server.domain) else {
        return Ok(Vec::new());
    };
    let ids = db::search::list_accounts(&state.db, &query, following, window).await?;
    present::accounts_in_order(state, &ids).await
}

/// A hashtag query as tag names are compared: without `#`, lower case, only the characters a
/// hashtag may hold.
fn tag_prefix(query: &str) -> String {
    query
        .strip_prefix('#')
        .unwrap_or(query)
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '·')
        .flat_map(char::to_lowercase)
        .collect()
}

async fn find_hashtags(state: &AppState, query: &str, window: Window) -> AppResult<Vec<Tag>> {
    let prefix = tag_prefix(query);
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    let views = db::search::list_tags(&state.db, &prefix, window)
        .await?
        .into_iter()
        .map(|hit| TagView {
            id: Some(hit.id),
            name: hit.name,
            following: window.viewer.map(|_| hit.following),
        })
        .collect();
    render(state, views).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_split_into_username_and_domain() {
        let q = account_query("@Bob@Remote.Test", "our.test").unwrap();
        assert_eq!(q.username, "bob");
        assert_eq!(q.domain.as_deref(), Some("remote.test"));
        assert_eq!(q.terms, "bob remote.test");
        assert!(!q.local_only);

        let q = account_query("bob@OUR.test", "our.test").unwrap();
        assert_eq!((q.username.as_str(), q.domain, q.local_only), ("bob", None, true));

        let q = account_query("bob@", "our.test").unwrap();
        assert_eq!(
            (q.username.as_str(), q.domain, q.local_only),
            ("bob", None, false)
        );

        let q = account_query("Alice Liddell", "our.test").unwrap();
        assert_eq!(q.terms, "alice liddell");
        assert!(account_query("@", "our.test").is_none());
    }

    #[test]
    fn tag_queries_keep_only_hashtag_characters() {
        assert_eq!(tag_prefix("#Rust"), "rust");
        assert_eq!(tag_prefix("rust lang!"), "rustlang");
        assert_eq!(tag_prefix("#%_"), "_");
        assert_eq!(tag_prefix("#%"), "");
    }

    #[test]
    fn paging_values_are_bounded() {
        assert_eq!(limit_within(None, 20, 40).unwrap(), 20);
        assert_eq!(limit_within(Some(500), 20, 40).unwrap(), 40);
        assert!(limit_within(Some(-1), 20, 40).is_err());
        assert!(offset_of(Some(-1)).is_err());
        assert_eq!(offset_of(None).unwrap(), 0);
    }

    #[test]
    fn typographic_quotes_become_straight() {
        assert_eq!(normalize_quotes("“hello world”"), "\"hello world\"");
    }
}
