//! The account endpoints: the member's own account and profile edits, profiles, lookup,
//! relationships, preferences, and the scopes each needs.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::json_of;

#[tokio::test]
async fn verify_credentials_returns_the_account_with_source_and_role() {
    let app = TestApp::spawn().await;
    let member = app.member("kim", "read").await;
    let (status, body) = json_of(
        app.get_with("/api/v1/accounts/verify_credentials", &member.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    for field in [
        "id",
        "username",
        "acct",
        "url",
        "display_name",
        "note",
        "avatar",
        "header",
        "created_at",
    ] {
        assert!(body.get(field).is_some(), "{field} missing: {body}");
    }
    assert_eq!(body["id"], member.account_id.to_string());
    assert_eq!(body["acct"], "kim");
    assert_eq!(body["url"], format!("{}/@kim", app.config.base_url()));
    assert_eq!(body["source"]["privacy"], "public");
    assert_eq!(body["source"]["follow_requests_count"], 0);
    assert_eq!(body["role"]["name"], "");
    let created_at = body["created_at"].as_str().unwrap();
    assert!(created_at.ends_with("T00:00:00.000Z"), "{created_at}");
}

#[tokio::test]
async fn profile_updates_from_rails_form_fields_show_everywhere() {
    let app = TestApp::spawn().await;
    let member = app.member("lee", "read write").await;
    let response = app
        .client
        .patch(format!("{}/api/v1/accounts/update_credentials", app.base_url))
        .bearer_auth(&member.token)
        .form(&[
            ("display_name", "Lee <3"),
            ("note", "Hello <b>world</b>\nsee https://lee.example"),
            ("locked", "1"),
            ("fields_attributes[0][name]", "Site"),
            ("fields_attributes[0][value]", "https://lee.example"),
            ("fields_attributes[1][name]", "Pronouns"),
            ("fields_attributes[1][value]", "they/them"),
            ("source[privacy]", "private"),
            ("source[sensitive]", "true"),
            ("source[language]", "de"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["display_name"], "Lee <3");
    assert_eq!(body["locked"], true);
    let note = body["note"].as_str().unwrap();
    assert!(note.contains("&lt;b&gt;world&lt;/b&gt;"), "{note}");
    assert!(note.contains("<a href=\"https://lee.example\""), "{note}");
    assert_eq!(
        body["source"]["note"],
        "Hello <b>world</b>\nsee https://lee.example"
    );
    assert_eq!(body["fields"][1]["value"], "they/them");
    assert!(
        body["fields"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("<a href=")
    );
    assert_eq!(body["source"]["fields"][0]["value"], "https://lee.example");
    assert_eq!(body["source"]["privacy"], "private");
    assert_eq!(body["source"]["sensitive"], true);
    assert_eq!(body["source"]["language"], "de");

    let (_, preferences) = json_of(app.get_with("/api/v1/preferences", &member.token).await).await;
    assert_eq!(preferences["posting:default:visibility"], "private");
    assert_eq!(preferences["posting:default:sensitive"], true);
    assert_eq!(preferences["posting:default:language"], "de");
    assert_eq!(preferences["reading:expand:media"], "default");
    assert_eq!(preferences["reading:expand:spoilers"], false);

    // JSON bodies work the same; only what is sent changes.
    let (status, body) = json_of(
        app.send_json(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&member.token),
            &json!({ "locked": false, "fields_attributes": [] }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["locked"], false);
    assert_eq!(body["fields"], json!([]));
    assert_eq!(body["display_name"], "Lee <3");
}

#[tokio::test]
async fn invalid_profile_updates_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let member = app.member("max", "read write").await;
    let too_many: Vec<(String, String)> = (0..5)
        .flat_map(|i| {
            [
                (format!("fields_attributes[{i}][name]"), format!("n{i}")),
                (format!("fields_attributes[{i}][value]"), "v".to_owned()),
            ]
        })
        .collect();
    let long_name = "x".repeat(31);
    let cases: Vec<Vec<(String, String)>> = vec![
        vec![("display_name".into(), long_name)],
        vec![("note".into(), "y".repeat(501))],
        too_many,
        vec![("source[privacy]".into(), "everyone".into())],
        vec![("source[language]".into(), "klingon".into())],
        vec![("locked".into(), "perhaps".into())],
    ];
    for form in cases {
        let response = app
            .client
            .patch(format!("{}/api/v1/accounts/update_credentials", app.base_url))
            .bearer_auth(&member.token)
            .form(&form)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(
            body["error"].as_str().unwrap().starts_with("Validation failed"),
            "{body}"
        );
    }
    let (_, body) = json_of(
        app.get_with("/api/v1/accounts/verify_credentials", &member.token)
            .await,
    )
    .await;
    assert_eq!(body["display_name"], "");
    assert_eq!(body["source"]["privacy"], "public");
}

#[tokio::test]
async fn scopes_are_enforced_on_each_endpoint() {
    let app = TestApp::spawn().await;
    let reader = app.member("nia", "read").await;
    let (status, body) = json_of(
        app.send_json(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&reader.token),
            &json!({ "display_name": "x" }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "This action is outside the authorized scopes");

    let granular = app.member("oli", "read:accounts").await;
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &granular.token)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get_with("/api/v1/markers?timeline[]=home", &granular.token)
            .await
            .status(),
        403
    );
    assert_eq!(app.get_with("/api/v1/lists", &granular.token).await.status(), 403);

    let writer = app.member("pat", "write").await;
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &writer.token)
            .await
            .status(),
        403
    );

    let (status, body) = json_of(app.get("/api/v1/accounts/verify_credentials").await).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "The access token is invalid");
    assert_eq!(
        app.get_with("/api/v1/preferences", "not-a-token").await.status(),
        401
    );
}

#[tokio::test]
async fn app_only_tokens_cannot_use_member_endpoints() {
    let app = TestApp::spawn().await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let token = app.app_token(&client, "read").await;
    let (status, body) = json_of(app.get_with("/api/v1/accounts/verify_credentials", &token).await).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "This method requires an authenticated user");
}

#[tokio::test]
async fn accounts_are_found_by_id_and_handle() {
    let app = TestApp::spawn().await;
    let member = app.member("quinn", "read").await;
    let (status, body) = json_of(app.get(&format!("/api/v1/accounts/{}", member.account_id)).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], member.username);
    for path in [
        "/api/v1/accounts/999999999",
        "/api/v1/accounts/abc",
        "/api/v1/accounts/-1",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    for acct in ["quinn", "@QUINN", &format!("quinn@{}", app.config.server.domain)] {
        let (status, body) = json_of(app.get(&format!("/api/v1/accounts/lookup?acct={acct}")).await).await;
        assert_eq!(status, 200, "{acct}");
        assert_eq!(body["id"], member.account_id.to_string());
    }
    assert_eq!(app.get("/api/v1/accounts/lookup?acct=nobody").await.status(), 404);
    assert_eq!(
        app.get("/api/v1/accounts/lookup?acct=quinn@elsewhere.test")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn relationships_report_pending_follow_requests() {
    let app = TestApp::spawn().await;
    let viewer = app.member("rae", "read").await;
    let other = app.member("sam", "read").await;
    sqlx::query("insert into follow_requests (account_id, target_account_id) values ($1, $2)")
        .bind(other.account_id)
        .bind(viewer.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let path = format!(
        "/api/v1/accounts/relationships?id[]={}&id[]=12345&id[]=junk",
        other.account_id
    );
    let (status, body) = json_of(app.get_with(&path, &viewer.token).await).await;
    assert_eq!(status, 200, "{body}");
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 1, "unknown ids are left out");
    assert_eq!(list[0]["id"], other.account_id.to_string());
    assert_eq!(list[0]["requested_by"], true);
    assert_eq!(list[0]["requested"], false);
    assert_eq!(list[0]["following"], false);
}

#[tokio::test]
async fn multipart_profile_updates_are_read_like_forms() {
    let app = TestApp::spawn().await;
    let member = app.member("una", "read write").await;
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Una")
        .text("bot", "true")
        .text("fields_attributes[0][name]", "Home")
        .text("fields_attributes[0][value]", "Here");
    let response = app
        .client
        .patch(format!("{}/api/v1/accounts/update_credentials", app.base_url))
        .bearer_auth(&member.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["display_name"], "Una");
    assert_eq!(body["bot"], true);
    assert_eq!(body["fields"][0]["name"], "Home");
}
