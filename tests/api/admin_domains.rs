//! The domain APIs: the admin API's domain blocks and allows (as block-list tools drive them),
//! the public list of moderated servers, and members' own domain blocks.

use ferrodon::config::{BridgePolicy, DomainBlocksVisibility};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_remote::{FakeActor, FakeRemote};
use crate::federation_in::{app_with, local_actor};
use crate::helpers::{TestApp, TestMember, json_of};

/// A member with `role` (user, moderator, admin) and a token of `scopes`.
async fn staff(app: &TestApp, username: &str, role: &str, scopes: &str) -> TestMember {
    let member = app.member(username, scopes).await;
    sqlx::query("update users set role = $2 where id = $1")
        .bind(member.user_id)
        .bind(role)
        .execute(&app.pool)
        .await
        .unwrap();
    member
}

/// The Admin::DomainBlock fields Mastodon always sends, with their JSON types.
fn assert_admin_domain_block(entity: &Value) {
    for key in ["id", "domain", "digest", "created_at", "severity"] {
        assert!(entity[key].is_string(), "{key} in {entity}");
    }
    for key in ["reject_media", "reject_reports", "obfuscate"] {
        assert!(entity[key].is_boolean(), "{key} in {entity}");
    }
    for key in ["private_comment", "public_comment"] {
        assert!(
            entity[key].is_string() || entity[key].is_null(),
            "{key} in {entity}"
        );
    }
    assert!(
        ["noop", "silence", "suspend"].contains(&entity["severity"].as_str().unwrap()),
        "{entity}"
    );
    assert_eq!(entity["digest"].as_str().unwrap().len(), 64);
}

async fn create(app: &TestApp, token: &str, form: &[(&str, &str)]) -> (u16, Value) {
    json_of(
        app.post_form("/api/v1/admin/domain_blocks", Some(token), form)
            .await,
    )
    .await
}

fn sha256(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn an_admin_creates_lists_reads_updates_and_lifts_a_domain_block() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "chief", "admin", "admin:read admin:write").await;

    let (status, created) = create(
        &app,
        &admin.token,
        &[
            ("domain", "EVIL.TEST."),
            ("severity", "silence"),
            ("reject_media", "true"),
            ("private_comment", "spam wave"),
            ("public_comment", "Spam"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{created}");
    assert_admin_domain_block(&created);
    assert_eq!(created["domain"], "evil.test");
    assert_eq!(created["digest"], sha256("evil.test"));
    assert_eq!(created["severity"], "silence");
    assert_eq!(created["reject_media"], true);
    assert_eq!(created["reject_reports"], false);
    assert_eq!(created["obfuscate"], false);
    assert_eq!(created["private_comment"], "spam wave");
    assert!(app.state.federation.policy.check("sub.evil.test").is_limited());
    let id = created["id"].as_str().unwrap().to_owned();

    // A JSON body works too; a missing severity means Limit, as in Mastodon.
    let (status, other) = json_of(
        app.send_json(
            Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            &json!({"domain": "other.test", "obfuscate": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(other["severity"], "silence");
    assert_eq!(other["obfuscate"], true);

    let response = app
        .get_with("/api/v1/admin/domain_blocks?limit=1", &admin.token)
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let (status, page) = json_of(response).await;
    assert_eq!(status, 200);
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["domain"], "other.test", "newest first");
    assert!(
        link.contains("rel=\"next\"") && link.contains("max_id="),
        "{link}"
    );
    let next = link.split(['<', '>']).nth(1).unwrap();
    let next_path = next.strip_prefix(&app.state.base_url.to_string()).unwrap();
    let (_, second) = json_of(app.get_with(next_path, &admin.token).await).await;
    assert_eq!(second[0]["domain"], "evil.test", "{second}");

    let (status, one) = json_of(
        app.get_with(&format!("/api/v1/admin/domain_blocks/{id}"), &admin.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one, created);

    // A partial update keeps what it leaves out; the domain never changes.
    let (status, updated) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&admin.token),
            &[("severity", "suspend"), ("domain", "changed.test")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_admin_domain_block(&updated);
    assert_eq!(updated["severity"], "suspend");
    assert_eq!(updated["domain"], "evil.test");
    assert_eq!(updated["reject_media"], true);
    assert_eq!(updated["public_comment"], "Spam");
    assert_eq!(updated["private_comment"], "spam wave");
    assert!(app.state.federation.policy.is_suspended("evil.test"));

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&admin.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert!(!app.state.federation.policy.is_suspended("evil.test"));
    let (status, _) = json_of(
        app.get_with(&format!("/api/v1/admin/domain_blocks/{id}"), &admin.token)
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&admin.token),
            &[("severity", "noop")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn raising_a_limit_to_a_suspension_flags_and_purges_the_domains_accounts() {
    let remote = FakeRemote::start("evil.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let admin = staff(&app, "chief", "admin", "admin:write").await;
    let alice = app.member("alice", "read write follow").await;
    followed_by(&app, &remote, &bob).await;

    let (_, created) = create(
        &app,
        &admin.token,
        &[("domain", "evil.test"), ("severity", "silence")],
    )
    .await;
    app.run_jobs().await;
    let flags = || async {
        sqlx::query_as::<_, (bool, bool)>(
            "select domain_limited, domain_suspended from accounts where domain = 'evil.test'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(flags().await, (true, false));

    let (status, _) = json_of(
        app.send_json(
            Method::PUT,
            &format!("/api/v1/admin/domain_blocks/{}", created["id"].as_str().unwrap()),
            Some(&admin.token),
            &json!({"severity": "suspend"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    app.run_jobs().await;
    assert_eq!(flags().await, (false, true));
    let (_, followers) = json_of(
        app.get_with(
            &format!("/api/v1/accounts/{}/followers", alice.account_id),
            &alice.token,
        )
        .await,
    )
    .await;
    assert_eq!(followers, json!([]), "the suspension purged bob's follow");
}

#[tokio::test]
async fn a_duplicate_or_weaker_rule_answers_422_with_the_existing_one() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "chief", "admin", "admin:write:domain_blocks").await;
    let (_, parent) = create(
        &app,
        &admin.token,
        &[("domain", "evil.test"), ("severity", "suspend")],
    )
    .await;

    for (domain, severity) in [
        ("evil.test", "noop"),
        ("Evil.Test", "suspend"),
        ("sub.evil.test", "silence"),
        ("sub.evil.test", "suspend"),
    ] {
        let (status, body) = create(&app, &admin.token, &[("domain", domain), ("severity", severity)]).await;
        assert_eq!(status, 422, "{domain} {severity}: {body}");
        assert!(body["error"].as_str().unwrap().contains("evil.test"), "{body}");
        assert_eq!(body["existing_domain_block"], parent, "{domain}");
    }

    // A subdomain rule stricter than its parent's stands on its own.
    let (_, limited) = create(
        &app,
        &admin.token,
        &[("domain", "limited.test"), ("severity", "silence")],
    )
    .await;
    let (status, stricter) = create(
        &app,
        &admin.token,
        &[("domain", "sub.limited.test"), ("severity", "suspend")],
    )
    .await;
    assert_eq!(status, 200, "{stricter}");
    assert_ne!(stricter["id"], limited["id"]);
    let (status, with_flag) = create(
        &app,
        &admin.token,
        &[
            ("domain", "media.limited.test"),
            ("severity", "silence"),
            ("reject_media", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{with_flag}");
}

#[tokio::test]
async fn invalid_domains_our_own_domain_and_unknown_severities_answer_422() {
    let app = TestApp::spawn().await;
    let admin = staff(&app, "chief", "admin", "admin:write").await;
    let own = app.config.server.domain.clone();
    for form in [
        vec![("domain", "not a domain")],
        vec![("domain", "")],
        vec![],
        vec![("domain", own.as_str())],
        vec![("domain", "fine.test"), ("severity", "obliterate")],
    ] {
        let (status, body) = create(&app, &admin.token, &form).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (_, created) = create(&app, &admin.token, &[("domain", "fine.test")]).await;
    let (status, _) = json_of(
        app.send_form(
            Method::PUT,
            &format!("/api/v1/admin/domain_blocks/{}", created["id"].as_str().unwrap()),
            Some(&admin.token),
            &[("severity", "obliterate")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn only_admins_with_admin_scopes_may_use_the_domain_admin_api() {
    let app = TestApp::spawn().await;
    let user = staff(&app, "user", "user", "admin:read admin:write").await;
    let moderator = staff(&app, "mod_person", "moderator", "admin:read admin:write").await;
    let plain_admin = staff(&app, "plain", "admin", "read write follow").await;
    let reader = staff(
        &app,
        "reader",
        "admin",
        "admin:read:domain_blocks admin:read:domain_allows",
    )
    .await;
    let admin = staff(&app, "chief", "admin", "admin:read admin:write").await;
    let (_, rule) = create(&app, &admin.token, &[("domain", "evil.test")]).await;
    let rule_path = format!("/api/v1/admin/domain_blocks/{}", rule["id"].as_str().unwrap());

    for path in [
        "/api/v1/admin/domain_blocks",
        "/api/v1/admin/domain_allows",
        rule_path.as_str(),
    ] {
        assert_eq!(app.get(path).await.status(), 401, "{path}");
        for (who, token) in [
            ("user", &user.token),
            ("moderator", &moderator.token),
            ("admin without admin scopes", &plain_admin.token),
        ] {
            let (status, body) = json_of(app.get_with(path, token).await).await;
            assert_eq!(status, 403, "{who} {path}: {body}");
            assert!(body["error"].is_string());
        }
        assert_eq!(app.get_with(path, &reader.token).await.status(), 200, "{path}");
    }
    for (path, method) in [
        ("/api/v1/admin/domain_blocks", Method::POST),
        (rule_path.as_str(), Method::PUT),
        (rule_path.as_str(), Method::DELETE),
        ("/api/v1/admin/domain_allows", Method::POST),
    ] {
        let form = [("domain", "x.test")];
        let status = |token: Option<String>| {
            let (method, path) = (method.clone(), path.to_owned());
            let app = &app;
            async move {
                app.send_form(method, &path, token.as_deref(), &form)
                    .await
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(status(None).await, 401, "{method} {path}");
        assert_eq!(status(Some(reader.token.clone())).await, 403, "{method} {path}");
        assert_eq!(
            status(Some(moderator.token.clone())).await,
            403,
            "{method} {path}"
        );
    }
    assert!(app.state.federation.policy.check("x.test") == Default::default());
}

#[tokio::test]
async fn an_admin_allows_lists_reads_and_removes_domains() {
    let app = TestApp::spawn().await;
    let admin = staff(
        &app,
        "chief",
        "admin",
        "admin:read:domain_allows admin:write:domain_allows",
    )
    .await;
    let (status, allowed) = json_of(
        app.post_form(
            "/api/v1/admin/domain_allows",
            Some(&admin.token),
            &[("domain", "Friend.Test")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{allowed}");
    assert_eq!(allowed["domain"], "friend.test");
    assert!(allowed["id"].is_string() && allowed["created_at"].is_string());
    let (status, again) = json_of(
        app.post_form(
            "/api/v1/admin/domain_allows",
            Some(&admin.token),
            &[("domain", "friend.test")],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &again),
        (200, &allowed),
        "an allowed domain answers its entry"
    );
    let (status, _) = json_of(
        app.post_form(
            "/api/v1/admin/domain_allows",
            Some(&admin.token),
            &[("domain", "")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);

    let (status, list) = json_of(app.get_with("/api/v1/admin/domain_allows", &admin.token).await).await;
    assert_eq!((status, list), (200, json!([allowed.clone()])));
    let path = format!("/api/v1/admin/domain_allows/{}", allowed["id"].as_str().unwrap());
    let (status, one) = json_of(app.get_with(&path, &admin.token).await).await;
    assert_eq!((status, &one), (200, &allowed));
    let (status, body) = json_of(
        app.send_form(Method::DELETE, &path, Some(&admin.token), &[])
            .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(app.get_with(&path, &admin.token).await.status(), 404);
    let (_, list) = json_of(app.get_with("/api/v1/admin/domain_allows", &admin.token).await).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn the_public_list_follows_the_visibility_setting() {
    let hidden =
        TestApp::spawn_with(|c| c.federation.show_domain_blocks = DomainBlocksVisibility::Hidden).await;
    let member = hidden.member("alice", "read").await;
    assert_eq!(hidden.get("/api/v1/instance/domain_blocks").await.status(), 404);
    assert_eq!(
        hidden
            .get_with("/api/v1/instance/domain_blocks", &member.token)
            .await
            .status(),
        404
    );

    let users =
        TestApp::spawn_with(|c| c.federation.show_domain_blocks = DomainBlocksVisibility::Users).await;
    let member = users.member("alice", "read").await;
    assert_eq!(users.get("/api/v1/instance/domain_blocks").await.status(), 404);
    let (status, list) = json_of(
        users
            .get_with("/api/v1/instance/domain_blocks", &member.token)
            .await,
    )
    .await;
    assert_eq!((status, list), (200, json!([])));
    assert_eq!(
        users
            .get_with("/api/v1/instance/domain_blocks", "not-a-token")
            .await
            .status(),
        401
    );

    let all = TestApp::spawn().await;
    let (status, list) = json_of(all.get("/api/v1/instance/domain_blocks").await).await;
    assert_eq!((status, list), (200, json!([])));
}

#[tokio::test]
async fn the_public_list_masks_obfuscated_domains_and_includes_configured_rules() {
    let app = TestApp::spawn_with(|c| c.federation.bridges = BridgePolicy::Suspend).await;
    let admin = staff(&app, "chief", "admin", "admin:write").await;
    for form in [
        vec![
            ("domain", "evil.test"),
            ("severity", "suspend"),
            ("public_comment", "Harassment"),
        ],
        vec![
            ("domain", "secret.example"),
            ("severity", "silence"),
            ("obfuscate", "true"),
        ],
        vec![
            ("domain", "flags.test"),
            ("severity", "noop"),
            ("reject_media", "true"),
        ],
        // A database rule replaces the configured one for the same domain.
        vec![
            ("domain", "mostr.pub"),
            ("severity", "silence"),
            ("public_comment", "Nostr bridge"),
        ],
    ] {
        let (status, body) = create(&app, &admin.token, &form).await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, list) = json_of(app.get("/api/v1/instance/domain_blocks").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!([
            {"domain": "brid.gy", "digest": sha256("brid.gy"), "severity": "suspend", "comment": null},
            {"domain": "evil.test", "digest": sha256("evil.test"), "severity": "suspend", "comment": "Harassment"},
            {"domain": "mostr.pub", "digest": sha256("mostr.pub"), "severity": "silence", "comment": "Nostr bridge"},
            {"domain": "sec***.****ple", "digest": sha256("secret.example"), "severity": "silence", "comment": null},
        ])
    );
}

/// bob@remote.test follows alice (his server sends a Follow).
async fn followed_by(app: &TestApp, remote: &FakeRemote, bob: &FakeActor) {
    let follow = json!({"id": format!("{}/follows/1", remote.base()), "type": "Follow", "actor": bob.uri, "object": local_actor(app, "alice")});
    assert_eq!(bob.post(app, "/inbox", &follow).await.status(), 202);
    app.run_jobs().await;
}

#[tokio::test]
async fn a_members_domain_block_severs_follows_both_ways_and_covers_subdomains() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let alice = app.member("alice", "read write follow").await;
    followed_by(&app, &remote, &bob).await;
    let (_, account) = json_of(
        app.get_with("/api/v1/accounts/lookup?acct=bob@remote.test", &alice.token)
            .await,
    )
    .await;
    let bob_id = account["id"].as_str().unwrap().to_owned();
    app.post_form(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        Some(&alice.token),
        &[],
    )
    .await;
    let follow = json!({"id": format!("{}/follow/x", app.base_url), "type": "Follow", "actor": local_actor(&app, "alice"), "object": bob.uri});
    let accept = json!({"id": format!("{}/accept/1", remote.base()), "type": "Accept", "actor": bob.uri, "object": follow});
    assert_eq!(bob.post(&app, "/inbox", &accept).await.status(), 202);
    app.run_jobs().await;
    let relationship = || async {
        let (_, list) = json_of(
            app.get_with(
                &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
                &alice.token,
            )
            .await,
        )
        .await;
        list[0].clone()
    };
    let before = relationship().await;
    assert_eq!(
        (
            &before["following"],
            &before["followed_by"],
            &before["domain_blocking"]
        ),
        (&json!(true), &json!(true), &json!(false)),
        "{before}"
    );

    let (status, body) = json_of(
        app.post_form(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", "REMOTE.test.")],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let after = relationship().await;
    assert_eq!(
        (
            &after["following"],
            &after["followed_by"],
            &after["domain_blocking"]
        ),
        (&json!(false), &json!(false), &json!(true)),
        "{after}"
    );

    // Recorded as a severance: one following, one follower, and a notification.
    let (kind, target, purged) = sqlx::query_as::<_, (String, String, bool)>(
        "select type, target_name, purged from relationship_severance_events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), target.as_str(), purged),
        ("user_domain_block", "remote.test", false)
    );
    let directions = sqlx::query_scalar::<_, String>(
        "select direction from severed_relationships where account_id = $1 order by direction",
    )
    .bind(alice.account_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(directions, ["follower", "following"]);
    let notified = sqlx::query_scalar::<_, i64>(
        "select count(*) from notifications where account_id = $1 and type = 'severed_relationships'",
    )
    .bind(alice.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(notified, 1);
    let follow_notices = sqlx::query_scalar::<_, i64>(
        "select count(*) from notifications where account_id = $1 and type = 'follow'",
    )
    .bind(alice.account_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(follow_notices, 0, "notifications from the blocked domain go");

    // bob's server hears an Undo(Follow) and a Reject(Follow).
    ferrodon::federation::delivery::deliver_pending(&app.state)
        .await
        .unwrap();
    let sent: Vec<String> = remote
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| {
            let activity: Value = serde_json::from_slice(&r.body).unwrap();
            activity["type"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert!(sent.contains(&"Undo".to_owned()), "{sent:?}");
    assert!(sent.contains(&"Reject".to_owned()), "{sent:?}");

    // The block covers subdomains; other domains stay free.
    let covered = |domain: &'static str| {
        let pool = app.pool.clone();
        let viewer = alice.account_id;
        async move {
            sqlx::query_scalar::<_, bool>("select domain_blocked_by($1, $2)")
                .bind(viewer)
                .bind(domain)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(covered("remote.test").await);
    assert!(covered("a.b.remote.test").await);
    assert!(!covered("notremote.test").await);
    assert!(!covered("remote.test.example").await);

    let (status, list) = json_of(app.get_with("/api/v1/domain_blocks", &alice.token).await).await;
    assert_eq!((status, list), (200, json!(["remote.test"])));

    let (status, body) = json_of(
        app.send_form(
            Method::DELETE,
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", "remote.test")],
        )
        .await,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let lifted = relationship().await;
    assert_eq!(
        (&lifted["following"], &lifted["domain_blocking"]),
        (&json!(false), &json!(false)),
        "nothing comes back: {lifted}"
    );
    let (_, list) = json_of(app.get_with("/api/v1/domain_blocks", &alice.token).await).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn members_domain_blocks_page_with_link_headers_and_check_scopes() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    for domain in ["one.test", "two.test", "three.test"] {
        let response = app
            .post_form("/api/v1/domain_blocks", Some(&alice.token), &[("domain", domain)])
            .await;
        assert_eq!(response.status(), 200);
    }
    let response = app.get_with("/api/v1/domain_blocks?limit=2", &alice.token).await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let (_, page) = json_of(response).await;
    assert_eq!(page, json!(["three.test", "two.test"]));
    let next = link.split(['<', '>']).nth(1).unwrap();
    let next_path = next.strip_prefix(&app.state.base_url.to_string()).unwrap();
    let (_, rest) = json_of(app.get_with(next_path, &alice.token).await).await;
    assert_eq!(rest, json!(["one.test"]));

    // A name longer than DNS allows is no domain (it used to be stored, 5,000 characters of it).
    let long = format!("{}.test", "x".repeat(5_000));
    let (status, body) = json_of(
        app.post_form("/api/v1/domain_blocks", Some(&alice.token), &[("domain", &long)])
            .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = json_of(
        app.post_form("/api/v1/domain_blocks", Some(&alice.token), &[("domain", "")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.get("/api/v1/domain_blocks").await.status(), 401);
    let no_blocks_scope = app.member("bob", "read:statuses write:statuses").await;
    assert_eq!(
        app.get_with("/api/v1/domain_blocks", &no_blocks_scope.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post_form(
            "/api/v1/domain_blocks",
            Some(&no_blocks_scope.token),
            &[("domain", "x.test")]
        )
        .await
        .status(),
        403
    );
}
