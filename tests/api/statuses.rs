//! Posting and the status endpoints: text rendering, replies, edits, deletes, interactions and
//! each bad input.

use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};

/// Posts a status and returns its JSON (asserting success).
pub async fn post(app: &TestApp, member: &TestMember, form: &[(&str, &str)]) -> Value {
    let (status, body) = json_of(app.post_form("/api/v1/statuses", Some(&member.token), form).await).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn posting_renders_links_mentions_and_hashtags() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read").await;
    let status = post(
        &app,
        &alice,
        &[
            ("status", "Hi @bob and @nobody! #Rust <3 https://example.com/x"),
            ("spoiler_text", "cw"),
            ("language", "en"),
        ],
    )
    .await;
    let content = status["content"].as_str().unwrap();
    assert!(
        content.contains("class=\"u-url mention\">@<span>bob</span>"),
        "{content}"
    );
    assert!(content.contains("@nobody"), "{content}");
    assert!(content.contains("&lt;3"), "{content}");
    assert!(content.contains("href=\"https://example.com/x\""), "{content}");
    assert_eq!(status["mentions"][0]["id"], bob.account_id.to_string());
    assert_eq!(
        status["tags"],
        json!([{ "name": "rust", "url": format!("{}/tags/rust", app.config.base_url()) }])
    );
    assert_eq!(status["spoiler_text"], "cw");
    assert_eq!(status["sensitive"], true, "a content warning makes it sensitive");
    assert_eq!(status["visibility"], "public");
    assert_eq!(status["account"]["id"], alice.account_id.to_string());
    assert_eq!(status["application"]["name"], "Test");
    assert_eq!(status["account"]["statuses_count"], 1);
    let created_at = status["created_at"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
    let (status_code, notes) = json_of(app.get_with("/api/v1/notifications", &bob.token).await).await;
    assert_eq!(status_code, 200);
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["status"]["id"], status["id"]);
}

#[tokio::test]
async fn bad_posts_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let long = "x".repeat(501);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("status", &long)],
        vec![("status", "")],
        vec![("status", "hi"), ("visibility", "friends")],
        vec![("status", "hi"), ("in_reply_to_id", "99999999")],
        vec![("status", "hi"), ("media_ids[]", "123")],
        vec![("media_ids[]", "")],
        vec![
            ("status", "hi"),
            ("poll[options][]", "a"),
            ("poll[expires_in]", "300"),
        ],
        vec![("status", "hi"), ("language", "xx")],
    ];
    for form in cases {
        let (status, body) =
            json_of(app.post_form("/api/v1/statuses", Some(&alice.token), &form).await).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(
            body["error"].as_str().unwrap().starts_with("Validation failed"),
            "{body}"
        );
    }
    // Links count as 23 characters, so a long link still fits.
    let text = format!("{} https://example.com/{}", "y".repeat(470), "z".repeat(100));
    post(&app, &alice, &[("status", &text)]).await;
    let count: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_same_idempotency_key_creates_one_status() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let response = app
            .client
            .post(format!("{}/api/v1/statuses", app.base_url))
            .bearer_auth(&alice.token)
            .header("Idempotency-Key", "key-1")
            .form(&[("status", "once")])
            .send()
            .await
            .unwrap();
        ids.push(json_of(response).await.1["id"].clone());
    }
    assert!(ids.iter().all(|id| *id == ids[0]));
    let count: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn replies_form_a_thread_with_context_and_counts() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let root = post(&app, &alice, &[("status", "root")]).await;
    let root_id = root["id"].as_str().unwrap();
    let reply = post(
        &app,
        &bob,
        &[("status", "@alice reply"), ("in_reply_to_id", root_id)],
    )
    .await;
    let reply_id = reply["id"].as_str().unwrap();
    assert_eq!(reply["in_reply_to_id"], root["id"]);
    assert_eq!(reply["in_reply_to_account_id"], alice.account_id.to_string());
    let deeper = post(
        &app,
        &alice,
        &[("status", "deeper"), ("in_reply_to_id", reply_id)],
    )
    .await;

    let (_, context) = json_of(app.get(&format!("/api/v1/statuses/{reply_id}/context")).await).await;
    assert_eq!(context["ancestors"][0]["id"], root["id"]);
    assert_eq!(context["descendants"][0]["id"], deeper["id"]);
    let (_, root_now) = json_of(app.get(&format!("/api/v1/statuses/{root_id}")).await).await;
    assert_eq!(root_now["replies_count"], 1);
}

#[tokio::test]
async fn edits_keep_history_and_source() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let status = post(&app, &alice, &[("status", "first #draft")]).await;
    let id = status["id"].as_str().unwrap();
    let (code, _) = json_of(
        app.post_form(&format!("/api/v1/statuses/{id}/reblog"), Some(&bob.token), &[])
            .await,
    )
    .await;
    assert_eq!(code, 200);
    let (code, edited) = json_of(
        app.send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &json!({ "status": "second #final" }),
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{edited}");
    assert!(edited["edited_at"].is_string());
    assert!(edited["content"].as_str().unwrap().contains("second"));
    assert_eq!(edited["tags"][0]["name"], "final");
    let (_, history) = json_of(app.get(&format!("/api/v1/statuses/{id}/history")).await).await;
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0]["content"].as_str().unwrap().contains("first"));
    let (_, source) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}/source"), &alice.token)
            .await,
    )
    .await;
    assert_eq!(source["text"], "second #final");
    let (_, notes) = json_of(
        app.get_with("/api/v1/notifications?types[]=update", &bob.token)
            .await,
    )
    .await;
    assert_eq!(notes[0]["type"], "update", "those who boosted hear of edits");
    let (code, _) = json_of(
        app.send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            &json!({ "status": "mine now" }),
        )
        .await,
    )
    .await;
    assert_eq!(code, 404, "only the author edits");
}

#[tokio::test]
async fn delete_answers_with_the_text_for_redrafting() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let status = post(&app, &alice, &[("status", "gone soon")]).await;
    let id = status["id"].as_str().unwrap();
    let (code, _) = json_of(
        app.send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 404, "only the author deletes");
    let (code, deleted) = json_of(
        app.send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(deleted["text"], "gone soon");
    assert_eq!(app.get(&format!("/api/v1/statuses/{id}")).await.status(), 404);
}

#[tokio::test]
async fn favourites_boosts_bookmarks_and_pins_update_state_and_counts() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let status = post(&app, &alice, &[("status", "like me")]).await;
    let id = status["id"].as_str().unwrap();
    let act = |action: &str| format!("/api/v1/statuses/{id}/{action}");

    let (_, after) = json_of(app.post_form(&act("favourite"), Some(&bob.token), &[]).await).await;
    assert_eq!(
        (after["favourited"].as_bool(), after["favourites_count"].as_i64()),
        (Some(true), Some(1))
    );
    let (_, after) = json_of(app.post_form(&act("favourite"), Some(&bob.token), &[]).await).await;
    assert_eq!(after["favourites_count"], 1, "favouriting twice counts once");
    let (_, boost) = json_of(
        app.post_form(&act("reblog"), Some(&bob.token), &[("visibility", "unlisted")])
            .await,
    )
    .await;
    assert_eq!(boost["reblog"]["id"], status["id"]);
    assert_eq!(boost["visibility"], "unlisted");
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["reblog"]["reblogged"], true);
    let (_, marked) = json_of(app.post_form(&act("bookmark"), Some(&bob.token), &[]).await).await;
    assert_eq!(marked["bookmarked"], true);
    let (_, pinned) = json_of(app.post_form(&act("pin"), Some(&alice.token), &[]).await).await;
    assert_eq!(pinned["pinned"], true);
    let (code, _) = json_of(app.post_form(&act("pin"), Some(&bob.token), &[]).await).await;
    assert_eq!(code, 422, "only one's own statuses are pinned");

    let (_, by) = json_of(app.get(&act("favourited_by")).await).await;
    assert_eq!(by[0]["id"], bob.account_id.to_string());
    let (_, by) = json_of(app.get(&act("reblogged_by")).await).await;
    assert_eq!(by[0]["id"], bob.account_id.to_string());
    let (_, bookmarks) = json_of(app.get_with("/api/v1/bookmarks", &bob.token).await).await;
    assert_eq!(bookmarks[0]["id"], status["id"]);
    let (_, favourites) = json_of(app.get_with("/api/v1/favourites", &bob.token).await).await;
    assert_eq!(favourites[0]["id"], status["id"]);
    let (_, notes) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    let types: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["reblog", "favourite"]);

    let (_, after) = json_of(app.post_form(&act("unfavourite"), Some(&bob.token), &[]).await).await;
    assert_eq!(
        (after["favourited"].as_bool(), after["favourites_count"].as_i64()),
        (Some(false), Some(0))
    );
    let (_, after) = json_of(app.post_form(&act("unreblog"), Some(&bob.token), &[]).await).await;
    assert_eq!(
        (after["reblogged"].as_bool(), after["reblogs_count"].as_i64()),
        (Some(false), Some(0))
    );
    let (_, after) = json_of(app.post_form(&act("unbookmark"), Some(&bob.token), &[]).await).await;
    assert_eq!(after["bookmarked"], false);
}

#[tokio::test]
async fn at_most_five_statuses_are_pinned() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    for i in 0..6 {
        let status = post(&app, &alice, &[("status", &format!("pin {i}"))]).await;
        let path = format!("/api/v1/statuses/{}/pin", status["id"].as_str().unwrap());
        let code = app.post_form(&path, Some(&alice.token), &[]).await.status();
        assert_eq!(code, if i < 5 { 200 } else { 422 }, "pin {i}");
    }
    let (_, pinned) = json_of(
        app.get(&format!(
            "/api/v1/accounts/{}/statuses?pinned=true",
            alice.account_id
        ))
        .await,
    )
    .await;
    assert_eq!(pinned.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn statuses_by_id_list_only_what_the_viewer_may_see() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let public = post(&app, &alice, &[("status", "public")]).await;
    let private = post(&app, &alice, &[("status", "private"), ("visibility", "private")]).await;
    let path = format!(
        "/api/v1/statuses?id[]={}&id[]={}&id[]=123",
        public["id"].as_str().unwrap(),
        private["id"].as_str().unwrap()
    );
    let (_, list) = json_of(app.get(&path).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = json_of(app.get_with(&path, &alice.token).await).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}
