//! Federation policy, gate by gate: Suspend, Limit, flags and allowlist mode, with fake remote
//! servers on real names (`evil.test`, `sub.evil.test`, an IDN domain, and look-alikes that
//! must stay untouched: `notevil.test`, `evil.test.example`).

use std::time::Duration;

use ferrodon::actions::domain_blocks::{self, Created};
use ferrodon::db::domain_blocks::NewDomainBlock;
use ferrodon::moderation::Severity;
use serde_json::{Value, json};

use crate::fake_remote::{FakeActor, FakeRemote, create_note};
use crate::federation_activities::{account_id, deliver, follow_remote};
use crate::federation_in::{app_with, count, local_actor};
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Puts a rule in force as the admin API and the CLI do, in any spelling of the domain.
pub async fn rule(
    app: &TestApp,
    domain: &str,
    severity: Severity,
    edit: impl FnOnce(&mut NewDomainBlock),
) -> i64 {
    let mut rule = NewDomainBlock {
        domain: domain_blocks::domain_for_rule(&app.state, domain).unwrap(),
        severity,
        source: "manual",
        ..NewDomainBlock::default()
    };
    edit(&mut rule);
    match domain_blocks::create(&app.state, rule).await.unwrap() {
        Created::Added(block) => block.id,
        Created::Exists(block) => panic!("a rule exists already: {block:?}"),
    }
}

async fn suspend(app: &TestApp, domain: &str) -> i64 {
    let id = rule(app, domain, Severity::Suspend, |_| {}).await;
    app.run_jobs().await;
    id
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    json_of(app.get_with(path, token).await).await
}

async fn ids_in(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let response = match token {
        Some(token) => app.get_with(path, token).await,
        None => app.get(path).await,
    };
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{path}: {body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The local id of a remote status, by its URI.
async fn status_id_of(app: &TestApp, uri: &str) -> Option<String> {
    sqlx::query_scalar::<_, i64>("select id from statuses where uri = $1")
        .bind(uri)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        .map(|id| id.to_string())
}

fn note_uri(actor: &FakeActor, suffix: &str) -> String {
    format!("{}/notes/{suffix}", actor.uri.rsplit_once("/users/").unwrap().0)
}

/// `actor` (remote) follows the local `member`; unlocked members take it at once.
async fn remote_follows(app: &TestApp, actor: &FakeActor, member: &str) {
    let follow = json!({"id": format!("{}#follows/1", actor.uri), "type": "Follow",
                        "actor": actor.uri, "object": local_actor(app, member)});
    deliver(app, actor, &follow).await;
}

#[tokio::test]
async fn a_suspended_domain_is_refused_at_the_inbox_in_every_spelling_before_any_key_fetch() {
    let evil = FakeRemote::start("evil.test").await;
    let sub = FakeRemote::start("sub.evil.test").await;
    let notevil = FakeRemote::start("notevil.test").await;
    let lookalike = FakeRemote::start("evil.test.example").await;
    let app = app_with(&[&evil, &sub, &notevil, &lookalike]).await;
    app.member("alice", "read write").await;
    suspend(&app, "EVIL.TEST.").await;

    for remote in [&evil, &sub] {
        let mallory = remote.add_actor("mallory");
        let response = mallory
            .post(&app, "/inbox", &create_note(&mallory, "1", json!({})))
            .await;
        assert_eq!(response.status(), 403, "{}", remote.domain);
        // The key was never fetched: the gate stands before the signature's key lookup.
        assert_eq!(remote.hits("/users/mallory"), 0, "{}", remote.domain);
    }
    for remote in [&notevil, &lookalike] {
        let carol = remote.add_actor("carol");
        let response = carol
            .post(&app, "/inbox", &create_note(&carol, "1", json!({})))
            .await;
        assert_eq!(response.status(), 202, "{} is not evil.test", remote.domain);
    }
    app.run_jobs().await;
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where uri like '%evil.test/%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_idn_rule_covers_its_punycode_host() {
    let shop = FakeRemote::start("xn--bcher-kva.test").await;
    let app = app_with(&[&shop]).await;
    suspend(&app, "BÜCHER.test").await;
    let seller = shop.add_actor("seller");
    let response = seller
        .post(&app, "/inbox", &create_note(&seller, "1", json!({})))
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_suspended_domain_cannot_be_found_looked_up_fetched_or_followed() {
    let evil = FakeRemote::start("evil.test").await;
    let bob = evil.add_actor("bob");
    let app = app_with(&[&evil]).await;
    let alice = app.member("alice", "read write follow").await;
    // Known from before the suspension.
    let id = account_id(&app, &alice, "bob@evil.test").await;
    suspend(&app, "evil.test").await;
    let hits_before = evil.received().len();

    let (status, _) = get_json(&app, &format!("/api/v1/accounts/{id}"), &alice.token).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&app, "/api/v1/accounts/lookup?acct=bob@evil.test", &alice.token).await;
    assert_eq!(status, 404);
    let (status, found) = get_json(&app, "/api/v2/search?q=@bob@evil.test&resolve=true", &alice.token).await;
    assert_eq!(status, 200);
    assert_eq!(found["accounts"], json!([]));
    let (_, found) = get_json(
        &app,
        &format!("/api/v2/search?q={}&resolve=true", note_uri(&bob, "9")),
        &alice.token,
    )
    .await;
    assert_eq!(found["statuses"], json!([]));
    let (status, body) = json_of(
        app.post_form(&format!("/api/v1/accounts/{id}/follow"), Some(&alice.token), &[])
            .await,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (_, peers) = json_of(app.get("/api/v1/instance/peers").await).await;
    assert!(
        !peers.as_array().unwrap().contains(&json!("evil.test")),
        "{peers}"
    );
    // A mention stays plain text and goes nowhere.
    let status = post(&app, &alice, &[("status", "hi @bob@evil.test")]).await;
    assert_eq!(status["mentions"], json!([]));
    ferrodon::federation::delivery::deliver_pending(&app.state)
        .await
        .unwrap();
    assert_eq!(
        evil.received().len(),
        hits_before,
        "nothing was fetched from or sent to evil.test"
    );
}

#[tokio::test]
async fn nothing_is_delivered_to_a_suspended_domain_even_what_was_queued_before() {
    let evil = FakeRemote::start("evil.test").await;
    let bob = evil.add_actor("bob");
    let app = app_with(&[&evil]).await;
    let alice = app.member("alice", "read write").await;
    remote_follows(&app, &bob, "alice").await;
    post(&app, &alice, &[("status", "queued before the suspension")]).await;
    suspend(&app, "evil.test").await;
    post(&app, &alice, &[("status", "after the suspension")]).await;
    ferrodon::federation::delivery::deliver_pending(&app.state)
        .await
        .unwrap();
    assert!(evil.posts_to("/users/bob/inbox").is_empty() && evil.posts_to("/inbox").is_empty());
    assert_eq!(
        count(&app, "select count(*) from deliveries where failed_at is null").await,
        0
    );
}

#[tokio::test]
async fn boosts_replies_and_relayed_posts_about_a_suspended_domain_are_dropped() {
    let evil = FakeRemote::start("evil.test").await;
    let remote = FakeRemote::start("remote.test").await;
    let mallory = evil.add_actor("mallory");
    let carol = remote.add_actor("carol");
    let evil_note = create_note(&mallory, "1", json!({}))["object"].clone();
    evil.serve_object(&evil_note);
    let app = app_with(&[&evil, &remote]).await;
    app.member("alice", "read write").await;
    suspend(&app, "evil.test").await;

    let boost = json!({"id": format!("{}#boosts/1", carol.uri), "type": "Announce", "actor": carol.uri,
                       "object": evil_note["id"], "to": [PUBLIC]});
    deliver(&app, &carol, &boost).await;
    let reply = create_note(&carol, "2", json!({"inReplyTo": evil_note["id"]}));
    deliver(&app, &carol, &reply).await;
    let quote = create_note(&carol, "3", json!({"quoteUrl": evil_note["id"]}));
    deliver(&app, &carol, &quote).await;
    let relayed = json!({"id": format!("{}#relay/1", carol.uri), "type": "Announce", "actor": carol.uri,
                         "object": create_note(&mallory, "4", json!({})), "to": [PUBLIC]});
    deliver(&app, &carol, &relayed).await;

    assert_eq!(count(&app, "select count(*) from statuses").await, 0);
    assert_eq!(evil.received().len(), 0, "nothing was fetched from evil.test");
    // Carol's own posts still arrive.
    deliver(&app, &carol, &create_note(&carol, "5", json!({}))).await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);
}

#[tokio::test]
async fn a_suspension_purges_the_domain_and_tells_members_what_they_lost() {
    let evil = FakeRemote::start("evil.test").await;
    let bob = evil.add_actor("bob");
    let app = app_with(&[&evil]).await;
    let alice = app.member("alice", "read write follow").await;
    let bob_id = follow_remote(&app, &alice, &bob, "bob@evil.test").await;
    remote_follows(&app, &bob, "alice").await;
    let picture = json!([{"type": "Document", "mediaType": "image/png", "name": "a cat",
                          "url": "https://evil.test/media/cat.png"}]);
    deliver(
        &app,
        &bob,
        &create_note(&bob, "1", json!({"attachment": picture})),
    )
    .await;
    let alice_status = post(&app, &alice, &[("status", "hello")]).await;
    let like = json!({"id": format!("{}#likes/1", bob.uri), "type": "Like", "actor": bob.uri,
                      "object": format!("{}/users/alice/statuses/{}", app.state.base_url, alice_status["id"].as_str().unwrap())});
    deliver(&app, &bob, &like).await;
    assert_eq!(
        count(&app, "select count(*) from statuses where local = false").await,
        1
    );
    assert_eq!(count(&app, "select count(*) from favourites").await, 1);
    assert_eq!(count(&app, "select count(*) from media_attachments").await, 1);

    let rule_id = suspend(&app, "evil.test").await;

    assert_eq!(
        count(&app, "select count(*) from statuses where local = false").await,
        0
    );
    assert_eq!(count(&app, "select count(*) from follows").await, 0);
    assert_eq!(count(&app, "select count(*) from favourites").await, 0);
    assert_eq!(
        count(&app, "select count(*) from media_attachments").await,
        0,
        "attachments and their descriptions go with the statuses"
    );
    let (_, status) = get_json(
        &app,
        &format!("/api/v1/statuses/{}", alice_status["id"].as_str().unwrap()),
        &alice.token,
    )
    .await;
    assert_eq!(status["favourites_count"], 0);
    // The account row stays, reserving the name.
    assert_eq!(
        count(&app, "select count(*) from accounts where domain = 'evil.test'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from notifications where from_account_id <> account_id"
        )
        .await,
        0,
        "the domain's notifications are gone"
    );
    let (status, notifications) = get_json(
        &app,
        "/api/v1/notifications?types[]=severed_relationships",
        &alice.token,
    )
    .await;
    assert_eq!(status, 200);
    let notice = &notifications[0];
    assert_eq!(notice["type"], "severed_relationships", "{notifications}");
    assert_eq!(notice["event"]["type"], "domain_block");
    assert_eq!(notice["event"]["target_name"], "evil.test");
    assert_eq!(notice["event"]["followers_count"], 1);
    assert_eq!(notice["event"]["following_count"], 1);
    assert_eq!(notice["event"]["purged"], true);

    // The member's page lists what was lost, downloadable in the follow-import format.
    let mut browser = crate::helpers::TestBrowser::new(&app);
    browser.sign_in("alice", "correct horse battery").await;
    let (status, _, page) = browser.get("/severed_relationships").await;
    assert_eq!(status, 200);
    assert!(page.contains("evil.test"), "{page}");
    let event = notice["event"]["id"].as_str().unwrap();
    let (status, _, csv) = browser
        .get(&format!("/severed_relationships/{event}/following.csv"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        csv,
        "Account address,Show boosts,Notify on new posts,Languages\nbob@evil.test,true,false,\n"
    );
    let (_, _, csv) = browser
        .get(&format!("/severed_relationships/{event}/followers.csv"))
        .await;
    assert_eq!(csv, "Account address\nbob@evil.test\n");
    let stranger = app.member("stranger", "read").await;
    let mut other = crate::helpers::TestBrowser::new(&app);
    other.sign_in(&stranger.username, "correct horse battery").await;
    let (status, _, _) = other
        .get(&format!("/severed_relationships/{event}/following.csv"))
        .await;
    assert_eq!(status, 404, "another member's list is not theirs to read");

    // Lifting the suspension restores nothing.
    domain_blocks::remove(&app.state, rule_id).await.unwrap();
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from follows").await, 0);
    let (status, _) = get_json(&app, &format!("/api/v1/accounts/{bob_id}"), &alice.token).await;
    assert_eq!(status, 200, "the account can be found again");
}

/// A limited remote author, a member who follows them and one who does not.
struct LimitedScene {
    app: TestApp,
    _limited: FakeRemote,
    bob: FakeActor,
    fan: TestMember,
    stranger: TestMember,
}

async fn limited_scene() -> LimitedScene {
    let limited = FakeRemote::start("limited.test").await;
    let bob = limited.add_actor("bob");
    let app = app_with(&[&limited]).await;
    let fan = app.member("fan", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    rule(&app, "limited.test", Severity::Silence, |_| {}).await;
    app.run_jobs().await;
    // Still followable: found by exact handle, and the follow goes through.
    follow_remote(&app, &fan, &bob, "bob@limited.test").await;
    LimitedScene {
        app,
        _limited: limited,
        bob,
        fan,
        stranger,
    }
}

#[tokio::test]
async fn a_limited_account_is_hidden_from_public_timelines_but_its_followers_see_it() {
    let LimitedScene {
        app,
        bob,
        fan,
        stranger,
        ..
    } = limited_scene().await;
    deliver(
        &app,
        &bob,
        &create_note(
            &bob,
            "1",
            json!({"content": "<p>#news from afar</p>",
        "tag": [{"type": "Hashtag", "name": "#news"}]}),
        ),
    )
    .await;
    let id = status_id_of(&app, &note_uri(&bob, "1")).await.unwrap();

    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?remote=true",
        "/api/v1/timelines/tag/news",
    ] {
        assert!(!ids_in(&app, path, None).await.contains(&id), "anonymous {path}");
        assert!(
            !ids_in(&app, path, Some(&stranger.token)).await.contains(&id),
            "stranger {path}"
        );
        assert!(
            ids_in(&app, path, Some(&fan.token)).await.contains(&id),
            "follower {path}"
        );
    }
    assert!(
        ids_in(&app, "/api/v1/timelines/home", Some(&fan.token))
            .await
            .contains(&id)
    );
}

#[tokio::test]
async fn a_limited_account_is_found_only_by_exact_handle() {
    let LimitedScene { app, stranger, .. } = limited_scene().await;
    let (_, found) = get_json(&app, "/api/v2/search?q=bob&type=accounts", &stranger.token).await;
    assert_eq!(found["accounts"], json!([]), "not by a partial name");
    let (_, found) = get_json(
        &app,
        "/api/v2/search?q=bob@limited.test&type=accounts",
        &stranger.token,
    )
    .await;
    assert_eq!(found["accounts"][0]["acct"], "bob@limited.test");
    let (status, _) = get_json(
        &app,
        "/api/v1/accounts/lookup?acct=bob@limited.test",
        &stranger.token,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn follows_from_a_limited_account_become_requests() {
    let LimitedScene {
        app, bob, stranger, ..
    } = limited_scene().await;
    remote_follows(&app, &bob, "stranger").await;
    assert_eq!(
        count(
            &app,
            "select count(*) from follows where target_account_id in (select account_id from users)"
        )
        .await,
        0
    );
    let requests = ids_in(&app, "/api/v1/follow_requests", Some(&stranger.token)).await;
    assert_eq!(requests.len(), 1);
}

#[tokio::test]
async fn notifications_from_a_limited_account_reach_only_its_followers() {
    let LimitedScene {
        app,
        bob,
        fan,
        stranger,
        ..
    } = limited_scene().await;
    let mention = |member: &TestMember, n: &str| {
        let href = local_actor(&app, &member.username);
        create_note(
            &bob,
            n,
            json!({"content": "<p>hi</p>", "tag": [{"type": "Mention", "href": href}],
                                    "cc": [href]}),
        )
    };
    deliver(&app, &bob, &mention(&stranger, "1")).await;
    deliver(&app, &bob, &mention(&fan, "2")).await;
    let (_, for_stranger) = get_json(&app, "/api/v1/notifications?types[]=mention", &stranger.token).await;
    assert_eq!(for_stranger, json!([]));
    let (_, for_fan) = get_json(&app, "/api/v1/notifications?types[]=mention", &fan.token).await;
    assert_eq!(for_fan.as_array().unwrap().len(), 1);
    // For the member who does not follow them, it waits as a request (Mastodon's
    // `for_limited_accounts = filter`), which they may accept; with `drop`, nothing is kept.
    let (_, requests) = get_json(&app, "/api/v1/notifications/requests", &stranger.token).await;
    assert_eq!(requests.as_array().unwrap().len(), 1, "{requests}");
    assert_eq!(requests[0]["account"]["acct"], "bob@limited.test");
    let (_, for_fan) = get_json(&app, "/api/v1/notifications/requests", &fan.token).await;
    assert_eq!(for_fan, json!([]));
    let id = requests[0]["id"].as_str().unwrap();
    let accepted = app
        .post_form(
            &format!("/api/v1/notifications/requests/{id}/accept"),
            Some(&stranger.token),
            &[],
        )
        .await;
    assert_eq!(accepted.status(), 200);
    let (_, for_stranger) = get_json(&app, "/api/v1/notifications?types[]=mention", &stranger.token).await;
    assert_eq!(for_stranger.as_array().unwrap().len(), 1);
    let dropping = app
        .send_form(
            reqwest::Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&fan.token),
            &[("for_limited_accounts", "drop")],
        )
        .await;
    assert_eq!(dropping.status(), 200);
    sqlx::query("delete from follows where account_id = $1")
        .bind(fan.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    deliver(&app, &bob, &mention(&fan, "3")).await;
    let kept: i64 = sqlx::query_scalar("select count(*) from notifications where account_id = $1")
        .bind(fan.account_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the dropped mention left nothing");
}

#[tokio::test]
async fn boosts_of_a_limited_account_show_only_to_its_followers() {
    let LimitedScene {
        app,
        bob,
        fan,
        stranger,
        ..
    } = limited_scene().await;
    // A local member both follow boosts the limited account's post.
    let booster = app.member("booster", "read write follow").await;
    for member in [&fan, &stranger] {
        let (status, _) = json_of(
            app.post_form(
                &format!("/api/v1/accounts/{}/follow", booster.account_id),
                Some(&member.token),
                &[],
            )
            .await,
        )
        .await;
        assert_eq!(status, 200);
    }
    deliver(&app, &bob, &create_note(&bob, "1", json!({}))).await;
    let original = status_id_of(&app, &note_uri(&bob, "1")).await.unwrap();
    let (status, boost) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{original}/reblog"),
            Some(&booster.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{boost}");
    let boost_id = boost["id"].as_str().unwrap().to_owned();
    assert!(
        ids_in(&app, "/api/v1/timelines/home", Some(&fan.token))
            .await
            .contains(&boost_id)
    );
    assert!(
        !ids_in(&app, "/api/v1/timelines/home", Some(&stranger.token))
            .await
            .contains(&boost_id)
    );
}

#[tokio::test]
async fn reject_media_shows_a_domain_s_attachments_as_links() {
    let remote = FakeRemote::start("pics.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read").await;
    rule(&app, "pics.test", Severity::Noop, |r| r.reject_media = true).await;
    let image = "http://pics.test/media/cat.png";
    deliver(
        &app,
        &bob,
        &create_note(
            &bob,
            "1",
            json!({"attachment": [
        {"type": "Document", "mediaType": "image/png", "url": image}]}),
        ),
    )
    .await;
    let id = status_id_of(&app, &note_uri(&bob, "1")).await.unwrap();
    let (_, status) = get_json(&app, &format!("/api/v1/statuses/{id}"), &alice.token).await;
    assert_eq!(status["media_attachments"], json!([]));
    assert!(status["content"].as_str().unwrap().contains(image), "{status}");
    assert!(
        !status["account"]["avatar"]
            .as_str()
            .unwrap()
            .contains("pics.test")
    );
}

#[tokio::test]
async fn allowlist_mode_federates_only_with_allowed_domains() {
    let friend = FakeRemote::start("friend.test").await;
    let stranger = FakeRemote::start("stranger.test").await;
    let remotes = [friend.clone(), stranger.clone()];
    let app = TestApp::spawn_with(move |config| {
        let refs: Vec<&FakeRemote> = remotes.iter().collect();
        crate::fake_remote::route_to(config, &refs);
        config.federation.mode = ferrodon::config::FederationMode::Allowlist;
    })
    .await;
    let alice = app.member("alice", "read write").await;
    domain_blocks::allow(&app.state, "friend.test").await.unwrap();

    let dave = friend.add_actor("dave");
    let eve = stranger.add_actor("eve");
    assert_eq!(
        dave.post(&app, "/inbox", &create_note(&dave, "1", json!({})))
            .await
            .status(),
        202
    );
    assert_eq!(
        eve.post(&app, "/inbox", &create_note(&eve, "1", json!({})))
            .await
            .status(),
        403
    );
    let (_, found) = get_json(
        &app,
        "/api/v2/search?q=@eve@stranger.test&resolve=true",
        &alice.token,
    )
    .await;
    assert_eq!(found["accounts"], json!([]));
    assert_eq!(stranger.received().len(), 0);
}

#[tokio::test]
async fn a_subdomain_rule_is_more_specific_than_its_parent() {
    let app = TestApp::spawn().await;
    rule(&app, "evil.test", Severity::Suspend, |_| {}).await;
    // A weaker rule under a suspended parent changes nothing and is refused as a duplicate.
    let weaker = NewDomainBlock {
        domain: "sub.evil.test".into(),
        severity: Severity::Silence,
        source: "manual",
        ..NewDomainBlock::default()
    };
    assert!(matches!(
        domain_blocks::create(&app.state, weaker).await.unwrap(),
        Created::Exists(_)
    ));
    let duplicate = NewDomainBlock {
        domain: "evil.test".into(),
        severity: Severity::Suspend,
        source: "manual",
        ..NewDomainBlock::default()
    };
    assert!(matches!(
        domain_blocks::create(&app.state, duplicate).await.unwrap(),
        Created::Exists(_)
    ));
    // Under a Limit, a stricter subdomain rule is taken and wins for its own hosts.
    rule(&app, "limited.test", Severity::Silence, |_| {}).await;
    rule(&app, "worse.limited.test", Severity::Suspend, |_| {}).await;
    let policy = &app.state.federation.policy;
    assert!(policy.check("a.worse.limited.test").is_suspended());
    assert!(policy.check("other.limited.test").is_limited());
}

#[tokio::test]
async fn a_rule_written_by_another_process_takes_effect_within_a_second() {
    let app = TestApp::spawn().await;
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(ferrodon::moderation::domain_policy::keep_current(
        app.state.federation.policy.clone(),
        app.state.db.clone(),
        stopping,
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // What `ferrodon domains block` does from its own process: a row and a notification.
    sqlx::query("insert into domain_blocks (domain, severity) values ('evil.test', 'suspend')")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("select pg_notify('ferrodon_domain_policy', '')")
        .execute(&app.pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while !app.state.federation.policy.is_suspended("evil.test") {
        assert!(
            std::time::Instant::now() < deadline,
            "the rule was not picked up within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_suspended_domain_s_signed_fetches_are_refused() {
    let evil = FakeRemote::start("evil.test").await;
    let mallory = evil.add_actor("mallory");
    let app = app_with(&[&evil]).await;
    app.member("alice", "read").await;
    suspend(&app, "evil.test").await;
    let url = url::Url::parse(&format!("{}/users/alice", app.base_url)).unwrap();
    let signed = |key| {
        let mut request = app
            .client
            .get(url.clone())
            .header("accept", "application/activity+json");
        for (name, value) in
            ferrodon::federation::signatures::sign_get(&key, &url, std::time::SystemTime::now())
        {
            request = request.header(name, value);
        }
        request
    };
    assert_eq!(signed(mallory.signing_key()).send().await.unwrap().status(), 403);
    let unsigned = app
        .client
        .get(url.clone())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 200);
}

#[tokio::test]
async fn a_member_s_domain_block_hides_the_domain_and_its_subdomains_from_their_timelines_and_notifications()
{
    let noisy = FakeRemote::start("sub.noisy.test").await;
    let bob = noisy.add_actor("bob");
    let app = app_with(&[&noisy]).await;
    let alice = app.member("alice", "read write follow").await;
    let other = app.member("other", "read").await;
    let (status, _) = json_of(
        app.post_form(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", "NOISY.test")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let href = local_actor(&app, "alice");
    deliver(
        &app,
        &bob,
        &create_note(
            &bob,
            "1",
            json!({"tag": [{"type": "Mention", "href": href}], "cc": [href]}),
        ),
    )
    .await;
    let id = status_id_of(&app, &note_uri(&bob, "1")).await.unwrap();
    assert!(
        !ids_in(&app, "/api/v1/timelines/public", Some(&alice.token))
            .await
            .contains(&id)
    );
    assert!(
        ids_in(&app, "/api/v1/timelines/public", Some(&other.token))
            .await
            .contains(&id)
    );
    let (_, notifications) = get_json(&app, "/api/v1/notifications", &alice.token).await;
    assert_eq!(notifications, json!([]));
}

#[tokio::test]
async fn a_suspension_written_in_the_configuration_is_carried_out_at_start() {
    let app = TestApp::spawn_with(|config| {
        config
            .federation
            .domains
            .insert("Evil.test".into(), "suspend".into());
        config.federation.bridges = ferrodon::config::BridgePolicy::Limit;
    })
    .await;
    // Known from before the operator wrote the rule.
    for (name, domain) in [("mallory", "evil.test"), ("bridged", "bsky.brid.gy")] {
        let id: i64 = sqlx::query_scalar(
            "insert into accounts (username, domain, uri, inbox_url, public_key_pem)
             values ($1, $2, 'https://' || $2 || '/users/' || $1, 'https://' || $2 || '/inbox', 'x')
             returning id",
        )
        .bind(name)
        .bind(domain)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        sqlx::query(
            "insert into statuses (account_id, uri, text, content, spoiler_text, visibility, local, conversation_id)
             values ($1, 'https://' || $2 || '/notes/1', 'hi', '<p>hi</p>', '', 'public', false, next_id())",
        )
        .bind(id)
        .bind(domain)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    domain_blocks::configuration_took_effect(&app.state)
        .await
        .unwrap();
    app.run_jobs().await;
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where uri like 'https://evil.test/%'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from accounts where domain = 'evil.test' and domain_suspended"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from accounts where domain = 'bsky.brid.gy' and domain_limited"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from statuses where uri like 'https://bsky.brid.gy/%'"
        )
        .await,
        1
    );
}
