//! Conversations (direct messages with read state), block and mute lists, and filters applied
//! to what members read.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::json_of;
use crate::statuses::post;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn direct_messages_make_conversations_with_read_state() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let first = post(
        &app,
        &alice,
        &[("status", "@bob secret"), ("visibility", "direct")],
    )
    .await;
    let (_, theirs) = json_of(app.get_with("/api/v1/conversations", &bob.token).await).await;
    assert_eq!(theirs[0]["unread"], true);
    assert_eq!(ids(&theirs[0]["accounts"]), [alice.account_id.to_string()]);
    assert_eq!(theirs[0]["last_status"]["id"], first["id"]);
    let (_, mine) = json_of(app.get_with("/api/v1/conversations", &alice.token).await).await;
    assert_eq!(mine[0]["unread"], false, "one's own message is read");

    let reply = post(
        &app,
        &bob,
        &[
            ("status", "@alice got it"),
            ("visibility", "direct"),
            ("in_reply_to_id", first["id"].as_str().unwrap()),
        ],
    )
    .await;
    let (_, mine) = json_of(app.get_with("/api/v1/conversations", &alice.token).await).await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "a reply stays in the same conversation"
    );
    assert_eq!(mine[0]["last_status"]["id"], reply["id"]);
    assert_eq!(mine[0]["unread"], true);
    let id = mine[0]["id"].as_str().unwrap();
    let (code, read) = json_of(
        app.post_form(
            &format!("/api/v1/conversations/{id}/read"),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(read["unread"], false);
    assert_eq!(
        app.post_form(&format!("/api/v1/conversations/{id}/read"), Some(&bob.token), &[])
            .await
            .status(),
        404
    );
    let (code, _) = json_of(
        app.send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/conversations/{id}"),
            Some(&alice.token),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    let (_, mine) = json_of(app.get_with("/api/v1/conversations", &alice.token).await).await;
    assert!(mine.as_array().unwrap().is_empty());
    post(&app, &alice, &[("status", "public, not a conversation")]).await;
    let (_, theirs) = json_of(app.get_with("/api/v1/conversations", &bob.token).await).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn blocks_and_mutes_are_listed() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read").await;
    let carol = app.member("carol", "read").await;
    app.post_form(
        &format!("/api/v1/accounts/{}/block", bob.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    app.post_form(
        &format!("/api/v1/accounts/{}/mute", carol.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    let (_, blocks) = json_of(app.get_with("/api/v1/blocks", &alice.token).await).await;
    assert_eq!(ids(&blocks), [bob.account_id.to_string()]);
    let (_, mutes) = json_of(app.get_with("/api/v1/mutes", &alice.token).await).await;
    assert_eq!(ids(&mutes), [carol.account_id.to_string()]);
    app.post_form(
        &format!("/api/v1/accounts/{}/mute", bob.account_id),
        Some(&alice.token),
        &[("duration", "1")],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, mutes) = json_of(app.get_with("/api/v1/mutes", &alice.token).await).await;
    assert_eq!(
        ids(&mutes),
        [carol.account_id.to_string()],
        "an expired mute is gone"
    );
}

#[tokio::test]
async fn filters_mark_or_hide_statuses_in_their_contexts() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let writer = app.member("writer", "read write follow").await;
    app.post_form(
        &format!("/api/v1/accounts/{}/follow", writer.account_id),
        Some(&reader.token),
        &[],
    )
    .await;
    let warn = json!({ "title": "Spoilers", "context": ["home"], "filter_action": "warn",
                       "keywords_attributes": [{ "keyword": "finale", "whole_word": true }] });
    let hide = json!({ "title": "Gone", "context": ["home", "public"], "filter_action": "hide",
                       "keywords_attributes": [{ "keyword": "crypto", "whole_word": false }] });
    for filter in [&warn, &hide] {
        let (code, body) = json_of(
            app.send_json(
                reqwest::Method::POST,
                "/api/v2/filters",
                Some(&reader.token),
                filter,
            )
            .await,
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    let spoiler = post(&app, &writer, &[("status", "The Finale was great")]).await;
    post(&app, &writer, &[("status", "buy cryptocurrency now")]).await;
    let fine = post(&app, &writer, &[("status", "finalists announced")]).await;

    let (_, home) = json_of(app.get_with("/api/v1/timelines/home", &reader.token).await).await;
    assert_eq!(
        ids(&home),
        [fine["id"].as_str().unwrap(), spoiler["id"].as_str().unwrap()],
        "hidden ones are left out"
    );
    let marked = &home[1]["filtered"];
    assert_eq!(marked[0]["filter"]["title"], "Spoilers");
    assert_eq!(marked[0]["keyword_matches"], json!(["finale"]));
    assert_eq!(home[0]["filtered"], json!([]), "whole words only");
    let (_, public) = json_of(app.get_with("/api/v1/timelines/public", &reader.token).await).await;
    assert_eq!(
        public.as_array().unwrap().len(),
        2,
        "the hide filter covers public too"
    );
    assert_eq!(
        public[1]["filtered"],
        json!([]),
        "the warn filter covers home only"
    );
    let (_, anonymous) = json_of(app.get("/api/v1/timelines/public").await).await;
    assert_eq!(anonymous.as_array().unwrap().len(), 3);
}
