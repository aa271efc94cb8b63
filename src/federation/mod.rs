//! ActivityPub and its neighbours: keys, HTTP signatures and discovery documents now;
//! vocabulary, rendering, inbox, fetching and delivery to come.

pub mod discovery;
pub mod keys;
pub mod signatures;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;

/// The federation routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/nodeinfo", get(discovery::get_nodeinfo_links))
        .route("/nodeinfo/2.0", get(discovery::get_nodeinfo_20))
        .route("/nodeinfo/2.1", get(discovery::get_nodeinfo_21))
        .route("/.well-known/host-meta", get(discovery::get_host_meta))
}
