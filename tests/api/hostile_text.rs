//! Text no database can keep: NUL characters from clients are refused with 422 everywhere, from
//! remote servers they are taken out; a trailing backslash is plain text; no answer shows a
//! database error.

use reqwest::Method;
use serde_json::json;

use crate::fake_remote::{FakeRemote, create_note};
use crate::federation_activities::deliver;
use crate::federation_in::app_with;
use crate::helpers::{TestApp, json_of};

fn assert_no_database_text(path: &str, body: &serde_json::Value) {
    let text = body.to_string().to_lowercase();
    for leak in [
        "sqlx",
        "postgres",
        "database",
        "0x00",
        "invalid byte sequence",
        "syntax",
    ] {
        assert!(!text.contains(leak), "{path}: {body}");
    }
}

/// A request: method, path and parameters.
type Attempt<'a> = (Method, String, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn nul_characters_from_clients_are_refused_with_422_everywhere() {
    let app = TestApp::spawn().await;
    let alice = app
        .member("alice", "read write follow admin:read admin:write")
        .await;
    sqlx::query("update users set role = 'admin' where id = $1")
        .bind(alice.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let bob = app.member("bob", "read").await;
    let list = json_of(
        app.post_form("/api/v1/lists", Some(&alice.token), &[("title", "ok")])
            .await,
    )
    .await
    .1;
    let list_id = list["id"].as_str().unwrap().to_owned();
    let nul = "a\u{0}b";
    let forms: Vec<Attempt> = vec![
        (Method::POST, "/api/v1/statuses".into(), vec![("status", nul)]),
        (
            Method::POST,
            "/api/v1/statuses".into(),
            vec![("status", "fine"), ("spoiler_text", nul)],
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            vec![("display_name", nul)],
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            vec![("note", nul)],
        ),
        (
            Method::PATCH,
            "/api/v1/accounts/update_credentials".into(),
            vec![
                ("fields_attributes[0][name]", nul),
                ("fields_attributes[0][value]", "x"),
            ],
        ),
        (Method::POST, "/api/v1/lists".into(), vec![("title", nul)]),
        (
            Method::PUT,
            format!("/api/v1/lists/{list_id}"),
            vec![("title", nul)],
        ),
        (
            Method::POST,
            "/api/v2/filters".into(),
            vec![("title", nul), ("context[]", "home")],
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{}/note", bob.account_id),
            vec![("comment", nul)],
        ),
        (
            Method::POST,
            "/api/v1/domain_blocks".into(),
            vec![("domain", nul)],
        ),
        (
            Method::POST,
            "/api/v1/admin/domain_blocks".into(),
            vec![("domain", nul)],
        ),
        (
            Method::POST,
            "/api/v1/apps".into(),
            vec![
                ("client_name", nul),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ],
        ),
        (Method::GET, "/api/v2/search".into(), vec![("q", nul)]),
        (Method::GET, "/api/v1/accounts/search".into(), vec![("q", nul)]),
        (Method::GET, "/api/v1/accounts/lookup".into(), vec![("acct", nul)]),
        (
            Method::GET,
            "/api/v1/timelines/tag/rust".into(),
            vec![("any[]", nul)],
        ),
        // The name of a parameter, too.
        (
            Method::POST,
            "/api/v1/statuses".into(),
            vec![("status", "fine"), (nul, "x")],
        ),
    ];
    for (method, path, form) in &forms {
        let request = if *method == Method::GET {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter())
                .finish();
            app.client.get(format!("{}{path}?{query}", app.base_url))
        } else {
            app.client
                .request(method.clone(), format!("{}{path}", app.base_url))
                .form(form)
        };
        let request = request.bearer_auth(&alice.token);
        let (code, body) = json_of(request.send().await.unwrap()).await;
        assert_eq!(code, 422, "{method} {path} {form:?}: {body}");
        assert!(body["error"].as_str().unwrap().contains("NUL"), "{path}: {body}");
    }
    // In JSON bodies, as `\u0000`.
    let (code, body) = json_of(
        app.send_json(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            &json!({"status": "a\u{0}b"}),
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "{body}");
    // In paths, which name nothing.
    for path in [
        "/api/v1/timelines/tag/a%00b",
        "/api/v1/tags/a%00b",
        "/api/v1/accounts/1%00",
        "/api/v1/statuses/1%00",
    ] {
        let (code, body) = json_of(app.get_with(path, &alice.token).await).await;
        assert_eq!(code, 404, "{path}: {body}");
    }
    for page in ["/@alice%00", "/tags/a%00b", "/users/alice%00"] {
        assert_eq!(app.get(page).await.status(), 404, "{page}");
    }
    let statuses: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(statuses, 0, "nothing was stored");
}

#[tokio::test]
async fn a_trailing_backslash_is_plain_text_in_every_pattern() {
    let app = TestApp::spawn().await;
    let alice = app
        .member("alice", "read write follow admin:read admin:write")
        .await;
    sqlx::query("update users set role = 'admin' where id = $1")
        .bind(alice.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    for (path, query) in [
        ("/api/v2/search", "q=alice%5C"),
        ("/api/v2/search", "q=%23tag%5C"),
        ("/api/v2/search", "q=alice%40remote.test%5C"),
        ("/api/v1/accounts/search", "q=al%5C"),
        ("/api/v1/accounts/lookup", "acct=alice%5C"),
    ] {
        let (code, body) = json_of(app.get_with(&format!("{path}?{query}"), &alice.token).await).await;
        assert!(code < 500, "{path}?{query}: {code} {body}");
        assert_no_database_text(path, &body);
    }
    for domain in ["evil.test\\", "evil_test", "%"] {
        for path in ["/api/v1/admin/domain_blocks", "/api/v1/domain_blocks"] {
            let (code, body) = json_of(
                app.post_form(path, Some(&alice.token), &[("domain", domain)])
                    .await,
            )
            .await;
            assert!(code < 500, "{path} {domain}: {code} {body}");
            assert_no_database_text(path, &body);
        }
    }
}

#[tokio::test]
async fn nul_characters_from_remote_servers_are_taken_out() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let activity = create_note(
        &bob,
        "nul",
        json!({"content": "<p>be\u{0}fore</p>", "summary": "cw\u{0}", "tag": [{"type": "Hashtag", "name": "#ru\u{0}st"}]}),
    );
    deliver(&app, &bob, &activity).await;
    let (content, spoiler): (String, String) =
        sqlx::query_as("select content, spoiler_text from statuses where uri = $1")
            .bind(activity["object"]["id"].as_str().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(content.contains("before"), "{content}");
    assert_eq!(spoiler, "cw");
}

#[tokio::test]
async fn remote_urls_are_kept_only_as_reserialised_web_addresses() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let app = app_with(&[&remote]).await;
    let reader = app.member("reader", "read").await;
    let activity = create_note(
        &bob,
        "urls",
        json!({
            "content": "<p>:blob: :bad:</p>",
            "url": "javascript:alert(1)",
            "tag": [
                {"type": "Emoji", "name": ":blob:",
                 "icon": {"url": "https://remote.test/e.png\" onerror=\"alert(1)"}},
                {"type": "Emoji", "name": ":bad:", "icon": {"url": "javascript:alert(1)"}},
            ],
            "attachment": [
                {"type": "Document", "mediaType": "image/png", "url": "https://remote.test/a b\"<x>.png"},
                {"type": "Document", "mediaType": "image/png", "url": "data:image/png;base64,AAAA"},
            ],
        }),
    );
    deliver(&app, &bob, &activity).await;
    let id: i64 = sqlx::query_scalar("select id from statuses where uri = $1")
        .bind(activity["object"]["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (code, status) = json_of(
        app.get_with(&format!("/api/v1/statuses/{id}"), &reader.token)
            .await,
    )
    .await;
    assert_eq!(code, 200, "{status}");
    let emojis = status["emojis"].as_array().unwrap();
    assert_eq!(emojis.len(), 1, "{status}");
    assert_eq!(
        emojis[0]["url"],
        "https://remote.test/e.png%22%20onerror=%22alert(1)"
    );
    let media = status["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{status}");
    let url = media[0]["remote_url"]
        .as_str()
        .or(media[0]["url"].as_str())
        .unwrap();
    assert!(!url.contains(['"', '<', ' ']), "{url}");
    // The page address was no web address: the status links to its id instead.
    assert_eq!(status["url"], status["uri"]);
    let stored: String = sqlx::query_scalar("select emojis::text from statuses where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!stored.contains("onerror=\\\""), "{stored}");
    assert!(!stored.contains("javascript:"), "{stored}");
}
