//! The member pages' social side: polls made and voted in, remote accounts found and followed,
//! follow requests answered, blocks and mutes, lists.

use serde_json::Value;

use crate::fake_remote::{FakeRemote, route_to};
use crate::federation_in::count;
use crate::helpers::{TestApp, TestBrowser, json_of};
use crate::web_member::{signed_in, token};

#[tokio::test]
async fn a_poll_is_made_in_the_composer_and_voted_in_from_a_page() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    app.member("bob", "read write").await;
    let mut alice_browser = signed_in(&app, "alice").await;
    let (_, _, home) = alice_browser.get("/home").await;
    let (status, location, body) = alice_browser
        .post_multipart(
            "/statuses",
            &[
                ("authenticity_token", &token(&home)),
                ("status", "Tea or coffee?"),
                ("visibility", "public"),
                ("poll_option_1", "Tea"),
                ("poll_option_2", "Coffee"),
                ("poll_option_3", ""),
                ("poll_expires_in", "3600"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let path = location.unwrap();
    let (_, statuses) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/statuses", alice.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    let poll: &Value = &statuses[0]["poll"];
    assert_eq!(poll["options"].as_array().unwrap().len(), 2, "{poll}");
    let poll_id = poll["id"].as_str().unwrap();

    let mut bob = signed_in(&app, "bob").await;
    let (status, _, page) = bob.get(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("action=\"/polls/{poll_id}/votes\"")),
        "{page}"
    );
    let (status, _, refused) = bob
        .post(
            &format!("/polls/{poll_id}/votes"),
            &[("authenticity_token", &token(&page))],
        )
        .await;
    assert_eq!(status, 422, "no choice: {refused}");
    let (status, location, _) = bob
        .post(
            &format!("/polls/{poll_id}/votes"),
            &[
                ("authenticity_token", &token(&page)),
                ("choices[]", "1"),
                ("return_to", &path),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some(path.as_str())));
    let (_, _, page) = bob.get(&path).await;
    assert!(
        page.contains("Coffee <span class=\"meta\">(your vote)</span>"),
        "{page}"
    );
    assert!(!page.contains("/votes\""), "voted: no form any more");
    let (_, poll) = json_of(
        app.get_with(&format!("/api/v1/polls/{poll_id}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(poll["options"][1]["votes_count"], 1);
}

#[tokio::test]
async fn a_remote_account_is_found_by_its_handle_and_followed_from_its_page() {
    let remote = FakeRemote::start("remote.test").await;
    remote.add_actor("carol");
    let routed = remote.clone();
    let app = TestApp::spawn_with(move |config| route_to(config, &[&routed])).await;
    app.member("alice", "read write").await;
    let mut browser = signed_in(&app, "alice").await;

    let (status, _, found) = browser.get("/search?q=%40carol%40remote.test").await;
    assert_eq!(status, 200, "{found}");
    assert!(found.contains("@carol@remote.test"), "{found}");
    let carol_id: i64 = sqlx::query_scalar("select id from accounts where username = 'carol'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page_path = format!("/accounts/{carol_id}");
    assert!(found.contains(&page_path));
    let (status, _, page) = browser.get(&page_path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("On its server"), "a link to the original profile");
    let (status, _, _) = browser
        .post(
            &format!("{page_path}/follow"),
            &[("authenticity_token", &token(&page)), ("return_to", &page_path)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        count(
            &app,
            "select count(*) from outgoing_activities where body->>'type' = 'Follow'"
        )
        .await,
        1,
        "the remote server is sent the Follow"
    );
    let (_, _, page) = browser.get(&page_path).await;
    assert!(
        page.contains(">Cancel follow request</button>") || page.contains(">Unfollow</button>"),
        "{page}"
    );

    // A visitor's search does not reach out to other servers.
    let before = remote.received().len();
    let (status, _, page) = TestBrowser::new(&app)
        .get("/search?q=%40dave%40remote.test")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("No accounts found."), "{page}");
    assert_eq!(
        remote.received().len(),
        before,
        "nothing was asked of the remote server"
    );
}

#[tokio::test]
async fn follow_requests_are_answered_and_blocks_and_mutes_hide_posts() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    sqlx::query("update accounts set locked = true where id = $1")
        .bind(alice.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut bob_browser = signed_in(&app, "bob").await;
    let alice_page = format!("/accounts/{}", alice.account_id);
    let (_, _, page) = bob_browser.get(&alice_page).await;
    assert!(page.contains("approves followers"), "{page}");
    bob_browser
        .post(
            &format!("{alice_page}/follow"),
            &[("authenticity_token", &token(&page)), ("return_to", &alice_page)],
        )
        .await;
    let (_, _, page) = bob_browser.get(&alice_page).await;
    assert!(page.contains(">Cancel follow request</button>"), "{page}");

    let mut alice_browser = signed_in(&app, "alice").await;
    let (_, _, requests) = alice_browser.get("/follow_requests").await;
    assert!(requests.contains("bob"), "{requests}");
    let (status, _, _) = alice_browser
        .post(
            &format!("/accounts/{}/authorize", bob.account_id),
            &[
                ("authenticity_token", &token(&requests)),
                ("return_to", "/follow_requests"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, requests) = alice_browser.get("/follow_requests").await;
    assert!(requests.contains("Nobody is waiting"), "{requests}");
    let (_, _, page) = bob_browser.get(&alice_page).await;
    assert!(page.contains(">Unfollow</button>"), "{page}");
    let (_, _, followers) = bob_browser.get(&format!("{alice_page}/followers")).await;
    assert!(followers.contains("@bob"), "{followers}");

    // Alice mutes, then blocks bob: his posts leave her timelines.
    let (status, body) = json_of(
        app.post_form("/api/v1/statuses", Some(&bob.token), &[("status", "bob speaks")])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, local) = alice_browser.get("/public/local").await;
    assert!(local.contains("bob speaks"));
    let bob_page = format!("/accounts/{}", bob.account_id);
    for action in ["mute", "unmute", "block"] {
        let (_, _, page) = alice_browser.get(&bob_page).await;
        let (status, _, _) = alice_browser
            .post(
                &format!("{bob_page}/{action}"),
                &[("authenticity_token", &token(&page)), ("return_to", &bob_page)],
            )
            .await;
        assert_eq!(status, 303, "{action}");
    }
    let (_, _, page) = alice_browser.get(&bob_page).await;
    assert!(page.contains(">Unblock</button>"), "{page}");
    let (_, _, local) = alice_browser.get("/public/local").await;
    assert!(!local.contains("bob speaks"), "{local}");
    assert_eq!(count(&app, "select count(*) from blocks").await, 1);
    assert_eq!(count(&app, "select count(*) from mutes").await, 0);
}

#[tokio::test]
async fn lists_are_listed_and_read() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write").await;
    app.post_form(
        &format!("/api/v1/accounts/{}/follow", bob.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    let (_, list) = json_of(
        app.post_form("/api/v1/lists", Some(&alice.token), &[("title", "Friends")])
            .await,
    )
    .await;
    let list_id = list["id"].as_str().unwrap().to_owned();
    let response = app
        .post_form(
            &format!("/api/v1/lists/{list_id}/accounts"),
            Some(&alice.token),
            &[("account_ids[]", &bob.account_id.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200);
    app.post_form("/api/v1/statuses", Some(&bob.token), &[("status", "in the list")])
        .await;
    let mut browser = signed_in(&app, "alice").await;
    let (_, _, lists) = browser.get("/lists").await;
    assert!(
        lists.contains(&format!("href=\"/lists/{list_id}\">Friends")),
        "{lists}"
    );
    let (status, _, page) = browser.get(&format!("/lists/{list_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("in the list"), "{page}");
    let mut bob_browser = signed_in(&app, "bob").await;
    let (status, _, _) = bob_browser.get(&format!("/lists/{list_id}")).await;
    assert_eq!(status, 404, "another member's list");
}

#[tokio::test]
async fn replies_stay_as_private_as_what_they_answer_and_pages_stay_private() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    app.member("bob", "read write").await;
    let (_, direct) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "@bob psst"), ("visibility", "direct")],
        )
        .await,
    )
    .await;
    let id = direct["id"].as_str().unwrap();
    let mut bob = signed_in(&app, "bob").await;
    let (status, _, form) = bob.get(&format!("/statuses/new?in_reply_to_id={id}")).await;
    assert_eq!(status, 200);
    assert!(form.contains("<option value=\"direct\" selected>"), "{form}");
    assert!(form.contains("@alice "), "{form}");
    let (_, _, thread) = bob.get(&format!("/statuses/{id}")).await;
    assert!(
        thread.contains("<option value=\"direct\" selected>"),
        "the thread's reply box too"
    );

    // The same form sent twice posts once.
    let fields = [
        ("authenticity_token", token(&form)),
        (
            "idempotency_key",
            TestBrowser::input_value(&form, "idempotency_key").unwrap(),
        ),
        ("status", "@alice once".to_owned()),
        ("in_reply_to_id", id.to_owned()),
        ("visibility", "direct".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, first, _) = bob.post_multipart("/statuses", &fields, &[]).await;
    let (_, second, _) = bob.post_multipart("/statuses", &fields, &[]).await;
    assert_eq!(first, second);
    assert_eq!(count(&app, "select count(*) from statuses").await, 2);

    // A member's pages are theirs alone: no shared cache keeps them.
    let response = app
        .client
        .get(format!("{}/@alice", app.base_url))
        .header("cookie", bob.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let anonymous = app.get("/@alice").await;
    assert!(anonymous.headers().get("cache-control").is_none());
    assert!(
        anonymous
            .headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Cookie")),
        "{:?}",
        anonymous.headers()
    );

    // A boost's page is its original's; unreadable input is an error page, not JSON.
    let (_, boost) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "boost me"), ("visibility", "public")],
        )
        .await,
    )
    .await;
    let original = boost["id"].as_str().unwrap();
    let (_, reblog) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{original}/reblog"),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    let (status, location, _) = bob
        .get(&format!("/statuses/{}", reblog["id"].as_str().unwrap()))
        .await;
    assert_eq!((status, location), (303, Some(format!("/statuses/{original}"))));
    let (status, _, page) = bob.get("/home?max_id=nonsense").await;
    assert_eq!(status, 422, "as the API answers it: {page}");
    assert!(page.contains("<html"), "{page}");
}
