//! The second step of signing in, for members with two-factor sign-in: a code from their app
//! or a recovery code. The OAuth authorization page signs in through here too.

use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::error::PageError;
use crate::mastodon::params::Params;
use crate::mastodon::rate_limit::Limit;
use crate::web::nav::Nav;
use crate::web::session::{Browser, cookie, session_cookie};

/// Cookie holding the pending sign-in's secret while the code is asked for.
const CHALLENGE_COOKIE: &str = "_ferrodon_two_factor";

#[derive(Template, WebTemplate)]
#[template(path = "two_factor_sign_in.html")]
struct CodePage {
    nav: Nav,
    csrf_token: String,
    error: Option<String>,
}

/// Answers a right password of a member with two-factor sign-in: remembers the sign-in for a
/// few minutes and asks for the code.
pub async fn ask(
    state: &AppState,
    browser: Browser,
    user_id: i64,
    return_to: &str,
) -> Result<Response, PageError> {
    let secret = actions::two_factor::challenge(state, user_id, return_to).await?;
    let mut challenge = cookie(&state.config, CHALLENGE_COOKIE, secret);
    challenge.set_max_age(time::Duration::minutes(actions::two_factor::CHALLENGE_MINUTES));
    let page = CodePage {
        nav: Nav::visitor(),
        csrf_token: browser.csrf_token.clone(),
        error: None,
    };
    Ok((browser.jar.add(challenge), page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    authenticity_token: String,
}

/// POST /auth/sign_in/two_factor
pub async fn answer(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<CodeForm>,
) -> Result<Response, PageError> {
    browser.verify_csrf(&form.authenticity_token)?;
    let expired = || {
        PageError::new(
            StatusCode::UNAUTHORIZED,
            "The sign-in took too long. Sign in again.",
        )
    };
    let secret = browser
        .jar
        .get(CHALLENGE_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or_else(expired)?;
    let challenge = actions::two_factor::pending_sign_in(&state, &secret)
        .await?
        .ok_or_else(expired)?;
    // Codes are guessed against the account's budget of sign-in attempts.
    state.limiter.hit(
        Limit {
            name: "sign_in_account",
            max: state.config.rate_limits.sign_in_per_account,
            period: Duration::from_secs(300),
        },
        &format!("account:{}", challenge.user_id),
    )?;
    if !actions::two_factor::verify(&state, challenge.user_id, &form.code).await? {
        let page = CodePage {
            nav: Nav::visitor(),
            csrf_token: browser.csrf_token.clone(),
            error: Some("That code is not right, or was used already. Try the next one.".into()),
        };
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    actions::two_factor::end_challenge(&state, &secret).await?;
    let session = actions::sessions::start_session(&state.db, challenge.user_id).await?;
    let jar = browser
        .jar
        .remove(Cookie::build(CHALLENGE_COOKIE).path("/"))
        .add(session_cookie(&state.config, session));
    Ok((jar, Redirect::to(&challenge.return_to)).into_response())
}
