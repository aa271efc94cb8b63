//! The notifications page: what happened to the member's posts and account, filterable by kind.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::PageParams;
use super::post_view::{AccountLine, PostView, shown_time};
use super::timelines::{PAGE_SIZE, page_links};
use super::{Member, here};
use crate::app::AppState;
use crate::db;
use crate::error::PageError;
use crate::mastodon::params::empty_as_none;
use crate::web::nav::Nav;

/// The filters the page offers: (type, label). Empty means every kind.
const FILTERS: &[(&str, &str)] = &[
    ("", "All"),
    ("mention", "Mentions"),
    ("favourite", "Favourites"),
    ("reblog", "Boosts"),
    ("follow", "Follows"),
    ("follow_request", "Follow requests"),
    ("poll", "Polls"),
    ("update", "Edits"),
    ("status", "Posts"),
];

/// One notification as a line.
#[derive(Debug, Clone)]
pub struct NotificationLine {
    pub id: String,
    pub account: AccountLine,
    /// What happened, after the account's name ("favourited your post").
    pub what: String,
    pub shown_time: String,
    pub created_at: String,
    pub post: Option<PostView>,
    /// Where to go about it, when the line itself is not enough (follow requests).
    pub link: Option<(String, String)>,
}

/// A filter link, with whether it is the one shown.
#[derive(Debug, Clone)]
pub struct FilterLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    filters: Vec<FilterLink>,
    notifications: Vec<NotificationLine>,
    older: Option<String>,
    /// Notifications the member's policy kept apart, waiting as requests.
    filtered: i64,
}

#[derive(Debug, Deserialize, Default)]
pub struct NotificationsQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "mention" => "mentioned you",
        "status" => "posted",
        "reblog" => "boosted your post",
        "follow" => "followed you",
        "follow_request" => "asked to follow you",
        "favourite" => "favourited your post",
        "poll" => "a poll has ended",
        "update" => "edited a post you interacted with",
        "admin.sign_up" => "signed up",
        "admin.report" => "filed a report",
        "severed_relationships" => "some of your connections were severed by moderation",
        "moderation_warning" => "the moderators acted on your account",
        _ => "did something",
    }
}

/// GET /notifications (`?type=` for one kind)
pub async fn show_notifications(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
    PageParams(query): PageParams<NotificationsQuery>,
) -> Result<Response, PageError> {
    let viewer = member.account_id();
    let kind = FILTERS
        .iter()
        .find(|(kind, _)| *kind == query.kind)
        .map_or("", |(kind, _)| kind);
    let types: Vec<String> = if kind.is_empty() {
        Vec::new()
    } else {
        vec![kind.to_owned()]
    };
    let rows = db::notifications::list(
        &state.db,
        viewer,
        &db::notifications::NotificationQuery {
            types: &types,
            exclude_types: &[],
            from_account_id: None,
            include_filtered: false,
            max_id: query.max_id,
            since_id: None,
            min_id: None,
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let presented = crate::mastodon::notifications::render(&state, viewer, &rows).await?;
    let me = viewer.to_string();
    let notifications = presented
        .iter()
        .map(|n| NotificationLine {
            id: n.id.clone(),
            account: AccountLine::new(&n.account),
            what: describe(&n.r#type).to_owned(),
            shown_time: shown_time(&n.created_at),
            created_at: n.created_at.clone(),
            post: n.status.as_ref().map(|status| PostView::new(status, Some(&me))),
            link: match n.r#type.as_str() {
                "follow_request" => Some(("/follow_requests".into(), "Answer follow requests".into())),
                "severed_relationships" => Some(("/severed_relationships".into(), "What was lost".into())),
                "admin.report" => Some(("/admin/reports".into(), "Open reports".into())),
                _ => None,
            },
        })
        .collect();
    let paging: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let path = if kind.is_empty() {
        "/notifications".to_owned()
    } else {
        format!("/notifications?type={kind}")
    };
    let (_, older) = page_links(&path, &paging, PAGE_SIZE);
    let page = NotificationsPage {
        nav: member.nav(),
        signed_in: true,
        csrf_token: member.csrf_token(),
        here: here(&uri),
        filters: FILTERS
            .iter()
            .map(|(value, label)| FilterLink {
                href: if value.is_empty() {
                    "/notifications".into()
                } else {
                    format!("/notifications?type={value}")
                },
                label: (*label).into(),
                current: *value == kind,
            })
            .collect(),
        notifications,
        older,
        filtered: db::notification_requests::summary(&state.db, viewer).await?.1,
    };
    Ok((member.browser.jar, page).into_response())
}
