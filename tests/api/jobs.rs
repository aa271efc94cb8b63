//! The job queue: a job that cannot succeed is given up at once, kept with its reason, never
//! claimed again, and shown by `ferrodon jobs stats`.

use crate::delivery::run;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_job_that_cannot_succeed_is_given_up_with_its_reason() {
    let app = TestApp::spawn_with(|c| c.metrics.token = "metrics-token".into()).await;
    // A payload no version can read (no signer): retrying would fail the same way forever.
    sqlx::query("insert into jobs (kind, payload) values ('process_activity', '{\"kind\": \"process_activity\", \"activity\": {}}')")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.run_jobs().await, 1);
    let (attempts, given_up, reason): (i32, bool, Option<String>) =
        sqlx::query_as("select attempts, given_up_at is not null, last_error from jobs")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, given_up), (1, true));
    assert!(reason.unwrap().contains("unreadable job"));
    // Never claimed again, even once due.
    sqlx::query("update jobs set run_at = now() - interval '1 day'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.run_jobs().await, 0);

    let stats = run(&app, &["jobs", "stats"]);
    let line = stats
        .lines()
        .find(|line| line.trim_start().starts_with("process_activity"))
        .unwrap_or_else(|| panic!("{stats}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    // kind, pending, failing, given up, oldest, reason
    assert_eq!(columns[1..4], ["0", "0", "1"], "{stats}");
    assert!(line.contains("unreadable job"), "{stats}");
    let metrics = app
        .get_with("/metrics", "metrics-token")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("ferrodon_job_queue_depth") && l.ends_with(" 0")),
        "a given-up job is not pending: {metrics}"
    );
}
