//! Errors reach clients as Mastodon's JSON, with the right status and media type.

use crate::helpers::TestApp;

const JSON_UTF8: &str = "application/json; charset=utf-8";

#[tokio::test]
async fn unknown_api_path_answers_mastodon_json_404() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/nothing/here").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "error": "Record not found" }));
}

#[tokio::test]
async fn unknown_page_answers_an_html_404() {
    let app = TestApp::spawn().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

#[tokio::test]
async fn wrong_method_answers_json_405() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .delete(format!("{}/health", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "Method not allowed");
}

#[tokio::test]
async fn trailing_slash_reaches_the_same_route() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/").await.status(), 200);
}

#[test]
fn server_errors_hide_their_cause() {
    use axum::response::IntoResponse;
    let error = ferrodon::error::AppError::Internal(anyhow::anyhow!("secret detail"));
    let response = error.into_response();
    assert_eq!(response.status(), 500);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = runtime
        .block_on(axum::body::to_bytes(response.into_body(), 1024))
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(!text.contains("secret"), "{text}");
    assert!(text.starts_with("{\"error\":"), "{text}");
}

#[test]
fn rate_limited_answers_429_with_retry_after() {
    use axum::response::IntoResponse;
    let response = ferrodon::error::AppError::RateLimited {
        retry_after_secs: 30,
        limit: 5,
    }
    .into_response();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "30");
    assert_eq!(response.headers()["content-type"], JSON_UTF8);
    assert_eq!(response.headers()["x-ratelimit-limit"], "5");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    assert!(response.headers().contains_key("x-ratelimit-reset"));
}
