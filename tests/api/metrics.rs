//! `/metrics`: off without a token, protected by it, and counting what happens.

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::helpers::TestApp;

#[tokio::test]
async fn metrics_are_off_without_a_token_and_need_it_when_on() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), 404);

    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = TestApp::spawn_with(|config| {
        route_to(config, &[&remote]);
        config.metrics.token = "scrape-secret".into();
    })
    .await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app.get_with("/metrics", "not-it").await;
    assert_eq!(wrong.status(), 401);

    assert_eq!(
        bob.post(&app, "/inbox", &create_note(&bob, "m1", serde_json::json!({})))
            .await
            .status(),
        202
    );
    let unsigned = app
        .client
        .post(format!("{}/inbox", app.base_url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    app.get("/api/v1/instance").await;

    let response = app.get_with("/metrics", "scrape-secret").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    // Counters are per process (other tests in this binary add to them): at least ours.
    let accepted = text
        .lines()
        .find_map(|l| l.strip_prefix("ferrodon_inbox_requests_total{outcome=\"accepted\"} "))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(accepted >= 1, "{text}");
    for expected in [
        "ferrodon_inbox_requests_total{outcome=\"missing\"}",
        "ferrodon_http_request_duration_seconds_bucket{route=\"/api/v1/instance\",method=\"GET\",status=\"200\",le=\"+Inf\"}",
        "ferrodon_delivery_queue_depth 0",
        "ferrodon_job_queue_depth 1",
        "ferrodon_delivery_unavailable_hosts 0",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}
