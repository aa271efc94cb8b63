//! Filtered notifications on the web: the requests the member's policy kept apart, accepted or dismissed, and the policy itself.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PageParams;
use super::post_view::{AccountLine, PostView};
use super::{Member, here};
use crate::actions::notification_requests::{self as requests, Answer, PolicyChange};
use crate::app::AppState;
use crate::db;
use crate::error::PageError;
use crate::mastodon::present;
use crate::web::nav::Nav;

/// One request as a line: the sender, how many wait, the latest post.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub id: i64,
    pub account: AccountLine,
    pub count: i64,
    pub post: Option<PostView>,
}

/// One rule of the policy as a form field: its name, its question, its current answer.
#[derive(Debug, Clone)]
pub struct PolicyField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "notification_requests.html")]
pub struct RequestsPage {
    nav: Nav,
    signed_in: bool,
    csrf_token: String,
    here: String,
    requests: Vec<RequestLine>,
    fields: Vec<PolicyField>,
    outcomes: &'static [&'static str],
}

/// GET /notifications/requests
pub async fn show_requests(
    State(state): State<AppState>,
    member: Member,
    uri: Uri,
) -> Result<Response, PageError> {
    let viewer = member.account_id();
    let rows = db::notification_requests::list(&state.db, viewer, None, None, 80).await?;
    let account_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts = present::accounts(&state, &account_ids).await?;
    let status_ids: Vec<i64> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let statuses = present::statuses(&state, &status_ids, Some(viewer)).await?;
    let me = viewer.to_string();
    let requests = rows
        .iter()
        .filter_map(|r| {
            let account = accounts.get(&r.from_account_id)?;
            let post = r
                .last_status_id
                .and_then(|id| statuses.iter().find(|s| s.id == id.to_string()))
                .map(|status| PostView::new(status, Some(&me)));
            Some(RequestLine {
                id: r.id,
                account: AccountLine::new(account),
                count: r.notifications_count,
                post,
            })
        })
        .collect();
    let policy = db::notification_requests::find_policy(&state.db, viewer).await?;
    let fields = vec![
        PolicyField {
            name: "for_not_following",
            label: "People you don't follow",
            value: policy.for_not_following,
        },
        PolicyField {
            name: "for_not_followers",
            label: "People who don't follow you (or followed you less than 3 days ago)",
            value: policy.for_not_followers,
        },
        PolicyField {
            name: "for_new_accounts",
            label: "Accounts created in the past 30 days",
            value: policy.for_new_accounts,
        },
        PolicyField {
            name: "for_private_mentions",
            label: "Private mentions from people you don't follow",
            value: policy.for_private_mentions,
        },
        PolicyField {
            name: "for_limited_accounts",
            label: "Accounts limited by the moderators",
            value: policy.for_limited_accounts,
        },
    ];
    let page = RequestsPage {
        nav: member.nav(),
        signed_in: true,
        csrf_token: member.csrf_token(),
        here: here(&uri),
        requests,
        fields,
        outcomes: requests::OUTCOMES,
    };
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    authenticity_token: String,
}

/// POST /notifications/requests/:id/{accept,dismiss}
pub async fn answer_request(
    State(state): State<AppState>,
    member: Member,
    Path((id, action)): Path<(String, String)>,
    PageParams(form): PageParams<TokenForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let id = crate::ids::parse(&id)
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "There is no such request."))?;
    let viewer = member.account_id();
    match action.as_str() {
        "accept" => requests::answer(&state.db, viewer, &[id], true, Answer::Accept).await?,
        "dismiss" => requests::answer(&state.db, viewer, &[id], true, Answer::Dismiss).await?,
        _ => return Err(PageError::new(StatusCode::NOT_FOUND, "There is no such action.")),
    }
    Ok(Redirect::to("/notifications/requests").into_response())
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    authenticity_token: String,
    for_not_following: Option<String>,
    for_not_followers: Option<String>,
    for_new_accounts: Option<String>,
    for_private_mentions: Option<String>,
    for_limited_accounts: Option<String>,
}

/// POST /notifications/policy
pub async fn save_policy(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<PolicyForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let change = PolicyChange {
        for_not_following: form.for_not_following,
        for_not_followers: form.for_not_followers,
        for_new_accounts: form.for_new_accounts,
        for_private_mentions: form.for_private_mentions,
        for_limited_accounts: form.for_limited_accounts,
    };
    requests::update_policy(&state.db, member.account_id(), change).await?;
    Ok(Redirect::to("/notifications/requests").into_response())
}
