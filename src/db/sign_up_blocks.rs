//! The `email_domain_blocks` and `ip_blocks` tables: where sign-ups may not come from.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A blocked mail domain.
#[derive(Debug, Clone)]
pub struct EmailDomainBlock {
    pub id: i64,
    pub domain: String,
    pub created_at: DateTime<Utc>,
}

/// Every blocked mail domain, newest first.
pub async fn list_email_domains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<EmailDomainBlock>> {
    sqlx::query_as!(
        EmailDomainBlock,
        "select id, domain, created_at from email_domain_blocks order by id desc"
    )
    .fetch_all(db)
    .await
}

/// One blocked mail domain.
pub async fn find_email_domain(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<EmailDomainBlock>> {
    sqlx::query_as!(
        EmailDomainBlock,
        "select id, domain, created_at from email_domain_blocks where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Blocks a mail domain; `None` when it is blocked already.
pub async fn insert_email_domain(
    db: impl PgExecutor<'_>,
    domain: &str,
) -> sqlx::Result<Option<EmailDomainBlock>> {
    sqlx::query_as!(
        EmailDomainBlock,
        "insert into email_domain_blocks (domain) values ($1) on conflict (domain) do nothing
         returning id, domain, created_at",
        domain
    )
    .fetch_optional(db)
    .await
}

/// Lifts a mail-domain block; whether there was one.
pub async fn delete_email_domain(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query!("delete from email_domain_blocks where id = $1", id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// Whether `domain` or a domain it is under is blocked.
pub async fn is_email_domain_blocked(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from email_domain_blocks
                       where $1 = domain or right($1, length(domain) + 1) = '.' || domain)",
        domain
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// Sign-ups with addresses at a domain (and its subdomains), per day since `since`.
pub async fn sign_ups_per_day(
    db: impl PgExecutor<'_>,
    domain: &str,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    let rows = sqlx::query!(
        r#"select date_trunc('day', created_at) as "day!", count(*) as "count!" from users
           where created_at >= $2
             and (lower(split_part(email, '@', 2)) = $1 or right(lower(split_part(email, '@', 2)), length($1) + 1) = '.' || $1)
           group by 1"#,
        domain,
        since
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.day, r.count)).collect())
}

/// An address block.
#[derive(Debug, Clone)]
pub struct IpBlock {
    pub id: i64,
    pub ip: String,
    pub severity: String,
    pub comment: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Every address block, newest first (`live` leaves out those that expired).
pub async fn list_ips(db: impl PgExecutor<'_>, live: bool) -> sqlx::Result<Vec<IpBlock>> {
    sqlx::query_as!(
        IpBlock,
        "select id, ip, severity, comment, expires_at, created_at from ip_blocks
         where not $1 or expires_at is null or expires_at > now() order by id desc",
        live
    )
    .fetch_all(db)
    .await
}

/// One address block.
pub async fn find_ip(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<IpBlock>> {
    sqlx::query_as!(
        IpBlock,
        "select id, ip, severity, comment, expires_at, created_at from ip_blocks where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// What an address block says.
#[derive(Debug, Clone)]
pub struct IpBlockFields<'a> {
    pub ip: &'a str,
    pub severity: &'a str,
    pub comment: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Adds an address block.
pub async fn insert_ip(db: impl PgExecutor<'_>, fields: &IpBlockFields<'_>) -> sqlx::Result<IpBlock> {
    sqlx::query_as!(
        IpBlock,
        "insert into ip_blocks (ip, severity, comment, expires_at) values ($1, $2, $3, $4)
         returning id, ip, severity, comment, expires_at, created_at",
        fields.ip,
        fields.severity,
        fields.comment,
        fields.expires_at,
    )
    .fetch_one(db)
    .await
}

/// Replaces an address block's fields.
pub async fn update_ip(
    db: impl PgExecutor<'_>,
    id: i64,
    fields: &IpBlockFields<'_>,
) -> sqlx::Result<Option<IpBlock>> {
    sqlx::query_as!(
        IpBlock,
        "update ip_blocks set ip = $2, severity = $3, comment = $4, expires_at = $5 where id = $1
         returning id, ip, severity, comment, expires_at, created_at",
        id,
        fields.ip,
        fields.severity,
        fields.comment,
        fields.expires_at,
    )
    .fetch_optional(db)
    .await
}

/// Lifts an address block; whether there was one.
pub async fn delete_ip(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query!("delete from ip_blocks where id = $1", id)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}
