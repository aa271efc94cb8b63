//! Federation in: the inbox's checks, activity processing, remote resolution and thread fetching,
//! against fake remote servers with real names.

use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use ferrodon::federation::signatures::sign_post;
use serde_json::{Value, json};

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::helpers::{TestApp, json_of};

/// An app whose outgoing requests reach these fake remotes.
pub async fn app_with(remotes: &[&FakeRemote]) -> TestApp {
    let remotes: Vec<FakeRemote> = remotes.iter().map(|r| (*r).clone()).collect();
    TestApp::spawn_with(move |config| {
        let refs: Vec<&FakeRemote> = remotes.iter().collect();
        route_to(config, &refs);
    })
    .await
}

/// The number a counting query gives.
pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn remote_status(app: &TestApp, uri: &str) -> Option<(i64, String, String)> {
    sqlx::query_as::<_, (i64, String, String)>("select id, content, visibility from statuses where uri = $1")
        .bind(uri)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

/// The actor URI of a local member.
pub fn local_actor(app: &TestApp, username: &str) -> String {
    format!("{}/users/{username}", app.state.base_url)
}

#[tokio::test]
async fn a_signed_create_is_accepted_queued_and_shown_with_its_author() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let reader = app.member("reader", "read write").await;

    let activity = create_note(
        &bob,
        "1",
        json!({ "content": "<p>Hello <b>world</b></p>", "tag": [{"type": "Hashtag", "name": "#Rust"}] }),
    );
    let response = bob.post(&app, "/inbox", &activity).await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'process_activity'").await,
        1
    );
    app.run_jobs().await;

    let (id, content, visibility) = remote_status(&app, activity["object"]["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(visibility, "public");
    assert!(content.contains("Hello"));
    let (status, body) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}"), &reader.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["acct"], "bob@remote.test");
    assert_eq!(body["account"]["display_name"], "bob of remote.test");
    assert_eq!(body["uri"], activity["object"]["id"]);
    assert_eq!(body["tags"][0]["name"], "rust");
    // The status id carries its published time, so it sorts among others by time.
    let published = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z").unwrap();
    assert_eq!(id >> 16, published.timestamp_millis());
    let (_, timeline) = json_of(
        app.get_with("/api/v1/timelines/public?remote=true", &reader.token)
            .await,
    )
    .await;
    assert_eq!(timeline.as_array().unwrap().len(), 1);

    // A redelivery is processed once.
    assert_eq!(bob.post(&app, "/inbox", &activity).await.status(), 202);
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);
}

#[tokio::test]
async fn personal_inboxes_accept_too_but_only_for_members_who_exist() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    app.member("alice", "read").await;
    let activity = create_note(&bob, "2", json!({}));
    assert_eq!(
        bob.post(&app, "/users/alice/inbox", &activity).await.status(),
        202
    );
    assert_eq!(
        bob.post(&app, "/users/nobody/inbox", &activity).await.status(),
        404
    );
}

/// The inbox answered `expected` and queued nothing. With `unfetched`, the refusal also came
/// before anything was fetched: that remote has received no request at all so far.
async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    expected: u16,
    unfetched: Option<&FakeRemote>,
) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(status, expected, "{body}");
    assert_eq!(
        count(app, "select count(*) from jobs where kind = 'process_activity'").await,
        0
    );
    if let Some(remote) = unfetched {
        let received: Vec<String> = remote.received().iter().map(|r| r.path.clone()).collect();
        assert!(
            received.is_empty(),
            "refused only after fetching {received:?}: {body}"
        );
    }
}

#[tokio::test]
async fn unsigned_tampered_stale_and_misattributed_requests_are_refused_and_store_nothing() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let activity = create_note(&bob, "3", json!({}));
    let body = serde_json::to_vec(&activity).unwrap();

    // No signature at all.
    let unsigned = app
        .client
        .post(format!("{}/inbox", app.base_url))
        .header("content-type", "application/activity+json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_refused(&app, unsigned, 401, Some(&remote)).await;

    // The body changed after signing.
    let mut changed = body.clone();
    let at = changed.iter().position(|b| *b == b'H').unwrap();
    changed[at] = b'J';
    let url = url::Url::parse(&format!("{}/inbox", app.base_url)).unwrap();
    let key = bob.signing_key();
    let headers_for = |body: &[u8], now: SystemTime| {
        let mut headers = HeaderMap::new();
        for (name, value) in sign_post(&key, &url, body, now) {
            headers.insert(name, value);
        }
        headers.remove("host");
        headers
    };
    let tampered = app
        .client
        .post(url.clone())
        .headers(headers_for(&body, SystemTime::now()))
        .body(changed)
        .send()
        .await
        .unwrap();
    assert_refused(&app, tampered, 401, Some(&remote)).await;

    // Signed a day ago.
    let stale = app
        .client
        .post(url.clone())
        .headers(headers_for(
            &body,
            SystemTime::now() - Duration::from_secs(86_400),
        ))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_refused(&app, stale, 401, Some(&remote)).await;

    // No Date header at all.
    let response = bob
        .post_bytes(&app, "/inbox", body.clone(), |h| {
            h.remove("date");
        })
        .await;
    assert_refused(&app, response, 401, Some(&remote)).await;

    // Signed by carol, on behalf of bob (carol's key is unknown, so it is fetched to check).
    let response = carol.post(&app, "/inbox", &activity).await;
    assert_refused(&app, response, 401, None).await;

    // A keyId whose owner is somebody else: carol's key id, bob's actor.
    let mut forged = activity.clone();
    forged["actor"] = json!(carol.uri);
    forged["object"]["attributedTo"] = json!(carol.uri);
    let response = bob
        .post_bytes(&app, "/inbox", serde_json::to_vec(&forged).unwrap(), |_| {})
        .await;
    assert_refused(&app, response, 401, None).await;
}

#[tokio::test]
async fn oversized_deep_and_invalid_bodies_are_refused() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let huge = create_note(&bob, "4", json!({ "content": "x".repeat(1_100_000) }));
    let response = bob.post(&app, "/inbox", &huge).await;
    assert_refused(&app, response, 413, Some(&remote)).await;

    let deep = format!(
        "{{\"type\":\"Create\",\"actor\":\"{}\",\"object\":{}{}}}",
        bob.uri,
        "[".repeat(200),
        "]".repeat(200)
    );
    let response = bob.post_bytes(&app, "/inbox", deep.into_bytes(), |_| {}).await;
    assert_refused(&app, response, 400, Some(&remote)).await;

    let response = bob
        .post_bytes(&app, "/inbox", b"{not json".to_vec(), |_| {})
        .await;
    assert_refused(&app, response, 400, Some(&remote)).await;
}

#[tokio::test]
async fn objects_made_on_behalf_of_another_host_are_refused_and_dropped() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let mallory = evil.add_actor("mallory");
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote, &evil]).await;
    // Both are known (and bob has a note) before mallory tries anything.
    let original = create_note(&bob, "3", json!({}));
    assert_eq!(bob.post(&app, "/inbox", &original).await.status(), 202);
    assert_eq!(
        mallory
            .post(&app, "/inbox", &create_note(&mallory, "0", json!({})))
            .await
            .status(),
        202
    );
    app.run_jobs().await;
    let fetched = (remote.received().len(), evil.received().len());

    // A note claiming to live on remote.test, created by an actor of evil.test.
    let mut forged = create_note(&mallory, "1", json!({}));
    forged["object"]["id"] = json!(format!("{}/notes/forged", remote.base()));
    // A note attributed to bob, created by mallory.
    let mut impersonation = create_note(&mallory, "2", json!({}));
    impersonation["object"]["attributedTo"] = json!(bob.uri);
    // An edit and a delete of bob's note by mallory, and an edit of bob's profile.
    let mut changed = original["object"].clone();
    changed["content"] = json!("<p>defaced</p>");
    let update = json!({"id": format!("{}/u/1", evil.base()), "type": "Update", "actor": mallory.uri, "object": changed});
    let delete = json!({"id": format!("{}/d/1", evil.base()), "type": "Delete", "actor": mallory.uri, "object": original["object"]["id"]});
    let mut profile = bob.document.clone();
    profile["name"] = json!("mallory was here");
    let update_profile = json!({"id": format!("{}/u/2", evil.base()), "type": "Update", "actor": mallory.uri, "object": profile});
    let attempts = [forged, impersonation, update, delete, update_profile];

    // Refused in the request: 403, nothing queued, nothing fetched.
    for attempt in &attempts {
        let response = mallory.post(&app, "/inbox", attempt).await;
        assert_eq!(response.status(), 403, "{attempt}");
    }
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'process_activity'").await,
        0
    );
    assert_eq!((remote.received().len(), evil.received().len()), fetched);

    // Processing holds the same line for activities that reach it (queued by an older version).
    let (mallory_id,): (i64,) = sqlx::query_as("select id from accounts where uri = $1")
        .bind(&mallory.uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for attempt in attempts {
        let job = ferrodon::jobs::Job::ProcessActivity {
            activity: attempt,
            signer_id: mallory_id,
        };
        ferrodon::jobs::enqueue(&app.pool, &job, chrono::Utc::now())
            .await
            .unwrap();
    }
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 2);
    let (_, content, _) = remote_status(&app, original["object"]["id"].as_str().unwrap())
        .await
        .unwrap();
    assert!(content.contains("Hello"), "{content}");
    let (name,): (String,) = sqlx::query_as("select display_name from accounts where uri = $1")
        .bind(&bob.uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "bob of remote.test");
}

#[tokio::test]
async fn remote_html_is_sanitized_before_it_is_stored() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let activity = create_note(
        &bob,
        "5",
        json!({ "content": "<p onclick=\"x()\">Hi<script>alert(1)</script> <a href=\"javascript:alert(1)\">j</a> <a href=\"data:text/html,x\">d</a> <a href=\"https://ok.test/\">ok</a></p>" }),
    );
    bob.post(&app, "/inbox", &activity).await;
    app.run_jobs().await;
    let (_, content, _) = remote_status(&app, activity["object"]["id"].as_str().unwrap())
        .await
        .unwrap();
    for bad in ["onclick", "<script", "alert(1)", "javascript:", "data:"] {
        assert!(!content.contains(bad), "{bad} in {content}");
    }
    assert!(content.contains("https://ok.test/"), "{content}");
}

#[tokio::test]
async fn remote_accounts_are_found_by_handle_and_refreshed_from_their_actor() {
    let remote = FakeRemote::start("remote.test").await;
    remote.add_actor_with("bob", 0, |doc| {
        doc["type"] = json!("Service");
        doc["icon"] = json!({"type": "Image", "url": "https://remote.test/avatar.png"});
        doc["attachment"] = json!([{"type": "PropertyValue", "name": "Site", "value": "<a href=\"https://bob.test\" onclick=\"x\">bob.test</a>"}]);
        doc["tag"] = json!([{"type": "Emoji", "name": ":wave:", "icon": {"url": "https://remote.test/wave.png"}}]);
    });
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let (status, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["acct"], "bob@remote.test");
    assert_eq!(account["bot"], true);
    assert_eq!(account["avatar"], "https://remote.test/avatar.png");
    assert_eq!(account["emojis"][0]["shortcode"], "wave");
    assert!(
        !account["fields"][0]["value"]
            .as_str()
            .unwrap()
            .contains("onclick")
    );
    let (status, _) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=nobody@remote.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 404);

    // Search with resolve finds the same account without fetching it again.
    let hits = remote.hits("/users/bob");
    let (status, results) = json_of(
        app.get_with("/api/v2/search?q=@bob@remote.test&resolve=true", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(results["accounts"][0]["id"], account["id"]);
    assert_eq!(remote.hits("/users/bob"), hits);
    let (_, found) = json_of(
        app.get_with(
            "/api/v1/accounts/search?q=bob@remote.test&resolve=true",
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(found[0]["acct"], "bob@remote.test");

    // Following a remote account is a request until its server accepts.
    let (status, relationship) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/follow", account["id"].as_str().unwrap()),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{relationship}");
    assert_eq!(relationship["requested"], true);
    assert_eq!(relationship["following"], false);
}

#[tokio::test]
async fn our_fetches_are_signed_by_the_instance_actor() {
    let remote = FakeRemote::start("remote.test").await;
    remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let (status, _) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let fetch = remote
        .received()
        .into_iter()
        .find(|r| r.path == "/users/bob")
        .unwrap();
    assert_eq!(fetch.method, "GET");
    assert!(fetch.body.is_empty());
    let signature = fetch
        .headers
        .get("signature")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(signature.contains("/actor#main-key"), "{signature}");
    assert!(
        fetch
            .headers
            .get("accept")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("application/activity+json")
    );
}

#[tokio::test]
async fn fetched_documents_must_be_activity_json_and_carry_their_own_id() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote, &evil]).await;
    let alice = app.member("alice", "read").await;
    // A note served as HTML.
    let html_note = create_note(&bob, "html", json!({}))["object"].clone();
    remote.serve("/notes/html", "text/html", &html_note);
    // evil.test serves a copy of bob's note claiming the id of a remote.test note.
    let mut forged = create_note(&bob, "real", json!({ "content": "<p>forged</p>" }))["object"].clone();
    evil.serve("/notes/copy", "application/activity+json", &forged);
    // The real note (its own origin) says something else.
    forged["content"] = json!("<p>real</p>");
    remote.serve_object(&forged);

    let search = |q: String| format!("/api/v2/search?q={q}&resolve=true&type=statuses");
    let (_, results) = json_of(
        app.get_with(&search(format!("{}/notes/html", remote.base())), &alice.token)
            .await,
    )
    .await;
    assert_eq!(results["statuses"].as_array().unwrap().len(), 0);
    assert_eq!(count(&app, "select count(*) from statuses").await, 0);

    // The copy's id differs from where it was fetched: the real one is fetched from its origin.
    let (_, results) = json_of(
        app.get_with(&search(format!("{}/notes/copy", evil.base())), &alice.token)
            .await,
    )
    .await;
    let statuses = results["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{results}");
    assert!(statuses[0]["content"].as_str().unwrap().contains("real"));
}

#[tokio::test]
async fn private_addresses_are_refused_after_resolution_unless_allowed() {
    let target = FakeRemote::start("target.test").await;
    target.add_actor("bob");
    let path = "/users/bob";
    let guarded = TestApp::spawn_with(|config| config.server.https = false).await;
    let alice = guarded.member("alice", "read").await;
    for url in [
        format!("http://127.0.0.1:{}{path}", target.addr.port()),
        format!("http://localhost:{}{path}", target.addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}{path}", target.addr.port()),
    ] {
        let (status, results) = json_of(
            guarded
                .get_with(&format!("/api/v2/search?q={url}&resolve=true"), &alice.token)
                .await,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(results["accounts"].as_array().unwrap().len(), 0);
    }
    assert_eq!(target.hits(path), 0);

    let open = TestApp::spawn_with(|config| {
        config.server.https = false;
        config.federation.allow_private_addresses = true;
    })
    .await;
    let alice = open.member("alice", "read").await;
    let url = format!("http://localhost:{}{path}", target.addr.port());
    json_of(
        open.get_with(&format!("/api/v2/search?q={url}&resolve=true"), &alice.token)
            .await,
    )
    .await;
    assert!(target.hits(path) > 0);
}

#[tokio::test]
async fn replies_to_unknown_threads_fetch_their_parents() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let root = create_note(&carol, "root", json!({ "content": "<p>root</p>" }))["object"].clone();
    let middle = create_note(
        &bob,
        "middle",
        json!({ "content": "<p>middle</p>", "inReplyTo": root["id"] }),
    )["object"]
        .clone();
    remote.serve_object(&root);
    remote.serve_object(&middle);
    let reply = create_note(
        &bob,
        "leaf",
        json!({ "content": "<p>leaf</p>", "inReplyTo": middle["id"] }),
    );
    bob.post(&app, "/inbox", &reply).await;
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 3);
    let leaf: (Option<i64>,) = sqlx::query_as("select in_reply_to_id from statuses where uri = $1")
        .bind(reply["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (middle_id, _, _) = remote_status(&app, middle["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(leaf.0, Some(middle_id));
    let alice = app.member("alice", "read").await;
    let (_, context) = json_of(
        app.get_with(&format!("/api/v1/statuses/{middle_id}/context"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(context["ancestors"].as_array().unwrap().len(), 1);
    assert_eq!(context["descendants"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn follows_from_remote_accounts_become_follows_or_requests_and_undo_ends_them() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let locked = app.member("locked", "read write follow").await;
    sqlx::query("update accounts set locked = true where id = $1")
        .bind(locked.account_id)
        .execute(&app.pool)
        .await
        .unwrap();

    let follow = |id: &str, target: String| json!({"id": format!("{}/follows/{id}", remote.base()), "type": "Follow", "actor": bob.uri, "object": target});
    let follow_alice = follow("1", local_actor(&app, "alice"));
    assert_eq!(bob.post(&app, "/inbox", &follow_alice).await.status(), 202);
    assert_eq!(
        bob.post(&app, "/inbox", &follow("2", local_actor(&app, "locked")))
            .await
            .status(),
        202
    );
    app.run_jobs().await;

    let (_, followers) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/followers", alice.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(followers[0]["acct"], "bob@remote.test");
    let (_, requests) = json_of(app.get_with("/api/v1/follow_requests", &locked.token).await).await;
    assert_eq!(requests[0]["acct"], "bob@remote.test");
    let (_, notifications) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    assert_eq!(notifications[0]["type"], "follow");

    let undo = json!({"id": format!("{}/undo/1", remote.base()), "type": "Undo", "actor": bob.uri, "object": follow_alice});
    assert_eq!(bob.post(&app, "/inbox", &undo).await.status(), 202);
    app.run_jobs().await;
    let (_, followers) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/followers", alice.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(followers.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_accept_turns_our_members_request_into_a_follow_and_a_reject_ends_it() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let (_, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    let bob_id = account["id"].as_str().unwrap().to_owned();
    app.post_form(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        Some(&alice.token),
        &[],
    )
    .await;

    let follow = json!({"id": format!("{}/follow/x", app.base_url), "type": "Follow", "actor": local_actor(&app, "alice"), "object": bob.uri});
    let accept = json!({"id": format!("{}/accept/1", remote.base()), "type": "Accept", "actor": bob.uri, "object": follow});
    assert_eq!(bob.post(&app, "/inbox", &accept).await.status(), 202);
    app.run_jobs().await;
    let (_, relationships) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(relationships[0]["following"], true, "{relationships}");

    // bob's posts to followers reach alice's home timeline.
    let private = create_note(
        &bob,
        "p1",
        json!({ "to": [format!("{}/followers", bob.uri)], "cc": [] }),
    );
    bob.post(&app, "/inbox", &private).await;
    app.run_jobs().await;
    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &alice.token).await).await;
    assert_eq!(home[0]["visibility"], "private", "{home}");

    let reject = json!({"id": format!("{}/reject/1", remote.base()), "type": "Reject", "actor": bob.uri, "object": follow});
    bob.post(&app, "/inbox", &reject).await;
    app.run_jobs().await;
    let (_, relationships) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(relationships[0]["following"], false);
}

#[tokio::test]
async fn an_accept_naming_our_follow_only_by_its_id_turns_the_request_into_a_follow() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let (_, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    let bob_id = account["id"].as_str().unwrap().to_owned();
    app.post_form(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        Some(&alice.token),
        &[],
    )
    .await;
    ferrodon::federation::delivery::deliver_pending(&app.state)
        .await
        .unwrap();
    let follow_id = remote
        .received()
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .find(|activity| activity["type"] == "Follow")
        .and_then(|follow| follow["id"].as_str().map(str::to_owned))
        .unwrap();
    let relationship = || async {
        json_of(
            app.get_with(
                &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
                &alice.token,
            )
            .await,
        )
        .await
        .1[0]
            .clone()
    };

    // Only the followed actor may accept: carol naming the same Follow changes nothing.
    let accept = |actor: &str, n: u32| json!({"id": format!("{actor}#accepts/{n}"), "type": "Accept", "actor": actor, "object": follow_id});
    assert_eq!(
        carol.post(&app, "/inbox", &accept(&carol.uri, 1)).await.status(),
        202
    );
    app.run_jobs().await;
    assert_eq!(relationship().await["requested"], true);

    assert_eq!(bob.post(&app, "/inbox", &accept(&bob.uri, 2)).await.status(), 202);
    app.run_jobs().await;
    let relationship = relationship().await;
    assert_eq!(relationship["following"], true, "{relationship}");
    assert_eq!(relationship["requested"], false, "{relationship}");
}

#[tokio::test]
async fn updates_keep_edit_history_and_deletes_remove_statuses_and_actors() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let created = create_note(&bob, "e1", json!({ "content": "<p>first</p>" }));
    bob.post(&app, "/inbox", &created).await;
    app.run_jobs().await;
    let uri = created["object"]["id"].as_str().unwrap();
    let (id, _, _) = remote_status(&app, uri).await.unwrap();

    let mut edited = created["object"].clone();
    edited["content"] = json!("<p>second</p>");
    edited["updated"] = json!("2026-11-20T11:00:00Z");
    let update =
        json!({"id": format!("{uri}#updates/1"), "type": "Update", "actor": bob.uri, "object": edited});
    bob.post(&app, "/inbox", &update).await;
    app.run_jobs().await;
    let (_, status) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}"), &alice.token)
            .await,
    )
    .await;
    assert!(status["content"].as_str().unwrap().contains("second"));
    assert!(status["edited_at"].is_string());
    let (_, history) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}/history"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");

    // A profile update.
    let mut person = bob.document.clone();
    person["name"] = json!("Robert");
    let update_person =
        json!({"id": format!("{}#updates/2", bob.uri), "type": "Update", "actor": bob.uri, "object": person});
    bob.post(&app, "/inbox", &update_person).await;
    app.run_jobs().await;
    assert_eq!(status["account"]["display_name"], "bob of remote.test");
    let (_, account) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}", status["account"]["id"].as_str().unwrap()),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(account["display_name"], "Robert");

    let delete = json!({"id": format!("{uri}#delete"), "type": "Delete", "actor": bob.uri, "object": {"id": uri, "type": "Tombstone"}});
    bob.post(&app, "/inbox", &delete).await;
    app.run_jobs().await;
    assert!(remote_status(&app, uri).await.is_none());

    // The actor deletes itself: its content goes, its name stays reserved.
    bob.post(&app, "/inbox", &create_note(&bob, "e2", json!({})))
        .await;
    app.run_jobs().await;
    let delete_actor =
        json!({"id": format!("{}#delete", bob.uri), "type": "Delete", "actor": bob.uri, "object": bob.uri});
    bob.post(&app, "/inbox", &delete_actor).await;
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 0);
    assert_eq!(
        count(&app, "select count(*) from accounts where gone_at is not null").await,
        1
    );
}

#[tokio::test]
async fn mentions_of_remote_handles_resolve_when_posting() {
    let remote = FakeRemote::start("remote.test").await;
    remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write").await;
    let (status, posted) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "hi @bob@remote.test")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["mentions"][0]["acct"], "bob@remote.test");
    assert!(
        posted["content"]
            .as_str()
            .unwrap()
            .contains("href=\"http://remote.test/@bob\""),
        "{}",
        posted["content"]
    );
}

#[tokio::test]
async fn every_shared_fixture_parses_without_panicking() {
    use ferrodon::federation::vocab::{self, Activity, Actor, Note};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/activitypub");
    let mut stack = vec![dir.clone()];
    let mut parsed = 0;
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let value: Value =
                vocab::parse_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let types = vocab::types_of(&value);
            // An actor without an inbox parses but is not usable as an account (the handler's
            // decision, as the corpus README puts it).
            if types.iter().any(|t| vocab::ACTOR_TYPES.contains(t)) {
                let read = Actor::read(&value);
                if value["inbox"].is_string() {
                    read.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                }
            } else if types.iter().any(|t| vocab::STATUS_TYPES.contains(t)) && value.get("id").is_some() {
                Note::read(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            } else if value.get("actor").is_some() {
                let activity = Activity::read(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                if let Some(object) = activity.embedded_object()
                    && vocab::types_of(object)
                        .iter()
                        .any(|t| vocab::STATUS_TYPES.contains(t))
                    && object.get("id").is_some()
                {
                    Note::read(object).unwrap_or_else(|e| panic!("{} (object): {e}", path.display()));
                }
            }
            parsed += 1;
        }
    }
    // `.ci/run` sets FERRODON_REQUIRE_SHARED: there the corpus must be read, not skipped.
    if dir.exists() || std::env::var_os("FERRODON_REQUIRE_SHARED").is_some() {
        assert!(parsed > 200, "only {parsed} fixtures found in {}", dir.display());
    }
}

#[tokio::test]
async fn a_newly_found_account_shows_its_recent_public_posts_from_its_outbox() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor_with("carol", 1, |_| {});
    let own = create_note(&bob, "o1", json!({ "content": "<p>from the outbox</p>" }));
    // An item claiming to be carol's, in bob's outbox: not bob's to publish.
    let mut foreign = create_note(&carol, "o2", json!({}));
    foreign["actor"] = json!(bob.uri);
    remote.serve(
        "/users/bob/outbox",
        "application/activity+json",
        &json!({"id": format!("{}/outbox", bob.uri), "type": "OrderedCollection", "totalItems": 2,
                "first": format!("{}/outbox?page=true", bob.uri)}),
    );
    remote.serve(
        "/users/bob/outbox?page=true",
        "application/activity+json",
        &json!({"id": format!("{}/outbox?page=true", bob.uri), "type": "OrderedCollectionPage",
                "orderedItems": [own, foreign]}),
    );
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let (_, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    app.run_jobs().await;
    let (_, statuses) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/statuses", account["id"].as_str().unwrap()),
            &alice.token,
        )
        .await,
    )
    .await;
    let statuses = statuses.as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert!(
        statuses[0]["content"]
            .as_str()
            .unwrap()
            .contains("from the outbox")
    );
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);
}

#[tokio::test]
async fn questions_articles_and_events_become_statuses_clients_can_show() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let question = create_note(
        &bob,
        "q1",
        json!({
            "type": "Question",
            "content": "<p>Tea or coffee?</p>",
            "endTime": "2099-01-01T00:00:00Z",
            "votersCount": 7,
            "oneOf": [
                {"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 4}},
                {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 3}}
            ]
        }),
    );
    let article = create_note(
        &bob,
        "a1",
        json!({"type": "Article", "name": "On <b>rust</b>", "content": "<p>Long text</p>", "url": "https://remote.test/articles/1"}),
    );
    let event = create_note(
        &bob,
        "ev1",
        json!({"type": "Event", "name": "Meetup", "content": "", "summary": "<p>Friday at eight</p>"}),
    );
    for activity in [&question, &article, &event] {
        assert_eq!(bob.post(&app, "/inbox", activity).await.status(), 202);
    }
    app.run_jobs().await;

    let poll = shown(&app, &alice.token, &question).await;
    assert_eq!(poll["poll"]["options"][0]["title"], "Tea");
    assert_eq!(poll["poll"]["options"][0]["votes_count"], 4);
    assert_eq!(poll["poll"]["options"][1]["votes_count"], 3);
    assert_eq!(poll["poll"]["voters_count"], 7);
    assert_eq!(poll["poll"]["multiple"], false);

    let status = shown(&app, &alice.token, &article).await;
    let content = status["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p><strong>On rust</strong></p>"),
        "{content}"
    );
    assert!(
        content.contains("Long text") && content.contains("https://remote.test/articles/1"),
        "{content}"
    );

    let status = shown(&app, &alice.token, &event).await;
    let content = status["content"].as_str().unwrap();
    assert!(
        content.contains("<strong>Meetup</strong>") && content.contains("Friday at eight"),
        "{content}"
    );
    assert!(
        content.contains(event["object"]["id"].as_str().unwrap()),
        "{content}"
    );
}

#[tokio::test]
async fn events_pages_images_videos_and_audio_show_their_text_link_and_media() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let media = |suffix: &str| format!("{}/media/{suffix}", remote.base());
    let event = create_note(
        &bob,
        "ev2",
        json!({"type": "Event", "name": "Meetup", "summary": "<p>Friday at eight</p>",
               "content": "<p>Bring a friend</p>", "url": "https://remote.test/events/2",
               "startTime": "2030-01-04T20:00:00Z"}),
    );
    // Lemmy's posts are Pages; their summary (when sent) is an excerpt of the content.
    let page = create_note(
        &bob,
        "p1",
        json!({"type": "Page", "name": "A link post", "summary": "<p>An excerpt</p>",
               "content": "<p>The whole body</p>", "url": "https://remote.test/post/1"}),
    );
    let image = create_note(
        &bob,
        "i1",
        json!({"type": "Image", "name": "A cat", "content": "", "url": media("cat.jpg")}),
    );
    // PeerTube's shape: the page first, then a playlist and the files in several sizes.
    let video = create_note(
        &bob,
        "v1",
        json!({"type": "Video", "name": "A talk", "content": "<p>Recorded live</p>", "url": [
            {"type": "Link", "mediaType": "text/html", "href": "https://remote.test/w/1"},
            {"type": "Link", "mediaType": "application/x-mpegURL", "href": media("master.m3u8")},
            {"type": "Link", "mediaType": "video/mp4", "href": media("720.mp4")},
            {"type": "Link", "mediaType": "video/mp4", "href": media("1080.mp4")}
        ]}),
    );
    let audio = create_note(
        &bob,
        "au1",
        json!({"type": "Audio", "name": "An episode", "content": "",
               "url": {"type": "Link", "mediaType": "audio/ogg", "href": media("ep.ogg")}}),
    );
    for activity in [&event, &page, &image, &video, &audio] {
        assert_eq!(bob.post(&app, "/inbox", activity).await.status(), 202);
    }
    app.run_jobs().await;

    let link = |url: &str| format!("<a href=\"{url}\"");
    let status = shown(&app, &alice.token, &event).await;
    assert_eq!(
        status["content"],
        format!(
            "<p><strong>Meetup</strong></p><p>Friday at eight</p><p>Bring a friend</p><p>{} rel=\"nofollow noopener noreferrer\" target=\"_blank\">https://remote.test/events/2</a></p>",
            link("https://remote.test/events/2")
        ),
    );
    assert_eq!(status["spoiler_text"], "");

    let status = shown(&app, &alice.token, &page).await;
    let content = status["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p><strong>A link post</strong></p><p>The whole body</p>")
            && content.contains(&link("https://remote.test/post/1")),
        "{content}"
    );
    assert!(!content.contains("An excerpt"), "{content}");

    let expected = [
        (&image, "A cat", "image", media("cat.jpg"), media("cat.jpg")),
        (
            &video,
            "A talk",
            "video",
            media("720.mp4"),
            "https://remote.test/w/1".to_owned(),
        ),
        (&audio, "An episode", "audio", media("ep.ogg"), media("ep.ogg")),
    ];
    for (create, title, kind, file, page) in expected {
        let status = shown(&app, &alice.token, create).await;
        let content = status["content"].as_str().unwrap();
        assert!(
            content.starts_with(&format!("<p><strong>{title}</strong></p>"))
                && content.contains(&link(&page)),
            "{content}"
        );
        let attachments = status["media_attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 1, "{kind}: {attachments:?}");
        assert_eq!(attachments[0]["type"], kind);
        assert_eq!(attachments[0]["remote_url"], file.as_str());
    }
}

/// The API's view of the status a delivered Create made.
async fn shown(app: &TestApp, token: &str, create: &Value) -> Value {
    let (id, _, _) = remote_status(app, create["object"]["id"].as_str().unwrap())
        .await
        .unwrap();
    json_of(app.get_with(&format!("/api/v1/statuses/{id}"), token).await)
        .await
        .1
}

#[tokio::test]
async fn a_redirect_does_not_lend_one_hosts_name_to_anothers_document() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let app = app_with(&[&remote, &evil]).await;
    // remote.test has an open redirect; evil.test serves an actor claiming the redirect's URL.
    let claimed = format!("{}/r", remote.base());
    remote.redirect("/r", &format!("{}/k", evil.base()));
    let mallory = evil.add_actor_with("mallory", 1, |_| {});
    let mut impostor = mallory.document.clone();
    impostor["id"] = json!(claimed);
    impostor["publicKey"]["id"] = json!(claimed);
    impostor["publicKey"]["owner"] = json!(claimed);
    evil.serve("/k", "application/activity+json", &impostor);
    let activity = json!({
        "id": format!("{}/r/1", remote.base()),
        "type": "Create",
        "actor": claimed,
        "object": {"id": format!("{}/r/note", remote.base()), "type": "Note", "attributedTo": claimed,
                   "content": "forged", "to": ["https://www.w3.org/ns/activitystreams#Public"]},
    });
    let body = serde_json::to_vec(&activity).unwrap();
    let url = url::Url::parse(&format!("{}/inbox", app.base_url)).unwrap();
    let key =
        ferrodon::federation::signatures::SigningKey::from_pem(claimed.clone(), &mallory.keys.private_pem)
            .unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in sign_post(&key, &url, &body, SystemTime::now()) {
        headers.insert(name, value);
    }
    headers.remove("host");
    let response = app
        .client
        .post(url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        count(&app, "select count(*) from accounts where domain is not null").await,
        0
    );
}

#[tokio::test]
async fn another_server_cannot_mark_an_actors_activity_as_already_done() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let mallory = evil.add_actor_with("mallory", 1, |_| {});
    let app = app_with(&[&remote, &evil]).await;
    let created = create_note(&bob, "keep", json!({}));
    bob.post(&app, "/inbox", &created).await;
    app.run_jobs().await;
    let uri = created["object"]["id"].as_str().unwrap();
    let delete_id = format!("{uri}#delete");
    // mallory sends a Delete of something of her own under the id bob's Delete will have.
    let poison = json!({"id": delete_id, "type": "Delete", "actor": mallory.uri, "object": format!("{}/notes/none", evil.base())});
    assert_eq!(mallory.post(&app, "/inbox", &poison).await.status(), 202);
    app.run_jobs().await;
    let delete = json!({"id": delete_id, "type": "Delete", "actor": bob.uri, "object": uri});
    assert_eq!(bob.post(&app, "/inbox", &delete).await.status(), 202);
    app.run_jobs().await;
    assert!(remote_status(&app, uri).await.is_none());
}

#[tokio::test]
async fn a_handle_on_another_domain_is_found_when_the_actors_server_confirms_it() {
    let front = FakeRemote::start("example.test").await;
    let server = FakeRemote::start("social.example.test").await;
    let liar = FakeRemote::start("liar.test").await;
    let alice = server.add_actor("alice");
    let app = app_with(&[&front, &server, &liar]).await;
    let member = app.member("member", "read").await;
    for (remote, user) in [(&front, "alice"), (&liar, "alice")] {
        let acct = format!("acct:{user}@{}", remote.domain);
        remote.serve(
            &format!("/.well-known/webfinger?resource={}", form_urlencoded::byte_serialize(acct.as_bytes()).collect::<String>()),
            "application/jrd+json",
            &json!({"subject": acct, "links": [{"rel": "self", "type": "application/activity+json", "href": alice.uri}]}),
        );
    }
    let (status, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=alice@example.test", &member.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["uri"], alice.uri.as_str());

    // liar.test also points at alice, and social.example.test confirms alice is alice there: the
    // handle leads to the same real actor, never to an account named after liar.test.
    let (_, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=alice@liar.test", &member.token)
            .await,
    )
    .await;
    assert_eq!(account["uri"], alice.uri.as_str());
    assert_eq!(
        count(&app, "select count(*) from accounts where domain is not null").await,
        1
    );

    // An actor whose own server does not confirm the handle is not found by it.
    let bob = server.add_actor("bob");
    let acct = "acct:bobby@example.test";
    front.serve(
        &format!("/.well-known/webfinger?resource={}", form_urlencoded::byte_serialize(acct.as_bytes()).collect::<String>()),
        "application/jrd+json",
        &json!({"subject": acct, "links": [{"rel": "self", "type": "application/activity+json", "href": bob.uri}]}),
    );
    let (status, _) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bobby@example.test", &member.token)
            .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_request_signed_for_another_host_is_not_accepted_here() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let activity = create_note(&bob, "elsewhere", json!({}));
    let body = serde_json::to_vec(&activity).unwrap();
    // Signed for other.test (as if captured from a delivery there), replayed to us.
    let port = app.base_url.rsplit(':').next().unwrap();
    let signed_for = url::Url::parse(&format!("http://other.test:{port}/inbox")).unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in sign_post(&bob.signing_key(), &signed_for, &body, SystemTime::now()) {
        headers.insert(name, value);
    }
    let response = app
        .client
        .post(format!("{}/inbox", app.base_url))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body = response.text().await.unwrap();
    assert!(body.contains("signed for another host"), "{body}");
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'process_activity'").await,
        0
    );
}
