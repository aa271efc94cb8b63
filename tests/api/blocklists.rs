//! Block lists: importing each format (dry run exact, never weakening), exporting Mastodon's CSV,
//! subscriptions to lists served by fake remotes (conditional GET, agreement, priority,
//! retraction, manual rules winning), and `ferrodon domains` as an operator runs it.

use axum::http::StatusCode;
use ferrodon::actions::blocklist_import::{self, Outcome};
use ferrodon::actions::blocklist_subscriptions::{self, Refreshed};
use ferrodon::actions::domain_blocks::{self, Created};
use ferrodon::db::domain_blocks::NewDomainBlock;
use ferrodon::moderation::blocklist;
use ferrodon::moderation::domain_policy::Severity;

use crate::fake_remote::{FakeRemote, route_to};
use crate::helpers::{TestApp, TestDatabase};

const CSV_TYPE: &str = "text/csv";

/// (domain, severity, reject_media, source) of every rule, by domain.
async fn rules(app: &TestApp) -> Vec<(String, String, bool, String)> {
    ferrodon::db::domain_blocks::list(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.domain, r.severity, r.reject_media, r.source))
        .collect()
}

fn rule(domain: &str, severity: &str, media: bool, source: &str) -> (String, String, bool, String) {
    (domain.into(), severity.into(), media, source.into())
}

async fn add_manual(app: &TestApp, domain: &str, severity: Severity) {
    let created = domain_blocks::create(
        &app.state,
        NewDomainBlock {
            domain: domain.into(),
            severity,
            source: "manual",
            ..NewDomainBlock::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(created, Created::Added(_)));
}

async fn import(app: &TestApp, file: &str) -> Outcome {
    let parsed = blocklist::parse(file.as_bytes()).unwrap();
    let plan = blocklist_import::import(&app.state, &parsed.entries, |_, _| {})
        .await
        .unwrap();
    Outcome::from(&plan)
}

#[tokio::test]
async fn the_dry_run_plans_exactly_what_the_import_then_does() {
    let app = TestApp::spawn().await;
    add_manual(&app, "limited.test", Severity::Silence).await;
    add_manual(&app, "gone.test", Severity::Suspend).await;
    let file = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                limited.test,suspend,false,false,,false\n\
                gone.test,silence,true,false,,false\n\
                sub.gone.test,silence,false,false,,false\n\
                new.test,silence,true,false,\"spam, mostly\",false\n\
                other.test,suspend,false,false,,true\n\
                not a domain,suspend\n";
    let parsed = blocklist::parse(file.as_bytes()).unwrap();
    assert_eq!(parsed.skipped.len(), 1);
    let dry = blocklist_import::dry_run(&app.state, &parsed.entries)
        .await
        .unwrap();
    let planned = Outcome::from(&dry);
    assert_eq!(
        planned,
        Outcome {
            added: 2,
            upgraded: 1,
            adopted: 0,
            left_alone: 2
        }
    );
    // The dry run changed nothing.
    assert_eq!(rules(&app).await.len(), 2);
    let done = import(&app, file).await;
    assert_eq!(done, planned);
    assert_eq!(
        rules(&app).await,
        [
            rule("gone.test", "suspend", false, "manual"),
            rule("limited.test", "suspend", false, "manual"),
            rule("new.test", "silence", true, "import"),
            rule("other.test", "suspend", false, "import"),
        ]
    );
    // The gate has the imported rules at once; a second import of the same file changes nothing.
    assert!(app.state.federation.policy.is_suspended("x.other.test"));
    assert!(app.state.federation.policy.check("NEW.test.").is_limited());
    assert_eq!(
        import(&app, file).await,
        Outcome {
            left_alone: 5,
            ..Outcome::default()
        }
    );
    // One job for all the changed domains, not one each.
    let kinds: Vec<String> = sqlx::query_scalar("select kind from jobs where kind like 'apply_domain_rule%'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "apply_domain_rules").count(), 1);
    app.run_jobs().await;
}

#[tokio::test]
async fn an_import_raises_a_limit_to_a_suspension_and_never_weakens_a_rule() {
    let app = TestApp::spawn().await;
    import(&app, "a.test\nb.test\n").await;
    import(&app, "domain,severity,reject_media\nc.test,silence,false\n").await;
    let outcome = import(
        &app,
        r#"[{"domain":"a.test","digest":"x","severity":"silence","comment":"lighter"},
            {"domain":"c.test","digest":"y","severity":"suspend","comment":""},
            {"domain":"b.t*st","digest":"z","severity":"suspend","comment":""}]"#,
    )
    .await;
    assert_eq!(
        outcome,
        Outcome {
            added: 0,
            upgraded: 1,
            adopted: 0,
            left_alone: 1
        }
    );
    assert_eq!(
        rules(&app).await,
        [
            rule("a.test", "suspend", false, "import"),
            rule("b.test", "suspend", false, "import"),
            rule("c.test", "suspend", false, "import"),
        ]
    );
    // Flags are added, never removed.
    import(&app, "domain,severity,reject_media\nd.test,silence,true\n").await;
    import(&app, "domain,severity,reject_media\nd.test,silence,false\n").await;
    assert!(
        rules(&app)
            .await
            .contains(&rule("d.test", "silence", true, "import"))
    );
}

#[tokio::test]
async fn an_export_reads_back_as_the_same_rules() {
    let app = TestApp::spawn().await;
    let file = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                a.test,suspend,true,true,\"comma, and \"\"quotes\"\"\",true\n\
                b.test,silence,false,true,,false\n\
                xn--bcher-kva.example,noop,true,false,,false\n";
    import(&app, file).await;
    let exported = blocklist_import::export(&app.state).await.unwrap();
    assert_eq!(String::from_utf8(exported).unwrap(), file);
}

/// An app that reaches `remotes` and wants `min_agreement` lists to agree.
async fn app_with_lists(remotes: &[&FakeRemote], min_agreement: u32) -> TestApp {
    let remotes: Vec<FakeRemote> = remotes.iter().map(|r| (*r).clone()).collect();
    TestApp::spawn_with(move |config| {
        let refs: Vec<&FakeRemote> = remotes.iter().collect();
        route_to(config, &refs);
        config.federation.blocklists.min_agreement = min_agreement;
    })
    .await
}

#[tokio::test]
async fn a_subscribed_list_is_read_refreshed_conditionally_and_its_rules_name_it() {
    let lists = FakeRemote::start("lists.test").await;
    lists.serve_with_etag(
        "/blocks.csv",
        CSV_TYPE,
        "#domain,#severity,#reject_media\nevil.test,suspend,false\nloud.test,silence,true\n",
        "\"v1\"",
    );
    let app = app_with_lists(&[&lists], 1).await;
    let url = format!("{}/blocks.csv", lists.base());
    let (report, recomputed) = blocklist_subscriptions::subscribe(&app.state, &url, 0)
        .await
        .unwrap();
    assert!(
        matches!(report.outcome, Refreshed::Changed { entries: 2, .. }),
        "{report:?}"
    );
    assert_eq!(recomputed.added, 2);
    let evil = ferrodon::db::domain_blocks::find_by_domain(&app.pool, "evil.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(evil.source, "subscription");
    assert_eq!(evil.source_urls, std::slice::from_ref(&url));
    assert!(app.state.federation.policy.is_suspended("sub.evil.test"));
    assert!(app.state.federation.policy.check("loud.test").reject_media);
    app.run_jobs().await;

    let (reports, recomputed) = blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert_eq!(reports[0].outcome, Refreshed::NotModified);
    assert_eq!(recomputed, Default::default());
    let last = lists.received().last().cloned().unwrap();
    assert_eq!(last.headers["if-none-match"], "\"v1\"");
    let summary = ferrodon::db::blocklists::list_subscriptions(&app.pool)
        .await
        .unwrap();
    assert_eq!(summary[0].entries, 2);
    assert!(summary[0].refreshed_at.is_some() && summary[0].last_error.is_none());

    // A failed fetch is recorded and leaves the rules in force.
    lists.serve_raw(
        "/blocks.csv",
        StatusCode::INTERNAL_SERVER_ERROR,
        "text/plain",
        "oops",
    );
    let (reports, _) = blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert!(matches!(&reports[0].outcome, Refreshed::Failed(e) if e.contains("500")));
    let summary = ferrodon::db::blocklists::list_subscriptions(&app.pool)
        .await
        .unwrap();
    assert!(summary[0].last_error.as_deref().unwrap().contains("500"));
    assert_eq!(summary[0].entries, 2);
    assert!(app.state.federation.policy.is_suspended("evil.test"));

    // Unsubscribing retracts what only that list backed.
    blocklist_subscriptions::unsubscribe(&app.state, &url)
        .await
        .unwrap();
    assert!(rules(&app).await.is_empty());
    assert!(!app.state.federation.policy.is_suspended("evil.test"));
}

#[tokio::test]
async fn with_min_agreement_two_a_domain_needs_two_lists_and_a_dropped_entry_is_retracted() {
    let one = FakeRemote::start("one.test").await;
    let two = FakeRemote::start("two.test").await;
    one.serve_with_etag(
        "/list.txt",
        "text/plain",
        "# one\nshared.test\nonly-one.test\n",
        "\"a\"",
    );
    two.serve_with_etag(
        "/list.json",
        "application/json",
        r#"[{"domain":"shared.test","digest":"d","severity":"silence","comment":"noisy"}]"#,
        "\"b\"",
    );
    let app = app_with_lists(&[&one, &two], 2).await;
    let one_url = format!("{}/list.txt", one.base());
    let two_url = format!("{}/list.json", two.base());
    blocklist_subscriptions::subscribe(&app.state, &one_url, 0)
        .await
        .unwrap();
    assert!(rules(&app).await.is_empty(), "one list is not enough");
    blocklist_subscriptions::subscribe(&app.state, &two_url, 10)
        .await
        .unwrap();
    // The higher-priority list decides the severity.
    assert_eq!(
        rules(&app).await,
        [rule("shared.test", "silence", false, "subscription")]
    );
    let shared = ferrodon::db::domain_blocks::find_by_domain(&app.pool, "shared.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shared.source_urls, [two_url.clone(), one_url.clone()]);
    assert_eq!(shared.public_comment.as_deref(), Some("noisy"));

    // List two drops the domain: fewer than two lists name it, so the rule goes.
    two.serve_with_etag("/list.json", "application/json", "[]", "\"b2\"");
    let (_, recomputed) = blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert_eq!(recomputed.retracted, 1);
    assert!(rules(&app).await.is_empty());
    assert!(!app.state.federation.policy.check("shared.test").is_limited());
    app.run_jobs().await;
}

#[tokio::test]
async fn the_operators_own_rules_win_over_subscribed_lists() {
    let lists = FakeRemote::start("lists.test").await;
    lists.serve_raw(
        "/list.csv",
        StatusCode::OK,
        CSV_TYPE,
        "domain,severity\nmine.test,suspend\nsub.parent.test,silence\nfree.test,silence\n",
    );
    let app = app_with_lists(&[&lists], 1).await;
    add_manual(&app, "mine.test", Severity::Silence).await;
    add_manual(&app, "parent.test", Severity::Suspend).await;
    blocklist_subscriptions::subscribe(&app.state, &format!("{}/list.csv", lists.base()), 0)
        .await
        .unwrap();
    assert_eq!(
        rules(&app).await,
        [
            rule("free.test", "silence", false, "subscription"),
            rule("mine.test", "silence", false, "manual"),
            rule("parent.test", "suspend", false, "manual"),
        ]
    );
    // The list's weaker rule for a subdomain would have loosened the operator's suspension.
    assert!(app.state.federation.policy.is_suspended("sub.parent.test"));
    // An import takes a subscription rule over, so the list no longer decides it.
    let outcome = import(&app, "free.test\n").await;
    assert_eq!(outcome.upgraded, 1);
    lists.serve_raw("/list.csv", StatusCode::OK, CSV_TYPE, "domain\n");
    let (_, recomputed) = blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert_eq!(recomputed.retracted, 0);
    assert!(
        rules(&app)
            .await
            .contains(&rule("free.test", "suspend", false, "import"))
    );
}

// Multi-threaded: the fake list server answers while this thread waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_domains_command_blocks_lists_exports_imports_and_subscribes() {
    let lists = FakeRemote::start("lists.test").await;
    lists.serve_raw("/l.txt", StatusCode::OK, "text/plain", "listed.test\n");
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ferrodon"));
        command.current_dir(dir.path()).env_clear();
        for (name, value) in std::env::vars() {
            if name == "PATH" || name == "HOME" {
                command.env(name, value);
            }
        }
        let output = command
            .arg("domains")
            .args(args)
            .env("FERRODON_DATABASE__URL", &database.url)
            .env(
                "FERRODON_FEDERATION__RESOLVE",
                format!("lists.test={}", lists.addr),
            )
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(&["block", "EVIL.test.", "--severity", "suspend"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("added evil.test: suspend"), "{stdout}");
    let (ok, _, stderr) = run(&["block", "sub.evil.test", "--severity", "limit"]);
    assert!(!ok);
    assert!(stderr.contains("covered by the rule for evil.test"), "{stderr}");
    let (ok, stdout, _) = run(&["list"]);
    assert!(ok);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("evil.test ") && l.contains("suspend") && l.contains("manual")),
        "{stdout}"
    );
    let (ok, stdout, _) = run(&["export"]);
    assert!(ok);
    assert_eq!(
        stdout,
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         evil.test,suspend,false,false,,false\n"
    );
    std::fs::write(
        dir.path().join("list.txt"),
        "# list\nevil.test\nnew.test\nnot a domain\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["import", "list.txt", "--dry-run"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("line 4: skipped"), "{stderr}");
    assert!(stdout.contains("add      new.test suspend"), "{stdout}");
    assert!(stdout.contains("dry run: 1 added, 0 upgraded"), "{stdout}");
    let (ok, stdout, _) = run(&["import", "list.txt"]);
    assert!(ok);
    assert!(stdout.contains("imported: 1 added, 0 upgraded"), "{stdout}");
    let (ok, stdout, _) = run(&["unblock", "evil.test"]);
    assert!(ok);
    assert!(stdout.contains("lifted the rule for evil.test"), "{stdout}");
    let pool = database.pool().await;
    let left: Vec<String> = sqlx::query_scalar("select domain from domain_blocks")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, ["new.test"]);

    let url = format!("{}/l.txt", lists.base());
    let (ok, stdout, stderr) = run(&["subscribe", &url, "--priority", "5"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 entries (plain list)"), "{stdout}");
    assert!(stdout.contains("1 added, 0 changed, 0 retracted"), "{stdout}");
    let (ok, stdout, _) = run(&["subscriptions"]);
    assert!(ok);
    let line = stdout.lines().find(|l| l.starts_with(&url)).unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&columns[1..3], ["5", "1"], "{line}");
    let (ok, stdout, _) = run(&["list"]);
    assert!(ok);
    assert!(stdout.contains("subscription (1 lists)"), "{stdout}");
    lists.serve_raw("/l.txt", StatusCode::NOT_FOUND, "text/plain", "");
    let (ok, stdout, _) = run(&["refresh"]);
    assert!(!ok, "a failed list is a failed refresh");
    assert!(stdout.contains("failed"), "{stdout}");
    let (ok, stdout, _) = run(&["unsubscribe", &url]);
    assert!(ok);
    assert!(stdout.contains("1 retracted"), "{stdout}");
}

#[tokio::test]
async fn an_imported_suspension_flags_and_purges_known_accounts_through_one_job() {
    let app = TestApp::spawn().await;
    for (name, domain) in [("a", "evil.test"), ("b", "sub.evil.test"), ("c", "fine.test")] {
        sqlx::query(
            "insert into accounts (username, domain, uri, inbox_url, public_key_pem, key_id, fetched_at)
             values ($1, $2, $3, $4, '', $5, now())",
        )
        .bind(name)
        .bind(domain)
        .bind(format!("https://{domain}/users/{name}"))
        .bind(format!("https://{domain}/users/{name}/inbox"))
        .bind(format!("https://{domain}/users/{name}#main-key"))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    import(&app, "evil.test\n").await;
    app.run_jobs().await;
    let flagged: Vec<(String, bool)> = sqlx::query_as(
        "select domain, domain_suspended from accounts where domain is not null order by domain",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        flagged,
        [
            ("evil.test".to_owned(), true),
            ("fine.test".to_owned(), false),
            ("sub.evil.test".to_owned(), true)
        ]
    );
    let pending: i64 = sqlx::query_scalar("select count(*) from jobs")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn the_worker_refreshes_only_lists_not_tried_for_refresh_minutes() {
    let lists = FakeRemote::start("lists.test").await;
    lists.serve_raw("/a.txt", StatusCode::OK, "text/plain", "evil.test\n");
    let app = app_with_lists(&[&lists], 1).await;
    blocklist_subscriptions::subscribe(&app.state, &format!("{}/a.txt", lists.base()), 0)
        .await
        .unwrap();
    assert_eq!(lists.hits("/a.txt"), 1);
    let reports = blocklist_subscriptions::refresh_due(&app.state).await.unwrap();
    assert!(reports.is_empty());
    assert_eq!(lists.hits("/a.txt"), 1);
    sqlx::query("update blocklist_subscriptions set refreshed_at = now() - interval '361 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    lists.serve_raw("/a.txt", StatusCode::OK, "text/plain", "evil.test\nworse.test\n");
    let reports = blocklist_subscriptions::refresh_due(&app.state).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(lists.hits("/a.txt"), 2);
    assert!(app.state.federation.policy.is_suspended("worse.test"));
}

#[tokio::test]
async fn a_list_never_loosens_a_parent_it_or_the_configuration_makes_stricter() {
    let app = TestApp::spawn_with(|config| {
        config
            .federation
            .domains
            .insert("spam.test".into(), "suspend".into());
    })
    .await;
    let outcome = import(
        &app,
        "#domain,#severity,#reject_media\n\
         evil.test,suspend,false\n\
         media.evil.test,noop,true\n\
         spam.test,silence,false\n\
         fed.spam.test,silence,false\n\
         worse.other.test,suspend,false\n\
         other.test,silence,false\n",
    )
    .await;
    let policy = &app.state.federation.policy;
    assert!(
        policy.is_suspended("media.evil.test"),
        "the parent in the same list covers it"
    );
    assert!(
        policy.is_suspended("spam.test"),
        "the configuration's suspension stands"
    );
    assert!(policy.is_suspended("fed.spam.test"));
    assert!(
        policy.is_suspended("worse.other.test"),
        "a stricter subdomain rule is taken"
    );
    assert!(policy.check("x.other.test").is_limited());
    let domains: Vec<String> = rules(&app).await.into_iter().map(|r| r.0).collect();
    assert!(
        !domains.contains(&"media.evil.test".to_owned()) && !domains.contains(&"fed.spam.test".to_owned()),
        "{domains:?}"
    );
    assert_eq!(
        outcome.added, 4,
        "evil, spam (under the configuration's stricter rule), worse.other, other"
    );
}

#[tokio::test]
async fn a_subscribed_rule_edited_through_the_admin_api_becomes_the_operators() {
    let lists = FakeRemote::start("lists.test").await;
    lists.serve_raw(
        "/l.csv",
        StatusCode::OK,
        CSV_TYPE,
        "#domain,#severity\nbad.test,silence\n",
    );
    let app = app_with_lists(&[&lists], 1).await;
    let url = format!("{}/l.csv", lists.base());
    blocklist_subscriptions::subscribe(&app.state, &url, 0)
        .await
        .unwrap();
    let rule = ferrodon::db::domain_blocks::find_by_domain(&app.pool, "bad.test")
        .await
        .unwrap()
        .unwrap();
    let admin = crate::admin_reports::staff(&app, "boss", "admin", "admin:read admin:write").await;
    let response = app
        .client
        .put(format!("{}/api/v1/admin/domain_blocks/{}", app.base_url, rule.id))
        .bearer_auth(&admin.token)
        .form(&[("severity", "suspend")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert!(
        app.state.federation.policy.is_suspended("bad.test"),
        "the refresh left the edit alone"
    );
    let rule = ferrodon::db::domain_blocks::find_by_domain(&app.pool, "bad.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rule.source, "manual");
}

#[tokio::test]
async fn a_sizeable_list_that_comes_back_empty_keeps_its_last_good_copy() {
    let lists = FakeRemote::start("lists.test").await;
    let body: String = (0..12).map(|n| format!("bad{n}.test\n")).collect();
    lists.serve_with_etag("/big.txt", "text/plain", &body, "\"v1\"");
    let app = app_with_lists(&[&lists], 1).await;
    let url = format!("{}/big.txt", lists.base());
    blocklist_subscriptions::subscribe(&app.state, &url, 0)
        .await
        .unwrap();
    assert!(app.state.federation.policy.is_suspended("bad3.test"));
    lists.serve_with_etag("/big.txt", "text/plain", "", "\"v2\"");
    let (reports, recomputed) = blocklist_subscriptions::refresh_all(&app.state).await.unwrap();
    assert!(
        matches!(&reports[0].outcome, Refreshed::Failed(e) if e.contains("empty")),
        "{reports:?}"
    );
    assert_eq!(recomputed.retracted, 0);
    assert!(app.state.federation.policy.is_suspended("bad3.test"));
}
