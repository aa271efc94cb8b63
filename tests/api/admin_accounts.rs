//! `/api/v1/admin/accounts`: the staff's view of accounts and account-level sanctions (silence,
//! suspend, sensitive, disable) for local and remote accounts. Answers are checked against the
//! Mastodon OpenAPI schema.

use ferrodon::actions::accounts::{Creator, NewAccount, Role, create_local};
use serde_json::{Value, json};

use crate::admin_reports::{assert_schema, post, remote_account, staff};
use crate::fake_remote::{FakeRemote, create_note};
use crate::federation_in::{app_with, count};
use crate::helpers::{TestApp, TestBrowser, TestMember, json_of};

async fn act(app: &TestApp, token: &str, account: i64, form: &[(&str, &str)]) -> (u16, Value) {
    let path = format!("/api/v1/admin/accounts/{account}/action");
    json_of(app.post_form(&path, Some(token), form).await).await
}

async fn call(app: &TestApp, token: &str, account: i64, what: &str) -> (u16, Value) {
    let path = format!("/api/v1/admin/accounts/{account}/{what}");
    json_of(app.post_form(&path, Some(token), &[]).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json_of(app.get_with(path, token).await).await
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn credentials(app: &TestApp, member: &TestMember) -> u16 {
    app.get_with("/api/v1/accounts/verify_credentials", &member.token)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_suspended_member_is_locked_out_and_gone_until_unsuspended() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write").await;
    let member = app.member("naughty", "read write").await;
    let status = post(&app, &member, "hello", "public").await;
    let profile = format!("/api/v1/accounts/{}", member.account_id);

    let (code, body) = act(
        &app,
        &admin.token,
        member.account_id,
        &[("type", "suspend"), ("text", "spam")],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body, json!({}));
    assert_eq!(credentials(&app, &member).await, 401);
    let (code, _, _) = TestBrowser::new(&app)
        .sign_in("naughty", "correct horse battery")
        .await;
    assert_eq!(code, 401);
    assert_eq!(app.get(&profile).await.status(), 404);
    assert_eq!(app.get(&format!("{profile}/statuses")).await.status(), 404);
    assert_eq!(app.get(&format!("/api/v1/statuses/{status}")).await.status(), 404);
    assert_eq!(
        app.get("/api/v1/accounts/lookup?acct=naughty").await.status(),
        404
    );
    let actor = app
        .client
        .get(format!("{}/users/naughty", app.base_url))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    // As Mastodon: the actor stays, its profile withheld, saying it is suspended.
    assert_eq!(actor.status(), 200);
    let actor: Value = actor.json().await.unwrap();
    assert_eq!(actor["suspended"], true);
    assert_eq!(actor["summary"], "");

    let (code, shown) = get(
        &app,
        &admin.token,
        &format!("/api/v1/admin/accounts/{}", member.account_id),
    )
    .await;
    assert_eq!(code, 200, "{shown}");
    assert_schema("AdminAccount", &shown);
    assert_eq!(shown["suspended"], true);
    assert_eq!(shown["email"], "naughty@example.com");
    assert_eq!(shown["account"]["username"], "naughty");
    let (_, suspended) = get(&app, &admin.token, "/api/v1/admin/accounts?suspended=true").await;
    assert_eq!(ids_of(&suspended), vec![member.account_id.to_string()]);
    let (_, suspended) = get(
        &app,
        &admin.token,
        "/api/v2/admin/accounts?status=suspended&origin=local",
    )
    .await;
    assert_eq!(ids_of(&suspended), vec![member.account_id.to_string()]);

    let (code, body) = call(&app, &admin.token, member.account_id, "unsuspend").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["suspended"], false);
    assert_eq!(credentials(&app, &member).await, 200);
    assert_eq!(app.get(&profile).await.status(), 200);
    let (code, _, _) = TestBrowser::new(&app)
        .sign_in("naughty", "correct horse battery")
        .await;
    assert_eq!(code, 303);
}

#[tokio::test]
async fn a_disabled_login_refuses_its_tokens_until_enabled() {
    let app = TestApp::spawn().await;
    let moderator = staff(
        &app,
        "mod",
        "moderator",
        "admin:read:accounts admin:write:accounts",
    )
    .await;
    let admin = staff(&app, "boss", "admin", "admin:read:accounts admin:write:accounts").await;
    let member = app.member("frozen", "read write").await;
    // Access to sign-in is the admins' (as in Mastodon), not the moderators'.
    let (code, _) = act(&app, &moderator.token, member.account_id, &[("type", "disable")]).await;
    assert_eq!(code, 403);
    assert_eq!(credentials(&app, &member).await, 200);
    let (code, _) = act(&app, &admin.token, member.account_id, &[("type", "disable")]).await;
    assert_eq!(code, 200);
    assert_eq!(credentials(&app, &member).await, 401);
    // The profile stays up.
    let profile = format!("/api/v1/accounts/{}", member.account_id);
    assert_eq!(app.get(&profile).await.status(), 200);
    let (_, disabled) = get(&app, &moderator.token, "/api/v1/admin/accounts?disabled=true").await;
    assert_eq!(disabled[0]["disabled"], true);
    let (code, _) = call(&app, &moderator.token, member.account_id, "enable").await;
    assert_eq!(code, 403);
    let (code, body) = call(&app, &admin.token, member.account_id, "enable").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["disabled"], false);
    assert_eq!(credentials(&app, &member).await, 200);
    // Deleting a member's data is the admins' too.
    act(&app, &moderator.token, member.account_id, &[("type", "suspend")]).await;
    let path = format!("{}/api/v1/admin/accounts/{}", app.base_url, member.account_id);
    let response = app
        .client
        .delete(&path)
        .bearer_auth(&moderator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .delete(&path)
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // A deleted member stays suspended: the name is reserved, there is nothing to bring back.
    let (code, _) = call(&app, &admin.token, member.account_id, "unsuspend").await;
    assert_eq!(code, 403);
    // Its profile says so: gone for good, not merely unknown.
    assert_eq!(app.get("/@frozen").await.status(), 410);
}

#[tokio::test]
async fn silencing_and_sensitizing_show_and_are_lifted() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write").await;
    let member = app.member("loud", "read write").await;
    let reporter = app.member("reporter", "read write").await;
    let (_, filed) = json_of(
        app.post_form(
            "/api/v1/reports",
            Some(&reporter.token),
            &[
                ("account_id", &member.account_id.to_string()),
                ("comment", "shouting"),
            ],
        )
        .await,
    )
    .await;
    let report_id = filed["id"].as_str().unwrap().to_owned();

    let (code, body) = act(
        &app,
        &admin.token,
        member.account_id,
        &[("type", "silence"), ("report_id", &report_id)],
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let silenced_at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select silenced_at from accounts where id = $1")
            .bind(member.account_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(silenced_at.is_some());
    // Taking the action resolved the report.
    let (_, report) = get(&app, &admin.token, &format!("/api/v1/admin/reports/{report_id}")).await;
    assert_eq!(report["action_taken"], true);
    assert_eq!(report["target_account"]["silenced"], true);

    let with_media = post(&app, &member, "look", "public").await;
    let text_only = post(&app, &member, "read", "public").await;
    sqlx::query(
        "insert into media_attachments (account_id, status_id, content_type, file_key, file_size, width,
                                        height, small_width, small_height)
         values ($1, $2, 'image/png', 'x', 1, 1, 1, 1, 1)",
    )
    .bind(member.account_id)
    .bind(with_media.parse::<i64>().unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let (code, _) = act(&app, &admin.token, member.account_id, &[("type", "sensitive")]).await;
    assert_eq!(code, 200);
    // Its media are shown as sensitive; its text is as it was.
    for (status, sensitive) in [(&with_media, true), (&text_only, false)] {
        let (_, shown) = json_of(app.get(&format!("/api/v1/statuses/{status}")).await).await;
        assert_eq!(shown["sensitive"], sensitive, "{shown}");
    }
    let (_, shown) = get(
        &app,
        &admin.token,
        &format!("/api/v1/admin/accounts/{}", member.account_id),
    )
    .await;
    assert_eq!(
        (shown["silenced"].clone(), shown["sensitized"].clone()),
        (json!(true), json!(true))
    );
    assert_schema("AdminAccount", &shown);

    let (_, body) = call(&app, &admin.token, member.account_id, "unsilence").await;
    assert_eq!(body["silenced"], false);
    let (_, body) = call(&app, &admin.token, member.account_id, "unsensitive").await;
    assert_eq!(body["sensitized"], false);
    assert_schema("AdminAccount", &body);

    let (code, body) = act(&app, &admin.token, member.account_id, &[("type", "nonsense")]).await;
    assert_eq!(code, 422, "{body}");
}

#[tokio::test]
async fn suspending_a_remote_account_severs_members_follows_and_purges_its_posts() {
    let remote = FakeRemote::start("remote.test").await;
    let troll = remote.add_actor("troll");
    let friend = remote.add_actor("friend");
    let app = app_with(&[&remote]).await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write").await;
    let member = app.member("fan", "read write").await;
    let troll_id = remote_account(&app, &troll).await;
    let friend_id = remote_account(&app, &friend).await;
    for (follower, target) in [
        (member.account_id, troll_id),
        (troll_id, member.account_id),
        (member.account_id, friend_id),
    ] {
        sqlx::query("insert into follows (account_id, target_account_id) values ($1, $2)")
            .bind(follower)
            .bind(target)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    assert_eq!(
        troll
            .post(&app, "/inbox", &create_note(&troll, "1", json!({})))
            .await
            .status(),
        202
    );
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 1);

    let (code, body) = act(&app, &admin.token, troll_id, &[("type", "suspend")]).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(count(&app, "select count(*) from statuses").await, 0);
    // Only the follows with the suspended account went.
    assert_eq!(count(&app, "select count(*) from follows").await, 1);
    let (kind, name): (String, String) =
        sqlx::query_as("select type, target_name from relationship_severance_events")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (kind.as_str(), name.as_str()),
        ("account_suspension", "troll@remote.test")
    );
    assert_eq!(count(&app, "select count(*) from severed_relationships").await, 2);
    assert_eq!(
        count(
            &app,
            "select count(*) from notifications where type = 'severed_relationships'"
        )
        .await,
        1
    );
    // What it sends from now on is dropped.
    assert_eq!(
        troll
            .post(&app, "/inbox", &create_note(&troll, "2", json!({})))
            .await
            .status(),
        202
    );
    app.run_jobs().await;
    assert_eq!(count(&app, "select count(*) from statuses").await, 0);
    // Members cannot look the suspended account up by its handle.
    let (code, _) = get(
        &app,
        &member.token,
        "/api/v1/accounts/lookup?acct=troll@remote.test",
    )
    .await;
    assert_eq!(code, 404);
    let (_, shown) = get(&app, &admin.token, &format!("/api/v1/admin/accounts/{troll_id}")).await;
    assert_eq!(shown["suspended"], true);
    assert_eq!(shown["domain"], "remote.test");
    assert_eq!(shown["email"], "");
    // Listing by origin and domain.
    let (_, remote_list) = get(
        &app,
        &admin.token,
        "/api/v1/admin/accounts?remote=true&by_domain=REMOTE.test",
    )
    .await;
    let mut listed = ids_of(&remote_list);
    listed.sort();
    let mut expected = vec![troll_id.to_string(), friend_id.to_string()];
    expected.sort();
    assert_eq!(listed, expected);
    let (_, local_list) = get(&app, &admin.token, "/api/v2/admin/accounts?origin=local").await;
    assert_eq!(local_list.as_array().unwrap().len(), 2);
    for account in local_list.as_array().unwrap() {
        assert_schema("AdminAccount", account);
    }

    // Lifting the suspension brings nothing back; deleting the data of an active account is refused.
    let (code, _) = call(&app, &admin.token, troll_id, "unsuspend").await;
    assert_eq!(code, 200);
    assert_eq!(count(&app, "select count(*) from follows").await, 1);
    let path = format!("/api/v1/admin/accounts/{friend_id}");
    let (code, _) = json_of(
        app.send_form(reqwest::Method::DELETE, &path, Some(&admin.token), &[])
            .await,
    )
    .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn pending_sign_ups_are_approved_or_rejected_and_staff_rank_is_respected() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write").await;
    let moderator = staff(&app, "mod", "moderator", "admin:read admin:write").await;
    let member = app.member("plain", "read write admin:read admin:write").await;
    let mut pending = Vec::new();
    for name in ["hopeful", "doubtful"] {
        let created = create_local(
            &app.pool,
            NewAccount {
                username: name,
                email: &format!("{name}@example.com"),
                password: "correct horse battery",
                role: Role::User,
                approved: false,
                creator: Creator::SignUp,
                locale: "en",
                reason: Some("I like it here"),
            },
        )
        .await
        .unwrap();
        pending.push(created.account_id);
    }
    let (_, waiting) = get(&app, &moderator.token, "/api/v1/admin/accounts?pending=true").await;
    assert_eq!(waiting.as_array().unwrap().len(), 2);
    assert_eq!(waiting[0]["invite_request"], "I like it here");
    assert_eq!(waiting[0]["approved"], false);

    let (code, body) = call(&app, &moderator.token, pending[0], "approve").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["approved"], true);
    assert_schema("AdminAccount", &body);
    let (code, _) = call(&app, &moderator.token, pending[0], "approve").await;
    assert_eq!(code, 403);
    let (code, body) = call(&app, &moderator.token, pending[1], "reject").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["username"], "doubtful");
    let (code, _) = get(
        &app,
        &moderator.token,
        &format!("/api/v1/admin/accounts/{}", pending[1]),
    )
    .await;
    assert_eq!(code, 404);

    // A moderator cannot act on an admin, nor on themself; a member cannot act at all.
    let (code, _) = act(&app, &moderator.token, admin.account_id, &[("type", "suspend")]).await;
    assert_eq!(code, 403);
    let (code, _) = act(
        &app,
        &moderator.token,
        moderator.account_id,
        &[("type", "silence")],
    )
    .await;
    assert_eq!(code, 403);
    let (code, _) = act(&app, &member.token, pending[0], &[("type", "silence")]).await;
    assert_eq!(code, 403);
    let (code, _) = get(&app, &member.token, "/api/v1/admin/accounts").await;
    assert_eq!(code, 403);
    // An admin may act on a moderator.
    let (code, _) = act(&app, &admin.token, moderator.account_id, &[("type", "silence")]).await;
    assert_eq!(code, 200);
}
