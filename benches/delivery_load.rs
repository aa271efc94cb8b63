//! Load driver for the delivery pool. A sink process (this binary with `--sink`) answers 202 for
//! every host name, which reach it through `federation.resolve`; the release server runs as a
//! child with `--role all`. Prints a figure a line: the RSA-2048 signing ceiling on both cores
//! (the higher of a measurement before and one after the sustained run);
//! deliveries/s for 100,000 deliveries over 1,000 hosts with p50/p99 from enqueue to
//! acknowledgement and the server's peak RSS; and the seconds a fan-out to 5,000 hosts takes.
//!
//! Deliveries are queued straight in SQL (one activity to 1,000 hosts per batch), keeping at most
//! a few thousand pending so the latency is that of a busy queue, not of a 100,000-row backlog.
//! `scripts/bench delivery_load`; `FERRODON_BENCH_DELIVERIES` sets the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ferrodon::federation::keys;
use ferrodon::federation::signatures::{SigningKey, sign_post};
use sqlx::{Connection, PgConnection};

use support::BINARY;
const HOSTS: usize = 1_000;
const FANOUT_HOSTS: usize = 5_000;
/// The driver queues another batch while fewer than this many deliveries are pending.
const MAX_PENDING: i64 = 4_000;

fn micros_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|arg| arg == "--sink") {
        sink();
    } else {
        tokio::runtime::Runtime::new().unwrap().block_on(drive());
    }
}

/// Received deliveries: (batch, microseconds since the epoch).
type Log = Arc<Mutex<Vec<(u64, u64)>>>;

/// The sink: 202 for every POST, logging its batch (from the path `/b{batch}/inbox`) and time;
/// `GET /count` and `GET /log` for the driver. It stands for servers on other machines, so the
/// less of this machine it takes from the server measured, the better: one thread (two cost more
/// in wake-ups than they gave) and a minimal HTTP/1.1 reader instead of a framework (the axum
/// sink took about 4% of the machine's samples in a profile of a run).
fn sink() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let log: Log = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(sink_connection(stream, log.clone()));
        }
    });
}

/// One keep-alive connection to the sink. Every request it gets (from the delivery client and
/// the driver) has a `Content-Length` body or none.
async fn sink_connection(mut stream: tokio::net::TcpStream, log: Log) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = Vec::with_capacity(8192);
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            if matches!(stream.read_buf(&mut buffer).await, Ok(0) | Err(_)) {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or("").split(' ');
        let (method, path) = (
            request_line.next().unwrap_or(""),
            request_line.next().unwrap_or(""),
        );
        let length = lines
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            if matches!(stream.read_buf(&mut buffer).await, Ok(0) | Err(_)) {
                return;
            }
        }
        buffer.drain(..head_end + length);
        let response = match (method, path) {
            ("GET", "/count") => text_response(log.lock().unwrap().len().to_string()),
            ("GET", "/log") => {
                let log = log.lock().unwrap();
                let mut text = String::with_capacity(log.len() * 24);
                for (batch, at) in log.iter() {
                    text.push_str(&format!("{batch} {at}\n"));
                }
                text_response(text)
            }
            _ => {
                let batch = path
                    .strip_prefix("/b")
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(u64::MAX);
                log.lock().unwrap().push((batch, micros_now()));
                "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n".to_owned()
            }
        };
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn text_response(body: String) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// RSA-2048 `sign_post`s per second on two threads.
fn signing_ceiling() -> f64 {
    let pair = keys::generate().unwrap();
    let key = SigningKey::from_pem("https://bench.test/users/a#main-key", &pair.private_pem).unwrap();
    let url = url::Url::parse("https://h1.bench.test/inbox").unwrap();
    let body = vec![b'x'; 1500];
    let window = Duration::from_secs(3);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (key, url, body) = (key.clone(), url.clone(), body.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut signed = 0u64;
                while started.elapsed() < window {
                    std::hint::black_box(sign_post(&key, &url, &body, SystemTime::now()));
                    signed += 1;
                }
                signed
            })
        })
        .collect();
    let signed: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    signed as f64 / window.as_secs_f64()
}

fn activity_body(batch: u64) -> serde_json::Value {
    let actor = "http://bench.test/users/bencher";
    serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"sensitive": "as:sensitive"}],
        "id": format!("{actor}/statuses/{batch}/activity"),
        "type": "Create",
        "actor": actor,
        "published": "2026-11-22T00:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
        "object": {
            "id": format!("{actor}/statuses/{batch}"),
            "type": "Note",
            "attributedTo": actor,
            "content": format!("<p>{}</p>", "A post of ordinary length, sent to every follower. ".repeat(12)),
            "published": "2026-11-22T00:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers")],
            "sensitive": false,
            "tag": [],
            "attachment": [],
        },
    })
}

/// Queues one activity for `hosts` hosts in one transaction; returns the commit time.
async fn enqueue(db: &mut PgConnection, account: i64, batch: u64, hosts: usize) -> u64 {
    sqlx::query(
        "with a as (insert into outgoing_activities (account_id, body) values ($1, $2) returning id)
         insert into deliveries (activity_id, inbox_url, host)
         select a.id, 'http://h' || i || '.bench.test/b' || $3 || '/inbox', 'h' || i || '.bench.test'
         from a, generate_series(0, $4 - 1) i",
    )
    .bind(account)
    .bind(activity_body(batch))
    .bind(batch as i64)
    .bind(hosts as i32)
    .execute(db)
    .await
    .unwrap();
    micros_now()
}

async fn sink_count(client: &reqwest::Client, sink: &str) -> u64 {
    client
        .get(format!("{sink}/count"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap()
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

async fn drive() {
    let deliveries = env_number("FERRODON_BENCH_DELIVERIES", 100_000);
    let batches = deliveries.div_ceil(HOSTS as u64);

    // Measured before and after the sustained run: one 3-second measurement moved by up to 30%
    // between runs on this machine.
    let ceiling_before = signing_ceiling();

    let support::BenchDatabase { dir, cluster, url } = support::start_database("ferrodon-delivery-").await;
    let pair = keys::generate().unwrap();
    let mut db = PgConnection::connect(&url).await.unwrap();
    let account: i64 = sqlx::query_scalar(
        "insert into accounts (username, public_key_pem, private_key_pem) values ('bencher', $1, $2)
         returning id",
    )
    .bind(&pair.public_pem)
    .bind(&pair.private_pem)
    .fetch_one(&mut db)
    .await
    .unwrap();

    let mut sink = Command::new(std::env::current_exe().unwrap())
        .arg("--sink")
        .env(
            "TOKIO_WORKER_THREADS",
            std::env::var("BENCH_SINK_THREADS").unwrap_or("2".into()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(sink.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let sink_addr = format!("127.0.0.1:{}", port.trim());
    let sink_url = format!("http://{sink_addr}");
    // 5,000 names are too long for one environment variable: they go in a config file.
    let mut config = String::from("[federation.resolve]\n");
    for i in 0..FANOUT_HOSTS {
        config.push_str(&format!("\"h{i}.bench.test\" = \"{sink_addr}\"\n"));
    }
    let config_path = dir.join("bench.toml");
    std::fs::write(&config_path, config).unwrap();

    let server_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BINARY)
        .arg("--config")
        .arg(&config_path)
        .args(["serve", "--role", "all"])
        .env("FERRODON_DATABASE__URL", &url)
        .env("FERRODON_DATABASE__MAX_CONNECTIONS", "24")
        // The load driver is one address standing for many clients: no per-address cap.
        .env("FERRODON_SERVER__MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{server_port}"))
        .env("FERRODON_SERVER__DOMAIN", "bench.test")
        .env("FERRODON_LOG", "error")
        .env(
            "TOKIO_WORKER_THREADS",
            std::env::var("BENCH_SERVER_THREADS").unwrap_or("2".into()),
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{server_port}/health");
    for _ in 0..600 {
        if client
            .get(&health)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Sustained throughput.
    let mut enqueued_at = Vec::with_capacity(batches as usize);
    let started = micros_now();
    let deadline = Instant::now() + Duration::from_secs(600);
    let sink_before = sink_count(&client, &sink_url).await;
    while (enqueued_at.len() as u64) < batches && Instant::now() < deadline {
        // Pending = queued - acknowledged, from the sink's counter: a `count(*)` of the queue
        // every 20 ms was the driver's own load on the database, taken from the server's share.
        let acknowledged = sink_count(&client, &sink_url).await - sink_before;
        let pending = (enqueued_at.len() * HOSTS) as i64 - acknowledged as i64;
        if pending < MAX_PENDING {
            let batch = enqueued_at.len() as u64;
            enqueued_at.push(enqueue(&mut db, account, batch, HOSTS).await);
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let expected = enqueued_at.len() as u64 * HOSTS as u64;
    while sink_count(&client, &sink_url).await < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log_text = client
        .get(format!("{sink_url}/log"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut latencies = Vec::new();
    let mut last = started;
    for line in log_text.lines() {
        let mut parts = line.split(' ');
        let (Some(batch), Some(at)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(batch), Ok(at)) = (batch.parse::<usize>(), at.parse::<u64>()) else {
            continue;
        };
        if let Some(enqueued) = enqueued_at.get(batch) {
            latencies.push(at.saturating_sub(*enqueued));
            last = last.max(at);
        }
    }
    latencies.sort_unstable();
    let seconds = (last - started) as f64 / 1e6;
    let rate = latencies.len() as f64 / seconds;
    let ceiling_after = signing_ceiling();
    // The higher reading: a low one is the machine busy with something else, not its limit.
    let ceiling = ceiling_before.max(ceiling_after);
    println!(
        "signing_ceiling_per_second={ceiling:.0} (RSA-2048 sign_post, 2 threads; {ceiling_before:.0} before the run, {ceiling_after:.0} after)"
    );
    println!(
        "deliveries_per_second={rate:.0} delivered={} of {expected} over {HOSTS} hosts in {seconds:.1}s ({:.0}% of the signing ceiling)",
        latencies.len(),
        100.0 * rate / ceiling
    );
    println!(
        "enqueue_to_ack_p50_ms={:.0} p99_ms={:.0} (at most {MAX_PENDING} pending)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99)
    );
    println!("server_peak_rss_mb={:.0}", peak_rss_mb(server.id()));

    // Fan-out of one post to 5,000 hosts.
    let before = sink_count(&client, &sink_url).await;
    let fanout_started = Instant::now();
    enqueue(&mut db, account, 1_000_000, FANOUT_HOSTS).await;
    while sink_count(&client, &sink_url).await < before + FANOUT_HOSTS as u64
        && fanout_started.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fanned = sink_count(&client, &sink_url).await - before;
    println!(
        "fanout_seconds={:.2} acknowledged={fanned} of {FANOUT_HOSTS} hosts",
        fanout_started.elapsed().as_secs_f64()
    );
    println!("server_peak_rss_mb_after_fanout={:.0}", peak_rss_mb(server.id()));

    let _ = server.kill();
    let _ = server.wait();
    let _ = sink.kill();
    let _ = sink.wait();
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}
