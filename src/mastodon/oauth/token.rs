//! `POST /oauth/token` (every grant) and `POST /oauth/revoke`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::actions;
use crate::actions::oauth::{ClientProof, IssuedToken};
use crate::actions::sessions::SignInRefusal;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::entities::Token;
use crate::mastodon::params::Params;
use crate::mastodon::rate_limit::{ClientIp, Limit};
use crate::mastodon::scopes::Scopes;
use crate::secrets;

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    client_id: Option<String>,
    client_secret: Option<String>,
    #[serde(default)]
    token: String,
}

fn oauth_error(code: &'static str, description: &str) -> AppError {
    AppError::OAuth {
        code,
        description: description.to_owned(),
    }
}

fn invalid_client() -> AppError {
    oauth_error(
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )
}

/// Client id and secret from HTTP Basic, else from the body.
fn client_credentials(
    headers: &HeaderMap,
    body_id: Option<String>,
    body_secret: Option<String>,
) -> AppResult<(String, Option<String>)> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(encoded) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
    {
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| invalid_client())?;
        let text = String::from_utf8(decoded).map_err(|_| invalid_client())?;
        let (id, secret) = text.split_once(':').ok_or_else(invalid_client)?;
        // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
        let decode = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Ok((decode(id), Some(decode(secret))));
    }
    let id = body_id.filter(|s| !s.is_empty()).ok_or_else(invalid_client)?;
    Ok((id, body_secret.filter(|s| !s.is_empty())))
}

/// Finds the application and checks its secret when one is given; returns whether it was.
async fn authenticate_client(
    state: &AppState,
    client_id: &str,
    secret: Option<&str>,
) -> AppResult<(db::oauth::Application, bool)> {
    let app = db::oauth::find_application_by_client_id(&state.db, client_id)
        .await?
        .ok_or_else(invalid_client)?;
    match secret {
        Some(secret) if secrets::constant_time_eq(&secrets::digest(secret), &app.client_secret_digest) => {
            Ok((app, true))
        }
        Some(_) => Err(invalid_client()),
        None => Ok((app, false)),
    }
}

fn token_json(token: IssuedToken) -> Json<Token> {
    Json(Token::from(token))
}

fn requested_scopes(scope: Option<&str>, app: &db::oauth::Application) -> AppResult<Scopes> {
    let app_scopes = Scopes::parse(&app.scopes).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let requested = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        Some(scope) => Scopes::parse(scope).map_err(|_| {
            oauth_error(
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            )
        })?,
        None => app_scopes.clone(),
    };
    if !requested.within(&app_scopes) {
        return Err(oauth_error(
            "invalid_scope",
            "The requested scope exceeds the application's scopes.",
        ));
    }
    Ok(requested)
}

/// POST /oauth/token
pub async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip_key): ClientIp,
    headers: HeaderMap,
    Params(request): Params<TokenRequest>,
) -> AppResult<Json<Token>> {
    let limits = &state.config.rate_limits;
    state.limiter.hit(
        Limit {
            name: "token",
            max: limits.token_per_ip,
            period: Duration::from_secs(300),
        },
        &ip_key,
    )?;
    let (client_id, secret) = client_credentials(&headers, request.client_id, request.client_secret)?;
    let (app, authenticated) = authenticate_client(&state, &client_id, secret.as_deref()).await?;
    let require_secret = || {
        if authenticated {
            Ok(())
        } else {
            Err(invalid_client())
        }
    };
    match request.grant_type.as_str() {
        "authorization_code" => {
            let code = request
                .code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| oauth_error("invalid_request", "The code parameter is missing."))?;
            let redirect_uri = request
                .redirect_uri
                .or_else(|| (app.redirect_uris.len() == 1).then(|| app.redirect_uris[0].clone()))
                .ok_or_else(|| oauth_error("invalid_request", "The redirect_uri parameter is missing."))?;
            let proof = ClientProof {
                authenticated,
                code_verifier: request.code_verifier.as_deref().filter(|v| !v.is_empty()),
            };
            Ok(token_json(
                actions::oauth::exchange_code(&state.db, app.id, &code, &redirect_uri, proof).await?,
            ))
        }
        "client_credentials" => {
            require_secret()?;
            let scopes = requested_scopes(request.scope.as_deref(), &app)?;
            Ok(token_json(
                actions::oauth::issue_token(&state.db, app.id, None, &scopes).await?,
            ))
        }
        "refresh_token" => {
            let refresh_token = request
                .refresh_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| oauth_error("invalid_request", "The refresh_token parameter is missing."))?;
            let requested = match request.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(scope) => Some(
                    Scopes::parse(scope)
                        .map_err(|_| oauth_error("invalid_scope", "The requested scope is invalid."))?,
                ),
                None => None,
            };
            Ok(token_json(
                actions::oauth::refresh(&state.db, app.id, &refresh_token, requested.as_ref()).await?,
            ))
        }
        "password" if state.config.oauth.password_grant => {
            require_secret()?;
            let login = request.username.unwrap_or_default();
            let password = request.password.unwrap_or_default();
            let sign_in = Limit {
                name: "sign_in_ip",
                max: limits.sign_in_per_ip,
                period: Duration::from_secs(300),
            };
            state.limiter.hit(sign_in, &ip_key)?;
            if actions::sign_up_blocks::severity_for(&state.db, &ip_key).await?
                == Some(actions::sign_up_blocks::Severity::NoAccess)
            {
                return Err(oauth_error(
                    "invalid_grant",
                    "Signing in from your address is not allowed here.",
                ));
            }
            let per_account = Limit {
                name: "sign_in_account",
                max: limits.sign_in_per_account,
                period: Duration::from_secs(300),
            };
            let attempt = actions::sessions::attempt(&state.db, &login).await?;
            state.limiter.hit(per_account, &attempt.counted_as)?;
            let scopes = requested_scopes(request.scope.as_deref(), &app)?;
            let require_confirmation = state.config.registrations.require_email_confirmation;
            match actions::sessions::check_password(attempt, &password, require_confirmation).await? {
                // A password alone must not open an account that asks for a second factor.
                Ok(user) if user.otp_enabled => Err(oauth_error(
                    "invalid_grant",
                    "This account has two-factor sign-in; sign in through the browser instead.",
                )),
                Ok(user) => Ok(token_json(
                    actions::oauth::issue_token(&state.db, app.id, Some(user.id), &scopes).await?,
                )),
                Err(SignInRefusal::PendingApproval) => Err(oauth_error(
                    "invalid_grant",
                    "Your login is currently pending approval.",
                )),
                Err(SignInRefusal::Unconfirmed) => Err(oauth_error(
                    "invalid_grant",
                    "Your login is missing a confirmed e-mail address.",
                )),
                Err(SignInRefusal::WrongCredentials) => Err(oauth_error(
                    "invalid_grant",
                    "The username or password is incorrect.",
                )),
            }
        }
        _ => Err(oauth_error(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )),
    }
}

/// POST /oauth/revoke
pub async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(request): Params<RevokeRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let (client_id, secret) = client_credentials(&headers, request.client_id, request.client_secret)?;
    let (app, _) = authenticate_client(&state, &client_id, secret.as_deref()).await?;
    if !request.token.is_empty() {
        actions::oauth::revoke(&state.db, app.id, &request.token).await?;
    }
    Ok(Json(serde_json::json!({})))
}
