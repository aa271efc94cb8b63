//! Announcements end to end: the staff write and publish one on the admin page, members' open
//! apps hear of it live, members react and dismiss through the API, withdrawing it tells them.

use std::time::Duration;

use crate::admin_pages::signed_in;
use crate::helpers::{TestApp, TestBrowser, json_of};
use crate::streaming::{connect, next_event, payload};

const SOON: Duration = Duration::from_secs(3);

/// The next frame that is an announcement event (anything else skipped).
async fn next_announcement_event(socket: &mut crate::streaming::Socket) -> serde_json::Value {
    loop {
        let event = next_event(socket, SOON).await.expect("an announcement event");
        if event["event"]
            .as_str()
            .unwrap_or_default()
            .starts_with("announcement")
        {
            return event;
        }
    }
}

#[tokio::test]
async fn staff_publish_members_react_and_dismiss_and_open_apps_hear_of_it() {
    let app = TestApp::spawn().await;
    let member = app.member("mia", "read write").await;
    let mut socket = connect(&app, "stream=user", &member.token).await;
    let mut admin = signed_in(&app, "ada", "admin").await;

    let (status, _, page) = admin.get("/admin/announcements").await;
    assert_eq!(status, 200);
    assert!(page.contains("No announcements yet."), "{page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    // A bad form says what is wrong and keeps the text.
    let (status, _, page) = admin
        .post(
            "/admin/announcements",
            &[
                ("authenticity_token", &token),
                ("text", "Half-written"),
                ("starts_at", "tomorrow"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Start is not a date and time"), "{page}");
    assert!(page.contains("Half-written"), "{page}");
    let (status, location, _) = admin
        .post(
            "/admin/announcements",
            &[
                ("authenticity_token", &token),
                ("text", "Maintenance tonight at 22:00"),
                ("publish", "on"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/announcements")));

    let event = next_announcement_event(&mut socket).await;
    assert_eq!(event["event"], "announcement");
    assert_eq!(event["stream"], serde_json::json!(["user"]));
    let announced = payload(&event);
    assert_eq!(announced["content"], "<p>Maintenance tonight at 22:00</p>");
    let id = announced["id"].as_str().unwrap().to_owned();

    // Reactions: a Unicode emoji (stored fully qualified), counted live and in the list.
    let response = app
        .send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/announcements/{id}/reactions/%F0%9F%91%8D"),
            Some(&member.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let event = next_announcement_event(&mut socket).await;
    assert_eq!(event["event"], "announcement.reaction");
    assert_eq!(
        payload(&event),
        serde_json::json!({"name": "👍", "count": 1, "announcement_id": id})
    );
    let (status, error) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &format!("/api/v1/announcements/{id}/reactions/notanemoji"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{error}");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("not a recognized emoji")
    );

    let (_, list) = json_of(app.get_with("/api/v1/announcements", &member.token).await).await;
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["read"], false);
    assert_eq!(
        list[0]["reactions"],
        serde_json::json!([{"name": "👍", "count": 1, "me": true}])
    );

    let response = app
        .send_form(
            reqwest::Method::DELETE,
            &format!("/api/v1/announcements/{id}/reactions/%F0%9F%91%8D"),
            Some(&member.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let event = next_announcement_event(&mut socket).await;
    assert_eq!(payload(&event)["count"], 0, "taking a reaction back is told too");

    let response = app
        .post_form(
            &format!("/api/v1/announcements/{id}/dismiss"),
            Some(&member.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let (_, list) = json_of(app.get_with("/api/v1/announcements", &member.token).await).await;
    assert_eq!(list[0]["read"], true);
    assert_eq!(list[0]["reactions"], serde_json::json!([]));

    // Withdrawn: gone from the list and from open apps.
    let (_, _, page) = admin.get("/admin/announcements").await;
    assert!(
        page.contains("Maintenance tonight at 22:00") && page.contains("Published"),
        "{page}"
    );
    let (status, _, _) = admin
        .post(
            &format!("/admin/announcements/{id}/unpublish"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 303);
    let event = next_announcement_event(&mut socket).await;
    assert_eq!(event["event"], "announcement.delete");
    assert_eq!(event["payload"], id.as_str());
    let (_, list) = json_of(app.get_with("/api/v1/announcements", &member.token).await).await;
    assert_eq!(list, serde_json::json!([]));
    let (status, _) = json_of(
        app.post_form(
            &format!("/api/v1/announcements/{id}/dismiss"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "a withdrawn announcement cannot be dismissed");

    // Members cannot reach the page or its forms.
    let mut plain = signed_in(&app, "max", "user").await;
    let (status, _, _) = plain.get("/admin/announcements").await;
    assert_eq!(status, 403);
    let (status, _, _) = admin
        .post(
            &format!("/admin/announcements/{id}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 303);
    let count: i64 = sqlx::query_scalar("select count(*) from announcements")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}
