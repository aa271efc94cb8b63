//! The search page: accounts, hashtags and posts, and remote handles and URLs looked up.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageParams;
use super::here;
use super::post_view::{AccountLine, PostView};
use crate::app::AppState;
use crate::error::PageError;
use crate::mastodon::search::{SearchParams, search_for};
use crate::web::nav::Nav;
use crate::web::session::Browser;

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    query: String,
    searched: bool,
    accounts: Vec<AccountLine>,
    hashtags: Vec<String>,
    posts: Vec<PostView>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// GET /search?q=: members look up remote handles and URLs too; visitors search what is here.
pub async fn show_search(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    PageParams(query): PageParams<SearchQuery>,
) -> Result<Response, PageError> {
    let viewer = browser.user.as_ref().map(|user| user.account_id);
    let q = query.q.trim().to_owned();
    let mut page = SearchPage {
        nav: Nav::of(&browser),
        signed_in: viewer.is_some(),
        csrf_token: browser.csrf_token.clone(),
        here: here(&uri),
        query: q.clone(),
        searched: !q.is_empty(),
        accounts: Vec::new(),
        hashtags: Vec::new(),
        posts: Vec::new(),
        error: None,
    };
    if !q.is_empty() {
        let params = SearchParams {
            q: Some(q),
            limit: Some(20),
            resolve: viewer.is_some(),
            ..SearchParams::default()
        };
        match search_for(&state, viewer, &params).await {
            Ok(results) => {
                let me = viewer.map(|v| v.to_string());
                page.accounts = results.accounts.iter().map(AccountLine::new).collect();
                page.hashtags = results.hashtags.into_iter().map(|tag| tag.name).collect();
                page.posts = results
                    .statuses
                    .iter()
                    .map(|status| PostView::new(status, me.as_deref()))
                    .collect();
            }
            Err(error) if error.status().is_client_error() => page.error = Some(error.public_message()),
            Err(error) => return Err(error.into()),
        }
    }
    Ok((browser.jar, page).into_response())
}
