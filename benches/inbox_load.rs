//! Load driver for the inbox: 1,000 known remote actors on 100 hosts deliver validly signed
//! `Create(Note)` activities to the shared inbox of the release server. Prints a figure a line:
//! accepted/s (202s while sending), processed/s (statuses stored, start to drained) and the
//! drain rate after sending stopped.
//!
//! Requests are signed before the clock starts, so the driver's own RSA work does not take the
//! server's CPU. `scripts/bench inbox_load`; `FERRODON_BENCH_ACTIVITIES` sets the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use ferrodon::federation::keys;
use ferrodon::federation::signatures::{SigningKey, sign_post};
use sqlx::{Connection, PgConnection};

use support::BINARY;
const ACTORS: usize = 1_000;
const HOSTS: usize = 100;
const CONCURRENCY: usize = 64;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn actor_uri(index: usize) -> String {
    format!("https://h{}.remote.test/users/a{index}", index % HOSTS)
}

struct Prepared {
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    body: Vec<u8>,
}

#[tokio::main]
async fn main() {
    let activities = env_number("FERRODON_BENCH_ACTIVITIES", 20_000) as usize;
    let support::BenchDatabase { dir, cluster, url } = support::start_database("ferrodon-inbox-").await;

    // Four key pairs shared by the actors: what the server verifies is the same work.
    let pairs: Vec<keys::KeyPairPem> = (0..4).map(|_| keys::generate().unwrap()).collect();
    let mut db = PgConnection::connect(&url).await.unwrap();
    for index in 0..ACTORS {
        let uri = actor_uri(index);
        sqlx::query(
            "insert into accounts (username, domain, uri, inbox_url, public_key_pem, key_id, fetched_at)
             values ($1, $2, $3, $4, $5, $6, now())",
        )
        .bind(format!("a{index}"))
        .bind(format!("h{}.remote.test", index % HOSTS))
        .bind(&uri)
        .bind(format!("{uri}/inbox"))
        .bind(&pairs[index % pairs.len()].public_pem)
        .bind(format!("{uri}#main-key"))
        .execute(&mut db)
        .await
        .unwrap();
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let inbox = url::Url::parse(&format!("http://127.0.0.1:{port}/inbox")).unwrap();
    let signing_started = Instant::now();
    let prepared = Arc::new(prepare(&inbox, &pairs, activities));
    println!(
        "presigned={activities} seconds={:.1}",
        signing_started.elapsed().as_secs_f64()
    );

    let mut server = Command::new(BINARY)
        .arg("serve")
        .env("FERRODON_DATABASE__URL", &url)
        .env("FERRODON_DATABASE__MAX_CONNECTIONS", "24")
        // The load driver is one address standing for many clients: no per-address cap.
        .env("FERRODON_SERVER__MAX_CONNECTIONS_PER_ADDRESS", "0")
        .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("FERRODON_SERVER__DOMAIN", "bench.test")
        .env("FERRODON_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/health");
    for _ in 0..300 {
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

    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..CONCURRENCY {
        let (client, prepared, next, accepted, inbox) = (
            client.clone(),
            prepared.clone(),
            next.clone(),
            accepted.clone(),
            inbox.clone(),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(request) = prepared.get(index) else { break };
                let mut builder = client.post(inbox.clone()).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(name, value);
                }
                if let Ok(response) = builder.send().await
                    && response.status().as_u16() == 202
                {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for sender in senders {
        sender.await.unwrap();
    }
    let sending = started.elapsed();
    let accepted = accepted.load(Ordering::Relaxed);
    let stored_at_end_of_sending = count_statuses(&mut db).await;
    let drained = loop {
        let stored = count_statuses(&mut db).await;
        if stored >= accepted as i64 || started.elapsed() > Duration::from_secs(600) {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stored = count_statuses(&mut db).await;
    println!(
        "inbox_accepted_per_second={:.0} accepted={accepted} of {activities} in {:.2}s",
        accepted as f64 / sending.as_secs_f64(),
        sending.as_secs_f64()
    );
    println!(
        "inbox_processed_per_second={:.0} stored={stored} in {:.2}s (start to drained)",
        stored as f64 / drained.as_secs_f64(),
        drained.as_secs_f64()
    );
    let after = (drained - sending).as_secs_f64();
    if after > 0.05 {
        println!(
            "inbox_drain_per_second={:.0} (after sending stopped: {} in {after:.2}s)",
            (stored - stored_at_end_of_sending) as f64 / after,
            stored - stored_at_end_of_sending
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn count_statuses(db: &mut PgConnection) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from statuses")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Signs every request up front, on every core.
fn prepare(inbox: &url::Url, pairs: &[keys::KeyPairPem], activities: usize) -> Vec<Prepared> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let keys: Vec<Vec<SigningKey>> = (0..ACTORS)
        .map(|index| {
            vec![
                SigningKey::from_pem(
                    format!("{}#main-key", actor_uri(index)),
                    &pairs[index % pairs.len()].private_pem,
                )
                .unwrap(),
            ]
        })
        .collect();
    let keys = Arc::new(keys);
    let now = SystemTime::now();
    let handles: Vec<_> = (0..threads)
        .map(|thread| {
            let (keys, inbox) = (keys.clone(), inbox.clone());
            std::thread::spawn(move || {
                (thread..activities)
                    .step_by(threads)
                    .map(|n| {
                        let actor = n % ACTORS;
                        let uri = actor_uri(actor);
                        let host = uri.split("/users/").next().unwrap().to_owned();
                        let note = format!("{host}/notes/{n}");
                        let activity = serde_json::json!({
                            "@context": "https://www.w3.org/ns/activitystreams",
                            "id": format!("{note}/activity"),
                            "type": "Create",
                            "actor": uri,
                            "to": ["https://www.w3.org/ns/activitystreams#Public"],
                            "object": {
                                "id": note,
                                "type": "Note",
                                "attributedTo": uri,
                                "content": format!("<p>Load note number {n} with a <a href=\"https://example.test/\">link</a></p>"),
                                "published": "2026-11-20T10:00:00Z",
                                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                                "cc": [format!("{uri}/followers")],
                            },
                        });
                        let body = serde_json::to_vec(&activity).unwrap();
                        let mut headers = sign_post(&keys[actor][0], &inbox, &body, now);
                        headers.retain(|(name, _)| name != "host");
                        headers.push((
                            reqwest::header::CONTENT_TYPE,
                            reqwest::header::HeaderValue::from_static("application/activity+json"),
                        ));
                        (n, Prepared { headers, body })
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<(usize, Prepared)> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_by_key(|(n, _)| *n);
    all.into_iter().map(|(_, p)| p).collect()
}
