//! What apps read on their first screen answers from real tables, empty or not.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::json_of;

#[tokio::test]
async fn markers_are_saved_from_forms_and_json_and_read_back() {
    let app = TestApp::spawn().await;
    let member = app.member("mia", "read write").await;
    let (status, empty) = json_of(
        app.get_with(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
            &member.token,
        )
        .await,
    )
    .await;
    assert_eq!((status, empty), (200, json!({})));
    let (status, saved) = json_of(
        app.post_form(
            "/api/v1/markers",
            Some(&member.token),
            &[("home[last_read_id]", "103")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["home"]["last_read_id"], "103");
    assert_eq!(saved["home"]["version"], 0);
    let (_, saved) = json_of(
        app.send_json(
            reqwest::Method::POST,
            "/api/v1/markers",
            Some(&member.token),
            &json!({ "home": { "last_read_id": "104" }, "notifications": { "last_read_id": "7" } }),
        )
        .await,
    )
    .await;
    assert_eq!(saved["home"]["version"], 1);
    let (_, read) = json_of(
        app.get_with(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
            &member.token,
        )
        .await,
    )
    .await;
    assert_eq!(read["home"]["last_read_id"], "104");
    assert_eq!(read["notifications"]["last_read_id"], "7");
    let stored: i64 = sqlx::query_scalar("select count(*) from markers where user_id = $1")
        .bind(member.user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 2);
    let (_, only_home) = json_of(
        app.get_with("/api/v1/markers?timeline[]=home", &member.token)
            .await,
    )
    .await;
    assert!(only_home.get("notifications").is_none());
    let (status, _) = json_of(
        app.post_form(
            "/api/v1/markers",
            Some(&member.token),
            &[("home[last_read_id]", "abc")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn first_screen_lists_are_empty_for_a_new_member() {
    let app = TestApp::spawn().await;
    let member = app.member("neo", "read").await;
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/announcements",
        "/api/v1/lists",
        "/api/v1/followed_tags",
        "/api/v1/follow_requests",
        "/api/v2/filters",
        "/api/v1/filters",
    ] {
        let (status, body) = json_of(app.get_with(path, &member.token).await).await;
        assert_eq!((status, body), (200, json!([])), "{path}");
    }
    // Elk and Ice Cubes read the push subscription at login: none yet is a 404 (and a token
    // without the `push` scope is refused, as Mastodon refuses it).
    assert_eq!(
        app.get_with("/api/v1/push/subscription", &member.token)
            .await
            .status(),
        403
    );
    let pusher = app.member("trinity", "read push").await;
    assert_eq!(
        app.get_with("/api/v1/push/subscription", &pusher.token)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn first_screen_reads_show_what_the_tables_hold() {
    let app = TestApp::spawn().await;
    let member = app.member("ora", "read").await;
    let asker = app.member("pia", "read").await;
    let db = &app.pool;
    sqlx::query("insert into lists (account_id, title) values ($1, 'Friends')")
        .bind(member.account_id)
        .execute(db)
        .await
        .unwrap();
    let tag: i64 = sqlx::query_scalar("insert into tags (name) values ('Rust') returning id")
        .fetch_one(db)
        .await
        .unwrap();
    sqlx::query("insert into tag_follows (account_id, tag_id) values ($1, $2)")
        .bind(member.account_id)
        .bind(tag)
        .execute(db)
        .await
        .unwrap();
    sqlx::query("insert into follow_requests (account_id, target_account_id) values ($1, $2)")
        .bind(asker.account_id)
        .bind(member.account_id)
        .execute(db)
        .await
        .unwrap();
    let filter: i64 = sqlx::query_scalar(
        "insert into filters (account_id, title, context, action) values ($1, 'Spoilers', '{home,public}', 'hide') returning id",
    )
    .bind(member.account_id)
    .fetch_one(db)
    .await
    .unwrap();
    sqlx::query("insert into filter_keywords (filter_id, keyword, whole_word) values ($1, 'finale', false)")
        .bind(filter)
        .execute(db)
        .await
        .unwrap();
    sqlx::query("insert into announcements (text, published) values ('Maintenance tonight', true)")
        .execute(db)
        .await
        .unwrap();
    sqlx::query("insert into announcements (text, published) values ('Draft', false)")
        .execute(db)
        .await
        .unwrap();
    sqlx::query(
        "insert into custom_emojis (shortcode, image_url, static_url) values ('blobcat', 'https://x.test/b.png', 'https://x.test/b.png')",
    )
    .execute(db)
    .await
    .unwrap();

    let (_, lists) = json_of(app.get_with("/api/v1/lists", &member.token).await).await;
    assert_eq!(lists[0]["title"], "Friends");
    assert_eq!(lists[0]["replies_policy"], "list");
    let response = app.get_with("/api/v1/followed_tags", &member.token).await;
    assert!(
        response.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let (_, tags) = json_of(response).await;
    assert_eq!(tags[0]["name"], "Rust");
    assert_eq!(tags[0]["following"], true);
    let (_, requests) = json_of(app.get_with("/api/v1/follow_requests", &member.token).await).await;
    assert_eq!(requests[0]["id"], asker.account_id.to_string());
    let (_, (v2, v1)) = (
        (),
        (
            json_of(app.get_with("/api/v2/filters", &member.token).await)
                .await
                .1,
            json_of(app.get_with("/api/v1/filters", &member.token).await)
                .await
                .1,
        ),
    );
    assert_eq!(v2[0]["filter_action"], "hide");
    assert_eq!(v2[0]["keywords"][0]["keyword"], "finale");
    assert_eq!(v1[0]["phrase"], "finale");
    assert_eq!(v1[0]["irreversible"], true);
    assert_eq!(v1[0]["context"], json!(["home", "public"]));
    let (_, announcements) = json_of(app.get_with("/api/v1/announcements", &member.token).await).await;
    assert_eq!(announcements.as_array().unwrap().len(), 1, "drafts are not shown");
    assert_eq!(announcements[0]["content"], "<p>Maintenance tonight</p>");
    assert_eq!(announcements[0]["read"], false);
    let (_, emojis) = json_of(app.get("/api/v1/custom_emojis").await).await;
    assert_eq!(emojis[0]["shortcode"], "blobcat");
}
