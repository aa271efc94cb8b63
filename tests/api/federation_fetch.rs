//! Fetching from remote servers, through what members ask for: redirects, body size, time,
//! private addresses, stale profiles, thread depth, and objects activities name only by id.

use std::time::{Duration, Instant};

use ferrodon::federation::fetch::{MAX_BODY_BYTES, MAX_REDIRECTS};
use ferrodon::federation::resolve::{MAX_ANCESTORS, PROFILE_STALE_AFTER};
use serde_json::{Value, json};

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::federation_in::{app_with, count};
use crate::helpers::{TestApp, TestMember, json_of};

/// What a search with `resolve=true` for `url` finds.
async fn resolve(app: &TestApp, member: &TestMember, url: &str) -> Value {
    let (status, results) = json_of(
        app.get_with(&format!("/api/v2/search?q={url}&resolve=true"), &member.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    results
}

async fn remote_accounts(app: &TestApp) -> i64 {
    count(app, "select count(*) from accounts where domain is not null").await
}

#[tokio::test]
async fn a_chain_of_more_redirects_than_the_limit_is_abandoned_at_the_limit() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    // /hop/0 -> /hop/1 -> ... -> /hop/MAX -> bob: one redirect more than is followed from /hop/0.
    for hop in 0..=MAX_REDIRECTS {
        let next = if hop == MAX_REDIRECTS {
            bob.uri.clone()
        } else {
            format!("{}/hop/{}", remote.base(), hop + 1)
        };
        remote.redirect(&format!("/hop/{hop}"), &next);
    }
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let hops = || -> usize {
        (0..=MAX_REDIRECTS)
            .map(|hop| remote.hits(&format!("/hop/{hop}")))
            .sum()
    };

    let results = resolve(&app, &alice, &format!("{}/hop/0", remote.base())).await;
    assert_eq!(results["accounts"].as_array().unwrap().len(), 0, "{results}");
    assert_eq!(hops(), MAX_REDIRECTS + 1);
    assert_eq!(remote.hits("/users/bob"), 0);
    assert_eq!(remote_accounts(&app).await, 0);

    // Exactly the limit is followed to the end.
    let results = resolve(&app, &alice, &format!("{}/hop/1", remote.base())).await;
    assert_eq!(results["accounts"][0]["acct"], "bob@remote.test", "{results}");
    assert_eq!(remote.hits("/users/bob"), 1);
}

#[tokio::test]
async fn a_redirect_from_a_public_host_into_a_private_address_is_not_followed() {
    let remote = FakeRemote::start("remote.test").await;
    // inside.test is not in the resolve overrides: reaching it takes a loopback address.
    let inside = FakeRemote::start("inside.test").await;
    inside.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let port = inside.addr.port();
    let targets = [
        format!("http://127.0.0.1:{port}/users/bob"),
        format!("http://localhost:{port}/users/bob"),
        format!("http://[::ffff:127.0.0.1]:{port}/users/bob"),
    ];
    for (n, target) in targets.iter().enumerate() {
        remote.redirect(&format!("/out/{n}"), target);
        let results = resolve(&app, &alice, &format!("{}/out/{n}", remote.base())).await;
        assert_eq!(results["accounts"].as_array().unwrap().len(), 0, "{target}");
        assert_eq!(remote.hits(&format!("/out/{n}")), 1, "{target}");
    }
    assert!(inside.received().is_empty(), "{:?}", inside.received());
    assert_eq!(remote_accounts(&app).await, 0);
}

#[tokio::test]
async fn a_body_over_a_mebibyte_is_refused_and_not_read_to_its_end() {
    let remote = FakeRemote::start("remote.test").await;
    // Declared too large (Content-Length): refused before reading.
    remote.add_actor_with("big", 0, |doc| {
        doc["summary"] = json!("x".repeat(MAX_BODY_BYTES));
    });
    // Just under the bound: taken.
    remote.add_actor_with("full", 1, |doc| {
        doc["summary"] = json!("x".repeat(MAX_BODY_BYTES - 4096));
    });
    // No length given, and far more than the bound on the way.
    let endless = 64 * MAX_BODY_BYTES;
    remote.stream("/notes/endless", endless);
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;

    let results = resolve(&app, &alice, &format!("{}/users/big", remote.base())).await;
    assert_eq!(results["accounts"].as_array().unwrap().len(), 0, "{results}");
    assert_eq!(remote.hits("/users/big"), 1);
    let results = resolve(&app, &alice, &format!("{}/users/full", remote.base())).await;
    assert_eq!(results["accounts"][0]["acct"], "full@remote.test");

    let results = resolve(&app, &alice, &format!("{}/notes/endless", remote.base())).await;
    assert_eq!(results["statuses"].as_array().unwrap().len(), 0, "{results}");
    assert_eq!(remote.hits("/notes/endless"), 1);
    // The bound, plus what socket buffers on both ends took before the connection was dropped.
    let streamed = remote.streamed();
    assert!(
        streamed < 24 * MAX_BODY_BYTES,
        "{streamed} of {endless} bytes taken"
    );
    assert_eq!(count(&app, "select count(*) from statuses").await, 0);
    assert_eq!(remote_accounts(&app).await, 1);
}

#[tokio::test]
async fn a_remote_that_never_answers_or_answers_slowly_does_not_hold_the_request_past_the_bound() {
    let remote = FakeRemote::start("remote.test").await;
    remote.hang("/users/silent");
    // Three hops, each answered well within the bound, adding up past it.
    let bob = remote.add_actor("bob");
    remote.redirect("/slow/0", &format!("{}/slow/1", remote.base()));
    remote.redirect("/slow/1", &bob.uri);
    let each = Duration::from_millis(1200);
    remote.delay("/slow/0", each);
    remote.delay("/slow/1", each);
    remote.delay("/users/bob", each);
    let app = TestApp::spawn_with(|config| {
        route_to(config, &[&remote]);
        config.federation.fetch_timeout_seconds = 2;
    })
    .await;
    let alice = app.member("alice", "read").await;
    let bound = Duration::from_secs(2);

    for path in ["/users/silent", "/slow/0"] {
        let started = Instant::now();
        let results = tokio::time::timeout(
            Duration::from_secs(30),
            resolve(&app, &alice, &format!("{}{path}", remote.base())),
        )
        .await
        .expect("the search never ended");
        let took = started.elapsed();
        assert_eq!(
            results["accounts"].as_array().unwrap().len(),
            0,
            "{path}: {results}"
        );
        assert!(took >= bound, "{path}: {took:?}");
        assert!(took < bound + Duration::from_secs(3), "{path}: {took:?}");
    }
    assert_eq!(remote.hits("/users/silent"), 1);
    assert_eq!(remote_accounts(&app).await, 0);
}

/// Makes a remote account's profile older than [`PROFILE_STALE_AFTER`].
async fn age_profile(app: &TestApp, uri: &str) {
    let long_ago = chrono::Utc::now() - PROFILE_STALE_AFTER - chrono::Duration::minutes(5);
    sqlx::query("update accounts set fetched_at = $2 where uri = $1")
        .bind(uri)
        .bind(long_ago)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_remote_account_is_found_by_its_actor_url_and_fetched_again_only_when_stale() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;

    let results = resolve(&app, &alice, &bob.uri).await;
    let accounts = results["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{results}");
    assert_eq!(accounts[0]["acct"], "bob@remote.test");
    assert_eq!(accounts[0]["uri"], bob.uri.as_str());
    assert_eq!(accounts[0]["display_name"], "bob of remote.test");
    let id = accounts[0]["id"].clone();
    let hits = remote.hits("/users/bob");

    // Fresh: found without asking its server.
    remote.add_actor_with("bob", 0, |doc| doc["name"] = json!("Robert"));
    let results = resolve(&app, &alice, &bob.uri).await;
    assert_eq!(results["accounts"][0]["display_name"], "bob of remote.test");
    assert_eq!(remote.hits("/users/bob"), hits);

    // Stale: fetched again, and the change shows.
    age_profile(&app, &bob.uri).await;
    let results = resolve(&app, &alice, &bob.uri).await;
    assert_eq!(results["accounts"][0]["id"], id);
    assert_eq!(results["accounts"][0]["display_name"], "Robert");
    assert_eq!(remote.hits("/users/bob"), hits + 1);
    assert_eq!(remote_accounts(&app).await, 1);
}

#[tokio::test]
async fn a_stale_remote_profile_is_fetched_again_when_looked_up_by_handle() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    let lookup = "/api/v1/accounts/lookup?acct=bob@remote.test";
    let (status, account) = json_of(app.get_with(lookup, &alice.token).await).await;
    assert_eq!(status, 200, "{account}");
    let hits = remote.hits("/users/bob");

    remote.add_actor_with("bob", 0, |doc| doc["name"] = json!("Robert"));
    let (_, account) = json_of(app.get_with(lookup, &alice.token).await).await;
    assert_eq!(account["display_name"], "bob of remote.test");
    assert_eq!(remote.hits("/users/bob"), hits);

    age_profile(&app, &bob.uri).await;
    let (_, account) = json_of(app.get_with(lookup, &alice.token).await).await;
    assert_eq!(account["display_name"], "Robert");
    assert_eq!(remote.hits("/users/bob"), hits + 1);
    // Fresh again.
    json_of(app.get_with(lookup, &alice.token).await).await;
    assert_eq!(remote.hits("/users/bob"), hits + 1);
}

#[tokio::test]
async fn a_reply_brings_at_most_max_ancestors_parents_and_is_stored_itself() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let dave = remote.add_actor_with("dave", 1, |_| {});
    let erin = remote.add_actor_with("erin", 2, |_| {});
    let app = app_with(&[&remote]).await;
    let max = MAX_ANCESTORS as usize;
    let length = max + 3;
    let mut parent: Option<String> = None;
    for n in 0..length {
        let mut fields = json!({});
        if let Some(parent) = &parent {
            fields["inReplyTo"] = json!(parent);
        }
        // The nearest parent mentions dave: parents are not a reason to look accounts up.
        if n == length - 1 {
            fields["tag"] = json!([{"type": "Mention", "href": dave.uri}]);
        }
        let note = create_note(&bob, &format!("t{n}"), fields)["object"].clone();
        remote.serve_object(&note);
        parent = note["id"].as_str().map(str::to_owned);
    }
    let reply = create_note(
        &bob,
        "leaf",
        json!({ "inReplyTo": parent, "tag": [{"type": "Mention", "href": erin.uri}] }),
    );
    assert_eq!(bob.post(&app, "/inbox", &reply).await.status(), 202);
    app.run_jobs().await;

    for n in 0..length {
        let expected = usize::from(n >= length - max);
        assert_eq!(remote.hits(&format!("/notes/t{n}")), expected, "t{n}");
    }
    assert_eq!(
        count(&app, "select count(*) from statuses").await,
        MAX_ANCESTORS as i64 + 1
    );
    let stored: (Option<i64>,) = sqlx::query_as("select in_reply_to_id from statuses where uri = $1")
        .bind(reply["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.0.is_some());
    assert_eq!(remote.hits("/users/erin"), 1);
    assert_eq!(remote.hits("/users/dave"), 0);
}

#[tokio::test]
async fn a_create_naming_its_object_by_id_fetches_it_from_the_actors_host() {
    let remote = FakeRemote::start("remote.test").await;
    let other = FakeRemote::start("other.test").await;
    let bob = remote.add_actor("bob");
    let erin = remote.add_actor_with("erin", 2, |_| {});
    let carol = other.add_actor("carol");
    let app = app_with(&[&remote, &other]).await;
    // Fetched because it arrived: it stands as a delivered status does, its mentions looked up.
    let created = create_note(
        &bob,
        "by-id",
        json!({ "content": "<p>fetched</p>", "tag": [{"type": "Mention", "href": erin.uri}] }),
    );
    remote.serve_object(&created["object"]);
    let mut by_id = created.clone();
    by_id["object"] = created["object"]["id"].clone();
    assert_eq!(bob.post(&app, "/inbox", &by_id).await.status(), 202);
    // bob naming a note of another host: not bob's to create, refused in the request and not
    // fetched.
    let elsewhere = create_note(&carol, "not-bobs", json!({}));
    other.serve_object(&elsewhere["object"]);
    let mut foreign = by_id.clone();
    foreign["id"] = json!(format!("{}/notes/foreign/activity", remote.base()));
    foreign["object"] = elsewhere["object"]["id"].clone();
    assert_eq!(bob.post(&app, "/inbox", &foreign).await.status(), 403);
    app.run_jobs().await;

    assert_eq!(remote.hits("/notes/by-id"), 1);
    assert_eq!(remote.hits("/users/erin"), 1);
    assert_eq!(other.hits("/notes/not-bobs"), 0);
    let stored: (String, String) =
        sqlx::query_as("select s.content, a.uri from statuses s join accounts a on a.id = s.account_id")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(stored.0.contains("fetched"), "{}", stored.0);
    assert_eq!(stored.1, bob.uri);
}
