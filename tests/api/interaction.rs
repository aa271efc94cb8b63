//! `/authorize_interaction`: other servers send our members here to follow an account, or the
//! author of a post, they found there.

use serde_json::json;

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::federation_in::count;
use crate::helpers::{TestApp, TestBrowser, json_of};

async fn relationship(app: &TestApp, token: &str, id: i64) -> serde_json::Value {
    let (_, list) = json_of(
        app.get_with(&format!("/api/v1/accounts/relationships?id[]={id}"), token)
            .await,
    )
    .await;
    list[0].clone()
}

#[tokio::test]
async fn a_member_follows_a_remote_account_from_its_handle_after_signing_in() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let routed = remote.clone();
    let app = TestApp::spawn_with(move |config| route_to(config, &[&routed])).await;
    let alice = app.member("alice", "read").await;
    let mut browser = TestBrowser::new(&app);

    let path = "/authorize_interaction?uri=acct%3Abob%40remote.test";
    let (status, location, _) = browser.get(path).await;
    assert_eq!(status, 303, "not signed in: to the sign-in page");
    let location = location.unwrap();
    assert_eq!(
        location,
        "/auth/sign_in?return_to=%2Fauthorize_interaction%3Furi%3Dacct%253Abob%2540remote.test"
    );
    let (status, back, _) = browser.sign_in("alice", "correct horse battery").await;
    assert!(status == 303 || status == 302, "{status}");
    let _ = back;

    let (status, _, page) = browser.get(path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Follow @bob@remote.test"), "{page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let account_id = TestBrowser::input_value(&page, "account_id").unwrap();

    let (status, _, refused) = browser
        .post(
            "/authorize_interaction",
            &[("authenticity_token", ""), ("account_id", &account_id)],
        )
        .await;
    assert_eq!(status, 422, "a form without its token is refused: {refused}");
    assert_eq!(count(&app, "select count(*) from follow_requests").await, 0);

    let (status, _, done) = browser
        .post(
            "/authorize_interaction",
            &[("authenticity_token", &token), ("account_id", &account_id)],
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let id: i64 = account_id.parse().unwrap();
    let relation = relationship(&app, &alice.token, id).await;
    assert!(
        relation["requested"] == true || relation["following"] == true,
        "{relation}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from outgoing_activities where body->>'type' = 'Follow'"
        )
        .await,
        1,
        "bob's server is sent the Follow"
    );
    let (_, _, again) = browser.get(path).await;
    assert!(
        !again.contains("<button type=\"submit\">Follow"),
        "nothing more to do: {again}"
    );
    assert_eq!(bob.uri, format!("{}/users/bob", remote.base()));

    // Disabled since signing in: signed out, and the form acts no more.
    sqlx::query("update users set disabled = true where account_id = $1")
        .bind(alice.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _, _) = browser.get(path).await;
    assert_eq!(status, 303, "to the sign-in page");
    let (status, _, refused) = browser
        .post(
            "/authorize_interaction",
            &[("authenticity_token", &token), ("account_id", &account_id)],
        )
        .await;
    assert!(status == 401 || status == 303, "{status}: {refused}");
}

#[tokio::test]
async fn a_post_offers_its_author_and_unknown_or_missing_targets_are_refused() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let note = create_note(&bob, "1", json!({"content": "<p>found elsewhere</p>"}))["object"].clone();
    remote.serve_object(&note);
    let routed = remote.clone();
    let app = TestApp::spawn_with(move |config| route_to(config, &[&routed])).await;
    app.member("alice", "read").await;
    let carol = app.member("carol", "read").await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("alice", "correct horse battery").await;

    let url = note["id"].as_str().unwrap();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("uri", url)
        .finish();
    let (status, _, page) = browser.get(&format!("/authorize_interaction?{query}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("A post by @bob@remote.test"), "{page}");
    assert!(page.contains(url), "the page links the post");
    assert!(page.contains("Follow @bob@remote.test"));

    // A local account by its profile address: followed at once.
    let profile = format!("{}/@carol", app.config.base_url());
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("uri", &profile)
        .finish();
    let (status, _, page) = browser.get(&format!("/authorize_interaction?{query}")).await;
    assert_eq!(status, 200, "{page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, done) = browser
        .post(
            "/authorize_interaction",
            &[
                ("authenticity_token", &token),
                ("account_id", &carol.account_id.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(done.contains("You now follow @carol"), "{done}");

    for (path, expected) in [
        ("/authorize_interaction", 400),
        ("/authorize_interaction?uri=acct%3Anobody%40nowhere", 404),
        ("/authorize_interaction?uri=not+a+handle", 404),
    ] {
        assert_eq!(browser.get(path).await.0, expected, "{path}");
    }
}
