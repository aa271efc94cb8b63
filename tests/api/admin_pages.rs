//! The HTML side of federation policy: the About page's list of moderated servers and the
//! admin pages for domain rules and the allowlist (admin role, CSRF-protected forms).

use ferrodon::config::DomainBlocksVisibility;
use ferrodon::moderation::{Severity, Verdict};

use crate::domain_policy::rule;
use crate::helpers::{TestApp, TestBrowser, unescape_html};

/// A browser signed in as a member whose role is `role`.
pub(crate) async fn signed_in<'a>(app: &'a TestApp, username: &str, role: &str) -> TestBrowser<'a> {
    let member = app.member(username, "read").await;
    sqlx::query("update users set role = $1 where id = $2")
        .bind(role)
        .bind(member.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut browser = TestBrowser::new(app);
    let (status, _, _) = browser.sign_in(username, "correct horse battery").await;
    assert_eq!(status, 303);
    browser
}

async fn count_rules(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from domain_blocks")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn about_page_lists_moderated_servers_with_severity_and_reason_and_masks_obfuscated_ones() {
    let app = TestApp::spawn_with(|c| {
        c.federation.domains.insert("mostr.pub".into(), "limit".into());
    })
    .await;
    rule(&app, "evil.test", Severity::Suspend, |r| {
        r.public_comment = Some("Harassment & spam".into());
        r.private_comment = Some("ticket 4711".into());
    })
    .await;
    rule(&app, "secretive-place.test", Severity::Silence, |r| {
        r.obfuscate = true
    })
    .await;
    rule(&app, "bücher.example", Severity::Noop, |r| r.reject_media = true).await;
    rule(&app, "quiet.test", Severity::Noop, |r| r.reject_reports = true).await;

    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.get("/about").await;
    assert_eq!(status, 200);
    assert!(page.contains("Moderated servers"), "{page}");
    assert!(page.contains("evil.test"), "{page}");
    assert!(page.contains("Suspended"), "{page}");
    assert!(
        unescape_html(&page).contains("Harassment & spam"),
        "the public comment: {page}"
    );
    assert!(!page.contains("ticket 4711"), "never the private comment");
    assert!(
        !page.contains("secretive"),
        "an obfuscated name is masked: {page}"
    );
    assert!(page.contains("secre**********.test"), "{page}");
    assert!(
        page.contains(&sha256("secretive-place.test")),
        "with its digest: {page}"
    );
    assert!(page.contains("Limited"), "{page}");
    assert!(page.contains("bücher.example"), "domains in Unicode: {page}");
    assert!(page.contains("Media rejected"), "{page}");
    assert!(page.contains("mostr.pub"), "configured rules too: {page}");
    assert!(!page.contains("quiet.test"), "rules nobody notices are left out");
}

#[tokio::test]
async fn about_page_shows_moderated_servers_only_to_whom_the_setting_allows() {
    let hidden =
        TestApp::spawn_with(|c| c.federation.show_domain_blocks = DomainBlocksVisibility::Hidden).await;
    rule(&hidden, "evil.test", Severity::Suspend, |_| {}).await;
    let (status, _, page) = TestBrowser::new(&hidden).get("/about").await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Moderated servers") && !page.contains("evil.test"),
        "{page}"
    );

    let members =
        TestApp::spawn_with(|c| c.federation.show_domain_blocks = DomainBlocksVisibility::Users).await;
    rule(&members, "evil.test", Severity::Suspend, |_| {}).await;
    let (_, _, page) = TestBrowser::new(&members).get("/about").await;
    assert!(!page.contains("evil.test"), "not to anonymous readers: {page}");
    let mut browser = signed_in(&members, "mia", "user").await;
    let (_, _, page) = browser.get("/about").await;
    assert!(page.contains("evil.test"), "to signed-in members: {page}");
}

#[tokio::test]
async fn admin_adds_a_rule_through_the_form_and_it_is_in_force_at_once() {
    let app = TestApp::spawn().await;
    rule(&app, "old.test", Severity::Silence, |r| {
        r.private_comment = Some("seen in reports".into())
    })
    .await;
    let mut admin = signed_in(&app, "ada", "admin").await;
    let (status, _, page) = admin.get("/admin/domain_blocks").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("old.test") && page.contains("seen in reports"),
        "{page}"
    );
    assert!(page.contains("<label for=\"domain\">"), "labelled inputs: {page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();

    let (status, location, _) = admin
        .post(
            "/admin/domain_blocks",
            &[
                ("authenticity_token", &token),
                ("domain", "X.TEST."),
                ("severity", "suspend"),
                ("reject_reports", "1"),
                ("public_comment", "Spam"),
                ("private_comment", ""),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/domain_blocks")));
    assert!(app.state.federation.policy.check("x.test").is_suspended());
    assert!(app.state.federation.policy.check("sub.x.test").is_suspended());
    let (_, _, page) = admin.get("/admin/domain_blocks").await;
    assert!(
        page.contains("x.test") && page.contains("Spam") && page.contains("reject reports"),
        "{page}"
    );

    let (status, _, page) = admin
        .post(
            "/admin/domain_blocks",
            &[
                ("authenticity_token", &token),
                ("domain", "x.test"),
                ("severity", "silence"),
            ],
        )
        .await;
    assert_eq!(status, 422, "a duplicate is refused");
    assert!(
        page.contains("A rule for x.test already exists (Suspend)"),
        "{page}"
    );
    assert!(
        app.state.federation.policy.check("x.test").is_suspended(),
        "and changes nothing"
    );

    for (domain, severity, problem) in [
        ("not a domain", "suspend", "is not a domain name"),
        ("fine.test", "obliterate", "is not a severity"),
    ] {
        let (status, _, page) = admin
            .post(
                "/admin/domain_blocks",
                &[
                    ("authenticity_token", &token),
                    ("domain", domain),
                    ("severity", severity),
                ],
            )
            .await;
        assert_eq!(status, 422, "{domain}");
        assert!(page.contains(problem), "{page}");
    }
    let own = app.config.server.domain.clone();
    let (status, _, page) = admin
        .post(
            "/admin/domain_blocks",
            &[
                ("authenticity_token", &token),
                ("domain", &own),
                ("severity", "suspend"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("own domain cannot be moderated"), "{page}");
    assert_eq!(count_rules(&app).await, 2);
}

#[tokio::test]
async fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = rule(&app, "evil.test", Severity::Suspend, |_| {}).await;
    let mut admin = signed_in(&app, "ada", "admin").await;
    admin.get("/admin/domain_blocks").await;
    for token in [None, Some("forged-token-forged-token-forged-token")] {
        let with = |form: &[(&'static str, &'static str)]| {
            let mut form = form.to_vec();
            if let Some(token) = token {
                form.push(("authenticity_token", token));
            }
            form
        };
        let (status, _, _) = admin
            .post(
                "/admin/domain_blocks",
                &with(&[("domain", "new.test"), ("severity", "suspend")]),
            )
            .await;
        assert_eq!(status, 422);
        let (status, _, _) = admin
            .post(
                &format!("/admin/domain_blocks/{id}"),
                &with(&[("severity", "noop")]),
            )
            .await;
        assert_eq!(status, 422);
        let (status, _, _) = admin
            .post(&format!("/admin/domain_blocks/{id}/delete"), &with(&[]))
            .await;
        assert_eq!(status, 422);
        let (status, _, _) = admin
            .post("/admin/domain_allows", &with(&[("domain", "friend.test")]))
            .await;
        assert_eq!(status, 422);
    }
    assert_eq!(count_rules(&app).await, 1);
    assert!(app.state.federation.policy.check("evil.test").is_suspended());
    assert_eq!(app.state.federation.policy.check("new.test"), Verdict::FREE);
}

#[tokio::test]
async fn the_admin_pages_are_for_admins_only() {
    let app = TestApp::spawn().await;
    let id = rule(&app, "evil.test", Severity::Suspend, |_| {}).await;
    let mut member = signed_in(&app, "mo", "moderator").await;
    for path in [
        "/admin/domain_blocks",
        "/admin/domain_allows",
        &format!("/admin/domain_blocks/{id}/edit"),
    ] {
        let (status, _, page) = member.get(path).await;
        assert_eq!(status, 403, "{path}");
        assert!(!page.contains("evil.test"), "{page}");
    }
    let (_, _, page) = member.get("/auth/sign_in").await;
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = member
        .post(
            &format!("/admin/domain_blocks/{id}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 403);
    assert!(app.state.federation.policy.check("evil.test").is_suspended());

    let mut anonymous = TestBrowser::new(&app);
    let (status, location, _) = anonymous.get("/admin/domain_blocks").await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/auth/sign_in?return_to=%2Fadmin%2Fdomain_blocks")
    );
    let (_, _, page) = anonymous.get(location.as_deref().unwrap()).await;
    assert_eq!(
        TestBrowser::input_value(&page, "return_to").as_deref(),
        Some("/admin/domain_blocks")
    );
}

#[tokio::test]
async fn an_admin_edits_and_removes_a_rule() {
    let app = TestApp::spawn().await;
    let id = rule(&app, "evil.test", Severity::Suspend, |r| {
        r.public_comment = Some("Spam".into())
    })
    .await;
    let mut admin = signed_in(&app, "ada", "admin").await;
    let (status, _, page) = admin.get(&format!("/admin/domain_blocks/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<option value=\"suspend\" selected>"), "{page}");
    assert!(page.contains(">Spam</textarea>"), "{page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();

    let (status, location, _) = admin
        .post(
            &format!("/admin/domain_blocks/{id}"),
            &[
                ("authenticity_token", &token),
                ("severity", "silence"),
                ("reject_media", "1"),
                ("public_comment", "Spam, less of it"),
                ("obfuscate", "1"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/domain_blocks")));
    let verdict = app.state.federation.policy.check("evil.test");
    assert!(verdict.is_limited() && verdict.reject_media, "{verdict:?}");
    let (_, _, page) = admin.get("/admin/domain_blocks").await;
    assert!(
        page.contains("Spam, less of it") && page.contains("obfuscated"),
        "{page}"
    );

    let (status, _, page) = admin
        .post(
            &format!("/admin/domain_blocks/{id}"),
            &[("authenticity_token", &token), ("severity", "loud")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a severity"), "{page}");
    let (status, _, _) = admin
        .post(
            "/admin/domain_blocks/999999/delete",
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = admin.get("/admin/domain_blocks/nonsense/edit").await;
    assert_eq!(status, 404);

    let (status, location, _) = admin
        .post(
            &format!("/admin/domain_blocks/{id}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/domain_blocks")));
    assert_eq!(app.state.federation.policy.check("evil.test"), Verdict::FREE);
    assert_eq!(count_rules(&app).await, 0);
}

#[tokio::test]
async fn an_admin_manages_the_allowlist_and_is_told_when_it_has_no_effect() {
    let app = TestApp::spawn().await;
    let mut admin = signed_in(&app, "ada", "admin").await;
    let (status, _, page) = admin.get("/admin/domain_allows").await;
    assert_eq!(status, 200);
    assert!(page.contains("this list has no effect"), "{page}");
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, location, _) = admin
        .post(
            "/admin/domain_allows",
            &[("authenticity_token", &token), ("domain", "Friend.Test")],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/domain_allows")));
    let (status, _, page) = admin
        .post(
            "/admin/domain_allows",
            &[("authenticity_token", &token), ("domain", "no way")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a domain name"), "{page}");
    let (_, _, page) = admin.get("/admin/domain_allows").await;
    assert!(page.contains("friend.test"), "{page}");
    let id: i64 = sqlx::query_scalar("select id from domain_allows where domain = 'friend.test'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _, _) = admin
        .post(
            &format!("/admin/domain_allows/{id}/delete"),
            &[("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 303);
    let left: i64 = sqlx::query_scalar("select count(*) from domain_allows")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);

    let allowlist =
        TestApp::spawn_with(|c| c.federation.mode = ferrodon::config::FederationMode::Allowlist).await;
    let mut admin = signed_in(&allowlist, "ada", "admin").await;
    let (_, _, page) = admin.get("/admin/domain_allows").await;
    assert!(
        page.contains("allowlist mode") && !page.contains("no effect"),
        "{page}"
    );
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    assert!(
        allowlist
            .state
            .federation
            .policy
            .check("friend.test")
            .is_suspended()
    );
    admin
        .post(
            "/admin/domain_allows",
            &[("authenticity_token", &token), ("domain", "friend.test")],
        )
        .await;
    assert_eq!(
        allowlist.state.federation.policy.check("friend.test"),
        Verdict::FREE
    );
}

#[tokio::test]
async fn an_admin_handles_a_member_s_report_from_the_reports_page() {
    let app = TestApp::spawn().await;
    let reporter = app.member("reporter", "read write").await;
    let troll = app.member("troll", "read write").await;
    let (status, report) = crate::helpers::json_of(
        app.post_form(
            "/api/v1/reports",
            Some(&reporter.token),
            &[
                ("account_id", &troll.account_id.to_string()),
                ("comment", "rude <b>words</b>"),
                ("category", "spam"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let report_id = report["id"].as_str().unwrap().to_owned();

    let mut admin = signed_in(&app, "boss", "admin").await;
    let (status, _, page) = admin.get("/admin/reports").await;
    assert_eq!(status, 200);
    assert!(page.contains("@troll") && page.contains("@reporter"), "{page}");
    assert!(
        page.contains("rude &lt;b&gt;words&lt;/b&gt;") || page.contains("rude &#60;b&#62;"),
        "escaped: {page}"
    );
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();

    // Without the token nothing happens.
    let (status, _, _) = admin
        .post(&format!("/admin/reports/{report_id}"), &[("action", "silence")])
        .await;
    assert_eq!(status, 422);
    let (status, _, _) = admin
        .post(
            &format!("/admin/reports/{report_id}"),
            &[("action", "silence"), ("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 303);
    let (silenced, resolved): (bool, bool) = sqlx::query_as(
        "select a.silenced_at is not null, r.action_taken_at is not null
         from reports r join accounts a on a.id = r.target_account_id where r.id = $1",
    )
    .bind(report_id.parse::<i64>().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        silenced && resolved,
        "the account is limited and the report resolved"
    );
    let (_, _, page) = admin.get("/admin/reports?resolved=1").await;
    assert!(page.contains("@troll"), "{page}");
    // Moderators handle reports too, as in Mastodon and the admin API.
    let mut moderator = signed_in(&app, "mod", "moderator").await;
    let (status, _, page) = moderator.get("/admin/reports?resolved=1").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("@troll"), "{page}");

    let mut member = signed_in(&app, "nosy", "user").await;
    let (status, _, _) = member.get("/admin/reports").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_admin_previews_then_imports_a_block_list_file_from_the_admin_page() {
    let app = TestApp::spawn().await;
    rule(&app, "limited.test", Severity::Silence, |_| {}).await;
    let mut admin = signed_in(&app, "boss", "admin").await;
    let (status, _, page) = admin.get("/admin/domain_blocks/import").await;
    assert_eq!(status, 200);
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let csv = b"#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                evil.test,suspend,false,false,Spam,false\n\
                limited.test,suspend,false,false,,false\n\
                not a domain,suspend,false,false,,false\n"
        .to_vec();

    let (status, _, preview) = admin
        .post_multipart(
            "/admin/domain_blocks/import",
            &[("authenticity_token", &token), ("mode", "preview")],
            &[("file", "blocks.csv", csv.clone())],
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("What importing would do"), "{preview}");
    assert!(
        preview.contains("evil.test") && preview.contains("limited.test"),
        "{preview}"
    );
    assert!(
        preview.contains("line 4"),
        "the unusable line is named: {preview}"
    );
    assert_eq!(count_rules(&app).await, 1, "a preview changes nothing");

    let (status, _, done) = admin
        .post_multipart(
            "/admin/domain_blocks/import",
            &[("authenticity_token", &token), ("mode", "import")],
            &[("file", "blocks.csv", csv.clone())],
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Imported"), "{done}");
    let policy = &app.state.federation.policy;
    assert!(policy.check("evil.test").is_suspended());
    assert!(
        policy.check("limited.test").is_suspended(),
        "a Limit is upgraded to a Suspend"
    );

    let (status, _, exported) = admin.get("/admin/domain_blocks/export.csv").await;
    assert_eq!(status, 200);
    assert!(exported.starts_with("#domain,#severity"), "{exported}");
    assert!(exported.contains("evil.test,suspend"), "{exported}");

    // Without the token, nothing is imported.
    let (status, _, _) = admin
        .post_multipart(
            "/admin/domain_blocks/import",
            &[("mode", "import"), ("text", "other.test")],
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert!(!policy.check("other.test").is_suspended());
}

#[tokio::test]
async fn the_subscriptions_page_refuses_a_bad_url_and_lists_what_was_subscribed() {
    let app = TestApp::spawn().await;
    let mut admin = signed_in(&app, "boss", "admin").await;
    let (status, _, page) = admin.get("/admin/blocklist_subscriptions").await;
    assert_eq!(status, 200);
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, page) = admin
        .post(
            "/admin/blocklist_subscriptions",
            &[
                ("authenticity_token", &token),
                ("action", "subscribe"),
                ("url", "not a url"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a URL"), "{page}");
    // A list that cannot be read is still subscribed, with its problem shown.
    let (status, _, _) = admin
        .post(
            "/admin/blocklist_subscriptions",
            &[
                ("authenticity_token", &token),
                ("action", "subscribe"),
                ("url", "http://127.0.0.1:9/list.csv"),
                ("priority", "5"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = admin.get("/admin/blocklist_subscriptions").await;
    assert!(page.contains("http://127.0.0.1:9/list.csv"), "{page}");
    let (status, _, _) = admin
        .post(
            "/admin/blocklist_subscriptions",
            &[
                ("authenticity_token", &token),
                ("action", "unsubscribe"),
                ("url", "http://127.0.0.1:9/list.csv"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = admin.get("/admin/blocklist_subscriptions").await;
    assert!(page.contains("No subscriptions yet"), "{page}");
}
