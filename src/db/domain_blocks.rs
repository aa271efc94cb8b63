//! The `domain_blocks` and `domain_allows` tables: the operator's rules per domain.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::db::paging::Page;
use crate::moderation::domain_policy::{Rule, Severity};

/// A rule as stored.
#[derive(Debug, Clone)]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    pub source: String,
    pub source_urls: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DomainBlock {
    /// The rule's effect, for the policy.
    pub fn rule(&self) -> Rule {
        Rule {
            severity: Severity::parse(&self.severity).unwrap_or_default(),
            reject_media: self.reject_media,
            reject_reports: self.reject_reports,
        }
    }
}

/// What a new or changed rule says.
#[derive(Debug, Clone, Default)]
pub struct NewDomainBlock {
    pub domain: String,
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    /// manual, import or subscription.
    pub source: &'static str,
    pub source_urls: Vec<String>,
}

/// Every rule's domain and effect (the policy's load).
pub async fn list_rules(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(String, Rule)>> {
    let rows = sqlx::query!("select domain, severity, reject_media, reject_reports from domain_blocks")
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.domain,
                Rule {
                    severity: Severity::parse(&r.severity).unwrap_or_default(),
                    reject_media: r.reject_media,
                    reject_reports: r.reject_reports,
                },
            )
        })
        .collect())
}

/// Every allowed domain.
pub async fn list_allowed_domains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!("select domain from domain_allows")
        .fetch_all(db)
        .await
}

/// Every rule, by domain.
pub async fn list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DomainBlock>> {
    sqlx::query_as!(DomainBlock, "select * from domain_blocks order by domain")
        .fetch_all(db)
        .await
}

/// The rule with `id`.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<DomainBlock>> {
    sqlx::query_as!(DomainBlock, "select * from domain_blocks where id = $1", id)
        .fetch_optional(db)
        .await
}

/// The rule written for exactly `domain` (normalized).
pub async fn find_by_domain(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<Option<DomainBlock>> {
    sqlx::query_as!(
        DomainBlock,
        "select * from domain_blocks where domain = $1",
        domain
    )
    .fetch_optional(db)
    .await
}

/// Stores a new rule.
pub async fn insert(db: impl PgExecutor<'_>, rule: &NewDomainBlock) -> sqlx::Result<DomainBlock> {
    sqlx::query_as!(
        DomainBlock,
        "insert into domain_blocks (domain, severity, reject_media, reject_reports, private_comment,
                                    public_comment, obfuscate, source, source_urls)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning *",
        rule.domain,
        rule.severity.as_str(),
        rule.reject_media,
        rule.reject_reports,
        rule.private_comment,
        rule.public_comment,
        rule.obfuscate,
        rule.source,
        &rule.source_urls,
    )
    .fetch_one(db)
    .await
}

/// Rewrites the rule with `id` (its domain stays).
pub async fn update(
    db: impl PgExecutor<'_>,
    id: i64,
    rule: &NewDomainBlock,
) -> sqlx::Result<Option<DomainBlock>> {
    sqlx::query_as!(
        DomainBlock,
        "update domain_blocks set severity = $2, reject_media = $3, reject_reports = $4,
                private_comment = $5, public_comment = $6, obfuscate = $7, source = $8,
                source_urls = $9, updated_at = now()
         where id = $1
         returning *",
        id,
        rule.severity.as_str(),
        rule.reject_media,
        rule.reject_reports,
        rule.private_comment,
        rule.public_comment,
        rule.obfuscate,
        rule.source,
        &rule.source_urls,
    )
    .fetch_optional(db)
    .await
}

/// Removes the rule with `id`; returns it.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<DomainBlock>> {
    sqlx::query_as!(
        DomainBlock,
        "delete from domain_blocks where id = $1 returning *",
        id
    )
    .fetch_optional(db)
    .await
}

/// An allowed domain as stored.
#[derive(Debug, Clone)]
pub struct DomainAllow {
    pub id: i64,
    pub domain: String,
    pub created_at: DateTime<Utc>,
}

/// Every allowed domain, by domain.
pub async fn list_allows(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DomainAllow>> {
    sqlx::query_as!(DomainAllow, "select * from domain_allows order by domain")
        .fetch_all(db)
        .await
}

/// The allowed domain with `id`.
pub async fn find_allow(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<DomainAllow>> {
    sqlx::query_as!(DomainAllow, "select * from domain_allows where id = $1", id)
        .fetch_optional(db)
        .await
}

/// Allows `domain` (normalized); an existing entry is returned as it is.
pub async fn insert_allow(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<DomainAllow> {
    sqlx::query_as!(
        DomainAllow,
        "with added as (insert into domain_allows (domain) values ($1) on conflict (domain) do nothing
                        returning *)
         select id as \"id!\", domain as \"domain!\", created_at as \"created_at!\" from added
         union all select * from domain_allows where domain = $1
         limit 1",
        domain
    )
    .fetch_one(db)
    .await
}

/// Removes the allowed domain with `id`; returns it.
pub async fn delete_allow(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<DomainAllow>> {
    sqlx::query_as!(
        DomainAllow,
        "delete from domain_allows where id = $1 returning *",
        id
    )
    .fetch_optional(db)
    .await
}

/// The distinct domains of known accounts at or under `domain` (the accounts a rule may touch).
pub async fn list_account_domains_under(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select distinct domain as "domain!" from accounts
           -- A suffix compared as text, not a LIKE pattern: a domain's `_` or `\` is no wildcard.
           where domain = $1 or right(domain, length($1) + 1) = '.' || $1"#,
        domain
    )
    .fetch_all(db)
    .await
}

/// Every distinct domain of known remote accounts.
pub async fn list_account_domains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(r#"select distinct domain as "domain!" from accounts where domain is not null"#)
        .fetch_all(db)
        .await
}

/// Mirrors the policy onto the accounts of `domains`: which are limited and which suspended.
pub async fn set_account_flags(
    db: impl PgExecutor<'_>,
    domains: &[String],
    limited: bool,
    suspended: bool,
) -> sqlx::Result<u64> {
    let result = sqlx::query!(
        "update accounts set domain_limited = $2, domain_suspended = $3
         where domain = any($1) and (domain_limited <> $2 or domain_suspended <> $3)",
        domains,
        limited,
        suspended
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// A page of rules, newest first (the admin API's order).
pub async fn list_page(db: impl PgExecutor<'_>, page: &Page) -> sqlx::Result<Vec<DomainBlock>> {
    sqlx::query_as!(
        DomainBlock,
        r#"select * from domain_blocks where id in (
             (select id from domain_blocks where not $4
                and ($1::bigint is null or id < $1) and ($2::bigint is null or id > $2)
              order by id desc limit $3)
             union all
             (select id from domain_blocks where $4
                and ($1::bigint is null or id < $1) and ($2::bigint is null or id > $2)
              order by id limit $3))
           order by id desc"#,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await
}

/// A page of allowed domains, newest first.
pub async fn list_allows_page(db: impl PgExecutor<'_>, page: &Page) -> sqlx::Result<Vec<DomainAllow>> {
    sqlx::query_as!(
        DomainAllow,
        r#"select * from domain_allows where id in (
             (select id from domain_allows where not $4
                and ($1::bigint is null or id < $1) and ($2::bigint is null or id > $2)
              order by id desc limit $3)
             union all
             (select id from domain_allows where $4
                and ($1::bigint is null or id < $1) and ($2::bigint is null or id > $2)
              order by id limit $3))
           order by id desc"#,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await
}

/// The rules the public may see (Limit and Suspend), strictest first, then by domain.
pub async fn list_public(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DomainBlock>> {
    sqlx::query_as!(
        DomainBlock,
        "select * from domain_blocks where severity in ('silence', 'suspend')
         order by severity = 'suspend' desc, domain"
    )
    .fetch_all(db)
    .await
}

/// Announces a change of the rules to every process (sent at commit when inside a transaction).
pub async fn notify_change(db: impl PgExecutor<'_>, channel: &str) -> sqlx::Result<()> {
    sqlx::query!("select pg_notify($1, '')", channel)
        .execute(db)
        .await?;
    Ok(())
}
