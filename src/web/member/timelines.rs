//! Timelines as pages: home (with the composer), local, federated, a hashtag (also the public tag
//! page and its RSS feed), bookmarks, favourites and lists, paged by `max_id`/`min_id`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageParams;
use super::compose::ComposeBox;
use super::post_view::PostView;
use super::{Member, here};
use crate::app::AppState;
use crate::caches::Ticket;
use crate::db;
use crate::db::paging::Page;
use crate::db::timelines::Scope;
use crate::error::{AppResult, PageError};
use crate::mastodon::entities::Status;
use crate::mastodon::params::empty_as_none;
use crate::mastodon::{filtering, present};
use crate::web::nav::Nav;
use crate::web::session::Browser;

/// Posts shown per page.
pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Page {
        Page {
            max_id: self.max_id,
            since_id: None,
            min_id: self.min_id,
            limit: PAGE_SIZE,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "timeline.html")]
pub struct TimelinePage {
    pub nav: Nav,
    pub signed_in: bool,
    pub csrf_token: String,
    pub here: String,
    pub heading: String,
    pub intro: Option<String>,
    pub compose: Option<ComposeBox>,
    pub posts: Vec<PostView>,
    pub empty: String,
    pub newer: Option<String>,
    pub older: Option<String>,
    /// An RSS feed of the page, linked from the page.
    pub feed: Option<String>,
    /// Other pages of the same kind (the member's lists).
    pub links: Vec<(String, String)>,
}

/// Newer and older links for a page of `paging` ids (newest first) at `path`. A full page has
/// older ones; so does any page reached upward (`min_id`), which may be short near the top.
pub fn page_links(path: &str, paging: &[i64], limit: i64) -> (Option<String>, Option<String>) {
    links_for(path, paging, limit, false)
}

fn links_for(path: &str, paging: &[i64], limit: i64, upward: bool) -> (Option<String>, Option<String>) {
    let join = if path.contains('?') { '&' } else { '?' };
    let newer = paging.first().map(|first| format!("{path}{join}min_id={first}"));
    let older = if paging.len() as i64 >= limit || upward {
        Some(match paging.last() {
            Some(last) => format!("{path}{join}max_id={last}"),
            None => path.to_owned(),
        })
    } else {
        None
    };
    (newer, older)
}

/// The posts `ids` as `viewer` may see them, filtered for `context`, as page lines.
pub async fn posts(
    state: &AppState,
    ids: &[i64],
    viewer: Option<i64>,
    context: &str,
    ticket: Option<Ticket>,
) -> AppResult<Vec<PostView>> {
    let statuses: Vec<Status> = present::statuses_under(state, ids, viewer, ticket).await?;
    let statuses = filtering::apply_under(state, viewer, context, statuses, ticket).await?;
    let viewer_id = viewer.map(|v| v.to_string());
    Ok(statuses
        .iter()
        .map(|status| PostView::new(status, viewer_id.as_deref()))
        .collect())
}

struct Listing<'a> {
    heading: String,
    path: &'a str,
    empty: &'a str,
}

async fn timeline_page(
    state: &AppState,
    browser: &Browser,
    uri: &Uri,
    listing: Listing<'_>,
    (ids, paging): (&[i64], &[i64]),
    context: &str,
    ticket: Option<Ticket>,
) -> Result<TimelinePage, PageError> {
    let viewer = browser.user.as_ref().map(|u| u.account_id);
    let posts = posts(state, ids, viewer, context, ticket).await?;
    let upward = uri.query().is_some_and(|q| q.contains("min_id="));
    let (newer, older) = links_for(listing.path, paging, PAGE_SIZE, upward);
    // The first page has nothing newer to lead to.
    let paged = uri
        .query()
        .is_some_and(|q| q.contains("max_id=") || q.contains("min_id="));
    let newer = newer.filter(|_| paged);
    Ok(TimelinePage {
        nav: Nav::of(browser),
        signed_in: viewer.is_some(),
        csrf_token: browser.csrf_token.clone(),
        here: here(uri),
        heading: listing.heading,
        intro: None,
        compose: None,
        posts,
        empty: listing.empty.to_owned(),
        newer,
        older,
        feed: None,
        links: Vec::new(),
    })
}

/// GET /home: the member's home timeline, with the composer above it.
pub async fn show_home(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let viewer = member.account_id();
    let (ids, ticket) =
        crate::caches::home_feeds::home_page(&state.caches, &state.db, viewer, &query.page()).await?;
    let listing = Listing {
        heading: "Home".into(),
        path: "/home",
        empty: "Nothing here yet. Follow people (find them with Search, or on the local timeline) and their posts will show here.",
    };
    let mut page = timeline_page(
        &state,
        &member.browser,
        &uri,
        listing,
        (&ids, &ids),
        "home",
        ticket,
    )
    .await?;
    page.compose = Some(ComposeBox::new(&state, &member.user, None));
    Ok((member.browser.jar, page).into_response())
}

async fn public_timeline(
    state: &AppState,
    browser: Browser,
    uri: &Uri,
    query: &PageQuery,
    scope: Scope,
) -> Result<Response, PageError> {
    let viewer = browser.user.as_ref().map(|u| u.account_id);
    let ids = db::timelines::public(&state.db, viewer, scope, false, &query.page()).await?;
    let (heading, path) = match scope {
        Scope::Local => (
            format!("Local timeline of {}", state.config.title()),
            "/public/local",
        ),
        _ => ("Federated timeline".to_owned(), "/public"),
    };
    let listing = Listing {
        heading,
        path,
        empty: "No public posts yet.",
    };
    let page = timeline_page(state, &browser, uri, listing, (&ids, &ids), "public", None).await?;
    Ok((browser.jar, page).into_response())
}

/// GET /public/local
pub async fn show_local(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    public_timeline(&state, browser, &uri, &query, Scope::Local).await
}

/// GET /public
pub async fn show_federated(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    public_timeline(&state, browser, &uri, &query, Scope::All).await
}

/// GET /tags/:name (and /tags/:name.rss, its feed): public posts with the hashtag.
pub async fn show_tag(
    State(state): State<AppState>,
    browser: Browser,
    uri: Uri,
    Path(name): Path<String>,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let (name, rss) = match name.strip_suffix(".rss") {
        Some(name) => (name.to_owned(), true),
        None => (name, false),
    };
    let name = name.trim_start_matches('#').to_owned();
    if !crate::text::compose::is_hashtag_name(&name) {
        return Err(PageError::new(StatusCode::NOT_FOUND, "That is not a hashtag."));
    }
    let viewer = if rss {
        None
    } else {
        browser.user.as_ref().map(|u| u.account_id)
    };
    let ids = db::timelines::hashtag(
        &state.db,
        viewer,
        std::slice::from_ref(&name),
        &[],
        &[],
        Scope::All,
        false,
        &query.page(),
    )
    .await?;
    let path = format!("/tags/{name}");
    if rss {
        let posts = posts(&state, &ids, None, "public", None).await?;
        let feed = crate::web::feeds::Feed {
            title: format!("#{name} on {}", state.config.title()),
            link: format!("{}{path}", state.base_url),
            description: format!("Public posts with the hashtag #{name}"),
            posts: &posts,
        };
        return Ok((
            [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
            feed.render(),
        )
            .into_response());
    }
    let listing = Listing {
        heading: format!("#{name}"),
        path: &path,
        empty: "No public posts with this hashtag yet.",
    };
    let mut page = timeline_page(&state, &browser, &uri, listing, (&ids, &ids), "public", None).await?;
    page.feed = Some(format!("{path}.rss"));
    Ok((browser.jar, page).into_response())
}

async fn marked(
    state: &AppState,
    member: Member,
    uri: &Uri,
    query: &PageQuery,
    favourites: bool,
) -> Result<Response, PageError> {
    let viewer = member.account_id();
    let pairs = db::timelines::marked(&state.db, viewer, favourites, &query.page()).await?;
    let ids: Vec<i64> = pairs.iter().map(|(_, status)| *status).collect();
    let paging: Vec<i64> = pairs.iter().map(|(mark, _)| *mark).collect();
    let listing = if favourites {
        Listing {
            heading: "Favourites".into(),
            path: "/favourites",
            empty: "You have not favourited any post yet.",
        }
    } else {
        Listing {
            heading: "Bookmarks".into(),
            path: "/bookmarks",
            empty: "You have not bookmarked any post yet.",
        }
    };
    let page = timeline_page(
        state,
        &member.browser,
        uri,
        listing,
        (&ids, &paging),
        "account",
        None,
    )
    .await?;
    Ok((member.browser.jar, page).into_response())
}

/// GET /bookmarks
pub async fn show_bookmarks(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    marked(&state, member, &uri, &query, false).await
}

/// GET /favourites
pub async fn show_favourites(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    marked(&state, member, &uri, &query, true).await
}

async fn list_links(state: &AppState, viewer: i64) -> Result<Vec<(String, String)>, PageError> {
    Ok(db::lists::list_by_owner(&state.db, viewer)
        .await?
        .into_iter()
        .map(|list| (format!("/lists/{}", list.id), list.title))
        .collect())
}

/// GET /lists: the member's lists (made and filled from an app).
pub async fn show_lists(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
) -> Result<Response, PageError> {
    let listing = Listing {
        heading: "Lists".into(),
        path: "/lists",
        empty: "",
    };
    let mut page = timeline_page(&state, &member.browser, &uri, listing, (&[], &[]), "home", None).await?;
    page.links = list_links(&state, member.account_id()).await?;
    page.newer = None;
    page.empty = if page.links.is_empty() {
        "You have no lists. Make them in an app; they show here.".into()
    } else {
        String::new()
    };
    Ok((member.browser.jar, page).into_response())
}

/// GET /lists/:id
pub async fn show_list(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    Path(id): Path<String>,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let viewer = member.account_id();
    let missing = || PageError::new(StatusCode::NOT_FOUND, "There is no such list.");
    let list_id = crate::ids::parse(&id).ok_or_else(missing)?;
    let list = db::lists::find_owned(&state.db, viewer, list_id)
        .await?
        .ok_or_else(missing)?;
    let ids = db::timelines::list(&state.db, viewer, list_id, &query.page())
        .await?
        .ok_or_else(missing)?;
    let path = format!("/lists/{list_id}");
    let listing = Listing {
        heading: list.title,
        path: &path,
        empty: "No posts from this list's members yet.",
    };
    let page = timeline_page(&state, &member.browser, &uri, listing, (&ids, &ids), "home", None).await?;
    Ok((member.browser.jar, page).into_response())
}
