//! CORS: the answers browsers on other origins may read (the client API, OAuth's token endpoints,
//! discovery and ActivityPub documents), as Mastodon opens them; never pages or forms.

use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::federation::publish::wants_activity_json;

/// Any origin, no credentials (tokens travel in `Authorization`, never in cookies here), the
/// request's own headers allowed back (a wildcard would not cover `Authorization`), and the
/// headers clients page and throttle by exposed.
static CORS: LazyLock<CorsLayer> = LazyLock::new(|| {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("link"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("mastodon-async-refresh"),
            HeaderName::from_static("idempotency-key"),
        ])
        // Browsers cap this (Chromium at two hours); it saves a preflight per request.
        .max_age(Duration::from_secs(2 * 60 * 60))
});

/// Paths whose every answer is for programs: the client API, OAuth's endpoints that a client
/// calls itself (not `/oauth/authorize`, a page), discovery and NodeInfo.
fn api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || matches!(path, "/oauth/token" | "/oauth/revoke" | "/oauth/userinfo")
        || path.starts_with("/.well-known/")
        || path.starts_with("/nodeinfo/")
}

/// Paths that answer ActivityPub JSON or a page by the `Accept` header.
fn document_path(path: &str) -> bool {
    path.starts_with("/users/") || path == "/actor" || path.starts_with("/actor/") || path.starts_with("/@")
}

/// Whether a browser on another origin may read the answer to `request`. A document path is
/// opened for its JSON form only: reading it needs no preflight (`Accept` is a safelisted
/// header), and its page stays closed.
fn open_to_other_origins(request: &Request) -> bool {
    let path = request.uri().path();
    api_path(path) || (document_path(path) && wants_activity_json(request.headers()))
}

/// Middleware: CORS headers and preflight answers where [`open_to_other_origins`] allows them.
pub async fn allow_cross_origin(request: Request, next: Next) -> Response {
    if !open_to_other_origins(&request) {
        return next.run(request).await;
    }
    match CORS.clone().layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str, accept: Option<&str>) -> Request {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(accept) = accept {
            builder = builder.header("accept", accept);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn the_api_and_documents_are_open_and_pages_are_not() {
        for path in [
            "/api/v1/apps",
            "/api/v2/search",
            "/oauth/token",
            "/oauth/revoke",
            "/oauth/userinfo",
            "/.well-known/webfinger",
            "/.well-known/oauth-authorization-server",
            "/nodeinfo/2.0",
        ] {
            assert!(open_to_other_origins(&request(Method::GET, path, None)), "{path}");
        }
        for path in [
            "/",
            "/about",
            "/oauth/authorize",
            "/auth/sign_in",
            "/admin/domain_blocks",
            "/@alice",
            "/users/alice",
            "/apis",
        ] {
            assert!(
                !open_to_other_origins(&request(Method::GET, path, None)),
                "{path}"
            );
            assert!(
                !open_to_other_origins(&request(Method::GET, path, Some("text/html"))),
                "{path}"
            );
        }
        let as2 = Some("application/activity+json");
        for path in ["/users/alice", "/users/alice/statuses/1", "/actor", "/@alice"] {
            assert!(open_to_other_origins(&request(Method::GET, path, as2)), "{path}");
            assert!(
                !open_to_other_origins(&request(Method::OPTIONS, path, None)),
                "{path}"
            );
        }
    }
}
