//! Members' avatars and headers: uploaded through update_credentials, cropped, served, shown in
//! every view of the account, sent to remote followers, replaced, removed and refused.

use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::admin_reports::assert_schema;
use crate::fake_remote::{FakeRemote, route_to};
use crate::federation_in::local_actor;
use crate::federation_out::{remote_follows, take_one, take_queued};
use crate::helpers::{TestApp, TestMember, json_of};
use crate::media::{encoded, fetch, picture};

/// The app with its data directory in a fresh temporary directory, talking to `remote`.
async fn spawn(remote: &FakeRemote) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let remote = remote.clone();
    let app = TestApp::spawn_with(move |config| {
        config.server.data_dir = path;
        route_to(config, &[&remote]);
    })
    .await;
    (app, dir)
}

fn image_part(bytes: Vec<u8>) -> Part {
    Part::bytes(bytes)
        .file_name("picture.bin")
        .mime_str("application/octet-stream")
        .unwrap()
}

/// PATCHes update_credentials with these files and text fields.
async fn update(
    app: &TestApp,
    member: &TestMember,
    files: Vec<(&str, Vec<u8>)>,
    text: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part(name.to_owned(), image_part(bytes));
    }
    for (name, value) in text {
        form = form.text(name.to_string(), value.to_string());
    }
    let response = app
        .client
        .patch(format!("{}/api/v1/accounts/update_credentials", app.base_url))
        .bearer_auth(&member.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_of(response).await
}

/// Fetches a picture the app named, checking it is served as `content_type`; its size.
async fn served_size(app: &TestApp, url: &str, content_type: &str) -> (u32, u32) {
    let (status, headers, bytes) = fetch(app, url).await;
    assert_eq!(status, 200, "{url}");
    assert_eq!(headers["content-type"], content_type);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let image = image::load_from_memory(&bytes).unwrap();
    (image.width(), image.height())
}

/// The files kept in the data directory's pictures folder.
fn stored(dir: &tempfile::TempDir) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.path().join("media/profiles")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn uploaded_pictures_are_cropped_served_shown_everywhere_and_sent_to_followers() {
    let remote = FakeRemote::start("remote.test").await;
    let bob = remote.add_actor("bob");
    let (app, dir) = spawn(&remote).await;
    let alice = app.member("alice", "read write follow").await;
    remote_follows(&app, &bob, "alice", 1).await;
    take_queued(&app).await;

    let avatar = encoded(&picture(800, 600), ImageFormat::Png);
    let header = encoded(&picture(3000, 1500), ImageFormat::Jpeg);
    let (status, body) = update(
        &app,
        &alice,
        vec![("avatar", avatar), ("header", header)],
        &[("display_name", "Alice")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_schema("CredentialAccount", &body);
    assert_eq!(body["display_name"], "Alice");
    let avatar_url = body["avatar"].as_str().unwrap().to_owned();
    let header_url = body["header"].as_str().unwrap().to_owned();
    let pictures = format!("{}/system/profiles/", app.config.base_url());
    assert!(avatar_url.starts_with(&pictures), "{avatar_url}");
    assert!(header_url.starts_with(&pictures), "{header_url}");
    assert!(avatar_url.ends_with(".png") && header_url.ends_with(".jpg"));
    assert_eq!(body["avatar_static"], avatar_url.as_str());
    assert_eq!(body["header_static"], header_url.as_str());
    assert_eq!(served_size(&app, &avatar_url, "image/png").await, (400, 400));
    assert_eq!(served_size(&app, &header_url, "image/jpeg").await, (1500, 500));
    assert_eq!(stored(&dir).len(), 2);

    // Every view of the account shows them: the API, the actor document, WebFinger, the page.
    let (_, shown) = json_of(app.get(&format!("/api/v1/accounts/{}", alice.account_id)).await).await;
    assert_eq!(shown["avatar"], avatar_url.as_str());
    assert_eq!(shown["header"], header_url.as_str());
    let actor: Value = app
        .client
        .get(local_actor(&app, "alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["icon"]["url"], avatar_url.as_str());
    assert_eq!(actor["icon"]["mediaType"], "image/png");
    assert_eq!(actor["image"]["url"], header_url.as_str());
    assert_eq!(actor["image"]["mediaType"], "image/jpeg");
    let domain = &app.config.server.domain;
    let (_, finger) = json_of(
        app.get(&format!("/.well-known/webfinger?resource=acct:alice@{domain}"))
            .await,
    )
    .await;
    let link = finger["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://webfinger.net/rel/avatar")
        .unwrap();
    assert_eq!(link["href"], avatar_url.as_str());
    let page = app.get("/@alice").await.text().await.unwrap();
    assert!(page.contains(&avatar_url), "the profile page shows the avatar");

    // Remote followers are sent the new profile, pictures included.
    let sent = take_one(&app).await;
    assert_eq!(sent.body["type"], "Update");
    assert_eq!(sent.body["object"]["icon"]["url"], avatar_url.as_str());
    assert_eq!(sent.body["object"]["image"]["url"], header_url.as_str());
    assert_eq!(sent.inboxes, vec![format!("{}/inbox", remote.base())]);
}

#[tokio::test]
async fn a_replaced_or_removed_picture_stops_being_served_and_its_file_goes() {
    let remote = FakeRemote::start("remote.test").await;
    let (app, dir) = spawn(&remote).await;
    let alice = app.member("alice", "read write").await;
    let (_, first) = update(
        &app,
        &alice,
        vec![("avatar", encoded(&picture(50, 50), ImageFormat::Png))],
        &[],
    )
    .await;
    let (_, second) = update(
        &app,
        &alice,
        vec![("avatar", encoded(&picture(60, 40), ImageFormat::WebP))],
        &[],
    )
    .await;
    let (old, new) = (
        first["avatar"].as_str().unwrap(),
        second["avatar"].as_str().unwrap(),
    );
    assert_ne!(old, new);
    assert_eq!(fetch(&app, old).await.0, 404, "the replaced avatar is gone");
    assert_eq!(served_size(&app, new, "image/webp").await, (40, 40));
    assert_eq!(stored(&dir).len(), 1);

    let (status, header) = update(
        &app,
        &alice,
        vec![("header", encoded(&picture(900, 300), ImageFormat::Png))],
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header["avatar"], new, "a header upload keeps the avatar");

    let (status, removed) = json_of(
        app.send_form(
            reqwest::Method::DELETE,
            "/api/v1/profile/avatar",
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{removed}");
    assert_schema("CredentialAccount", &removed);
    assert_eq!(
        removed["avatar"],
        format!("{}/static/avatar.png", app.config.base_url())
    );
    assert_eq!(
        removed["header"], header["header"],
        "removing the avatar keeps the header"
    );
    assert_eq!(fetch(&app, new).await.0, 404);
    assert_eq!(stored(&dir).len(), 1, "only the header is left");

    let (status, _) = json_of(
        app.send_form(
            reqwest::Method::DELETE,
            "/api/v1/profile/header",
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(stored(&dir).is_empty());

    // A deleted member's pictures go with them.
    let (_, again) = update(
        &app,
        &alice,
        vec![("avatar", encoded(&picture(50, 50), ImageFormat::Png))],
        &[],
    )
    .await;
    ferrodon::actions::accounts::delete_local(&app.pool, &app.base_url, &app.state.media, alice.account_id)
        .await
        .unwrap();
    assert_eq!(fetch(&app, again["avatar"].as_str().unwrap()).await.0, 404);
    assert!(stored(&dir).is_empty());
}

#[tokio::test]
async fn bad_pictures_are_refused_and_change_nothing() {
    let remote = FakeRemote::start("remote.test").await;
    let (app, dir) = spawn(&remote).await;
    let alice = app.member("alice", "read write").await;
    let default_avatar = format!("{}/static/avatar.png", app.config.base_url());

    let (status, body) = update(
        &app,
        &alice,
        vec![("avatar", b"not a picture".to_vec())],
        &[("display_name", "Changed")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("only JPEG, PNG, GIF and WebP"),
        "{body}"
    );

    let mut oversized = encoded(&picture(10, 10), ImageFormat::Png);
    oversized.resize(8 * 1024 * 1024 + 1, 0);
    let (status, body) = update(
        &app,
        &alice,
        vec![("header", oversized)],
        &[("display_name", "Changed")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"],
        "Validation failed: Header file size must be less than 8 MB"
    );
    assert_eq!(body["details"]["header"][0]["error"], "ERR_INVALID");

    // A good avatar with a bad header: neither is taken.
    let (status, _) = update(
        &app,
        &alice,
        vec![
            ("avatar", encoded(&picture(50, 50), ImageFormat::Png)),
            ("header", b"GIF89a junk".to_vec()),
        ],
        &[],
    )
    .await;
    assert_eq!(status, 422);

    let (_, me) = json_of(
        app.get_with("/api/v1/accounts/verify_credentials", &alice.token)
            .await,
    )
    .await;
    assert_eq!(me["display_name"], "", "a refused update stores nothing");
    assert_eq!(me["avatar"], default_avatar.as_str());
    assert!(stored(&dir).is_empty(), "no file is left behind");

    // Names the app never made are not served, whatever they point at.
    for path in [
        "/system/profiles/..%2F..%2Fconfig.toml",
        "/system/profiles/1-0123456789abcdef0123456789abcdef.png",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}
