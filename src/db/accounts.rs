//! The `accounts` table: local and remote accounts.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An account row.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note: String,
    pub public_key_pem: String,
    pub locked: bool,
    pub bot: bool,
    pub created_at: DateTime<Utc>,
}

/// What a new local account is made of.
#[derive(Debug)]
pub struct NewLocalAccount<'a> {
    pub username: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
}

/// Inserts a local account and returns its id.
pub async fn insert_local(db: impl PgExecutor<'_>, new: &NewLocalAccount<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into accounts (username, public_key_pem, private_key_pem) values ($1, $2, $3) returning id",
        new.username,
        new.public_key_pem,
        new.private_key_pem,
    )
    .fetch_one(db)
    .await
}

/// The local account with this username, compared case-insensitively.
pub async fn find_local_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, public_key_pem, locked, bot, created_at
         from accounts where domain is null and lower(username) = lower($1)",
        username,
    )
    .fetch_optional(db)
    .await
}

/// Whether a local account has this username, compared case-insensitively.
pub async fn exists_local_username(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from accounts where domain is null and lower(username) = lower($1))",
        username,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// The private key of a local account, PEM-encoded.
pub async fn find_private_key(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Option<String>> {
    Ok(
        sqlx::query_scalar!("select private_key_pem from accounts where id = $1", account_id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// How many local accounts there are.
pub async fn count_local(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    Ok(
        sqlx::query_scalar!("select count(*) from accounts where domain is null")
            .fetch_one(db)
            .await?
            .unwrap_or(0),
    )
}
