//! Polls and scheduled statuses, including the jobs that end polls and publish on time.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::json_of;
use crate::statuses::post;

fn state_of(app: &TestApp) -> ferrodon::app::AppState {
    ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap()
}

#[tokio::test]
async fn polls_take_votes_once_and_tell_everyone_when_they_end() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let status = post(
        &app,
        &alice,
        &[
            ("status", "tea or coffee?"),
            ("poll[options][]", "tea"),
            ("poll[options][]", "coffee"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    let poll = &status["poll"];
    assert_eq!(
        poll["options"],
        json!([{ "title": "tea", "votes_count": 0 }, { "title": "coffee", "votes_count": 0 }])
    );
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    let poll_id = poll["id"].as_str().unwrap();

    let path = format!("/api/v1/polls/{poll_id}/votes");
    let (code, voted) = json_of(
        app.post_form(&path, Some(&bob.token), &[("choices[]", "1")])
            .await,
    )
    .await;
    assert_eq!(code, 200, "{voted}");
    assert_eq!(voted["voted"], true);
    assert_eq!(voted["own_votes"], json!([1]));
    assert_eq!(voted["votes_count"], 1);
    assert_eq!(voted["options"][1]["votes_count"], 1);
    for (form, why) in [
        (vec![("choices[]", "0")], "twice"),
        (vec![("choices[]", "5")], "out of range"),
    ] {
        let (code, body) = json_of(app.post_form(&path, Some(&bob.token), &form).await).await;
        assert_eq!(code, 422, "{why}: {body}");
    }
    let (code, _) = json_of(
        app.post_form(
            &path,
            Some(&alice.token),
            &[("choices[]", "0"), ("choices[]", "1")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "one choice only");
    let (_, seen) = json_of(app.get(&format!("/api/v1/polls/{poll_id}")).await).await;
    assert_eq!(seen["voters_count"], 1);

    sqlx::query("update polls set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update jobs set run_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    // The end, and the sending of the counts that bob's vote queued.
    let ran = ferrodon::jobs::run_pending_jobs(&state_of(&app)).await.unwrap();
    assert_eq!(ran, 2);
    for member in [&alice, &bob] {
        let (_, notes) = json_of(
            app.get_with("/api/v1/notifications?types[]=poll", &member.token)
                .await,
        )
        .await;
        assert_eq!(
            notes.as_array().unwrap().len(),
            1,
            "{} hears the poll ended",
            member.username
        );
    }
    let (code, _) = json_of(
        app.post_form(&path, Some(&alice.token), &[("choices[]", "0")])
            .await,
    )
    .await;
    assert_eq!(code, 422, "an ended poll takes no votes");
    let (_, seen) = json_of(app.get(&format!("/api/v1/polls/{poll_id}")).await).await;
    assert_eq!(seen["expired"], true);
}

#[tokio::test]
async fn bad_polls_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let long = "x".repeat(51);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("poll[options][]", "only one"), ("poll[expires_in]", "3600")],
        vec![
            ("poll[options][]", "a"),
            ("poll[options][]", "a"),
            ("poll[expires_in]", "3600"),
        ],
        vec![
            ("poll[options][]", "a"),
            ("poll[options][]", &long),
            ("poll[expires_in]", "3600"),
        ],
        vec![
            ("poll[options][]", "a"),
            ("poll[options][]", "b"),
            ("poll[options][]", "c"),
            ("poll[options][]", "d"),
            ("poll[options][]", "e"),
            ("poll[expires_in]", "3600"),
        ],
        vec![
            ("poll[options][]", "a"),
            ("poll[options][]", "b"),
            ("poll[expires_in]", "10"),
        ],
    ];
    for mut form in cases {
        form.push(("status", "poll"));
        let (code, body) = json_of(app.post_form("/api/v1/statuses", Some(&alice.token), &form).await).await;
        assert_eq!(code, 422, "{form:?}: {body}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn scheduled_statuses_wait_then_publish() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let later = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let (code, scheduled) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "from the past"), ("scheduled_at", &later)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{scheduled}");
    assert_eq!(scheduled["params"]["text"], "from the past");
    let id = scheduled["id"].as_str().unwrap();
    let (_, list) = json_of(app.get_with("/api/v1/scheduled_statuses", &alice.token).await).await;
    assert_eq!(list[0]["id"], id);
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let (code, _) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "x"), ("scheduled_at", &soon)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "too soon");
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let (code, _) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "x"), ("scheduled_at", &past)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "in the past");

    let state = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    assert_eq!(
        ferrodon::jobs::run_pending_jobs(&state).await.unwrap(),
        0,
        "not yet due"
    );
    sqlx::query("update scheduled_statuses set scheduled_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update jobs set run_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(ferrodon::jobs::run_pending_jobs(&state).await.unwrap(), 1);
    let (_, statuses) = json_of(
        app.get(&format!("/api/v1/accounts/{}/statuses", alice.account_id))
            .await,
    )
    .await;
    assert_eq!(statuses[0]["content"], "<p>from the past</p>");
    assert_eq!(
        app.get_with(&format!("/api/v1/scheduled_statuses/{id}"), &alice.token)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn cancelled_scheduled_statuses_never_publish() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let later = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let (_, scheduled) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "never"), ("scheduled_at", &later)],
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/scheduled_statuses/{}", scheduled["id"].as_str().unwrap());
    let (code, _) = json_of(
        app.send_json(reqwest::Method::DELETE, &path, Some(&alice.token), &json!({}))
            .await,
    )
    .await;
    assert_eq!(code, 200);
    sqlx::query("update jobs set run_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let state = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    // Cancelling took its job back too: nothing is left to run.
    assert_eq!(ferrodon::jobs::run_pending_jobs(&state).await.unwrap(), 0);
    let count: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn every_version_in_a_polls_history_shows_its_options() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    let status = post(
        &app,
        &alice,
        &[
            ("status", "tea or coffee?"),
            ("poll[options][]", "tea"),
            ("poll[options][]", "coffee"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    let id = status["id"].as_str().unwrap();
    let options = json!({ "options": [{ "title": "tea" }, { "title": "coffee" }] });
    let (_, history) = json_of(app.get(&format!("/api/v1/statuses/{id}/history")).await).await;
    assert_eq!(history[0]["poll"], options, "{history}");
    let (code, edited) = json_of(
        app.send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            &json!({ "status": "tea or coffee, really?" }),
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{edited}");
    let (_, history) = json_of(app.get(&format!("/api/v1/statuses/{id}/history")).await).await;
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    assert_eq!(history[0]["poll"], options);
    assert_eq!(history[1]["poll"], options);
    // A status without a poll has none in its history.
    let plain = post(&app, &alice, &[("status", "no poll")]).await;
    let (_, history) = json_of(
        app.get(&format!(
            "/api/v1/statuses/{}/history",
            plain["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(history[0]["poll"], serde_json::Value::Null);
}
