//! Web Push throughput: notifications pushed through the durable job queue to a push service on
//! loopback, per second, set against what one push costs in cryptography alone (an ephemeral
//! P-256 key, ECDH, HKDF and AES-GCM for the payload, an ES256 signature for VAPID).
//!
//! `scripts/bench push_load`. Settings, by environment:
//! - `FERRODON_BENCH_SUBSCRIPTIONS`: subscriptions (tokens) of the notified member (1,000);
//! - `FERRODON_BENCH_NOTIFICATIONS`: notifications, each pushed to every subscription (5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ferrodon::actions::accounts::{Creator, NewAccount, Role, create_local};
use ferrodon::mastodon::scopes::Scopes;

use support::percentile;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let subscriptions = env_number("FERRODON_BENCH_SUBSCRIPTIONS", 1000);
    let notifications = env_number("FERRODON_BENCH_NOTIFICATIONS", 5);
    ferrodon::push::crypto::install();

    // The cryptography alone, one push at a time, on one core.
    let (device, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    let device_public = device.pub_as_raw().unwrap();
    let payload = vec![b'x'; 300];
    let rounds = 2000;
    let mut seal_ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        ece::encrypt(&device_public, &auth, &payload).unwrap();
        seal_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let bench_db = support::start_database("ferrodon-bench-push-").await;
    let pool = sqlx::PgPool::connect(&bench_db.url).await.unwrap();
    let vapid = ferrodon::push::vapid::VapidKey::load_or_create(&pool)
        .await
        .unwrap();
    let endpoint = url::Url::parse("https://push.example/x").unwrap();
    let mut sign_ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        vapid.token(&endpoint, "mailto:bench@example.com").unwrap();
        sign_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let seal = percentile(&mut seal_ms, 50.0);
    let sign = percentile(&mut sign_ms, 50.0);
    let ceiling = 1000.0 / (seal + sign);
    println!(
        "one push's cryptography (median of {rounds}): encrypt {seal:.3} ms + VAPID sign {sign:.3} ms \
         = {:.3} ms: at most {ceiling:.0} pushes/s per core",
        seal + sign
    );

    // A push service that answers 201 and counts.
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink = format!("http://{}/push", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            axum::http::StatusCode::CREATED
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut config = ferrodon::config::Config::default();
    config.database.url = bench_db.url.clone();
    config.federation.allow_private_addresses = true;
    let state = ferrodon::app::AppState::new(config, pool.clone()).unwrap();
    let make = |username: &'static str| NewAccount {
        username,
        email: "",
        password: "correct horse battery staple",
        role: Role::User,
        approved: true,
        creator: Creator::Operator,
        locale: "en",
        reason: None,
    };
    let mut member = make("member");
    let member_email = "member@example.com".to_owned();
    member.email = &member_email;
    let member = create_local(&pool, member).await.unwrap();
    let mut sender = make("sender");
    let sender_email = "sender@example.com".to_owned();
    sender.email = &sender_email;
    let sender = create_local(&pool, sender).await.unwrap();
    let scopes = Scopes::parse("read push").unwrap();
    let (app, _) = ferrodon::actions::oauth::register_application(
        &pool,
        "bench",
        None,
        &["urn:ietf:wg:oauth:2.0:oob".to_owned()],
        &scopes,
    )
    .await
    .unwrap();
    let alerts = vec!["mention".to_owned()];
    let p256dh = URL_SAFE_NO_PAD.encode(&device_public);
    let auth_text = URL_SAFE_NO_PAD.encode(auth);
    for n in 0..subscriptions {
        let token = ferrodon::actions::oauth::issue_token(&pool, app.id, Some(member.user_id), &scopes)
            .await
            .unwrap();
        let token_id: i64 = sqlx::query_scalar("select max(id) from oauth_access_tokens")
            .fetch_one(&pool)
            .await
            .unwrap();
        ferrodon::actions::push_subscriptions::subscribe(
            &state,
            &ferrodon::actions::push_subscriptions::Subscribe {
                access_token_id: token_id,
                account_id: member.account_id,
                access_token: &token.access_token,
                endpoint: &format!("{sink}/{n}"),
                p256dh: &p256dh,
                auth: &auth_text,
                standard: n % 2 == 0,
                alerts: alerts.clone(),
                policy: Some("all"),
            },
        )
        .await
        .unwrap();
    }
    for _ in 0..notifications {
        ferrodon::db::notifications::insert(&pool, member.account_id, sender.account_id, "mention", None)
            .await
            .unwrap();
    }
    let queued: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'web_push'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    ferrodon::jobs::run_pending_jobs(&state).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let sent = received.load(Ordering::Relaxed);
    let rate = sent as f64 / seconds;
    println!(
        "queue: {queued} push jobs ({subscriptions} subscriptions x {notifications} notifications, \
         half aes128gcm, half aesgcm): {sent} received in {seconds:.2} s = {rate:.0} pushes/s, \
         {:.0}% of the one-core cryptography ceiling",
        100.0 * rate / ceiling
    );
    drop(state);
    pool.close().await;
}
