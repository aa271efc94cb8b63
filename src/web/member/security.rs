//! Settings for signing in safely: the email address (changed with confirmation), the staff's
//! mail notices, and two-factor sign-in (set up with a QR code, recovery codes, turned off).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Member, PageParams};
use crate::actions;
use crate::actions::emails::EmailChangeRefusal;
use crate::actions::two_factor::Refusal;
use crate::app::AppState;
use crate::db;
use crate::error::PageError;
use crate::mastodon::rate_limit::Limit;
use crate::web::nav::Nav;

/// The security settings' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/email", get(show_email).post(change_email))
        .route("/settings/email/notices", post(save_notices))
        .route("/settings/two_factor", get(show_two_factor))
        .route("/settings/two_factor/enable", post(enable_two_factor))
        .route("/settings/two_factor/disable", post(disable_two_factor))
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_email.html")]
struct EmailPage {
    nav: Nav,
    csrf_token: String,
    email: String,
    confirmed: bool,
    unconfirmed_email: Option<String>,
    mail_off: bool,
    staff: bool,
    on_pending_sign_up: bool,
    on_report: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn email_page(state: &AppState, member: &Member, notice: Option<String>, error: Option<String>) -> EmailPage {
    let user = &member.user;
    EmailPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        email: user.email.clone(),
        confirmed: user.confirmed_at.is_some(),
        unconfirmed_email: user.unconfirmed_email.clone(),
        mail_off: !state.config.email.sends(),
        staff: matches!(user.role.as_str(), "admin" | "moderator"),
        on_pending_sign_up: user.email_on_pending_sign_up,
        on_report: user.email_on_report,
        notice,
        error,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// GET /settings/email
pub async fn show_email(
    State(state): State<AppState>,
    member: Member,
    PageParams(query): PageParams<SavedQuery>,
) -> Response {
    let notice = match query.saved.as_deref() {
        Some("email") => Some("Check your new address: we sent it a link to confirm the change. Until then your old address stays in use.".to_owned()),
        Some("notices") => Some("Your mail preferences were saved.".to_owned()),
        _ => None,
    };
    let page = email_page(&state, &member, notice, None);
    (member.browser.jar, page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

/// Password guesses on these forms count against the account's sign-in attempts.
fn count_password_guess(state: &AppState, member: &Member) -> bool {
    let limit = Limit {
        name: "password_change",
        max: state.config.rate_limits.sign_in_per_account,
        period: std::time::Duration::from_secs(300),
    };
    state.limiter.hit(limit, &member.user.id.to_string()).is_ok()
}

/// POST /settings/email
pub async fn change_email(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<EmailForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let refuse = |message: String, status: StatusCode| {
        (status, email_page(&state, &member, None, Some(message))).into_response()
    };
    if !count_password_guess(&state, &member) {
        return Ok(refuse(
            "Too many attempts. Wait a few minutes and try again.".into(),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    match actions::emails::change_email(&state, member.user.id, &form.current_password, &form.email).await? {
        Ok(()) => Ok(Redirect::to("/settings/email?saved=email").into_response()),
        Err(EmailChangeRefusal::WrongPassword) => Ok(refuse(
            "The current password is not right.".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(EmailChangeRefusal::Unacceptable(problem)) => {
            Ok(refuse(problem, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticesForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    pending_sign_up: bool,
    #[serde(default)]
    report: bool,
}

/// POST /settings/email/notices (staff)
pub async fn save_notices(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<NoticesForm>,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    actions::emails::set_staff_preferences(&state.db, &member.user, form.pending_sign_up, form.report)
        .await?;
    Ok(Redirect::to("/settings/email?saved=notices").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "settings_two_factor.html")]
struct TwoFactorPage {
    nav: Nav,
    csrf_token: String,
    enabled: bool,
    setup: Option<actions::two_factor::Setup>,
    codes_left: i64,
    /// Recovery codes just made, shown once.
    recovery_codes: Vec<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn two_factor_page(
    state: &AppState,
    member: &Member,
    notice: Option<String>,
    error: Option<String>,
) -> Result<TwoFactorPage, PageError> {
    let account = db::accounts::find(&state.db, member.account_id())
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "Your account is gone."))?;
    let setup = actions::two_factor::setup(state, member.user.id, &account.username).await?;
    Ok(TwoFactorPage {
        nav: member.nav(),
        csrf_token: member.csrf_token(),
        enabled: setup.is_none(),
        setup,
        codes_left: db::two_factor::recovery_codes_left(&state.db, member.user.id).await?,
        recovery_codes: Vec::new(),
        notice,
        error,
    })
}

/// GET /settings/two_factor
pub async fn show_two_factor(
    State(state): State<AppState>,
    member: Member,
    PageParams(query): PageParams<SavedQuery>,
) -> Result<Response, PageError> {
    let notice = (query.saved.as_deref() == Some("off")).then(|| "Two-factor sign-in is off.".to_owned());
    let page = two_factor_page(&state, &member, notice, None).await?;
    Ok((member.browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    current_password: String,
}

fn refusal_text(refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::WrongPassword => "The current password is not right.",
        Refusal::WrongCode => "That code is not right, or was used already. Try the next one.",
        Refusal::AlreadyDone => "Nothing to do: it is that way already.",
    }
}

/// POST /settings/two_factor/enable: on success the page shows the recovery codes, once.
pub async fn enable_two_factor(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<CodeForm>,
) -> Result<Response, PageError> {
    change_two_factor(&state, &member, &form, true).await
}

/// POST /settings/two_factor/disable
pub async fn disable_two_factor(
    State(state): State<AppState>,
    member: Member,
    PageParams(form): PageParams<CodeForm>,
) -> Result<Response, PageError> {
    change_two_factor(&state, &member, &form, false).await
}

/// Turns two-factor sign-in on or off after the password and a code.
async fn change_two_factor(
    state: &AppState,
    member: &Member,
    form: &CodeForm,
    turn_on: bool,
) -> Result<Response, PageError> {
    member.verify_csrf(&form.authenticity_token)?;
    let refused = |status: StatusCode, error: &str| {
        let error = error.to_owned();
        async move {
            let page = two_factor_page(state, member, None, Some(error)).await?;
            Ok::<_, PageError>((status, page).into_response())
        }
    };
    if !count_password_guess(state, member) {
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a few minutes and try again.",
        )
        .await;
    }
    let (user, password, code) = (member.user.id, &form.current_password, &form.code);
    let outcome = if turn_on {
        actions::two_factor::enable(state, user, password, code)
            .await?
            .map(Some)
    } else {
        actions::two_factor::disable(state, user, password, code)
            .await?
            .map(|()| None)
    };
    match outcome {
        Ok(Some(codes)) => {
            let mut page =
                two_factor_page(state, member, Some("Two-factor sign-in is on.".into()), None).await?;
            page.recovery_codes = codes;
            Ok(page.into_response())
        }
        Ok(None) => Ok(Redirect::to("/settings/two_factor?saved=off").into_response()),
        Err(refusal) => refused(StatusCode::UNPROCESSABLE_ENTITY, refusal_text(refusal)).await,
    }
}
