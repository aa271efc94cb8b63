//! HTML pages and the plain endpoints beside them (`/health`, static files).

mod health;
mod home;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;

/// The routes this module serves.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show_home))
        .route("/health", get(health::get_health))
        .route("/static/style.css", get(get_stylesheet))
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
