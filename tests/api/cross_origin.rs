//! CORS as a browser asks for it: preflights and answers on the client API, OAuth's token
//! endpoints, discovery and ActivityPub documents; none on pages and forms.

use reqwest::Method;

use crate::helpers::TestApp;

const ORIGIN: &str = "https://client.example";

async fn preflight(app: &TestApp, path: &str, method: &str, headers: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, format!("{}{path}", app.base_url))
        .header("origin", ORIGIN)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn browser_clients_on_other_origins_may_call_the_api_and_token_endpoints() {
    let app = TestApp::spawn().await;
    let member = app.member("alice", "read write").await;
    for (path, method) in [
        ("/api/v1/apps", "POST"),
        ("/api/v1/timelines/home", "GET"),
        ("/api/v1/statuses/1", "DELETE"),
        ("/api/v1/accounts/update_credentials", "PATCH"),
        ("/api/v1/media/1", "PUT"),
        ("/oauth/token", "POST"),
        ("/oauth/revoke", "POST"),
        // Trailing slashes are trimmed before routing, and so before this.
        ("/api/v2/instance/", "GET"),
    ] {
        let response = preflight(&app, path, method, "authorization,content-type,idempotency-key").await;
        assert!(response.status().is_success(), "{path}: {}", response.status());
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
        let methods = header(&response, "access-control-allow-methods").unwrap_or_default();
        assert!(methods.contains(method), "{path}: {methods}");
        let allowed = header(&response, "access-control-allow-headers").unwrap_or_default();
        for wanted in ["authorization", "content-type", "idempotency-key"] {
            assert!(allowed.contains(wanted), "{path}: {allowed}");
        }
        assert!(header(&response, "access-control-allow-credentials").is_none());
    }

    // The answers themselves carry the origin and expose the paging and rate-limit headers.
    let response = app
        .client
        .get(format!("{}/api/v1/timelines/home", app.base_url))
        .header("origin", ORIGIN)
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    let exposed = header(&response, "access-control-expose-headers").unwrap_or_default();
    for wanted in ["link", "x-ratelimit-remaining", "mastodon-async-refresh"] {
        assert!(exposed.contains(wanted), "{exposed}");
    }
    // Errors too, so that a client can show them.
    let response = app
        .client
        .get(format!("{}/api/v1/timelines/home", app.base_url))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));

    for path in [
        "/.well-known/webfinger?resource=acct:alice@localhost",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.0",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base_url))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
    let actor = app
        .client
        .get(format!("{}/users/alice", app.base_url))
        .header("origin", ORIGIN)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(actor.status(), 200);
    assert_eq!(header(&actor, "access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn pages_and_forms_are_never_open_to_other_origins() {
    let app = TestApp::spawn().await;
    app.member("alice", "read").await;
    for path in [
        "/",
        "/about",
        "/auth/sign_in",
        "/auth/sign_up",
        "/oauth/authorize?client_id=x&redirect_uri=urn:ietf:wg:oauth:2.0:oob&response_type=code",
        "/admin/domain_blocks",
        "/@alice",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base_url))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert!(
            header(&response, "access-control-allow-origin").is_none(),
            "{path}"
        );
        let response = preflight(&app, path, "POST", "content-type").await;
        assert!(
            header(&response, "access-control-allow-origin").is_none(),
            "{path}"
        );
    }
    let sign_in = app
        .client
        .post(format!("{}/auth/sign_in", app.base_url))
        .header("origin", ORIGIN)
        .form(&[("login", "alice"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert!(header(&sign_in, "access-control-allow-origin").is_none());
}
