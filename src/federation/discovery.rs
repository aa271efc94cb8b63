//! Discovery documents: NodeInfo (2.0 and 2.1) and host-meta.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::RegistrationMode;
use crate::db;
use crate::error::AppResult;

/// GET /.well-known/nodeinfo
pub async fn get_nodeinfo_links(State(state): State<AppState>) -> Json<Value> {
    let base = state.config.base_url();
    Json(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1") },
        ]
    }))
}

async fn nodeinfo(state: &AppState, version: &str) -> AppResult<Response> {
    let now = Utc::now();
    let mut software = json!({ "name": "ferrodon", "version": crate::VERSION });
    if version == "2.1" {
        software["repository"] = json!(env!("CARGO_PKG_REPOSITORY"));
        software["homepage"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": state.config.registrations.mode == RegistrationMode::Open,
        "usage": {
            "users": {
                "total": db::users::count(&state.db).await?,
                "activeMonth": db::users::count_active_since(&state.db, now - Duration::days(30)).await?,
                "activeHalfyear": db::users::count_active_since(&state.db, now - Duration::days(180)).await?,
            },
            "localPosts": db::statuses::count_local(&state.db).await?,
        },
        "metadata": {
            "nodeName": state.config.title(),
            "nodeDescription": state.config.instance.description,
            // `software` says what runs here; `upstream` says which client API it speaks, and at
            // which version (the one `/api/v1/instance` claims). Clients that read NodeInfo to
            // pick an API (megalodon's `detector`, so Whalebird and Fedistar) know the Mastodon
            // family by this field, as they know Mastodon's own forks.
            "upstream": {
                "name": "mastodon",
                "version": crate::mastodon::entities::instance::MASTODON_VERSION,
            },
        },
    });
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\"; charset=utf-8"
    );
    Ok(([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response())
}

/// GET /nodeinfo/2.0
pub async fn get_nodeinfo_20(State(state): State<AppState>) -> AppResult<Response> {
    nodeinfo(&state, "2.0").await
}

/// GET /nodeinfo/2.1
pub async fn get_nodeinfo_21(State(state): State<AppState>) -> AppResult<Response> {
    nodeinfo(&state, "2.1").await
}

/// GET /.well-known/host-meta
pub async fn get_host_meta(State(state): State<AppState>) -> impl IntoResponse {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        state.config.base_url()
    );
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        crate::text::escape_html(&template)
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        body,
    )
}
