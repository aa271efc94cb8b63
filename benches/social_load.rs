//! Load driver for the social core: seeds a realistic database (10,000 accounts, 1,000,000
//! statuses, a reader following 1,000 accounts, a poster with 1,000 local followers), starts the
//! release server, and drives its HTTP API with concurrent clients. Prints a figure a line:
//! home timeline (limit 40) at full speed and at a fixed 2,000 requests/s, and posting.
//!
//! `scripts/bench social_load`; `FERRODON_BENCH_STATUSES` and `FERRODON_BENCH_SECONDS` shrink it,
//! `FERRODON_BENCH_DATABASE_URL` reuses a database seeded by an earlier run (no cluster, no seed),
//! and `FERRODON_BENCH_TRACE=FILE` writes each open-loop answer's start and latency, to see when
//! the slow ones happened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

use support::{BINARY, percentile, resident_mb};
const READER_TOKEN: &str = "bench-reader-token-0000000000000000000000000";
const POSTER_TOKEN: &str = "bench-poster-token-0000000000000000000000000";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let statuses = env_number("FERRODON_BENCH_STATUSES", 1_000_000);
    let seconds = env_number("FERRODON_BENCH_SECONDS", 10);
    // A database seeded by an earlier run can be reused while iterating on the server.
    let reused = std::env::var("FERRODON_BENCH_DATABASE_URL").ok();
    let (database, url) = match reused {
        Some(url) => (None, url),
        None => {
            let database = support::start_database("ferrodon-load-").await;
            let url = database.url.clone();
            let started = Instant::now();
            seed(&url, statuses).await;
            println!(
                "seed_seconds={:.1} statuses={statuses} accounts=10000",
                started.elapsed().as_secs_f64()
            );
            (Some(database), url)
        }
    };

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BINARY)
        .arg("serve")
        .env("FERRODON_DATABASE__URL", &url)
        .env("FERRODON_DATABASE__MAX_CONNECTIONS", "16")
        // The load driver is one address standing for many clients: no per-address cap.
        .env("FERRODON_SERVER__MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("FERRODON_SERVER__DOMAIN", "bench.test")
        .env("FERRODON_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    while client.get(format!("{base}/health")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let home = format!("{base}/api/v1/timelines/home?limit=40");
    let check = client.get(&home).bearer_auth(READER_TOKEN).send().await.unwrap();
    assert_eq!(check.status(), 200);
    let page: Vec<serde_json::Value> = check.json().await.unwrap();
    assert_eq!(page.len(), 40, "the reader's home timeline is full");

    let duration = Duration::from_secs(seconds);
    let (count, mut latencies) = closed_loop(&client, &home, READER_TOKEN, 32, duration, None).await;
    println!(
        "home_timeline_max_rps={:.0} p50_ms={:.2} p99_ms={:.2} concurrency=32",
        count as f64 / duration.as_secs_f64(),
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0)
    );
    let (mut latencies, failures, missed) = open_loop(&client, &home, READER_TOKEN, 2000, duration).await;
    println!(
        "home_timeline_at_2000_rps achieved_rps={:.0} p50_ms={:.2} p99_ms={:.2} failed={failures} missed={missed}",
        latencies.len() as f64 / duration.as_secs_f64(),
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0)
    );
    let post_url = format!("{base}/api/v1/statuses");
    let (count, mut latencies) = closed_loop(
        &client,
        &post_url,
        POSTER_TOKEN,
        16,
        duration,
        Some("status=hello+from+the+load+driver"),
    )
    .await;
    println!(
        "post_status_rps={:.0} p50_ms={:.2} p99_ms={:.2} followers=1000 concurrency=16",
        count as f64 / duration.as_secs_f64(),
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0)
    );
    println!("server_rss_mb={:.1}", resident_mb(server.id()));

    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = server.wait();
    if let Some(support::BenchDatabase { dir, cluster, .. }) = database {
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Seeds accounts, follows, statuses and tokens with set-based SQL.
async fn seed(url: &str, statuses: u64) {
    let mut db = PgConnection::connect(url).await.unwrap();
    let script = format!(
        "insert into accounts (username, public_key_pem, private_key_pem)
           select 'user' || g, 'bench', 'bench' from generate_series(1, 10000) g;
         insert into users (account_id, email, password_hash)
           select id, username || '@bench.test', 'bench' from accounts;
         create temporary table numbered as select id, row_number() over (order by id) n from accounts;
         -- The reader (n = 1) follows accounts 2..1001; accounts 1002..2001 follow the poster (n = 2).
         insert into follows (account_id, target_account_id)
           select r.id, a.id from numbered r, numbered a where r.n = 1 and a.n between 2 and 1001;
         insert into follows (account_id, target_account_id)
           select a.id, p.id from numbered p, numbered a where p.n = 2 and a.n between 1002 and 2001;
         insert into statuses (id, account_id, local, text, content, visibility, conversation_id, created_at)
           select next_id(t), ids[1 + (g % 10000)], true, 'status ' || g, '<p>status ' || g || '</p>',
                  case when g % 10 = 0 then 'unlisted' else 'public' end, g, t
           from (select array_agg(id order by id) ids from accounts) a,
                (select g, now() - g * interval '2 seconds' as t from generate_series(1, {statuses}) g) s;
         insert into oauth_applications (name, redirect_uris, scopes, client_id, client_secret_digest)
           values ('bench', '{{urn:ietf:wg:oauth:2.0:oob}}', 'read write', 'bench', 'bench');
         insert into oauth_access_tokens (token_digest, application_id, user_id, scopes)
           select '{reader}', (select id from oauth_applications), u.id, 'read write'
           from users u join numbered n on n.id = u.account_id where n.n = 1;
         insert into oauth_access_tokens (token_digest, application_id, user_id, scopes)
           select '{poster}', (select id from oauth_applications), u.id, 'read write'
           from users u join numbered n on n.id = u.account_id where n.n = 2;",
        reader = ferrodon::secrets::digest(READER_TOKEN),
        poster = ferrodon::secrets::digest(POSTER_TOKEN),
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut db)
        .await
        .unwrap();
    support::settle(&mut db).await;
    db.close().await.unwrap();
}

/// `concurrency` clients each sending requests back to back for `duration`.
async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    concurrency: usize,
    duration: Duration,
    form: Option<&str>,
) -> (usize, Vec<f64>) {
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let token = token.to_owned();
        let form = form.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let request = match &form {
                    None => client.get(&url),
                    Some(body) => client
                        .post(&url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body.clone()),
                };
                let response = request.bearer_auth(&token).send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                let _ = response.bytes().await.unwrap();
                latencies.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (all.len(), all)
}

/// Requests started at a fixed rate whatever the answers take (latency as a client sees it).
/// At most `MAX_IN_FLIGHT` are outstanding: a request due while that many wait is counted as
/// missed rather than opening ever more connections. Returns the latencies of successful
/// answers, the failures and the misses.
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    per_second: u64,
    duration: Duration,
) -> (Vec<f64>, usize, usize) {
    const MAX_IN_FLIGHT: usize = 512;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut missed = 0;
    let mut ticker = tokio::time::interval(Duration::from_millis(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let per_tick = per_second / 1000;
    let began = Instant::now();
    let deadline = began + duration;
    let mut tasks = Vec::new();
    while Instant::now() < deadline {
        ticker.tick().await;
        for _ in 0..per_tick {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                missed += 1;
                continue;
            };
            let client = client.clone();
            let url = url.to_owned();
            let token = token.to_owned();
            let latencies = latencies.clone();
            let failures = failures.clone();
            tasks.push(tokio::spawn(async move {
                let start = Instant::now();
                let offset = start.duration_since(began).as_secs_f64() * 1000.0;
                let answered = match client.get(&url).bearer_auth(&token).send().await {
                    Ok(response) if response.status().is_success() => response.bytes().await.is_ok(),
                    _ => false,
                };
                if answered {
                    latencies
                        .lock()
                        .unwrap()
                        .push((offset, start.elapsed().as_secs_f64() * 1000.0));
                } else {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                drop(slot);
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut all = std::mem::take(&mut *latencies.lock().unwrap());
    // `FERRODON_BENCH_TRACE=FILE` writes each answer's start (ms into the run) and latency.
    if let Ok(path) = std::env::var("FERRODON_BENCH_TRACE") {
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let lines: String = all.iter().map(|(at, ms)| format!("{at:.1} {ms:.2}\n")).collect();
        std::fs::write(path, lines).unwrap();
    }
    let all = all.into_iter().map(|(_, ms)| ms).collect();
    (all, failures.load(std::sync::atomic::Ordering::Relaxed), missed)
}
