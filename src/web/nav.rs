//! The navigation every page carries: a member's links and sign-out, or a visitor's way in.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::CookieJar;

use super::session::{Browser, CSRF_COOKIE, SESSION_COOKIE};
use crate::app::AppState;
use crate::db;
use crate::secrets;

/// Who the page is for, as far as the navigation needs to know.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// The signed-in member's account id (their profile is `/accounts/ID`).
    pub member: Option<i64>,
    /// Whether the member is staff (moderator or admin), for the link to the admin pages.
    pub staff: bool,
    /// The browser's CSRF token, for the sign-out button (without it, a link to the sign-out page).
    pub csrf_token: Option<String>,
    /// Whether the page knows who reads it at all (error pages do not look).
    pub known: bool,
}

impl Nav {
    /// The navigation for a browser the page has already identified.
    pub fn of(browser: &Browser) -> Self {
        Nav {
            member: browser.user.as_ref().map(|user| user.account_id),
            staff: browser
                .user
                .as_ref()
                .is_some_and(|user| matches!(user.role.as_str(), "admin" | "moderator")),
            csrf_token: Some(browser.csrf_token.clone()),
            known: true,
        }
    }

    /// The navigation for a page that does not otherwise read cookies (public pages a cache may
    /// keep): it looks up the session but never sets a cookie.
    pub async fn peek(state: &AppState, headers: &HeaderMap) -> Self {
        let jar = CookieJar::from_headers(headers);
        let mut nav = Nav {
            known: true,
            ..Nav::default()
        };
        if let Some(session) = jar.get(SESSION_COOKIE)
            && let Ok(Some(user_id)) =
                db::sessions::find_user_id(&state.db, &secrets::digest(session.value())).await
            && let Ok(Some(user)) = db::users::find_active(&state.db, user_id).await
        {
            nav.staff = matches!(user.role.as_str(), "admin" | "moderator");
            nav.member = Some(user.account_id);
            nav.csrf_token = jar
                .get(CSRF_COOKIE)
                .map(|cookie| cookie.value().to_owned())
                .filter(|token| token.len() >= 32);
        }
        nav
    }

    /// Navigation for a page only visitors see (sign-in and sign-up forms).
    pub fn visitor() -> Self {
        Nav {
            known: true,
            ..Nav::default()
        }
    }

    /// Navigation for a page that does not know its reader (error pages).
    pub fn unknown() -> Self {
        Nav::default()
    }
}
