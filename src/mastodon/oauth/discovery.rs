//! `/.well-known/oauth-authorization-server` (RFC 8414) and `/oauth/userinfo`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Account;
use crate::mastodon::scopes;

/// GET /.well-known/oauth-authorization-server
pub async fn get_server_metadata(State(state): State<AppState>) -> Json<Value> {
    let base = state.config.base_url();
    let mut grants = vec!["authorization_code", "client_credentials", "refresh_token"];
    if state.config.oauth.password_grant {
        grants.push("password");
    }
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": scopes::KNOWN,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

/// GET /oauth/userinfo
pub async fn get_userinfo(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let user = auth.require_user(&["profile", "read:accounts"])?;
    let row = db::accounts::find(&state.db, user.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = Account::from_row(&row, &state.config);
    Ok(Json(json!({
        "iss": format!("{}/", state.config.base_url()),
        "sub": account.uri,
        "name": if account.display_name.is_empty() { &account.username } else { &account.display_name },
        "preferred_username": account.username,
        "profile": account.url,
        "picture": account.avatar,
    })))
}
