//! The `users` table: the sign-in side of local accounts.

use sqlx::PgExecutor;

/// A user row.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub approved: bool,
}

/// What a new user is made of.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub account_id: i64,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub approved: bool,
}

/// Inserts a user and returns its id.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewUser<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into users (account_id, email, password_hash, role, approved)
         values ($1, $2, $3, $4, $5) returning id",
        new.account_id,
        new.email,
        new.password_hash,
        new.role,
        new.approved,
    )
    .fetch_one(db)
    .await
}

/// The user of a local account.
pub async fn find_by_account(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        "select id, account_id, email, password_hash, role, approved from users where account_id = $1",
        account_id,
    )
    .fetch_optional(db)
    .await
}

/// Whether a user has this email address, compared case-insensitively.
pub async fn exists_email(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from users where lower(email) = lower($1))",
        email
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}
