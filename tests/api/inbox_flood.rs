//! Inbox flood control: a host past its share is asked to slow down (429, Retry-After) while
//! others go on, and a full backlog turns every host away (503, Retry-After) until it drains.

use std::time::Duration;

use serde_json::json;

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_host_past_its_share_is_told_to_slow_down_and_others_are_not() {
    let noisy = FakeRemote::start("noisy.test").await;
    let quiet = FakeRemote::start("quiet.test").await;
    let nina = noisy.add_actor("nina");
    let quinn = quiet.add_actor("quinn");
    let remotes = [noisy.clone(), quiet.clone()];
    let app = TestApp::spawn_with(move |config| {
        route_to(config, &remotes.iter().collect::<Vec<_>>());
        config.federation.inbox_host_rate = 1;
        config.federation.inbox_host_burst = 3;
        config.metrics.token = "scrape".into();
    })
    .await;
    for n in 0..3 {
        let response = nina
            .post(&app, "/inbox", &create_note(&nina, &format!("n{n}"), json!({})))
            .await;
        assert_eq!(response.status(), 202, "within the burst");
    }
    let response = nina
        .post(&app, "/inbox", &create_note(&nina, "n3", json!({})))
        .await;
    assert_eq!(response.status(), 429, "past its share");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let response = quinn
        .post(&app, "/inbox", &create_note(&quinn, "q0", json!({})))
        .await;
    assert_eq!(response.status(), 202, "another host keeps its share");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = nina
        .post(&app, "/inbox", &create_note(&nina, "n4", json!({})))
        .await;
    assert_eq!(response.status(), 202, "the share refills");
    let queued: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'process_activity'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        queued, 5,
        "the accepted ones, and only they, wait to be processed"
    );

    let metrics = app.get_with("/metrics", "scrape").await.text().await.unwrap();
    assert!(
        metrics.contains("ferrodon_inbox_requests_total{outcome=\"host_over_share\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_full_backlog_turns_every_host_away_until_it_drains() {
    let remote = FakeRemote::start("remote.test").await;
    let rita = remote.add_actor("rita");
    let remotes = [remote.clone()];
    let app = TestApp::spawn_with(move |config| {
        route_to(config, &remotes.iter().collect::<Vec<_>>());
        config.federation.inbox_queue_limit = 3;
    })
    .await;
    // Nothing is processed meanwhile (the test runs the jobs itself).
    let mut answers = Vec::new();
    for n in 0..12 {
        let response = rita
            .post(&app, "/inbox", &create_note(&rita, &format!("r{n}"), json!({})))
            .await;
        let status = response.status().as_u16();
        if status == 503 {
            let retry_after = response.headers().get("retry-after").cloned();
            assert!(retry_after.is_some(), "503 says when to come back");
            answers.push(status);
            break;
        }
        answers.push(status);
        // The backlog is counted at most once a second.
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(
        answers.last(),
        Some(&503),
        "turned away once the backlog is full: {answers:?}"
    );
    let accepted = answers.iter().filter(|s| **s == 202).count();
    assert!((3..=6).contains(&accepted), "{answers:?}");

    app.run_jobs().await;
    let mut after = 0;
    for n in 0..6 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        after = rita
            .post(&app, "/inbox", &create_note(&rita, &format!("s{n}"), json!({})))
            .await
            .status()
            .as_u16();
        if after == 202 {
            break;
        }
    }
    assert_eq!(after, 202, "accepted again once the backlog drained");
}
