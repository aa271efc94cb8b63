//! Federation out: the delivery pool against fake remotes (signatures and digests as received,
//! shared-inbox deduplication, each retry rule, host health, concurrent workers) and the
//! `jobs` and `serve --role worker` commands.

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use axum::http::Method;
use ferrodon::federation::delivery::deliver_pending;
use ferrodon::federation::outbox::{self, Recipients};
use ferrodon::federation::signatures::parse_request;
use serde_json::{Value, json};

use crate::fake_remote::{FakeRemote, create_note, route_to};
use crate::federation_in::{app_with, count};
use crate::helpers::{TestApp, TestMember, free_port};

const BINARY: &str = env!("CARGO_BIN_EXE_ferrodon");

/// A Create by `member` as the outbox would queue it.
fn activity_of(app: &TestApp, member: &TestMember, n: u32) -> Value {
    let actor = format!("{}/users/{}", app.state.base_url, member.username);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/statuses/{n}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
        "object": {
            "id": format!("{actor}/statuses/{n}"),
            "type": "Note",
            "attributedTo": actor,
            "content": format!("<p>Post {n}</p>"),
        },
    })
}

/// Resolves a remote actor into an account id.
async fn account_of(app: &TestApp, uri: &str) -> i64 {
    ferrodon::federation::resolve::account_by_uri(&app.state, uri)
        .await
        .unwrap()
        .unwrap()
}

/// Makes the remote account follow the member.
async fn follow(app: &TestApp, follower: i64, member: &TestMember) {
    sqlx::query("insert into follows (account_id, target_account_id) values ($1, $2)")
        .bind(follower)
        .bind(member.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Queues `activity` from `member` as an action would, in a transaction.
async fn enqueue(app: &TestApp, member: &TestMember, activity: &Value, recipients: Recipients) -> u64 {
    let mut tx = app.pool.begin().await.unwrap();
    let queued = outbox::enqueue(&mut tx, member.account_id, activity, &recipients)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    queued
}

fn followers() -> Recipients {
    Recipients {
        followers: true,
        accounts: Vec::new(),
    }
}

async fn deliver(app: &TestApp) -> usize {
    deliver_pending(&app.state).await.unwrap()
}

/// (attempts, seconds until run_at, failed, last_error) of the one delivery to `host`.
async fn delivery_to(app: &TestApp, host: &str) -> (i32, f64, bool, Option<String>) {
    sqlx::query_as::<_, (i32, f64, bool, Option<String>)>(
        "select attempts, extract(epoch from run_at - now())::float8, failed_at is not null, last_error
         from deliveries where host = $1",
    )
    .bind(host)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn make_due(app: &TestApp) {
    sqlx::query("update deliveries set run_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
}

/// A member followed by one account on each remote.
async fn member_followed_on(app: &TestApp, remotes: &[&FakeRemote]) -> TestMember {
    let member = app.member("writer", "read write").await;
    for remote in remotes {
        let actor = remote.add_actor("fan");
        let id = account_of(app, &actor.uri).await;
        follow(app, id, &member).await;
    }
    member
}

#[tokio::test]
async fn a_post_reaches_each_server_once_signed_with_the_members_key() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let ann = a.add_actor("ann");
    let amy = a.add_actor("amy");
    let bo = b.add_actor("bo");
    let app = app_with(&[&a, &b]).await;
    let member = app.member("writer", "read write").await;
    for uri in [&ann.uri, &amy.uri, &bo.uri] {
        let id = account_of(&app, uri).await;
        follow(&app, id, &member).await;
    }
    let activity = activity_of(&app, &member, 1);

    // Two followers on a.test share its inbox: two servers, two deliveries.
    assert_eq!(enqueue(&app, &member, &activity, followers()).await, 2);
    assert_eq!(deliver(&app).await, 2);

    let public_key: String = sqlx::query_scalar("select public_key_pem from accounts where id = $1")
        .bind(member.account_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for remote in [&a, &b] {
        let posts = remote.posts_to("/inbox");
        assert_eq!(posts.len(), 1, "{}", remote.domain);
        let post = &posts[0];
        assert_eq!(post.headers["content-type"], "application/activity+json");
        assert_eq!(post.headers["host"], remote.domain.as_str());
        let received: Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(received, activity);
        // The digest is checked against the body by parse_request, the signature by verify.
        let pending = parse_request(
            &Method::POST,
            "/inbox",
            &post.headers,
            &post.body,
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(
            pending.key_id(),
            ferrodon::federation::urls::key_id(&app.state.base_url, "writer")
        );
        pending.verify(&public_key).unwrap();
    }
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
    // Nothing is due any more.
    assert_eq!(deliver(&app).await, 0);
}

#[tokio::test]
async fn a_server_error_is_retried_later_and_not_before_its_time() {
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&b]).await;
    let member = member_followed_on(&app, &[&b]).await;
    b.answer("/inbox", 500, &[]);
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    assert_eq!(deliver(&app).await, 1);
    let (attempts, wait, failed, error) = delivery_to(&app, "b.test").await;
    assert_eq!((attempts, failed), (1, false));
    assert!(
        (40.0..=80.0).contains(&wait),
        "first retry after about a minute, not {wait}"
    );
    assert!(error.unwrap().contains("500"));
    let days: i64 = count(
        &app,
        "select cardinality(failure_days)::bigint from delivery_hosts where host = 'b.test'",
    )
    .await;
    assert_eq!(days, 1);

    // Not before its time...
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(b.posts_to("/inbox").len(), 1);
    // ...and again when it comes, with a longer pause after a second failure.
    make_due(&app).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(b.posts_to("/inbox").len(), 2);
    let (attempts, wait, _, _) = delivery_to(&app, "b.test").await;
    assert_eq!(attempts, 2);
    assert!((80.0..=160.0).contains(&wait), "{wait}");

    // Once the server is back, the delivery is done and the host's failures are forgotten.
    b.answer("/inbox", 202, &[]);
    make_due(&app).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
    assert_eq!(
        count(
            &app,
            "select count(*) from delivery_hosts where failure_days = '{}' and last_success_at is not null"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn too_many_requests_waits_as_long_as_retry_after_asks() {
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&b]).await;
    let member = member_followed_on(&app, &[&b]).await;
    b.answer("/inbox", 429, &[("retry-after", "3600")]);
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    assert_eq!(deliver(&app).await, 1);
    let (attempts, wait, failed, _) = delivery_to(&app, "b.test").await;
    assert_eq!((attempts, failed), (1, false));
    assert!((3590.0..=3610.0).contains(&wait), "{wait}");
    // Being rate limited is not a sign of a dead host.
    assert_eq!(count(&app, "select count(*) from delivery_hosts").await, 0);
}

#[tokio::test]
async fn not_found_and_bad_request_are_permanent() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&a, &b]).await;
    let member = member_followed_on(&app, &[&a, &b]).await;
    a.answer("/inbox", 404, &[]);
    b.answer("/inbox", 400, &[]);
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    assert_eq!(deliver(&app).await, 2);
    for (host, status) in [("a.test", "404"), ("b.test", "400")] {
        let (attempts, _, failed, error) = delivery_to(&app, host).await;
        assert_eq!((attempts, failed), (1, true), "{host}");
        assert!(error.unwrap().contains(status));
    }
    make_due(&app).await;
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(a.posts_to("/inbox").len() + b.posts_to("/inbox").len(), 2);
}

#[tokio::test]
async fn gone_from_a_personal_inbox_marks_the_account_gone() {
    let a = FakeRemote::start("a.test").await;
    let app = app_with(&[&a]).await;
    let member = app.member("writer", "read write").await;
    let lone = a.add_actor_with("lone", 1, |document| {
        document.as_object_mut().unwrap().remove("endpoints");
    });
    let id = account_of(&app, &lone.uri).await;
    a.answer("/users/lone/inbox", 410, &[]);
    let recipients = Recipients {
        followers: false,
        accounts: vec![id],
    };
    enqueue(&app, &member, &activity_of(&app, &member, 1), recipients).await;

    assert_eq!(deliver(&app).await, 1);
    assert_eq!(a.posts_to("/users/lone/inbox").len(), 1);
    let (_, _, failed, _) = delivery_to(&app, "a.test").await;
    assert!(failed);
    let gone: bool = sqlx::query_scalar("select gone_at is not null from accounts where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(gone);
}

#[tokio::test]
async fn a_hanging_host_does_not_hold_up_the_others() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let remotes = [a.clone(), b.clone()];
    let app = TestApp::spawn_with(move |config| {
        route_to(config, &[&remotes[0], &remotes[1]]);
        config.federation.delivery_timeout_seconds = 3;
    })
    .await;
    let member = member_followed_on(&app, &[&a, &b]).await;
    a.hang("/inbox");
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    let state = app.state.clone();
    let draining = tokio::spawn(async move { deliver_pending(&state).await.unwrap() });
    // b.test is served while a.test still has its request open.
    for _ in 0..100 {
        if !b.posts_to("/inbox").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(b.posts_to("/inbox").len(), 1);
    // Its row leaves the queue with the next batch of arrived deliveries (within tens of
    // milliseconds), not when the hanging request ends.
    let mut left = false;
    for _ in 0..50 {
        if count(&app, "select count(*) from deliveries where host = 'b.test'").await == 0 {
            left = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(left, "b.test's delivery is still queued");
    assert!(!draining.is_finished());

    assert_eq!(draining.await.unwrap(), 2);
    let (attempts, wait, failed, error) = delivery_to(&app, "a.test").await;
    assert_eq!((attempts, failed), (1, false));
    assert!(wait > 30.0);
    assert_eq!(error.as_deref(), Some("timed out"));
}

#[tokio::test]
async fn an_unavailable_host_is_skipped_until_it_signs_a_request() {
    let a = FakeRemote::start("a.test").await;
    let remote = a.clone();
    let app = TestApp::spawn_with(move |config| {
        route_to(config, &[&remote]);
        config.federation.unavailable_after_days = 2;
    })
    .await;
    let member = app.member("writer", "read write").await;
    let fan = a.add_actor("fan");
    let fan_id = account_of(&app, &fan.uri).await;
    follow(&app, fan_id, &member).await;
    // It failed yesterday; failing today makes two distinct days.
    sqlx::query("insert into delivery_hosts (host, failure_days) values ('a.test', array[current_date - 1])")
        .execute(&app.pool)
        .await
        .unwrap();
    a.answer("/inbox", 503, &[]);
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from delivery_hosts where unavailable_since is not null"
        )
        .await,
        1
    );

    // Skipped while unavailable, even when due.
    a.answer("/inbox", 202, &[]);
    make_due(&app).await;
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(a.posts_to("/inbox").len(), 1);

    // A signed request from the host brings it back.
    let response = fan.post(&app, "/inbox", &create_note(&fan, "1", json!({}))).await;
    assert_eq!(response.status(), 202);
    assert_eq!(
        count(
            &app,
            "select count(*) from delivery_hosts where unavailable_since is not null"
        )
        .await,
        0
    );
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(a.posts_to("/inbox").len(), 2);
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
}

/// Queues one activity for `inboxes` inboxes spread over the remotes, straight in SQL.
async fn queue_many(app: &TestApp, member: &TestMember, remotes: &[&FakeRemote], inboxes: i32) {
    let activity = activity_of(app, member, 1);
    let activity_id: i64 =
        sqlx::query_scalar("insert into outgoing_activities (account_id, body) values ($1, $2) returning id")
            .bind(member.account_id)
            .bind(&activity)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let hosts: Vec<String> = remotes.iter().map(|r| r.domain.clone()).collect();
    sqlx::query(
        "insert into deliveries (activity_id, inbox_url, host)
         select $1, 'http://' || h || '/users/u' || i || '/inbox', h
         from unnest($2::text[]) h, generate_series(1, $3) i",
    )
    .bind(activity_id)
    .bind(&hosts)
    .bind(inboxes / hosts.len() as i32)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn two_drains_at_once_send_each_delivery_once() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&a, &b]).await;
    let member = app.member("writer", "read write").await;
    queue_many(&app, &member, &[&a, &b], 300).await;

    // Two states: two processes' worth of pools, caches and limits on one database.
    let other = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    let (first, second) = tokio::join!(deliver_pending(&app.state), deliver_pending(&other));
    assert_eq!(first.unwrap() + second.unwrap(), 300);
    for remote in [&a, &b] {
        let mut paths: Vec<String> = remote.received().into_iter().map(|r| r.path).collect();
        assert_eq!(paths.len(), 150, "{}", remote.domain);
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 150, "{}: a delivery was sent twice", remote.domain);
    }
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
}

/// The binary against the app's database, with a clean environment.
fn ferrodon(app: &TestApp, args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args).env_clear();
    for (name, value) in std::env::vars() {
        if name == "PATH" || name == "HOME" {
            command.env(name, value);
        }
    }
    command.env("FERRODON_DATABASE__URL", &app.database.url);
    command
}

pub fn run(app: &TestApp, args: &[&str]) -> String {
    let output = ferrodon(app, args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stdout}{stderr}");
    stdout
}

#[tokio::test]
async fn jobs_stats_and_retry_show_and_revive_deliveries() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&a, &b]).await;
    let member = member_followed_on(&app, &[&a, &b]).await;
    a.answer("/inbox", 404, &[]);
    b.answer("/inbox", 500, &[]);
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;
    deliver(&app).await;
    sqlx::query("update delivery_hosts set unavailable_since = now() where host = 'b.test'")
        .execute(&app.pool)
        .await
        .unwrap();

    let stats = run(&app, &["jobs", "stats"]);
    let line_of = |host: &str| {
        stats
            .lines()
            .find(|line| line.trim_start().starts_with(host))
            .unwrap_or_else(|| panic!("no {host} in {stats}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    // host, pending, failed, oldest, status
    assert_eq!(line_of("a.test")[1..3], ["0", "1"]);
    assert_eq!(line_of("b.test")[1..3], ["1", "0"]);
    assert_eq!(line_of("b.test")[4], "unavailable");
    assert!(stats.contains("unavailable hosts: 1"), "{stats}");
    assert!(
        stats.contains("deliveries: 1 pending (0 due now) to 1 hosts, 1 given up"),
        "{stats}"
    );

    let out = run(&app, &["jobs", "retry", "--host", "B.test"]);
    assert!(out.contains("1 deliveries to b.test"), "{out}");
    assert_eq!(
        count(
            &app,
            "select count(*) from delivery_hosts where unavailable_since is not null"
        )
        .await,
        0
    );
    let (_, wait, failed, _) = delivery_to(&app, "b.test").await;
    assert!(wait <= 0.0 && !failed);
    // a.test's failed delivery is untouched by a retry of b.test, then revived with a fresh budget.
    assert!(delivery_to(&app, "a.test").await.2);
    let out = run(&app, &["jobs", "retry"]);
    assert!(out.contains("1 deliveries are due now"), "{out}");
    let (attempts, wait, failed, _) = delivery_to(&app, "a.test").await;
    assert_eq!((attempts, failed), (0, false));
    assert!(wait <= 0.0);
    a.answer("/inbox", 202, &[]);
    b.answer("/inbox", 202, &[]);
    assert_eq!(deliver(&app).await, 2);
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
}

#[tokio::test]
async fn a_worker_process_delivers_without_listening_and_stops_cleanly() {
    let a = FakeRemote::start("a.test").await;
    let app = app_with(&[&a]).await;
    let member = member_followed_on(&app, &[&a]).await;
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    let port = free_port();
    let mut worker = ferrodon(&app, &["serve", "--role", "worker"])
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("FERRODON_FEDERATION__RESOLVE", format!("a.test={}", a.addr))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut delivered = false;
    for _ in 0..300 {
        if count(&app, "select count(*) from deliveries").await == 0 {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = worker.wait().unwrap();
    assert!(delivered, "the worker did not deliver");
    assert_eq!(a.posts_to("/inbox").len(), 1);
    assert!(!listening, "a worker must not listen");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_stopping_worker_hands_unfinished_deliveries_back() {
    let a = FakeRemote::start("a.test").await;
    let remote = a.clone();
    let app = TestApp::spawn_with(move |config| {
        route_to(config, &[&remote]);
        // Longer than the shutdown grace (and the client's 10 s read timeout is too), so the
        // request is still open when the grace ends.
        config.federation.delivery_timeout_seconds = 60;
        config.federation.delivery_threads = 2;
    })
    .await;
    let member = member_followed_on(&app, &[&a]).await;
    a.hang("/inbox");
    enqueue(&app, &member, &activity_of(&app, &member, 1), followers()).await;

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(ferrodon::federation::delivery::run_delivery_threads(
        app.state.clone(),
        stopping,
    ));
    for _ in 0..200 {
        if !a.posts_to("/inbox").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(a.posts_to("/inbox").len(), 1);
    stop.send(true).unwrap();
    worker.await.unwrap();

    let (leased, attempts, failed): (bool, i32, bool) =
        sqlx::query_as("select claimed_until is not null, attempts, failed_at is not null from deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((leased, attempts, failed), (false, 0, false));
    // Due at once for whichever process works next.
    assert!(delivery_to(&app, "a.test").await.1 <= 0.0);
}

/// Starts a worker process delivering to the remotes.
fn spawn_worker(app: &TestApp, remotes: &[&FakeRemote]) -> std::process::Child {
    let resolve: Vec<String> = remotes
        .iter()
        .map(|r| format!("{}={}", r.domain, r.addr))
        .collect();
    ferrodon(app, &["serve", "--role", "worker"])
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{}", free_port()))
        .env("FERRODON_FEDERATION__RESOLVE", resolve.join(","))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Distinct inbox paths a remote has received POSTs at.
fn delivered_paths(remote: &FakeRemote) -> std::collections::BTreeSet<String> {
    remote
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect()
}

#[tokio::test]
async fn a_worker_killed_mid_run_loses_no_delivery_after_restart() {
    let a = FakeRemote::start("a.test").await;
    let b = FakeRemote::start("b.test").await;
    let app = app_with(&[&a, &b]).await;
    let member = app.member("writer", "read write").await;
    queue_many(&app, &member, &[&a, &b], 10_000).await;

    let mut worker = spawn_worker(&app, &[&a, &b]);
    for _ in 0..1200 {
        if delivered_paths(&a).len() + delivered_paths(&b).len() >= 1_500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    worker.wait().unwrap();
    let before_restart = delivered_paths(&a).len() + delivered_paths(&b).len();
    let pending = count(&app, "select count(*) from deliveries").await;
    assert!(
        before_restart > 0 && pending > 0,
        "killed too late to test anything: {before_restart} sent, {pending} left"
    );
    // The dead worker's leases would run out after 10 minutes; the test does not wait for that.
    sqlx::query(
        "update deliveries set claimed_until = now() - interval '1 second' where claimed_until > now()",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let mut worker = spawn_worker(&app, &[&a, &b]);
    for _ in 0..2400 {
        if count(&app, "select count(*) from deliveries").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    worker.wait().unwrap();
    assert_eq!(count(&app, "select count(*) from deliveries").await, 0);
    // Every one of the 10,000 inboxes got the activity at least once.
    assert_eq!(delivered_paths(&a).len(), 5_000);
    assert_eq!(delivered_paths(&b).len(), 5_000);
}

#[tokio::test]
async fn delivery_threads_claim_disjoint_shares_of_the_hosts_that_cover_them_all() {
    let app = TestApp::spawn().await;
    let member = app.member("writer", "read write").await;
    sqlx::query(
        "with a as (insert into outgoing_activities (account_id, body) values ($1, '{}') returning id)
         insert into deliveries (activity_id, inbox_url, host)
         select a.id, 'https://h' || i || '.test/inbox', 'h' || i || '.test'
         from a, generate_series(1, 40) i",
    )
    .bind(member.account_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let hosts_of = |claimed: Vec<ferrodon::db::deliveries::Claimed>| {
        claimed
            .into_iter()
            .map(|row| row.host)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let mut seen = std::collections::BTreeSet::new();
    for index in 0..3 {
        let share = ferrodon::db::deliveries::claim_due(&app.pool, 100, 600.0, &[], (index, 3))
            .await
            .unwrap();
        let share = hosts_of(share);
        assert!(
            !share.is_empty(),
            "share {index} of 3 claimed nothing of 40 hosts"
        );
        assert!(share.is_disjoint(&seen), "share {index} overlaps another");
        seen.extend(share);
    }
    assert_eq!(seen.len(), 40);
    // Claimed rows are leased: nothing is left for anyone, the whole-queue share included.
    let rest = ferrodon::db::deliveries::claim_due(&app.pool, 100, 600.0, &[], (0, 1))
        .await
        .unwrap();
    assert!(rest.is_empty());
}
