//! Creating local accounts: the rules, the stored password hash and key pair, and races.

use ferrodon::actions::accounts::{Creator, NewAccount, Role, create_local};
use ferrodon::db;
use ferrodon::error::AppError;

use crate::helpers::TestDatabase;

fn new_account<'a>(username: &'a str, email: &'a str) -> NewAccount<'a> {
    NewAccount {
        username,
        email,
        password: "long enough password",
        role: Role::User,
        approved: true,
        creator: Creator::Operator,
        locale: "en",
        reason: None,
    }
}

fn invalid_message(result: Result<impl std::fmt::Debug, AppError>) -> String {
    match result {
        Err(error @ AppError::Validation { .. }) => error.to_string(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn created_account_has_a_verifiable_password_and_a_usable_key_pair() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    let mut request = new_account("alice", "alice@example.com");
    request.role = Role::Admin;
    let created = create_local(&pool, request).await.unwrap();

    let account = db::accounts::find_local_by_username(&pool, "ALICE")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.id, created.account_id);
    assert_eq!(account.username, "alice");
    assert_eq!(account.domain, None);
    let user = db::users::find_by_account(&pool, account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, created.user_id);
    assert_eq!(user.role, "admin");
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(ferrodon::passwords::verify(
        "long enough password",
        &user.password_hash
    ));
    assert!(!ferrodon::passwords::verify(
        "wrong password",
        &user.password_hash
    ));

    let private_pem = db::accounts::find_private_key(&pool, account.id)
        .await
        .unwrap()
        .unwrap();
    let key = ferrodon::federation::keys::private_key_from_pem(&private_pem).unwrap();
    assert_eq!(key.public_modulus_len() * 8, 2048);
    assert!(account.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
}

#[tokio::test]
async fn username_is_taken_case_insensitively() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    create_local(&pool, new_account("Bob", "bob@example.com"))
        .await
        .unwrap();
    let message = invalid_message(create_local(&pool, new_account("bOB", "other@example.com")).await);
    assert_eq!(message, "Validation failed: Username has already been taken");
    assert_eq!(db::accounts::count_local(&pool).await.unwrap(), 1);
}

#[tokio::test]
async fn email_is_taken_case_insensitively() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    create_local(&pool, new_account("carol", "carol@example.com"))
        .await
        .unwrap();
    let message = invalid_message(create_local(&pool, new_account("carol2", "CAROL@example.com")).await);
    assert_eq!(message, "Validation failed: Email has already been taken");
}

#[tokio::test]
async fn invalid_and_reserved_usernames_store_nothing() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    for (username, expected) in [
        ("has space", "only letters, numbers and underscores"),
        ("dotted.name", "only letters, numbers and underscores"),
        (&"x".repeat(31), "too long"),
        ("", "can't be blank"),
        ("postmaster", "reserved"),
    ] {
        let message = invalid_message(create_local(&pool, new_account(username, "x@example.com")).await);
        assert!(message.contains(expected), "{username:?}: {message}");
    }
    let mut sign_up = new_account("Admin", "x@example.com");
    sign_up.creator = Creator::SignUp;
    assert!(invalid_message(create_local(&pool, sign_up).await).contains("reserved"));
    assert_eq!(db::accounts::count_local(&pool).await.unwrap(), 0);
}

#[tokio::test]
async fn bad_email_or_short_password_stores_nothing() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    let message = invalid_message(create_local(&pool, new_account("dave", "not-an-email")).await);
    assert!(message.contains("Email is invalid"), "{message}");
    let mut short = new_account("dave", "dave@example.com");
    short.password = "short";
    let message = invalid_message(create_local(&pool, short).await);
    assert!(message.contains("too short"), "{message}");
    assert_eq!(db::accounts::count_local(&pool).await.unwrap(), 0);
}

#[tokio::test]
async fn racing_creations_of_one_name_create_one_account() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    // All four pass the early check together; the unique index decides.
    let (a, b, c, d) = tokio::join!(
        create_local(&pool, new_account("racer", "racer0@example.com")),
        create_local(&pool, new_account("racer", "racer1@example.com")),
        create_local(&pool, new_account("Racer", "racer2@example.com")),
        create_local(&pool, new_account("RACER", "racer3@example.com")),
    );
    let results = [a, b, c, d];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    for result in results.into_iter().filter(|r| r.is_err()) {
        assert_eq!(
            invalid_message(result),
            "Validation failed: Username has already been taken"
        );
    }
    assert_eq!(db::accounts::count_local(&pool).await.unwrap(), 1);
}
