//! The admin page for sign-ups awaiting approval: who, with which address, and why they want to
//! join; approving or rejecting mails the applicant.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Refused, not_found, parse_id, require_staff, shown_time, staff_form};
use crate::actions::account_moderation::{self, Moderator};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::web::session::Browser;

const LIST_PATH: &str = "/admin/accounts";

struct Applicant {
    id: i64,
    username: String,
    email: String,
    reason: String,
    created_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_sign_ups.html")]
struct SignUpsPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    applicants: Vec<Applicant>,
}

/// GET /admin/accounts: sign-ups awaiting approval, oldest first.
pub async fn show_sign_ups(State(state): State<AppState>, browser: Browser) -> Result<Response, Refused> {
    require_staff(&browser, LIST_PATH)?;
    let filter = db::account_moderation::Filter {
        origin: Some("local".into()),
        status: Some("pending".into()),
        ..Default::default()
    };
    let mut rows = db::account_moderation::list(&state.db, &filter, None, None, 200).await?;
    rows.reverse();
    let applicants = rows
        .into_iter()
        .map(|row| Applicant {
            id: row.account_id,
            username: row.username,
            email: row.email.unwrap_or_default(),
            reason: row.sign_up_reason.unwrap_or_default(),
            created_at: shown_time(row.created_at),
        })
        .collect();
    let page = SignUpsPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(&browser),
        csrf_token: browser.csrf_token.clone(),
        current: "sign_ups",
        applicants,
    };
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    authenticity_token: String,
    /// `approve` or `reject`.
    #[serde(default)]
    decision: String,
}

/// POST /admin/accounts/{id}
pub async fn decide(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<DecisionForm>,
) -> Result<Response, Refused> {
    let user = staff_form(&browser, &form.authenticity_token, LIST_PATH)?;
    let id = parse_id(&id)?;
    let moderator = Moderator {
        account_id: user.account_id,
        role: &user.role,
    };
    let done = match form.decision.as_str() {
        "approve" => account_moderation::approve(&state, moderator, id).await,
        "reject" => account_moderation::reject(&state, moderator, id).await,
        other => Err(AppError::Invalid(format!(
            "{other:?} is neither approve nor reject"
        ))),
    };
    match done {
        Ok(()) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}
