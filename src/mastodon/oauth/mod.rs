//! OAuth 2 for Mastodon apps: registration, the authorization pages, tokens, discovery.

mod apps;
mod authorize;
mod discovery;
mod token;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// The OAuth routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", post(apps::create_app))
        .route("/api/v1/apps/verify_credentials", get(apps::verify_app))
        .route(
            "/oauth/authorize",
            get(authorize::show_authorize).post(authorize::decide_authorize),
        )
        .route("/oauth/token", post(token::create_token))
        .route("/oauth/revoke", post(token::revoke_token))
        .route(
            "/oauth/userinfo",
            get(discovery::get_userinfo).post(discovery::get_userinfo),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::get_server_metadata),
        )
}
