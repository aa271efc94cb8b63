//! Follows (and requests to locked accounts), timelines with paging, and notifications.

use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};
use crate::statuses::post;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn follow(app: &TestApp, who: &TestMember, whom: &TestMember, form: &[(&str, &str)]) -> Value {
    let path = format!("/api/v1/accounts/{}/follow", whom.account_id);
    let (code, body) = json_of(app.post_form(&path, Some(&who.token), form).await).await;
    assert_eq!(code, 200, "{body}");
    body
}

#[tokio::test]
async fn following_shows_in_relationships_lists_and_counts() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let relation = follow(&app, &alice, &bob, &[("reblogs", "false"), ("notify", "true")]).await;
    assert_eq!(relation["following"], true);
    assert_eq!(relation["showing_reblogs"], false);
    assert_eq!(relation["notifying"], true);
    let (_, list) = json_of(
        app.get(&format!("/api/v1/accounts/{}/followers", bob.account_id))
            .await,
    )
    .await;
    assert_eq!(ids(&list), [alice.account_id.to_string()]);
    let (_, list) = json_of(
        app.get(&format!("/api/v1/accounts/{}/following", alice.account_id))
            .await,
    )
    .await;
    assert_eq!(ids(&list), [bob.account_id.to_string()]);
    let (_, account) = json_of(app.get(&format!("/api/v1/accounts/{}", bob.account_id)).await).await;
    assert_eq!(account["followers_count"], 1);
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &bob.token).await).await;
    assert_eq!(notes[0]["type"], "follow");
    post(&app, &bob, &[("status", "news")]).await;
    let (_, notes) = json_of(
        app.get_with("/api/v1/notifications?types[]=status", &alice.token)
            .await,
    )
    .await;
    assert_eq!(
        notes.as_array().unwrap().len(),
        1,
        "notify=true tells of each post"
    );
    let (_, relation) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/unfollow", bob.account_id),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(relation["following"], false);
    let (_, note) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/note", bob.account_id),
            Some(&alice.token),
            &[("comment", "met at conf")],
        )
        .await,
    )
    .await;
    assert_eq!(note["note"], "met at conf");
    assert_eq!(
        app.post_form(
            &format!("/api/v1/accounts/{}/follow", alice.account_id),
            Some(&alice.token),
            &[]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.post_form("/api/v1/accounts/424242/follow", Some(&alice.token), &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn locked_accounts_turn_follows_into_requests() {
    let app = TestApp::spawn().await;
    let shy = app.member("shy", "read write follow").await;
    let fan = app.member("fan", "read write follow").await;
    let other = app.member("other", "read write follow").await;
    app.send_json(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&shy.token),
        &json!({ "locked": true }),
    )
    .await;
    let relation = follow(&app, &fan, &shy, &[]).await;
    assert_eq!(
        (relation["following"].as_bool(), relation["requested"].as_bool()),
        (Some(false), Some(true))
    );
    follow(&app, &other, &shy, &[]).await;
    let (_, requests) = json_of(app.get_with("/api/v1/follow_requests", &shy.token).await).await;
    assert_eq!(
        ids(&requests),
        [other.account_id.to_string(), fan.account_id.to_string()]
    );
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &shy.token).await).await;
    assert_eq!(notes[0]["type"], "follow_request");

    let private = post(
        &app,
        &shy,
        &[("status", "inner circle"), ("visibility", "private")],
    )
    .await;
    let path = format!("/api/v1/statuses/{}", private["id"].as_str().unwrap());
    assert_eq!(
        app.get_with(&path, &fan.token).await.status(),
        404,
        "a request is not a follow"
    );
    let (code, relation) = json_of(
        app.post_form(
            &format!("/api/v1/follow_requests/{}/authorize", fan.account_id),
            Some(&shy.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(relation["followed_by"], true);
    assert_eq!(app.get_with(&path, &fan.token).await.status(), 200);
    let (code, _) = json_of(
        app.post_form(
            &format!("/api/v1/follow_requests/{}/reject", other.account_id),
            Some(&shy.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    let (_, requests) = json_of(app.get_with("/api/v1/follow_requests", &shy.token).await).await;
    assert!(ids(&requests).is_empty());
    assert_eq!(
        app.post_form(
            &format!("/api/v1/follow_requests/{}/reject", other.account_id),
            Some(&shy.token),
            &[]
        )
        .await
        .status(),
        404
    );
}

#[tokio::test]
async fn home_timeline_pages_forwards_and_backwards() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let writer = app.member("writer", "read write follow").await;
    follow(&app, &reader, &writer, &[]).await;
    let mut posted = Vec::new();
    for i in 0..5 {
        posted.push(
            post(&app, &writer, &[("status", &format!("post {i}"))]).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let newest_first: Vec<String> = posted.iter().rev().cloned().collect();
    let response = app
        .get_with("/api/v1/timelines/home?limit=2", &reader.token)
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let (_, page) = json_of(response).await;
    assert_eq!(ids(&page), newest_first[..2]);
    assert!(
        link.contains(&format!("max_id={}>; rel=\"next\"", newest_first[1])),
        "{link}"
    );
    assert!(
        link.contains(&format!("min_id={}>; rel=\"prev\"", newest_first[0])),
        "{link}"
    );
    assert!(
        link.starts_with(&format!("<{}/api/v1/timelines/home", app.config.base_url())),
        "{link}"
    );
    let (_, page) = json_of(
        app.get_with(
            &format!("/api/v1/timelines/home?limit=2&max_id={}", newest_first[1]),
            &reader.token,
        )
        .await,
    )
    .await;
    assert_eq!(ids(&page), newest_first[2..4]);
    let (_, page) = json_of(
        app.get_with(
            &format!("/api/v1/timelines/home?limit=2&min_id={}", posted[0]),
            &reader.token,
        )
        .await,
    )
    .await;
    assert_eq!(
        ids(&page),
        [posted[2].clone(), posted[1].clone()],
        "min_id gives the page just above, newest first"
    );
    let (_, page) = json_of(
        app.get_with(
            &format!("/api/v1/timelines/home?since_id={}", posted[2]),
            &reader.token,
        )
        .await,
    )
    .await;
    assert_eq!(ids(&page), [posted[4].clone(), posted[3].clone()]);
    let (_, page) = json_of(
        app.get_with("/api/v1/timelines/home?limit=500", &reader.token)
            .await,
    )
    .await;
    assert_eq!(ids(&page).len(), 5);
}

#[tokio::test]
async fn public_hashtag_and_account_timelines_filter_as_asked() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let tagged = post(&app, &alice, &[("status", "#Rust and #Go")]).await;
    let plain = post(&app, &alice, &[("status", "plain")]).await;
    let unlisted = post(
        &app,
        &alice,
        &[("status", "quiet #rust"), ("visibility", "unlisted")],
    )
    .await;
    let reply = post(
        &app,
        &bob,
        &[
            ("status", "reply"),
            ("in_reply_to_id", plain["id"].as_str().unwrap()),
        ],
    )
    .await;
    post(&app, &bob, &[("status", "boost")]).await;
    app.post_form(
        &format!("/api/v1/statuses/{}/reblog", plain["id"].as_str().unwrap()),
        Some(&bob.token),
        &[],
    )
    .await;

    let (_, public) = json_of(app.get("/api/v1/timelines/public?local=true").await).await;
    let public = ids(&public);
    assert!(public.contains(&tagged["id"].as_str().unwrap().to_owned()));
    assert!(
        !public.contains(&unlisted["id"].as_str().unwrap().to_owned()),
        "unlisted stays off public timelines"
    );
    assert!(
        !public.contains(&reply["id"].as_str().unwrap().to_owned()),
        "replies to others stay off"
    );
    let (_, remote) = json_of(app.get("/api/v1/timelines/public?remote=true").await).await;
    assert!(ids(&remote).is_empty());
    let (_, media) = json_of(app.get("/api/v1/timelines/public?only_media=true").await).await;
    assert!(ids(&media).is_empty());

    let (_, tag) = json_of(app.get("/api/v1/timelines/tag/RUST").await).await;
    assert_eq!(ids(&tag), [tagged["id"].as_str().unwrap()]);
    let (_, none) = json_of(app.get("/api/v1/timelines/tag/rust?none[]=go").await).await;
    assert!(ids(&none).is_empty());
    let (_, all) = json_of(app.get("/api/v1/timelines/tag/rust?all[]=go").await).await;
    assert_eq!(ids(&all).len(), 1);

    let base = format!("/api/v1/accounts/{}/statuses", bob.account_id);
    let (_, everything) = json_of(app.get(&base).await).await;
    assert_eq!(ids(&everything).len(), 3);
    let (_, no_replies) = json_of(app.get(&format!("{base}?exclude_replies=true")).await).await;
    assert_eq!(ids(&no_replies).len(), 2);
    let (_, no_boosts) = json_of(app.get(&format!("{base}?exclude_reblogs=1")).await).await;
    assert_eq!(ids(&no_boosts).len(), 2);
    let (_, tagged_only) = json_of(
        app.get(&format!(
            "/api/v1/accounts/{}/statuses?tagged=go",
            alice.account_id
        ))
        .await,
    )
    .await;
    assert_eq!(ids(&tagged_only).len(), 1);
}

#[tokio::test]
async fn notifications_filter_dismiss_clear_and_count_unread() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    follow(&app, &bob, &alice, &[]).await;
    let status = post(&app, &alice, &[("status", "hi")]).await;
    app.post_form(
        &format!("/api/v1/statuses/{}/favourite", status["id"].as_str().unwrap()),
        Some(&carol.token),
        &[],
    )
    .await;
    post(&app, &carol, &[("status", "@alice hello")]).await;

    let (_, all) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    let types: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["mention", "favourite", "follow"]);
    let (_, only) = json_of(
        app.get_with(
            "/api/v1/notifications?types[]=follow&types[]=favourite",
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(only.as_array().unwrap().len(), 2);
    let (_, excluded) = json_of(
        app.get_with("/api/v1/notifications?exclude_types[]=mention", &alice.token)
            .await,
    )
    .await;
    assert_eq!(excluded.as_array().unwrap().len(), 2);
    let (_, from_carol) = json_of(
        app.get_with(
            &format!("/api/v1/notifications?account_id={}", carol.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(from_carol.as_array().unwrap().len(), 2);

    let (_, unread) = json_of(
        app.get_with("/api/v1/notifications/unread_count", &alice.token)
            .await,
    )
    .await;
    assert_eq!(unread["count"], 3);
    let middle = all[1]["id"].as_str().unwrap();
    app.post_form(
        "/api/v1/markers",
        Some(&alice.token),
        &[("notifications[last_read_id]", middle)],
    )
    .await;
    let (_, unread) = json_of(
        app.get_with("/api/v1/notifications/unread_count", &alice.token)
            .await,
    )
    .await;
    assert_eq!(unread["count"], 1);

    let first = all[0]["id"].as_str().unwrap();
    let (_, one) = json_of(
        app.get_with(&format!("/api/v1/notifications/{first}"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(one["type"], "mention");
    assert_eq!(
        app.get_with(&format!("/api/v1/notifications/{first}"), &bob.token)
            .await
            .status(),
        404
    );
    let (code, body) = json_of(
        app.post_form(
            &format!("/api/v1/notifications/{first}/dismiss"),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((code, body), (200, json!({})));
    let (_, left) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    assert_eq!(left.as_array().unwrap().len(), 2);
    app.post_form("/api/v1/notifications/clear", Some(&alice.token), &[])
        .await;
    let (_, left) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    assert!(left.as_array().unwrap().is_empty());
}
