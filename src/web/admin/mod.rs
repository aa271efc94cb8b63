//! The admin area under `/admin`: pages for the server's administrators (role `admin`) only.

mod announcements;
mod blocklists;
mod domain_allows;
mod domain_blocks;
mod reports;
mod sign_up_blocks;
mod sign_ups;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::app::AppState;
use crate::db::users::User;
use crate::error::PageError;
use crate::web::session::Browser;

/// The routes of the admin area.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/domain_blocks") }))
        .route(
            "/admin/domain_blocks",
            get(domain_blocks::show_domain_blocks).post(domain_blocks::create_domain_block),
        )
        .route(
            "/admin/domain_blocks/{id}",
            post(domain_blocks::update_domain_block),
        )
        .route(
            "/admin/domain_blocks/{id}/edit",
            get(domain_blocks::edit_domain_block),
        )
        .route(
            "/admin/domain_blocks/{id}/delete",
            post(domain_blocks::delete_domain_block),
        )
        .route(
            "/admin/domain_allows",
            get(domain_allows::show_domain_allows).post(domain_allows::create_domain_allow),
        )
        .route(
            "/admin/domain_allows/{id}/delete",
            post(domain_allows::delete_domain_allow),
        )
        .route(
            "/admin/domain_blocks/import",
            get(blocklists::show_import)
                .post(blocklists::post_import)
                .layer(axum::extract::DefaultBodyLimit::max(blocklists::MAX_IMPORT_BYTES)),
        )
        .route("/admin/domain_blocks/export.csv", get(blocklists::get_export))
        .route(
            "/admin/blocklist_subscriptions",
            get(blocklists::show_subscriptions).post(blocklists::post_subscriptions),
        )
        .route(
            "/admin/announcements",
            get(announcements::show_announcements).post(announcements::create_announcement),
        )
        .route(
            "/admin/announcements/{id}/publish",
            post(announcements::publish_announcement),
        )
        .route(
            "/admin/announcements/{id}/unpublish",
            post(announcements::unpublish_announcement),
        )
        .route(
            "/admin/announcements/{id}/delete",
            post(announcements::delete_announcement),
        )
        .route("/admin/reports", get(reports::show_reports))
        .route("/admin/accounts", get(sign_ups::show_sign_ups))
        .route("/admin/accounts/{id}", post(sign_ups::decide))
        .route(
            "/admin/sign_up_blocks",
            get(sign_up_blocks::show).post(sign_up_blocks::add),
        )
        .route(
            "/admin/sign_up_blocks/{kind}/{id}/delete",
            post(sign_up_blocks::lift),
        )
        .route("/admin/reports/{id}", post(reports::handle_report))
}

/// Why an admin page is not shown.
#[derive(Debug)]
pub enum Refused {
    /// Nobody is signed in: sign in, then come back to this path.
    SignIn(String),
    /// A page naming the problem (403 for members, 404, a bad form).
    Page(PageError),
}

impl From<PageError> for Refused {
    fn from(error: PageError) -> Self {
        Refused::Page(error)
    }
}

impl From<sqlx::Error> for Refused {
    fn from(error: sqlx::Error) -> Self {
        Refused::Page(error.into())
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignIn(return_to) => {
                let query: String = form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
                Redirect::to(&format!("/auth/sign_in?return_to={query}")).into_response()
            }
            Refused::Page(error) => error.into_response(),
        }
    }
}

/// The signed-in administrator, or the answer for everyone else: anonymous browsers are sent
/// to sign in (and brought back to `return_to`), other members get a 403 page.
pub fn require_admin<'a>(browser: &'a Browser, return_to: &str) -> Result<&'a User, Refused> {
    require_role(
        browser,
        return_to,
        &["admin"],
        "This page is for the server's administrators.",
    )
}

/// As [`require_admin`], for pages moderators use too (reports, as in Mastodon and the API).
pub fn require_staff<'a>(browser: &'a Browser, return_to: &str) -> Result<&'a User, Refused> {
    require_role(
        browser,
        return_to,
        &["admin", "moderator"],
        "This page is for the server's moderators and administrators.",
    )
}

fn require_role<'a>(
    browser: &'a Browser,
    return_to: &str,
    roles: &[&str],
    refusal: &str,
) -> Result<&'a User, Refused> {
    match &browser.user {
        Some(user) if roles.contains(&user.role.as_str()) => Ok(user),
        Some(_) => Err(Refused::Page(PageError::new(StatusCode::FORBIDDEN, refusal))),
        None => Err(Refused::SignIn(return_to.to_owned())),
    }
}

/// Refuses a form without this browser's CSRF token, then anyone but an administrator.
pub fn admin_form<'a>(browser: &'a Browser, token: &str, return_to: &str) -> Result<&'a User, Refused> {
    browser.verify_csrf(token)?;
    require_admin(browser, return_to)
}

/// Refuses a form without this browser's CSRF token, then anyone but the staff.
pub fn staff_form<'a>(browser: &'a Browser, token: &str, return_to: &str) -> Result<&'a User, Refused> {
    browser.verify_csrf(token)?;
    require_staff(browser, return_to)
}

/// An id from the path; anything else leads nowhere.
fn parse_id(text: &str) -> Result<i64, Refused> {
    text.parse().map_err(|_| not_found())
}

/// The refusal for a path that names nothing.
fn not_found() -> Refused {
    Refused::Page(PageError::new(
        StatusCode::NOT_FOUND,
        "There is nothing at this address.",
    ))
}

/// How a time is shown in the admin tables.
fn shown_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}
