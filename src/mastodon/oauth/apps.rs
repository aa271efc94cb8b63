//! `POST /api/v1/apps` and `GET /api/v1/apps/verify_credentials`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Application, CredentialApplication};
use crate::mastodon::params::Params;
use crate::mastodon::rate_limit::{ClientIp, Limit};
use crate::mastodon::scopes::Scopes;

/// The redirect URI that shows the code on a page instead of redirecting.
pub const OUT_OF_BAND: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Longest application name.
const NAME_MAX_LENGTH: usize = 60;
/// Longest website, and longest list of redirect URIs (one per line), as Mastodon allows.
const URL_MAX_LENGTH: usize = 2000;

/// `redirect_uris` as a newline-separated string or an array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RedirectUris {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
pub struct CreateApp {
    #[serde(default)]
    client_name: String,
    redirect_uris: Option<RedirectUris>,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    website: Option<String>,
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

/// Splits and checks redirect URIs: absolute URIs without fragments (custom schemes allowed),
/// or the out-of-band URN.
pub fn parse_redirect_uris(value: RedirectUris) -> AppResult<Vec<String>> {
    let items: Vec<String> = match value {
        RedirectUris::One(text) => text.split_whitespace().map(str::to_owned).collect(),
        RedirectUris::Many(items) => items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    if items.is_empty() {
        return Err(invalid("Redirect URI can't be blank"));
    }
    // Counted as stored, one per line: this bounds their number too.
    let stored_length = items.iter().map(|uri| uri.chars().count() + 1).sum::<usize>();
    if stored_length > URL_MAX_LENGTH + 1 {
        return Err(invalid("Redirect URI is too long (maximum is 2000 characters)"));
    }
    for uri in &items {
        if uri == OUT_OF_BAND {
            continue;
        }
        let parsed = url::Url::parse(uri).map_err(|_| invalid("Redirect URI must be an absolute URI."))?;
        if parsed.fragment().is_some() {
            return Err(invalid("Redirect URI cannot contain a fragment."));
        }
        if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_none() {
            return Err(invalid("Redirect URI must be an absolute URI."));
        }
        if matches!(parsed.scheme(), "javascript" | "data" | "vbscript" | "file") {
            return Err(invalid("Redirect URI uses a scheme that is not allowed."));
        }
    }
    Ok(items)
}

/// POST /api/v1/apps
pub async fn create_app(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(params): Params<CreateApp>,
) -> AppResult<Json<CredentialApplication>> {
    state.limiter.hit(
        Limit {
            name: "apps",
            max: state.config.rate_limits.apps_per_ip,
            period: Duration::from_secs(300),
        },
        &ip,
    )?;
    let name = params.client_name.trim();
    if name.is_empty() {
        return Err(invalid("Application name can't be blank"));
    }
    if name.chars().count() > NAME_MAX_LENGTH {
        return Err(invalid("Application name is too long (maximum is 60 characters)"));
    }
    let redirect_uris = parse_redirect_uris(
        params
            .redirect_uris
            .ok_or_else(|| invalid("Redirect URI can't be blank"))?,
    )?;
    let scopes = Scopes::parse(&params.scopes).map_err(|e| invalid(&format!("Scopes: {e}")))?;
    let website = params.website.as_deref().map(str::trim).filter(|w| !w.is_empty());
    if let Some(site) = website {
        if site.chars().count() > URL_MAX_LENGTH {
            return Err(invalid("Website is too long (maximum is 2000 characters)"));
        }
        let ok = url::Url::parse(site).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(invalid("Website is not a valid URL"));
        }
    }
    let (row, client_secret) =
        actions::oauth::register_application(&state.db, name, website, &redirect_uris, &scopes).await?;
    Ok(Json(CredentialApplication {
        application: Application::from_row(&row, state.vapid_key().await?.public_base64()),
        client_id: row.client_id,
        client_secret,
        client_secret_expires_at: 0,
    }))
}

/// GET /api/v1/apps/verify_credentials
pub async fn verify_app(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Application>> {
    let row = db::oauth::find_application(&state.db, auth.application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Application::from_row(
        &row,
        state.vapid_key().await?.public_base64(),
    )))
}
