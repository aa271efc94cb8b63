//! The member's invite links: make one (uses, expiry), see how each was used, revoke it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Member, PageParams};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::web::nav::Nav;

/// The invite routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/invites", get(show_invites).post(create_invite))
        .route("/settings/invites/{id}/revoke", post(revoke_invite))
}

struct InviteLine {
    id: i64,
    url: String,
    uses: String,
    expires: String,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_invites.html")]
struct InvitesPage {
    nav: Nav,
    csrf_token: String,
    allowed: bool,
    invites: Vec<InviteLine>,
    error: Option<String>,
}

async fn page(state: &AppState, member: &Member, error: Option<String>) -> Result<InvitesPage, PageError> {
    let now = chrono::Utc::now();
    let invites = db::invites::list_for(&state.db, member.account_id())
        .await?
        .into_iter()
        .map(|invite| {
            let expired = invite.expires_at.is_some_and(|at| at <= now);
            let used_up = invite.max_uses.is_some_and(|max| invite.uses >= max);
            InviteLine {
                id: invite.id,
                url: format!("{}/invite/{}", state.base_url, invite.code),
                uses: match invite.max_uses {
                    Some(max) => format!("{} of {max}", invite.uses),
                    None => format!("{} (no limit)", invite.uses),
                },
                expires: match (invite.revoked_at, invite.expires_at) {
                    (Some(_), _) => "revoked".into(),
                    (None, Some(at)) if expired => format!("expired {}", at.format("%Y-%m-%d %H:%M UTC")),
                    (None, Some(at)) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    (None, None) => "never".into(),
                },
                live: invite.revoked_at.is_none() && !expired && !used_up,
            }
        })
        .collect();
    Ok(InvitesPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        allowed: actions::invites::may_invite(state, &member.user.role),
        invites,
        error,
    })
}

/// GET /settings/invites
pub async fn show_invites(State(state): State<AppState>, member: Member) -> Result<Response, PageError> {
    let page = page(&state, &member, None).await?;
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    authenticity_token: String,
    /// Uses allowed; empty: no limit.
    #[serde(default)]
    max_uses: String,
    /// Seconds until it expires; empty: never.
    #[serde(default)]
    expires_in: String,
}

/// POST /settings/invites
pub async fn create_invite(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<InviteForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let number = |text: &str| -> Result<Option<i64>, AppError> {
        match text.trim() {
            "" => Ok(None),
            n => n
                .parse()
                .map(Some)
                .map_err(|_| AppError::Invalid("Validation failed: not a number".into())),
        }
    };
    let outcome = match (number(&form.max_uses), number(&form.expires_in)) {
        (Ok(max_uses), Ok(expires_in)) => {
            let max_uses = max_uses.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
            actions::invites::create(&state, &member.user, max_uses, expires_in)
                .await
                .map(|_| ())
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/settings/invites").into_response()),
        Err(AppError::Invalid(reason) | AppError::Forbidden(reason)) => {
            let message = reason.trim_start_matches("Validation failed: ").to_owned();
            let page = page(&state, &member, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct RevokeForm {
    #[serde(default)]
    authenticity_token: String,
}

/// POST /settings/invites/{id}/revoke
pub async fn revoke_invite(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    PageParams(form): PageParams<RevokeForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, "There is no such invite."))?;
    actions::invites::revoke(&state.db, member.account_id(), id).await?;
    Ok(Redirect::to("/settings/invites").into_response())
}
