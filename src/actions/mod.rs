//! Every state change, shared by the API, the inbox, the web pages and the command line.
//! Transactions begin and commit here and nowhere else.

pub mod account_moderation;
pub mod account_moves;
pub mod accounts;
pub mod announcements;
pub mod blocklist_import;
pub mod blocklist_subscriptions;
pub mod conversations;
pub mod domain_blocks;
pub mod emails;
pub mod featured;
pub mod filters;
pub mod follows;
pub mod import_files;
pub mod imports;
pub mod interactions;
pub mod lists;
pub mod markers;
pub mod media;
pub mod member_domain_blocks;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod operator_accounts;
pub mod password_resets;
pub mod polls;
pub mod push_subscriptions;
pub mod remote_accounts;
pub mod remote_statuses;
pub mod reports;
pub mod scheduled;
pub mod sessions;
pub mod sign_up_blocks;
pub mod statuses;
pub mod tags;
pub mod two_factor;
