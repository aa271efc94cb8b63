//! ActivityPub and its neighbours: keys, signatures, fetching, discovery, the inbox.

pub mod collections;
pub mod delivery;
pub mod discovery;
pub mod events;
pub mod fetch;
pub mod inbox;
pub mod inbox_limits;
pub mod ingest;
pub mod instance_actor;
pub mod keys;
pub mod loading;
pub mod outbox;
pub mod publish;
pub mod render;
pub mod resolve;
pub mod signatures;
pub mod signed_fetch_gate;
pub mod signers;
pub mod urls;
pub mod vocab;
pub mod webfinger;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

/// The federation routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/nodeinfo", get(discovery::get_nodeinfo_links))
        .route("/nodeinfo/2.0", get(discovery::get_nodeinfo_20))
        .route("/nodeinfo/2.1", get(discovery::get_nodeinfo_21))
        .route("/.well-known/host-meta", get(discovery::get_host_meta))
        .route("/inbox", post(inbox::post_shared_inbox))
        .route("/users/{name}/inbox", post(inbox::post_user_inbox))
        // Servers deliver to the instance actor's inbox too: it is the shared inbox.
        .route("/actor/inbox", post(inbox::post_shared_inbox))
        .route("/.well-known/webfinger", get(webfinger::get_webfinger))
        .route("/actor", get(publish::get_instance_actor))
        .route("/actor/outbox", get(publish::get_instance_outbox))
        .route("/users/{name}", get(publish::get_actor))
        .route("/@{name}", get(publish::get_profile))
        .route("/users/{name}/statuses/{id}", get(publish::get_status))
        .route("/@{name}/{id}", get(publish::get_status_page))
        .route(
            "/users/{name}/statuses/{id}/activity",
            get(publish::get_status_activity),
        )
        .route(
            "/users/{name}/statuses/{id}/replies",
            get(collections::get_replies),
        )
        .route("/users/{name}/outbox", get(collections::get_outbox))
        .route("/users/{name}/followers", get(collections::get_followers))
        .route("/users/{name}/following", get(collections::get_following))
        .route(
            "/users/{name}/collections/featured",
            get(collections::get_featured),
        )
        .route(
            "/users/{name}/collections/tags",
            get(collections::get_featured_tags),
        )
        .layer(axum::extract::DefaultBodyLimit::max(inbox::MAX_BODY_BYTES))
}

/// The federation routes behind the policy gate for signed fetches (needs the state).
pub fn gated_routes(state: AppState) -> Router<AppState> {
    routes().route_layer(axum::middleware::from_fn_with_state(
        state,
        signed_fetch_gate::refuse_suspended_signers,
    ))
}

/// Federation state shared by every handler and worker.
#[derive(Debug)]
pub struct Federation {
    pub fetcher: fetch::Fetcher,
    /// The instance actor's signing key, loaded on first use.
    pub instance_key: tokio::sync::OnceCell<Arc<signatures::SigningKey>>,
    signers: signers::SignerCache,
    /// The outgoing delivery pool's limits and keys.
    pub delivery: delivery::DeliveryPool,
    /// The operator's domain rules: every path that touches a remote host asks it.
    pub policy: Arc<crate::moderation::DomainPolicy>,
    /// Each host's share of the inbox and the bound on its backlog.
    pub inbox_limits: inbox_limits::InboxLimits,
}

impl Federation {
    pub fn new(config: &crate::config::Config) -> anyhow::Result<Self> {
        let policy = Arc::new(crate::moderation::DomainPolicy::new(config));
        Ok(Self {
            fetcher: fetch::Fetcher::new(config, policy.clone())?,
            policy,
            instance_key: tokio::sync::OnceCell::new(),
            signers: signers::SignerCache::default(),
            delivery: delivery::DeliveryPool::default(),
            inbox_limits: inbox_limits::InboxLimits::new(&config.federation),
        })
    }

    /// Keys of remote signers seen recently.
    pub fn signer_cache(&self) -> &signers::SignerCache {
        &self.signers
    }
}
