//! Leaving and moving from the settings pages: aliases, a move (with its cooldown) that the old
//! profile tells of, and deleting one's own account.

use crate::helpers::{TestApp, TestBrowser};

async fn signed_in<'a>(app: &'a TestApp, username: &str) -> (TestBrowser<'a>, String) {
    let mut browser = TestBrowser::new(app);
    assert_eq!(browser.sign_in(username, "correct horse battery").await.0, 303);
    let (_, _, page) = browser.get("/settings/migration").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    (browser, csrf)
}

#[tokio::test]
async fn a_member_moves_away_from_the_settings_page_and_the_profile_says_where() {
    let app = TestApp::spawn().await;
    app.member("oldme", "read").await;
    app.member("newme", "read").await;
    app.member("third", "read").await;
    let follower = app.member("fan", "read write follow").await;
    let oldme: i64 = sqlx::query_scalar("select id from accounts where username = 'oldme'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = app
        .post_form(
            &format!("/api/v1/accounts/{oldme}/follow"),
            Some(&follower.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);

    // Moving before the new account names the old one is refused, with the reason.
    let (mut old, old_csrf) = signed_in(&app, "oldme").await;
    let (status, _, page) = old
        .post(
            "/settings/migration",
            &[
                ("handle", "newme"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &old_csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("among its aliases"), "{page}");

    let (mut new, new_csrf) = signed_in(&app, "newme").await;
    let (status, location, _) = new
        .post(
            "/settings/aliases",
            &[("handle", "@oldme"), ("authenticity_token", &new_csrf)],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/settings/migration?saved=alias"))
    );
    let (_, _, page) = new.get("/settings/migration?saved=alias").await;
    assert!(page.contains("/users/oldme"), "{page}");

    // A wrong password does not move.
    let (status, _, page) = old
        .post(
            "/settings/migration",
            &[
                ("handle", "newme"),
                ("current_password", "wrong"),
                ("authenticity_token", &old_csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("password is not right"), "{page}");
    let (status, _, page) = old
        .post(
            "/settings/migration",
            &[
                ("handle", "newme"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &old_csrf),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your account moved to newme"), "{page}");
    assert!(page.contains("1 follower(s)"), "{page}");
    let (status, _, profile) = TestBrowser::new(&app).get("/@oldme").await;
    assert_eq!(status, 200);
    assert!(profile.contains("This account has moved to"), "{profile}");
    assert!(profile.contains("/@newme"), "{profile}");

    // Once a month at most.
    let (mut third, third_csrf) = signed_in(&app, "third").await;
    third
        .post(
            "/settings/aliases",
            &[("handle", "oldme"), ("authenticity_token", &third_csrf)],
        )
        .await;
    let (status, _, page) = old
        .post(
            "/settings/migration",
            &[
                ("handle", "third"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &old_csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("once every 30 days"), "{page}");

    // An alias can be taken back.
    let uri = format!("http://{}/users/oldme", app.config.server.domain);
    let (status, _, _) = new
        .post(
            "/settings/aliases/remove",
            &[("uri", &uri), ("authenticity_token", &new_csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = new.get("/settings/migration").await;
    assert!(!page.contains("/users/oldme"), "{page}");
}

#[tokio::test]
async fn a_member_deletes_their_own_account_after_typing_name_and_password() {
    let app = TestApp::spawn().await;
    let member = app.member("leaver", "read").await;
    let (mut browser, _) = signed_in(&app, "leaver").await;
    let (status, _, page) = browser.get("/settings/delete").await;
    assert_eq!(status, 200);
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, page) = browser
        .post(
            "/settings/delete",
            &[
                ("confirm_username", "someone"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Type your username"), "{page}");
    let (status, _, page) = browser
        .post(
            "/settings/delete",
            &[
                ("confirm_username", "leaver"),
                ("current_password", "nope"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("password is not right"), "{page}");
    let (status, _, page) = browser
        .post(
            "/settings/delete",
            &[
                ("confirm_username", "@Leaver"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your account was deleted"), "{page}");
    assert_ne!(browser.get("/settings/profile").await.0, 200);
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("leaver", "correct horse battery")
            .await
            .0,
        401
    );
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &member.token)
            .await
            .status(),
        401
    );
    assert_ne!(TestBrowser::new(&app).get("/@leaver").await.0, 200);
}
