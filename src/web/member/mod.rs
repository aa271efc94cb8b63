//! The member's web interface: timelines, compose, interactions, notifications, search, accounts
//! and settings, as server-rendered pages on the same `actions` and reads as the API.

mod accounts;
mod compose;
mod data;
mod interact;
mod invites;
mod leaving;
mod notification_requests;
mod notifications;
pub mod post_view;
mod search;
mod security;
mod settings;
mod thread;
pub mod timelines;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

use super::nav::Nav;
use super::session::{Browser, local_path};
use crate::app::AppState;
use crate::db::users::User;
use crate::error::{AppError, PageError};
use crate::mastodon::params::{Files, Params, ParamsWithFiles};

/// The routes of the member's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/home", get(timelines::show_home))
        .route("/public", get(timelines::show_federated))
        .route("/public/local", get(timelines::show_local))
        .route("/tags/{name}", get(timelines::show_tag))
        .route("/bookmarks", get(timelines::show_bookmarks))
        .route("/favourites", get(timelines::show_favourites))
        .route("/lists", get(timelines::show_lists))
        .route("/lists/{id}", get(timelines::show_list))
        .route("/statuses/new", get(compose::show_compose))
        .route(
            "/statuses",
            post(compose::post_status).layer(axum::extract::DefaultBodyLimit::max(compose::BODY_LIMIT)),
        )
        .route("/statuses/{id}", get(thread::show_thread))
        .route(
            "/statuses/{id}/edit",
            get(compose::show_edit).post(compose::save_edit),
        )
        .route("/statuses/{id}/delete", post(compose::delete_status))
        .route("/statuses/{id}/{action}", post(interact::act_on_status))
        .route("/polls/{id}/votes", post(interact::vote))
        .route("/accounts/{id}", get(accounts::show_account))
        .route("/accounts/{id}/followers", get(accounts::show_followers))
        .route("/accounts/{id}/following", get(accounts::show_following))
        .route("/accounts/{id}/{action}", post(interact::act_on_account))
        .route("/follow_requests", get(accounts::show_follow_requests))
        .route("/notifications", get(notifications::show_notifications))
        .route(
            "/notifications/requests",
            get(notification_requests::show_requests),
        )
        .route(
            "/notifications/requests/{id}/{action}",
            post(notification_requests::answer_request),
        )
        .route("/notifications/policy", post(notification_requests::save_policy))
        .route("/search", get(search::show_search))
        .route("/remote_follow", get(accounts::remote_follow))
        .merge(settings::routes())
        .merge(security::routes())
        .merge(leaving::routes())
        .merge(data::routes())
        .merge(invites::routes())
}

/// A page's query or form, read as the API reads parameters; what cannot be read is an error
/// page (not the API's JSON).
pub struct PageParams<T>(pub T);

fn unreadable(error: AppError) -> PageError {
    let status = error.status();
    let message = error.public_message();
    PageError::new(
        status,
        format!("{} Go back and try again.", message.trim_end_matches('.')),
    )
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageParams<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Params(params) = Params::<T>::from_request(request, state)
            .await
            .map_err(unreadable)?;
        Ok(PageParams(params))
    }
}

/// As [`PageParams`], with the files of a multipart form (each up to `LIMIT` bytes).
pub struct PageParamsWithFiles<T, const LIMIT: usize>(pub T, pub Files);

impl<S: Send + Sync, T: DeserializeOwned, const LIMIT: usize> FromRequest<S>
    for PageParamsWithFiles<T, LIMIT>
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ParamsWithFiles(params, files) = ParamsWithFiles::<T, LIMIT>::from_request(request, state)
            .await
            .map_err(unreadable)?;
        Ok(PageParamsWithFiles(params, files))
    }
}

/// A signed-in member on a member page. Anyone else is sent to sign in and brought back.
pub struct Member {
    pub browser: Browser,
    pub user: User,
}

impl Member {
    pub fn account_id(&self) -> i64 {
        self.user.account_id
    }

    /// The navigation for this member's pages.
    pub fn nav(&self) -> Nav {
        Nav::of(&self.browser)
    }

    /// The CSRF token every form on the page carries.
    pub fn csrf_token(&self) -> String {
        self.browser.csrf_token.clone()
    }

    /// Refuses a form not sent from this site.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), PageError> {
        self.browser.verify_csrf(submitted)
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let browser = Browser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match browser.user.clone() {
            Some(user) => Ok(Member { browser, user }),
            None if parts.method == Method::GET => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/home".to_owned());
                Err((browser.jar, sign_in_redirect(&here)).into_response())
            }
            None => Err(PageError::new(
                StatusCode::UNAUTHORIZED,
                "Your session has ended. Sign in again, then repeat what you were doing.",
            )
            .into_response()),
        }
    }
}

/// The way to the sign-in page, and back to `return_to` after it.
pub fn sign_in_redirect(return_to: &str) -> Redirect {
    let query: String = form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    Redirect::to(&format!("/auth/sign_in?return_to={query}"))
}

/// Back to the page a form was on (a path on this site only), or to `fallback`.
pub fn back_to(return_to: &str, fallback: &str) -> Redirect {
    Redirect::to(&local_path(return_to).unwrap_or_else(|| fallback.to_owned()))
}

/// The path and query a page was asked for, for the forms on it to come back to.
pub fn here(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

/// "1 post", "3 posts".
pub fn plural(count: i64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
