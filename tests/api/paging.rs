//! `min_id` on every list, as Mastodon reads it: the items just above it, newest first, so that a
//! client paging upward (the `prev` link) skips nothing.

use serde_json::Value;

use crate::helpers::{TestApp, TestMember, json_of};
use crate::statuses::post;

/// The id a `Link` header gives for `rel`.
fn link_id(link: &str, rel: &str, key: &str) -> String {
    let part = link
        .split(", ")
        .find(|p| p.ends_with(&format!("rel=\"{rel}\"")))
        .unwrap_or_else(|| panic!("no {rel} in {link}"));
    let start = part.find(&format!("{key}=")).unwrap() + key.len() + 1;
    part[start..].chars().take_while(char::is_ascii_digit).collect()
}

/// The items of a page, by a key each has (an id, a domain, or the item itself).
fn keys(body: &Value, key: &str) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|item| match item {
            Value::String(text) => text.clone(),
            other => other[key].as_str().unwrap().to_owned(),
        })
        .collect()
}

async fn page(app: &TestApp, path: &str, token: &str) -> (String, Value) {
    let response = app.get_with(path, token).await;
    let link = response
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (code, body) = json_of(response).await;
    assert_eq!(code, 200, "{path}: {body}");
    (link, body)
}

/// Checks a list of five items: `min_id` of the oldest gives the two just above it, and the
/// `prev` link of that page the two above those.
async fn check_min_id(app: &TestApp, path: &str, token: &str, key: &str) {
    let join = if path.contains('?') { '&' } else { '?' };
    let (link, body) = page(app, &format!("{path}{join}limit=40"), token).await;
    let all = keys(&body, key);
    assert_eq!(all.len(), 5, "{path}: {body}");
    let oldest = link_id(&link, "next", "max_id");
    let (link, body) = page(app, &format!("{path}{join}min_id={oldest}&limit=2"), token).await;
    assert_eq!(
        keys(&body, key),
        all[2..4],
        "{path}: the two just above the oldest"
    );
    let newer = link_id(&link, "prev", "min_id");
    let (_, body) = page(app, &format!("{path}{join}min_id={newer}&limit=2"), token).await;
    assert_eq!(keys(&body, key), all[0..2], "{path}: the prev link's page");
    // since_id still reads the newest page above the bound.
    let (_, body) = page(app, &format!("{path}{join}since_id={oldest}&limit=2"), token).await;
    assert_eq!(keys(&body, key), all[0..2], "{path}: since_id");
}

async fn act(app: &TestApp, who: &TestMember, path: &str, form: &[(&str, &str)]) {
    let (code, body) = json_of(app.post_form(path, Some(&who.token), form).await).await;
    assert_eq!(code, 200, "{path}: {body}");
}

#[tokio::test]
async fn min_id_reads_the_page_just_above_it_on_every_list() {
    let app = TestApp::spawn().await;
    let scopes = "read write follow admin:read admin:write";
    let alice = app.member("alice", scopes).await;
    sqlx::query("update users set role = 'admin' where id = $1")
        .bind(alice.user_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let blocker = app.member("blocker", scopes).await;
    let mut others = Vec::new();
    for n in 1..=5 {
        others.push(app.member(&format!("m{n}"), scopes).await);
    }
    let status = post(&app, &alice, &[("status", "like me")]).await;
    let status_id = status["id"].as_str().unwrap();
    for (n, other) in others.iter().enumerate() {
        act(
            &app,
            other,
            &format!("/api/v1/accounts/{}/follow", alice.account_id),
            &[],
        )
        .await;
        act(
            &app,
            &alice,
            &format!("/api/v1/accounts/{}/follow", other.account_id),
            &[],
        )
        .await;
        act(
            &app,
            &alice,
            &format!("/api/v1/accounts/{}/mute", other.account_id),
            &[],
        )
        .await;
        act(
            &app,
            &blocker,
            &format!("/api/v1/accounts/{}/block", other.account_id),
            &[],
        )
        .await;
        act(
            &app,
            other,
            &format!("/api/v1/statuses/{status_id}/favourite"),
            &[],
        )
        .await;
        act(
            &app,
            &alice,
            "/api/v1/domain_blocks",
            &[("domain", &format!("d{n}.test"))],
        )
        .await;
        act(
            &app,
            &alice,
            "/api/v1/admin/domain_blocks",
            &[("domain", &format!("b{n}.test"))],
        )
        .await;
        act(
            &app,
            &alice,
            "/api/v1/admin/domain_allows",
            &[("domain", &format!("a{n}.test"))],
        )
        .await;
        let text = format!("@{} psst", other.username);
        post(&app, &alice, &[("status", &text), ("visibility", "direct")]).await;
    }
    let id = alice.account_id;
    for (path, key) in [
        (format!("/api/v1/accounts/{id}/followers"), "id"),
        (format!("/api/v1/accounts/{id}/following"), "id"),
        ("/api/v1/mutes".to_owned(), "id"),
        ("/api/v1/domain_blocks".to_owned(), ""),
        ("/api/v1/conversations".to_owned(), "id"),
        ("/api/v1/admin/domain_blocks".to_owned(), "domain"),
        ("/api/v1/admin/domain_allows".to_owned(), "domain"),
        (format!("/api/v1/statuses/{status_id}/favourited_by"), "id"),
    ] {
        check_min_id(&app, &path, &alice.token, key).await;
    }
    check_min_id(&app, "/api/v1/blocks", &blocker.token, "id").await;
}
