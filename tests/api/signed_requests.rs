//! Signed requests beyond the basics: fetches of private statuses by those entitled to them, key
//! rotation, keys on another host than the actor, and RFC 9421 deliveries.

use serde_json::json;

use crate::fake_remote::{FakeRemote, create_note};
use crate::federation_in::{app_with, count, local_actor};
use crate::helpers::{TestApp, json_of};

async fn post_status(app: &TestApp, token: &str, status: &str, visibility: &str) -> String {
    let (code, body) = json_of(
        app.send_json(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(token),
            &json!({ "status": status, "visibility": visibility }),
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn private_statuses_are_served_only_to_signed_fetches_by_those_who_may_see_them() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let carol = remote.add_actor("carol");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let private = post_status(&app, &alice.token, "for my followers", "private").await;
    let direct = post_status(&app, &alice.token, "@carol@remote.test just you", "direct").await;
    let public = post_status(&app, &alice.token, "for everyone", "public").await;
    let note = |id: &str| format!("/users/alice/statuses/{id}");
    let status = |response: reqwest::Response| response.status().as_u16();

    // Unsigned, or signed by someone who does not follow: as if it did not exist.
    let unsigned = app
        .client
        .get(format!("{}{}", app.base_url, note(&private)))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 404);
    assert_eq!(status(bob.signed_get(&app, &note(&private)).await), 404);
    assert_eq!(
        status(
            bob.signed_get(&app, &format!("{}/activity", note(&private)))
                .await
        ),
        404
    );

    let follow = json!({"id": format!("{}/follows/1", remote.base()), "type": "Follow", "actor": bob.uri, "object": local_actor(&app, "alice")});
    assert_eq!(bob.post(&app, "/inbox", &follow).await.status(), 202);
    app.run_jobs().await;

    // A follower's signed fetch gets the private status, marked as not for shared caches.
    let response = bob.signed_get(&app, &note(&private)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "private, no-store"
    );
    let (_, document) = json_of(response).await;
    assert_eq!(document["type"], "Note");
    assert!(document["content"].as_str().unwrap().contains("for my followers"));
    assert_eq!(
        document["to"],
        json!([format!("{}/followers", local_actor(&app, "alice"))])
    );
    let (code, activity) = json_of(
        bob.signed_get(&app, &format!("{}/activity", note(&private)))
            .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(activity["type"], "Create");
    // So does her boost of it, to her followers only.
    let (code, boost) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{private}/reblog"),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{boost}");
    let boost_activity = format!("/users/alice/statuses/{}/activity", boost["id"].as_str().unwrap());
    let (code, announce) = json_of(bob.signed_get(&app, &boost_activity).await).await;
    assert_eq!(code, 200, "{announce}");
    assert_eq!(announce["type"], "Announce");
    assert_eq!(
        announce["object"],
        format!("{}{}", app.state.base_url, note(&private))
    );
    assert_eq!(status(carol.signed_get(&app, &boost_activity).await), 404);
    // The HTML page stays public only.
    let page = app
        .client
        .get(format!("{}/@alice/{private}", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);

    // A signature made for another server is not a fetch by that actor here.
    let elsewhere = url::Url::parse(&format!("http://other.test{}", note(&private))).unwrap();
    assert_eq!(
        status(bob.signed_get_for(&app, &note(&private), &elsewhere).await),
        404
    );

    // Direct: only the mentioned, not followers.
    assert_eq!(status(bob.signed_get(&app, &note(&direct)).await), 404);
    let (code, document) = json_of(carol.signed_get(&app, &note(&direct)).await).await;
    assert_eq!(code, 200);
    assert!(document["content"].as_str().unwrap().contains("just you"));

    // Public: to anyone, cacheable.
    let response = carol.signed_get(&app, &note(&public)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").is_none());

    // A block ends it.
    let block = json!({"id": format!("{}/blocks/1", remote.base()), "type": "Block", "actor": carol.uri, "object": local_actor(&app, "alice")});
    assert_eq!(carol.post(&app, "/inbox", &block).await.status(), 202);
    app.run_jobs().await;
    assert_eq!(status(carol.signed_get(&app, &note(&direct)).await), 404);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_again_unless_it_was_fetched_moments_ago() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    assert_eq!(
        bob.post(&app, "/inbox", &create_note(&bob, "1", json!({})))
            .await
            .status(),
        202
    );
    assert_eq!(remote.hits("/users/bob"), 1);

    // Bob's server rotates his key.
    let rotated = remote.add_actor_with("bob", 1, |_| {});
    assert_ne!(rotated.keys.public_pem, bob.keys.public_pem);
    // Fetched moments ago: a failing signature does not make us fetch again.
    let response = rotated
        .post(&app, "/inbox", &create_note(&rotated, "2", json!({})))
        .await;
    assert_eq!(response.status(), 401);
    assert_eq!(remote.hits("/users/bob"), 1);

    // Later (the in-memory cache keeps a signer 5 minutes, less than the refetch interval).
    sqlx::query("update accounts set fetched_at = now() - interval '11 minutes' where uri = $1")
        .bind(&bob.uri)
        .execute(&app.pool)
        .await
        .unwrap();
    app.state
        .federation
        .signer_cache()
        .forget(&format!("{}#main-key", bob.uri));
    let response = rotated
        .post(&app, "/inbox", &create_note(&rotated, "3", json!({})))
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(remote.hits("/users/bob"), 2);
    // The old key no longer works, and a key just fetched is not fetched again.
    let response = bob.post(&app, "/inbox", &create_note(&bob, "4", json!({}))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(remote.hits("/users/bob"), 2);
    app.run_jobs().await;
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where uri like 'http://remote.test/notes/%'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_key_on_another_host_than_the_actor_is_refused_before_anything_is_fetched() {
    let remote = FakeRemote::start("remote.test").await;
    let evil = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let eve = evil.add_actor("eve");
    let app = app_with(&[&remote, &evil]).await;

    let response = eve.post(&app, "/inbox", &create_note(&bob, "1", json!({}))).await;
    assert_eq!(response.status(), 401);
    assert!(evil.received().is_empty());
    assert!(remote.received().is_empty());
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'process_activity'").await,
        0
    );
}

#[tokio::test]
async fn deliveries_signed_per_rfc_9421_are_accepted() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;

    let activity = create_note(&bob, "1", json!({ "content": "<p>signed the new way</p>" }));
    let response = bob.post_rfc9421(&app, "/inbox", &activity).await;
    assert_eq!(response.status(), 202);
    app.run_jobs().await;
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where content like '%signed the new way%'"
        )
        .await,
        1
    );
    // Signed by bob, but claiming carol's activity: refused.
    let carol = remote.add_actor_with("carol", 2, |_| {});
    let forged = create_note(&carol, "2", json!({}));
    assert_eq!(bob.post_rfc9421(&app, "/inbox", &forged).await.status(), 401);
}
