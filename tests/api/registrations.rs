//! Sign-up through the API and the page, under each registration mode, and sign-in pages.

use crate::admin_reports::{assert_schema, staff};
use crate::helpers::json_of;
use crate::helpers::{TestApp, TestBrowser};
use ferrodon::config::RegistrationMode;

async fn sign_up(app: &TestApp, token: &str, username: &str, agreement: &str) -> reqwest::Response {
    app.post_form(
        "/api/v1/accounts",
        Some(token),
        &[
            ("username", username),
            ("email", &format!("{username}@example.com")),
            ("password", "a fine password"),
            ("agreement", agreement),
            ("locale", "fr"),
        ],
    )
    .await
}

#[tokio::test]
async fn api_sign_up_returns_a_working_token() {
    let app = TestApp::spawn().await;
    let client = app
        .register_client("read write follow", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    let (status, body) = json_of(sign_up(&app, &app_token, "newbie", "1").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["access_token"].as_str().unwrap();
    let (status, account) = json_of(app.get_with("/api/v1/accounts/verify_credentials", token).await).await;
    assert_eq!(status, 200);
    assert_eq!(account["username"], "newbie");
    let locale: String = sqlx::query_scalar("select locale from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(locale, "fr");
}

#[tokio::test]
async fn api_sign_up_errors_name_the_field() {
    let app = TestApp::spawn().await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "write").await;
    let (status, body) = json_of(sign_up(&app, &app_token, "first", "false").await).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["agreement"][0]["error"], "ERR_ACCEPTED");
    assert_eq!(
        json_of(sign_up(&app, &app_token, "first", "true").await).await.0,
        200
    );
    let (status, body) = json_of(sign_up(&app, &app_token, "FIRST", "true").await).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"],
        "Validation failed: Username has already been taken"
    );
    assert_eq!(body["details"]["username"][0]["error"], "ERR_TAKEN");
    let (status, body) = json_of(sign_up(&app, &app_token, "support", "true").await).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["username"][0]["error"], "ERR_RESERVED");
    let read_only = app.app_token(&client, "read").await;
    assert_eq!(sign_up(&app, &read_only, "second", "true").await.status(), 403);
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn approval_mode_keeps_new_members_out_until_approved() {
    let app = TestApp::spawn_with(|c| c.registrations.mode = RegistrationMode::Approval).await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    let (status, body) = json_of(sign_up(&app, &app_token, "waiting", "1").await).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = json_of(app.get_with("/api/v1/accounts/verify_credentials", token).await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is currently pending approval");
    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.sign_in("waiting", "a fine password").await;
    assert_eq!(status, 401);
    assert!(page.contains("approval"), "{page}");

    sqlx::query("update users set approved = true")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", token)
            .await
            .status(),
        200
    );
    let (_, body) = json_of(app.get("/api/v2/instance").await).await;
    assert_eq!(body["registrations"]["approval_required"], true);
}

#[tokio::test]
async fn the_staff_hear_of_sign_ups_and_no_one_else_does() {
    let app = TestApp::spawn_with(|c| c.registrations.mode = RegistrationMode::Approval).await;
    let moderator = staff(&app, "mod", "moderator", "read").await;
    let member = app.member("member", "read").await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    assert_eq!(sign_up(&app, &app_token, "waiting", "1").await.status(), 200);

    let (status, seen) = json_of(app.get_with("/api/v1/notifications", &moderator.token).await).await;
    assert_eq!(status, 200, "{seen}");
    let seen = seen.as_array().unwrap();
    assert_eq!(
        seen.len(),
        1,
        "accounts the operator made are not announced: {seen:?}"
    );
    assert_eq!(seen[0]["type"], "admin.sign_up");
    assert_eq!(seen[0]["account"]["username"], "waiting");
    assert_schema("Notification", &seen[0]);
    let (_, others) = json_of(app.get_with("/api/v1/notifications", &member.token).await).await;
    assert_eq!(others, serde_json::json!([]));
}

#[tokio::test]
async fn closed_mode_refuses_sign_ups() {
    let app = TestApp::spawn_with(|c| c.registrations.mode = RegistrationMode::Closed).await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    assert_eq!(sign_up(&app, &app_token, "outsider", "1").await.status(), 403);
    let (status, _, page) = TestBrowser::new(&app).get("/auth/sign_up").await;
    assert_eq!(status, 403);
    assert!(page.contains("closed"), "{page}");
    let (_, body) = json_of(app.get("/api/v2/instance").await).await;
    assert_eq!(body["registrations"]["enabled"], false);
    let (_, body) = json_of(app.get("/api/v1/instance").await).await;
    assert_eq!(body["registrations"], false);
}

#[tokio::test]
async fn sign_up_page_creates_the_account_and_signs_in() {
    let app = TestApp::spawn().await;
    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.get("/auth/sign_up").await;
    assert_eq!(status, 200);
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let mut form = vec![
        ("authenticity_token", csrf.as_str()),
        ("username", "paige"),
        ("email", "paige@example.com"),
        ("password", "a fine password"),
        ("password_confirmation", "another password"),
        ("agreement", "1"),
        ("return_to", "/about"),
    ];
    let (status, _, page) = browser.post("/auth/sign_up", &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("confirmation differ"), "{page}");
    form[4] = ("password_confirmation", "a fine password");
    let (status, location, _) = browser.post("/auth/sign_up", &form).await;
    assert_eq!((status, location.as_deref()), (303, Some("/about")));
    let sessions: i64 = sqlx::query_scalar("select count(*) from web_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "the new member is signed in");
}

#[tokio::test]
async fn sign_in_refuses_wrong_passwords_and_foreign_return_targets() {
    let app = TestApp::spawn().await;
    app.member("quin", "read").await;
    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.sign_in("quin", "wrong password").await;
    assert_eq!(status, 401);
    assert!(page.contains("Invalid email, username or password"), "{page}");
    let (_, _, page) = browser.get("/auth/sign_in").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, location, _) = browser
        .post(
            "/auth/sign_in",
            &[
                ("username", "quin@example.com"),
                ("password", "correct horse battery"),
                ("authenticity_token", &csrf),
                ("return_to", "//evil.test/phish"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    // A NUL character is refused with the whole request.
    let (status, _, _) = browser.get("/auth/sign_in?return_to=%2F%00%2Fevil.test").await;
    assert_eq!(status, 422);
    let (status, _, _) = browser
        .post("/auth/sign_in", &[("username", "quin"), ("password", "x")])
        .await;
    assert_eq!(status, 422, "no CSRF token, no sign-in");
    let (status, location, _) = browser
        .post("/auth/sign_out", &[("authenticity_token", &csrf)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    let sessions: i64 = sqlx::query_scalar("select count(*) from web_sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // Spellings a browser reads as another host, after dropping tabs and newlines or reading a
    // backslash as a slash, and dot segments that leave `//` behind: each goes home instead; the
    // sign-in page does not offer them either.
    for foreign in [
        "/\t/evil.test/phish",
        "/\n/evil.test",
        "/\\evil.test",
        "/a/..\\/evil.test",
        "/x/..//evil.test",
    ] {
        let (_, _, page) = browser
            .get(&format!(
                "/auth/sign_in?return_to={}",
                url::form_urlencoded::byte_serialize(foreign.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(
            TestBrowser::input_value(&page, "return_to").as_deref(),
            Some("/"),
            "{foreign:?}"
        );
        let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
        let (status, location, _) = browser
            .post(
                "/auth/sign_in",
                &[
                    ("username", "quin"),
                    ("password", "correct horse battery"),
                    ("authenticity_token", &csrf),
                    ("return_to", foreign),
                ],
            )
            .await;
        assert_eq!((status, location.as_deref()), (303, Some("/")), "{foreign:?}");
    }
}
