//! Two-factor sign-in as a member meets it: set up from a QR code's secret (codes computed here
//! by an independent RFC 6238 implementation), asked for at sign-in and in the OAuth flow,
//! recovery codes, replayed codes refused, and turned off with password and code.

use aws_lc_rs::hmac;

use crate::helpers::{TestApp, TestBrowser, json_of};

/// RFC 4648 base32 (no padding) to bytes.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').chars() {
        let value = ALPHABET.find(c.to_ascii_uppercase()).expect("base32") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) at `unix` seconds, with RFC 4226's truncation.
fn totp(secret: &str, unix: u64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &base32_decode(secret));
    let tag = hmac::sign(&key, &(unix / 30).to_be_bytes());
    let digest = tag.as_ref();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", binary % 1_000_000)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn the_independent_implementation_matches_rfc_6238() {
    // RFC 6238 appendix B, SHA-1 key "12345678901234567890" (base32 below), 8 digits there: the
    // last six of each.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(totp(secret, 59), "287082");
    assert_eq!(totp(secret, 1111111109), "081804");
    assert_eq!(totp(secret, 2000000000), "279037");
}

fn secret_on(page: &str) -> String {
    let marker = "<code class=\"otp-secret\">";
    let start = page.find(marker).expect("the secret on the page") + marker.len();
    page[start..start + page[start..].find('<').unwrap()].to_owned()
}

fn recovery_codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|rest| rest[..rest.find('<').unwrap()].to_owned())
        .collect()
}

/// Turns two-factor on for a signed-in browser; returns the secret and the recovery codes.
async fn enable(browser: &mut TestBrowser<'_>) -> (String, Vec<String>) {
    let (status, _, page) = browser.get("/settings/two_factor").await;
    assert_eq!(status, 200);
    assert!(page.contains("data:image/png;base64,"), "a QR code: {page}");
    let secret = secret_on(&page);
    // Reloading shows the same secret (the app may have scanned it already).
    assert_eq!(secret_on(&browser.get("/settings/two_factor").await.2), secret);
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, wrong) = browser
        .post(
            "/settings/two_factor/enable",
            &[
                ("code", "000000"),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(wrong.contains("code is not right"), "{wrong}");
    // The code of the previous step still counts (clocks drift); it is used up by this.
    let code = totp(&secret, now() - 30);
    let (status, _, page) = browser
        .post(
            "/settings/two_factor/enable",
            &[
                ("code", &code),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Two-factor sign-in is on"), "{page}");
    let codes = recovery_codes_on(&page);
    assert_eq!(codes.len(), 10, "{page}");
    (secret, codes)
}

async fn password_step(browser: &mut TestBrowser<'_>, login: &str, return_to: &str) -> (u16, String) {
    let (_, _, page) = browser.get("/auth/sign_in").await;
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, page) = browser
        .post(
            "/auth/sign_in",
            &[
                ("username", login),
                ("password", "correct horse battery"),
                ("authenticity_token", &csrf),
                ("return_to", return_to),
            ],
        )
        .await;
    (status, page)
}

async fn code_step(browser: &mut TestBrowser<'_>, page: &str, code: &str) -> (u16, Option<String>, String) {
    let csrf = TestBrowser::input_value(page, "authenticity_token").unwrap();
    browser
        .post(
            "/auth/sign_in/two_factor",
            &[("code", code), ("authenticity_token", &csrf)],
        )
        .await
}

#[tokio::test]
async fn two_factor_sign_in_asks_for_a_code_once_it_is_on() {
    let app = TestApp::spawn().await;
    app.member("careful", "read").await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("careful", "correct horse battery").await;
    let (secret, codes) = enable(&mut browser).await;
    let (_, _, page) = browser.get("/settings/two_factor").await;
    assert!(page.contains("10 recovery code(s) left"), "{page}");

    // A right password alone no longer signs in: the code page comes, and no session.
    let mut fresh = TestBrowser::new(&app);
    let (status, page) = password_step(&mut fresh, "careful", "/home").await;
    assert_eq!(status, 200);
    assert!(page.contains("/auth/sign_in/two_factor"), "{page}");
    assert_ne!(fresh.get("/settings/profile").await.0, 200);
    let (status, _, wrong) = code_step(&mut fresh, &page, "123456").await;
    assert_eq!(status, 401);
    assert!(wrong.contains("not right"), "{wrong}");
    let code = totp(&secret, now());
    let (status, location, _) = code_step(&mut fresh, &page, &code).await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));
    assert_eq!(fresh.get("/settings/profile").await.0, 200);

    // The same code does not work twice.
    let mut replay = TestBrowser::new(&app);
    let (_, page) = password_step(&mut replay, "careful", "/").await;
    assert_eq!(code_step(&mut replay, &page, &code).await.0, 401);
    // A recovery code does, once (typed in capitals, without the dash).
    let recovery = codes[3].to_uppercase().replace('-', "");
    let (status, _, _) = code_step(&mut replay, &page, &recovery).await;
    assert_eq!(status, 303);
    let mut again = TestBrowser::new(&app);
    let (_, page) = password_step(&mut again, "careful", "/").await;
    assert_eq!(code_step(&mut again, &page, &codes[3]).await.0, 401);
    // The code step without the password step's cookie is refused.
    let mut stranger = TestBrowser::new(&app);
    let (_, _, sign_in) = stranger.get("/auth/sign_in").await;
    assert_eq!(code_step(&mut stranger, &sign_in, &codes[4]).await.0, 401);

    // Turning it off needs the password and a code.
    let (_, _, page) = browser.get("/settings/two_factor").await;
    assert!(page.contains("9 recovery code(s) left"), "{page}");
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, _) = browser
        .post(
            "/settings/two_factor/disable",
            &[
                ("code", &codes[5]),
                ("current_password", "wrong"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 422);
    let (status, location, _) = browser
        .post(
            "/settings/two_factor/disable",
            &[
                ("code", &codes[5]),
                ("current_password", "correct horse battery"),
                ("authenticity_token", &csrf),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/settings/two_factor?saved=off"))
    );
    assert_eq!(
        TestBrowser::new(&app)
            .sign_in("careful", "correct horse battery")
            .await
            .0,
        303
    );
}

#[tokio::test]
async fn the_oauth_flow_asks_for_the_code_and_the_password_grant_refuses() {
    let app = TestApp::spawn_with(|config| config.oauth.password_grant = true).await;
    app.member("appuser", "read").await;
    let mut browser = TestBrowser::new(&app);
    browser.sign_in("appuser", "correct horse battery").await;
    let (secret, _) = enable(&mut browser).await;

    let client = app.register_client("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let authorize = format!(
        "/oauth/authorize?response_type=code&client_id={}&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&scope=read",
        client.client_id
    );
    let mut app_browser = TestBrowser::new(&app);
    let (status, _, page) = app_browser.get(&authorize).await;
    assert_eq!(status, 200);
    let return_to = TestBrowser::input_value(&page, "return_to").unwrap();
    let csrf = TestBrowser::input_value(&page, "authenticity_token").unwrap();
    let (status, _, code_page) = app_browser
        .post(
            "/auth/sign_in",
            &[
                ("username", "appuser"),
                ("password", "correct horse battery"),
                ("authenticity_token", &csrf),
                ("return_to", &return_to),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(code_page.contains("Two-factor sign-in"), "{code_page}");
    let (status, location, _) = code_step(&mut app_browser, &code_page, &totp(&secret, now())).await;
    assert_eq!(status, 303);
    let back = location.unwrap();
    assert!(back.starts_with("/oauth/authorize?"), "{back}");
    let (status, _, consent) = app_browser.get(&back).await;
    assert_eq!(status, 200);
    assert!(
        consent.contains("name=\"decision\" value=\"approve\""),
        "{consent}"
    );

    let (status, body) = json_of(
        app.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("username", "appuser"),
                ("password", "correct horse battery"),
                ("client_id", &client.client_id),
                ("client_secret", &client.client_secret),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}
