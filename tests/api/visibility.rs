//! Visibility is never leaked: private and direct statuses, blocks and mutes, on every read.

use serde_json::Value;

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};
use crate::statuses::post;

async fn follow(app: &TestApp, who: &TestMember, whom: &TestMember) -> Value {
    let (code, body) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/follow", whom.account_id),
            Some(&who.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    body
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn private_statuses_reach_followers_and_the_mentioned_only() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write follow").await;
    let follower = app.member("follower", "read write follow").await;
    let mentioned = app.member("mentioned", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    follow(&app, &follower, &author).await;
    let status = post(
        &app,
        &author,
        &[("status", "for friends @mentioned"), ("visibility", "private")],
    )
    .await;
    let id = status["id"].as_str().unwrap();
    let path = format!("/api/v1/statuses/{id}");

    assert_eq!(app.get(&path).await.status(), 404, "anonymous");
    assert_eq!(app.get_with(&path, &stranger.token).await.status(), 404);
    assert_eq!(app.get_with(&path, &follower.token).await.status(), 200);
    assert_eq!(app.get_with(&path, &mentioned.token).await.status(), 200);
    for action in ["favourite", "bookmark", "reblog"] {
        let code = app
            .post_form(&format!("{path}/{action}"), Some(&stranger.token), &[])
            .await
            .status();
        assert_eq!(code, 404, "a stranger cannot {action} what they cannot see");
    }
    assert_eq!(
        app.get_with(&format!("{path}/context"), &stranger.token)
            .await
            .status(),
        404
    );
    let code = app
        .post_form(&format!("{path}/reblog"), Some(&follower.token), &[])
        .await
        .status();
    assert_eq!(code, 422, "private statuses cannot be boosted");

    let (_, public) = json_of(app.get("/api/v1/timelines/public").await).await;
    assert!(!ids(&public).contains(&id.to_owned()));
    let account_path = format!("/api/v1/accounts/{}/statuses", author.account_id);
    let (_, seen) = json_of(app.get_with(&account_path, &stranger.token).await).await;
    assert!(ids(&seen).is_empty());
    let (_, seen) = json_of(app.get_with(&account_path, &follower.token).await).await;
    assert_eq!(ids(&seen), [id]);
    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &follower.token).await).await;
    assert_eq!(ids(&home), [id]);
    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &stranger.token).await).await;
    assert!(ids(&home).is_empty());

    // A reply in a private thread does not surface it to a stranger either.
    let reply = post(
        &app,
        &follower,
        &[("status", "a public reply"), ("in_reply_to_id", id)],
    )
    .await;
    let (_, context) = json_of(
        app.get(&format!(
            "/api/v1/statuses/{}/context",
            reply["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert!(context["ancestors"].as_array().unwrap().is_empty());
    let (_, counted) = json_of(app.get_with(&path, &author.token).await).await;
    assert_eq!(counted["replies_count"], 1);

    // A private reply is not counted on a public status: counts never betray what one cannot see.
    let open = post(&app, &author, &[("status", "open thread")]).await;
    let open_id = open["id"].as_str().unwrap();
    post(
        &app,
        &follower,
        &[
            ("status", "quiet reply"),
            ("visibility", "private"),
            ("in_reply_to_id", open_id),
        ],
    )
    .await;
    let (_, seen) = json_of(
        app.get_with(&format!("/api/v1/statuses/{open_id}"), &stranger.token)
            .await,
    )
    .await;
    assert_eq!(seen["replies_count"], 0);
    let (_, context) = json_of(
        app.get_with(&format!("/api/v1/statuses/{open_id}/context"), &stranger.token)
            .await,
    )
    .await;
    assert!(context["descendants"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn direct_statuses_reach_the_mentioned_only() {
    let app = TestApp::spawn().await;
    let author = app.member("author", "read write follow").await;
    let friend = app.member("friend", "read write follow").await;
    let follower = app.member("follower", "read write follow").await;
    follow(&app, &follower, &author).await;
    let status = post(
        &app,
        &author,
        &[("status", "@friend psst"), ("visibility", "direct")],
    )
    .await;
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().unwrap());
    assert_eq!(app.get_with(&path, &friend.token).await.status(), 200);
    assert_eq!(app.get_with(&path, &follower.token).await.status(), 404);
    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &follower.token).await).await;
    assert!(ids(&home).is_empty());
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &follower.token).await).await;
    assert!(notes.as_array().unwrap().iter().all(|n| n["type"] != "mention"));
}

#[tokio::test]
async fn blocks_hide_each_from_the_other_and_end_follows() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    follow(&app, &bob, &alice).await;
    follow(&app, &alice, &bob).await;
    let status = post(&app, &alice, &[("status", "hello world")]).await;
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().unwrap());
    let (code, relation) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/block", bob.account_id),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(relation["blocking"], true);
    assert_eq!(relation["following"], false);
    assert_eq!(relation["followed_by"], false);
    assert_eq!(app.get_with(&path, &bob.token).await.status(), 404);
    for timeline in ["/api/v1/timelines/home", "/api/v1/timelines/public"] {
        let (_, list) = json_of(app.get_with(timeline, &bob.token).await).await;
        assert!(ids(&list).is_empty(), "{timeline}");
    }
    let code = app
        .post_form(
            &format!("/api/v1/accounts/{}/follow", alice.account_id),
            Some(&bob.token),
            &[],
        )
        .await
        .status();
    assert_eq!(code, 403, "a blocked account cannot follow");
    let mention = post(&app, &bob, &[("status", "@alice hey")]).await;
    assert_eq!(mention["mentions"].as_array().unwrap().len(), 1);
    let (_, notes) = json_of(
        app.get_with("/api/v1/notifications?types[]=mention", &alice.token)
            .await,
    )
    .await;
    assert!(
        notes.as_array().unwrap().is_empty(),
        "no notifications from blocked accounts"
    );
    let (_, relation) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/unblock", bob.account_id),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(relation["blocking"], false);
    assert_eq!(app.get_with(&path, &bob.token).await.status(), 200);
}

#[tokio::test]
async fn mutes_hide_an_account_from_timelines_and_notifications() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let noisy = app.member("noisy", "read write follow").await;
    follow(&app, &alice, &noisy).await;
    post(&app, &noisy, &[("status", "noise")]).await;
    let (_, relation) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/mute", noisy.account_id),
            Some(&alice.token),
            &[("notifications", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(relation["muting"], true);
    assert_eq!(relation["muting_notifications"], true);
    post(&app, &noisy, &[("status", "@alice more noise")]).await;
    for timeline in ["/api/v1/timelines/home", "/api/v1/timelines/public"] {
        let (_, list) = json_of(app.get_with(timeline, &alice.token).await).await;
        assert!(ids(&list).is_empty(), "{timeline}");
    }
    let (_, notes) = json_of(
        app.get_with("/api/v1/notifications?types[]=mention", &alice.token)
            .await,
    )
    .await;
    assert!(notes.as_array().unwrap().is_empty());
    let (_, public) = json_of(app.get("/api/v1/timelines/public").await).await;
    assert_eq!(ids(&public).len(), 2, "others still see them");
    json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/unmute", noisy.account_id),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &alice.token).await).await;
    assert_eq!(ids(&home).len(), 2);
}

#[tokio::test]
async fn a_boost_never_shows_a_blockers_status() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    let status = post(&app, &alice, &[("status", "not for bob")]).await;
    let (_, boost) = json_of(
        app.post_form(
            &format!("/api/v1/statuses/{}/reblog", status["id"].as_str().unwrap()),
            Some(&carol.token),
            &[],
        )
        .await,
    )
    .await;
    app.post_form(
        &format!("/api/v1/accounts/{}/block", bob.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    let boost_id = boost["id"].as_str().unwrap();
    assert_eq!(
        app.get_with(&format!("/api/v1/statuses/{boost_id}"), &bob.token)
            .await
            .status(),
        404
    );
    let (_, listed) = json_of(
        app.get_with(&format!("/api/v1/statuses?id[]={boost_id}"), &bob.token)
            .await,
    )
    .await;
    assert!(ids(&listed).is_empty());
    let (_, profile) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/statuses", carol.account_id),
            &bob.token,
        )
        .await,
    )
    .await;
    assert!(ids(&profile).is_empty());
    for action in ["favourite", "bookmark", "reblog", "unreblog"] {
        let code = app
            .post_form(
                &format!("/api/v1/statuses/{boost_id}/{action}"),
                Some(&bob.token),
                &[],
            )
            .await
            .status();
        assert_eq!(code, 404, "{action} through a boost");
    }
    let (_, original) = json_of(
        app.get_with(
            &format!("/api/v1/statuses/{}", status["id"].as_str().unwrap()),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(original["favourites_count"], 0);
}

#[tokio::test]
async fn notifications_and_conversations_follow_what_the_member_may_see() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    // Bob follows Alice: a stranger's private mention would be a request (his policy's default).
    let follow = format!("/api/v1/accounts/{}/follow", alice.account_id);
    assert_eq!(app.post_form(&follow, Some(&bob.token), &[]).await.status(), 200);
    let status = post(
        &app,
        &alice,
        &[("status", "@bob between us"), ("visibility", "direct")],
    )
    .await;
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &bob.token).await).await;
    assert_eq!(notes.as_array().unwrap().len(), 1);
    // The mention is edited away: the status is no longer bob's to see.
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().unwrap());
    app.send_json(
        reqwest::Method::PUT,
        &path,
        Some(&alice.token),
        &serde_json::json!({ "status": "just me" }),
    )
    .await;
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &bob.token).await).await;
    assert!(notes.as_array().unwrap().is_empty(), "{notes}");
    let (_, conversations) = json_of(app.get_with("/api/v1/conversations", &bob.token).await).await;
    assert!(conversations[0]["last_status"].is_null(), "{conversations}");

    // A blocked account's direct message makes no conversation.
    app.post_form(
        &format!("/api/v1/accounts/{}/block", bob.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    post(
        &app,
        &bob,
        &[("status", "@alice let me in"), ("visibility", "direct")],
    )
    .await;
    let (_, conversations) = json_of(app.get_with("/api/v1/conversations", &alice.token).await).await;
    assert!(conversations.as_array().unwrap().iter().all(|c| {
        c["last_status"]["content"]
            .as_str()
            .is_none_or(|t| !t.contains("let me in"))
    }));
    let (_, unread) = json_of(
        app.get_with("/api/v1/notifications/unread_count", &alice.token)
            .await,
    )
    .await;
    assert_eq!(unread["count"], 0);
}

#[tokio::test]
async fn hostile_inputs_get_clear_errors() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read").await;
    let (code, body) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/mute", bob.account_id),
            Some(&alice.token),
            &[("duration", "99999999999999")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "{body}");
    let deep = format!("a{}", "[b]".repeat(20_000));
    let response = app
        .client
        .post(format!("{}/api/v1/apps", app.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "{deep}=1&client_name=x&redirect_uris=urn:ietf:wg:oauth:2.0:oob"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "deep keys are kept flat, not recursed into"
    );
    let ids: Vec<(&str, String)> = (0..5000).map(|i| ("media_ids[]", i.to_string())).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("status", "x"));
    let (code, _) = json_of(app.post_form("/api/v1/statuses", Some(&alice.token), &form).await).await;
    assert_eq!(code, 422);
}

/// Mastodon's rule, kept on purpose (docs/security.md): a reply counts on its parent whoever wrote
/// it, though a blocker never sees the reply itself.
#[tokio::test]
async fn a_blocked_accounts_reply_counts_but_is_not_shown_to_the_blocker() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let status = post(&app, &alice, &[("status", "a thought")]).await;
    let id = status["id"].as_str().unwrap();
    post(&app, &bob, &[("status", "a reply"), ("in_reply_to_id", id)]).await;
    let path = format!("/api/v1/accounts/{}/block", bob.account_id);
    assert_eq!(app.post_form(&path, Some(&alice.token), &[]).await.status(), 200);
    let (_, seen) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(seen["replies_count"], 1);
    let (_, context) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}/context"), &alice.token)
            .await,
    )
    .await;
    assert!(context["descendants"].as_array().unwrap().is_empty(), "{context}");
}
