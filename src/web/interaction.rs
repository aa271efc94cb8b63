//! `/authorize_interaction`: where other servers send our members to follow what they found there.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::MessagePage;
use super::session::Browser;
use crate::actions;
use crate::actions::follows::FollowOutcome;
use crate::app::AppState;
use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::PageError;
use crate::federation::resolve::{self, Resolved};
use crate::mastodon::params::Params;

#[derive(Debug, Deserialize)]
pub struct InteractionQuery {
    #[serde(default)]
    uri: String,
}

/// How the member stands with the account, which decides what the page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Yourself,
    Following,
    Requested,
    Blocked,
    NotFollowing,
}

#[derive(Template, WebTemplate)]
#[template(path = "interaction.html")]
pub struct InteractionPage {
    heading: String,
    display_name: String,
    handle: String,
    profile_url: String,
    /// The post the other server named, when it named one (its author is offered).
    post_url: Option<String>,
    account_id: i64,
    standing: Standing,
    nav: crate::web::nav::Nav,
    csrf_token: String,
}

fn not_found(uri: &str) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        format!("Nothing could be found at {uri}, or it is not available from this server."),
    )
}

/// GET /authorize_interaction?uri=...
///
/// `uri` is a handle (`acct:user@domain`) or the address of an account or a post. A member who
/// is not signed in is sent to sign in first and brought back.
pub async fn show_interaction(
    State(state): State<AppState>,
    browser: Browser,
    Params(query): Params<InteractionQuery>,
) -> Result<Response, PageError> {
    let uri = query.uri.trim();
    if uri.is_empty() {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "No account or post was named (the uri parameter is missing).",
        ));
    }
    let Some(user) = &browser.user else {
        let back: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("uri", uri)
            .finish();
        let return_to: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("return_to", &format!("/authorize_interaction?{back}"))
            .finish();
        return Ok(Redirect::to(&format!("/auth/sign_in?{return_to}")).into_response());
    };
    let viewer = user.account_id;
    let (account_id, post_url) = match resolve::by_query(&state, uri).await? {
        Some(Resolved::Account(id)) => (id, None),
        Some(Resolved::Status(id)) => {
            // A post the member may not see is as unknown as one that does not exist.
            let status = db::statuses::find_visible(&state.db, id, Some(viewer))
                .await?
                .ok_or_else(|| not_found(uri))?;
            (status.account_id, Some(uri.to_owned()))
        }
        None => return Err(not_found(uri)),
    };
    let account = db::accounts::find_unsuspended(&state.db, account_id)
        .await?
        .filter(|a| {
            a.domain
                .as_deref()
                .is_none_or(|domain| !state.federation.policy.is_suspended(domain))
        })
        .ok_or_else(|| not_found(uri))?;
    let relationship = db::follows::list_relationships(&state.db, viewer, &[account.id])
        .await?
        .into_iter()
        .next();
    let standing = match relationship {
        _ if account.id == viewer => Standing::Yourself,
        Some(r) if r.blocking || r.blocked_by => Standing::Blocked,
        Some(r) if r.following => Standing::Following,
        Some(r) if r.requested => Standing::Requested,
        _ => Standing::NotFollowing,
    };
    let domain = account
        .domain
        .clone()
        .unwrap_or_else(|| state.config.server.domain.clone());
    let handle = format!("@{}@{domain}", account.username);
    let page = InteractionPage {
        heading: if post_url.is_some() {
            format!("A post by {handle}")
        } else {
            format!("Follow {handle}?")
        },
        display_name: if account.display_name.is_empty() {
            account.username.clone()
        } else {
            account.display_name.clone()
        },
        profile_url: account
            .url
            .clone()
            .or_else(|| account.uri.clone())
            .unwrap_or_else(|| crate::federation::urls::profile(&state.base_url, &account.username)),
        handle,
        post_url,
        account_id: account.id,
        standing,
        nav: crate::web::nav::Nav::of(&browser),
        csrf_token: browser.csrf_token.clone(),
    };
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    authenticity_token: String,
    account_id: i64,
}

/// POST /authorize_interaction: follows the account the page offered.
pub async fn follow_from_interaction(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<FollowForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    let user = browser.signed_in()?;
    let account = db::accounts::find_unsuspended(&state.db, form.account_id)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "That account is not available."))?;
    let outcome = actions::follows::follow(
        &state.db,
        &state.base_url,
        user.account_id,
        account.id,
        &FollowOptions {
            show_reblogs: true,
            notify: false,
            languages: None,
        },
    )
    .await?;
    let handle = match &account.domain {
        Some(domain) => format!("@{}@{domain}", account.username),
        None => format!("@{}", account.username),
    };
    let page = match outcome {
        FollowOutcome::Following => MessagePage {
            heading: format!("You now follow {handle}"),
            message: "Their posts will show in your home timeline.".to_owned(),
        },
        FollowOutcome::Requested => MessagePage {
            heading: format!("Follow request sent to {handle}"),
            message: "They approve their followers; you will follow them once they accept.".to_owned(),
        },
    };
    Ok(page.into_response())
}
