//! Featured hashtags and endorsed accounts.

use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::json_of;
use crate::statuses::post;

#[tokio::test]
async fn hashtags_are_featured_counted_suggested_and_removed() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write").await;
    post(&app, &alice, &[("status", "#rust is nice")]).await;
    post(&app, &alice, &[("status", "more #Rust and #go")]).await;
    let (_, suggestions) = json_of(
        app.get_with("/api/v1/featured_tags/suggestions", &alice.token)
            .await,
    )
    .await;
    assert_eq!(suggestions[0]["name"], "rust");
    let (code, featured) = json_of(
        app.post_form("/api/v1/featured_tags", Some(&alice.token), &[("name", "#Rust")])
            .await,
    )
    .await;
    assert_eq!(code, 200, "{featured}");
    assert_eq!(featured["statuses_count"], "2");
    assert!(featured["last_status_at"].is_string());
    let (_, public) = json_of(
        app.get(&format!("/api/v1/accounts/{}/featured_tags", alice.account_id))
            .await,
    )
    .await;
    assert_eq!(public[0]["name"], "rust");
    for bad in ["", "#", "12345", "no spaces"] {
        let (code, _) = json_of(
            app.post_form("/api/v1/featured_tags", Some(&alice.token), &[("name", bad)])
                .await,
        )
        .await;
        assert_eq!(code, 422, "{bad:?}");
    }
    for i in 0..9 {
        let (code, _) = json_of(
            app.post_form(
                "/api/v1/featured_tags",
                Some(&alice.token),
                &[("name", &format!("tag{i}"))],
            )
            .await,
        )
        .await;
        assert_eq!(code, 200);
    }
    let (code, _) = json_of(
        app.post_form(
            "/api/v1/featured_tags",
            Some(&alice.token),
            &[("name", "eleventh")],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "ten at most");
    let id = featured["id"].as_str().unwrap();
    let (code, body) = json_of(
        app.send_json(
            reqwest::Method::DELETE,
            &format!("/api/v1/featured_tags/{id}"),
            Some(&alice.token),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!((code, body), (200, json!({})));
}

#[tokio::test]
async fn followed_accounts_can_be_endorsed() {
    let app = TestApp::spawn().await;
    let alice = app.member("alice", "read write follow").await;
    let bob = app.member("bob", "read").await;
    let pin = format!("/api/v1/accounts/{}/pin", bob.account_id);
    let (code, _) = json_of(app.post_form(&pin, Some(&alice.token), &[]).await).await;
    assert_eq!(code, 422, "only followed accounts");
    app.post_form(
        &format!("/api/v1/accounts/{}/follow", bob.account_id),
        Some(&alice.token),
        &[],
    )
    .await;
    let (code, relation) = json_of(app.post_form(&pin, Some(&alice.token), &[]).await).await;
    assert_eq!(code, 200);
    assert_eq!(relation["endorsed"], true);
    let (_, list) = json_of(app.get_with("/api/v1/endorsements", &alice.token).await).await;
    assert_eq!(list[0]["id"], bob.account_id.to_string());
    let (_, public) = json_of(
        app.get(&format!("/api/v1/accounts/{}/endorsements", alice.account_id))
            .await,
    )
    .await;
    assert_eq!(public.as_array().unwrap().len(), 1);
    let (_, relation) = json_of(
        app.post_form(
            &format!("/api/v1/accounts/{}/unpin", bob.account_id),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(relation["endorsed"], false);
}
