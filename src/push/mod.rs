//! Web Push (RFC 8030/8291/8292): the instance's VAPID key, payloads as Mastodon sends them, and the job that sends one.
//!
//! Subscriptions are kept by `db::push` and changed by `actions::push_subscriptions`; a trigger on
//! `notifications` queues one `web_push` job per notification and subscription that asks for it
//! (migration 0040), so every path that notifies also pushes.

pub mod crypto;
pub mod payload;
pub mod send;
pub mod vapid;
