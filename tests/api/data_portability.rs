//! Export and import in Mastodon's CSV formats from the settings pages: a member's exports
//! imported by another member give the same exports back, Mastodon's own files are read,
//! overwrite undoes what a file does not name, and bad files get clear answers.

use crate::helpers::{TestApp, TestBrowser, TestMember};

async fn signed_in<'a>(app: &'a TestApp, username: &str) -> (TestBrowser<'a>, String) {
    let mut browser = TestBrowser::new(app);
    assert_eq!(browser.sign_in(username, "correct horse battery").await.0, 303);
    let (_, _, page) = browser.get("/settings/import").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    (browser, csrf)
}

async fn export(browser: &mut TestBrowser<'_>, file: &str) -> String {
    let (status, _, body) = browser.get(&format!("/settings/exports/{file}")).await;
    assert_eq!(status, 200, "{file}: {body}");
    body
}

/// Uploads a file; returns the status, and the report page once the jobs ran.
async fn import(
    app: &TestApp,
    browser: &mut TestBrowser<'_>,
    csrf: &str,
    kind: &str,
    mode: &str,
    file: Vec<u8>,
) -> (u16, String) {
    let (status, location, page) = browser
        .post_multipart(
            "/settings/import",
            &[("authenticity_token", csrf), ("type", kind), ("mode", mode)],
            &[("data", "export.csv", file)],
        )
        .await;
    if status != 303 {
        return (status, page);
    }
    app.run_jobs().await;
    let (status, _, report) = browser.get(&location.unwrap()).await;
    (status, report)
}

async fn post(app: &TestApp, member: &TestMember, path: &str, form: &[(&str, &str)]) {
    let response = app.post_form(path, Some(&member.token), form).await;
    assert_eq!(
        response.status(),
        200,
        "{path}: {}",
        response.text().await.unwrap()
    );
}

#[tokio::test]
async fn exports_imported_by_another_member_give_the_same_exports() {
    let app = TestApp::spawn().await;
    let domain = app.config.server.domain.clone();
    let scopes = "read write follow";
    let old = app.member("oldhome", scopes).await;
    let new = app.member("newhome", scopes).await;
    let friend = app.member("friend", scopes).await;
    let pest = app.member("pest", scopes).await;
    let noisy = app.member("noisy", scopes).await;
    post(
        &app,
        &old,
        &format!("/api/v1/accounts/{}/follow", friend.account_id),
        &[("reblogs", "false"), ("notify", "true"), ("languages[]", "fr")],
    )
    .await;
    post(
        &app,
        &old,
        &format!("/api/v1/accounts/{}/follow", noisy.account_id),
        &[],
    )
    .await;
    post(
        &app,
        &old,
        &format!("/api/v1/accounts/{}/block", pest.account_id),
        &[],
    )
    .await;
    post(
        &app,
        &old,
        &format!("/api/v1/accounts/{}/mute", noisy.account_id),
        &[("notifications", "false")],
    )
    .await;
    post(&app, &old, "/api/v1/domain_blocks", &[("domain", "spam.example")]).await;
    let response = app
        .post_form(
            "/api/v1/statuses",
            Some(&friend.token),
            &[("status", "worth keeping")],
        )
        .await;
    let status: serde_json::Value = response.json().await.unwrap();
    let status_id = status["id"].as_str().unwrap();
    post(&app, &old, &format!("/api/v1/statuses/{status_id}/bookmark"), &[]).await;
    let response = app
        .post_form("/api/v1/lists", Some(&old.token), &[("title", "Close, friends")])
        .await;
    let list: serde_json::Value = response.json().await.unwrap();
    post(
        &app,
        &old,
        &format!("/api/v1/lists/{}/accounts", list["id"].as_str().unwrap()),
        &[("account_ids[]", &friend.account_id.to_string())],
    )
    .await;

    let (mut old_browser, _) = signed_in(&app, "oldhome").await;
    let (status, _, page) = old_browser.get("/settings/export").await;
    assert_eq!(status, 200);
    assert!(page.contains("follows.csv"), "{page}");
    let follows = export(&mut old_browser, "follows.csv").await;
    assert_eq!(
        follows,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\nfriend@{domain},false,true,fr\nnoisy@{domain},true,false,\n"
        )
    );
    let files = [
        "follows.csv",
        "lists.csv",
        "mutes.csv",
        "blocks.csv",
        "domain_blocks.csv",
        "bookmarks.csv",
    ];
    let kinds = [
        "following",
        "lists",
        "muting",
        "blocking",
        "domain_blocking",
        "bookmarks",
    ];
    let mut exported = Vec::new();
    for file in files {
        exported.push(export(&mut old_browser, file).await);
    }
    assert_eq!(exported[1], format!("\"Close, friends\",friend@{domain}\n"));
    assert_eq!(
        exported[2],
        format!("Account address,Hide notifications\nnoisy@{domain},false\n")
    );
    assert_eq!(exported[3], format!("pest@{domain}\n"));
    assert_eq!(exported[4], "spam.example\n");
    assert!(
        exported[5].contains(&format!("/users/friend/statuses/{status_id}")),
        "{}",
        exported[5]
    );

    let (mut new_browser, csrf) = signed_in(&app, "newhome").await;
    for (kind, file) in kinds.iter().zip(&exported) {
        let (status, report) = import(
            &app,
            &mut new_browser,
            &csrf,
            kind,
            "merge",
            file.clone().into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{kind}: {report}");
        assert!(report.contains("Done:"), "{kind}: {report}");
        assert!(report.contains("0 failed"), "{kind}: {report}");
    }
    for (file, before) in files.iter().zip(&exported) {
        assert_eq!(&export(&mut new_browser, file).await, before, "{file}");
    }
    let (_, _, page) = new_browser.get("/settings/import").await;
    assert!(page.contains("domain blocking (merge)"), "{page}");
    let _ = new;
}

#[tokio::test]
async fn mastodons_files_are_read_failures_are_reported_and_overwrite_undoes_the_rest() {
    let app = TestApp::spawn().await;
    let domain = app.config.server.domain.clone();
    let me = app.member("importer", "read write follow").await;
    let keep = app.member("keepme", "read").await;
    let drop = app.member("dropme", "read").await;
    for target in [&keep, &drop] {
        post(
            &app,
            &me,
            &format!("/api/v1/accounts/{}/follow", target.account_id),
            &[],
        )
        .await;
    }
    let (mut browser, csrf) = signed_in(&app, "importer").await;
    // Mastodon's header, a handle with a leading @, a line that is no address, an unknown account.
    let file = format!(
        "Account address,Show boosts,Notify on new posts,Languages\n@keepme@{domain},true,false,\nnot an address,true,false,\nghost@{domain},true,false,\n"
    );
    let (status, report) = import(
        &app,
        &mut browser,
        &csrf,
        "following",
        "overwrite",
        file.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("3 of 3 rows processed, 2 failed"), "{report}");
    assert!(report.contains("not an account address"), "{report}");
    assert!(
        report.contains(&format!("no account ghost@{domain} was found")),
        "{report}"
    );
    let follows = export(&mut browser, "follows.csv").await;
    assert!(follows.contains("keepme@"), "{follows}");
    assert!(
        !follows.contains("dropme@"),
        "overwrite unfollowed what the file does not name: {follows}"
    );

    // Bad files are refused whole, with the reason, and store nothing.
    let (status, page) = import(
        &app,
        &mut browser,
        &csrf,
        "blocking",
        "merge",
        vec![0xff, 0xfe, 0x00, 0x41],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("not text"), "{page}");
    let many = format!("dropme@{domain}\n").repeat(20_001);
    let (status, page) = import(&app, &mut browser, &csrf, "blocking", "merge", many.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(page.contains("more than 20000 rows"), "{page}");
    let (status, page) = import(
        &app,
        &mut browser,
        &csrf,
        "blocking",
        "merge",
        vec![b'x'; 6 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, 413, "{page}");
    assert!(
        page.contains("larger than 5 MB") || page.contains("too large"),
        "{page}"
    );
    let (status, page) = import(
        &app,
        &mut browser,
        &csrf,
        "nonsense",
        "merge",
        b"x@y.test\n".to_vec(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Choose what the file holds"), "{page}");
    let imports: i64 = sqlx::query_scalar("select count(*) from imports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(imports, 1);
    let blocks = export(&mut browser, "blocks.csv").await;
    assert!(blocks.is_empty(), "{blocks}");

    // Someone else's import report is not shown.
    let id: i64 = sqlx::query_scalar("select id from imports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.member("nosy", "read").await;
    let (mut nosy, _) = signed_in(&app, "nosy").await;
    assert_eq!(nosy.get(&format!("/settings/imports/{id}")).await.0, 404);
}
