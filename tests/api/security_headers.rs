//! Security headers: pages refuse framing and carry a policy suited to their kind; every answer
//! refuses sniffing and keeps referrers on the site; HSTS only over https.

use crate::helpers::{TestApp, TestBrowser};

async fn headers_of(app: &TestApp, path: &str) -> reqwest::header::HeaderMap {
    app.client
        .get(format!("{}{path}", app.base_url))
        .send()
        .await
        .unwrap()
        .headers()
        .clone()
}

fn text<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn sign_in_consent_and_admin_pages_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read", "https://client.example/cb").await;
    let alice = app.member("alice", "read").await;
    sqlx::query("update users set role = 'admin' where id = $1")
        .bind(alice.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("alice", "correct horse battery").await;
    for path in [
        "/home",
        "/settings/profile",
        "/about",
        "/auth/sign_in",
        "/auth/sign_up",
        "/admin/domain_blocks",
        "/admin/reports",
        "/@alice",
        "/nowhere",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base_url))
            .header("cookie", browser.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16() / 100,
            if path == "/nowhere" { 4 } else { 2 },
            "{path}"
        );
        let headers = response.headers().clone();
        assert!(text(&headers, "content-type").starts_with("text/html"), "{path}");
        assert_eq!(text(&headers, "x-frame-options"), "DENY", "{path}");
        let policy = text(&headers, "content-security-policy");
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert!(policy.contains("form-action 'self'"), "{path}: {policy}");
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert_eq!(text(&headers, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(text(&headers, "referrer-policy"), "same-origin", "{path}");
        assert!(
            headers.get("strict-transport-security").is_none(),
            "{path}: not over http"
        );
    }

    // The consent page: framing refused, and no form-action, which would stop Chromium from
    // following the answer's redirect to the application.
    let path = format!(
        "/oauth/authorize?client_id={}&redirect_uri=https%3A%2F%2Fclient.example%2Fcb&response_type=code&scope=read",
        client.client_id
    );
    let response = app
        .client
        .get(format!("{}{path}", app.base_url))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let page = response.text().await.unwrap();
    assert!(page.contains("name=\"decision\""), "the consent page: {page}");
    let policy = text(&headers, "content-security-policy");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("form-action"), "{policy}");
    assert_eq!(text(&headers, "x-frame-options"), "DENY");

    // API answers: nothing runs if opened as a document.
    let headers = headers_of(&app, "/api/v1/instance").await;
    assert_eq!(text(&headers, "x-content-type-options"), "nosniff");
    assert!(text(&headers, "content-security-policy").contains("sandbox"));
}

#[tokio::test]
async fn hsts_is_sent_when_the_instance_is_served_over_https() {
    let app = TestApp::spawn_with(|c| c.server.https = true).await;
    for path in ["/", "/api/v1/instance", "/auth/sign_in"] {
        let headers = headers_of(&app, path).await;
        let hsts = text(&headers, "strict-transport-security");
        assert!(hsts.starts_with("max-age="), "{path}: {hsts}");
    }
}
