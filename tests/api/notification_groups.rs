//! Grouped notifications (v2) and notification policies with their requests (Mastodon 4.3).

use serde_json::Value;

use crate::admin_reports::assert_schema;
use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

async fn ok(app: &TestApp, who: &TestMember, path: &str, form: &[(&str, &str)]) -> Value {
    let (code, body) = json_of(app.post_form(path, Some(&who.token), form).await).await;
    assert_eq!(code, 200, "{path}: {body}");
    body
}

async fn get(app: &TestApp, who: &TestMember, path: &str) -> (u16, Value) {
    json_of(app.get_with(path, &who.token).await).await
}

/// The schema, but for `most_recent_notification_id`: a string here (64-bit ids), an integer in
/// the description (Mastodon's serial ids).
fn assert_grouped_schema(body: &Value) {
    let mut copy = body.clone();
    for group in copy["notification_groups"].as_array_mut().unwrap() {
        let id = group["most_recent_notification_id"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap();
        group["most_recent_notification_id"] = id.into();
    }
    assert_schema("GroupedNotificationsResults", &copy);
}

fn group_of<'a>(body: &'a Value, kind: &str) -> Vec<&'a Value> {
    body["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["type"] == kind)
        .collect()
}

#[tokio::test]
async fn favourites_and_follows_group_mentions_stand_alone_and_groups_can_be_read_and_dismissed() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read write follow").await;
    let carol = app.member("carol", "read write follow").await;
    let dave = app.member("dave", "read write follow").await;
    // Alice follows them all, so her (default) policy filters nothing.
    for other in [&bob, &carol, &dave] {
        ok(
            &app,
            &alice,
            &format!("/api/v1/accounts/{}/follow", other.account_id),
            &[],
        )
        .await;
    }
    let status = post(&app, &alice, &[("status", "a post to like")]).await;
    let id = status["id"].as_str().unwrap();
    ok(&app, &bob, &format!("/api/v1/statuses/{id}/favourite"), &[]).await;
    ok(&app, &carol, &format!("/api/v1/statuses/{id}/favourite"), &[]).await;
    ok(
        &app,
        &dave,
        &format!("/api/v1/accounts/{}/follow", alice.account_id),
        &[],
    )
    .await;
    ok(
        &app,
        &bob,
        &format!("/api/v1/accounts/{}/follow", alice.account_id),
        &[],
    )
    .await;
    post(&app, &bob, &[("status", "hi @alice")]).await;

    let (code, body) = get(&app, &alice, "/api/v2/notifications").await;
    assert_eq!(code, 200, "{body}");
    assert_grouped_schema(&body);
    let groups = body["notification_groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3, "{body:#}");
    assert_eq!(groups[0]["type"], "mention", "newest first");
    assert!(groups[0]["group_key"].as_str().unwrap().starts_with("ungrouped-"));
    let favourites = group_of(&body, "favourite")[0];
    assert_eq!(favourites["notifications_count"], 2);
    assert_eq!(favourites["status_id"], id);
    let samples: Vec<&str> = favourites["sample_account_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        samples,
        [carol.account_id.to_string(), bob.account_id.to_string()]
    );
    assert!(favourites["page_min_id"].as_str().unwrap() < favourites["page_max_id"].as_str().unwrap());
    assert_eq!(
        favourites["most_recent_notification_id"],
        favourites["page_max_id"]
    );
    let follows = group_of(&body, "follow")[0];
    assert_eq!(follows["notifications_count"], 2);
    assert_eq!(
        body["statuses"].as_array().unwrap().len(),
        2,
        "the liked post and the mention"
    );
    let account_ids: Vec<&str> = body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    for who in [&bob, &carol, &dave] {
        assert!(account_ids.contains(&who.account_id.to_string().as_str()));
    }

    // v1 names the same groups.
    let (_, v1) = get(&app, &alice, "/api/v1/notifications?types[]=favourite").await;
    assert_eq!(v1[0]["group_key"], favourites["group_key"]);
    assert_eq!(v1[1]["group_key"], favourites["group_key"]);

    // Not grouped when the client says so; paged by groups.
    let (_, flat) = get(&app, &alice, "/api/v2/notifications?grouped_types[]=follow").await;
    assert_eq!(group_of(&flat, "favourite").len(), 2);
    let response = app.get_with("/api/v2/notifications?limit=1", &alice.token).await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let (_, first) = json_of(response).await;
    assert_eq!(first["notification_groups"].as_array().unwrap().len(), 1);
    let next = link.split(['<', '>']).nth(1).unwrap().to_owned();
    let path = &next[next.find("/api/").unwrap()..];
    let (_, second) = get(&app, &alice, path).await;
    assert_eq!(second["notification_groups"][0]["type"], "follow", "{second:#}");

    // Unread groups, one group and its accounts, and dismissing it.
    let (_, unread) = get(&app, &alice, "/api/v2/notifications/unread_count").await;
    assert_eq!(unread["count"], 3);
    let key = favourites["group_key"].as_str().unwrap();
    let (code, one) = get(&app, &alice, &format!("/api/v2/notifications/{key}")).await;
    assert_eq!(code, 200, "{one}");
    assert_eq!(one["notification_groups"][0]["notifications_count"], 2);
    let (_, accounts) = get(&app, &alice, &format!("/api/v2/notifications/{key}/accounts")).await;
    assert_eq!(accounts.as_array().unwrap().len(), 2);
    ok(&app, &alice, &format!("/api/v2/notifications/{key}/dismiss"), &[]).await;
    let (code, _) = get(&app, &alice, &format!("/api/v2/notifications/{key}")).await;
    assert_eq!(code, 404);
    let mention_key = groups[0]["group_key"].as_str().unwrap();
    let (code, _) = get(&app, &bob, &format!("/api/v2/notifications/{mention_key}")).await;
    assert_eq!(code, 404, "another member's group is not found");
    let (_, partial) = get(
        &app,
        &alice,
        "/api/v2/notifications?expand_accounts=partial_avatars",
    )
    .await;
    assert!(partial["partial_accounts"].is_array());
}

#[tokio::test]
async fn the_policy_files_strangers_as_requests_until_accepted_and_drops_when_told() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    let friend = app.member("friend", "read write follow").await;
    ok(
        &app,
        &alice,
        &format!("/api/v1/accounts/{}/follow", friend.account_id),
        &[],
    )
    .await;

    let (code, policy) = get(&app, &alice, "/api/v2/notifications/policy").await;
    assert_eq!(code, 200);
    assert_schema("NotificationPolicy", &policy);
    assert_eq!(
        [
            &policy["for_not_following"],
            &policy["for_private_mentions"],
            &policy["for_limited_accounts"]
        ],
        ["accept", "filter", "filter"]
    );
    // A stranger's private mention is filtered by default; a friend's is not.
    post(
        &app,
        &stranger,
        &[("status", "@alice psst"), ("visibility", "direct")],
    )
    .await;
    post(
        &app,
        &friend,
        &[("status", "@alice hello friend"), ("visibility", "direct")],
    )
    .await;
    let (_, listed) = get(&app, &alice, "/api/v1/notifications").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed:#}");
    assert_eq!(listed[0]["account"]["id"], friend.account_id.to_string());
    let (_, unread) = get(&app, &alice, "/api/v1/notifications/unread_count").await;
    assert_eq!(unread["count"], 1);
    let (_, with_filtered) = get(&app, &alice, "/api/v1/notifications?include_filtered=true").await;
    assert_eq!(with_filtered.as_array().unwrap().len(), 2);
    let (_, requests) = get(&app, &alice, "/api/v1/notifications/requests").await;
    assert_eq!(requests.as_array().unwrap().len(), 1, "{requests:#}");
    assert_schema("NotificationRequest", &requests[0]);
    assert_eq!(requests[0]["account"]["id"], stranger.account_id.to_string());
    assert_eq!(requests[0]["notifications_count"], "1");
    assert!(
        requests[0]["last_status"]["content"]
            .as_str()
            .unwrap()
            .contains("psst")
    );
    let (_, policy) = get(&app, &alice, "/api/v2/notifications/policy").await;
    assert_eq!(policy["summary"]["pending_requests_count"], 1);

    // Accepting merges the notifications and lets the sender through from then on.
    let request_id = requests[0]["id"].as_str().unwrap();
    let (code, _) = get(
        &app,
        &alice,
        &format!("/api/v1/notifications/requests/{request_id}"),
    )
    .await;
    assert_eq!(code, 200);
    ok(
        &app,
        &alice,
        &format!("/api/v1/notifications/requests/{request_id}/accept"),
        &[],
    )
    .await;
    let (_, listed) = get(&app, &alice, "/api/v1/notifications").await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let (_, merged) = get(&app, &alice, "/api/v1/notifications/requests/merged").await;
    assert_eq!(merged["merged"], true);
    post(
        &app,
        &stranger,
        &[("status", "@alice again"), ("visibility", "direct")],
    )
    .await;
    let (_, listed) = get(&app, &alice, "/api/v1/notifications").await;
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // `drop`: a new stranger's mention leaves nothing at all; `filter` then dismiss removes it.
    let other = app.member("other", "read write").await;
    let (code, changed) = json_of(
        app.send_form(
            reqwest::Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            &[("for_not_following", "drop")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{changed}");
    assert_eq!(changed["for_not_following"], "drop");
    post(&app, &other, &[("status", "@alice public hello")]).await;
    let count: i64 = sqlx::query_scalar("select count(*) from notifications where from_account_id = $1")
        .bind(other.account_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            &[("for_not_following", "filter")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);
    post(&app, &other, &[("status", "@alice second hello")]).await;
    let (_, requests) = get(&app, &alice, "/api/v1/notifications/requests").await;
    assert_eq!(requests.as_array().unwrap().len(), 1);
    let id = requests[0]["id"].as_str().unwrap().to_owned();
    ok(
        &app,
        &alice,
        "/api/v1/notifications/requests/dismiss",
        &[("id[]", &id)],
    )
    .await;
    let (_, requests) = get(&app, &alice, "/api/v1/notifications/requests").await;
    assert!(requests.as_array().unwrap().is_empty());
    let (_, with_filtered) = get(&app, &alice, "/api/v1/notifications?include_filtered=true").await;
    assert_eq!(
        with_filtered.as_array().unwrap().len(),
        3,
        "the dismissed request's notification is gone"
    );
    // Bad words are refused; v1's booleans read the same policy.
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&alice.token),
            &[("for_new_accounts", "maybe")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422);
    let (_, v1) = get(&app, &alice, "/api/v1/notifications/policy").await;
    assert_eq!(v1["filter_not_following"], true);
    assert_eq!(v1["filter_not_followers"], false);
}

#[tokio::test]
async fn a_request_is_not_streamed_and_accepting_it_tells_the_streams_notifications_merged() {
    use crate::streaming::{connect, drain, next_event};
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    let mut socket = connect(&app, "stream=user", &alice.token).await;
    post(
        &app,
        &stranger,
        &[("status", "@alice hush"), ("visibility", "direct")],
    )
    .await;
    let events = drain(&mut socket, std::time::Duration::from_secs(2)).await;
    assert!(
        !events.iter().any(|e| e["event"] == "notification"),
        "a filtered notification is not streamed: {events:?}"
    );
    let (_, requests) = get(&app, &alice, "/api/v1/notifications/requests").await;
    let id = requests[0]["id"].as_str().unwrap();
    ok(
        &app,
        &alice,
        "/api/v1/notifications/requests/accept",
        &[("id[]", id)],
    )
    .await;
    let event = next_event(&mut socket, std::time::Duration::from_secs(3))
        .await
        .expect("notifications_merged");
    assert_eq!(event["event"], "notifications_merged", "{event}");
    assert_eq!(event["stream"], serde_json::json!(["user"]));
}

#[tokio::test]
async fn the_web_shows_filtered_notifications_to_accept_or_dismiss_and_sets_the_policy() {
    use crate::web_member::{signed_in, token};
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let stranger = app.member("stranger", "read write follow").await;
    let other = app.member("other", "read write follow").await;
    post(
        &app,
        &stranger,
        &[("status", "@alice a word in private"), ("visibility", "direct")],
    )
    .await;
    post(
        &app,
        &other,
        &[("status", "@alice another word"), ("visibility", "direct")],
    )
    .await;
    let mut browser = signed_in(&app, "alice").await;
    let (code, _, notifications) = browser.get("/notifications").await;
    assert_eq!(code, 200);
    assert!(
        notifications.contains("Filtered notifications (2)"),
        "{notifications}"
    );
    let (code, _, page) = browser.get("/notifications/requests").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("a word in private") && page.contains("another word"),
        "{page}"
    );
    let (_, requests) = get(&app, &alice, "/api/v1/notifications/requests").await;
    let by = |who: &TestMember| {
        requests
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["account"]["id"].as_str().and_then(|id| id.parse().ok()) == Some(who.account_id))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (code, location, _) = browser
        .post(
            &format!("/notifications/requests/{}/accept", by(&stranger)),
            &[("authenticity_token", &token(&page))],
        )
        .await;
    assert_eq!(
        (code, location.as_deref()),
        (303, Some("/notifications/requests"))
    );
    let (code, _, _) = browser
        .post(
            &format!("/notifications/requests/{}/dismiss", by(&other)),
            &[("authenticity_token", &token(&page))],
        )
        .await;
    assert_eq!(code, 303);
    let (_, listed) = get(&app, &alice, "/api/v1/notifications").await;
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "the accepted one joined, the dismissed one went"
    );
    // Without the form's token, nothing changes; with it, the policy is saved.
    let (code, _, _) = browser
        .post("/notifications/policy", &[("for_new_accounts", "drop")])
        .await;
    assert_eq!(code, 422);
    let (code, _, _) = browser
        .post(
            "/notifications/policy",
            &[
                ("authenticity_token", &token(&page)),
                ("for_new_accounts", "drop"),
            ],
        )
        .await;
    assert_eq!(code, 303);
    let (_, policy) = get(&app, &alice, "/api/v2/notifications/policy").await;
    assert_eq!(policy["for_new_accounts"], "drop");
    let (_, _, page) = browser.get("/notifications/requests").await;
    assert!(page.contains(r#"<option value="drop" selected>"#), "{page}");
}
