//! Two ferrodon instances side by side on `a.test` and `b.test`: what a member of one sees of
//! the other.

use tokio::net::TcpListener;

use crate::helpers::{TestApp, json_of};

/// Instances `a.test` and `b.test`, each reaching the other by name.
pub async fn pair() -> (TestApp, TestApp) {
    pair_named("a.test", "b.test").await
}

/// Two instances named `a_name` and `b_name`, each reaching the other by name.
pub async fn pair_named(a_name: &'static str, b_name: &'static str) -> (TestApp, TestApp) {
    let a_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a_listener.local_addr().unwrap(), b_listener.local_addr().unwrap());
    let a = TestApp::spawn_on(a_listener, move |config| {
        config.server.domain = a_name.into();
        config.server.https = false;
        config.federation.resolve.insert(b_name.into(), b_addr);
    })
    .await;
    let b = TestApp::spawn_on(b_listener, move |config| {
        config.server.domain = b_name.into();
        config.server.https = false;
        config.federation.resolve.insert(a_name.into(), a_addr);
    })
    .await;
    (a, b)
}

#[tokio::test]
async fn a_member_of_one_instance_finds_a_member_of_the_other_and_reads_their_public_posts() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let bob = b.member("bob", "read write follow").await;
    let (status, posted) = json_of(
        b.post_form(
            "/api/v1/statuses",
            Some(&bob.token),
            &[("status", "Hello from b.test #ferrodon")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    b.post_form(
        "/api/v1/statuses",
        Some(&bob.token),
        &[("status", "just for my followers"), ("visibility", "private")],
    )
    .await;

    let (status, found) = json_of(
        a.get_with("/api/v1/accounts/lookup?acct=bob@b.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["acct"], "bob@b.test");
    assert_eq!(found["url"], "http://b.test/@bob");
    a.run_jobs().await;
    let (_, statuses) = json_of(
        a.get_with(
            &format!("/api/v1/accounts/{}/statuses", found["id"].as_str().unwrap()),
            &alice.token,
        )
        .await,
    )
    .await;
    let statuses = statuses.as_array().unwrap();
    assert_eq!(statuses.len(), 1, "only the public post: {statuses:?}");
    assert_eq!(statuses[0]["uri"], posted["uri"]);
    assert!(
        statuses[0]["content"]
            .as_str()
            .unwrap()
            .contains("Hello from b.test")
    );

    // The post's URL, searched with resolve, is the same status.
    let (_, results) = json_of(
        a.get_with(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                posted["uri"].as_str().unwrap()
            ),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(results["statuses"][0]["id"], statuses[0]["id"]);
}

/// Lets both instances deliver and process until nothing is left in flight.
async fn settle(a: &TestApp, b: &TestApp) {
    for _ in 0..4 {
        ferrodon::federation::delivery::deliver_pending(&a.state)
            .await
            .unwrap();
        b.run_jobs().await;
        ferrodon::federation::delivery::deliver_pending(&b.state)
            .await
            .unwrap();
        a.run_jobs().await;
    }
}

async fn remote_id(app: &TestApp, token: &str, acct: &str) -> String {
    let (status, account) = json_of(
        app.get_with(&format!("/api/v1/accounts/lookup?acct={acct}"), token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{account}");
    account["id"].as_str().unwrap().to_owned()
}

/// The id on `app` of the status with this URI (searched by URL).
async fn local_copy(app: &TestApp, token: &str, uri: &str) -> Option<String> {
    let (_, results) = json_of(
        app.get_with(
            &format!("/api/v2/search?q={uri}&resolve=true&type=statuses"),
            token,
        )
        .await,
    )
    .await;
    results["statuses"][0]["id"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn two_instances_federate_follows_posts_and_interactions_end_to_end() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let bob = b.member("bob", "read write follow").await;

    // alice follows bob; b accepts automatically; alice's follow becomes real.
    let bob_on_a = remote_id(&a, &alice.token, "bob@b.test").await;
    let (_, rel) = json_of(
        a.post_form(
            &format!("/api/v1/accounts/{bob_on_a}/follow"),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(rel["requested"], true, "{rel}");
    settle(&a, &b).await;
    let rels = relationships(&a, &alice.token, &bob_on_a).await;
    assert_eq!(rels[0]["following"], true, "{rels}");
    let alice_on_b = remote_id(&b, &bob.token, "alice@a.test").await;
    let followers = followers_of(&b, &bob).await;
    assert_eq!(followers[0]["acct"], "alice@a.test");

    // bob posts (public, followers-only, and a poll); alice sees them at home.
    let (_, post) = json_of(
        b.post_form(
            "/api/v1/statuses",
            Some(&bob.token),
            &[("status", "hello from b")],
        )
        .await,
    )
    .await;
    b.post_form(
        "/api/v1/statuses",
        Some(&bob.token),
        &[("status", "followers only"), ("visibility", "private")],
    )
    .await;
    let (_, poll) = json_of(
        b.post_form(
            "/api/v1/statuses",
            Some(&bob.token),
            &[
                ("status", "tea?"),
                ("poll[options][]", "yes"),
                ("poll[options][]", "no"),
                ("poll[expires_in]", "3600"),
            ],
        )
        .await,
    )
    .await;
    settle(&a, &b).await;
    let (_, home) = json_of(a.get_with("/api/v1/timelines/home", &alice.token).await).await;
    let contents: Vec<&str> = home
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert!(
        contents.iter().any(|c| c.contains("hello from b")),
        "{contents:?}"
    );
    assert!(
        contents.iter().any(|c| c.contains("followers only")),
        "{contents:?}"
    );
    let post_on_a = local_copy(&a, &alice.token, post["uri"].as_str().unwrap())
        .await
        .unwrap();
    let poll_on_a = local_copy(&a, &alice.token, poll["uri"].as_str().unwrap())
        .await
        .unwrap();

    // alice replies mentioning bob, favourites, boosts and votes; bob sees each.
    a.post_form(
        "/api/v1/statuses",
        Some(&alice.token),
        &[("status", "@bob@b.test hi back"), ("in_reply_to_id", &post_on_a)],
    )
    .await;
    a.post_form(
        &format!("/api/v1/statuses/{post_on_a}/favourite"),
        Some(&alice.token),
        &[],
    )
    .await;
    a.post_form(
        &format!("/api/v1/statuses/{post_on_a}/reblog"),
        Some(&alice.token),
        &[],
    )
    .await;
    let (_, poll_status) = json_of(
        a.get_with(&format!("/api/v1/statuses/{poll_on_a}"), &alice.token)
            .await,
    )
    .await;
    let poll_id = poll_status["poll"]["id"].as_str().unwrap().to_owned();
    let (status, voted) = json_of(
        a.post_form(
            &format!("/api/v1/polls/{poll_id}/votes"),
            Some(&alice.token),
            &[("choices[]", "0")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{voted}");
    settle(&a, &b).await;
    let (_, notifications) = json_of(b.get_with("/api/v1/notifications", &bob.token).await).await;
    let kinds: Vec<&str> = notifications
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    for kind in ["follow", "mention", "favourite", "reblog"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let (_, post_on_b) = json_of(
        b.get_with(
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            &bob.token,
        )
        .await,
    )
    .await;
    assert_eq!(post_on_b["favourites_count"], 1);
    assert_eq!(post_on_b["reblogs_count"], 1);
    assert_eq!(post_on_b["replies_count"], 1);
    let (_, poll_on_b) = json_of(
        b.get_with(
            &format!("/api/v1/statuses/{}", poll["id"].as_str().unwrap()),
            &bob.token,
        )
        .await,
    )
    .await;
    assert_eq!(poll_on_b["poll"]["votes_count"], 1, "{}", poll_on_b["poll"]);

    // bob edits and deletes; bob updates his profile; alice sees each.
    let post_id = post["id"].as_str().unwrap();
    b.send_form(
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{post_id}"),
        Some(&bob.token),
        &[("status", "hello from b, edited")],
    )
    .await;
    b.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&bob.token),
        &[("display_name", "Bob of B")],
    )
    .await;
    settle(&a, &b).await;
    let (_, edited) = json_of(
        a.get_with(&format!("/api/v1/statuses/{post_on_a}"), &alice.token)
            .await,
    )
    .await;
    assert!(edited["content"].as_str().unwrap().contains("edited"), "{edited}");
    let (_, bob_seen) = json_of(
        a.get_with(&format!("/api/v1/accounts/{bob_on_a}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(bob_seen["display_name"], "Bob of B");
    b.send_form(
        reqwest::Method::DELETE,
        &format!("/api/v1/statuses/{post_id}"),
        Some(&bob.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let (status, _) = json_of(
        a.get_with(&format!("/api/v1/statuses/{post_on_a}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 404);

    // alice unfollows; bob blocks alice.
    a.post_form(
        &format!("/api/v1/accounts/{bob_on_a}/unfollow"),
        Some(&alice.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let followers = followers_of(&b, &bob).await;
    assert_eq!(followers.as_array().unwrap().len(), 0);
    b.post_form(
        &format!("/api/v1/accounts/{alice_on_b}/block"),
        Some(&bob.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let blocked: i64 = sqlx::query_scalar("select count(*) from blocks")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(blocked, 1);
}

#[tokio::test]
async fn a_locked_member_approves_a_follow_from_the_other_instance() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let carol = b.member("carol", "read write follow").await;
    b.send_form(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&carol.token),
        &[("locked", "true")],
    )
    .await;
    let carol_on_a = remote_id(&a, &alice.token, "carol@b.test").await;
    a.post_form(
        &format!("/api/v1/accounts/{carol_on_a}/follow"),
        Some(&alice.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let (_, requests) = json_of(b.get_with("/api/v1/follow_requests", &carol.token).await).await;
    assert_eq!(requests[0]["acct"], "alice@a.test", "{requests}");
    let rels = relationships(&a, &alice.token, &carol_on_a).await;
    assert_eq!(
        (rels[0]["following"].clone(), rels[0]["requested"].clone()),
        (false.into(), true.into())
    );

    let requester = requests[0]["id"].as_str().unwrap();
    b.post_form(
        &format!("/api/v1/follow_requests/{requester}/authorize"),
        Some(&carol.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let rels = relationships(&a, &alice.token, &carol_on_a).await;
    assert_eq!(rels[0]["following"], true, "{rels}");
}

/// The viewer's relationship (as a one-element list) with an account.
async fn relationships(app: &TestApp, token: &str, id: &str) -> serde_json::Value {
    json_of(
        app.get_with(&format!("/api/v1/accounts/relationships?id[]={id}"), token)
            .await,
    )
    .await
    .1
}

/// A member's followers as the API lists them.
async fn followers_of(app: &TestApp, member: &crate::helpers::TestMember) -> serde_json::Value {
    json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/followers", member.account_id),
            &member.token,
        )
        .await,
    )
    .await
    .1
}

#[tokio::test]
async fn after_the_cli_suspends_an_instance_it_can_neither_deliver_nor_be_fetched_from_nor_found() {
    let (a, evil) = pair_named("a.test", "evil.test").await;
    // `a` runs as a server does: its rules follow the database through LISTEN/NOTIFY.
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(ferrodon::moderation::domain_policy::keep_current(
        a.state.federation.policy.clone(),
        a.state.db.clone(),
        stopping,
    ));
    let alice = a.member("alice", "read write follow").await;
    let mallory = evil.member("mallory", "read write follow").await;
    // Before the block, they federate: mallory follows alice, alice follows mallory.
    let alice_on_evil = remote_id(&evil, &mallory.token, "alice@a.test").await;
    evil.post_form(
        &format!("/api/v1/accounts/{alice_on_evil}/follow"),
        Some(&mallory.token),
        &[],
    )
    .await;
    let mallory_on_a = remote_id(&a, &alice.token, "mallory@evil.test").await;
    a.post_form(
        &format!("/api/v1/accounts/{mallory_on_a}/follow"),
        Some(&alice.token),
        &[],
    )
    .await;
    settle(&a, &evil).await;
    let (_, first) = json_of(
        evil.post_form("/api/v1/statuses", Some(&mallory.token), &[("status", "before")])
            .await,
    )
    .await;
    settle(&a, &evil).await;
    assert!(
        local_copy(&a, &alice.token, first["uri"].as_str().unwrap())
            .await
            .is_some()
    );

    // The operator blocks evil.test from the command line, in another process.
    operator_runs(&a, &["domains", "block", "evil.test", "--severity", "suspend"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while !a.state.federation.policy.is_suspended("evil.test") {
        assert!(
            std::time::Instant::now() < deadline,
            "the running instance did not take the rule within a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    a.run_jobs().await;

    // evil.test cannot deliver: its post is refused at a's inbox.
    let (_, second) = json_of(
        evil.post_form("/api/v1/statuses", Some(&mallory.token), &[("status", "after")])
            .await,
    )
    .await;
    ferrodon::federation::delivery::deliver_pending(&evil.state)
        .await
        .unwrap();
    a.run_jobs().await;
    let stored: i64 = sqlx::query_scalar("select count(*) from statuses where uri like 'http://evil.test/%'")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(
        stored, 0,
        "the purge removed the first post and the second never arrived"
    );
    let refused: String =
        sqlx::query_scalar("select last_error from deliveries where failed_at is not null limit 1")
            .fetch_one(&evil.pool)
            .await
            .unwrap();
    assert!(refused.contains("403"), "{refused}");
    // Nor be fetched from, nor found.
    assert!(
        local_copy(&a, &alice.token, second["uri"].as_str().unwrap())
            .await
            .is_none()
    );
    let (status, _) = json_of(
        a.get_with("/api/v1/accounts/lookup?acct=mallory@evil.test", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (_, found) = json_of(
        a.get_with("/api/v2/search?q=@mallory@evil.test&resolve=true", &alice.token)
            .await,
    )
    .await;
    assert_eq!(found["accounts"], serde_json::json!([]));
    // And a's members' posts no longer go there.
    a.post_form(
        "/api/v1/statuses",
        Some(&alice.token),
        &[("status", "not for evil")],
    )
    .await;
    let queued: i64 = sqlx::query_scalar("select count(*) from deliveries where host = 'evil.test'")
        .fetch_one(&a.pool)
        .await
        .unwrap();
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn a_deleted_account_is_deleted_on_the_other_instance_too() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let bob = b.member("bob", "read write follow").await;
    let alice_on_b = remote_id(&b, &bob.token, "alice@a.test").await;
    b.post_form(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&bob.token),
        &[],
    )
    .await;
    settle(&a, &b).await;
    let (_, posted) = json_of(
        a.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "goodbye soon")],
        )
        .await,
    )
    .await;
    settle(&a, &b).await;
    let copies = |app: &TestApp| {
        let pool = app.pool.clone();
        let uri = posted["uri"].as_str().unwrap().to_owned();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from statuses where uri = $1")
                .bind(uri)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(copies(&b).await, 1, "bob's server holds alice's post");

    // The operator deletes alice from the command line.
    operator_runs(&a, &["accounts", "delete", "alice"]);
    settle(&a, &b).await;

    let (status, _) = json_of(
        a.get_with("/api/v1/accounts/verify_credentials", &alice.token)
            .await,
    )
    .await;
    assert_eq!(status, 401, "her sign-in is gone");
    assert_eq!(
        copies(&b).await,
        0,
        "bob's server dropped her posts on her Delete"
    );
    let (_, relationship) = json_of(
        b.get_with(
            &format!("/api/v1/accounts/relationships?id[]={alice_on_b}"),
            &bob.token,
        )
        .await,
    )
    .await;
    assert_eq!(relationship[0]["following"], false);
    let gone: bool = sqlx::query_scalar(
        "select gone_at is not null from accounts where uri = 'http://a.test/users/alice'",
    )
    .fetch_one(&b.pool)
    .await
    .unwrap();
    assert!(
        gone,
        "b keeps the row, marked gone, so the name is never taken by someone else"
    );

    // Her actor and WebFinger tell anyone who asks later that she is gone for good; a name that
    // never existed is merely unknown.
    let fetch = |path: &str| {
        a.client
            .get(format!("{}{path}", a.base_url))
            .header("accept", "application/activity+json")
            .send()
    };
    assert_eq!(fetch("/users/alice").await.unwrap().status(), 410);
    assert_eq!(fetch("/users/nobody").await.unwrap().status(), 404);
    let finger = "/.well-known/webfinger?resource=acct:alice@a.test";
    assert_eq!(fetch(finger).await.unwrap().status(), 410);
}

#[tokio::test]
async fn a_member_who_moves_to_another_instance_takes_followers_from_both_along() {
    let (a, b) = pair().await;
    let alice = a.member("alice", "read write follow").await;
    let dave = a.member("dave", "read write follow").await;
    let bob = b.member("bob", "read write follow").await;
    let carol = b.member("carol", "read write follow").await;
    // carol (on b) and dave (on a) follow alice.
    let alice_on_b = remote_id(&b, &carol.token, "alice@a.test").await;
    b.post_form(
        &format!("/api/v1/accounts/{alice_on_b}/follow"),
        Some(&carol.token),
        &[],
    )
    .await;
    a.post_form(
        &format!("/api/v1/accounts/{}/follow", alice.account_id),
        Some(&dave.token),
        &[],
    )
    .await;
    settle(&a, &b).await;

    // Moving before the new account names the old one is refused.
    let refused = ferrodon::actions::account_moves::move_to(&a.state, alice.account_id, "bob@b.test").await;
    assert!(refused.is_err(), "{refused:?}");
    let alias = ferrodon::actions::account_moves::add_alias(&b.state, bob.account_id, "alice@a.test")
        .await
        .unwrap();
    assert_eq!(alias, "http://a.test/users/alice");
    let moved = ferrodon::actions::account_moves::move_to(&a.state, alice.account_id, "bob@b.test")
        .await
        .unwrap();
    assert_eq!(moved, 1, "dave moves along");
    settle(&a, &b).await;

    assert_eq!(
        following(&b, &carol.token, &bob.account_id.to_string()).await,
        true,
        "carol follows bob"
    );
    assert_eq!(following(&b, &carol.token, &alice_on_b).await, false);
    let bob_on_a = remote_id(&a, &dave.token, "bob@b.test").await;
    assert_eq!(
        following(&a, &dave.token, &bob_on_a).await,
        true,
        "dave follows bob once b accepted"
    );
    assert_eq!(
        following(&a, &dave.token, &alice.account_id.to_string()).await,
        false
    );
    let actor: serde_json::Value = a
        .client
        .get(format!("{}/users/alice", a.base_url))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["movedTo"], "http://b.test/users/bob");
}

/// Whether the holder of `token` follows account `id` on `app`.
async fn following(app: &TestApp, token: &str, id: &str) -> serde_json::Value {
    let (_, relationships) = json_of(
        app.get_with(&format!("/api/v1/accounts/relationships?id[]={id}"), token)
            .await,
    )
    .await;
    relationships[0]["following"].clone()
}

/// Runs `ferrodon ARGS` as the operator of `app` would, in its own process against its database.
fn operator_runs(app: &TestApp, args: &[&str]) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ferrodon"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .env("FERRODON_DATABASE__URL", &app.database.url)
        .env("FERRODON_SERVER__DOMAIN", &app.config.server.domain)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
