//! Remote accounts: stored from their actor documents, found by actor URI or key id.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A remote account as its server describes it (what the row keeps).
#[derive(Debug)]
pub struct RemoteAccount<'a> {
    pub uri: &'a str,
    pub username: &'a str,
    pub domain: &'a str,
    pub display_name: &'a str,
    pub note: &'a str,
    pub url: Option<&'a str>,
    pub inbox_url: &'a str,
    pub shared_inbox_url: Option<&'a str>,
    pub public_key_pem: &'a str,
    pub key_id: Option<&'a str>,
    pub actor_type: &'a str,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub fields: serde_json::Value,
    pub emojis: serde_json::Value,
    pub avatar_remote_url: Option<&'a str>,
    pub header_remote_url: Option<&'a str>,
    pub outbox_url: Option<&'a str>,
    pub followers_url: Option<&'a str>,
    pub following_url: Option<&'a str>,
    pub featured_url: Option<&'a str>,
    pub featured_tags_url: Option<&'a str>,
    pub also_known_as: &'a [String],
    pub created_at: Option<DateTime<Utc>>,
    /// Policy limits the account's domain (mirrored so timelines and search filter in SQL).
    pub domain_limited: bool,
}

/// Inserts or refreshes the account of an actor (by its URI); returns its id.
pub async fn upsert(db: impl PgExecutor<'_>, a: &RemoteAccount<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into accounts (uri, username, domain, display_name, note, url, inbox_url, shared_inbox_url,
                               public_key_pem, key_id, actor_type, locked, bot, discoverable, indexable, fields,
                               emojis, avatar_remote_url, header_remote_url, outbox_url, followers_url,
                               following_url, featured_url, featured_tags_url, also_known_as, created_at,
                               fetched_at, gone_at, domain_limited)
         values ($1, $2, lower($3), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                 $20, $21, $22, $23, $24, $25, coalesce($26, now()), now(), null, $27)
         on conflict (uri) where uri is not null do update set
             username = excluded.username, display_name = excluded.display_name, note = excluded.note,
             url = excluded.url, inbox_url = excluded.inbox_url, shared_inbox_url = excluded.shared_inbox_url,
             public_key_pem = excluded.public_key_pem, key_id = excluded.key_id,
             actor_type = excluded.actor_type, locked = excluded.locked, bot = excluded.bot,
             discoverable = excluded.discoverable, indexable = excluded.indexable, fields = excluded.fields,
             emojis = excluded.emojis, avatar_remote_url = excluded.avatar_remote_url,
             header_remote_url = excluded.header_remote_url, outbox_url = excluded.outbox_url,
             followers_url = excluded.followers_url, following_url = excluded.following_url,
             featured_url = excluded.featured_url, featured_tags_url = excluded.featured_tags_url,
             also_known_as = excluded.also_known_as, domain_limited = excluded.domain_limited,
             fetched_at = now(), updated_at = now()
         returning id",
        a.uri,
        a.username,
        a.domain,
        a.display_name,
        a.note,
        a.url,
        a.inbox_url,
        a.shared_inbox_url,
        a.public_key_pem,
        a.key_id,
        a.actor_type,
        a.locked,
        a.bot,
        a.discoverable,
        a.indexable,
        a.fields,
        a.emojis,
        a.avatar_remote_url,
        a.header_remote_url,
        a.outbox_url,
        a.followers_url,
        a.following_url,
        a.featured_url,
        a.featured_tags_url,
        a.also_known_as,
        a.created_at,
        a.domain_limited,
    )
    .fetch_one(db)
    .await
}

/// Follows what a remote account's own server says of its suspension: suspends an account
/// not suspended yet, and lifts only a suspension its server made (never our staff's).
/// Returns whether anything changed.
pub async fn sync_suspension(db: impl PgExecutor<'_>, id: i64, suspended: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "update accounts set
            suspended_at = case when $2 then now() end,
            suspension_origin = case when $2 then 'remote' end
         where id = $1 and domain is not null
           and case when $2 then suspended_at is null else suspension_origin = 'remote' end",
        id,
        suspended,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A known remote account's id, when it was last fetched, and whether it is gone.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: i64,
    pub fetched_at: Option<DateTime<Utc>>,
    pub gone: bool,
}

/// The account with this actor URI.
pub async fn find_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<Known>> {
    sqlx::query_as!(
        Known,
        r#"select id, fetched_at, gone_at is not null as "gone!" from accounts where uri = $1"#,
        uri
    )
    .fetch_optional(db)
    .await
}

/// A signer: the account a key belongs to and the key.
#[derive(Debug, Clone)]
pub struct Signer {
    pub account_id: i64,
    pub uri: String,
    pub public_key_pem: String,
    pub domain: String,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// The remote account that publishes the key `key_id` (matched by key id, or by actor URI for
/// servers whose key id is the actor itself).
pub async fn find_signer(db: impl PgExecutor<'_>, key_id: &str) -> sqlx::Result<Option<Signer>> {
    let actor = key_id.split('#').next().unwrap_or(key_id);
    sqlx::query_as!(
        Signer,
        r#"select id as account_id, uri as "uri!", public_key_pem, domain as "domain!", fetched_at
           from accounts
           where domain is not null and gone_at is null and (key_id = $1 or (key_id is null and uri = $2))
           order by key_id = $1 desc
           limit 1"#,
        key_id,
        actor
    )
    .fetch_optional(db)
    .await
}

/// Marks an actor deleted at its origin (its name stays reserved).
pub async fn mark_gone(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set gone_at = coalesce(gone_at, now()) where id = $1 and domain is not null",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a move: the account now lives at `target`.
pub async fn set_moved_to(db: impl PgExecutor<'_>, id: i64, target: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set moved_to_account_id = $2,
                moved_at = case when domain is null then now() else moved_at end
         where id = $1",
        id,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The aliases (`alsoKnownAs`) an account declares.
pub async fn also_known_as(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar!("select also_known_as from accounts where id = $1", id)
            .fetch_optional(db)
            .await?
            .unwrap_or_default(),
    )
}

/// The followers collection an account publishes (for reading addressing).
pub async fn followers_url(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    Ok(
        sqlx::query_scalar!("select followers_url from accounts where id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The featured collection (pinned statuses) an account publishes.
pub async fn featured_url(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    Ok(
        sqlx::query_scalar!("select featured_url from accounts where id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// Removes what an account published (its statuses and media attachments) and every
/// relationship it had (its row stays). Counters on other statuses are corrected for its
/// boosts, favourites and replies. Returns the stored files of removed uploads, `(id, key,
/// content type)`, for the caller to delete once committed (a remote account has none: its
/// attachments are links to its server).
pub async fn purge_content(db: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<Vec<(i64, String, String)>> {
    sqlx::query!(
        "update statuses s set reblogs_count = greatest(s.reblogs_count - 1, 0)
         from statuses b where b.account_id = $1 and b.reblog_of_id = s.id",
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update statuses s set favourites_count = greatest(s.favourites_count - 1, 0)
         from favourites f where f.account_id = $1 and f.status_id = s.id",
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update statuses s set replies_count = greatest(s.replies_count - 1, 0)
         from statuses r where r.account_id = $1 and r.in_reply_to_id = s.id
           and r.visibility in ('public', 'unlisted')",
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!("delete from statuses where account_id = $1", id)
        .execute(&mut *db)
        .await?;
    sqlx::query!("delete from favourites where account_id = $1", id)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "delete from follows where account_id = $1 or target_account_id = $1",
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "delete from follow_requests where account_id = $1 or target_account_id = $1",
        id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!("delete from notifications where from_account_id = $1", id)
        .execute(&mut *db)
        .await?;
    sqlx::query!("delete from poll_votes where account_id = $1", id)
        .execute(&mut *db)
        .await?;
    // Attachments outlive their status (`on delete set null`, for drafts): without this, a
    // purged account's descriptions and links stayed behind.
    super::media::delete_of_account(&mut *db, id).await
}

/// A remote account's actor URI and outbox.
pub async fn outbox_of(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<(String, String)>> {
    Ok(sqlx::query!(
        "select uri, outbox_url from accounts where id = $1 and domain is not null and gone_at is null",
        id
    )
    .fetch_optional(db)
    .await?
    .and_then(|r| Some((r.uri?, r.outbox_url?))))
}

/// The remote account whose personal inbox is `inbox_url`, if any (shared inboxes name none).
pub async fn find_by_inbox(db: impl PgExecutor<'_>, inbox_url: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "select id from accounts where inbox_url = $1 and domain is not null limit 1",
        inbox_url
    )
    .fetch_optional(db)
    .await
}

/// Ids of the remote accounts of `domains` after `after`, in id order, `limit` at a time.
pub async fn list_ids_in_domains(
    db: impl PgExecutor<'_>,
    domains: &[String],
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select id from accounts where domain = any($1) and id > $2 order by id limit $3",
        domains,
        after,
        limit
    )
    .fetch_all(db)
    .await
}

/// When a member last moved away (none: never).
pub async fn moved_at(
    db: impl PgExecutor<'_>,
    id: i64,
) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(
        sqlx::query_scalar!("select moved_at from accounts where id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}
