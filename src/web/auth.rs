//! The sign-in, sign-up and sign-out pages.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

use crate::actions;
use crate::actions::sessions::SignInRefusal;
use crate::app::AppState;
use crate::config::{Config, RegistrationMode};
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::mastodon::rate_limit::{ClientIp, Limit};
use crate::web::nav::Nav;
use crate::web::session::{Browser, SESSION_COOKIE, local_path, session_cookie};

/// The sign-in form.
#[derive(Template, WebTemplate)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    nav: Nav,
    title: String,
    csrf_token: String,
    return_to: String,
    error: Option<String>,
    registrations_open: bool,
}

impl SignInPage {
    /// The form, leading back to `return_to` once signed in.
    pub fn new(config: &Config, csrf_token: &str, return_to: &str, error: Option<String>) -> Self {
        Self {
            nav: Nav::visitor(),
            title: config.title().to_owned(),
            csrf_token: csrf_token.to_owned(),
            return_to: return_to.to_owned(),
            error,
            registrations_open: config.registrations.mode.open_to_all(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_up.html")]
struct SignUpPage {
    nav: Nav,
    title: String,
    csrf_token: String,
    return_to: String,
    error: Option<String>,
    approval_required: bool,
    closed: bool,
    username: String,
    email: String,
    /// The invite the person came with (empty: none).
    invite_code: String,
}

/// A page that says one thing: a heading and a sentence.
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub heading: String,
    pub message: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    return_to: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    return_to: String,
}

fn safe_return(path: &str) -> String {
    local_path(path).unwrap_or_else(|| "/".to_owned())
}

/// GET /auth/sign_in
pub async fn show_sign_in(
    State(state): State<AppState>,
    browser: Browser,
    Params(query): Params<SignInQuery>,
) -> Response {
    let page = SignInPage::new(
        &state.config,
        &browser.csrf_token,
        &safe_return(&query.return_to),
        None,
    );
    (browser.jar, page).into_response()
}

/// POST /auth/sign_in
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: Browser,
    Params(form): Params<SignInForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    if actions::sign_up_blocks::severity_for(&state.db, &ip).await?
        == Some(actions::sign_up_blocks::Severity::NoAccess)
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Signing in from your address is not allowed here.",
        ));
    }
    let return_to = safe_return(&form.return_to);
    let limits = &state.config.rate_limits;
    let per_ip = Limit {
        name: "sign_in_ip",
        max: limits.sign_in_per_ip,
        period: Duration::from_secs(300),
    };
    let per_account = Limit {
        name: "sign_in_account",
        max: limits.sign_in_per_account,
        period: Duration::from_secs(300),
    };
    // Counted per address, then per account (whichever spelling of it was typed).
    let counted = match state.limiter.hit(per_ip, &ip) {
        Ok(()) => {
            let attempt = actions::sessions::attempt(&state.db, &form.username).await?;
            state
                .limiter
                .hit(per_account, &attempt.counted_as)
                .map(|()| attempt)
        }
        Err(error) => Err(error),
    };
    let attempt = match counted {
        Ok(attempt) => attempt,
        Err(error) => {
            // The page, with the 429 status and headers clients and proxies understand.
            let mut response = error.into_response();
            let page = SignInPage::new(
                &state.config,
                &browser.csrf_token,
                &return_to,
                Some("Too many attempts. Wait a few minutes and try again.".into()),
            );
            let headers = response.headers().clone();
            response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
            for name in [
                "retry-after",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ] {
                if let Some(value) = headers.get(name) {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            return Ok(response);
        }
    };
    let require_confirmation = state.config.registrations.require_email_confirmation;
    let user = match actions::sessions::check_password(attempt, &form.password, require_confirmation).await? {
        Ok(user) => user,
        Err(refusal) => {
            let message = match refusal {
                SignInRefusal::WrongCredentials => "Invalid email, username or password.",
                SignInRefusal::PendingApproval => "Your account is waiting for the staff's approval.",
                SignInRefusal::Unconfirmed => {
                    "Confirm your email address first: follow the link in the mail we sent. \
                     No mail? Ask for another under \"Didn't receive a confirmation mail?\" below."
                }
            };
            let page = SignInPage::new(
                &state.config,
                &browser.csrf_token,
                &return_to,
                Some(message.into()),
            );
            return Ok((StatusCode::UNAUTHORIZED, browser.jar, page).into_response());
        }
    };
    if user.otp_enabled {
        return crate::web::two_factor_sign_in::ask(&state, browser, user.id, &return_to).await;
    }
    let session = actions::sessions::start_session(&state.db, user.id).await?;
    let jar = browser.jar.add(session_cookie(&state.config, session));
    Ok((jar, Redirect::to(&return_to)).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    authenticity_token: String,
}

/// The sign-out page, for a browser whose navigation had no form to sign out with.
#[derive(Template, WebTemplate)]
#[template(path = "sign_out.html")]
pub struct SignOutPage {
    nav: Nav,
    csrf_token: String,
}

/// GET /auth/sign_out
pub async fn show_sign_out(browser: Browser) -> Response {
    if browser.user.is_none() {
        return Redirect::to("/").into_response();
    }
    let page = SignOutPage {
        nav: Nav::of(&browser),
        csrf_token: browser.csrf_token.clone(),
    };
    (browser.jar, page).into_response()
}

/// POST /auth/sign_out
pub async fn sign_out(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<CsrfForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    if let Some(session) = browser.jar.get(SESSION_COOKIE) {
        actions::sessions::end_session(&state.db, session.value()).await?;
    }
    let jar = browser.jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

/// GET /auth/sign_up
pub async fn show_sign_up(
    State(state): State<AppState>,
    browser: Browser,
    Params(query): Params<SignInQuery>,
) -> Response {
    sign_up_page(&state, browser, safe_return(&query.return_to), None)
}

/// GET /invite/{code}: the sign-up form with an invite, which opens it in every mode and skips
/// approval.
pub async fn show_invite(
    State(state): State<AppState>,
    browser: Browser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    match actions::invites::usable(&state.db, &code).await {
        Ok(invite) => Ok(sign_up_page(&state, browser, "/".into(), Some(invite.code))),
        Err(AppError::Forbidden(_)) => Err(PageError::new(
            StatusCode::NOT_FOUND,
            "This invite link is not valid anymore: it expired, was used up or was revoked.",
        )),
        Err(error) => Err(error.into()),
    }
}

fn sign_up_page(
    state: &AppState,
    browser: Browser,
    return_to: String,
    invite_code: Option<String>,
) -> Response {
    let mode = state.config.registrations.mode;
    let invited = invite_code.is_some();
    let page = SignUpPage {
        nav: Nav::visitor(),
        title: state.config.title().to_owned(),
        csrf_token: browser.csrf_token.clone(),
        return_to,
        error: None,
        approval_required: mode == RegistrationMode::Approval && !invited,
        closed: !mode.open_to_all() && !invited,
        username: String::new(),
        email: String::new(),
        invite_code: invite_code.unwrap_or_default(),
    };
    let status = if page.closed {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    (status, browser.jar, page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    agreement: bool,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    invite_code: String,
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    return_to: String,
}

/// POST /auth/sign_up
pub async fn sign_up_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    browser: Browser,
    Params(form): Params<SignUpForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    let mode = state.config.registrations.mode;
    let invited = !form.invite_code.trim().is_empty();
    if !mode.open_to_all() && !invited {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Sign-ups are closed on this server.",
        ));
    }
    state.limiter.hit(
        Limit {
            name: "sign_up",
            max: state.config.rate_limits.sign_up_per_ip,
            period: Duration::from_secs(1800),
        },
        &ip,
    )?;
    let return_to = safe_return(&form.return_to);
    let refuse = |message: String| {
        let page = SignUpPage {
            nav: Nav::visitor(),
            title: state.config.title().to_owned(),
            csrf_token: browser.csrf_token.clone(),
            return_to: return_to.clone(),
            error: Some(message),
            approval_required: mode == RegistrationMode::Approval && !invited,
            closed: false,
            username: form.username.clone(),
            email: form.email.clone(),
            invite_code: form.invite_code.clone(),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if form.password != form.password_confirmation {
        return Ok(refuse("The password and its confirmation differ.".into()));
    }
    let request = actions::accounts::SignUp {
        username: &form.username,
        email: &form.email,
        password: &form.password,
        agreement: form.agreement,
        locale: None,
        reason: form.reason.as_deref(),
        ip: &ip,
        invite_code: invited.then_some(form.invite_code.as_str()),
    };
    let created = match actions::accounts::sign_up(&state, &request).await {
        Ok(created) => created,
        Err(error @ (AppError::Validation { .. } | AppError::Invalid(_) | AppError::Forbidden(_))) => {
            return Ok(refuse(
                error
                    .to_string()
                    .trim_start_matches("Validation failed: ")
                    .to_owned(),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let confirm = if state.config.email.sends() {
        format!(
            " We sent a mail to {} with a link to confirm your address.",
            form.email.trim()
        )
    } else {
        String::new()
    };
    if mode == RegistrationMode::Approval && !invited {
        let page = MessagePage {
            heading: "Thank you for signing up".into(),
            message: format!(
                "The staff will review your request; you can sign in once it is approved.{confirm}"
            ),
        };
        return Ok(page.into_response());
    }
    if state.config.registrations.require_email_confirmation {
        let page = MessagePage {
            heading: "Check your mail".into(),
            message: format!("{} Follow it, then sign in.", confirm.trim()),
        };
        return Ok(page.into_response());
    }
    let session = actions::sessions::start_session(&state.db, created.user_id).await?;
    let jar = browser.jar.add(session_cookie(&state.config, session));
    Ok((jar, Redirect::to(&return_to)).into_response())
}
