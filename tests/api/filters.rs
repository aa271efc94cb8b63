//! Filters: v2 filters with keywords and statuses, and the v1 one-keyword view of them.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};

/// A form's fields.
type Form<'a> = Vec<(&'a str, &'a str)>;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// Seconds from now to a timestamp the API gave.
fn seconds_until(time: &Value) -> i64 {
    let at = chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap()).unwrap();
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
}

async fn create_filter(app: &TestApp, member: &TestMember, body: Value) -> Value {
    let (status, filter) = json_of(
        app.send_json(Method::POST, "/api/v2/filters", Some(&member.token), &body)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{filter}");
    filter
}

async fn insert_status(app: &TestApp, author: &TestMember, visibility: &str) -> i64 {
    sqlx::query_scalar(
        "insert into statuses (account_id, local, text, content, visibility, conversation_id)
         values ($1, true, 'hello', '<p>hello</p>', $2, next_id()) returning id",
    )
    .bind(author.account_id)
    .bind(visibility)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_filter_is_made_with_keywords_from_a_form_and_read_back() {
    let app = TestApp::spawn().await;
    let member = app.member("fay", "read write").await;
    let (status, filter) = json_of(
        app.post_form(
            "/api/v2/filters",
            Some(&member.token),
            &[
                ("title", "Spoilers"),
                ("context[]", "home"),
                ("context[]", "public"),
                ("filter_action", "hide"),
                ("expires_in", "3600"),
                ("keywords_attributes[][keyword]", "finale"),
                ("keywords_attributes[][whole_word]", "false"),
                ("keywords_attributes[][keyword]", "season 2"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{filter}");
    assert_eq!(
        keys(&filter),
        [
            "context",
            "expires_at",
            "filter_action",
            "id",
            "keywords",
            "statuses",
            "title"
        ]
    );
    assert_eq!(filter["title"], "Spoilers");
    assert_eq!(filter["context"], json!(["home", "public"]));
    assert_eq!(filter["filter_action"], "hide");
    assert!(
        (3590..=3600).contains(&seconds_until(&filter["expires_at"])),
        "{filter}"
    );
    assert!(filter["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(filter["statuses"], json!([]));
    let keywords = filter["keywords"].as_array().unwrap();
    assert_eq!(keywords.len(), 2);
    assert_eq!(keys(&keywords[0]), ["id", "keyword", "whole_word"]);
    assert_eq!(keywords[0]["keyword"], "finale");
    assert_eq!(keywords[0]["whole_word"], false);
    assert_eq!(keywords[1]["keyword"], "season 2");
    assert_eq!(keywords[1]["whole_word"], true, "whole_word defaults to true");

    let id = filter["id"].as_str().unwrap();
    let (status, read) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!((status, &read), (200, &filter));
    let (_, all) = json_of(app.get_with("/api/v2/filters", &member.token).await).await;
    assert_eq!(all, json!([filter]));
    let (_, v1) = json_of(app.get_with("/api/v1/filters", &member.token).await).await;
    assert_eq!(v1.as_array().unwrap().len(), 2, "one v1 filter per keyword");
    assert_eq!(v1[0]["id"], keywords[0]["id"]);

    let never = create_filter(
        &app,
        &member,
        json!({ "title": "Never", "context": ["thread"], "expires_in": null }),
    )
    .await;
    assert_eq!(never["expires_at"], Value::Null);
    assert_eq!(never["filter_action"], "warn", "the default action");
    assert_eq!(never["keywords"], json!([]));
}

#[tokio::test]
async fn updating_a_filter_changes_adds_and_destroys_keywords() {
    let app = TestApp::spawn().await;
    let member = app.member("gus", "read write").await;
    let filter = create_filter(
        &app,
        &member,
        json!({
            "title": "Sports", "context": ["home"], "filter_action": "warn", "expires_in": 600,
            "keywords_attributes": [{ "keyword": "goal" }, { "keyword": "match", "whole_word": false }],
        }),
    )
    .await;
    let id = filter["id"].as_str().unwrap();
    let (goal, matched) = (&filter["keywords"][0]["id"], &filter["keywords"][1]["id"]);
    let (status, updated) = json_of(
        app.send_json(
            Method::PUT,
            &format!("/api/v2/filters/{id}"),
            Some(&member.token),
            &json!({
                "title": "Ball games", "context": ["home", "notifications", "account"],
                "filter_action": "blur", "expires_in": "",
                "keywords_attributes": [
                    { "id": goal, "keyword": "goals", "whole_word": false },
                    { "id": matched, "_destroy": true },
                    { "keyword": "referee" },
                    { "keyword": "", "whole_word": false },
                ],
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["title"], "Ball games");
    assert_eq!(updated["context"], json!(["home", "notifications", "account"]));
    assert_eq!(updated["filter_action"], "blur");
    assert_eq!(
        updated["expires_at"],
        Value::Null,
        "an empty expires_in clears the expiry"
    );
    let words: Vec<(&str, bool)> = updated["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["keyword"].as_str().unwrap(), k["whole_word"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        words,
        [("goals", false), ("referee", true)],
        "a blank new entry is skipped"
    );
    assert_eq!(updated["keywords"][0]["id"], *goal);

    let (status, same) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v2/filters/{id}"),
            Some(&member.token),
            &[("expires_in", "86400")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(same["title"], "Ball games", "what is not given stays");
    assert_eq!(same["keywords"], updated["keywords"]);
    assert!((86390..=86400).contains(&seconds_until(&same["expires_at"])));

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v2/filters/{id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await
            .status(),
        404
    );
    assert_eq!(count(&app, "select count(*) from filter_keywords").await, 0);
}

#[tokio::test]
async fn bad_filter_input_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let member = app.member("hal", "read write").await;
    let bad = [
        json!({ "context": ["home"] }),
        json!({ "title": " ", "context": ["home"] }),
        json!({ "title": "T" }),
        json!({ "title": "T", "context": [] }),
        json!({ "title": "T", "context": [""] }),
        json!({ "title": "T", "context": ["home", "everywhere"] }),
        json!({ "title": "T", "context": ["home"], "filter_action": "delete" }),
        json!({ "title": "T", "context": ["home"], "filter_action": "" }),
        json!({ "title": "T", "context": ["home"], "expires_in": -5 }),
        json!({ "title": "T", "context": ["home"], "expires_in": 0 }),
        json!({ "title": "T", "context": ["home"], "expires_in": "soon" }),
        json!({ "title": "T", "context": ["home"], "expires_in": 99_999_999_999_i64 }),
        json!({ "title": "x".repeat(257), "context": ["home"] }),
        json!({ "title": "T", "context": ["home"], "keywords_attributes": [{ "keyword": "", "whole_word": true }] }),
        json!({ "title": "T", "context": ["home"], "keywords_attributes": [{ "keyword": "ok" }, { "keyword": " ", "whole_word": "1" }] }),
    ];
    for body in &bad {
        let (status, answer) = json_of(
            app.send_json(Method::POST, "/api/v2/filters", Some(&member.token), body)
                .await,
        )
        .await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().starts_with("Validation failed"),
            "{answer}"
        );
    }
    let (status, _) = json_of(
        app.send_json(
            Method::POST,
            "/api/v2/filters",
            Some(&member.token),
            &json!({ "title": "T", "context": ["home"], "keywords_attributes": [{ "id": "123", "keyword": "x" }] }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "a keyword id on create names nothing");
    assert_eq!(count(&app, "select count(*) from filters").await, 0);
    assert_eq!(count(&app, "select count(*) from filter_keywords").await, 0);

    let filter = create_filter(
        &app,
        &member,
        json!({ "title": "Keep", "context": ["home"], "keywords_attributes": [{ "keyword": "kept" }] }),
    )
    .await;
    let other = create_filter(
        &app,
        &member,
        json!({ "title": "Other", "context": ["home"], "keywords_attributes": [{ "keyword": "theirs" }] }),
    )
    .await;
    let id = filter["id"].as_str().unwrap();
    let path = format!("/api/v2/filters/{id}");
    let kept = &filter["keywords"][0]["id"];
    for (body, expected) in [
        (json!({ "title": "" }), 422),
        (json!({ "context": ["nowhere"] }), 422),
        (json!({ "filter_action": "mute" }), 422),
        (
            json!({ "title": "Changed", "keywords_attributes": [{ "id": kept, "keyword": "" }] }),
            422,
        ),
        (
            json!({ "title": "Changed", "keywords_attributes": [{ "keyword": "new" }, { "id": other["keywords"][0]["id"], "_destroy": "1" }] }),
            404,
        ),
        (
            json!({ "title": "Changed", "keywords_attributes": [{ "id": "nope", "keyword": "x" }] }),
            404,
        ),
    ] {
        let (status, answer) = json_of(
            app.send_json(Method::PUT, &path, Some(&member.token), &body)
                .await,
        )
        .await;
        assert_eq!(status, expected, "{body}: {answer}");
    }
    let (_, after) = json_of(app.get_with(&path, &member.token).await).await;
    assert_eq!(after, filter, "a refused update changes nothing");
    assert_eq!(count(&app, "select count(*) from filter_keywords").await, 2);
}

#[tokio::test]
async fn another_members_filter_answers_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.member("ivy", "read write").await;
    let other = app.member("jon", "read write").await;
    let status_id = insert_status(&app, &owner, "public").await;
    let filter = create_filter(
        &app,
        &owner,
        json!({ "title": "Mine", "context": ["home"], "keywords_attributes": [{ "keyword": "secret" }] }),
    )
    .await;
    let id = filter["id"].as_str().unwrap().to_owned();
    let keyword = filter["keywords"][0]["id"].as_str().unwrap().to_owned();
    let (_, filtered) = json_of(
        app.post_form(
            &format!("/api/v2/filters/{id}/statuses"),
            Some(&owner.token),
            &[("status_id", &status_id.to_string())],
        )
        .await,
    )
    .await;
    let filtered = filtered["id"].as_str().unwrap().to_owned();
    let status_text = status_id.to_string();
    let attempts: Vec<(Method, String, Form)> = vec![
        (Method::GET, format!("/api/v2/filters/{id}"), vec![]),
        (
            Method::PUT,
            format!("/api/v2/filters/{id}"),
            vec![("title", "Stolen")],
        ),
        (Method::DELETE, format!("/api/v2/filters/{id}"), vec![]),
        (Method::GET, format!("/api/v2/filters/{id}/keywords"), vec![]),
        (
            Method::POST,
            format!("/api/v2/filters/{id}/keywords"),
            vec![("keyword", "x")],
        ),
        (Method::GET, format!("/api/v2/filters/keywords/{keyword}"), vec![]),
        (
            Method::PUT,
            format!("/api/v2/filters/keywords/{keyword}"),
            vec![("keyword", "x")],
        ),
        (
            Method::DELETE,
            format!("/api/v2/filters/keywords/{keyword}"),
            vec![],
        ),
        (Method::GET, format!("/api/v2/filters/{id}/statuses"), vec![]),
        (
            Method::POST,
            format!("/api/v2/filters/{id}/statuses"),
            vec![("status_id", &status_text)],
        ),
        (
            Method::GET,
            format!("/api/v2/filters/statuses/{filtered}"),
            vec![],
        ),
        (
            Method::DELETE,
            format!("/api/v2/filters/statuses/{filtered}"),
            vec![],
        ),
        (Method::GET, format!("/api/v1/filters/{keyword}"), vec![]),
        (
            Method::PUT,
            format!("/api/v1/filters/{keyword}"),
            vec![("phrase", "x")],
        ),
        (Method::DELETE, format!("/api/v1/filters/{keyword}"), vec![]),
    ];
    for (method, path, form) in attempts {
        let (status, body) = json_of(
            app.send_form(method.clone(), &path, Some(&other.token), &form)
                .await,
        )
        .await;
        assert_eq!(
            (status, body),
            (404, json!({ "error": "Record not found" })),
            "{method} {path}"
        );
    }
    let (_, after) = json_of(app.get_with(&format!("/api/v2/filters/{id}"), &owner.token).await).await;
    assert_eq!(after["title"], "Mine");
    assert_eq!(after["keywords"], filter["keywords"]);
    assert_eq!(after["statuses"].as_array().unwrap().len(), 1);
    let (_, theirs) = json_of(app.get_with("/api/v2/filters", &other.token).await).await;
    assert_eq!(theirs, json!([]));
}

#[tokio::test]
async fn filters_need_the_filters_scopes() {
    let app = TestApp::spawn().await;
    let reader = app.member("kai", "read:filters").await;
    let writer = app.member("lou", "write:filters").await;
    let body = json!({ "title": "T", "context": ["home"] });
    let response = app
        .send_json(Method::POST, "/api/v2/filters", Some(&reader.token), &body)
        .await;
    assert_eq!(response.status(), 403);
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/filters",
            Some(&reader.token),
            &json!({ "phrase": "x", "context": ["home"] }),
        )
        .await;
    assert_eq!(response.status(), 403);
    let filter = create_filter(&app, &writer, body).await;
    let id = filter["id"].as_str().unwrap();
    for path in [
        format!("/api/v2/filters/{id}"),
        "/api/v2/filters".to_owned(),
        format!("/api/v2/filters/{id}/keywords"),
        format!("/api/v2/filters/{id}/statuses"),
        "/api/v1/filters".to_owned(),
    ] {
        assert_eq!(app.get_with(&path, &writer.token).await.status(), 403, "{path}");
    }
    assert_eq!(app.get_with("/api/v2/filters", &reader.token).await.status(), 200);
    assert_eq!(count(&app, "select count(*) from filters").await, 1);
}

#[tokio::test]
async fn keywords_are_managed_one_by_one() {
    let app = TestApp::spawn().await;
    let member = app.member("max", "read write").await;
    let filter = create_filter(&app, &member, json!({ "title": "Words", "context": ["public"] })).await;
    let id = filter["id"].as_str().unwrap();
    let (status, keyword) = json_of(
        app.post_form(
            &format!("/api/v2/filters/{id}/keywords"),
            Some(&member.token),
            &[("keyword", "crypto"), ("whole_word", "0")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{keyword}");
    assert_eq!(keys(&keyword), ["id", "keyword", "whole_word"]);
    assert_eq!(keyword["whole_word"], false);
    let keyword_id = keyword["id"].as_str().unwrap();
    let (_, plain) = json_of(
        app.send_json(
            Method::POST,
            &format!("/api/v2/filters/{id}/keywords"),
            Some(&member.token),
            &json!({ "keyword": "nft" }),
        )
        .await,
    )
    .await;
    assert_eq!(plain["whole_word"], true);
    for body in [
        json!({}),
        json!({ "keyword": "  " }),
        json!({ "keyword": "x", "whole_word": "maybe" }),
    ] {
        let (status, _) = json_of(
            app.send_json(
                Method::POST,
                &format!("/api/v2/filters/{id}/keywords"),
                Some(&member.token),
                &body,
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{body}");
    }
    let (_, listed) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}/keywords"), &member.token)
            .await,
    )
    .await;
    assert_eq!(listed, json!([keyword, plain]));
    let (status, read) = json_of(
        app.get_with(&format!("/api/v2/filters/keywords/{keyword_id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!((status, &read), (200, &keyword));
    let (status, changed) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v2/filters/keywords/{keyword_id}"),
            Some(&member.token),
            &[("keyword", "blockchain")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(changed["keyword"], "blockchain");
    assert_eq!(changed["whole_word"], false, "what is not given stays");
    let (status, _) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v2/filters/keywords/{keyword_id}"),
            Some(&member.token),
            &[("keyword", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v2/filters/keywords/{keyword_id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (_, filter) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!(filter["keywords"], json!([plain]));
}

#[tokio::test]
async fn filtered_statuses_must_be_visible_statuses() {
    let app = TestApp::spawn().await;
    let member = app.member("nia", "read write").await;
    let author = app.member("abe", "read").await;
    let public = insert_status(&app, &author, "public").await;
    let private = insert_status(&app, &author, "private").await;
    let direct = insert_status(&app, &author, "direct").await;
    let filter = create_filter(&app, &member, json!({ "title": "Posts", "context": ["thread"] })).await;
    let id = filter["id"].as_str().unwrap();
    let path = format!("/api/v2/filters/{id}/statuses");
    let (status, filtered) = json_of(
        app.post_form(&path, Some(&member.token), &[("status_id", &public.to_string())])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{filtered}");
    assert_eq!(keys(&filtered), ["id", "status_id"]);
    assert_eq!(filtered["status_id"], public.to_string());
    for form in [
        vec![("status_id", public.to_string())],
        vec![("status_id", private.to_string())],
        vec![("status_id", direct.to_string())],
        vec![("status_id", "99999".to_owned())],
        vec![("status_id", "abc".to_owned())],
        vec![],
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = json_of(app.post_form(&path, Some(&member.token), &form).await).await;
        assert_eq!(status, 422, "{form:?}: {body}");
    }
    assert_eq!(count(&app, "select count(*) from filter_statuses").await, 1);

    sqlx::query("insert into follows (account_id, target_account_id) values ($1, $2)")
        .bind(member.account_id)
        .bind(author.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = json_of(
        app.send_json(
            Method::POST,
            &path,
            Some(&member.token),
            &json!({ "status_id": private.to_string() }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "a follower sees followers-only statuses");

    let (_, listed) = json_of(app.get_with(&path, &member.token).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0], filtered);
    let filtered_id = filtered["id"].as_str().unwrap();
    let (status, read) = json_of(
        app.get_with(&format!("/api/v2/filters/statuses/{filtered_id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!((status, &read), (200, &filtered));
    let (_, whole) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!(whole["statuses"], listed);
    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v2/filters/statuses/{filtered_id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(count(&app, "select count(*) from filter_statuses").await, 1);
    let (status, _) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v2/filters/{id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "select count(*) from filter_statuses").await, 0);
}

#[tokio::test]
async fn expired_filters_are_still_listed_with_their_expiry() {
    let app = TestApp::spawn().await;
    let member = app.member("ola", "read write").await;
    let filter = create_filter(
        &app,
        &member,
        json!({ "title": "Old", "context": ["home"], "expires_in": 60, "keywords_attributes": [{ "keyword": "old" }] }),
    )
    .await;
    sqlx::query("update filters set expires_at = '2020-01-02T03:04:05.678Z'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, v2) = json_of(app.get_with("/api/v2/filters", &member.token).await).await;
    assert_eq!(v2[0]["id"], filter["id"]);
    assert_eq!(v2[0]["expires_at"], "2020-01-02T03:04:05.678Z");
    let (_, v1) = json_of(app.get_with("/api/v1/filters", &member.token).await).await;
    assert_eq!(v1[0]["expires_at"], "2020-01-02T03:04:05.678Z");
}

#[tokio::test]
async fn v1_filters_are_one_keyword_filters() {
    let app = TestApp::spawn().await;
    let member = app.member("pat", "read write").await;
    let (status, created) = json_of(
        app.post_form(
            "/api/v1/filters",
            Some(&member.token),
            &[
                ("phrase", "election"),
                ("context[]", "home"),
                ("context[]", "notifications"),
                ("irreversible", "true"),
                ("whole_word", "false"),
                ("expires_in", "1800"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        keys(&created),
        [
            "context",
            "expires_at",
            "id",
            "irreversible",
            "phrase",
            "whole_word"
        ]
    );
    assert_eq!(created["phrase"], "election");
    assert_eq!(created["context"], json!(["home", "notifications"]));
    assert_eq!(created["irreversible"], true);
    assert_eq!(created["whole_word"], false);
    assert!((1790..=1800).contains(&seconds_until(&created["expires_at"])));
    let id = created["id"].as_str().unwrap();

    let (_, v2) = json_of(app.get_with("/api/v2/filters", &member.token).await).await;
    assert_eq!(v2.as_array().unwrap().len(), 1);
    assert_eq!(v2[0]["title"], "election");
    assert_eq!(v2[0]["filter_action"], "hide");
    assert_eq!(v2[0]["keywords"][0]["id"], id, "the v1 id is the keyword's");
    let (status, read) = json_of(
        app.get_with(&format!("/api/v1/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!((status, &read), (200, &created));

    let (status, updated) = json_of(
        app.send_json(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&member.token),
            &json!({ "phrase": "elections", "context": ["public"], "irreversible": false, "whole_word": true, "expires_in": "" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["id"], id);
    assert_eq!(updated["phrase"], "elections");
    assert_eq!(updated["context"], json!(["public"]));
    assert_eq!(updated["irreversible"], false);
    assert_eq!(updated["whole_word"], true);
    assert_eq!(updated["expires_at"], Value::Null);
    let (_, v2) = json_of(app.get_with("/api/v2/filters", &member.token).await).await;
    assert_eq!(v2[0]["title"], "elections", "a lone keyword names its filter");
    assert_eq!(v2[0]["filter_action"], "warn");

    for body in [
        json!({ "context": ["home"] }),
        json!({ "phrase": "", "context": ["home"] }),
        json!({ "phrase": "x" }),
        json!({ "phrase": "x", "context": ["home"], "irreversible": "sometimes" }),
        json!({ "phrase": "x", "context": ["home"], "expires_in": -1 }),
    ] {
        let (status, _) = json_of(
            app.send_json(Method::POST, "/api/v1/filters", Some(&member.token), &body)
                .await,
        )
        .await;
        assert_eq!(status, 422, "{body}");
    }
    let (status, _) = json_of(
        app.send_json(
            Method::PUT,
            &format!("/api/v1/filters/{id}"),
            Some(&member.token),
            &json!({ "context": ["bogus"] }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(count(&app, "select count(*) from filters").await, 1);

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v1/filters/{id}"),
            Some(&member.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(
        app.get_with(&format!("/api/v1/filters/{id}"), &member.token)
            .await
            .status(),
        404
    );
    assert_eq!(
        count(&app, "select count(*) from filters").await,
        0,
        "a filter left empty goes with its last keyword"
    );
}

#[tokio::test]
async fn v1_changes_to_a_filter_shared_by_several_keywords_are_refused() {
    let app = TestApp::spawn().await;
    let member = app.member("rob", "read write").await;
    let filter = create_filter(
        &app,
        &member,
        json!({
            "title": "Games", "context": ["home"], "filter_action": "blur",
            "keywords_attributes": [{ "keyword": "chess" }, { "keyword": "go" }],
        }),
    )
    .await;
    let chess = filter["keywords"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/filters/{chess}");
    for body in [
        json!({ "context": ["public"] }),
        json!({ "irreversible": true }),
        json!({ "expires_in": 3600 }),
    ] {
        let (status, answer) = json_of(
            app.send_json(Method::PUT, &path, Some(&member.token), &body)
                .await,
        )
        .await;
        assert_eq!(status, 422, "{body}: {answer}");
    }
    let (status, updated) = json_of(
        app.send_json(
            Method::PUT,
            &path,
            Some(&member.token),
            &json!({ "phrase": "checkers", "context": ["home"], "irreversible": false, "whole_word": false, "expires_in": "" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "unchanged filter attributes are fine: {updated}");
    assert_eq!(updated["phrase"], "checkers");
    let id = filter["id"].as_str().unwrap();
    let (_, after) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!(after["title"], "Games", "a shared filter keeps its title");
    assert_eq!(after["filter_action"], "blur");
    assert_eq!(after["keywords"][0]["keyword"], "checkers");
    assert_eq!(after["keywords"][1]["keyword"], "go");

    let (status, _) = json_of(
        app.send_form(Method::DELETE, &path, Some(&member.token), &[])
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let (_, after) = json_of(
        app.get_with(&format!("/api/v2/filters/{id}"), &member.token)
            .await,
    )
    .await;
    assert_eq!(
        after["keywords"].as_array().unwrap().len(),
        1,
        "the filter keeps its other keyword"
    );
}
