//! Load driver for streaming: members following one poster hold `user` streams open over
//! WebSocket; the driver measures what holding them costs (server memory per connection, idle
//! CPU) and how fast a post reaches every one of them (from the API's 200 to each client's frame).
//!
//! `scripts/bench streaming_load`; `FERRODON_BENCH_STREAMS` (default 5,000 connections, all
//! following the poster) and `FERRODON_BENCH_POSTS` (default 20, one at a time) change it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::{Connection, PgConnection};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use support::{BINARY, percentile, resident_mb};

const POSTER_TOKEN: &str = "bench-stream-poster-00000000000000000000000";

fn follower_token(n: u64) -> String {
    format!("bench-stream-follower-{n:08}-000000000000000000")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let streams = env_number("FERRODON_BENCH_STREAMS", 5_000);
    let posts = env_number("FERRODON_BENCH_POSTS", 20);
    let database = support::start_database("ferrodon-streaming-").await;
    seed(&database.url, streams).await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BINARY)
        .arg("serve")
        .env("FERRODON_DATABASE__URL", &database.url)
        .env("FERRODON_DATABASE__MAX_CONNECTIONS", "16")
        .env("FERRODON_SERVER__MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("FERRODON_SERVER__DOMAIN", "bench.test")
        // `FERRODON_BENCH_SERVER_LOG=ferrodon::streaming=debug` shows each fan-out's time.
        .env(
            "FERRODON_LOG",
            std::env::var("FERRODON_BENCH_SERVER_LOG").unwrap_or_else(|_| "error".into()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    while client.get(format!("{base}/health")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rss_before = resident_mb(server.id());

    // Open the streams, a few hundred at a time.
    let (frames_tx, mut frames) = mpsc::unbounded_channel::<(String, Instant)>();
    let started = Instant::now();
    let mut opened = 0u64;
    for chunk in (0..streams).collect::<Vec<_>>().chunks(250) {
        let mut connecting = Vec::new();
        for &n in chunk {
            let url = format!("ws://127.0.0.1:{port}/api/v1/streaming?stream=user");
            let token = follower_token(n);
            let frames_tx = frames_tx.clone();
            connecting.push(tokio::spawn(async move {
                let mut request = url.into_client_request().unwrap();
                request
                    .headers_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
                let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("a stream");
                let (_, mut read) = socket.split();
                tokio::spawn(async move {
                    while let Some(Ok(message)) = read.next().await {
                        if let Message::Text(text) = message {
                            let received = Instant::now();
                            let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
                            if frame["event"] == "update" {
                                let status: serde_json::Value =
                                    serde_json::from_str(frame["payload"].as_str().unwrap()).unwrap();
                                let id = status["id"].as_str().unwrap().to_owned();
                                let _ = frames_tx.send((id, received));
                            }
                        }
                    }
                });
            }));
        }
        for task in connecting {
            task.await.unwrap();
            opened += 1;
        }
    }
    println!(
        "streams_open={opened} connect_seconds={:.1}",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_open = resident_mb(server.id());
    println!(
        "server_rss_mb={rss_open:.1} before={rss_before:.1} per_connection_kb={:.1}",
        (rss_open - rss_before) * 1024.0 / opened.max(1) as f64
    );
    let idle_seconds = 10.0;
    let cpu_before = cpu_seconds(server.id());
    tokio::time::sleep(Duration::from_secs_f64(idle_seconds)).await;
    println!(
        "idle_cpu_percent={:.1} (of one core, {idle_seconds:.0} s with {opened} streams open)",
        (cpu_seconds(server.id()) - cpu_before) / idle_seconds * 100.0
    );

    // Posts one at a time: each reaches every stream before the next.
    let mut latencies = Vec::new();
    let mut last = Vec::new();
    for n in 0..posts {
        let answer = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(POSTER_TOKEN)
            .form(&[("status", format!("to every stream {n}"))])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let answered = Instant::now();
        let id = answer.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut seen: HashMap<String, u64> = HashMap::new();
        let deadline = answered + Duration::from_secs(30);
        let mut slowest = 0.0f64;
        while seen.get(&id).copied().unwrap_or(0) < opened {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((got, at))) = tokio::time::timeout(left, frames.recv()).await else {
                println!(
                    "post {n}: only {} of {opened} streams had it after 30 s",
                    seen.get(&id).copied().unwrap_or(0)
                );
                break;
            };
            let ms = at.saturating_duration_since(answered).as_secs_f64() * 1000.0;
            if got == id {
                latencies.push(ms);
                slowest = slowest.max(ms);
            }
            *seen.entry(got).or_default() += 1;
        }
        last.push(slowest);
    }
    println!(
        "fanout_followers={opened} posts={posts} frame_p50_ms={:.1} frame_p99_ms={:.1} last_frame_p50_ms={:.1} last_frame_max_ms={:.1}",
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0),
        percentile(&mut last.clone(), 50.0),
        last.iter().cloned().fold(0.0, f64::max),
    );

    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = server.wait();
    let support::BenchDatabase { dir, cluster, .. } = database;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `streams` members following a poster, each with a token.
async fn seed(url: &str, streams: u64) {
    let mut db = PgConnection::connect(url).await.unwrap();
    let script = format!(
        "insert into accounts (username, public_key_pem, private_key_pem)
           select 'user' || g, 'bench', 'bench' from generate_series(0, {streams}) g;
         insert into users (account_id, email, password_hash)
           select id, username || '@bench.test', 'bench' from accounts;
         insert into follows (account_id, target_account_id)
           select a.id, p.id from accounts a, accounts p
           where p.username = 'user0' and a.username <> 'user0';
         insert into oauth_applications (name, redirect_uris, scopes, client_id, client_secret_digest)
           values ('bench', '{{urn:ietf:wg:oauth:2.0:oob}}', 'read write', 'bench', 'bench');
         insert into oauth_access_tokens (token_digest, application_id, user_id, scopes)
           select '{poster}', (select id from oauth_applications), u.id, 'read write'
           from users u join accounts a on a.id = u.account_id where a.username = 'user0';",
        poster = ferrodon::secrets::digest(POSTER_TOKEN),
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut db)
        .await
        .unwrap();
    // Follower n's token, by the digest the server looks up.
    let digests: Vec<String> = (0..streams)
        .map(|n| ferrodon::secrets::digest(&follower_token(n)))
        .collect();
    let names: Vec<String> = (1..=streams).map(|n| format!("user{n}")).collect();
    sqlx::query(
        "insert into oauth_access_tokens (token_digest, application_id, user_id, scopes)
         select d.digest, (select id from oauth_applications), u.id, 'read'
         from unnest($1::text[], $2::text[]) as d(digest, username)
         join accounts a on a.username = d.username join users u on u.account_id = a.id",
    )
    .bind(&digests)
    .bind(&names)
    .execute(&mut db)
    .await
    .unwrap();
    for statement in ["vacuum (analyze, freeze)", "checkpoint"] {
        sqlx::raw_sql(statement).execute(&mut db).await.unwrap();
    }
    db.close().await.unwrap();
}

/// User and system CPU seconds the process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command's ')'.
    (ticks(11) + ticks(12)) / 100.0
}
