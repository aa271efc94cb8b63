//! The streaming API with a real WebSocket client and an SSE reader: streams, events, the three
//! ways of passing a token, the timelines' rules, revoked tokens, and an event made through
//! another server process on the same database.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{TestApp, TestMember, json_of};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) fn ws_url(app: &TestApp, query: &str) -> String {
    format!(
        "{}/api/v1/streaming?{query}",
        app.base_url.replace("http://", "ws://")
    )
}

pub(crate) async fn connect(app: &TestApp, query: &str, token: &str) -> Socket {
    let mut request = ws_url(app, query).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connected");
    assert_eq!(response.status(), 101);
    socket
}

/// The next event frame (pings and pongs skipped), or None after `wait`.
pub(crate) async fn next_event(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(tokio::time::Instant::now())?;
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => return None,
            Ok(None) => return None,
            Ok(Some(Ok(Message::Text(text)))) => return Some(serde_json::from_str(&text).unwrap()),
            Ok(Some(Ok(Message::Close(_)))) => return Some(json!({"closed": true})),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) => return Some(json!({"closed": true})),
        }
    }
}

/// Events until `wait` passes with none.
pub(crate) async fn drain(socket: &mut Socket, wait: Duration) -> Vec<Value> {
    let mut events = Vec::new();
    while let Some(event) = next_event(socket, wait).await {
        events.push(event);
    }
    events
}

pub(crate) fn payload(event: &Value) -> Value {
    serde_json::from_str(event["payload"].as_str().unwrap()).unwrap_or(Value::Null)
}

const SOON: Duration = Duration::from_secs(3);

async fn post(app: &TestApp, member: &TestMember, fields: &[(&str, &str)]) -> Value {
    let (status, body) = json_of(
        app.post_form("/api/v1/statuses", Some(&member.token), fields)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn follow(app: &TestApp, follower: &TestMember, target: &TestMember) {
    let response = app
        .post_form(
            &format!("/api/v1/accounts/{}/follow", target.account_id),
            Some(&follower.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_follower_receives_posts_edits_deletions_and_notifications_live() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    follow(&app, &bob, &alice).await;
    let mut socket = connect(&app, "stream=user", &bob.token).await;

    let posted = post(
        &app,
        &alice,
        &[("status", "live from alice"), ("visibility", "private")],
    )
    .await;
    let id = posted["id"].as_str().unwrap();
    let event = next_event(&mut socket, SOON).await.expect("an update");
    assert_eq!(event["event"], "update", "{event}");
    assert_eq!(event["stream"], json!(["user"]));
    let status = payload(&event);
    assert_eq!(status["id"], id);
    assert_eq!(status["content"], "<p>live from alice</p>");
    assert_eq!(status["account"]["username"], "alice");

    let response = app
        .send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &[("status", "edited live")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let event = next_event(&mut socket, SOON).await.expect("an edit");
    assert_eq!(event["event"], "status.update", "{event}");
    assert_eq!(payload(&event)["content"], "<p>edited live</p>");

    // Alice favourites bob's post: bob hears of it on the same stream.
    let bobs = post(&app, &bob, &[("status", "bob's own")]).await;
    let own = next_event(&mut socket, SOON).await.expect("his own post at home");
    assert_eq!(own["event"], "update");
    app.post_form(
        &format!("/api/v1/statuses/{}/favourite", bobs["id"].as_str().unwrap()),
        Some(&alice.token),
        &[],
    )
    .await;
    let event = next_event(&mut socket, SOON).await.expect("a notification");
    assert_eq!(event["event"], "notification", "{event}");
    assert_eq!(payload(&event)["type"], "favourite");
    assert_eq!(payload(&event)["account"]["username"], "alice");

    app.send_form(
        reqwest::Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        Some(&alice.token),
        &[],
    )
    .await;
    let event = next_event(&mut socket, SOON).await.expect("a deletion");
    assert_eq!(event["event"], "delete", "{event}");
    assert_eq!(event["payload"], id, "the payload is the id itself");

    // Bob adds a filter: his streams hear of it, and what it matches arrives marked (warn) or
    // not at all (hide).
    let (status, filter) = json_of(
        app.post_form(
            "/api/v2/filters",
            Some(&bob.token),
            &[
                ("title", "spoilers"),
                ("context[]", "home"),
                ("filter_action", "warn"),
                ("keywords_attributes[][keyword]", "finale"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{filter}");
    let event = next_event(&mut socket, SOON).await.expect("filters_changed");
    assert_eq!(event["event"], "filters_changed", "{event}");
    post(&app, &alice, &[("status", "the finale was wild")]).await;
    let event = next_event(&mut socket, SOON).await.expect("the filtered post");
    assert_eq!(
        payload(&event)["filtered"][0]["filter"]["title"],
        "spoilers",
        "{event}"
    );
    let hide = json_of(
        app.post_form(
            "/api/v2/filters",
            Some(&bob.token),
            &[
                ("title", "never"),
                ("context[]", "home"),
                ("filter_action", "hide"),
                ("keywords_attributes[][keyword]", "crypto"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(hide.0, 200);
    drain(&mut socket, Duration::from_millis(500)).await;
    post(&app, &alice, &[("status", "buy crypto now")]).await;
    let events = drain(&mut socket, Duration::from_secs(1)).await;
    assert!(events.is_empty(), "a hide filter drops it: {events:?}");
}

#[tokio::test]
async fn streams_keep_to_the_timelines_rules() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    follow(&app, &bob, &alice).await;
    let mut bob_home = connect(&app, "stream=user", &bob.token).await;
    let mut carol_home = connect(&app, "stream=user", &carol.token).await;
    let mut carol_public = connect(&app, "stream=public:local", &carol.token).await;
    let mut anonymous = {
        let (socket, _) = tokio_tungstenite::connect_async(ws_url(&app, "stream=public"))
            .await
            .unwrap();
        socket
    };

    post(
        &app,
        &alice,
        &[("status", "followers only"), ("visibility", "private")],
    )
    .await;
    post(
        &app,
        &alice,
        &[("status", "unlisted one"), ("visibility", "unlisted")],
    )
    .await;
    post(
        &app,
        &alice,
        &[("status", "@bob a secret"), ("visibility", "direct")],
    )
    .await;
    post(
        &app,
        &alice,
        &[("status", "for all #streamtag"), ("visibility", "public")],
    )
    .await;
    let bob_saw: Vec<String> = drain(&mut bob_home, SOON)
        .await
        .iter()
        .filter(|e| e["event"] == "update")
        .map(|e| payload(e)["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(bob_saw.len(), 4, "{bob_saw:?}");
    let carol_saw = drain(&mut carol_home, Duration::from_millis(300)).await;
    assert!(carol_saw.is_empty(), "carol follows nobody: {carol_saw:?}");
    let public: Vec<Value> = drain(&mut carol_public, Duration::from_millis(300)).await;
    assert_eq!(public.len(), 1, "only the public post: {public:?}");
    assert!(
        payload(&public[0])["content"]
            .as_str()
            .unwrap()
            .contains("for all")
    );
    let anonymous_saw = drain(&mut anonymous, Duration::from_millis(300)).await;
    assert_eq!(anonymous_saw.len(), 1, "{anonymous_saw:?}");

    // Carol blocks alice: alice's public posts no longer reach her public stream.
    app.post_form(
        &format!("/api/v1/accounts/{}/block", alice.account_id),
        Some(&carol.token),
        &[],
    )
    .await;
    post(
        &app,
        &alice,
        &[("status", "after the block"), ("visibility", "public")],
    )
    .await;
    assert!(
        drain(&mut carol_public, SOON).await.is_empty(),
        "a blocked author is not streamed"
    );

    // A hashtag subscription made by message, then dropped.
    let mut socket = connect(&app, "", &bob.token).await;
    socket
        .send(Message::Text(
            json!({"type": "subscribe", "stream": "hashtag", "tag": "streamtag"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    post(&app, &alice, &[("status", "again #StreamTag")]).await;
    let event = next_event(&mut socket, SOON).await.expect("the tagged post");
    assert_eq!(event["stream"], json!(["hashtag", "streamtag"]), "{event}");
    socket
        .send(Message::Text(
            json!({"type": "unsubscribe", "stream": "hashtag", "tag": "streamtag"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    post(&app, &alice, &[("status", "once more #streamtag")]).await;
    assert!(drain(&mut socket, Duration::from_millis(800)).await.is_empty());

    // Unknown streams and member streams without a member are refused.
    socket
        .send(Message::Text(
            json!({"type": "subscribe", "stream": "nonsense"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let error = next_event(&mut socket, SOON).await.unwrap();
    assert_eq!(error["error"], "Unknown stream type");
    let refused = tokio_tungstenite::connect_async(ws_url(&app, "stream=user")).await;
    assert!(refused.is_err(), "the user stream needs a token");
}

#[tokio::test]
async fn tokens_come_three_ways_and_a_revoked_one_is_disconnected() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read").await;

    // As the protocol, echoed back (browsers close a socket whose protocol is not).
    let mut request = ws_url(&app, "stream=public").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", bob.token.parse().unwrap());
    let (mut by_protocol, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], bob.token.as_str());
    // As the access_token parameter.
    let (mut by_query, _) = tokio_tungstenite::connect_async(ws_url(
        &app,
        &format!("stream=user:notification&access_token={}", bob.token),
    ))
    .await
    .unwrap();
    let bad = tokio_tungstenite::connect_async(ws_url(&app, "stream=public&access_token=wrong")).await;
    assert!(bad.is_err(), "an invalid token is refused before the upgrade");

    post(&app, &alice, &[("status", "@bob hello")]).await;
    let event = next_event(&mut by_protocol, SOON).await.unwrap();
    assert_eq!(event["event"], "update");
    let event = next_event(&mut by_query, SOON).await.unwrap();
    assert_eq!(event["event"], "notification");
    assert_eq!(event["stream"], json!(["user:notification"]));

    sqlx::query("update oauth_access_tokens set revoked_at = now() where user_id = $1")
        .bind(bob.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let closed = next_event(&mut by_protocol, Duration::from_secs(12)).await;
    assert_eq!(
        closed,
        Some(json!({"closed": true})),
        "the revoked token's socket is closed"
    );
}

#[tokio::test]
async fn server_sent_events_carry_the_same_streams() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read").await;
    let health = app.get("/api/v1/streaming/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "OK");
    let refused = app.get("/api/v1/streaming/user").await;
    assert_eq!(refused.status(), 401);
    let (status, body) = json_of(app.get("/api/v1/streaming/nothing").await).await;
    assert_eq!(status, 400, "{body}");

    let mut response = app
        .client
        .get(format!("{}/api/v1/streaming/public/local", app.base_url))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    post(&app, &alice, &[("status", "over SSE")]).await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + SOON;
    while !text.contains("\n\n") || !text.contains("event: update") {
        let left = deadline
            .checked_duration_since(tokio::time::Instant::now())
            .expect("an event in time");
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("in time")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: update"), "{text}");
    assert!(text.contains("over SSE"), "{text}");
}

#[tokio::test]
async fn a_post_made_through_another_process_reaches_this_ones_clients() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write follow").await;
    follow(&app, &bob, &alice).await;
    // A second server process: its own state (caches, log reader, connections) over the same
    // database, as `serve --role web` on another machine would be.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_base = format!("http://{}", listener.local_addr().unwrap());
    let other = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    tokio::spawn(ferrodon::app::serve(listener, other, std::future::pending()));

    let mut socket = connect(&app, "stream=user", &bob.token).await;
    let response = app
        .client
        .post(format!("{other_base}/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .form(&[("status", "posted elsewhere")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let event = next_event(&mut socket, SOON)
        .await
        .expect("the post, from the other process");
    assert_eq!(payload(&event)["content"], "<p>posted elsewhere</p>");

    let (status, instance) = json_of(app.get("/api/v2/instance").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        instance["configuration"]["urls"]["streaming"],
        format!("ws://{}", app.config.server.domain),
        "streaming is advertised now that it is served"
    );
}

#[tokio::test]
async fn a_stopping_process_closes_its_streams_as_going_away() {
    let app = TestApp::spawn().await;
    let bob = app.member("bob", "read").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let other = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ferrodon::app::serve(listener, other, async move {
        let _ = stopped.await;
    }));

    let mut request = format!("ws://{address}/api/v1/streaming?stream=user")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {}", bob.token).parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let events = app
        .client
        .get(format!("http://{address}/api/v1/streaming/user"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);

    stop.send(()).unwrap();
    let close = tokio::time::timeout(SOON, async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Close(frame)) = message {
                return frame;
            }
        }
        None
    })
    .await
    .expect("a close frame before the process ends")
    .expect("a close frame with a code");
    assert_eq!(u16::from(close.code), 1001, "going away: {close:?}");
    // The event stream ends too, so the process stops without waiting out its grace period.
    tokio::time::timeout(SOON, events.bytes())
        .await
        .expect("the event stream ended")
        .unwrap();
    tokio::time::timeout(SOON, server)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn list_media_and_local_hashtag_streams_carry_only_what_they_name() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    follow(&app, &bob, &alice).await;
    let (status, list) = json_of(
        app.post_form("/api/v1/lists", Some(&bob.token), &[("title", "Friends")])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let list_id = list["id"].as_str().unwrap().to_owned();
    let response = app
        .post_form(
            &format!("/api/v1/lists/{list_id}/accounts"),
            Some(&bob.token),
            &[("account_ids[]", &alice.account_id.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200);

    let mut bob_list = connect(&app, &format!("stream=list&list={list_id}"), &bob.token).await;
    let mut carol_media = connect(&app, "stream=public:media", &carol.token).await;
    let mut carol_local_tag = connect(&app, "stream=hashtag:local&tag=cats", &carol.token).await;
    // Someone else's list is not to be watched.
    let refused = tokio_tungstenite::connect_async({
        let mut request = ws_url(&app, &format!("stream=list&list={list_id}"))
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", carol.token).parse().unwrap(),
        );
        request
    })
    .await;
    assert!(refused.is_err(), "carol cannot watch bob's list");

    post(&app, &alice, &[("status", "words only #cats")]).await;
    let (status, media) = crate::media::upload_to(
        &app,
        "/api/v2/media",
        &alice.token,
        crate::media::png(8, 8),
        "image/png",
        &[],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    post(
        &app,
        &alice,
        &[
            ("status", "with a picture"),
            ("media_ids[]", media["id"].as_str().unwrap()),
        ],
    )
    .await;
    post(&app, &carol, &[("status", "carol's own, not on the list")]).await;

    let contents = |events: Vec<Value>| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["event"] == "update")
            .map(|e| payload(e)["content"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let on_list = drain(&mut bob_list, SOON).await;
    assert!(
        on_list
            .iter()
            .all(|e| e["stream"] == json!(["list", list_id.as_str()])),
        "{on_list:?}"
    );
    let on_list = contents(on_list);
    assert_eq!(on_list.len(), 2, "alice's two, not carol's: {on_list:?}");
    let with_media = contents(drain(&mut carol_media, Duration::from_millis(500)).await);
    assert_eq!(
        with_media,
        vec!["<p>with a picture</p>".to_owned()],
        "only the one with media"
    );
    let tagged = contents(drain(&mut carol_local_tag, Duration::from_millis(500)).await);
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    assert!(tagged[0].contains("words only"));
}
