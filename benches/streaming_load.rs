//! Load driver for streaming: members following one poster hold streams open over WebSocket;
//! the driver measures what holding them costs (server memory per connection, idle CPU), how
//! fast one post reaches every one of them (from the API's 200 to each client's frame), and how
//! many posts a second keep that delay low.
//!
//! `scripts/bench streaming_load`. Settings, by environment:
//! - `FERRODON_BENCH_STREAMS`: connections, one member each, all following the poster (5,000);
//! - `FERRODON_BENCH_MIX=1`: every other connection watches `public:local` instead of `user`;
//! - `FERRODON_BENCH_POSTS`: posts one at a time, each awaited by every stream (20);
//! - `FERRODON_BENCH_RATES`: posts a second to hold for 10 s each, e.g. `5,10,20` (none);
//! - `FERRODON_BENCH_TWO_PROCESSES=1`: two `--role web` processes and a `--role worker` on
//!   one database; posts go to the first, the streams are held by the second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::{Connection, PgConnection};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use support::{BINARY, cpu_seconds, percentile, resident_mb};

const POSTER_TOKEN: &str = "bench-stream-poster-00000000000000000000000";

/// How long each rate of the throughput phase is held.
const RATE_SECONDS: u64 = 10;

fn follower_token(n: u64) -> String {
    format!("bench-stream-follower-{n:08}-000000000000000000")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `ferrodon serve --role ROLE` on `port` over `url`.
fn start_server(url: &str, port: u16, role: &str) -> Child {
    Command::new(BINARY)
        .args(["serve", "--role", role])
        .env("FERRODON_DATABASE__URL", url)
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
        .unwrap()
}

async fn wait_until_up(client: &reqwest::Client, base: &str) {
    while client.get(format!("{base}/health")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The status id of an `update` frame, read without parsing the whole frame (the driver shares
/// the two cores with the server: a full parse of every frame would slow what it measures).
fn update_id(text: &str) -> Option<u64> {
    let rest = text.split_once(r#""event":"update","payload":"{\"id\":\""#)?.1;
    let digits = rest.split_once('\\')?.0;
    digits.parse().ok()
}

#[tokio::main]
async fn main() {
    let streams = env_number("FERRODON_BENCH_STREAMS", 5_000);
    let posts = env_number("FERRODON_BENCH_POSTS", 20);
    let mixed = env_number("FERRODON_BENCH_MIX", 0) == 1;
    let two_processes = env_number("FERRODON_BENCH_TWO_PROCESSES", 0) == 1;
    let rates: Vec<u64> = std::env::var("FERRODON_BENCH_RATES")
        .unwrap_or_default()
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let database = support::start_database("ferrodon-streaming-").await;
    seed(&database.url, streams).await;

    // Process A takes the posts; the streams are held by A, or by B when there are two.
    let port_a = free_port();
    let mut servers = vec![start_server(
        &database.url,
        port_a,
        if two_processes { "web" } else { "all" },
    )];
    let port_streams = if two_processes {
        let port_b = free_port();
        servers.push(start_server(&database.url, port_b, "web"));
        servers.push(start_server(&database.url, free_port(), "worker"));
        port_b
    } else {
        port_a
    };
    let holder = servers[if two_processes { 1 } else { 0 }].id();
    let base = format!("http://127.0.0.1:{port_a}");
    let client = reqwest::Client::new();
    wait_until_up(&client, &base).await;
    wait_until_up(&client, &format!("http://127.0.0.1:{port_streams}")).await;
    let rss_before = resident_mb(holder);

    // Open the streams, a few hundred at a time.
    let (frames_tx, mut frames) = mpsc::unbounded_channel::<(u64, Instant)>();
    let started = Instant::now();
    let mut opened = 0u64;
    for chunk in (0..streams).collect::<Vec<_>>().chunks(250) {
        let mut connecting = Vec::new();
        for &n in chunk {
            let stream = if mixed && n % 2 == 1 {
                "public:local"
            } else {
                "user"
            };
            let url = format!("ws://127.0.0.1:{port_streams}/api/v1/streaming?stream={stream}");
            let token = follower_token(n);
            let frames_tx = frames_tx.clone();
            connecting.push(tokio::spawn(async move {
                let mut request = url.into_client_request().unwrap();
                request
                    .headers_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
                // Small read buffers, as a real client's: tungstenite's default (128 KiB, zeroed
                // on every read) made the driver's own reading most of what it measured.
                let config = WebSocketConfig::default().read_buffer_size(4096);
                let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
                    .await
                    .expect("a stream");
                let (_, mut read) = socket.split();
                tokio::spawn(async move {
                    while let Some(Ok(message)) = read.next().await {
                        if let Message::Text(text) = message {
                            let received = Instant::now();
                            if let Some(id) = update_id(&text) {
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
        "streams_open={opened} kinds={} processes={} connect_seconds={:.1}",
        if mixed { "user+public:local" } else { "user" },
        if two_processes {
            "2 web + 1 worker (posts to one, streams on the other)"
        } else {
            "1"
        },
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_open = resident_mb(holder);
    println!(
        "server_rss_mb={rss_open:.1} before={rss_before:.1} per_connection_kb={:.1}",
        (rss_open - rss_before) * 1024.0 / opened.max(1) as f64
    );
    let idle_seconds = 10.0;
    let cpu_before = cpu_seconds(holder);
    tokio::time::sleep(Duration::from_secs_f64(idle_seconds)).await;
    println!(
        "idle_cpu_percent={:.1} (of one core, {idle_seconds:.0} s with {opened} streams open)",
        (cpu_seconds(holder) - cpu_before) / idle_seconds * 100.0
    );

    // Posts one at a time: each reaches every stream before the next.
    let mut latencies = Vec::new();
    let mut last = Vec::new();
    for n in 0..posts {
        let (id, answered) = post(&client, &base, &format!("to every stream {n}")).await;
        let mut received = 0u64;
        let deadline = answered + Duration::from_secs(30);
        let mut slowest = 0.0f64;
        while received < opened {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((got, at))) = tokio::time::timeout(left, frames.recv()).await else {
                println!("post {n}: only {received} of {opened} streams had it after 30 s");
                break;
            };
            if got == id {
                let ms = at.saturating_duration_since(answered).as_secs_f64() * 1000.0;
                latencies.push(ms);
                slowest = slowest.max(ms);
                received += 1;
            }
        }
        last.push(slowest);
    }
    if posts > 0 {
        println!(
            "fanout_streams={opened} posts={posts} frame_p50_ms={:.1} frame_p99_ms={:.1} last_frame_p50_ms={:.1} last_frame_max_ms={:.1}",
            percentile(&mut latencies, 50.0),
            percentile(&mut latencies, 99.0),
            percentile(&mut last.clone(), 50.0),
            last.iter().cloned().fold(0.0, f64::max),
        );
    }

    for rate in rates {
        throughput(&client, &base, &mut frames, opened, rate).await;
    }

    for server in &mut servers {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(server.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    for mut server in servers {
        let _ = server.wait();
    }
    let support::BenchDatabase { dir, cluster, .. } = database;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Posts `text` as the poster: the status id and when the 200 came.
async fn post(client: &reqwest::Client, base: &str, text: &str) -> (u64, Instant) {
    let answer = client
        .post(format!("{base}/api/v1/statuses"))
        .bearer_auth(POSTER_TOKEN)
        .form(&[("status", text)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answered = Instant::now();
    let id = answer.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (id, answered)
}

/// Posts `rate` a second for [`RATE_SECONDS`] (an open loop: each on its schedule, whatever the
/// others do) and reports the frames' delay, measured from when each post was sent (a frame can
/// arrive before its post's answer does).
async fn throughput(
    client: &reqwest::Client,
    base: &str,
    frames: &mut mpsc::UnboundedReceiver<(u64, Instant)>,
    opened: u64,
    rate: u64,
) {
    let sent_at: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let total = rate * RATE_SECONDS;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut pending: Vec<(u64, Instant)> = Vec::new();
    let mut latencies = Vec::new();
    let mut posting = tokio::task::JoinSet::new();
    let started = Instant::now();
    let expected = total * opened;
    for n in 0..total {
        ticker.tick().await;
        let client = client.clone();
        let base = base.to_owned();
        let sent_at = sent_at.clone();
        posting.spawn(async move {
            let sent = Instant::now();
            let (id, _) = post(&client, &base, &format!("at {rate}/s, post {n}")).await;
            sent_at.lock().unwrap().insert(id, sent);
        });
        // Take what arrived meanwhile, so that the channel does not grow.
        while let Ok(frame) = frames.try_recv() {
            pending.push(frame);
        }
    }
    while posting.join_next().await.is_some() {}
    let posted_seconds = started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(30);
    while (pending.len() as u64) < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, frames.recv()).await {
            Ok(Some(frame)) => pending.push(frame),
            _ => break,
        }
    }
    let sent_at = sent_at.lock().unwrap();
    for (id, at) in &pending {
        if let Some(sent) = sent_at.get(id) {
            latencies.push(at.saturating_duration_since(*sent).as_secs_f64() * 1000.0);
        }
    }
    println!(
        "rate_offered={rate}/s posted_per_s={:.1} streams={opened} frames={}/{expected} from_send_p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        total as f64 / posted_seconds,
        latencies.len(),
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0),
        latencies.iter().cloned().fold(0.0, f64::max),
    );
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
    support::settle(&mut db).await;
    db.close().await.unwrap();
}
