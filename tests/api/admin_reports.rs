//! Reports: members' reports (forwarded to the reported account's server as a signed Flag from
//! the instance actor), remote Flags (ignored from a domain whose reports are rejected), and
//! the staff's `/api/v1/admin/reports`. Answers are checked against the Mastodon OpenAPI schema.

use std::time::SystemTime;

use axum::http::Method;
use ferrodon::federation::delivery::deliver_pending;
use ferrodon::federation::signatures::parse_request;
use serde_json::{Value, json};

use crate::fake_remote::{FakeActor, FakeRemote, create_note};
use crate::federation_in::{app_with, count, local_actor};
use crate::helpers::{TestApp, TestMember, json_of};

/// The Mastodon OpenAPI description the answers are checked against.
fn openapi() -> &'static Value {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/mastodon-openapi.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// Problems of `value` against `schema`: types, required properties, enums, `$ref`s and
/// `oneOf`/`anyOf`/`allOf`, recursively (formats are not checked).
fn schema_problems(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        let target = &openapi()["components"]["schemas"][name];
        // A `type` beside a `$ref` may allow null where the referenced schema does not.
        let nullable = schema["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("null")));
        if !(nullable && value.is_null()) {
            schema_problems(target, value, at, problems);
        }
        return;
    }
    for (key, any) in [("oneOf", true), ("anyOf", true), ("allOf", false)] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = options
                .iter()
                .map(|option| {
                    let mut found = Vec::new();
                    schema_problems(option, value, at, &mut found);
                    found
                })
                .collect();
            if any && !results.iter().any(Vec::is_empty) {
                problems.push(format!("{at}: matches none of {key}: {results:?}"));
            } else if !any {
                problems.extend(results.into_iter().flatten());
            }
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => true,
        });
        if !fits {
            problems.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !value.is_null()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                problems.push(format!("{at}.{name}: missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                if let Some(field) = object.get(name) {
                    schema_problems(property, field, &format!("{at}.{name}"), problems);
                }
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            schema_problems(items, item, &format!("{at}[{i}]"), problems);
        }
    }
}

/// Fails unless `value` fits the OpenAPI schema `name` (`Report`, `AdminReport`, ...).
pub fn assert_schema(name: &str, value: &Value) {
    let mut problems = Vec::new();
    schema_problems(
        &json!({ "$ref": format!("#/components/schemas/{name}") }),
        value,
        name,
        &mut problems,
    );
    assert!(
        problems.is_empty(),
        "{name} does not fit the schema:\n{}\n{value:#}",
        problems.join("\n")
    );
}

/// A member made staff (`admin` or `moderator`) with a token of these scopes.
pub async fn staff(app: &TestApp, username: &str, role: &str, scopes: &str) -> TestMember {
    let member = app.member(username, scopes).await;
    sqlx::query("update users set role = $2 where id = $1")
        .bind(member.user_id)
        .bind(role)
        .execute(&app.pool)
        .await
        .unwrap();
    member
}

/// The local id of a remote actor (fetched and stored).
pub async fn remote_account(app: &TestApp, actor: &FakeActor) -> i64 {
    ferrodon::federation::resolve::account_by_uri(&app.state, &actor.uri)
        .await
        .unwrap()
        .unwrap()
}

/// A public Note by a remote actor, delivered to our inbox; returns its local id and URI.
async fn remote_note(app: &TestApp, actor: &FakeActor, n: &str) -> (i64, String) {
    let create = create_note(actor, n, json!({}));
    assert_eq!(actor.post(app, "/inbox", &create).await.status(), 202);
    app.run_jobs().await;
    let uri = create["object"]["id"].as_str().unwrap().to_owned();
    let id = sqlx::query_scalar::<_, i64>("select id from statuses where uri = $1")
        .bind(&uri)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (id, uri)
}

/// Posts a status; returns its id.
pub async fn post(app: &TestApp, who: &TestMember, text: &str, visibility: &str) -> String {
    let (code, body) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&who.token),
            &[("status", text), ("visibility", visibility)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn report(app: &TestApp, member: &TestMember, body: Value) -> (u16, Value) {
    json_of(
        app.send_json(Method::POST, "/api/v1/reports", Some(&member.token), &body)
            .await,
    )
    .await
}

async fn admin_post(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json_of(app.post_form(path, Some(token), &[]).await).await
}

async fn admin_get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json_of(app.get_with(path, token).await).await
}

#[tokio::test]
async fn a_forwarded_report_reaches_the_remote_server_as_a_flag_signed_by_the_instance_actor() {
    let remote = FakeRemote::start("remote.test").await;
    let troll = remote.add_actor("troll");
    let app = app_with(&[&remote]).await;
    let admin = staff(&app, "boss", "admin", "read admin:read admin:write").await;
    let member = app.member("reporter", "read write").await;
    let target = remote_account(&app, &troll).await;
    let (status, status_uri) = remote_note(&app, &troll, "1").await;

    let (code, body) = report(
        &app,
        &member,
        json!({
            "account_id": target.to_string(),
            "status_ids": [status.to_string()],
            "comment": "Spamming everyone",
            "forward": true,
            "category": "spam",
        }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_schema("Report", &body);
    assert_eq!(body["forwarded"], true);
    assert_eq!(body["category"], "spam");
    assert_eq!(body["action_taken"], false);
    assert_eq!(body["status_ids"], json!([status.to_string()]));
    assert_eq!(body["target_account"]["id"], target.to_string());

    assert_eq!(deliver_pending(&app.state).await.unwrap(), 1);
    let posts = remote.posts_to("/inbox");
    assert_eq!(posts.len(), 1);
    let flag: Value = serde_json::from_slice(&posts[0].body).unwrap();
    let instance_actor = format!("{}/actor", app.state.base_url);
    assert_eq!(flag["type"], "Flag");
    assert_eq!(flag["actor"], instance_actor);
    assert_eq!(flag["object"], json!([troll.uri, status_uri]));
    assert_eq!(flag["content"], "Spamming everyone");
    // Nothing in it names the member who reported.
    assert!(!posts[0].body.windows(8).any(|w| w == b"reporter"));
    let signed = parse_request(
        &Method::POST,
        "/inbox",
        &posts[0].headers,
        &posts[0].body,
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(signed.key_id(), format!("{instance_actor}#main-key"));
    let key = ferrodon::federation::instance_actor::key_pair(&app.pool)
        .await
        .unwrap();
    signed.verify(&key.public_pem).unwrap();

    // The staff are told, and see it.
    assert_eq!(
        count(
            &app,
            "select count(*) from notifications where type = 'admin.report'"
        )
        .await,
        1
    );
    let (code, notifications) = admin_get(&app, &admin.token, "/api/v1/notifications").await;
    assert_eq!(code, 200, "{notifications}");
    assert_eq!(notifications[0]["type"], "admin.report");
    assert_eq!(notifications[0]["account"]["id"], member.account_id.to_string());
    assert_eq!(notifications[0]["report"]["id"], body["id"]);
    assert_schema("Notification", &notifications[0]);
    let (code, list) = admin_get(&app, &admin.token, "/api/v1/admin/reports").await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_schema("AdminReport", &list[0]);
    assert_eq!(list[0]["account"]["id"], member.account_id.to_string());
    assert_eq!(list[0]["target_account"]["domain"], "remote.test");
    assert_eq!(list[0]["statuses"][0]["id"], status.to_string());
    assert_eq!(list[0]["comment"], "Spamming everyone");
}

#[tokio::test]
async fn a_report_not_forwarded_or_about_a_suspended_server_sends_nothing() {
    let remote = FakeRemote::start("remote.test").await;
    let troll = remote.add_actor("troll");
    let app = app_with(&[&remote]).await;
    let member = app.member("reporter", "read write").await;
    let target = remote_account(&app, &troll).await;

    let (code, body) = report(
        &app,
        &member,
        json!({ "account_id": target.to_string(), "comment": "meh" }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["forwarded"], false);
    assert_eq!(body["category"], "other");

    sqlx::query("insert into domain_blocks (domain, severity) values ('remote.test', 'suspend')")
        .execute(&app.pool)
        .await
        .unwrap();
    app.state.federation.policy.reload(&app.pool).await.unwrap();
    let (code, body) = report(
        &app,
        &member,
        json!({ "account_id": target.to_string(), "forward": true }),
    )
    .await;
    // A suspended domain's accounts cannot be found, so not reported either: nothing is stored
    // and nothing goes to the disconnected server.
    assert_eq!(code, 404, "{body}");
    assert_eq!(count(&app, "select count(*) from outgoing_activities").await, 0);
    assert_eq!(count(&app, "select count(*) from reports").await, 1);
}

#[tokio::test]
async fn reported_statuses_must_be_the_accounts_and_visible_to_the_reporter() {
    let app = TestApp::spawn().await;
    let member = app.member("reporter", "read write").await;
    let author = app.member("author", "read write").await;
    let other = app.member("other", "read write").await;
    let public = post(&app, &author, "public", "public").await;
    let private = post(&app, &author, "followers only", "private").await;
    let others = post(&app, &other, "someone else's", "public").await;
    let target = author.account_id.to_string();

    for status in [&private, &others] {
        let (code, body) = report(
            &app,
            &member,
            json!({ "account_id": target, "status_ids": [status] }),
        )
        .await;
        assert_eq!(code, 404, "{body}");
    }
    let (code, body) = report(&app, &member, json!({ "account_id": "999999", "comment": "x" })).await;
    assert_eq!(code, 404, "{body}");
    let (code, body) = report(
        &app,
        &member,
        json!({ "account_id": target, "category": "nonsense" }),
    )
    .await;
    assert_eq!(code, 422, "{body}");
    let (code, body) = report(
        &app,
        &member,
        json!({ "account_id": target, "comment": "x".repeat(1001) }),
    )
    .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(count(&app, "select count(*) from reports").await, 0);

    // Form parameters with Rails brackets work as well.
    let (code, body) = json_of(
        app.post_form(
            "/api/v1/reports",
            Some(&member.token),
            &[
                ("account_id", &target),
                ("status_ids[]", &public),
                ("comment", "rude"),
                ("forward", "false"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status_ids"], json!([public]));
    assert_eq!(body["forwarded"], false);
}

#[tokio::test]
async fn the_staff_assign_resolve_and_reopen_reports_and_filter_them() {
    let app = TestApp::spawn().await;
    let moderator = staff(&app, "mod", "moderator", "admin:read:reports admin:write:reports").await;
    let member = app.member("reporter", "read write").await;
    let target = app.member("target", "read write").await;
    let (code, filed) = report(
        &app,
        &member,
        json!({ "account_id": target.account_id.to_string(), "comment": "rude" }),
    )
    .await;
    assert_eq!(code, 200, "{filed}");
    let id = filed["id"].as_str().unwrap();
    let path = |what: &str| format!("/api/v1/admin/reports/{id}{what}");

    let (code, body) = admin_post(&app, &moderator.token, &path("/assign_to_self")).await;
    assert_eq!(code, 200, "{body}");
    assert_schema("AdminReport", &body);
    assert_eq!(body["assigned_account"]["id"], moderator.account_id.to_string());
    let (_, body) = admin_post(&app, &moderator.token, &path("/unassign")).await;
    assert!(body["assigned_account"].is_null());

    let (code, body) = admin_post(&app, &moderator.token, &path("/resolve")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["action_taken"], true);
    assert_eq!(
        body["action_taken_by_account"]["id"],
        moderator.account_id.to_string()
    );
    assert_schema("AdminReport", &body);
    // Open reports are listed by default; resolved ones when asked.
    let (_, open) = admin_get(&app, &moderator.token, "/api/v1/admin/reports").await;
    assert_eq!(open, json!([]));
    let (_, resolved) = admin_get(&app, &moderator.token, "/api/v1/admin/reports?resolved=true").await;
    assert_eq!(resolved[0]["id"], id);

    let (_, body) = admin_post(&app, &moderator.token, &path("/reopen")).await;
    assert_eq!(body["action_taken"], false);
    assert!(body["action_taken_at"].is_null());
    let by_target = format!("/api/v1/admin/reports?target_account_id={}", target.account_id);
    let (_, listed) = admin_get(&app, &moderator.token, &by_target).await;
    assert_eq!(listed[0]["id"], id);
    let by_other = format!("/api/v1/admin/reports?account_id={}", target.account_id);
    let (_, listed) = admin_get(&app, &moderator.token, &by_other).await;
    assert_eq!(listed, json!([]));
    let (code, _) = admin_get(&app, &moderator.token, "/api/v1/admin/reports/12345").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn members_and_tokens_without_admin_scopes_are_refused() {
    let app = TestApp::spawn().await;
    let member = app.member("member", "read write admin:read admin:write").await;
    let reader = staff(&app, "reader", "admin", "read write").await;
    let read_only = staff(&app, "viewer", "admin", "admin:read").await;
    for token in [&member.token, &reader.token] {
        let (code, body) = admin_get(&app, token, "/api/v1/admin/reports").await;
        assert_eq!(code, 403, "{body}");
    }
    let (code, _) = admin_get(&app, &read_only.token, "/api/v1/admin/reports").await;
    assert_eq!(code, 200);
    let (code, body) = admin_post(&app, &read_only.token, "/api/v1/admin/reports/1/resolve").await;
    assert_eq!(code, 403, "{body}");
    let (code, _) = json_of(app.get("/api/v1/admin/reports").await).await;
    assert_eq!(code, 401);
}

#[tokio::test]
async fn an_incoming_flag_files_a_report_unless_its_domain_rejects_reports() {
    let remote = FakeRemote::start("remote.test").await;
    let mastodon = remote.add_actor("instance");
    let app = app_with(&[&remote]).await;
    let admin = staff(&app, "boss", "admin", "admin:read").await;
    let member = app.member("accused", "read write").await;
    let flag = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/flags/{n}", remote.base()),
            "type": "Flag",
            "actor": mastodon.uri,
            "content": "Harassment",
            "object": [local_actor(&app, &member.username)],
        })
    };
    assert_eq!(mastodon.post(&app, "/inbox", &flag(1)).await.status(), 202);
    app.run_jobs().await;
    let (_, list) = admin_get(&app, &admin.token, "/api/v1/admin/reports").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["comment"], "Harassment");
    assert_eq!(list[0]["target_account"]["id"], member.account_id.to_string());
    assert_schema("AdminReport", &list[0]);

    sqlx::query(
        "insert into domain_blocks (domain, severity, reject_reports) values ('remote.test', 'noop', true)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.state.federation.policy.reload(&app.pool).await.unwrap();
    assert_eq!(mastodon.post(&app, "/inbox", &flag(2)).await.status(), 202);
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from reports").await, 1);
}
