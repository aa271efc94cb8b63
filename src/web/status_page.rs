//! The public page of one status (`/@NAME/ID`): its content behind its warning, media, poll,
//! time and counts. Private and direct statuses have no page (404); a boost's page sends the
//! reader to the original.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::status_view::StatusView;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::publish::{host, may_serve};
use crate::federation::render;
use crate::federation::{loading, urls};
use crate::web::nav::Nav;

#[derive(Template, WebTemplate)]
#[template(path = "status.html")]
pub struct StatusPage {
    nav: Nav,
    /// The post's page for members (reply, boost, favourite, thread).
    member_page: String,
    site_title: String,
    display_name: String,
    handle: String,
    profile_url: String,
    status_uri: String,
    image_url: Option<String>,
    description: String,
    status: StatusView,
}

/// The page of status `id` of a local account the public may see (or a redirect, for a boost).
/// Errors are the caller's to show (as a page).
pub async fn show(
    state: &AppState,
    account: &db::accounts::Account,
    id: &str,
    nav: Nav,
) -> AppResult<Response> {
    let base = &state.base_url;
    let host = host(state);
    let id = crate::ids::parse(id).ok_or(AppError::NotFound)?;
    let status = db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.local && s.account_id == account.id && may_serve(s))
        .ok_or(AppError::NotFound)?;
    if let Some(original_id) = status.reblog_of_id {
        return original_page(state, original_id).await;
    }
    let local = loading::local_statuses(&mut *state.db.acquire().await?, host, account, vec![status])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let view = StatusView::new(host, &local, Utc::now());
    Ok(StatusPage {
        nav,
        member_page: format!("/statuses/{}", local.status.id),
        site_title: state.config.title().to_owned(),
        display_name: if account.display_name.is_empty() {
            account.username.clone()
        } else {
            account.display_name.clone()
        },
        handle: format!("@{}@{}", account.username, state.config.server.domain),
        profile_url: urls::profile(base, &account.username),
        status_uri: urls::status(base, &account.username, local.status.id),
        image_url: view.media.first().map(|m| m.url.clone()),
        description: view.description(),
        status: view,
    }
    .into_response())
}

/// A boost's page: a redirect to the page of what it boosts, when the public may see that.
async fn original_page(state: &AppState, original_id: i64) -> AppResult<Response> {
    let visible = db::statuses::find(&state.db, original_id)
        .await?
        .is_some_and(|original| may_serve(&original));
    let original = db::statuses::list_refs(&state.db, &[original_id])
        .await?
        .into_iter()
        .next()
        .filter(|_| visible)
        .ok_or(AppError::NotFound)?;
    let target = if original.local {
        Some(urls::status_page(
            &state.base_url,
            &original.username,
            original.id,
        ))
    } else {
        original
            .url
            .clone()
            .or_else(|| render::status_uri(host(state), &original))
    };
    let target = target
        // A stored remote URL becomes a header only when it is a valid one.
        .filter(|t| t.starts_with("https://") || t.starts_with("http://"))
        .filter(|t| axum::http::HeaderValue::from_str(t).is_ok())
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&target).into_response())
}
