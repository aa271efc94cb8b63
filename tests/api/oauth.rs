//! OAuth 2 as Mastodon apps use it: registration, the browser flow with PKCE, every grant,
//! revocation, and each way a request can be wrong.

use ferrodon::secrets::pkce_challenge;
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestBrowser, TestClient};

const REDIRECT: &str = "https://app.example/callback";
const VERIFIER: &str = "a-verifier-that-is-long-enough-for-pkce-0123456789";

fn authorize_path(client: &TestClient, extra: &str) -> String {
    format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope=read+write&state=xyz&code_challenge={}&code_challenge_method=S256{extra}",
        client.client_id,
        urlencode(REDIRECT),
        pkce_challenge(VERIFIER)
    )
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Signs in and approves; returns the redirect's Location.
async fn approve(browser: &mut TestBrowser<'_>, path: &str, login: &str) -> String {
    let (status, _, page) = browser.get(path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("action=\"/auth/sign_in\""),
        "a sign-in form first: {page}"
    );
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let return_to = TestBrowser::input_value(&page, "return_to").unwrap();
    let (status, location, _) = browser
        .post(
            "/auth/sign_in",
            &[
                ("username", login),
                ("password", "correct horse battery"),
                ("authenticity_token", &csrf),
                ("return_to", &return_to),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let back = location.unwrap();
    assert!(back.starts_with("/oauth/authorize?"), "{back}");
    let (status, _, consent) = browser.get(&back).await;
    assert_eq!(status, 200, "{back}: {consent}");
    assert!(
        consent.contains("name=\"decision\" value=\"approve\""),
        "{consent}"
    );
    let mut form = Vec::new();
    for name in [
        "authenticity_token",
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        form.push((name, TestBrowser::input_value(&consent, name).unwrap_or_default()));
    }
    form.push(("decision", "approve".to_owned()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = browser.post("/oauth/authorize", &pairs).await;
    assert_eq!(status, 302);
    location.unwrap()
}

async fn exchange(app: &TestApp, client: &TestClient, code: &str, verifier: &str) -> (u16, Value) {
    json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", &client.client_id),
                ("code_verifier", verifier),
            ],
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn apps_register_from_form_or_json_with_string_or_array_redirect_uris() {
    let app = TestApp::spawn().await;
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Form"),
                ("redirect_uris", "myapp://cb\nurn:ietf:wg:oauth:2.0:oob"),
                ("scopes", "read write"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["redirect_uris"],
        json!(["myapp://cb", "urn:ietf:wg:oauth:2.0:oob"])
    );
    assert_eq!(body["redirect_uri"], "myapp://cb\nurn:ietf:wg:oauth:2.0:oob");
    assert_eq!(body["scopes"], json!(["read", "write"]));
    assert!(body["client_secret"].as_str().unwrap().len() >= 40);
    assert_eq!(body["client_secret_expires_at"], 0);

    let (status, body) = json_of(
        app.send_json(
            reqwest::Method::POST,
            "/api/v1/apps",
            None,
            &json!({ "client_name": "Json", "redirect_uris": ["https://a.example/cb", "https://b.example/cb"], "website": "https://a.example" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["redirect_uris"].as_array().unwrap().len(), 2);
    assert_eq!(body["scopes"], json!(["read"]), "scopes default to read");
    assert_eq!(body["website"], "https://a.example");
}

#[tokio::test]
async fn app_registration_refuses_bad_input_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let long_site = format!("https://a.example/{}", "x".repeat(100_000));
    let long_redirect = format!("https://a.example/cb/{}", "x".repeat(100_000));
    let many_redirects = (0..5000)
        .map(|i| format!("https://a.example/cb/{i}"))
        .collect::<Vec<_>>()
        .join("\n");
    for form in [
        vec![
            ("client_name", "x"),
            ("redirect_uris", REDIRECT),
            ("website", long_site.as_str()),
        ],
        vec![("client_name", "x"), ("redirect_uris", long_redirect.as_str())],
        vec![("client_name", "x"), ("redirect_uris", many_redirects.as_str())],
        vec![("client_name", "x"), ("redirect_uris", "not a uri")],
        vec![
            ("client_name", "x"),
            ("redirect_uris", "https://a.example/cb#frag"),
        ],
        vec![("client_name", "x"), ("redirect_uris", "javascript:alert(1)")],
        vec![("client_name", ""), ("redirect_uris", REDIRECT)],
        vec![("client_name", "x")],
        vec![
            ("client_name", "x"),
            ("redirect_uris", REDIRECT),
            ("scopes", "read everything"),
        ],
    ] {
        let (status, body) = json_of(app.post_form("/api/v1/apps", None, &form).await).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(
            body["error"].as_str().unwrap().starts_with("Validation failed"),
            "{body}"
        );
    }
    let response = app
        .client
        .post(format!("{}/api/v1/apps", app.base_url))
        .header("content-type", "application/json")
        .body("{\"client_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let count: i64 = sqlx::query_scalar("select count(*) from oauth_applications")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn client_credentials_token_verifies_the_app() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read write", REDIRECT).await;
    let token = app.app_token(&client, "read").await;
    let (status, body) = json_of(app.get_with("/api/v1/apps/verify_credentials", &token).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Test app");
    assert!(
        body.get("client_secret").is_none(),
        "the secret is shown only once"
    );

    // Basic authentication works as well as the body.
    let response = app
        .client
        .post(format!("{}/oauth/token", app.base_url))
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    assert!(body["created_at"].is_i64());
}

#[tokio::test]
async fn authorization_code_flow_with_pkce_works_like_a_browser() {
    let app = TestApp::spawn().await;
    let member = app.member("alice", "read").await;
    let client = app.register_client("read write follow", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let location = approve(&mut browser, &authorize_path(&client, ""), "alice").await;
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(query_value(&location, "state").as_deref(), Some("xyz"));
    let code = query_value(&location, "code").unwrap();

    let (status, body) = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read write");
    let token = body["access_token"].as_str().unwrap();
    let (status, account) = json_of(app.get_with("/api/v1/accounts/verify_credentials", token).await).await;
    assert_eq!(status, 200);
    assert_eq!(account["id"], member.account_id.to_string());

    // Tokens and codes are kept only as digests.
    let stored: i64 = sqlx::query_scalar("select count(*) from oauth_access_tokens where token_digest = $1")
        .bind(token)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn wrong_verifier_is_refused_and_burns_the_code() {
    let app = TestApp::spawn().await;
    app.member("bob", "read").await;
    let client = app.register_client("read write", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let code = query_value(
        &approve(&mut browser, &authorize_path(&client, ""), "bob").await,
        "code",
    )
    .unwrap();
    let (status, body) = exchange(
        &app,
        &client,
        &code,
        "a-different-verifier-that-is-long-enough-000000",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].is_string());
    let (status, _) = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!(status, 400, "a failed exchange leaves no second try");
}

#[tokio::test]
async fn reused_code_is_refused_and_revokes_what_it_issued() {
    let app = TestApp::spawn().await;
    app.member("carol", "read").await;
    let client = app.register_client("read write", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let code = query_value(
        &approve(&mut browser, &authorize_path(&client, ""), "carol").await,
        "code",
    )
    .unwrap();
    let (status, body) = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &token)
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn expired_code_is_refused() {
    let app = TestApp::spawn().await;
    app.member("dora", "read").await;
    let client = app.register_client("read", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let path = authorize_path(&client, "").replace("scope=read+write", "scope=read");
    let code = query_value(&approve(&mut browser, &path, "dora").await, "code").unwrap();
    sqlx::query("update oauth_authorization_codes set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = exchange(&app, &client, &code, VERIFIER).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn code_without_pkce_needs_the_client_secret() {
    let app = TestApp::spawn().await;
    app.member("erin", "read").await;
    let client = app.register_client("read", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let path = format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope=read",
        client.client_id,
        urlencode(REDIRECT)
    );
    let code = query_value(&approve(&mut browser, &path, "erin").await, "code").unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client.client_id.as_str()),
    ];
    let (status, body) = json_of(app.post_form("/oauth/token", None, &form).await).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));

    let code = query_value(&approve(&mut TestBrowser::new(&app), &path, "erin").await, "code").unwrap();
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let path = format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri={}",
        client.client_id,
        urlencode("https://evil.test/steal")
    );
    let (status, location, page) = browser.get(&path).await;
    assert_eq!(status, 400);
    assert_eq!(location, None);
    assert!(page.contains("not registered"), "{page}");
    let (status, location, _) = browser
        .get("/oauth/authorize?response_type=code&client_id=unknown")
        .await;
    assert_eq!((status, location), (400, None));
}

#[tokio::test]
async fn bad_scope_and_response_type_go_back_to_the_app_as_errors() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    let base = format!(
        "/oauth/authorize?client_id={}&redirect_uri={}&state=s1",
        client.client_id,
        urlencode(REDIRECT)
    );
    let (status, location, _) = browser
        .get(&format!("{base}&response_type=code&scope=write"))
        .await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert_eq!(query_value(&location, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(query_value(&location, "state").as_deref(), Some("s1"));
    let (_, location, _) = browser.get(&format!("{base}&response_type=token")).await;
    assert_eq!(
        query_value(&location.unwrap(), "error").as_deref(),
        Some("unsupported_response_type")
    );
    let (_, location, _) = browser
        .get(&format!(
            "{base}&response_type=code&code_challenge=abc&code_challenge_method=plain"
        ))
        .await;
    assert_eq!(
        query_value(&location.unwrap(), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn denying_consent_answers_access_denied() {
    let app = TestApp::spawn().await;
    app.member("fay", "read").await;
    let client = app.register_client("read write", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("fay", "correct horse battery").await;
    let (_, _, consent) = browser.get(&authorize_path(&client, "")).await;
    let csrf = TestBrowser::input_value(&consent, "authenticity_token").unwrap();
    let (status, location, _) = browser
        .post(
            "/oauth/authorize",
            &[
                ("authenticity_token", &csrf),
                ("client_id", &client.client_id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("scope", "read"),
                ("state", "xyz"),
                ("decision", "deny"),
            ],
        )
        .await;
    assert_eq!(status, 302);
    assert_eq!(
        query_value(&location.unwrap(), "error").as_deref(),
        Some("access_denied")
    );
    let codes: i64 = sqlx::query_scalar("select count(*) from oauth_authorization_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

#[tokio::test]
async fn consent_without_the_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.member("gil", "read").await;
    let client = app.register_client("read", REDIRECT).await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("gil", "correct horse battery").await;
    let (status, location, _) = browser
        .post(
            "/oauth/authorize",
            &[
                ("authenticity_token", "forged"),
                ("client_id", &client.client_id),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!((status, location), (422, None));
    let codes: i64 = sqlx::query_scalar("select count(*) from oauth_authorization_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

#[tokio::test]
async fn out_of_band_flow_shows_the_code_and_force_login_asks_again() {
    let app = TestApp::spawn().await;
    app.member("hal", "read").await;
    let client = app.register_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("hal", "correct horse battery").await;
    let path = format!(
        "/oauth/authorize?response_type=code&client_id={}&scope=read",
        client.client_id
    );
    let (_, _, page) = browser.get(&format!("{path}&force_login=true")).await;
    assert!(
        page.contains("action=\"/auth/sign_in\""),
        "force_login shows the sign-in form"
    );
    let (_, _, consent) = browser.get(&path).await;
    let csrf = TestBrowser::input_value(&consent, "authenticity_token").unwrap();
    let (status, _, page) = browser
        .post(
            "/oauth/authorize",
            &[
                ("authenticity_token", &csrf),
                ("client_id", &client.client_id),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
                ("response_type", "code"),
                ("scope", "read"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let start = page.find("readonly value=\"").expect("the code is shown") + "readonly value=\"".len();
    let code = page[start..].split('"').next().unwrap().to_owned();
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn refresh_token_issues_a_new_token_and_retires_the_old() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read write", REDIRECT).await;
    let (_, first) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, second) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
                ("scope", "read"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["scope"], "read");
    let old = first["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_with("/api/v1/apps/verify_credentials", old)
            .await
            .status(),
        401
    );
    let new = second["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_with("/api/v1/apps/verify_credentials", new)
            .await
            .status(),
        200
    );
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", &client.client_id),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn password_grant_works_only_when_enabled() {
    let form = |client: &TestClient| {
        vec![
            ("grant_type".to_owned(), "password".to_owned()),
            ("username".to_owned(), "ivy@example.com".to_owned()),
            ("password".to_owned(), "correct horse battery".to_owned()),
            ("client_id".to_owned(), client.client_id.clone()),
            ("client_secret".to_owned(), client.client_secret.clone()),
        ]
    };
    let app = TestApp::spawn().await;
    app.member("ivy", "read").await;
    let client = app.register_client("read", REDIRECT).await;
    let pairs = form(&client);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body) = json_of(app.post_form("/oauth/token", None, &pairs).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    let app = TestApp::spawn_with(|config| config.oauth.password_grant = true).await;
    app.member("ivy", "read").await;
    let client = app.register_client("read", REDIRECT).await;
    let pairs = form(&client);
    let mut pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body) = json_of(app.post_form("/oauth/token", None, &pairs).await).await;
    assert_eq!(status, 200, "{body}");
    pairs[2] = ("password", "wrong password");
    let (status, body) = json_of(app.post_form("/oauth/token", None, &pairs).await).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn wrong_secret_and_unknown_grant_are_oauth_errors() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read", REDIRECT).await;
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.client_id),
                ("client_secret", "wrong"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "magic"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
                ("scope", "admin:write"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")));
}

#[tokio::test]
async fn revoked_token_answers_401() {
    let app = TestApp::spawn().await;
    let client = app.register_client("read", REDIRECT).await;
    let token = app.app_token(&client, "read").await;
    let (status, body) = json_of(
        app.post_form(
            "/oauth/revoke",
            None,
            &[
                ("token", &token),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, body) = json_of(app.get_with("/api/v1/apps/verify_credentials", &token).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "The access token is invalid");
}

#[tokio::test]
async fn server_metadata_offers_pkce() {
    let app = TestApp::spawn().await;
    let (status, body) = json_of(app.get("/.well-known/oauth-authorization-server").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        body["token_endpoint"],
        format!("{}/oauth/token", app.config.base_url())
    );
    assert_eq!(
        body["app_registration_endpoint"],
        format!("{}/api/v1/apps", app.config.base_url())
    );
    assert!(
        !body["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("password"))
    );
    assert!(
        body["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("read:accounts"))
    );
}

#[tokio::test]
async fn userinfo_describes_the_member() {
    let app = TestApp::spawn().await;
    let member = app.member("jo", "profile").await;
    let (status, body) = json_of(app.get_with("/oauth/userinfo", &member.token).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["preferred_username"], "jo");
    assert_eq!(body["sub"], format!("{}/users/jo", app.config.base_url()));
}
