//! The Mastodon admin API (`/api/v1/admin`): domain rules, accounts and reports, who may use
//! them, and the domain routes (accounts and reports are routed with the members' reports).

pub mod accounts;
mod domain_allows;
mod domain_blocks;
pub mod reports;
mod sign_up_blocks;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::Auth;
use crate::mastodon::pagination::PageParams;

/// Admin lists: 100 a page unless asked, at most 200 (Mastodon's admin limits).
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 200;

/// The page size asked for, within the admin limits.
fn limit(page: &PageParams) -> i64 {
    page_size(page.limit)
}

/// A page size within the admin limits (lists with their own parameter types ask this way).
fn page_size(asked: Option<i64>) -> i64 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// The staff member (admin or moderator) behind a token that holds one of `scopes`: 403 for
/// anyone else. Accounts and reports are the staff's; domain rules are the admins' alone.
fn require_staff<'a>(auth: &'a Auth, scopes: &[&str]) -> AppResult<&'a crate::mastodon::auth::AuthUser> {
    let user = auth.require_user(scopes)?;
    if matches!(user.role.as_str(), "admin" | "moderator") {
        Ok(user)
    } else {
        Err(AppError::Forbidden("This action is not allowed".into()))
    }
}

/// The member behind a token holding one of `scopes`, if they may manage federation. In
/// Mastodon that is the `manage_federation` permission, which of the default roles only Admin
/// holds: moderators are refused (403) like everyone else.
fn federation_manager(auth: &Auth, scopes: &[&str]) -> AppResult<i64> {
    let user = auth.require_user(scopes)?;
    if user.role == "admin" {
        Ok(user.account_id)
    } else {
        Err(AppError::Forbidden("This action is not allowed".into()))
    }
}

/// Every admin route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/domain_blocks",
            get(domain_blocks::list_domain_blocks).post(domain_blocks::create_domain_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(domain_blocks::get_domain_block)
                .put(domain_blocks::update_domain_block)
                .delete(domain_blocks::delete_domain_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(domain_allows::list_domain_allows).post(domain_allows::create_domain_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(domain_allows::get_domain_allow).delete(domain_allows::delete_domain_allow),
        )
        .route(
            "/api/v1/admin/email_domain_blocks",
            get(sign_up_blocks::list_email_domain_blocks).post(sign_up_blocks::create_email_domain_block),
        )
        .route(
            "/api/v1/admin/email_domain_blocks/{id}",
            get(sign_up_blocks::get_email_domain_block).delete(sign_up_blocks::delete_email_domain_block),
        )
        .route(
            "/api/v1/admin/ip_blocks",
            get(sign_up_blocks::list_ip_blocks).post(sign_up_blocks::create_ip_block),
        )
        .route(
            "/api/v1/admin/ip_blocks/{id}",
            get(sign_up_blocks::get_ip_block)
                .put(sign_up_blocks::update_ip_block)
                .delete(sign_up_blocks::delete_ip_block),
        )
}
