//! ferrodon: a self-hosted ActivityPub microblogging server with Mastodon's client API.

pub mod actions;
pub mod app;
pub mod caches;
pub mod config;
pub mod connections;
pub mod cross_origin;
pub mod db;
pub mod email;
pub mod error;
pub mod federation;
pub mod ids;
pub mod jobs;
pub mod mastodon;
pub mod media;
pub mod metrics;
pub mod moderation;
pub mod passwords;
pub mod push;
pub mod secrets;
pub mod streaming;
pub mod telemetry;
pub mod text;
pub mod web;

/// The version of this build, as reported to clients and peers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
