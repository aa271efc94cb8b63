//! The Mastodon client API (`/api/v1`, `/api/v2`, `/oauth`): handlers, entities, parameters.

pub mod accounts;
mod admin;
pub mod announcements;
pub mod auth;
pub mod conversations;
mod domain_blocks;
mod emails;
pub mod entities;
mod featured;
pub mod filtering;
mod filters;
mod follow_requests;
mod followed_tags;
mod instance;
pub mod languages;
mod lists;
mod markers;
mod media;
mod notification_groups;
mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod pagination;
pub mod params;
mod polls;
pub mod present;
mod push;
pub mod rate_limit;
mod relationships;
mod reports;
mod scheduled_statuses;
pub mod scopes;
pub mod search;
mod statuses;
pub mod tags;
mod timelines;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{delete, get, patch, post, put};

use crate::actions::account_moderation::Lift;
use crate::actions::reports::Handling;
use crate::app::AppState;
use auth::Auth;
use pagination::PageParams;
use params::Params;
use relationships::Change;
use statuses::Interaction;

/// A route whose handler takes the state, the token and the path id, and one fixed argument.
macro_rules! with_id {
    ($method:ident, $handler:path, $arg:expr) => {
        $method(
            |State(state): State<AppState>, auth: Auth, Path(id): Path<String>| {
                $handler(state, auth, id, $arg)
            },
        )
    };
}

/// A paged route over an account or status id, with one fixed argument.
macro_rules! paged_with_id {
    ($handler:path, $arg:expr) => {
        get(
            |State(state): State<AppState>,
             auth: Option<Auth>,
             Path(id): Path<String>,
             Params(page): Params<PageParams>| { $handler(state, auth, id, page, $arg) },
        )
    };
}

pub use instance::privacy_policy_html;

/// Every Mastodon API route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(oauth::routes())
        .merge(search::routes())
        .route(
            "/api/v1/media",
            post(media::post_media_v1).layer(DefaultBodyLimit::max(media::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/api/v2/media",
            post(media::post_media_v2).layer(DefaultBodyLimit::max(media::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/api/v1/media/{id}",
            get(media::get_media).put(media::update_media),
        )
        .route("/system/media/{file}", get(media::get_file))
        .route("/system/profiles/{file}", get(media::get_profile_file))
        .route("/api/v1/profile/avatar", delete(accounts::delete_avatar))
        .route("/api/v1/profile/header", delete(accounts::delete_header))
        .route("/api/v1/accounts", post(accounts::create_account))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials)
                .layer(DefaultBodyLimit::max(accounts::UPDATE_CREDENTIALS_BODY_LIMIT)),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup_account))
        .route(
            "/api/v1/accounts/relationships",
            get(relationships::get_relationships),
        )
        .route("/api/v1/accounts/{id}", get(accounts::get_account))
        .route(
            "/api/v1/accounts/{id}/statuses",
            get(timelines::get_account_statuses),
        )
        .route(
            "/api/v1/accounts/{id}/followers",
            paged_with_id!(relationships::follow_list, true),
        )
        .route(
            "/api/v1/accounts/{id}/following",
            paged_with_id!(relationships::follow_list, false),
        )
        .route("/api/v1/accounts/{id}/follow", post(relationships::follow))
        .route(
            "/api/v1/accounts/{id}/unfollow",
            with_id!(post, relationships::change, Change::Unfollow),
        )
        .route(
            "/api/v1/accounts/{id}/block",
            with_id!(post, relationships::change, Change::Block),
        )
        .route(
            "/api/v1/accounts/{id}/unblock",
            with_id!(post, relationships::change, Change::Unblock),
        )
        .route("/api/v1/accounts/{id}/mute", post(relationships::mute))
        .route(
            "/api/v1/accounts/{id}/unmute",
            with_id!(post, relationships::change, Change::Unmute),
        )
        .route("/api/v1/accounts/{id}/note", post(relationships::set_note))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            with_id!(post, relationships::answer_request, true),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            with_id!(post, relationships::answer_request, false),
        )
        .route(
            "/api/v1/statuses",
            post(statuses::post_status).get(statuses::get_statuses),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::get_status)
                .put(statuses::edit_status)
                .delete(statuses::delete_status),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::get_context))
        .route("/api/v1/statuses/{id}/history", get(statuses::get_history))
        .route("/api/v1/statuses/{id}/source", get(statuses::get_source))
        .route(
            "/api/v1/statuses/{id}/favourite",
            with_id!(post, statuses::interact, Interaction::Favourite),
        )
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            with_id!(post, statuses::interact, Interaction::Unfavourite),
        )
        .route(
            "/api/v1/statuses/{id}/bookmark",
            with_id!(post, statuses::interact, Interaction::Bookmark),
        )
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            with_id!(post, statuses::interact, Interaction::Unbookmark),
        )
        .route(
            "/api/v1/statuses/{id}/pin",
            with_id!(post, statuses::interact, Interaction::Pin),
        )
        .route(
            "/api/v1/statuses/{id}/unpin",
            with_id!(post, statuses::interact, Interaction::Unpin),
        )
        .route(
            "/api/v1/statuses/{id}/mute",
            with_id!(post, statuses::interact, Interaction::Mute),
        )
        .route(
            "/api/v1/statuses/{id}/unmute",
            with_id!(post, statuses::interact, Interaction::Unmute),
        )
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog_status))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog_status))
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            paged_with_id!(statuses::interactors, false),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            paged_with_id!(statuses::interactors, true),
        )
        .route("/api/v1/polls/{id}", get(polls::get_poll))
        .route("/api/v1/polls/{id}/votes", post(polls::vote))
        .route(
            "/api/v1/scheduled_statuses",
            get(scheduled_statuses::list_scheduled),
        )
        .route(
            "/api/v1/scheduled_statuses/{id}",
            get(scheduled_statuses::get_scheduled)
                .put(scheduled_statuses::reschedule)
                .delete(scheduled_statuses::cancel),
        )
        .route(
            "/api/v1/blocks",
            get(
                |State(state): State<AppState>, auth: Auth, Params(page): Params<PageParams>| {
                    relationships::blocked_or_muted(state, auth, page, false)
                },
            ),
        )
        .route(
            "/api/v1/mutes",
            get(
                |State(state): State<AppState>, auth: Auth, Params(page): Params<PageParams>| {
                    relationships::blocked_or_muted(state, auth, page, true)
                },
            ),
        )
        .route("/api/v1/conversations", get(conversations::get_conversations))
        .route(
            "/api/v1/conversations/{id}",
            axum::routing::delete(conversations::delete_conversation),
        )
        .route(
            "/api/v1/conversations/{id}/read",
            post(conversations::read_conversation),
        )
        .route(
            "/api/v1/featured_tags",
            get(featured::get_featured_tags).post(featured::feature_tag),
        )
        .route(
            "/api/v1/featured_tags/suggestions",
            get(featured::get_suggestions),
        )
        .route(
            "/api/v1/featured_tags/{id}",
            axum::routing::delete(featured::unfeature_tag),
        )
        .route(
            "/api/v1/accounts/{id}/featured_tags",
            get(featured::get_account_featured_tags),
        )
        .route("/api/v1/endorsements", get(featured::get_endorsements))
        .route(
            "/api/v1/accounts/{id}/endorsements",
            get(featured::get_account_endorsements),
        )
        .route(
            "/api/v1/accounts/{id}/pin",
            with_id!(post, featured::endorse, true),
        )
        .route(
            "/api/v1/accounts/{id}/unpin",
            with_id!(post, featured::endorse, false),
        )
        .route("/api/v1/timelines/home", get(timelines::get_home))
        .route("/api/v1/timelines/public", get(timelines::get_public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::get_hashtag))
        .route("/api/v1/timelines/list/{id}", get(timelines::get_list))
        .route("/api/v1/bookmarks", get(timelines::get_bookmarks))
        .route("/api/v1/favourites", get(timelines::get_favourites))
        .route("/api/v1/notifications", get(notifications::get_notifications))
        .route(
            "/api/v1/notifications/unread_count",
            get(notifications::get_unread_count),
        )
        .route(
            "/api/v1/notifications/clear",
            post(notifications::clear_notifications),
        )
        .route(
            "/api/v1/notifications/policy",
            get(notification_requests::get_policy_v1).patch(notification_requests::update_policy_v1),
        )
        .route(
            "/api/v1/notifications/requests",
            get(notification_requests::get_requests),
        )
        .route(
            "/api/v1/notifications/requests/merged",
            get(notification_requests::get_merged),
        )
        .route(
            "/api/v1/notifications/requests/accept",
            post(notification_requests::accept_requests),
        )
        .route(
            "/api/v1/notifications/requests/dismiss",
            post(notification_requests::dismiss_requests),
        )
        .route(
            "/api/v1/notifications/requests/{id}",
            get(notification_requests::get_request),
        )
        .route(
            "/api/v1/notifications/requests/{id}/accept",
            post(notification_requests::accept_request),
        )
        .route(
            "/api/v1/notifications/requests/{id}/dismiss",
            post(notification_requests::dismiss_request),
        )
        .route("/api/v2/notifications", get(notification_groups::get_groups))
        .route(
            "/api/v2/notifications/unread_count",
            get(notification_groups::get_unread_count),
        )
        .route(
            "/api/v2/notifications/policy",
            get(notification_requests::get_policy).patch(notification_requests::update_policy),
        )
        .route(
            "/api/v2/notifications/{group_key}",
            get(notification_groups::get_group),
        )
        .route(
            "/api/v2/notifications/{group_key}/accounts",
            get(notification_groups::get_group_accounts),
        )
        .route(
            "/api/v2/notifications/{group_key}/dismiss",
            post(notification_groups::dismiss_group),
        )
        .route("/api/v1/notifications/{id}", get(notifications::get_notification))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss_notification),
        )
        .route("/api/v1/emails/confirmations", post(emails::resend_confirmation))
        .route(
            "/api/v1/push/subscription",
            get(push::get_subscription)
                .post(push::create_subscription)
                .put(push::update_subscription)
                .delete(push::delete_subscription),
        )
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
        .route("/api/v1/announcements/{id}/dismiss", post(announcements::dismiss))
        .route(
            "/api/v1/announcements/{id}/reactions/{name}",
            put(announcements::add_reaction).delete(announcements::remove_reaction),
        )
        .route(
            "/api/v1/markers",
            get(markers::get_markers).post(markers::save_markers),
        )
        .merge(list_routes())
        .route("/api/v1/followed_tags", get(followed_tags::get_followed_tags))
        .route("/api/v1/tags/{name}", get(tags::get_tag))
        .route("/api/v1/tags/{name}/follow", post(tags::follow_tag))
        .route("/api/v1/tags/{name}/unfollow", post(tags::unfollow_tag))
        .route(
            "/api/v1/follow_requests",
            get(follow_requests::get_follow_requests),
        )
        .merge(filter_routes())
        .merge(admin::routes())
        .merge(domain_blocks::routes())
        .merge(moderation_routes())
}

/// `/api/v1/reports` and the staff's `/api/v1/admin/reports` and `/api/v1/admin/accounts`.
fn moderation_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", post(reports::create_report))
        .route("/api/v1/admin/reports", get(admin::reports::list_reports))
        .route("/api/v1/admin/reports/{id}", get(admin::reports::get_report))
        .route(
            "/api/v1/admin/reports/{id}/assign_to_self",
            with_id!(post, admin::reports::handle_report, Handling::AssignToSelf),
        )
        .route(
            "/api/v1/admin/reports/{id}/unassign",
            with_id!(post, admin::reports::handle_report, Handling::Unassign),
        )
        .route(
            "/api/v1/admin/reports/{id}/resolve",
            with_id!(post, admin::reports::handle_report, Handling::Resolve),
        )
        .route(
            "/api/v1/admin/reports/{id}/reopen",
            with_id!(post, admin::reports::handle_report, Handling::Reopen),
        )
        .route("/api/v1/admin/accounts", get(admin::accounts::list_accounts_v1))
        .route("/api/v2/admin/accounts", get(admin::accounts::list_accounts_v2))
        .route(
            "/api/v1/admin/accounts/{id}",
            get(admin::accounts::get_account).delete(admin::accounts::delete_account),
        )
        .route(
            "/api/v1/admin/accounts/{id}/action",
            post(admin::accounts::act_on_account),
        )
        .route(
            "/api/v1/admin/accounts/{id}/approve",
            post(admin::accounts::approve_account),
        )
        .route(
            "/api/v1/admin/accounts/{id}/reject",
            post(admin::accounts::reject_account),
        )
        .route(
            "/api/v1/admin/accounts/{id}/enable",
            with_id!(post, admin::accounts::lift_sanction, Lift::Enable),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsilence",
            with_id!(post, admin::accounts::lift_sanction, Lift::Unsilence),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsuspend",
            with_id!(post, admin::accounts::lift_sanction, Lift::Unsuspend),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsensitive",
            with_id!(post, admin::accounts::lift_sanction, Lift::Unsensitive),
        )
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
