//! Block lists in the database: many domain rules written at once (imports, subscriptions), the
//! subscribed lists (`blocklist_subscriptions`) and what each said (`blocklist_entries`).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::db::domain_blocks::NewDomainBlock;
use crate::moderation::blocklist::Entry;
use crate::moderation::domain_policy::Severity;

/// Rules as parallel columns, the shape `unnest` reads (one statement for thousands of rows).
#[derive(Debug, Default)]
struct RuleColumns {
    domain: Vec<String>,
    severity: Vec<String>,
    reject_media: Vec<bool>,
    reject_reports: Vec<bool>,
    private_comment: Vec<Option<String>>,
    public_comment: Vec<Option<String>>,
    obfuscate: Vec<bool>,
    source: Vec<String>,
    /// Each rule's URLs joined by newlines (arrays of arrays cannot have rows of different
    /// lengths; a URL never holds a newline).
    source_urls: Vec<String>,
}

impl RuleColumns {
    fn of(rules: &[NewDomainBlock]) -> Self {
        let mut columns = Self::default();
        for rule in rules {
            columns.domain.push(rule.domain.clone());
            columns.severity.push(rule.severity.as_str().to_owned());
            columns.reject_media.push(rule.reject_media);
            columns.reject_reports.push(rule.reject_reports);
            columns.private_comment.push(rule.private_comment.clone());
            columns.public_comment.push(rule.public_comment.clone());
            columns.obfuscate.push(rule.obfuscate);
            columns.source.push(rule.source.to_owned());
            columns.source_urls.push(rule.source_urls.join("\n"));
        }
        columns
    }
}

/// Adds `rules` (a domain that has a rule already is left as it is); returns how many were added.
pub async fn insert_rules(db: impl PgExecutor<'_>, rules: &[NewDomainBlock]) -> sqlx::Result<u64> {
    let c = RuleColumns::of(rules);
    let result = sqlx::query!(
        "insert into domain_blocks (domain, severity, reject_media, reject_reports, private_comment,
                                    public_comment, obfuscate, source, source_urls)
         select domain, severity, reject_media, reject_reports, private_comment, public_comment,
                obfuscate, source, string_to_array(source_urls, E'\\n')
         from unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::text[], $6::text[],
                     $7::bool[], $8::text[], $9::text[])
              as r(domain, severity, reject_media, reject_reports, private_comment, public_comment,
                   obfuscate, source, source_urls)
         on conflict (domain) do nothing",
        &c.domain,
        &c.severity,
        &c.reject_media,
        &c.reject_reports,
        &c.private_comment as &[Option<String>],
        &c.public_comment as &[Option<String>],
        &c.obfuscate,
        &c.source,
        &c.source_urls,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Rewrites the rules for the domains of `rules` (every column but the domain); with
/// `only_source`, only rules of that source are touched. Returns how many changed.
pub async fn update_rules(
    db: impl PgExecutor<'_>,
    rules: &[NewDomainBlock],
    only_source: Option<&str>,
) -> sqlx::Result<u64> {
    let c = RuleColumns::of(rules);
    let result = sqlx::query!(
        "update domain_blocks d
         set severity = r.severity, reject_media = r.reject_media, reject_reports = r.reject_reports,
             private_comment = r.private_comment, public_comment = r.public_comment,
             obfuscate = r.obfuscate, source = r.source,
             source_urls = string_to_array(r.source_urls, E'\\n'), updated_at = now()
         from unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::text[], $6::text[],
                     $7::bool[], $8::text[], $9::text[])
              as r(domain, severity, reject_media, reject_reports, private_comment, public_comment,
                   obfuscate, source, source_urls)
         where d.domain = r.domain and ($10::text is null or d.source = $10)",
        &c.domain,
        &c.severity,
        &c.reject_media,
        &c.reject_reports,
        &c.private_comment as &[Option<String>],
        &c.public_comment as &[Option<String>],
        &c.obfuscate,
        &c.source,
        &c.source_urls,
        only_source,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Removes the subscription-derived rules of `domains` (rules of other sources stay).
pub async fn delete_subscription_rules(db: impl PgExecutor<'_>, domains: &[String]) -> sqlx::Result<u64> {
    let result = sqlx::query!(
        "delete from domain_blocks where source = 'subscription' and domain = any($1)",
        domains
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Holds off other writers of domain rules until the transaction ends (readers go on), so a
/// plan computed from the rules read next is the change made.
pub async fn lock_rules(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("lock table domain_blocks in share row exclusive mode")
        .execute(conn)
        .await?;
    Ok(())
}

/// A subscribed list as stored.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub url: String,
    pub priority: i32,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The last attempt, successful or not (`last_error` says which).
    pub refreshed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A subscribed list with how many entries its last good copy has.
#[derive(Debug, Clone)]
pub struct SubscriptionSummary {
    pub url: String,
    pub priority: i32,
    pub refreshed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub entries: i64,
}

/// Subscribes to `url` with `priority`; subscribing again changes the priority.
pub async fn upsert_subscription(
    db: impl PgExecutor<'_>,
    url: &str,
    priority: i32,
) -> sqlx::Result<Subscription> {
    sqlx::query_as!(
        Subscription,
        "insert into blocklist_subscriptions (url, priority) values ($1, $2)
         on conflict (url) do update set priority = excluded.priority
         returning id, url, priority, etag, last_modified, refreshed_at, last_error, created_at",
        url,
        priority
    )
    .fetch_one(db)
    .await
}

/// Every subscribed list, by priority (highest first), with its entry count.
pub async fn list_subscriptions(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SubscriptionSummary>> {
    sqlx::query_as!(
        SubscriptionSummary,
        r#"select s.url, s.priority, s.refreshed_at, s.last_error,
                  (select count(*) from blocklist_entries e where e.subscription_id = s.id) as "entries!"
           from blocklist_subscriptions s order by s.priority desc, s.url"#
    )
    .fetch_all(db)
    .await
}

/// Every subscribed list.
pub async fn list_all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "select id, url, priority, etag, last_modified, refreshed_at, last_error, created_at
         from blocklist_subscriptions order by priority desc, url"
    )
    .fetch_all(db)
    .await
}

/// The subscribed list at `url`.
pub async fn find_subscription_by_url(
    db: impl PgExecutor<'_>,
    url: &str,
) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "select id, url, priority, etag, last_modified, refreshed_at, last_error, created_at
         from blocklist_subscriptions where url = $1",
        url
    )
    .fetch_optional(db)
    .await
}

/// Ends the subscription to `url` (its entries go with it); returns it.
pub async fn delete_subscription(db: impl PgExecutor<'_>, url: &str) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "delete from blocklist_subscriptions where url = $1
         returning id, url, priority, etag, last_modified, refreshed_at, last_error, created_at",
        url
    )
    .fetch_optional(db)
    .await
}

/// Claims the lists not attempted for `minutes` (marking them attempted now, so another process
/// does not fetch them too).
pub async fn claim_due(db: impl PgExecutor<'_>, minutes: i32) -> sqlx::Result<Vec<Subscription>> {
    sqlx::query_as!(
        Subscription,
        "update blocklist_subscriptions set refreshed_at = now()
         where id in (select id from blocklist_subscriptions
                      where refreshed_at is null or refreshed_at < now() - make_interval(mins => $1)
                      for update skip locked)
         returning id, url, priority, etag, last_modified, refreshed_at, last_error, created_at",
        minutes
    )
    .fetch_all(db)
    .await
}

/// Records a good refresh (new validators when the list changed; `None` keeps the old ones).
pub async fn mark_refreshed(
    db: impl PgExecutor<'_>,
    id: i64,
    validators: Option<(Option<&str>, Option<&str>)>,
) -> sqlx::Result<()> {
    let changed = validators.is_some();
    let (etag, last_modified) = validators.unwrap_or_default();
    sqlx::query!(
        "update blocklist_subscriptions
         set refreshed_at = now(), last_error = null,
             etag = case when $2 then $3 else etag end,
             last_modified = case when $2 then $4 else last_modified end
         where id = $1",
        id,
        changed,
        etag,
        last_modified
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed refresh (the entries of the last good one stay in force).
pub async fn mark_failed(db: impl PgExecutor<'_>, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update blocklist_subscriptions set refreshed_at = now(), last_error = $2 where id = $1",
        id,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces what the list `id` says with `entries`.
pub async fn replace_entries(conn: &mut PgConnection, id: i64, entries: &[Entry]) -> sqlx::Result<()> {
    sqlx::query!("delete from blocklist_entries where subscription_id = $1", id)
        .execute(&mut *conn)
        .await?;
    let domain: Vec<String> = entries.iter().map(|e| e.domain.clone()).collect();
    let severity: Vec<String> = entries.iter().map(|e| e.severity.as_str().to_owned()).collect();
    let reject_media: Vec<bool> = entries.iter().map(|e| e.reject_media).collect();
    let reject_reports: Vec<bool> = entries.iter().map(|e| e.reject_reports).collect();
    let public_comment: Vec<Option<String>> = entries.iter().map(|e| e.public_comment.clone()).collect();
    let obfuscate: Vec<bool> = entries.iter().map(|e| e.obfuscate).collect();
    sqlx::query!(
        "insert into blocklist_entries (subscription_id, domain, severity, reject_media,
                                        reject_reports, public_comment, obfuscate)
         select $1, * from unnest($2::text[], $3::text[], $4::bool[], $5::bool[], $6::text[], $7::bool[])
         on conflict do nothing",
        id,
        &domain,
        &severity,
        &reject_media,
        &reject_reports,
        &public_comment as &[Option<String>],
        &obfuscate,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An entry of a subscribed list, with the list's URL and priority.
#[derive(Debug, Clone)]
pub struct ListedEntry {
    pub url: String,
    pub priority: i32,
    pub entry: Entry,
}

/// What every subscribed list says, by domain.
pub async fn list_entries(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<ListedEntry>> {
    let rows = sqlx::query!(
        "select s.url, s.priority, e.domain, e.severity, e.reject_media, e.reject_reports,
                e.public_comment, e.obfuscate
         from blocklist_entries e join blocklist_subscriptions s on s.id = e.subscription_id
         order by e.domain"
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ListedEntry {
            url: r.url,
            priority: r.priority,
            entry: Entry {
                domain: r.domain,
                severity: Severity::parse(&r.severity).unwrap_or_default(),
                reject_media: r.reject_media,
                reject_reports: r.reject_reports,
                public_comment: r.public_comment,
                obfuscate: r.obfuscate,
            },
        })
        .collect())
}

/// How many entries a subscribed list's last good copy holds.
pub async fn count_entries(db: impl PgExecutor<'_>, subscription_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from blocklist_entries where subscription_id = $1"#,
        subscription_id
    )
    .fetch_one(db)
    .await
}
