//! Media uploads: sniffing, limits, re-encoding without EXIF, previews, serving, owner-only
//! access, updates, attaching to statuses and media-only timelines.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::json_of;
use crate::helpers::{TestApp, TestMember};

/// The app with its data directory (and so its media files) in a fresh temporary directory.
async fn spawn() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let app = TestApp::spawn_with(move |config| config.server.data_dir = path).await;
    (app, dir)
}

pub fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
}

pub fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(&picture(width, height), ImageFormat::Png)
}

const SECRET: &[u8] = b"GPS 51.5007N 0.1246W secret-location";

/// A JPEG carrying an EXIF segment (APP1) written by hand, with a recognizable secret in it.
fn jpeg_with_exif() -> Vec<u8> {
    let plain = encoded(&picture(100, 80), ImageFormat::Jpeg);
    let mut payload = b"Exif\0\0".to_vec();
    // A little-endian TIFF header with one empty IFD, then the secret as trailing data.
    payload.extend_from_slice(&[b'I', b'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    payload.extend_from_slice(SECRET);
    let length = (payload.len() + 2) as u16;
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small PNG whose header claims `width` x `height` pixels (with a valid checksum).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1);
    // Signature (8), length (4), "IHDR" (4), then width and height; the CRC follows the 13 bytes.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

pub(crate) async fn upload_to(
    app: &TestApp,
    path: &str,
    token: &str,
    bytes: Vec<u8>,
    mime: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = Form::new().part(
        "file",
        Part::bytes(bytes).file_name("upload.bin").mime_str(mime).unwrap(),
    );
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let response = app
        .client
        .post(format!("{}{path}", app.base_url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_of(response).await
}

/// Uploads through v2 and returns the attachment (asserting success).
async fn upload(app: &TestApp, member: &TestMember, bytes: Vec<u8>) -> Value {
    let (status, body) = upload_to(app, "/api/v2/media", &member.token, bytes, "image/png", &[]).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Fetches a URL the app gave, returning status, headers and body.
pub async fn fetch(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn png_upload_is_described_stored_and_served_safely() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let (status, media) = upload_to(
        &app,
        "/api/v2/media",
        &alice.token,
        png(800, 600),
        // The client's content type is not believed: the bytes say PNG.
        "image/jpeg",
        &[("description", "A gradient"), ("focus", "-0.5,0.25")],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "A gradient");
    assert!(media["remote_url"].is_null() && media["text_url"].is_null());
    assert_eq!(media["meta"]["original"]["width"], 800);
    assert_eq!(media["meta"]["original"]["height"], 600);
    assert_eq!(media["meta"]["original"]["size"], "800x600");
    assert!((media["meta"]["original"]["aspect"].as_f64().unwrap() - 800.0 / 600.0).abs() < 1e-9);
    assert_eq!(media["meta"]["small"]["size"], "640x480");
    assert_eq!(media["meta"]["focus"]["x"], -0.5);
    assert_eq!(media["meta"]["focus"]["y"], 0.25);
    let blurhash = media["blurhash"].as_str().unwrap();
    assert!(blurhash.len() >= 6, "{blurhash}");
    let url = media["url"].as_str().unwrap();
    assert!(
        url.starts_with(&app.config.base_url()) && url.ends_with(".png"),
        "{url}"
    );

    let (status, headers, body) = fetch(&app, url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "default-src 'none'; sandbox");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let stored = image::load_from_memory(&body).unwrap();
    assert_eq!((stored.width(), stored.height()), (800, 600));
    let (status, headers, body) = fetch(&app, media["preview_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    let small = image::load_from_memory(&body).unwrap();
    assert_eq!((small.width(), small.height()), (640, 480));

    // Names other than the ones we made are not found, whatever they try.
    let base = format!("{}/system/media", app.base_url);
    let id = media["id"].as_str().unwrap();
    let name = url.rsplit('/').next().unwrap();
    let key = name.trim_end_matches(".png").split('-').nth(1).unwrap();
    assert_eq!(key.len(), 32, "{name}");
    let other_key = "0".repeat(32);
    for path in [
        format!("{base}/{id}-{key}.jpg"),
        format!("{base}/{id}-{other_key}.png"),
        format!("{base}/{id}.png"),
        format!("{base}/..%2F..%2Fconfig.toml"),
        format!("{base}/{id}-{key}-big.png"),
        format!("{base}/999-{key}.png"),
    ] {
        let (status, _, _) = fetch(&app, &path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn jpeg_upload_through_v1_loses_its_exif() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let original = jpeg_with_exif();
    assert!(contains(&original, SECRET) && contains(&original, b"Exif\0\0"));
    let (status, media) = upload_to(
        &app,
        "/api/v1/media",
        &alice.token,
        original,
        "application/octet-stream",
        &[],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert!(media["description"].is_null());
    assert_eq!(media["meta"]["original"]["size"], "100x80");
    assert_eq!(
        media["meta"]["small"]["size"], "100x80",
        "small images are not enlarged"
    );
    let url = media["url"].as_str().unwrap();
    assert!(url.ends_with(".jpg"), "{url}");
    let (status, headers, body) = fetch(&app, url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(!contains(&body, SECRET), "the EXIF data is gone");
    assert!(!contains(&body, b"Exif\0\0"), "no EXIF segment at all");
    assert_eq!(image::guess_format(&body).unwrap(), ImageFormat::Jpeg);
}

#[tokio::test]
async fn gif_and_webp_are_accepted_and_reencoded() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let gif = upload(&app, &alice, encoded(&picture(30, 20), ImageFormat::Gif)).await;
    assert!(gif["url"].as_str().unwrap().ends_with(".png"), "{gif}");
    assert_eq!(gif["meta"]["original"]["size"], "30x20");
    let webp = upload(&app, &alice, encoded(&picture(30, 20), ImageFormat::WebP)).await;
    let url = webp["url"].as_str().unwrap();
    assert!(url.ends_with(".webp"), "{webp}");
    let (_, headers, body) = fetch(&app, url).await;
    assert_eq!(headers["content-type"], "image/webp");
    assert_eq!(image::guess_format(&body).unwrap(), ImageFormat::WebP);
}

#[tokio::test]
async fn bad_uploads_are_refused_with_clear_errors() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let mut mp4 = vec![0, 0, 0, 0x18];
    mp4.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
    mp4.resize(64, 0);
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (mp4, "video/mp4", "video and audio are not supported"),
        (
            b"ID3\x03\0\0\0\0\0\0".to_vec(),
            "audio/mpeg",
            "video and audio are not supported",
        ),
        (
            b"just some text".to_vec(),
            "text/plain",
            "only JPEG, PNG, GIF and WebP",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "image/svg+xml",
            "only JPEG, PNG, GIF and WebP",
        ),
        (
            b"\x89PNG\r\n\x1a\nbroken".to_vec(),
            "image/png",
            "could not be read",
        ),
        (
            png_claiming(8000, 4200),
            "image/png",
            "over the limit of 33177600 pixels",
        ),
    ];
    for (bytes, mime, message) in cases {
        let (status, body) = upload_to(&app, "/api/v2/media", &alice.token, bytes, mime, &[]).await;
        assert_eq!(status, 422, "{mime}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.starts_with("Validation failed: ") && error.contains(message),
            "{error}"
        );
    }
    let too_long = "x".repeat(1501);
    for fields in [
        vec![("description", too_long.as_str())],
        vec![("focus", "2,0")],
        vec![("focus", "a")],
    ] {
        let (status, body) = upload_to(
            &app,
            "/api/v1/media",
            &alice.token,
            png(4, 4),
            "image/png",
            &fields,
        )
        .await;
        assert_eq!(status, 422, "{fields:?}: {body}");
    }
    let (status, body) = upload_to(
        &app,
        "/api/v2/media",
        &alice.token,
        vec![0u8; 16 * 1024 * 1024 + 1],
        "image/png",
        &[],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let count: i64 = sqlx::query_scalar("select count(*) from media_attachments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let reader = app.member("reader", "read").await;
    let (status, _) = upload_to(&app, "/api/v2/media", &reader.token, png(4, 4), "image/png", &[]).await;
    assert_eq!(status, 403, "write:media is needed");
}

#[tokio::test]
async fn only_the_owner_sees_and_updates_an_upload() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let media = upload(&app, &alice, png(10, 10)).await;
    let path = format!("/api/v1/media/{}", media["id"].as_str().unwrap());

    let (status, seen) = json_of(app.get_with(&path, &alice.token).await).await;
    assert_eq!(status, 200);
    assert_eq!(seen, media);
    let (status, _) = json_of(app.get_with(&path, &bob.token).await).await;
    assert_eq!(status, 404);
    assert_eq!(app.get(&path).await.status().as_u16(), 401);
    let (status, _) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&bob.token),
            &[("description", "mine")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);

    let (status, updated) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &[("description", "A tiny square"), ("focus", "0.5,-1")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["description"], "A tiny square");
    assert_eq!(updated["meta"]["focus"]["x"], 0.5);
    assert_eq!(updated["meta"]["focus"]["y"], -1.0);
    assert_eq!(updated["url"], media["url"]);
    let (status, _) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &[("focus", "0,3")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let (_, seen) = json_of(app.get_with(&path, &alice.token).await).await;
    assert_eq!(seen["description"], "A tiny square");
}

fn id_of(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(id_of).collect()
}

#[tokio::test]
async fn statuses_carry_their_media_in_order_and_refuse_others() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let first = upload(&app, &alice, png(20, 10)).await;
    let second = upload(&app, &alice, png(10, 20)).await;
    // Media without text is a post; the order is the order of media_ids.
    let (status, posted) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("media_ids[]", id_of(&second)), ("media_ids[]", id_of(&first))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["media_attachments"], serde_json::json!([second, first]));
    let (_, seen) = json_of(app.get(&format!("/api/v1/statuses/{}", id_of(&posted))).await).await;
    assert_eq!(seen["media_attachments"], posted["media_attachments"]);
    let (_, page) = json_of(app.get("/api/v1/timelines/public").await).await;
    assert_eq!(page[0]["media_attachments"][1]["id"], first["id"]);

    // Attached media is no longer changed through /api/v1/media.
    let path = format!("/api/v1/media/{}", id_of(&first));
    let (status, _) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &[("description", "late")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);

    let bobs = upload(&app, &bob, png(5, 5)).await;
    let spare: Vec<Value> = [
        upload(&app, &alice, png(3, 3)).await,
        upload(&app, &alice, png(3, 3)).await,
        upload(&app, &alice, png(3, 3)).await,
        upload(&app, &alice, png(3, 3)).await,
        upload(&app, &alice, png(3, 3)).await,
    ]
    .into();
    let five: Vec<(&str, &str)> = spare.iter().map(|m| ("media_ids[]", id_of(m))).collect();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("status", "x"), ("media_ids[]", id_of(&bobs))], "not found"),
        (
            vec![("status", "x"), ("media_ids[]", id_of(&first))],
            "already attached",
        ),
        (vec![("status", "x"), ("media_ids[]", "12345")], "not found"),
        (vec![("status", "x"), ("media_ids[]", "nonsense")], "not found"),
        (five, "more than 4 files"),
        (
            vec![
                ("status", "x"),
                ("media_ids[]", id_of(&spare[0])),
                ("poll[options][]", "a"),
                ("poll[options][]", "b"),
                ("poll[expires_in]", "3600"),
            ],
            "poll",
        ),
    ];
    for (form, message) in cases {
        let (status, body) =
            json_of(app.post_form("/api/v1/statuses", Some(&alice.token), &form).await).await;
        assert_eq!(status, 422, "{form:?}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.starts_with("Validation failed: ") && error.contains(message),
            "{error}"
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from statuses")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "refused posts store nothing");
}

#[tokio::test]
async fn editing_a_status_sets_its_media_and_deleting_frees_them() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let first = upload(&app, &alice, png(20, 10)).await;
    let second = upload(&app, &alice, png(10, 20)).await;
    let (_, posted) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[
                ("status", "two pictures"),
                ("media_ids[]", id_of(&first)),
                ("media_ids[]", id_of(&second)),
            ],
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/statuses/{}", id_of(&posted));
    let (status, edited) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &[("status", "one picture"), ("media_ids[]", id_of(&second))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(ids(&edited["media_attachments"]), [id_of(&second)]);
    // An edit changes the alt text and focus of what it keeps (Mastodon's media_attributes).
    let (status, edited) = json_of(
        app.send_json(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &serde_json::json!({
                "status": "one picture, described",
                "media_ids": [id_of(&second)],
                "media_attributes": [
                    { "id": id_of(&second), "description": "A tall gradient", "focus": "0.1,-0.2" },
                    { "id": id_of(&first), "description": "not kept, not changed" },
                ],
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let kept = &edited["media_attachments"][0];
    assert_eq!(kept["description"], "A tall gradient");
    assert_eq!(kept["meta"]["focus"]["x"], 0.1);
    assert_eq!(kept["meta"]["focus"]["y"], -0.2);
    let (_, first_now) = json_of(
        app.get_with(&format!("/api/v1/media/{}", id_of(&first)), &alice.token)
            .await,
    )
    .await;
    assert!(first_now["description"].is_null(), "{first_now}");
    // The one left out is free again.
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("media_ids[]", id_of(&first))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let bobs = upload(&app, &bob, png(5, 5)).await;
    let (status, body) = json_of(
        app.send_form(
            reqwest::Method::PUT,
            &path,
            Some(&alice.token),
            &[("status", "steal"), ("media_ids[]", id_of(&bobs))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Deleting the status hands its media back for a redraft.
    let (status, deleted) = json_of(
        app.send_form(reqwest::Method::DELETE, &path, Some(&alice.token), &[])
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ids(&deleted["media_attachments"]), [id_of(&second)]);
    let (status, body) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "redraft"), ("media_ids[]", id_of(&second))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body["media_attachments"]), [id_of(&second)]);
}

#[tokio::test]
async fn only_media_timelines_keep_statuses_with_media() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let picture = upload(&app, &alice, png(8, 8)).await;
    let (_, with_media) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "look #cats"), ("media_ids[]", id_of(&picture))],
        )
        .await,
    )
    .await;
    let (_, text_only) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "words #cats")],
        )
        .await,
    )
    .await;
    let boost = app
        .post_form(
            &format!("/api/v1/statuses/{}/reblog", id_of(&with_media)),
            Some(&alice.token),
            &[],
        )
        .await;
    assert_eq!(boost.status().as_u16(), 200);
    let account = format!("/api/v1/accounts/{}/statuses", alice.account_id);
    for path in ["/api/v1/timelines/public", "/api/v1/timelines/tag/cats", &account] {
        let (status, all) = json_of(app.get(path).await).await;
        assert_eq!(status, 200);
        assert!(ids(&all).contains(&id_of(&text_only)), "{path}");
        let (status, media) = json_of(app.get(&format!("{path}?only_media=true")).await).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&media), [id_of(&with_media)], "{path}");
    }
}

#[tokio::test]
async fn scheduled_statuses_attach_their_media_when_posted() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let bob = app.member("bob", "read write").await;
    let picture = upload(&app, &alice, png(8, 8)).await;
    let later = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let bobs = upload(&app, &bob, png(8, 8)).await;
    let (code, body) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("media_ids[]", id_of(&bobs)), ("scheduled_at", &later)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 422, "{body}");
    let (code, scheduled) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("media_ids[]", id_of(&picture)), ("scheduled_at", &later)],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200, "{scheduled}");
    assert_eq!(
        scheduled["params"]["media_ids"],
        serde_json::json!([id_of(&picture)])
    );

    let state = ferrodon::app::AppState::new(app.config.clone(), app.pool.clone()).unwrap();
    sqlx::query("update scheduled_statuses set scheduled_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("update jobs set run_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(ferrodon::jobs::run_pending_jobs(&state).await.unwrap(), 1);
    let (_, statuses) = json_of(
        app.get(&format!("/api/v1/accounts/{}/statuses", alice.account_id))
            .await,
    )
    .await;
    assert_eq!(ids(&statuses[0]["media_attachments"]), [id_of(&picture)]);
}

#[tokio::test]
async fn deleting_an_account_removes_its_media_rows_and_files() {
    let (app, dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let attached = upload(&app, &alice, png(40, 30)).await;
    let unattached = upload(&app, &alice, png(20, 10)).await;
    let (status, posted) = json_of(
        app.post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "look"), ("media_ids[]", id_of(&attached))],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let urls: Vec<String> = [&attached, &unattached]
        .iter()
        .flat_map(|m| {
            [
                m["url"].as_str().unwrap().to_owned(),
                m["preview_url"].as_str().unwrap().to_owned(),
            ]
        })
        .collect();
    for url in &urls {
        assert_eq!(fetch(&app, url).await.0, 200, "{url}");
    }
    let media_dir = dir.path().join("media");
    assert_eq!(std::fs::read_dir(&media_dir).unwrap().count(), 4);

    ferrodon::actions::accounts::delete_local(&app.pool, &app.base_url, &app.state.media, alice.account_id)
        .await
        .unwrap();

    for url in &urls {
        assert_eq!(fetch(&app, url).await.0, 404, "{url}");
    }
    assert_eq!(std::fs::read_dir(&media_dir).unwrap().count(), 0);
    let rows: i64 = sqlx::query_scalar("select count(*) from media_attachments where account_id = $1")
        .bind(alice.account_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn uploads_left_unattached_for_a_day_are_removed_with_their_files() {
    let (app, _dir) = spawn().await;
    let alice = app.member("alice", "read write").await;
    let unused = upload(&app, &alice, png(8, 8)).await;
    let fresh = upload(&app, &alice, png(8, 8)).await;
    let waiting = upload(&app, &alice, png(8, 8)).await;
    let posted = upload(&app, &alice, png(8, 8)).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let mut posted_status = String::new();
    for fields in [
        vec![("media_ids[]", id_of(&waiting)), ("scheduled_at", &later)],
        vec![("status", "with a picture"), ("media_ids[]", id_of(&posted))],
    ] {
        let (code, body) = json_of(
            app.post_form("/api/v1/statuses", Some(&alice.token), &fields)
                .await,
        )
        .await;
        assert_eq!(code, 200, "{body}");
        posted_status = body["id"].as_str().unwrap().to_owned();
    }
    sqlx::query("update media_attachments set created_at = now() - interval '2 days' where id <> $1")
        .bind(id_of(&fresh).parse::<i64>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let file = unused["url"].as_str().unwrap().to_owned();
    assert_eq!(fetch(&app, &file).await.0, 200);

    // A status deleted now frees its old upload for a redraft: kept for a day from now.
    let (code, _) = json_of(
        app.send_form(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", posted_status),
            Some(&alice.token),
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(code, 200);

    let removed = ferrodon::actions::media::prune_unattached(&app.pool, &app.state.media)
        .await
        .unwrap();
    assert_eq!(removed, 1, "only the upload nothing uses, and only once old");
    let shown = |media: &Value| format!("/api/v1/media/{}", id_of(media));
    let (code, _) = json_of(app.get_with(&shown(&unused), &alice.token).await).await;
    assert_eq!(code, 404);
    assert_eq!(fetch(&app, &file).await.0, 404, "its file is gone too");
    for kept in [&fresh, &waiting, &posted] {
        let (code, _) = json_of(app.get_with(&shown(kept), &alice.token).await).await;
        assert_eq!(code, 200, "{kept}");
        assert_eq!(fetch(&app, kept["url"].as_str().unwrap()).await.0, 200);
    }
}
