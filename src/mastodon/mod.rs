//! The Mastodon client API (`/api/v1`, `/api/v2`, `/oauth`): handlers, entities, parameters.

mod accounts;
mod announcements;
pub mod auth;
pub mod entities;
mod filters;
mod follow_requests;
mod followed_tags;
mod instance;
pub mod languages;
mod lists;
mod markers;
pub mod oauth;
pub mod pagination;
pub mod params;
pub mod rate_limit;
pub mod scopes;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::app::AppState;

pub use accounts::{SignUp, sign_up};
pub use instance::privacy_policy_html;

/// Every Mastodon API route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(oauth::routes())
        .route("/api/v1/accounts", post(accounts::create_account))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup_account))
        .route("/api/v1/accounts/relationships", get(accounts::get_relationships))
        .route("/api/v1/accounts/{id}", get(accounts::get_account))
        .route("/api/v1/accounts/{id}/lists", get(lists::get_account_lists))
        .route("/api/v1/preferences", get(accounts::get_preferences))
        .route("/api/v1/instance", get(instance::get_instance_v1))
        .route("/api/v2/instance", get(instance::get_instance_v2))
        .route("/api/v1/instance/peers", get(instance::get_peers))
        .route("/api/v1/instance/rules", get(instance::get_rules))
        .route(
            "/api/v1/instance/extended_description",
            get(instance::get_extended_description),
        )
        .route(
            "/api/v1/instance/privacy_policy",
            get(instance::get_privacy_policy),
        )
        .route("/api/v1/instance/activity", get(instance::get_activity))
        .route("/api/v1/instance/languages", get(instance::get_languages))
        .route("/api/v1/custom_emojis", get(announcements::get_custom_emojis))
        .route("/api/v1/announcements", get(announcements::get_announcements))
        .route(
            "/api/v1/markers",
            get(markers::get_markers).post(markers::save_markers),
        )
        .merge(list_routes())
        .route("/api/v1/followed_tags", get(followed_tags::get_followed_tags))
        .route(
            "/api/v1/follow_requests",
            get(follow_requests::get_follow_requests),
        )
        .merge(filter_routes())
}

/// `/api/v1/lists` and the accounts on each list.
fn list_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/lists", get(lists::get_lists).post(lists::create_list))
        .route(
            "/api/v1/lists/{id}",
            get(lists::get_list)
                .put(lists::update_list)
                .patch(lists::update_list)
                .delete(lists::delete_list),
        )
        .route(
            "/api/v1/lists/{id}/accounts",
            get(lists::get_list_accounts)
                .post(lists::add_list_accounts)
                .delete(lists::remove_list_accounts),
        )
}

/// `/api/v2/filters` with their keywords and statuses, and the v1 view `/api/v1/filters`.
fn filter_routes() -> Router<AppState> {
    use filters::{keywords, statuses, v1};
    Router::new()
        .route(
            "/api/v2/filters",
            get(filters::get_filters_v2).post(filters::create_filter_v2),
        )
        .route(
            "/api/v2/filters/{id}",
            get(filters::get_filter_v2)
                .put(filters::update_filter_v2)
                .patch(filters::update_filter_v2)
                .delete(filters::delete_filter_v2),
        )
        .route(
            "/api/v2/filters/{id}/keywords",
            get(keywords::get_keywords).post(keywords::create_keyword),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(keywords::get_keyword)
                .put(keywords::update_keyword)
                .patch(keywords::update_keyword)
                .delete(keywords::delete_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(statuses::get_statuses).post(statuses::create_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(statuses::get_status).delete(statuses::delete_status),
        )
        .route(
            "/api/v1/filters",
            get(v1::get_filters_v1).post(v1::create_filter_v1),
        )
        .route(
            "/api/v1/filters/{id}",
            get(v1::get_filter_v1)
                .put(v1::update_filter_v1)
                .patch(v1::update_filter_v1)
                .delete(v1::delete_filter_v1),
        )
}
