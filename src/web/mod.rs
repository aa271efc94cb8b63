//! HTML pages and the plain endpoints beside them (`/health`, static files).

mod about;
mod admin;
pub(crate) mod auth;
mod email_links;
mod feeds;
mod health;
mod home;
mod interaction;
pub mod member;
mod moderated_servers;
pub mod nav;
pub mod profile;
pub mod security_headers;
pub mod session;
mod severed_relationships;
pub mod status_page;
mod status_view;
mod two_factor_sign_in;

pub use auth::SignInPage;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::app::AppState;

/// The routes this module serves.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show_home))
        .route("/health", get(health::get_health))
        .route("/static/style.css", get(get_stylesheet))
        .route("/static/member.js", get(get_script))
        .route(
            "/static/avatar.png",
            get(|| static_png(include_bytes!("../../static/avatar.png"))),
        )
        .route(
            "/static/header.png",
            get(|| static_png(include_bytes!("../../static/header.png"))),
        )
        .route(
            "/static/thumbnail.png",
            get(|| static_png(include_bytes!("../../static/thumbnail.png"))),
        )
        .route("/about", get(about::show_about))
        .route(
            "/about/more",
            get(|| async { axum::response::Redirect::permanent("/about") }),
        )
        .route("/privacy-policy", get(about::show_privacy_policy))
        .route("/auth/sign_in", get(auth::show_sign_in).post(auth::sign_in))
        .route("/auth/sign_out", get(auth::show_sign_out).post(auth::sign_out))
        .route("/auth/sign_up", get(auth::show_sign_up).post(auth::sign_up_form))
        .route("/auth/sign_in/two_factor", post(two_factor_sign_in::answer))
        .route("/invite/{code}", get(auth::show_invite))
        .route("/auth/confirmation", get(email_links::confirm))
        .route(
            "/auth/confirmation/new",
            get(email_links::show_confirmation_request).post(email_links::request_confirmation),
        )
        .route(
            "/auth/password/new",
            get(email_links::show_reset_request).post(email_links::request_reset),
        )
        .route(
            "/auth/password/edit",
            get(email_links::show_new_password).post(email_links::save_new_password),
        )
        .route(
            "/authorize_interaction",
            get(interaction::show_interaction).post(interaction::follow_from_interaction),
        )
        .route(
            "/severed_relationships",
            get(severed_relationships::show_severed_relationships),
        )
        .route(
            "/severed_relationships/{id}/{file}",
            get(severed_relationships::get_severed_list),
        )
        .merge(admin::routes())
        .merge(member::routes())
}

async fn static_png(bytes: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// A page naming an error, with its status.
pub fn error_page(status: StatusCode, message: &str) -> axum::response::Response {
    let page = ErrorPage {
        status: status.as_u16(),
        message,
    };
    match askama::Template::render(&page) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// GET /static/style.css
async fn get_stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}

/// GET /static/member.js: the pages' small enhancements (a character counter); nothing needs it.
async fn get_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/member.js"),
    )
}

#[derive(askama::Template)]
#[template(path = "not_found.html")]
struct NotFoundPage;

/// The page for a path that leads nowhere.
pub fn not_found_page() -> impl IntoResponse {
    match askama::Template::render(&NotFoundPage) {
        Ok(html) => (StatusCode::NOT_FOUND, axum::response::Html(html)).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}
