//! Email-domain and address blocks for sign-ups: the admin API, and what a person signing up
//! (or in) from a blocked provider or address meets.

use crate::admin_reports::staff;
use crate::helpers::{TestApp, TestBrowser, json_of};

/// Signs up through the API from `ip` (passed on by the trusted proxy in front).
async fn sign_up_from(
    app: &TestApp,
    app_token: &str,
    ip: &str,
    username: &str,
    email: &str,
) -> (u16, serde_json::Value) {
    json_of(
        app.client
            .post(format!("{}/api/v1/accounts", app.base_url))
            .bearer_auth(app_token)
            .header("x-forwarded-for", ip)
            .form(&[
                ("username", username),
                ("email", email),
                ("password", "a fine password"),
                ("agreement", "true"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn blocked_mail_providers_and_addresses_cannot_sign_up() {
    let app = TestApp::spawn_with(|c| c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write").await;
    let moderator = staff(&app, "helper", "moderator", "admin:read admin:write").await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;

    // Email domains: admins only, checked, no duplicates, with a week of history.
    let (status, _) = json_of(
        app.post_form(
            "/api/v1/admin/email_domain_blocks",
            Some(&moderator.token),
            &[("domain", "spam.example")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/admin/email_domain_blocks",
            Some(&admin.token),
            &[("domain", "not a domain")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, block) = json_of(
        app.post_form(
            "/api/v1/admin/email_domain_blocks",
            Some(&admin.token),
            &[("domain", "Spam.Example.")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{block}");
    assert_eq!(block["domain"], "spam.example");
    assert_eq!(block["history"].as_array().unwrap().len(), 7);
    assert!(
        block["history"][0]["day"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok()
    );
    let (status, _) = json_of(
        app.post_form(
            "/api/v1/admin/email_domain_blocks",
            Some(&admin.token),
            &[("domain", "spam.example")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);

    let (status, body) = sign_up_from(&app, &app_token, "192.0.2.10", "spammer", "x@mail.spam.example").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["email"][0]["error"], "ERR_BLOCKED", "{body}");
    let (status, body) = sign_up_from(&app, &app_token, "192.0.2.10", "honest", "honest@fine.example").await;
    assert_eq!(status, 200, "{body}");

    // Address blocks: a refused block, an approval-only block, and no access at all.
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/admin/ip_blocks",
            Some(&admin.token),
            &[
                ("ip", "203.0.113.0/24"),
                ("severity", "sign_up_block"),
                ("comment", "wave"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ip"], "203.0.113.0/24");
    assert_eq!(body["severity"], "sign_up_block");
    let (status, hold) = json_of(
        app.post_form(
            "/api/v1/admin/ip_blocks",
            Some(&admin.token),
            &[
                ("ip", "198.51.100.7"),
                ("severity", "sign_up_requires_approval"),
                ("expires_in", "86400"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(hold["ip"], "198.51.100.7/32");
    assert!(hold["expires_at"].is_string());
    for (ip, severity) in [("300.1.1.1", "sign_up_block"), ("192.0.2.1", "sometimes")] {
        let (status, _) = json_of(
            app.post_form(
                "/api/v1/admin/ip_blocks",
                Some(&admin.token),
                &[("ip", ip), ("severity", severity)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{ip} {severity}");
    }

    let (status, body) = sign_up_from(&app, &app_token, "203.0.113.99", "waver", "waver@fine.example").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = sign_up_from(&app, &app_token, "198.51.100.7", "held", "held@fine.example").await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let (status, body) = json_of(app.get_with("/api/v1/accounts/verify_credentials", token).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("Your login is currently pending approval"))
    );

    // No access: not even signing in.
    let id = hold["id"].as_str().unwrap();
    let response = app
        .client
        .put(format!("{}/api/v1/admin/ip_blocks/{id}", app.base_url))
        .bearer_auth(&admin.token)
        .form(&[("severity", "no_access")])
        .send()
        .await
        .unwrap();
    let (status, updated) = json_of(response).await;
    assert_eq!((status, updated["severity"].as_str()), (200, Some("no_access")));
    assert_eq!(updated["ip"], "198.51.100.7/32");
    let mut browser = TestBrowser::new(&app);
    let (_, _, page) = browser.get("/auth/sign_in").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let response = app
        .client
        .post(format!("{}/auth/sign_in", app.base_url))
        .header("cookie", browser.cookie_header())
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[
            ("username", "honest"),
            ("password", "a fine password"),
            ("authenticity_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("not allowed"));
    assert_eq!(
        browser.sign_in("honest", "a fine password").await.0,
        303,
        "other addresses sign in"
    );

    let (status, list) = json_of(app.get_with("/api/v1/admin/ip_blocks", &admin.token).await).await;
    assert_eq!((status, list.as_array().unwrap().len()), (200, 2));
    let response = app
        .client
        .delete(format!("{}/api/v1/admin/ip_blocks/{id}", app.base_url))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.get_with(&format!("/api/v1/admin/ip_blocks/{id}"), &admin.token)
            .await
            .status(),
        404
    );
    let block_id = block["id"].as_str().unwrap();
    let response = app
        .client
        .delete(format!(
            "{}/api/v1/admin/email_domain_blocks/{block_id}",
            app.base_url
        ))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, _) = sign_up_from(&app, &app_token, "192.0.2.11", "spammer", "x@mail.spam.example").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn admins_keep_sign_up_blocks_on_their_page() {
    let app = TestApp::spawn().await;
    staff(&app, "boss", "admin", "read").await;
    staff(&app, "helper", "moderator", "read").await;
    let mut moderator = TestBrowser::new(&app);
    moderator.sign_in("helper", "correct horse battery").await;
    assert_eq!(moderator.get("/admin/sign_up_blocks").await.0, 403);

    let mut admin = TestBrowser::new(&app);
    admin.sign_in("boss", "correct horse battery").await;
    let (status, _, page) = admin.get("/admin/sign_up_blocks").await;
    assert_eq!(status, 200);
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = admin
        .post(
            "/admin/sign_up_blocks",
            &[
                ("authenticity_token", &csrf),
                ("kind", "email_domain"),
                ("domain", "throwaway.example"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _, page) = admin
        .post(
            "/admin/sign_up_blocks",
            &[
                ("authenticity_token", &csrf),
                ("kind", "ip"),
                ("ip", "not-an-ip"),
                ("severity", "sign_up_block"),
                ("days", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("is not an address or a CIDR block"), "{page}");
    let (status, _, _) = admin
        .post(
            "/admin/sign_up_blocks",
            &[
                ("authenticity_token", &csrf),
                ("kind", "ip"),
                ("ip", "2001:db8::/32"),
                ("severity", "no_access"),
                ("comment", "botnet"),
                ("days", "7"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = admin.get("/admin/sign_up_blocks").await;
    assert!(
        page.contains("throwaway.example") && page.contains("2001:db8::/32") && page.contains("botnet"),
        "{page}"
    );
    let id: i64 = sqlx::query_scalar("select id from email_domain_blocks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (status, _, _) = admin
        .post(
            &format!("/admin/sign_up_blocks/email_domain/{id}/delete"),
            &[("authenticity_token", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, _, page) = admin.get("/admin/sign_up_blocks").await;
    assert!(!page.contains("throwaway.example"), "{page}");
}
