//! The in-process caches (home timeline heads, rendered statuses and accounts) answer with what
//! the database holds, whichever process changed it: changes written behind the server's back
//! (as another server process would) show in the next read.

use serde_json::Value;

use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

/// The ids of a page of statuses, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn home(app: &TestApp, reader: &TestMember) -> Value {
    let (code, page) = json_of(app.get_with("/api/v1/timelines/home", &reader.token).await).await;
    assert_eq!(code, 200, "{page}");
    page
}

async fn sql(app: &TestApp, statement: &str, id: i64) {
    sqlx::query(sqlx::AssertSqlSafe(statement))
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn changes_made_by_another_process_show_in_the_next_read() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let writer = app.member("writer", "read write").await;
    let path = format!("/api/v1/accounts/{}/follow", writer.account_id);
    assert_eq!(app.post_form(&path, Some(&reader.token), &[]).await.status(), 200);
    let first: i64 = post(&app, &writer, &[("status", "first")]).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let second: i64 = post(&app, &writer, &[("status", "second")]).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let page = home(&app, &reader).await;
    assert_eq!(ids(&page), [second.to_string(), first.to_string()]);
    // Read twice, so that what follows reads kept entries.
    assert_eq!(home(&app, &reader).await, page);

    sql(
        &app,
        "update statuses set content = '<p>changed elsewhere</p>', edited_at = now() where id = $1",
        first,
    )
    .await;
    sql(
        &app,
        "update statuses set favourites_count = 7 where id = $1",
        second,
    )
    .await;
    sql(
        &app,
        "update accounts set display_name = 'Renamed' where id = $1",
        writer.account_id,
    )
    .await;
    let page = home(&app, &reader).await;
    assert_eq!(page[1]["content"], "<p>changed elsewhere</p>");
    assert_eq!(page[0]["favourites_count"], 7);
    assert_eq!(page[0]["account"]["display_name"], "Renamed");

    sql(&app, "delete from statuses where id = $1", second).await;
    assert_eq!(ids(&home(&app, &reader).await), [first.to_string()]);
    let (code, _) = json_of(
        app.get_with(&format!("/api/v1/statuses/{second}"), &reader.token)
            .await,
    )
    .await;
    assert_eq!(code, 404);

    let third: i64 = sqlx::query_scalar(
        "insert into statuses (id, account_id, local, text, content, visibility, conversation_id)
         values (next_id(now()), $1, true, 'third', '<p>third</p>', 'public', 1) returning id",
    )
    .bind(writer.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        ids(&home(&app, &reader).await),
        [third.to_string(), first.to_string()]
    );

    sql(
        &app,
        "delete from follows where account_id = $1",
        reader.account_id,
    )
    .await;
    assert_eq!(home(&app, &reader).await, serde_json::json!([]));
}

#[tokio::test]
async fn a_timed_mute_ends_in_a_cached_home_timeline_too() {
    let app = TestApp::spawn().await;
    let reader = app.member("reader", "read write follow").await;
    let writer = app.member("writer", "read write").await;
    let path = format!("/api/v1/accounts/{}/follow", writer.account_id);
    assert_eq!(app.post_form(&path, Some(&reader.token), &[]).await.status(), 200);
    let id = post(&app, &writer, &[("status", "muted for a moment")]).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/accounts/{}/mute", writer.account_id);
    let response = app
        .post_form(&path, Some(&reader.token), &[("duration", "2")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(home(&app, &reader).await, serde_json::json!([]));
    assert_eq!(home(&app, &reader).await, serde_json::json!([]));
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(ids(&home(&app, &reader).await), [id]);
}
