//! Rate limits on sign-in, sign-up and tokens; `X-Forwarded-For` only from trusted proxies.

use crate::helpers::{TestApp, TestBrowser};

async fn attempt(app: &TestApp, forwarded_for: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/oauth/token", app.base_url))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("grant_type", "client_credentials"), ("client_id", "nobody")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_requests_past_the_limit_answer_429_with_headers() {
    let app = TestApp::spawn_with(|c| c.rate_limits.token_per_ip = 3).await;
    for _ in 0..3 {
        assert_eq!(attempt(&app, "203.0.113.1").await.status(), 401);
    }
    // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
    let response = attempt(&app, "203.0.113.99").await;
    assert_eq!(response.status(), 429);
    let headers = response.headers();
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(headers["x-ratelimit-limit"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-ratelimit-reset"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "Too many requests");
}

#[tokio::test]
async fn trusted_proxies_pass_on_the_client_address() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.token_per_ip = 2;
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    for client in ["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"] {
        assert_eq!(attempt(&app, client).await.status(), 401, "{client}");
    }
    assert_eq!(attempt(&app, "198.51.100.1").await.status(), 429);
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account() {
    let app = TestApp::spawn_with(|c| c.rate_limits.sign_in_per_account = 2).await;
    app.member("tess", "read").await;
    let mut browser = TestBrowser::new(&app);
    for _ in 0..2 {
        let (status, _, _) = browser.sign_in("tess", "wrong password").await;
        assert_eq!(status, 401);
    }
    let (status, _, page) = browser.sign_in("tess", "correct horse battery").await;
    assert_eq!(status, 429);
    assert!(page.contains("Too many attempts"), "{page}");
    // Another spelling of the same account shares its budget: the email address, in capitals.
    let (status, _, _) = browser.sign_in("TESS@example.com", "correct horse battery").await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_username_and_its_email_address_share_one_budget_of_attempts() {
    let app = TestApp::spawn_with(|c| c.rate_limits.sign_in_per_account = 3).await;
    app.member("uma", "read").await;
    let mut browser = TestBrowser::new(&app);
    for login in ["uma", "uma@example.com", "UMA"] {
        let (status, _, _) = browser.sign_in(login, "wrong password").await;
        assert_eq!(status, 401, "{login}");
    }
    let (status, _, _) = browser.sign_in("Uma@Example.com", "correct horse battery").await;
    assert_eq!(status, 429);
    // Unknown logins are counted as typed, each on its own.
    let (status, _, _) = browser.sign_in("nobody", "x").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn application_registrations_are_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.rate_limits.apps_per_ip = 2).await;
    let register = || async {
        app.client
            .post(format!("{}/api/v1/apps", app.base_url))
            .form(&[
                ("client_name", "spam"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ])
            .send()
            .await
            .unwrap()
    };
    for _ in 0..2 {
        assert_eq!(register().await.status(), 200);
    }
    let response = register().await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.rate_limits.sign_up_per_ip = 1).await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let token = app.app_token(&client, "write").await;
    let form = |name: &'static str| {
        [
            ("username", name.to_owned()),
            ("email", format!("{name}@example.com")),
            ("password", "a fine password".to_owned()),
            ("agreement", "1".to_owned()),
        ]
    };
    let first = form("uma");
    let pairs: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.post_form("/api/v1/accounts", Some(&token), &pairs)
            .await
            .status(),
        200
    );
    let second = form("vic");
    let pairs: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.post_form("/api/v1/accounts", Some(&token), &pairs)
            .await
            .status(),
        429
    );
}
