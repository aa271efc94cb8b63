//! Throughput of HTTP signatures with RSA-2048: signing a POST (the cost of every delivery) on
//! one thread and on every core, and checking an incoming signed POST on one thread.
//! Prints a figure a line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use axum::http::{HeaderMap, Method};
use ferrodon::federation::keys;
use ferrodon::federation::signatures::{self, SigningKey};

const RUN: Duration = Duration::from_secs(2);
const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","id":"https://local.test/users/alice/statuses/1/activity","type":"Create","actor":"https://local.test/users/alice","object":{"id":"https://local.test/users/alice/statuses/1","type":"Note","content":"<p>Hello, fediverse</p>"}}"#;

fn main() {
    let pair = keys::generate().unwrap();
    let key = SigningKey::from_pem("https://local.test/users/alice#main-key", &pair.private_pem).unwrap();
    let url = url::Url::parse("https://remote.test/inbox").unwrap();

    let signs = sign_for(&key, &url, RUN);
    println!(
        "rsa2048_sign_post_per_s threads=1 {:.0}",
        signs as f64 / RUN.as_secs_f64()
    );

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| scope.spawn(|| sign_for(&key, &url, RUN)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    println!(
        "rsa2048_sign_post_per_s threads={cores} {:.0}",
        total as f64 / RUN.as_secs_f64()
    );

    let now = SystemTime::now();
    let headers: HeaderMap = signatures::sign_post(&key, &url, BODY, now).into_iter().collect();
    let started = Instant::now();
    let mut verified = 0u64;
    while started.elapsed() < RUN {
        let pending = signatures::parse_request(&Method::POST, "/inbox", &headers, BODY, now).unwrap();
        pending.verify(&pair.public_pem).unwrap();
        verified += 1;
    }
    println!(
        "rsa2048_parse_and_verify_per_s threads=1 {:.0}",
        verified as f64 / started.elapsed().as_secs_f64()
    );
}

fn sign_for(key: &SigningKey, url: &url::Url, run: Duration) -> u64 {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < run {
        let headers = signatures::sign_post(key, url, BODY, SystemTime::now());
        std::hint::black_box(headers);
        count += 1;
    }
    count
}
