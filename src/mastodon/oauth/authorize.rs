//! `GET/POST /oauth/authorize`: the sign-in and consent pages of the authorization-code flow.
//!
//! Nothing redirects to a URI the application did not register: an unknown client or redirect
//! URI gets an error page. Other problems are sent back to the application as `error=...`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::apps::OUT_OF_BAND;
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::PageError;
use crate::mastodon::params::Params;
use crate::mastodon::scopes::Scopes;
use crate::web::SignInPage;
use crate::web::session::Browser;

/// The parameters of an authorization request (and of the consent form that repeats them).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AuthorizeRequest {
    #[serde(default)]
    client_id: String,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    #[serde(default)]
    force_login: bool,
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    decision: String,
}

/// A request that passed every check.
struct Checked {
    app: db::oauth::Application,
    redirect_uri: String,
    scopes: Scopes,
    state: Option<String>,
    challenge: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "authorize.html")]
struct ConsentPage {
    app_name: String,
    app_website: Option<String>,
    username: String,
    scopes: Vec<String>,
    csrf_token: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "authorize_code.html")]
struct CodePage {
    app_name: String,
    code: String,
}

/// The application's redirect URI with `pairs` added to its query, as a 302.
fn redirect_back(redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return PageError::new(StatusCode::BAD_REQUEST, "The redirect URI is invalid.").into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

/// Sends an OAuth error back to the application, or shows it when there is nowhere to send it.
fn error_back(redirect_uri: &str, state: Option<&str>, code: &str, description: &str) -> Response {
    if redirect_uri == OUT_OF_BAND {
        return PageError::new(StatusCode::BAD_REQUEST, format!("{code}: {description}")).into_response();
    }
    redirect_back(
        redirect_uri,
        &[
            ("error", Some(code)),
            ("error_description", Some(description)),
            ("state", state),
        ],
    )
}

async fn check(state: &AppState, request: &AuthorizeRequest) -> Result<Checked, Response> {
    let app = db::oauth::find_application_by_client_id(&state.db, request.client_id.trim())
        .await
        .map_err(|e| PageError::from(e).into_response())?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "This application is unknown (client_id).",
            )
            .into_response()
        })?;
    let redirect_uri = match request
        .redirect_uri
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(uri) if app.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        None if app.redirect_uris.len() == 1 => app.redirect_uris[0].clone(),
        _ => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "The redirect URI is not registered for this application.",
            )
            .into_response());
        }
    };
    let app_state = request.state.as_deref();
    if request.response_type.as_deref() != Some("code") {
        return Err(error_back(
            &redirect_uri,
            app_state,
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    let app_scopes = Scopes::parse(&app.scopes).map_err(|_| {
        error_back(
            &redirect_uri,
            app_state,
            "invalid_scope",
            "The application's scopes are invalid.",
        )
    })?;
    let scopes = match Scopes::parse(request.scope.as_deref().unwrap_or("")) {
        Ok(scopes) if scopes.within(&app_scopes) => scopes,
        _ => {
            return Err(error_back(
                &redirect_uri,
                app_state,
                "invalid_scope",
                "The requested scope is invalid, unknown, or beyond what the application registered.",
            ));
        }
    };
    let challenge = request
        .code_challenge
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let method = request
        .code_challenge_method
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let challenge = match (challenge, method) {
        (None, None) => None,
        (Some(challenge), Some("S256"))
            if (43..=128).contains(&challenge.len())
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) =>
        {
            Some(challenge.to_owned())
        }
        _ => {
            return Err(error_back(
                &redirect_uri,
                app_state,
                "invalid_request",
                "PKCE needs a code_challenge with code_challenge_method=S256.",
            ));
        }
    };
    Ok(Checked {
        app,
        redirect_uri,
        scopes,
        state: request.state.clone(),
        challenge,
    })
}

/// The path and query of this request without `force_login`, to come back to after signing in.
fn return_path(uri: &axum::http::Uri) -> String {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(key, _)| key != "force_login")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}?{query}", uri.path())
}

/// GET /oauth/authorize
pub async fn show_authorize(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    browser: Browser,
    Params(request): Params<AuthorizeRequest>,
) -> Response {
    let checked = match check(&state, &request).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let user = match &browser.user {
        Some(user) if !request.force_login => user,
        _ => {
            let page = SignInPage::new(&state.config, &browser.csrf_token, &return_path(&uri), None);
            return (browser.jar, page).into_response();
        }
    };
    let username = match db::accounts::find(&state.db, user.account_id).await {
        Ok(Some(account)) => account.username,
        Ok(None) => return PageError::new(StatusCode::UNAUTHORIZED, "Sign in first.").into_response(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let page = ConsentPage {
        app_name: checked.app.name.clone(),
        app_website: checked.app.website.clone(),
        username,
        scopes: checked.scopes.iter().map(str::to_owned).collect(),
        csrf_token: browser.csrf_token.clone(),
        client_id: checked.app.client_id.clone(),
        redirect_uri: checked.redirect_uri.clone(),
        scope: checked.scopes.as_string(),
        state: checked.state.unwrap_or_default(),
        code_challenge: checked.challenge.clone().unwrap_or_default(),
        code_challenge_method: if checked.challenge.is_some() {
            "S256".into()
        } else {
            String::new()
        },
    };
    // Its form's answer redirects to the application, which the usual `form-action` would block.
    let policy = [(
        header::CONTENT_SECURITY_POLICY,
        crate::web::security_headers::CONSENT_PAGE_POLICY,
    )];
    (browser.jar, policy, page).into_response()
}

/// POST /oauth/authorize
pub async fn decide_authorize(
    State(state): State<AppState>,
    browser: Browser,
    Params(request): Params<AuthorizeRequest>,
) -> Response {
    if let Err(error) = browser.verify_csrf(&request.authenticity_token) {
        return error.into_response();
    }
    let user = match browser.signed_in() {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let checked = match check(&state, &request).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    if request.decision != "approve" {
        return error_back(
            &checked.redirect_uri,
            checked.state.as_deref(),
            "access_denied",
            "The resource owner denied the request.",
        );
    }
    let code = match actions::oauth::issue_code(
        &state.db,
        checked.app.id,
        user.id,
        &checked.redirect_uri,
        &checked.scopes,
        checked.challenge.as_deref(),
    )
    .await
    {
        Ok(code) => code,
        Err(error) => return PageError::from(error).into_response(),
    };
    if checked.redirect_uri == OUT_OF_BAND {
        return CodePage {
            app_name: checked.app.name,
            code,
        }
        .into_response();
    }
    redirect_back(
        &checked.redirect_uri,
        &[("code", Some(&code)), ("state", checked.state.as_deref())],
    )
}
