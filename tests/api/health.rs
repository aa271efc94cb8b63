//! `/health` answers for the database behind the app.

use crate::helpers::TestApp;

#[tokio::test]
async fn health_answers_ok_after_a_database_round_trip() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "OK");
}

#[tokio::test]
async fn health_answers_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health").await.status(), 200);
    app.database.drop_now().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn front_page_names_the_instance() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = response.text().await.unwrap();
    assert!(body.contains(&app.config.server.domain), "{body}");
    assert!(body.contains("0 members"), "{body}");

    let account = ferrodon::actions::accounts::NewAccount {
        username: "first",
        email: "first@example.com",
        password: "long enough password",
        role: ferrodon::actions::accounts::Role::User,
        approved: true,
        creator: ferrodon::actions::accounts::Creator::Operator,
        locale: "en",
        reason: None,
    };
    ferrodon::actions::accounts::create_local(&app.pool, account)
        .await
        .unwrap();
    let body = app.get("/").await.text().await.unwrap();
    assert!(body.contains("1 member."), "{body}");
}
