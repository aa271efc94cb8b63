//! The public profile page (`/@NAME`): name, bio, fields, counts and recent public statuses,
//! with the way to follow (for members, and from another server), and its RSS feed.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::status_view::{StatusView, shorten};
use crate::app::AppState;
use crate::db;
use crate::db::timelines::{AccountFilter, Page};
use crate::error::AppResult;
use crate::federation::publish::host;
use crate::federation::{loading, urls};
use crate::media::profile_images;
use crate::text;
use crate::web::nav::Nav;

/// Statuses shown per page of a profile.
const STATUSES_SHOWN: i64 = 20;

/// A profile field: the name escaped by the template, the value our own HTML (links).
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    pub value_html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    nav: Nav,
    /// The account's page for members (follow and the other buttons).
    member_page: String,
    username: String,
    site_title: String,
    display_name: String,
    handle: String,
    profile_url: String,
    actor_uri: String,
    avatar_url: String,
    header_url: String,
    bio_html: String,
    description: String,
    fields: Vec<FieldView>,
    statuses_count: i64,
    following_count: i64,
    followers_count: i64,
    noindex: bool,
    statuses: Vec<StatusView>,
    older: Option<String>,
    /// Where the account moved: its handle and page.
    moved_to: Option<(String, String)>,
}

/// The profile page of a local account the public may see; `max_id` pages to older statuses.
/// Errors are the caller's to show (as a page).
pub async fn show(
    state: &AppState,
    account: &db::accounts::Account,
    max_id: Option<i64>,
    nav: Nav,
) -> AppResult<Response> {
    let base = &state.base_url;
    let host = host(state);
    let stats = db::accounts::list_stats(&state.db, &[account.id])
        .await?
        .into_iter()
        .next();
    // What anyone may see: public and unlisted originals, newest first.
    let filter = AccountFilter {
        exclude_reblogs: true,
        ..AccountFilter::default()
    };
    let paging = Page {
        max_id,
        limit: STATUSES_SHOWN,
        ..Page::default()
    };
    let ids = db::timelines::account(&state.db, account.id, None, &filter, &paging).await?;
    let rows = loading::statuses_in_order(&state.db, &ids).await?;
    let now = Utc::now();
    let statuses: Vec<StatusView> =
        loading::local_statuses(&mut *state.db.acquire().await?, host, account, rows)
            .await?
            .iter()
            .map(|local| StatusView::new(host, local, now))
            .collect();
    let profile_url = urls::profile(base, &account.username);
    let older = (ids.len() as i64 == STATUSES_SHOWN)
        .then(|| ids.last().map(|last| format!("{profile_url}?max_id={last}")))
        .flatten();
    let fields = account
        .fields
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|field| {
            Some(FieldView {
                name: field.get("name")?.as_str()?.to_owned(),
                value_html: text::linkify_line(
                    field.get("value").and_then(|v| v.as_str()).unwrap_or_default(),
                ),
            })
        })
        .collect();
    let moved_to = match account.moved_to_account_id {
        Some(id) => db::accounts::find(&state.db, id)
            .await?
            .map(|target| match &target.domain {
                Some(domain) => (
                    format!("@{}@{domain}", target.username),
                    // Only web links: a remote server chose this URL.
                    target
                        .url
                        .clone()
                        .or(target.uri.clone())
                        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                        .unwrap_or_default(),
                ),
                None => (
                    format!("@{}@{}", target.username, state.config.server.domain),
                    urls::profile(base, &target.username),
                ),
            }),
        None => None,
    };
    Ok(ProfilePage {
        moved_to,
        nav,
        member_page: format!("/accounts/{}", account.id),
        username: account.username.clone(),
        site_title: state.config.title().to_owned(),
        display_name: if account.display_name.is_empty() {
            account.username.clone()
        } else {
            account.display_name.clone()
        },
        handle: format!("@{}@{}", account.username, state.config.server.domain),
        actor_uri: urls::actor(base, &account.username),
        avatar_url: profile_images::avatar_url(base, account),
        header_url: profile_images::header_url(base, account),
        bio_html: text::plain_to_html(&account.note),
        description: shorten(&account.note, 300),
        fields,
        statuses_count: stats.as_ref().map_or(0, |s| s.statuses_count),
        following_count: stats.as_ref().map_or(0, |s| s.following_count),
        followers_count: stats.as_ref().map_or(0, |s| s.followers_count),
        noindex: !account.indexable,
        statuses,
        older,
        profile_url,
    }
    .into_response())
}

/// The RSS feed of a local account's public posts (`/@NAME.rss`).
pub async fn feed(state: &AppState, account: &db::accounts::Account) -> AppResult<Response> {
    let filter = AccountFilter {
        exclude_reblogs: true,
        exclude_replies: true,
        ..AccountFilter::default()
    };
    let paging = Page {
        limit: STATUSES_SHOWN,
        ..Page::default()
    };
    let ids = db::timelines::account(&state.db, account.id, None, &filter, &paging).await?;
    let posts = super::member::timelines::posts(state, &ids, None, "account", None).await?;
    let name = if account.display_name.is_empty() {
        account.username.clone()
    } else {
        account.display_name.clone()
    };
    let feed = super::feeds::Feed {
        title: format!("{name} (@{}@{})", account.username, state.config.server.domain),
        link: urls::profile(&state.base_url, &account.username),
        description: format!(
            "Public posts from @{}@{}",
            account.username, state.config.server.domain
        ),
        posts: &posts,
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/rss+xml; charset=utf-8",
        )],
        feed.render(),
    )
        .into_response())
}
