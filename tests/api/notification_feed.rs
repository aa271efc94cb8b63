//! One source of new notifications for streaming and Web Push: every notification committed, by
//! any path (a member's action, the inbox, a report, a statement not written yet), reaches each
//! process's subscribers once, after commit; a rolled-back one never does.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use tokio::sync::broadcast::Receiver;

use crate::fake_remote::FakeRemote;
use crate::federation_activities::deliver;
use crate::federation_in::app_with;
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

async fn act(app: &TestApp, who: &TestMember, path: &str, form: &[(&str, &str)]) {
    let (code, body) = json_of(app.post_form(path, Some(&who.token), form).await).await;
    assert_eq!(code, 200, "{path}: {body}");
}

/// Ids received until `wanted` are all there (or ten seconds pass).
async fn receive_until(feed: &mut Receiver<i64>, wanted: &BTreeSet<i64>) -> Vec<i64> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !wanted.iter().all(|id| got.contains(id)) {
        match tokio::time::timeout_at(deadline, feed.recv()).await {
            Ok(Ok(id)) => got.push(id),
            Ok(Err(error)) => panic!("the feed failed: {error}"),
            Err(_) => break,
        }
    }
    got
}

#[tokio::test]
async fn every_notification_reaches_subscribers_once_after_commit_whatever_wrote_it() {
    let remote = FakeRemote::start("remote.test").await;
    let zed = remote.add_actor("zed");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    let staff = app.member("staff", "read").await;
    sqlx::query("update users set role = 'moderator' where id = $1")
        .bind(staff.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    // This process, and another on the same database (as `serve --role web` beside it).
    let mut feed = app
        .state
        .caches
        .notifications()
        .await
        .expect("the log can be read");
    let other = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    let mut other_feed = other.caches.notifications().await.expect("the log can be read");

    let status = post(&app, &alice, &[("status", "hello @bob")]).await;
    let id = status["id"].as_str().unwrap();
    act(&app, &bob, &format!("/api/v1/statuses/{id}/favourite"), &[]).await;
    act(&app, &bob, &format!("/api/v1/statuses/{id}/reblog"), &[]).await;
    act(
        &app,
        &bob,
        &format!("/api/v1/accounts/{}/follow", alice.account_id),
        &[],
    )
    .await;
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&carol.token),
            &[("locked", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    act(
        &app,
        &bob,
        &format!("/api/v1/accounts/{}/follow", carol.account_id),
        &[],
    )
    .await;
    act(
        &app,
        &bob,
        "/api/v1/reports",
        &[("account_id", &carol.account_id.to_string())],
    )
    .await;
    // Through the inbox and the job queue: a remote Like.
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#likes/1", zed.uri), "type": "Like", "actor": zed.uri,
        "object": status["uri"],
    });
    deliver(&app, &zed, &like).await;
    // A statement no action has written yet is covered too, and a rolled-back one never shows.
    sqlx::query("insert into notifications (account_id, from_account_id, type) values ($1, $2, 'follow')")
        .bind(carol.account_id)
        .bind(alice.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut undone = app.pool.begin().await.unwrap();
    let rolled_back: i64 = sqlx::query_scalar(
        "insert into notifications (account_id, from_account_id, type) values ($1, $2, 'follow') returning id",
    )
    .bind(bob.account_id)
    .bind(carol.account_id)
    .fetch_one(&mut *undone)
    .await
    .unwrap();
    undone.rollback().await.unwrap();

    let written: Vec<(i64, String)> = sqlx::query_as("select id, type from notifications order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let kinds: BTreeSet<&str> = written.iter().map(|(_, kind)| kind.as_str()).collect();
    for kind in [
        "mention",
        "favourite",
        "reblog",
        "follow",
        "follow_request",
        "admin.report",
    ] {
        assert!(kinds.contains(kind), "no {kind} among {written:?}");
    }
    let wanted: BTreeSet<i64> = written.iter().map(|(id, _)| *id).collect();
    for feed in [&mut feed, &mut other_feed] {
        let got = receive_until(feed, &wanted).await;
        let unique: BTreeSet<i64> = got.iter().copied().collect();
        assert_eq!(unique, wanted, "every notification, and only those committed");
        assert_eq!(got.len(), unique.len(), "each once: {got:?}");
        assert!(!got.contains(&rolled_back));
        let more = tokio::time::timeout(Duration::from_millis(300), feed.recv()).await;
        assert!(more.is_err(), "nothing more: {more:?}");
    }
}
