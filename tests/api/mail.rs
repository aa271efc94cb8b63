//! Mail through a real SMTP server on loopback: sign-up confirmation (page and API), password
//! resets, changes of address, staff notices, applicants' and moderation notices, and what
//! happens when the mail server refuses or there is none.

use crate::admin_reports::staff;
use crate::helpers::{TestApp, TestBrowser, json_of};
use crate::smtp_sink::{Mood, SmtpSink};
use ferrodon::config::RegistrationMode;

async fn app_with_mail(sink: &SmtpSink, configure: impl FnOnce(&mut ferrodon::config::Config)) -> TestApp {
    let sink = sink.clone();
    TestApp::spawn_with(move |config| {
        sink.configure(config);
        configure(config);
    })
    .await
}

/// The app's public URL, as links in mails use it.
fn site(app: &TestApp) -> String {
    format!("http://{}", app.config.server.domain)
}

/// The path (with query) of an absolute link on the app.
fn path_of(app: &TestApp, link: &str) -> String {
    link.strip_prefix(&site(app))
        .unwrap_or_else(|| panic!("{link} is not on {}", site(app)))
        .to_owned()
}

/// The subjects of the mails to `address`, in any order (the worker sends them concurrently).
fn subjects(sink: &SmtpSink, address: &str) -> Vec<String> {
    sink.to(address)
        .iter()
        .filter_map(|m| m.header("Subject"))
        .collect()
}

async fn sign_up_page(
    browser: &mut TestBrowser<'_>,
    username: &str,
    reason: &str,
) -> (u16, Option<String>, String) {
    let (_, _, page) = browser.get("/auth/sign_up").await;
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    browser
        .post(
            "/auth/sign_up",
            &[
                ("username", username),
                ("email", &format!("{username}@example.com")),
                ("password", "a fine password"),
                ("password_confirmation", "a fine password"),
                ("agreement", "true"),
                ("reason", reason),
                ("authenticity_token", &token),
            ],
        )
        .await
}

#[tokio::test]
async fn a_sign_up_is_confirmed_by_the_mailed_link_before_signing_in() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |c| c.registrations.require_email_confirmation = true).await;
    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = sign_up_page(&mut browser, "newbie", "").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Check your mail"), "{page}");
    assert!(page.contains("newbie@example.com"), "{page}");
    // Not signed in, and signing in is refused until the address is confirmed.
    let (status, _, page) = browser.sign_in("newbie", "a fine password").await;
    assert_eq!(status, 401);
    assert!(page.contains("Confirm your email address first"), "{page}");

    app.run_jobs().await;
    let mails = sink.to("newbie@example.com");
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.from, "notifications@example.com");
    assert_eq!(mail.header("Subject").unwrap(), "Confirm your email address");
    assert!(mail.header("From").unwrap().contains("Test Server"));
    assert!(mail.part("text/html").unwrap().contains("Confirm this address"));
    let link = mail.link(&format!("{}/auth/confirmation?confirmation_token=", site(&app)));
    // The HTML part carries the same link.
    assert!(mail.part("text/html").unwrap().contains(&link));

    let (status, _, page) = browser.get(&path_of(&app, &link)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your address is confirmed"), "{page}");
    let (status, location, _) = browser.sign_in("newbie", "a fine password").await;
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    // A link works once.
    let (status, _, page) = TestBrowser::new(&app).get(&path_of(&app, &link)).await;
    assert_eq!(status, 404);
    assert!(page.contains("This link does not work"), "{page}");
}

#[tokio::test]
async fn an_app_sign_up_waits_for_confirmation_and_can_ask_for_the_mail_again() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |c| c.registrations.require_email_confirmation = true).await;
    let client = app
        .register_client("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token = app.app_token(&client, "read write").await;
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "appuser"),
                ("email", "typo@example.com"),
                ("password", "a fine password"),
                ("agreement", "true"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = json_of(app.get_with("/api/v1/accounts/verify_credentials", &token).await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is missing a confirmed e-mail address");

    // The address was mistyped: the app sends the right one, and the link goes there.
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/emails/confirmations",
            Some(&token),
            &[("email", "right@example.com")],
        )
        .await,
    )
    .await;
    assert_eq!((status, body.clone()), (200, serde_json::json!({})), "{body}");
    // A bad address is refused with the field named.
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/emails/confirmations",
            Some(&token),
            &[("email", "not an address")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    app.run_jobs().await;
    assert_eq!(sink.to("typo@example.com").len(), 1);
    let mails = sink.to("right@example.com");
    assert_eq!(mails.len(), 1);
    let link = mails[0].link(&format!("{}/auth/confirmation", site(&app)));
    let (status, _, _) = TestBrowser::new(&app).get(&path_of(&app, &link)).await;
    assert_eq!(status, 200);
    let (status, account) = json_of(app.get_with("/api/v1/accounts/verify_credentials", &token).await).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(
        account["source"]["email"].as_str().unwrap_or("right@example.com"),
        "right@example.com"
    );
    let email: String = sqlx::query_scalar("select email from users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(email, "right@example.com");
    // Once confirmed, there is nothing to resend.
    let (status, _) = json_of(
        app.post_form("/api/v1/emails/confirmations", Some(&token), &[])
            .await,
    )
    .await;
    assert_eq!(status, 403);
    // Without a token: 401.
    let (status, _) = json_of(app.post_form("/api/v1/emails/confirmations", None, &[]).await).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_and_everyone_is_signed_out() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |_| {}).await;
    let member = app.member("forgetful", "read write").await;
    let mut signed_in = TestBrowser::new(&app);
    assert_eq!(
        signed_in.sign_in("forgetful", "correct horse battery").await.0,
        303
    );

    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.get("/auth/password/new").await;
    assert_eq!(status, 200);
    let token = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    // An unknown address gets the same answer, and no mail.
    let (status, _, unknown) = browser
        .post(
            "/auth/password/new",
            &[("email", "nobody@example.com"), ("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, known) = browser
        .post(
            "/auth/password/new",
            &[("email", "FORGETFUL@example.com"), ("authenticity_token", &token)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(unknown, known);
    app.run_jobs().await;
    assert_eq!(sink.messages().len(), 1);
    let mail = &sink.to("forgetful@example.com")[0];
    assert_eq!(mail.header("Subject").unwrap(), "Reset your password");
    let link = path_of(&app, &mail.link(&format!("{}/auth/password/edit", site(&app))));

    let (status, _, form) = browser.get(&link).await;
    assert_eq!(status, 200, "{form}");
    let reset_token = TestBrowser::input_value(&form, "reset_password_token").unwrap();
    let csrf = TestBrowser::input_value(&form, "authenticity_token").unwrap();
    let (status, _, page) = browser
        .post(
            "/auth/password/edit",
            &[
                ("reset_password_token", &reset_token),
                ("password", "a brand new secret"),
                ("password_confirmation", "something else"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("differ"), "{page}");
    let (status, _, page) = browser
        .post(
            "/auth/password/edit",
            &[
                ("reset_password_token", &reset_token),
                ("password", "a brand new secret"),
                ("password_confirmation", "a brand new secret"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("signed out everywhere"), "{page}");

    // The app's token and the other browser's session are gone.
    assert_eq!(
        app.get_with("/api/v1/accounts/verify_credentials", &member.token)
            .await
            .status(),
        401
    );
    let (status, _, _) = signed_in.get("/settings/profile").await;
    assert_ne!(status, 200);
    // Old password out, new one in; the link is spent.
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("forgetful", "correct horse battery")
            .await
            .0,
        401
    );
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("forgetful", "a brand new secret")
            .await
            .0,
        303
    );
    assert_eq!(browser.get(&link).await.0, 404);
    app.run_jobs().await;
    let mails = sink.to("forgetful@example.com");
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].header("Subject").unwrap(), "Your password was changed");
}

#[tokio::test]
async fn a_new_address_is_confirmed_on_it_and_told_to_the_old_one() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |_| {}).await;
    app.member("mover", "read").await;
    app.member("other", "read").await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("mover", "correct horse battery").await;
    let (status, _, page) = browser.get("/settings/email").await;
    assert_eq!(status, 200);
    assert!(page.contains("mover@example.com"));
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let change = |email: &'static str, password: &'static str| {
        let csrf = csrf.clone();
        async move { (email, password, csrf) }
    };
    let (email, password, csrf) = change("new@example.com", "wrong password").await;
    let (status, _, page) = browser
        .post(
            "/settings/email",
            &[
                ("email", email),
                ("current_password", password),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("current password is not right"), "{page}");
    let (status, _, page) = browser
        .post(
            "/settings/email",
            &[
                ("email", "OTHER@example.com"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("already in use"), "{page}");
    let (status, location, _) = browser
        .post(
            "/settings/email",
            &[
                ("email", "new@example.com"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/settings/email?saved=email"))
    );
    let (_, _, page) = browser.get("/settings/email?saved=email").await;
    assert!(
        page.contains("Changing to <strong>new@example.com</strong>"),
        "{page}"
    );
    app.run_jobs().await;
    let old = sink.to("mover@example.com");
    assert_eq!(old.len(), 1);
    assert!(old[0].text().contains("new@example.com"));
    let new = sink.to("new@example.com");
    assert_eq!(new.len(), 1);
    assert_eq!(
        new[0].header("Subject").unwrap(),
        "Confirm your new email address"
    );
    // Until confirmed, the old address signs in; after, the new one does.
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("mover@example.com", "correct horse battery")
            .await
            .0,
        303
    );
    let link = path_of(&app, &new[0].link(&format!("{}/auth/confirmation", site(&app))));
    assert_eq!(TestBrowser::new(&app).get(&link).await.0, 200);
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("mover@example.com", "correct horse battery")
            .await
            .0,
        401
    );
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("new@example.com", "correct horse battery")
            .await
            .0,
        303
    );
}

#[tokio::test]
async fn staff_get_the_mails_they_asked_for_and_applicants_hear_the_decision() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |c| c.registrations.mode = RegistrationMode::Approval).await;
    let admin = staff(&app, "boss", "admin", "admin:read admin:write read write").await;
    staff(&app, "quietmod", "moderator", "read").await;
    // The moderator turns both notices off on their settings page.
    let mut moderator = TestBrowser::new(&app);
    moderator.sign_in("quietmod", "correct horse battery").await;
    let (_, _, page) = moderator.get("/settings/email").await;
    assert!(page.contains("Mail for staff"), "{page}");
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = moderator
        .post("/settings/email/notices", &[("authenticity_token", &csrf)])
        .await;
    assert_eq!(status, 303);

    let mut applicant = TestBrowser::new(&app);
    let (status, _, page) = sign_up_page(&mut applicant, "hopeful", "I run the <b>local</b> choir").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("will review"), "{page}");
    app.run_jobs().await;
    let to_admin = sink.to("boss@example.com");
    assert_eq!(to_admin.len(), 1, "{:?}", sink.messages());
    assert_eq!(
        to_admin[0].header("Subject").unwrap(),
        "New sign-up awaiting approval: @hopeful"
    );
    assert!(to_admin[0].text().contains("I run the <b>local</b> choir"));
    // The HTML part escapes what the applicant wrote.
    let html = to_admin[0].part("text/html").unwrap();
    assert!(html.contains("local") && !html.contains("<b>local</b>"), "{html}");
    assert!(sink.to("quietmod@example.com").is_empty());
    // The applicant is asked to confirm their address too.
    assert_eq!(sink.to("hopeful@example.com").len(), 1);

    // The admin approves from the admin page; the applicant hears of it.
    let mut boss = TestBrowser::new(&app);
    boss.sign_in("boss", "correct horse battery").await;
    let (status, _, page) = boss.get("/admin/accounts").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("@hopeful") && page.contains("local") && !page.contains("<b>local</b>"),
        "{page}"
    );
    let id: i64 = sqlx::query_scalar("select id from accounts where username = 'hopeful'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = boss
        .post(
            &format!("/admin/accounts/{id}"),
            &[("decision", "approve"), ("authenticity_token", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    app.run_jobs().await;
    assert!(subjects(&sink, "hopeful@example.com").contains(&"Your account was approved".to_owned()));

    // A rejected applicant is told before their account goes.
    sign_up_page(&mut TestBrowser::new(&app), "spammer", "buy things").await;
    let id: i64 = sqlx::query_scalar("select id from accounts where username = 'spammer'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = app
        .post_form(
            &format!("/api/v1/admin/accounts/{id}/reject"),
            Some(&admin.token),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    app.run_jobs().await;
    assert!(subjects(&sink, "spammer@example.com").contains(&"Your sign-up was not accepted".to_owned()));

    // Reports: the admin gets one, the moderator who turned it off does not.
    let reporter = app.member("reporter", "read write").await;
    let target = app.member("target", "read write").await;
    let response = app
        .post_form(
            "/api/v1/reports",
            Some(&reporter.token),
            &[
                ("account_id", &target.account_id.to_string()),
                ("comment", "rude"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    app.run_jobs().await;
    let report_mail = sink.to("boss@example.com").pop().unwrap();
    assert_eq!(report_mail.header("Subject").unwrap(), "New report about @target");
    assert!(report_mail.text().contains("@reporter reported @target"));
    assert!(report_mail.text().contains("rude"));
    assert!(sink.to("quietmod@example.com").is_empty());

    // Staff acting through the admin API can mail the member what they did and why.
    let response = app
        .post_form(
            &format!("/api/v1/admin/accounts/{}/action", target.account_id),
            Some(&admin.token),
            &[
                ("type", "silence"),
                ("text", "Please stop."),
                ("send_email_notification", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    app.run_jobs().await;
    let warning = sink.to("target@example.com").pop().unwrap();
    assert_eq!(warning.header("Subject").unwrap(), "A notice about your account");
    assert!(warning.text().contains("Your account was limited"));
    assert!(warning.text().contains("Please stop."));
    // And in the app: a `moderation_warning` notification with the account warning.
    let (status, notifications) = json_of(
        app.get_with("/api/v1/notifications?types[]=moderation_warning", &target.token)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{notifications}");
    let warning = &notifications[0]["moderation_warning"];
    assert_eq!(warning["action"], "silence", "{notifications}");
    assert_eq!(warning["text"], "Please stop.");
    assert_eq!(warning["target_account"]["id"], target.account_id.to_string());
    assert!(warning["appeal"].is_null());
    let (status, groups) = json_of(app.get_with("/api/v2/notifications", &target.token).await).await;
    assert_eq!(status, 200);
    let group = groups["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "moderation_warning")
        .unwrap_or_else(|| panic!("{groups}"));
    assert_eq!(group["moderation_warning"]["action"], "silence");
}

#[tokio::test]
async fn a_refusing_mail_server_gives_up_for_good_or_retries_for_now() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, |_| {}).await;
    app.member("unlucky", "read").await;
    let request_reset = || async {
        let mut browser = TestBrowser::new(&app);
        let (_, _, page) = browser.get("/auth/password/new").await;
        let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
        browser
            .post(
                "/auth/password/new",
                &[("email", "unlucky"), ("authenticity_token", &csrf)],
            )
            .await;
    };
    sink.set_mood(Mood::RefuseForNow);
    request_reset().await;
    app.run_jobs().await;
    let (attempts, error, failed): (i32, Option<String>, bool) =
        sqlx::query_as("select attempts, last_error, given_up_at is not null from jobs where kind = 'email'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, failed), (1, false));
    assert!(error.unwrap().contains("451"));

    sqlx::query("delete from jobs").execute(&app.pool).await.unwrap();
    sink.set_mood(Mood::RefuseForGood);
    request_reset().await;
    app.run_jobs().await;
    let (error, failed): (Option<String>, bool) =
        sqlx::query_as("select last_error, given_up_at is not null from jobs where kind = 'email'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(failed, "a permanent refusal is given up at once");
    assert!(error.unwrap().contains("550"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn without_a_mail_server_mails_are_logged_and_pages_say_so() {
    let app = TestApp::spawn().await;
    app.member("offline", "read").await;
    let mut browser = TestBrowser::new(&app);
    let (status, _, page) = browser.get("/auth/password/new").await;
    assert_eq!(status, 200);
    assert!(page.contains("This server does not send mail"), "{page}");
    assert!(
        !page.contains("name=\"email\""),
        "no form that cannot work: {page}"
    );
    // Sign-ups still queue the confirmation, which the worker logs and completes.
    sign_up_page(&mut browser, "walkin", "").await;
    app.run_jobs().await;
    let left: i64 = sqlx::query_scalar("select count(*) from jobs where kind = 'email'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
