//! The member's web interface, driven as a browser drives it: forms with CSRF tokens, cookies,
//! redirects. What a page shows is what the API shows the same member (visibility included).

use image::ImageFormat;
use serde_json::Value;

use crate::federation_in::count;
use crate::helpers::{TestApp, TestBrowser, json_of};
use crate::media::{encoded, picture};

const PASSWORD: &str = "correct horse battery";

async fn spawn() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.server.data_dir = path).await;
    (app, dir)
}

/// A browser signed in as `username` (a member made by `TestApp::member`).
pub async fn signed_in<'a>(app: &'a TestApp, username: &str) -> TestBrowser<'a> {
    let mut browser = TestBrowser::new(app);
    let (status, _, page) = browser.sign_in(username, PASSWORD).await;
    assert_eq!(status, 303, "{page}");
    browser
}

/// The CSRF token of a page (every form on it carries the same one).
pub fn token(page: &str) -> String {
    TestBrowser::input_value(page, "authenticity_token").expect("a form with a token")
}

async fn post_by_api(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> Value {
    let (status, body) = json_of(app.post_form("/api/v1/statuses", Some(token), fields).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_member_posts_with_a_warning_and_a_picture_and_sees_it_at_home() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let mut browser = signed_in(&app, "alice").await;

    let (status, location, _) = browser.get("/").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/home")),
        "signed in: the front page is home"
    );
    let (status, _, home) = browser.get("/home").await;
    assert_eq!(status, 200, "{home}");
    assert!(
        home.contains("action=\"/statuses\""),
        "the composer is on the home page"
    );
    assert!(
        home.contains("action=\"/auth/sign_out\""),
        "a sign-out button on the page"
    );

    let png = encoded(&picture(64, 48), ImageFormat::Png);
    let csrf = token(&home);
    let fields = [
        ("authenticity_token", csrf.as_str()),
        ("status", "Hello from the browser #webtest"),
        ("spoiler_text", "about the weather"),
        ("visibility", "public"),
        ("language", "en"),
        ("media_1_description", "A gradient, red to green"),
    ];
    let (status, location, page) = browser
        .post_multipart("/statuses", &fields, &[("media_1", "grad.png", png)])
        .await;
    assert_eq!(status, 303, "{page}");
    let location = location.unwrap();
    assert!(location.starts_with("/statuses/"), "{location}");

    // The API sees the post as typed, with its picture and description.
    let (_, statuses) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/statuses", alice.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    let posted = &statuses[0];
    assert_eq!(posted["spoiler_text"], "about the weather");
    assert_eq!(posted["language"], "en");
    assert_eq!(
        posted["media_attachments"][0]["description"],
        "A gradient, red to green"
    );
    assert_eq!(posted["tags"][0]["name"], "webtest");

    let (status, _, home) = browser.get("/home").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("<summary>about the weather"),
        "the warning hides the text: {home}"
    );
    assert!(
        home.contains("alt=\"A gradient, red to green\""),
        "alt text on the picture"
    );
    assert!(home.contains("Hello from the browser"));

    // The hashtag link in the post leads to the tag page, which has it, and to its feed.
    assert!(home.contains("/tags/webtest"), "{home}");
    let (status, _, tag) = TestBrowser::new(&app).get("/tags/webtest").await;
    assert_eq!(status, 200, "{tag}");
    assert!(tag.contains("Hello from the browser"), "{tag}");
    assert!(tag.contains("application/rss+xml"));
    let rss = app.get("/tags/webtest.rss").await;
    assert_eq!(rss.status(), 200);
    assert!(
        rss.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    let rss = rss.text().await.unwrap();
    assert!(rss.contains("<rss version=\"2.0\""), "{rss}");
    assert!(
        rss.contains("Content warning: about the weather"),
        "the feed keeps the warning: {rss}"
    );
    assert!(
        !rss.contains("Hello from the browser"),
        "and not the text behind it"
    );

    // Too long: the form comes back with the problem and what was typed.
    let long = "x".repeat(600);
    let (status, _, refused) = browser
        .post_multipart(
            "/statuses",
            &[("authenticity_token", csrf.as_str()), ("status", &long)],
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.contains("character limit"), "{refused}");
    assert!(refused.contains(&long), "the text stays in the form");
}

#[tokio::test]
async fn forms_without_the_token_are_refused_and_change_nothing() {
    let (app, _dir) = spawn().await;
    app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let post = post_by_api(&app, &bob.token, &[("status", "bob's post")]).await;
    let id = post["id"].as_str().unwrap();
    let mut browser = signed_in(&app, "alice").await;

    for path in [
        format!("/statuses/{id}/favourite"),
        format!("/statuses/{id}/reblog"),
        format!("/accounts/{}/follow", bob.account_id),
    ] {
        let (status, _, page) = browser.post(&path, &[("authenticity_token", "forged")]).await;
        assert_eq!(status, 422, "{path}: {page}");
    }
    let (status, _, _) = browser
        .post_multipart(
            "/statuses",
            &[("authenticity_token", ""), ("status", "forged")],
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(count(&app, "select count(*) from favourites").await, 0);
    assert_eq!(count(&app, "select count(*) from follows").await, 0);
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);

    // Nobody signed in: a form is refused, a page leads to the sign-in.
    let mut visitor = TestBrowser::new(&app);
    let (_, _, page) = visitor.get("/auth/sign_in").await;
    let (status, _, _) = visitor
        .post(
            &format!("/statuses/{id}/favourite"),
            &[("authenticity_token", &token(&page))],
        )
        .await;
    assert_eq!(status, 401);
    let (status, location, _) = visitor.get("/notifications").await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/auth/sign_in?return_to=%2Fnotifications")
    );
}

#[tokio::test]
async fn members_favourite_boost_follow_and_read_their_notifications() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let post = post_by_api(&app, &bob.token, &[("status", "a post by bob")]).await;
    let id = post["id"].as_str().unwrap().to_owned();
    let mut alice_browser = signed_in(&app, "alice").await;

    // Bob's page, from the local timeline: follow him.
    let (status, _, local) = alice_browser.get("/public/local").await;
    assert_eq!(status, 200, "{local}");
    assert!(local.contains("a post by bob"));
    let bob_page = format!("/accounts/{}", bob.account_id);
    assert!(local.contains(&bob_page));
    let (status, _, profile) = alice_browser.get(&bob_page).await;
    assert_eq!(status, 200, "{profile}");
    assert!(profile.contains(">Follow</button>"), "{profile}");
    let (status, location, _) = alice_browser
        .post(
            &format!("{bob_page}/follow"),
            &[("authenticity_token", &token(&profile)), ("return_to", &bob_page)],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some(bob_page.as_str())));
    let (_, _, profile) = alice_browser.get(&bob_page).await;
    assert!(profile.contains(">Unfollow</button>"), "{profile}");

    // Favourite and boost from the post's page, back to it.
    let here = format!("/statuses/{id}");
    let (_, _, page) = alice_browser.get(&here).await;
    for action in ["favourite", "reblog", "bookmark"] {
        let (status, location, body) = alice_browser
            .post(
                &format!("/statuses/{id}/{action}"),
                &[("authenticity_token", &token(&page)), ("return_to", &here)],
            )
            .await;
        assert_eq!(status, 303, "{action}: {body}");
        assert_eq!(location.unwrap(), format!("{here}#post-{id}"));
    }
    let (_, _, page) = alice_browser.get(&here).await;
    assert!(page.contains(">Unfavourite</button>"), "{page}");
    assert!(page.contains(">Unboost</button>"));
    let (_, _, bookmarks) = alice_browser.get("/bookmarks").await;
    assert!(bookmarks.contains("a post by bob"), "{bookmarks}");
    let (_, status_json) = json_of(app.get_with(&format!("/api/v1/statuses/{id}"), &bob.token).await).await;
    assert_eq!(status_json["favourites_count"], 1);
    assert_eq!(status_json["reblogs_count"], 1);

    // Bob reads it all in his notifications, and can filter them.
    let mut bob_browser = signed_in(&app, "bob").await;
    let (status, _, notifications) = bob_browser.get("/notifications").await;
    assert_eq!(status, 200, "{notifications}");
    for what in ["followed you", "favourited your post", "boosted your post"] {
        assert!(notifications.contains(what), "{what}: {notifications}");
    }
    let (_, _, favourites_only) = bob_browser.get("/notifications?type=favourite").await;
    assert!(favourites_only.contains("favourited your post"));
    assert!(!favourites_only.contains("followed you"), "{favourites_only}");

    // Alice's home has bob's posts now that she follows him; her reply reaches him.
    let (_, _, reply_form) = alice_browser
        .get(&format!("/statuses/new?in_reply_to_id={id}"))
        .await;
    assert!(
        reply_form.contains("@bob "),
        "the reply starts with the handle: {reply_form}"
    );
    let (status, _, body) = alice_browser
        .post_multipart(
            "/statuses",
            &[
                ("authenticity_token", &token(&reply_form)),
                ("status", "@bob nice one"),
                ("in_reply_to_id", &id),
                ("visibility", "public"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let (_, _, thread) = alice_browser.get(&here).await;
    assert!(
        thread.contains("nice one"),
        "the reply is in the thread: {thread}"
    );
    let (_, _, mentions) = bob_browser.get("/notifications?type=mention").await;
    assert!(mentions.contains("nice one"), "{mentions}");
    let _ = alice;
}

#[tokio::test]
async fn pages_show_only_what_the_reader_may_see_and_only_the_author_edits() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    app.member("carol", "read write").await;
    let private = post_by_api(
        &app,
        &alice.token,
        &[("status", "for followers only"), ("visibility", "private")],
    )
    .await;
    let direct = post_by_api(
        &app,
        &alice.token,
        &[("status", "@bob just for you"), ("visibility", "direct")],
    )
    .await;
    let public = post_by_api(
        &app,
        &alice.token,
        &[("status", "for everyone"), ("visibility", "public")],
    )
    .await;
    let private_id = private["id"].as_str().unwrap();
    let direct_id = direct["id"].as_str().unwrap();
    let public_id = public["id"].as_str().unwrap();

    let mut carol = signed_in(&app, "carol").await;
    let mut visitor = TestBrowser::new(&app);
    for browser in [&mut carol, &mut visitor] {
        for id in [private_id, direct_id] {
            let (status, _, page) = browser.get(&format!("/statuses/{id}")).await;
            assert_eq!(status, 404, "{page}");
        }
        let (_, _, profile) = browser.get(&format!("/accounts/{}", alice.account_id)).await;
        assert!(profile.contains("for everyone"), "{profile}");
        assert!(
            !profile.contains("for followers only") && !profile.contains("just for you"),
            "{profile}"
        );
    }
    let mut bob_browser = signed_in(&app, "bob").await;
    let (status, _, page) = bob_browser.get(&format!("/statuses/{direct_id}")).await;
    assert_eq!(status, 200, "the mentioned member reads it: {page}");
    let (status, _, _) = bob_browser.get(&format!("/statuses/{private_id}")).await;
    assert_eq!(status, 404, "not a follower");

    // Another member's post: no edit or delete offered, and the forms are refused.
    let (_, _, page) = bob_browser.get(&format!("/statuses/{public_id}")).await;
    assert!(!page.contains(&format!("/statuses/{public_id}/edit")), "{page}");
    let (status, _, _) = bob_browser.get(&format!("/statuses/{public_id}/edit")).await;
    assert_eq!(status, 404);
    let csrf = token(&page);
    let (status, _, _) = bob_browser
        .post(
            &format!("/statuses/{public_id}/edit"),
            &[("authenticity_token", &csrf), ("status", "defaced")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = bob_browser
        .post(
            &format!("/statuses/{public_id}/delete"),
            &[("authenticity_token", &csrf)],
        )
        .await;
    assert_eq!(status, 404);
    let (_, body) = json_of(
        app.get_with(&format!("/api/v1/statuses/{public_id}"), &bob.token)
            .await,
    )
    .await;
    assert_eq!(body["content"], "<p>for everyone</p>");

    // The author edits and deletes.
    let mut alice_browser = signed_in(&app, "alice").await;
    let (status, _, form) = alice_browser.get(&format!("/statuses/{public_id}/edit")).await;
    assert_eq!(status, 200);
    assert!(form.contains(">for everyone</textarea>"), "{form}");
    let (status, _, _) = alice_browser
        .post(
            &format!("/statuses/{public_id}/edit"),
            &[
                ("authenticity_token", &token(&form)),
                ("status", "for everyone, edited"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = json_of(
        app.get_with(&format!("/api/v1/statuses/{public_id}"), &bob.token)
            .await,
    )
    .await;
    assert_eq!(page["content"], "<p>for everyone, edited</p>");
    assert!(page["edited_at"].is_string());
    let (status, location, _) = alice_browser
        .post(
            &format!("/statuses/{public_id}/delete"),
            &[
                ("authenticity_token", &token(&form)),
                ("return_to", &format!("/statuses/{public_id}")),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));
    let (status, _, _) = alice_browser.get(&format!("/statuses/{public_id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn settings_change_the_profile_preferences_password_and_apps() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let mut browser = signed_in(&app, "alice").await;

    let (status, _, form) = browser.get("/settings/profile").await;
    assert_eq!(status, 200, "{form}");
    let avatar = encoded(&picture(80, 80), ImageFormat::Png);
    let (status, location, body) = browser
        .post_multipart(
            "/settings/profile",
            &[
                ("authenticity_token", &token(&form)),
                ("display_name", "Alice A."),
                ("note", "Gardener & <coder>"),
                ("field_1_name", "Pronouns"),
                ("field_1_value", "she/her"),
                ("locked", "true"),
            ],
            // The header's input left empty, as a browser sends it: no change, no error.
            &[("avatar", "me.png", avatar), ("header", "", Vec::new())],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location.as_deref(), Some("/settings/profile?saved=true"));
    let (_, me) = json_of(
        app.get_with("/api/v1/accounts/verify_credentials", &alice.token)
            .await,
    )
    .await;
    assert_eq!(me["display_name"], "Alice A.");
    assert_eq!(me["locked"], true);
    assert_eq!(me["fields"][0]["name"], "Pronouns");
    assert!(
        !me["avatar"].as_str().unwrap().ends_with("/static/avatar.png"),
        "{me}"
    );
    let (_, _, profile) = browser.get(&format!("/accounts/{}", alice.account_id)).await;
    assert!(
        profile.contains("Gardener &amp; &lt;coder&gt;"),
        "the bio is escaped: {profile}"
    );

    // Over the limit: refused with the reason, what was typed kept.
    let (status, _, refused) = browser
        .post_multipart(
            "/settings/profile",
            &[
                ("authenticity_token", &token(&form)),
                ("display_name", &"n".repeat(31)),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.contains("Display name is too long"), "{refused}");

    let (_, _, preferences) = browser.get("/settings/preferences").await;
    let (status, _, _) = browser
        .post(
            "/settings/preferences",
            &[
                ("authenticity_token", &token(&preferences)),
                ("default_privacy", "unlisted"),
                ("default_language", "de"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, prefs) = json_of(app.get_with("/api/v1/preferences", &alice.token).await).await;
    assert_eq!(prefs["posting:default:visibility"], "unlisted");
    assert_eq!(prefs["posting:default:language"], "de");

    // The app the member authorized is listed and can be revoked; its token then fails.
    let (_, _, apps) = browser.get("/settings/applications").await;
    assert!(apps.contains("Test"), "{apps}");
    let app_id: i64 = sqlx::query_scalar("select application_id from oauth_access_tokens limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _, _) = browser
        .post(
            &format!("/settings/applications/{app_id}/revoke"),
            &[("authenticity_token", &token(&apps))],
        )
        .await;
    assert_eq!(status, 303);
    let response = app
        .get_with("/api/v1/accounts/verify_credentials", &alice.token)
        .await;
    assert_eq!(response.status(), 401);

    // A second browser is signed out by a password change; this one stays.
    let mut other = signed_in(&app, "alice").await;
    let (_, _, sessions) = browser.get("/settings/sessions").await;
    assert!(sessions.contains("(this browser)"), "{sessions}");
    let (_, _, form) = browser.get("/settings/password").await;
    let (status, _, wrong) = browser
        .post(
            "/settings/password",
            &[
                ("authenticity_token", &token(&form)),
                ("current_password", "not it"),
                ("password", "a brand new passphrase"),
                ("password_confirmation", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(wrong.contains("current password is not right"), "{wrong}");
    let (status, _, _) = browser
        .post(
            "/settings/password",
            &[
                ("authenticity_token", &token(&form)),
                ("current_password", PASSWORD),
                ("password", "a brand new passphrase"),
                ("password_confirmation", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, _) = browser.get("/home").await;
    assert_eq!(status, 200, "this browser stays signed in");
    let (status, _, _) = other.get("/home").await;
    assert_eq!(status, 303, "the other one is signed out");
    let (status, _, _) = TestBrowser::new(&app)
        .sign_in("alice", "a brand new passphrase")
        .await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn the_session_cookie_lasts_as_long_as_the_session_and_search_finds_accounts() {
    let (app, _dir) = spawn().await;
    app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let mut browser = TestBrowser::new(&app);
    let (_, _, page) = browser.get("/auth/sign_in").await;
    let response = app
        .client
        .post(format!("{}/auth/sign_in", app.base_url))
        .header("cookie", browser.cookie_header())
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("authenticity_token", token(&page).as_str()),
        ])
        .send()
        .await
        .unwrap();
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("_ferrodon_session="))
        .unwrap();
    assert!(session.contains("Max-Age=2592000"), "{session}");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );

    let mut browser = signed_in(&app, "alice").await;
    let (status, _, found) = browser.get("/search?q=bob").await;
    assert_eq!(status, 200, "{found}");
    assert!(
        found.contains(&format!("/accounts/{}", bob.account_id)),
        "{found}"
    );
    let (status, _, _) = browser.get("/search?q=%23").await;
    assert_eq!(status, 200, "a bare # is no error page");

    // A visitor on a public profile is offered to follow from their own server.
    let (_, _, profile) = TestBrowser::new(&app).get("/@bob").await;
    assert!(profile.contains("action=\"/remote_follow\""), "{profile}");
    let (status, _, leaving) = TestBrowser::new(&app)
        .get("/remote_follow?acct=bob&server=%40me%40elsewhere.test")
        .await;
    assert_eq!(
        status, 200,
        "a page naming where the visitor goes, not a blind redirect"
    );
    let destination = format!(
        "https://elsewhere.test/authorize_interaction?uri=acct%3Abob%40{}",
        form_urlencoded::byte_serialize(app.config.server.domain.as_bytes()).collect::<String>()
    );
    assert!(leaving.contains(&format!("href=\"{destination}\"")), "{leaving}");
    let response = app.get("/remote_follow?acct=bob&server=evil.test%2F%2Fx").await;
    assert_eq!(response.status(), 422);
    let rss = app.get("/@bob.rss").await;
    assert_eq!(rss.status(), 200);
}
