//! What the instance says about itself: v1, v2, NodeInfo, host-meta and the smaller endpoints.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::json_of;

#[tokio::test]
async fn instance_v2_reports_configuration_and_live_counts() {
    let app = TestApp::spawn_with(|c| {
        c.instance.title = "Test Town".into();
        c.instance.rules = vec!["Be kind".into(), "No spam".into()];
        c.instance.contact_email = "staff@example.com".into();
        c.instance.contact_username = "boss".into();
        c.statuses.max_characters = 1000;
    })
    .await;
    let boss = app.member("boss", "read").await;
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &boss.token)
            .await
            .status(),
        200
    );
    let (status, body) = json_of(app.get("/api/v2/instance/").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["domain"], app.config.server.domain);
    assert_eq!(body["title"], "Test Town");
    assert!(
        body["version"]
            .as_str()
            .unwrap()
            .starts_with("4.0.0 (compatible; ferrodon ")
    );
    assert_eq!(body["api_versions"]["mastodon"], 1);
    assert_eq!(body["configuration"]["statuses"]["max_characters"], 1000);
    assert_eq!(
        body["configuration"]["statuses"]["characters_reserved_per_url"],
        23
    );
    assert_eq!(
        body["configuration"]["urls"]["streaming"],
        format!("ws://{}", app.config.server.domain),
        "streaming is served, so it is advertised"
    );
    assert_eq!(body["configuration"]["polls"]["max_options"], 4);
    assert_eq!(body["registrations"]["enabled"], true);
    assert_eq!(body["contact"]["email"], "staff@example.com");
    assert_eq!(body["contact"]["account"]["id"], boss.account_id.to_string());
    assert_eq!(
        body["rules"][1],
        json!({ "id": "2", "text": "No spam", "hint": "" })
    );
    assert_eq!(
        body["usage"]["users"]["active_month"], 1,
        "using a token counts as activity"
    );
    assert!(
        body["thumbnail"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/static/thumbnail.png")
    );
    assert_eq!(app.get("/static/thumbnail.png").await.status(), 200);
}

#[tokio::test]
async fn instance_v1_reports_what_older_clients_read() {
    let app = TestApp::spawn().await;
    app.member("one", "read").await;
    let (status, body) = json_of(app.get("/api/v1/instance").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["uri"], app.config.server.domain);
    assert_eq!(body["stats"]["user_count"], 1);
    assert_eq!(body["registrations"], true);
    assert_eq!(
        body["urls"]["streaming_api"],
        format!("ws://{}", app.config.server.domain)
    );
    assert!(body["thumbnail"].is_string());
    assert_eq!(body["configuration"]["statuses"]["max_characters"], 500);
}

#[tokio::test]
async fn nodeinfo_names_ferrodon_and_keeps_metadata() {
    let app = TestApp::spawn().await;
    let (status, links) = json_of(app.get("/.well-known/nodeinfo").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        links["links"][0]["href"],
        format!("{}/nodeinfo/2.0", app.config.base_url())
    );
    for version in ["2.0", "2.1"] {
        let response = app.get(&format!("/nodeinfo/{version}")).await;
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.contains(&format!("schema/{version}#")),
            "{content_type}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["version"], version);
        assert_eq!(body["software"]["name"], "ferrodon");
        assert_eq!(body["protocols"], json!(["activitypub"]));
        assert!(body["metadata"].is_object());
        // What API it speaks, for clients that choose by NodeInfo (megalodon's `detector`).
        assert_eq!(body["metadata"]["upstream"]["name"], "mastodon");
        assert_eq!(body["metadata"]["upstream"]["version"], "4.0.0");
        assert_eq!(body["openRegistrations"], true);
        assert_eq!(body["usage"]["users"]["total"], 0);
    }
    let response = app.get("/.well-known/host-meta").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("/.well-known/webfinger?resource={uri}"), "{text}");
}

#[tokio::test]
async fn smaller_instance_endpoints_answer_from_configuration_and_tables() {
    let app = TestApp::spawn_with(|c| {
        c.instance.rules = vec!["Be kind".into()];
        c.instance.extended_description = "<p>About us</p>".into();
    })
    .await;
    let (_, rules) = json_of(app.get("/api/v1/instance/rules").await).await;
    assert_eq!(rules, json!([{ "id": "1", "text": "Be kind", "hint": "" }]));
    let (_, peers) = json_of(app.get("/api/v1/instance/peers").await).await;
    assert_eq!(peers, json!([]));
    sqlx::query(
        "insert into accounts (username, domain, uri, public_key_pem) values ('far', 'remote.test', 'https://remote.test/users/far', '')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, peers) = json_of(app.get("/api/v1/instance/peers").await).await;
    assert_eq!(peers, json!(["remote.test"]));
    let (_, description) = json_of(app.get("/api/v1/instance/extended_description").await).await;
    assert_eq!(description["content"], "<p>About us</p>");
    let (_, policy) = json_of(app.get("/api/v1/instance/privacy_policy").await).await;
    assert!(
        policy["content"]
            .as_str()
            .unwrap()
            .contains(&app.config.server.domain)
    );
    app.member("active", "read").await;
    let (_, activity) = json_of(app.get("/api/v1/instance/activity").await).await;
    let weeks = activity.as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks[0]["registrations"], "1");
    assert_eq!(weeks[0]["logins"], "1");
    let (_, languages) = json_of(app.get("/api/v1/instance/languages").await).await;
    assert!(
        languages
            .as_array()
            .unwrap()
            .contains(&json!({ "code": "en", "name": "English" }))
    );
    let about = app.get("/about").await.text().await.unwrap();
    assert!(about.contains("Be kind") && about.contains("About us"), "{about}");
    assert_eq!(app.get("/privacy-policy").await.status(), 200);
}
