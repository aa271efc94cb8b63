//! OAuth tables: applications, authorization codes and access tokens.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// An application row.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_digest: String,
}

/// What a new application is made of.
#[derive(Debug)]
pub struct NewApplication<'a> {
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub redirect_uris: &'a [String],
    pub scopes: &'a str,
    pub client_id: &'a str,
    pub client_secret_digest: &'a str,
}

/// Inserts an application and returns its id.
pub async fn insert_application(db: impl PgExecutor<'_>, new: &NewApplication<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into oauth_applications (name, website, redirect_uris, scopes, client_id, client_secret_digest)
         values ($1, $2, $3, $4, $5, $6) returning id",
        new.name,
        new.website,
        new.redirect_uris,
        new.scopes,
        new.client_id,
        new.client_secret_digest,
    )
    .fetch_one(db)
    .await
}

/// The application with this client id.
pub async fn find_application_by_client_id(
    db: impl PgExecutor<'_>,
    client_id: &str,
) -> sqlx::Result<Option<Application>> {
    sqlx::query_as!(
        Application,
        "select id, name, website, redirect_uris, scopes, client_id, client_secret_digest
         from oauth_applications where client_id = $1",
        client_id,
    )
    .fetch_optional(db)
    .await
}

/// The application with this id.
pub async fn find_application(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Application>> {
    sqlx::query_as!(
        Application,
        "select id, name, website, redirect_uris, scopes, client_id, client_secret_digest
         from oauth_applications where id = $1",
        id,
    )
    .fetch_optional(db)
    .await
}

/// What a new authorization code is made of.
#[derive(Debug)]
pub struct NewCode<'a> {
    pub code_digest: &'a str,
    pub application_id: i64,
    pub user_id: i64,
    pub redirect_uri: &'a str,
    pub scopes: &'a str,
    pub code_challenge: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// Inserts an authorization code.
pub async fn insert_code(db: impl PgExecutor<'_>, new: &NewCode<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into oauth_authorization_codes
         (code_digest, application_id, user_id, redirect_uri, scopes, code_challenge, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        new.code_digest,
        new.application_id,
        new.user_id,
        new.redirect_uri,
        new.scopes,
        new.code_challenge,
        new.expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An authorization code, consumed.
#[derive(Debug, Clone)]
pub struct Code {
    pub application_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
}

/// Marks an unused, unexpired code used and returns it: each code works once, even under races.
pub async fn consume_code(db: &mut PgConnection, code_digest: &str) -> sqlx::Result<Option<Code>> {
    sqlx::query_as!(
        Code,
        "update oauth_authorization_codes set used_at = now()
         where code_digest = $1 and used_at is null and expires_at > now()
         returning application_id, user_id, redirect_uri, scopes, code_challenge",
        code_digest,
    )
    .fetch_optional(db)
    .await
}

/// Revokes every token made from a code that was presented twice (RFC 6749 §4.1.2).
pub async fn revoke_tokens_of_reused_code(db: impl PgExecutor<'_>, code_digest: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update oauth_access_tokens t set revoked_at = now()
         from oauth_authorization_codes c
         where c.code_digest = $1 and c.used_at is not null
           and t.application_id = c.application_id and t.user_id = c.user_id
           and t.created_at >= c.used_at and t.revoked_at is null",
        code_digest,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What a new access token is made of.
#[derive(Debug)]
pub struct NewToken<'a> {
    pub token_digest: &'a str,
    pub refresh_token_digest: Option<&'a str>,
    pub application_id: i64,
    pub user_id: Option<i64>,
    pub scopes: &'a str,
}

/// Inserts a token and returns its id and creation time.
pub async fn insert_token(db: impl PgExecutor<'_>, new: &NewToken<'_>) -> sqlx::Result<(i64, DateTime<Utc>)> {
    let row = sqlx::query!(
        "insert into oauth_access_tokens (token_digest, refresh_token_digest, application_id, user_id, scopes)
         values ($1, $2, $3, $4, $5) returning id, created_at",
        new.token_digest,
        new.refresh_token_digest,
        new.application_id,
        new.user_id,
        new.scopes,
    )
    .fetch_one(db)
    .await?;
    Ok((row.id, row.created_at))
}

/// A live token with who it speaks for: what every authenticated request looks up.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    pub application_id: i64,
    pub scopes: String,
    pub user_id: Option<i64>,
    pub account_id: Option<i64>,
    pub role: Option<String>,
    pub approved: Option<bool>,
    pub confirmed: Option<bool>,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// The unrevoked token with this digest.
pub async fn find_live_token(
    db: impl PgExecutor<'_>,
    token_digest: &str,
) -> sqlx::Result<Option<TokenOwner>> {
    sqlx::query_as!(
        TokenOwner,
        r#"select t.id as token_id, t.application_id, t.scopes, t.user_id,
                  u.account_id as "account_id?", u.role as "role?", u.approved as "approved?",
                  u.confirmed_at is not null as "confirmed?", u.last_active_at
           from oauth_access_tokens t left join users u on u.id = t.user_id
           left join accounts a on a.id = u.account_id
           where t.token_digest = $1 and t.revoked_at is null
             -- A disabled login or a suspended account makes its tokens useless (not revoked:
             -- lifting the sanction brings them back).
             and (u.id is null or (not u.disabled and a.suspended_at is null))"#,
        token_digest,
    )
    .fetch_optional(db)
    .await
}

/// An unrevoked token found by its refresh token.
#[derive(Debug, Clone)]
pub struct RefreshableToken {
    pub id: i64,
    pub application_id: i64,
    pub user_id: Option<i64>,
    pub scopes: String,
}

/// Revokes the token holding this refresh token and returns it: a refresh token works once.
pub async fn revoke_by_refresh_token(
    db: &mut PgConnection,
    refresh_digest: &str,
) -> sqlx::Result<Option<RefreshableToken>> {
    sqlx::query_as!(
        RefreshableToken,
        "update oauth_access_tokens set revoked_at = now()
         where refresh_token_digest = $1 and revoked_at is null
         returning id, application_id, user_id, scopes",
        refresh_digest,
    )
    .fetch_optional(db)
    .await
}

/// Revokes a token of `application_id` by its access or refresh token; true when one was live.
pub async fn revoke_token(db: impl PgExecutor<'_>, application_id: i64, digest: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update oauth_access_tokens set revoked_at = now()
         where application_id = $1 and (token_digest = $2 or refresh_token_digest = $2) and revoked_at is null",
        application_id,
        digest,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// How many distinct members got a token in each of the last `weeks` weeks (logins).
pub async fn count_logins_since(
    db: impl PgExecutor<'_>,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    let rows = sqlx::query!(
        r#"select date_trunc('week', created_at) as "week!", count(distinct user_id) as "logins!"
           from oauth_access_tokens where user_id is not null and created_at >= $1
           group by 1"#,
        since,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.week, r.logins)).collect())
}

/// An application a member has authorized (with live tokens).
#[derive(Debug, Clone)]
pub struct AuthorizedApplication {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub scopes: String,
    pub authorized_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The applications holding live tokens of `user_id`, most recently authorized first.
pub async fn list_authorized(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> sqlx::Result<Vec<AuthorizedApplication>> {
    sqlx::query_as!(
        AuthorizedApplication,
        r#"select a.id, a.name, a.website,
                  string_agg(distinct t.scopes, ' ') as "scopes!",
                  max(t.created_at) as "authorized_at!",
                  max(t.last_used_at) as last_used_at
           from oauth_access_tokens t join oauth_applications a on a.id = t.application_id
           where t.user_id = $1 and t.revoked_at is null
           group by a.id, a.name, a.website
           order by max(t.created_at) desc"#,
        user_id,
    )
    .fetch_all(db)
    .await
}

/// Revokes every token `user_id` gave `application_id`; how many.
pub async fn revoke_user_tokens(
    db: impl PgExecutor<'_>,
    user_id: i64,
    application_id: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update oauth_access_tokens set revoked_at = now()
         where user_id = $1 and application_id = $2 and revoked_at is null",
        user_id,
        application_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every token of a member, whatever the app (a password reset); how many.
pub async fn revoke_all_user_tokens(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "update oauth_access_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
        user_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
