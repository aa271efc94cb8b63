//! Invite links: made and revoked in settings, opening sign-up in invite-only and approval mode,
//! used up, expired or revoked, and who may make them.

use crate::helpers::{TestApp, TestBrowser, json_of};
use ferrodon::config::{InvitesBy, RegistrationMode};

async fn make_invite(browser: &mut TestBrowser<'_>, max_uses: &str) -> (u16, String) {
    let (_, _, page) = browser.get("/settings/invites").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = browser
        .post(
            "/settings/invites",
            &[
                ("authenticity_token", &csrf),
                ("max_uses", max_uses),
                ("expires_in", "604800"),
            ],
        )
        .await;
    let (_, _, page) = browser.get("/settings/invites").await;
    (status, page)
}

fn links_on(page: &str) -> Vec<String> {
    page.split("<code class=\"invite-link\">")
        .skip(1)
        .map(|rest| rest[..rest.find('<').unwrap()].to_owned())
        .collect()
}

async fn sign_up_with(app: &TestApp, path: &str, username: &str) -> (u16, Option<String>, String) {
    let mut browser = TestBrowser::new(app);
    let (status, _, page) = browser.get(path).await;
    if status != 200 {
        return (status, None, page);
    }
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let code = TestBrowser::input_value(&page, "invite_code").unwrap_or_default();
    browser
        .post(
            "/auth/sign_up",
            &[
                ("username", username),
                ("email", &format!("{username}@example.com")),
                ("password", "a fine password"),
                ("password_confirmation", "a fine password"),
                ("agreement", "1"),
                ("invite_code", &code),
                ("authenticity_token", &csrf),
            ],
        )
        .await
}

#[tokio::test]
async fn an_invite_only_server_lets_in_whom_members_invite() {
    let app = TestApp::spawn_with(|c| c.registrations.mode = RegistrationMode::Invite).await;
    app.member("host", "read").await;
    // Without an invite: closed, on the page and through the API.
    assert_eq!(TestBrowser::new(&app).get("/auth/sign_up").await.0, 403);
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    let sign_up_api = |username: &'static str, code: Option<String>| {
        let app_token = app_token.clone();
        let app = &app;
        async move {
            let mut form = vec![
                ("username", username.to_owned()),
                ("email", format!("{username}@example.com")),
                ("password", "a fine password".to_owned()),
                ("agreement", "true".to_owned()),
            ];
            if let Some(code) = code {
                form.push(("invite_code", code));
            }
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            json_of(app.post_form("/api/v1/accounts", Some(&app_token), &pairs).await).await
        }
    };
    let (status, body) = sign_up_api("nocode", None).await;
    assert_eq!(status, 403, "{body}");
    let (status, instance) = json_of(app.get("/api/v1/instance").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            instance["registrations"].as_bool(),
            instance["invites_enabled"].as_bool()
        ),
        (Some(false), Some(true))
    );

    let mut host = TestBrowser::new(&app);
    host.sign_in("host", "correct horse battery").await;
    let (status, page) = make_invite(&mut host, "1").await;
    assert_eq!(status, 303);
    let links = links_on(&page);
    assert_eq!(links.len(), 1, "{page}");
    assert!(page.contains("0 of 1"), "{page}");
    let path = links[0]
        .split_once("/invite/")
        .map(|(_, code)| format!("/invite/{code}"))
        .unwrap();

    let (status, location, page) = sign_up_with(&app, &path, "guest").await;
    assert_eq!((status, location.as_deref()), (303, Some("/")), "{page}");
    let (_, _, page) = host.get("/settings/invites").await;
    assert!(page.contains("1 of 1"), "{page}");
    // Used up.
    let (status, _, page) = sign_up_with(&app, &path, "second").await;
    assert_eq!(status, 404);
    assert!(page.contains("not valid anymore"), "{page}");
    let invited: Option<i64> = sqlx::query_scalar(
        "select u.invite_id from users u join accounts a on a.id = u.account_id where a.username = 'guest'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(invited.is_some());

    // An app signs up with a code too; a revoked invite lets nobody in.
    let (_, page) = make_invite(&mut host, "").await;
    let code = links_on(&page)[0].rsplit('/').next().unwrap().to_owned();
    let (status, body) = sign_up_api("appguest", Some(code.clone())).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", token)
            .await
            .status(),
        200
    );
    let id: i64 = sqlx::query_scalar("select id from invites where code = $1")
        .bind(&code)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = host
        .post(
            &format!("/settings/invites/{id}/revoke"),
            &[("authenticity_token", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (status, body) = sign_up_api("latecomer", Some(code.clone())).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        TestBrowser::new(&app).get(&format!("/invite/{code}")).await.0,
        404
    );
}

#[tokio::test]
async fn an_invite_skips_approval_and_staff_only_invites_refuse_members() {
    let app = TestApp::spawn_with(|c| {
        c.registrations.mode = RegistrationMode::Approval;
        c.registrations.invites = InvitesBy::Staff;
    })
    .await;
    app.member("plain", "read").await;
    crate::admin_reports::staff(&app, "mod", "moderator", "read").await;
    let mut member = TestBrowser::new(&app);
    member.sign_in("plain", "correct horse battery").await;
    let (status, page) = make_invite(&mut member, "5").await;
    assert_eq!(status, 422);
    assert!(page.contains("does not let you make invite links"), "{page}");

    let mut moderator = TestBrowser::new(&app);
    moderator.sign_in("mod", "correct horse battery").await;
    let (status, page) = make_invite(&mut moderator, "5").await;
    assert_eq!(status, 303);
    let path = links_on(&page)[0]
        .split_once("/invite/")
        .map(|(_, c)| format!("/invite/{c}"))
        .unwrap();
    let (status, _, page) = TestBrowser::new(&app).get(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("You were invited") && !page.contains("Why do you want to join"),
        "{page}"
    );
    let (status, location, _) = sign_up_with(&app, &path, "welcomed").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/")),
        "approved at once"
    );
    // Without the invite, the same server holds sign-ups for approval.
    let (status, _, page) = sign_up_with(&app, "/auth/sign_up", "waiting").await;
    assert_eq!(status, 200);
    assert!(page.contains("will review"), "{page}");
}
