//! The pages mailed links lead to, and the forms that ask for those mails: confirming an
//! address (and asking for the mail again), and resetting a forgotten password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Duration;

use crate::actions;
use crate::actions::emails::Confirmed;
use crate::actions::password_resets::ResetRefusal;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::mastodon::rate_limit::{ClientIp, Limit};
use crate::web::auth::MessagePage;
use crate::web::nav::Nav;
use crate::web::session::Browser;

/// A form asking for one address (or username) to mail a link to.
#[derive(Template, WebTemplate)]
#[template(path = "email_request.html")]
struct RequestPage {
    nav: Nav,
    heading: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    csrf_token: String,
    /// Why the form cannot work here (no mail), instead of the form.
    unavailable: Option<String>,
    notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "password_edit.html")]
struct NewPasswordPage {
    nav: Nav,
    csrf_token: String,
    token: String,
    error: Option<String>,
}

fn no_mail(state: &AppState) -> Option<String> {
    (!state.config.email.sends()).then(|| {
        let contact = &state.config.instance.contact_email;
        if contact.is_empty() {
            "This server does not send mail. Ask its staff for help.".to_owned()
        } else {
            format!("This server does not send mail. Write to the staff at {contact} for help.")
        }
    })
}

fn message(heading: &str, message: &str) -> Response {
    MessagePage {
        heading: heading.into(),
        message: message.into(),
    }
    .into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct ConfirmationQuery {
    #[serde(default)]
    confirmation_token: String,
}

/// GET /auth/confirmation?confirmation_token=…
pub async fn confirm(
    State(state): State<AppState>,
    Params(query): Params<ConfirmationQuery>,
) -> Result<Response, PageError> {
    Ok(match actions::emails::confirm(&state, &query.confirmation_token).await? {
        Confirmed::Done(_) => message(
            "Your address is confirmed",
            "Thank you. You can sign in now, in the browser or in any app.",
        ),
        Confirmed::Taken => (
            StatusCode::CONFLICT,
            message(
                "That address is taken",
                "Another account uses this address now, so it was not changed. Choose another in your settings.",
            ),
        )
            .into_response(),
        Confirmed::Invalid => (
            StatusCode::NOT_FOUND,
            message(
                "This link does not work",
                "It was used already, or it expired. Ask for a new mail on the sign-in page.",
            ),
        )
            .into_response(),
    })
}

fn confirmation_request(state: &AppState, browser: &Browser, notice: Option<String>) -> RequestPage {
    RequestPage {
        nav: Nav::visitor(),
        heading: "Confirmation mail",
        intro: "Enter the address you signed up with, and we will send the confirmation link again.",
        action: "/auth/confirmation/new",
        button: "Send the link again",
        csrf_token: browser.csrf_token.clone(),
        unavailable: no_mail(state),
        notice,
    }
}

fn reset_request(state: &AppState, browser: &Browser, notice: Option<String>) -> RequestPage {
    RequestPage {
        nav: Nav::visitor(),
        heading: "Forgot your password?",
        intro: "Enter your address or username, and we will mail you a link to choose a new password.",
        action: "/auth/password/new",
        button: "Send the link",
        csrf_token: browser.csrf_token.clone(),
        unavailable: no_mail(state),
        notice,
    }
}

/// GET /auth/confirmation/new
pub async fn show_confirmation_request(State(state): State<AppState>, browser: Browser) -> Response {
    let page = confirmation_request(&state, &browser, None);
    (browser.jar, page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    authenticity_token: String,
}

/// Mails asked for by address are counted per client address, as sign-ups are.
fn count_request(state: &AppState, ip: &str) -> Result<(), PageError> {
    state.limiter.hit(
        Limit {
            name: "mail_request",
            max: state.config.rate_limits.sign_up_per_ip,
            period: Duration::from_secs(1800),
        },
        ip,
    )?;
    Ok(())
}

/// POST /auth/confirmation/new: the same answer whether or not the address is known.
pub async fn request_confirmation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: Browser,
    Params(form): Params<LoginForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    count_request(&state, &ip)?;
    if let Some(user) = db::users::find_by_login(&state.db, form.email.trim()).await?
        && user.confirmed_at.is_none()
    {
        match actions::emails::resend_confirmation(&state, user.id, None).await {
            Ok(()) | Err(AppError::RateLimited { .. } | AppError::Forbidden(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    let page = confirmation_request(
        &state,
        &browser,
        Some("If that address awaits confirmation, a new link is on its way.".into()),
    );
    Ok(page.into_response())
}

/// GET /auth/password/new
pub async fn show_reset_request(State(state): State<AppState>, browser: Browser) -> Response {
    let page = reset_request(&state, &browser, None);
    (browser.jar, page).into_response()
}

/// POST /auth/password/new: the same answer whether or not the account exists.
pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: Browser,
    Params(form): Params<LoginForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    count_request(&state, &ip)?;
    actions::password_resets::request(&state, &form.email).await?;
    let page = reset_request(
        &state,
        &browser,
        Some("If there is an account with that address or username, a link to choose a new password is on its way. It works for two hours.".into()),
    );
    Ok(page.into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ResetQuery {
    #[serde(default)]
    reset_password_token: String,
}

/// GET /auth/password/edit?reset_password_token=…
pub async fn show_new_password(
    State(state): State<AppState>,
    browser: Browser,
    Params(query): Params<ResetQuery>,
) -> Result<Response, PageError> {
    if !actions::password_resets::is_valid(&state.db, &query.reset_password_token).await? {
        return Err(invalid_reset_link());
    }
    let page = NewPasswordPage {
        nav: Nav::visitor(),
        csrf_token: browser.csrf_token.clone(),
        token: query.reset_password_token,
        error: None,
    };
    Ok((browser.jar, page).into_response())
}

fn invalid_reset_link() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "This link does not work: it was used already, or it expired. Ask for a new one under \"Forgot your password?\".",
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct NewPasswordForm {
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    authenticity_token: String,
}

/// POST /auth/password/edit
pub async fn save_new_password(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<NewPasswordForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    let refuse = |error: String| {
        let page = NewPasswordPage {
            nav: Nav::visitor(),
            csrf_token: browser.csrf_token.clone(),
            token: form.reset_password_token.clone(),
            error: Some(error),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if form.password != form.password_confirmation {
        return Ok(refuse("The password and its confirmation differ.".into()));
    }
    match actions::password_resets::reset(&state, &form.reset_password_token, &form.password).await? {
        Ok(_) => Ok(message(
            "Your password was changed",
            "You were signed out everywhere, apps included. Sign in with the new password.",
        )),
        Err(ResetRefusal::Unacceptable(problem)) => Ok(refuse(problem)),
        Err(ResetRefusal::InvalidLink) => Err(invalid_reset_link()),
    }
}
