//! Hashtags: `/api/v1/tags/:name`, following and unfollowing them, and a followed tag's public
//! statuses in the home timeline (also when the home timeline was cached before they came).

use serde_json::{Value, json};

use crate::admin_reports::assert_schema;
use crate::caches::ids;
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

async fn home(app: &TestApp, reader: &TestMember, query: &str) -> Vec<String> {
    let path = format!("/api/v1/timelines/home{query}");
    let (code, page) = json_of(app.get_with(&path, &reader.token).await).await;
    assert_eq!(code, 200, "{page}");
    ids(&page)
}

async fn tag_action(app: &TestApp, member: &TestMember, name: &str, action: &str) -> Value {
    let path = format!("/api/v1/tags/{name}/{action}");
    let (code, tag) = json_of(app.post_form(&path, Some(&member.token), &[]).await).await;
    assert_eq!(code, 200, "{tag}");
    assert_schema("Tag", &tag);
    tag
}

async fn id_of(app: &TestApp, member: &TestMember, form: &[(&str, &str)]) -> String {
    post(app, member, form).await["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_followed_hashtags_public_statuses_come_home() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let stranger = app.member("stranger", "read write").await;
    let booster = app.member("booster", "read write").await;

    let tag = tag_action(&app, &reader, "Rust", "follow").await;
    assert_eq!(tag["name"], "Rust");
    assert_eq!(tag["following"], true);
    assert_ne!(tag["id"], "", "following a new name creates the tag");
    // Twice is no error, and the home timeline is read (and kept) before anything comes.
    tag_action(&app, &reader, "rust", "follow").await;
    assert!(home(&app, &reader, "").await.is_empty());
    assert!(home(&app, &reader, "").await.is_empty());

    let public = id_of(&app, &stranger, &[("status", "#rust is neat")]).await;
    id_of(
        &app,
        &stranger,
        &[("status", "quietly #rust"), ("visibility", "unlisted")],
    )
    .await;
    id_of(
        &app,
        &stranger,
        &[("status", "for followers #RUST"), ("visibility", "private")],
    )
    .await;
    id_of(&app, &stranger, &[("status", "no tag here")]).await;
    let path = format!("/api/v1/statuses/{public}/reblog");
    assert_eq!(
        app.post_form(&path, Some(&booster.token), &[]).await.status(),
        200
    );
    assert_eq!(
        home(&app, &reader, "").await,
        vec![public.clone()],
        "only the public original"
    );

    // Muting, and blocking, the author takes it away again.
    let mute = format!("/api/v1/accounts/{}/mute", stranger.account_id);
    assert_eq!(app.post_form(&mute, Some(&reader.token), &[]).await.status(), 200);
    assert!(home(&app, &reader, "").await.is_empty());
    let unmute = format!("/api/v1/accounts/{}/unmute", stranger.account_id);
    assert_eq!(
        app.post_form(&unmute, Some(&reader.token), &[]).await.status(),
        200
    );
    assert_eq!(home(&app, &reader, "").await, vec![public.clone()]);
    let block = format!("/api/v1/accounts/{}/block", reader.account_id);
    assert_eq!(
        app.post_form(&block, Some(&stranger.token), &[]).await.status(),
        200
    );
    assert!(home(&app, &reader, "").await.is_empty(), "blocked by its author");
    let unblock = format!("/api/v1/accounts/{}/unblock", reader.account_id);
    assert_eq!(
        app.post_form(&unblock, Some(&stranger.token), &[]).await.status(),
        200
    );

    // An edit that drops the tag takes it away; one that adds it back brings it again.
    let edit = format!("/api/v1/statuses/{public}");
    let response = app
        .send_form(
            reqwest::Method::PUT,
            &edit,
            Some(&stranger.token),
            &[("status", "neat")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(home(&app, &reader, "").await.is_empty(), "the tag was edited out");
    let response = app
        .send_form(
            reqwest::Method::PUT,
            &edit,
            Some(&stranger.token),
            &[("status", "#Rust again")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(home(&app, &reader, "").await, vec![public.clone()]);

    tag_action(&app, &reader, "rust", "unfollow").await;
    assert!(home(&app, &reader, "").await.is_empty(), "unfollowed");
}

#[tokio::test]
async fn followed_tags_mix_with_follows_and_page_both_ways() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let friend = app.member("friend", "read write").await;
    let stranger = app.member("stranger", "read write").await;
    let follow = format!("/api/v1/accounts/{}/follow", friend.account_id);
    assert_eq!(
        app.post_form(&follow, Some(&reader.token), &[]).await.status(),
        200
    );
    tag_action(&app, &reader, "gardening", "follow").await;
    tag_action(&app, &reader, "cats", "follow").await;

    let mut expected = Vec::new();
    for n in 0..3 {
        expected.push(id_of(&app, &friend, &[("status", &format!("friend {n} #cats"))]).await);
        expected.push(
            id_of(
                &app,
                &stranger,
                &[("status", &format!("stranger {n} #gardening"))],
            )
            .await,
        );
        expected.push(
            id_of(
                &app,
                &stranger,
                &[("status", &format!("stranger {n} #cats #gardening"))],
            )
            .await,
        );
        id_of(&app, &stranger, &[("status", &format!("stranger {n} untagged"))]).await;
    }
    expected.reverse();
    assert_eq!(
        home(&app, &reader, "?limit=40").await,
        expected,
        "each status once, newest first"
    );
    assert_eq!(home(&app, &reader, "?limit=4").await, expected[..4]);
    let older = home(&app, &reader, &format!("?limit=4&max_id={}", expected[3])).await;
    assert_eq!(older, expected[4..8]);
    let newer = home(&app, &reader, &format!("?limit=3&min_id={}", expected[8])).await;
    assert_eq!(newer, expected[5..8], "the page just above min_id");
    let since = home(&app, &reader, &format!("?limit=40&since_id={}", expected[2])).await;
    assert_eq!(since, expected[..2]);
}

#[tokio::test]
async fn a_limited_authors_tagged_statuses_reach_only_their_followers() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let follower = app.member("follower", "read write follow").await;
    let limited = app.member("limited", "read write").await;
    sqlx::query("update accounts set silenced_at = now() where id = $1")
        .bind(limited.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    tag_action(&app, &reader, "news", "follow").await;
    tag_action(&app, &follower, "news", "follow").await;
    let follow = format!("/api/v1/accounts/{}/follow", limited.account_id);
    assert_eq!(
        app.post_form(&follow, Some(&follower.token), &[]).await.status(),
        200
    );
    let id = id_of(&app, &limited, &[("status", "#news from a limited account")]).await;
    assert!(home(&app, &reader, "").await.is_empty());
    assert_eq!(home(&app, &follower, "").await, [id]);
}

#[tokio::test]
async fn a_tag_shows_its_week_and_whether_the_viewer_follows_it() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    id_of(&app, &alice, &[("status", "#Knitting one")]).await;
    id_of(&app, &alice, &[("status", "#knitting two")]).await;
    id_of(&app, &bob, &[("status", "#knitting three")]).await;
    id_of(
        &app,
        &bob,
        &[("status", "#knitting hidden"), ("visibility", "private")],
    )
    .await;

    let (code, tag) = json_of(app.get("/api/v1/tags/knitting").await).await;
    assert_eq!(code, 200, "{tag}");
    assert_schema("Tag", &tag);
    assert_eq!(tag["name"], "Knitting", "as first used");
    assert!(tag["url"].as_str().unwrap().ends_with("/tags/knitting"));
    assert_eq!(tag["following"], Value::Null, "anonymous");
    let history = tag["history"].as_array().unwrap();
    assert_eq!(history.len(), 7);
    let today = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    assert_eq!(
        history[0],
        json!({"day": today.to_string(), "uses": "3", "accounts": "2"})
    );
    assert_eq!(history[1]["day"], (today - 86_400).to_string());
    assert_eq!(history[1]["uses"], "0");

    let (_, tag) = json_of(app.get_with("/api/v1/tags/%23knitting", &reader.token).await).await;
    assert_eq!(tag["following"], false);
    tag_action(&app, &reader, "knitting", "follow").await;
    let (_, tag) = json_of(app.get_with("/api/v1/tags/KNITTING", &reader.token).await).await;
    assert_eq!(tag["following"], true);
    let (_, followed) = json_of(app.get_with("/api/v1/followed_tags", &reader.token).await).await;
    assert_eq!(followed[0]["history"][0]["uses"], "3");
    let (_, found) = json_of(
        app.get_with("/api/v2/search?q=%23knit&type=hashtags", &reader.token)
            .await,
    )
    .await;
    assert_eq!(found["hashtags"][0]["following"], true);
    assert_eq!(found["hashtags"][0]["history"][0]["accounts"], "2");

    // A name nothing has used yet is shown, not created; one that cannot be a tag is 404.
    let (code, unused) = json_of(app.get("/api/v1/tags/neverused").await).await;
    assert_eq!(code, 200);
    assert_schema("Tag", &unused);
    assert_eq!(unused["id"], "");
    assert_eq!(unused["history"].as_array().unwrap().len(), 7);
    let created: i64 = sqlx::query_scalar("select count(*) from tags where lower(name) = 'neverused'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(created, 0);
    for bad in ["1234", "no-dash", "%20"] {
        let (code, body) = json_of(app.get(&format!("/api/v1/tags/{bad}")).await).await;
        assert_eq!(code, 404, "{bad}: {body}");
        let path = format!("/api/v1/tags/{bad}/follow");
        let (code, _) = json_of(app.post_form(&path, Some(&reader.token), &[]).await).await;
        assert_eq!(code, 404, "{bad}");
    }
    let (code, _) = json_of(app.post_form("/api/v1/tags/knitting/follow", None, &[]).await).await;
    assert_eq!(code, 401);
    let read_only = app.member("readonly", "read").await;
    let (code, _) = json_of(
        app.post_form("/api/v1/tags/knitting/follow", Some(&read_only.token), &[])
            .await,
    )
    .await;
    assert_eq!(code, 403);
}
