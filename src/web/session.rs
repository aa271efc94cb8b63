//! Browser sessions (a cookie naming a server-side session) and CSRF tokens for every form.
//!
//! CSRF: each browser gets a random token in an HttpOnly, SameSite=Lax cookie; every form
//! carries it in `authenticity_token`, and a POST whose field does not match is refused.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::app::AppState;
use crate::config::Config;
use crate::db;
use crate::error::{AppError, PageError};
use crate::secrets;

/// Cookie naming the signed-in session.
pub const SESSION_COOKIE: &str = "_ferrodon_session";
/// Cookie holding the browser's CSRF token.
pub const CSRF_COOKIE: &str = "_ferrodon_csrf";

/// A browser: who is signed in, its CSRF token, and the cookies to send back.
#[derive(Debug)]
pub struct Browser {
    pub user: Option<db::users::User>,
    pub csrf_token: String,
    pub jar: CookieJar,
}

/// A cookie as ferrodon sets them: HttpOnly, SameSite=Lax, whole site, Secure over https.
pub fn cookie(config: &Config, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.server.https)
        .build()
}

/// The session cookie: as [`cookie`], kept for the session's lifetime (`Max-Age`), so that a
/// browser restart does not sign the member out before the server would.
pub fn session_cookie(config: &Config, value: String) -> Cookie<'static> {
    let mut cookie = cookie(config, SESSION_COOKIE, value);
    cookie.set_max_age(time::Duration::days(crate::actions::sessions::SESSION_DAYS));
    cookie
}

impl Browser {
    /// Refuses a form whose `authenticity_token` does not match this browser's.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if !submitted.is_empty() && secrets::constant_time_eq(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
            ))
        }
    }

    /// The signed-in member, or an error page.
    pub fn signed_in(&self) -> Result<&db::users::User, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError::new(StatusCode::UNAUTHORIZED, "Sign in first."))
    }
}

impl FromRequestParts<AppState> for Browser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut jar = CookieJar::from_headers(&parts.headers);
        let mut user = None;
        if let Some(session) = jar.get(SESSION_COOKIE)
            && let Some(user_id) =
                db::sessions::find_user_id(&state.db, &secrets::digest(session.value())).await?
        {
            // A member disabled or suspended since signing in is signed out.
            user = db::users::find_active(&state.db, user_id).await?;
        }
        let csrf_token = match jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()) {
            Some(token) if token.len() >= 32 => token,
            _ => {
                let token = secrets::random_token().map_err(AppError::Internal)?;
                jar = jar.add(cookie(&state.config, CSRF_COOKIE, token.clone()));
                token
            }
        };
        Ok(Self {
            user,
            csrf_token,
            jar,
        })
    }
}

/// `path` as a safe place to send a browser after signing in: a path on this host, re-serialised
/// as a browser would read it. A browser drops tabs and newlines from a URL and reads a backslash
/// as `/`, so `/<tab>/evil.test` would lead off the site: any control character or backslash is
/// refused outright, and what is left must resolve to a path on this host that does not begin
/// with `//` (which a browser would read as another host).
pub fn local_path(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.contains(|c: char| c.is_control() || c == '\\') {
        return None;
    }
    let base = url::Url::parse("http://this.host.invalid/").ok()?;
    let resolved = base.join(path).ok()?;
    let same_host = resolved.scheme() == base.scheme()
        && resolved.host_str() == base.host_str()
        && resolved.port() == base.port()
        && resolved.username().is_empty()
        && resolved.password().is_none();
    let local = &resolved[url::Position::BeforePath..];
    (same_host && !local.starts_with("//")).then(|| local.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_return_targets() {
        assert!(local_path("/oauth/authorize?client_id=x").is_some());
        for bad in [
            "//evil.test/x",
            "https://evil.test",
            "/\\evil.test",
            "relative",
            "/a\r\nSet-Cookie: x",
            "/\t/evil.test",
            "\t//evil.test",
            "/\n/evil.test",
            "/\u{0}/evil.test",
            "/\u{7f}/evil.test",
            "/x\\..\\\\evil.test",
            "/%09/evil.test/../..//evil.test",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path("/a/../b?c=d#e").as_deref(), Some("/b?c=d#e"));
        // An encoded tab stays encoded: a browser does not decode it into the path's meaning.
        assert_eq!(local_path("/%09/evil.test").as_deref(), Some("/%09/evil.test"));
    }
}
