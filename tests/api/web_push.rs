//! Web Push: subscriptions per token, pushes encrypted (both encodings) and signed (VAPID) to a
//! push service on loopback that decrypts them, alerts and policy, mutes and filters, retries,
//! removal on 410, and endpoints the address guard refuses.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::helpers::{TestApp, TestMember, json_of};
use crate::push_service::{Device, PushService, device, open};
use crate::statuses::post;

async fn subscribe(
    app: &TestApp,
    member: &TestMember,
    endpoint: &str,
    device: &Device,
    standard: bool,
    alerts: &[&str],
    policy: &str,
) -> (u16, Value) {
    let standard = standard.to_string();
    let mut form: Vec<(String, String)> = vec![
        ("subscription[endpoint]".into(), endpoint.into()),
        ("subscription[keys][p256dh]".into(), device.public.clone()),
        ("subscription[keys][auth]".into(), device.auth.clone()),
        ("subscription[standard]".into(), standard),
        ("data[policy]".into(), policy.into()),
    ];
    for alert in alerts {
        form.push((format!("data[alerts][{alert}]"), "true".into()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    json_of(
        app.post_form("/api/v1/push/subscription", Some(&member.token), &form)
            .await,
    )
    .await
}

async fn push_app() -> TestApp {
    TestApp::spawn_with(|config| config.federation.allow_private_addresses = true).await
}

#[tokio::test]
async fn a_subscription_belongs_to_its_token_and_names_the_servers_key() {
    let app = push_app().await;
    let service = PushService::start().await;
    let alice = app.member("alice", "read write push").await;
    let reader = app.member("reader", "read").await;
    let phone = device();
    let endpoint = service.url("/push/alice");
    let (code, body) = subscribe(
        &app,
        &alice,
        &endpoint,
        &phone,
        true,
        &["mention", "follow"],
        "all",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    crate::admin_reports::assert_schema("WebPushSubscription", &body);
    assert_eq!(body["endpoint"], endpoint);
    assert_eq!(body["standard"], true);
    assert_eq!(body["alerts"]["mention"], true);
    assert_eq!(body["alerts"]["favourite"], false);
    assert_eq!(body["policy"], "all");
    let server_key = body["server_key"].as_str().unwrap().to_owned();
    assert_eq!(URL_SAFE_NO_PAD.decode(&server_key).unwrap().len(), 65);
    let (_, instance) = json_of(app.get("/api/v2/instance").await).await;
    assert_eq!(instance["configuration"]["vapid"]["public_key"], server_key);
    let (_, verified) = json_of(
        app.get_with("/api/v1/apps/verify_credentials", &alice.token)
            .await,
    )
    .await;
    assert_eq!(verified["vapid_key"], server_key);

    let (code, got) = json_of(app.get_with("/api/v1/push/subscription", &alice.token).await).await;
    assert_eq!((code, &got["id"]), (200, &body["id"]));
    let (code, changed) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            "/api/v1/push/subscription",
            Some(&alice.token),
            &[
                ("data[alerts][favourite]", "true"),
                ("data[alerts][follow]", "false"),
                ("data[policy]", "followed"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{changed}");
    assert_eq!(changed["alerts"]["favourite"], true);
    assert_eq!(changed["alerts"]["follow"], false);
    assert_eq!(changed["alerts"]["mention"], true);
    assert_eq!(changed["policy"], "followed");

    // Without the push scope, no access; bad keys and policies are refused with a reason.
    let (code, _) = json_of(app.get_with("/api/v1/push/subscription", &reader.token).await).await;
    assert_eq!(code, 403);
    let mut broken = device();
    broken.public = "AAAA".into();
    let (code, error) = subscribe(&app, &alice, &endpoint, &broken, true, &[], "all").await;
    assert_eq!(code, 422, "{error}");
    assert!(error["error"].as_str().unwrap().contains("p256dh"));
    let (code, _) = subscribe(&app, &alice, &endpoint, &phone, true, &[], "everyone").await;
    assert_eq!(code, 422);
    let (code, _) = subscribe(&app, &alice, "ftp://push.example/x", &phone, true, &[], "all").await;
    assert_eq!(code, 422);

    // Deleting ends it; so does revoking the token.
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::DELETE,
            "/api/v1/push/subscription",
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    let (code, _) = json_of(app.get_with("/api/v1/push/subscription", &alice.token).await).await;
    assert_eq!(code, 404);
    let (code, _) = subscribe(&app, &alice, &endpoint, &phone, true, &["mention"], "all").await;
    assert_eq!(code, 200);
    sqlx::query("update oauth_access_tokens set revoked_at = now() where user_id = $1")
        .bind(alice.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("select count(*) from push_subscriptions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "a revoked token's subscription goes with it");
}

#[tokio::test]
async fn an_endpoint_on_a_private_address_is_refused_unless_allowed() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write push").await;
    let (code, error) = subscribe(
        &app,
        &alice,
        "http://127.0.0.1:9/push",
        &device(),
        true,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 422, "{error}");
    assert!(error["error"].as_str().unwrap().contains("Endpoint"), "{error}");
    let (code, _) = subscribe(
        &app,
        &alice,
        "http://10.0.0.8/push",
        &device(),
        false,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 422);
}

#[tokio::test]
async fn pushes_arrive_encrypted_and_signed_as_alerts_policy_mutes_and_filters_allow() {
    let app = push_app().await;
    let service = PushService::start().await;
    let alice = app.member("alice", "read write follow push").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    let phone = device();
    let tablet = device();
    let (code, body) = subscribe(
        &app,
        &alice,
        &service.url("/push/phone"),
        &phone,
        true,
        &["mention", "favourite"],
        "all",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let server_key = body["server_key"].as_str().unwrap().to_owned();
    // A second app of Alice's, on the legacy encoding, mentions only.
    let second = ferrodon::actions::oauth::issue_token(
        &app.pool,
        sqlx::query_scalar::<_, i64>("select application_id from oauth_access_tokens where user_id = $1")
            .bind(alice.user_id)
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        Some(alice.user_id),
        &ferrodon::mastodon::scopes::Scopes::parse("read push").unwrap(),
    )
    .await
    .unwrap();
    let alice_tablet = TestMember {
        username: "alice".into(),
        account_id: alice.account_id,
        user_id: alice.user_id,
        token: second.access_token.clone(),
    };
    let (code, body) = subscribe(
        &app,
        &alice_tablet,
        &service.url("/push/tablet"),
        &tablet,
        false,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let origin = service.base.clone();

    // A mention reaches both devices, each in its encoding, with Mastodon's payload.
    post(&app, &bob, &[("status", "hello @alice")]).await;
    app.run_jobs().await;
    let phone_pushes = service.received("/push/phone");
    let tablet_pushes = service.received("/push/tablet");
    assert_eq!((phone_pushes.len(), tablet_pushes.len()), (1, 1));
    let payload = open(&phone_pushes[0], &phone, &server_key, &origin);
    assert_eq!(payload["notification_type"], "mention");
    assert_eq!(payload["access_token"], alice.token);
    assert_eq!(payload["preferred_locale"], "en");
    assert_eq!(payload["title"], "bob mentioned you");
    assert!(payload["body"].as_str().unwrap().contains("hello"), "{payload}");
    assert!(payload["icon"].as_str().unwrap().starts_with("http"));
    let (_, listed) = json_of(app.get_with("/api/v1/notifications", &alice.token).await).await;
    assert_eq!(payload["notification_id"], listed[0]["id"]);
    let legacy = open(&tablet_pushes[0], &tablet, &server_key, &origin);
    assert_eq!(legacy["notification_type"], "mention");
    assert_eq!(legacy["access_token"], second.access_token);

    // A favourite: only the phone asked for those. A follow: nobody did.
    let own = post(&app, &alice, &[("status", "my post")]).await;
    let path = format!("/api/v1/statuses/{}/favourite", own["id"].as_str().unwrap());
    assert_eq!(app.post_form(&path, Some(&bob.token), &[]).await.status(), 200);
    let follow = format!("/api/v1/accounts/{}/follow", alice.account_id);
    assert_eq!(
        app.post_form(&follow, Some(&carol.token), &[]).await.status(),
        200
    );
    app.run_jobs().await;
    let phone_pushes = service.received("/push/phone");
    assert_eq!(phone_pushes.len(), 2);
    assert_eq!(service.received("/push/tablet").len(), 1);
    let favourite = open(&phone_pushes[1], &phone, &server_key, &origin);
    assert_eq!(favourite["notification_type"], "favourite");
    assert!(
        phone_pushes[1].headers.get("topic").is_some(),
        "grouped kinds carry a topic"
    );

    // Muted senders and filtered words do not push (the notification itself may stay).
    let mute = format!("/api/v1/accounts/{}/mute", carol.account_id);
    let (code, _) = json_of(
        app.post_form(&mute, Some(&alice.token), &[("notifications", "false")])
            .await,
    )
    .await;
    assert_eq!(code, 200);
    post(&app, &carol, &[("status", "@alice muted hello")]).await;
    let (code, _) = json_of(
        app.post_form(
            "/api/v2/filters",
            Some(&alice.token),
            &[
                ("title", "spoilers"),
                ("context[]", "notifications"),
                ("filter_action", "warn"),
                ("keywords_attributes[][keyword]", "finale"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    post(&app, &bob, &[("status", "@alice the finale was wild")]).await;
    app.run_jobs().await;
    assert_eq!(
        service.received("/push/phone").len(),
        2,
        "mute and filter hold the pushes back"
    );

    // Policy `followed`: Bob is not followed, so his mentions stop; once followed, they come.
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            "/api/v1/push/subscription",
            Some(&alice.token),
            &[("data[policy]", "followed")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    post(&app, &bob, &[("status", "@alice are you there")]).await;
    app.run_jobs().await;
    assert_eq!(service.received("/push/phone").len(), 2);
    let follow_bob = format!("/api/v1/accounts/{}/follow", bob.account_id);
    assert_eq!(
        app.post_form(&follow_bob, Some(&alice.token), &[]).await.status(),
        200
    );
    post(&app, &bob, &[("status", "@alice now you follow me")]).await;
    app.run_jobs().await;
    let phone_pushes = service.received("/push/phone");
    assert_eq!(phone_pushes.len(), 3);
    let last = open(&phone_pushes[2], &phone, &server_key, &origin);
    assert!(last["body"].as_str().unwrap().contains("now you follow me"));
}

async fn jobs_of_kind(app: &TestApp) -> Vec<(i32, Option<String>, bool)> {
    sqlx::query_as::<_, (i32, Option<String>, bool)>(
        "select attempts, last_error, run_at > now() from jobs where kind = 'web_push' order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_busy_service_is_retried_when_it_asks_a_gone_subscription_is_removed_a_refusal_given_up() {
    let app = push_app().await;
    let service = PushService::start().await;
    let alice = app.member("alice", "read write push").await;
    let bob = app.member("bob", "read write").await;
    let (code, _) = subscribe(
        &app,
        &alice,
        &service.url("/busy"),
        &device(),
        true,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 200);
    service.answer("/busy", 503, Some("120"));
    post(&app, &bob, &[("status", "@alice one")]).await;
    app.run_jobs().await;
    let jobs = jobs_of_kind(&app).await;
    assert_eq!(jobs.len(), 1, "kept for a retry");
    assert_eq!(jobs[0].0, 1);
    assert!(jobs[0].2, "not before the service said");
    assert!(jobs[0].1.as_deref().unwrap().contains("503"));
    // When due again, it goes through.
    sqlx::query("update jobs set run_at = now() where kind = 'web_push'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.run_jobs().await;
    assert!(jobs_of_kind(&app).await.is_empty());
    assert_eq!(service.received("/busy").len(), 2);

    // 410: the subscription is gone.
    let (code, _) = subscribe(
        &app,
        &alice,
        &service.url("/gone"),
        &device(),
        true,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 200);
    service.answer("/gone", 410, None);
    post(&app, &bob, &[("status", "@alice two")]).await;
    app.run_jobs().await;
    assert!(jobs_of_kind(&app).await.is_empty());
    let left: i64 = sqlx::query_scalar("select count(*) from push_subscriptions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);

    // Another 4xx: given up at once, with the reason kept.
    let (code, _) = subscribe(
        &app,
        &alice,
        &service.url("/refuses"),
        &device(),
        true,
        &["mention"],
        "all",
    )
    .await;
    assert_eq!(code, 200);
    service.answer("/refuses", 400, None);
    post(&app, &bob, &[("status", "@alice three")]).await;
    app.run_jobs().await;
    let given_up: Vec<(Option<String>, bool)> =
        sqlx::query_as("select last_error, given_up_at is not null from jobs where kind = 'web_push'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(given_up.len(), 1, "kept with its reason");
    assert!(given_up[0].1, "given up");
    assert!(given_up[0].0.as_deref().unwrap().contains("400"));
    sqlx::query("update jobs set run_at = now() where kind = 'web_push'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.run_jobs().await;
    assert_eq!(service.received("/refuses").len(), 1, "not retried");
}
