//! Bearer tokens: who a request speaks for, and the scope checks every endpoint makes.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::scopes::Scopes;
use crate::secrets;

/// The token of an authenticated request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub token_id: i64,
    /// The token as presented: Web Push payloads carry it, so apps know which account a push is for.
    pub token: String,
    pub application_id: i64,
    pub scopes: Scopes,
    user: Option<AuthUser>,
}

/// The member a user token speaks for.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: i64,
    pub account_id: i64,
    pub role: String,
}

impl Auth {
    /// Succeeds when the token holds one of `scopes` (403 otherwise, as Mastodon answers).
    pub fn require(&self, scopes: &[&str]) -> AppResult<()> {
        if self.scopes.grants_any(scopes) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This action is outside the authorized scopes".into(),
            ))
        }
    }

    /// The member, for endpoints that need one (an app-only token answers 422, as in Mastodon).
    pub fn user(&self) -> AppResult<&AuthUser> {
        self.user
            .as_ref()
            .ok_or_else(|| AppError::Invalid("This method requires an authenticated user".into()))
    }

    /// Scope check, then the member.
    pub fn require_user(&self, scopes: &[&str]) -> AppResult<&AuthUser> {
        self.require(scopes)?;
        self.user()
    }
}

/// The account behind an optional token, after checking that it holds one of `scopes`: none for
/// anonymous requests and app-only tokens.
pub fn viewer(auth: &Option<Auth>, scopes: &[&str]) -> AppResult<Option<i64>> {
    match auth {
        None => Ok(None),
        Some(auth) => {
            auth.require(scopes)?;
            Ok(auth.user.as_ref().map(|u| u.account_id))
        }
    }
}

/// The bearer token of a request: the `Authorization` header, else an `access_token` parameter.
fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
            .filter(|t| !t.is_empty());
    }
    let query = parts.uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.into_owned())
        .filter(|t| !t.is_empty())
}

fn invalid_token() -> AppError {
    AppError::Unauthorized("The access token is invalid".into())
}

/// The token `token` as a request presents it (also streaming's, which may come in the WebSocket
/// protocol header).
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Auth> {
    authenticate_as(state, token, false).await
}

/// [`authenticate`], letting a member whose address awaits confirmation through when
/// `unconfirmed_ok` (the endpoint that sends the confirmation again).
pub async fn authenticate_as(state: &AppState, token: &str, unconfirmed_ok: bool) -> AppResult<Auth> {
    let owner = db::oauth::find_live_token(&state.db, &secrets::digest(token))
        .await?
        .ok_or_else(invalid_token)?;
    let scopes = Scopes::parse(&owner.scopes).map_err(|_| invalid_token())?;
    let user = match (owner.user_id, owner.account_id) {
        (Some(user_id), Some(account_id)) => {
            if owner.confirmed == Some(false)
                && state.config.registrations.require_email_confirmation
                && !unconfirmed_ok
            {
                return Err(AppError::Forbidden(
                    "Your login is missing a confirmed e-mail address".into(),
                ));
            }
            if owner.approved == Some(false) && !unconfirmed_ok {
                return Err(AppError::Forbidden(
                    "Your login is currently pending approval".into(),
                ));
            }
            let stale = owner
                .last_active_at
                .is_none_or(|at| chrono::Utc::now() - at > chrono::Duration::hours(1));
            if stale {
                crate::actions::sessions::note_activity(&state.db, user_id).await?;
            }
            Some(AuthUser {
                user_id,
                account_id,
                role: owner.role.unwrap_or_default(),
            })
        }
        _ => None,
    };
    Ok(Auth {
        token_id: owner.token_id,
        token: token.to_owned(),
        application_id: owner.application_id,
        scopes,
        user,
    })
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(invalid_token)?;
        authenticate(state, &token).await
    }
}

impl OptionalFromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match bearer_token(parts) {
            None => Ok(None),
            Some(token) => authenticate(state, &token).await.map(Some),
        }
    }
}

/// A member's token accepted even while their address awaits confirmation or their sign-up
/// awaits approval: only for the endpoint that mails the confirmation again.
#[derive(Debug, Clone)]
pub struct UnconfirmedAuth(pub Auth);

impl FromRequestParts<AppState> for UnconfirmedAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or_else(invalid_token)?;
        authenticate_as(state, &token, true).await.map(UnconfirmedAuth)
    }
}
