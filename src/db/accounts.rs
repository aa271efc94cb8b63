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
    /// Plain text for local accounts, sanitized HTML for remote ones.
    pub note: String,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub public_key_pem: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub hide_collections: bool,
    /// `[{"name": ..., "value": ...}]`: plain text for local accounts.
    pub fields: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// A remote account's avatar and header, shown from their origin.
    pub avatar_remote_url: Option<String>,
    pub header_remote_url: Option<String>,
    /// Custom emoji of a remote profile: `[{"shortcode", "url"}]`.
    pub emojis: serde_json::Value,
    pub actor_type: String,
    pub moved_to_account_id: Option<i64>,
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

/// The local account with this username, compared case-insensitively (a suspended one is gone).
pub async fn find_local_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, uri, url, public_key_pem, locked, bot,
                discoverable, indexable, hide_collections, fields, created_at, avatar_remote_url,
                header_remote_url, emojis, actor_type, moved_to_account_id
         from accounts where domain is null and lower(username) = lower($1) and suspended_at is null",
        username,
    )
    .fetch_optional(db)
    .await
}

/// The local account with this username (case-insensitively) that the public may see: an
/// approved member's (a sign-up awaiting approval has no public presence yet, a deleted member
/// no sign-in), not suspended unless `suspended_too` (a suspended member's actor document stays,
/// withheld, so its key can still be fetched).
pub async fn find_local_public_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
    suspended_too: bool,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.public_key_pem, a.locked,
                a.bot, a.discoverable, a.indexable, a.hide_collections, a.fields, a.created_at,
                a.avatar_remote_url, a.header_remote_url, a.emojis, a.actor_type, a.moved_to_account_id
         from accounts a
         where a.domain is null and lower(a.username) = lower($1)
           and ($2 or a.suspended_at is null)
           and exists (select 1 from users u where u.account_id = a.id and u.approved)",
        username,
        suspended_too,
    )
    .fetch_optional(db)
    .await
}

/// Whether this name is a deleted member's: the row stays (suspended, reserving the name and
/// the key that signed the Delete) without a user.
pub async fn is_deleted_local(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (
             select 1 from accounts a
             where a.domain is null and lower(a.username) = lower($1) and a.suspended_at is not null
               and not exists (select 1 from users u where u.account_id = a.id)) as "deleted!""#,
        username
    )
    .fetch_one(db)
    .await
}

/// The account with this id.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, uri, url, public_key_pem, locked, bot,
                discoverable, indexable, hide_collections, fields, created_at, avatar_remote_url,
                header_remote_url, emojis, actor_type, moved_to_account_id
         from accounts where id = $1",
        id,
    )
    .fetch_optional(db)
    .await
}

/// The account with this id unless it is suspended (what profiles and their statuses show).
pub async fn find_unsuspended(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, uri, url, public_key_pem, locked, bot,
                discoverable, indexable, hide_collections, fields, created_at, avatar_remote_url,
                header_remote_url, emojis, actor_type, moved_to_account_id
         from accounts where id = $1 and suspended_at is null",
        id,
    )
    .fetch_optional(db)
    .await
}

/// The accounts with these ids, in no particular order.
pub async fn list_by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, uri, url, public_key_pem, locked, bot,
                discoverable, indexable, hide_collections, fields, created_at, avatar_remote_url,
                header_remote_url, emojis, actor_type, moved_to_account_id
         from accounts where id = any($1)",
        ids,
    )
    .fetch_all(db)
    .await
}

/// Accounts by id with their counters (zero where an account has none yet), in one query.
pub async fn list_with_stats(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<(Account, Stats)>> {
    let rows = sqlx::query!(
        r#"select a.id as "id!", a.username as "username!", a.domain, a.display_name as "display_name!",
                  a.note as "note!", a.uri, a.url, a.public_key_pem as "public_key_pem!",
                  a.locked as "locked!", a.bot as "bot!", a.discoverable, a.indexable as "indexable!",
                  a.hide_collections as "hide_collections!", a.fields as "fields!",
                  a.created_at as "created_at!", a.avatar_remote_url, a.header_remote_url,
                  a.emojis as "emojis!", a.actor_type as "actor_type!", a.moved_to_account_id,
                  coalesce(st.statuses_count, 0) as "statuses_count!",
                  coalesce(st.followers_count, 0) as "followers_count!",
                  coalesce(st.following_count, 0) as "following_count!",
                  st.last_status_at as "last_status_at?"
           from accounts a left join account_stats st on st.account_id = a.id
           where a.id = any($1)"#,
        ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let stats = Stats {
                account_id: r.id,
                statuses_count: r.statuses_count,
                followers_count: r.followers_count,
                following_count: r.following_count,
                last_status_at: r.last_status_at,
            };
            let account = Account {
                id: r.id,
                username: r.username,
                domain: r.domain,
                display_name: r.display_name,
                note: r.note,
                uri: r.uri,
                url: r.url,
                public_key_pem: r.public_key_pem,
                locked: r.locked,
                bot: r.bot,
                discoverable: r.discoverable,
                indexable: r.indexable,
                hide_collections: r.hide_collections,
                fields: r.fields,
                created_at: r.created_at,
                avatar_remote_url: r.avatar_remote_url,
                header_remote_url: r.header_remote_url,
                emojis: r.emojis,
                actor_type: r.actor_type,
                moved_to_account_id: r.moved_to_account_id,
            };
            (account, stats)
        })
        .collect())
}

/// The remote account `username@domain`, compared case-insensitively.
pub async fn find_remote_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
    domain: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as!(
        Account,
        "select id, username, domain, display_name, note, uri, url, public_key_pem, locked, bot,
                discoverable, indexable, hide_collections, fields, created_at, avatar_remote_url,
                header_remote_url, emojis, actor_type, moved_to_account_id
         from accounts where lower(username) = lower($1) and domain = lower($2)",
        username,
        domain,
    )
    .fetch_optional(db)
    .await
}

/// Profile changes of a local account; `None` leaves a value as it is.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub hide_collections: Option<bool>,
    pub fields: Option<serde_json::Value>,
}

/// Applies a profile update.
pub async fn update_profile(db: impl PgExecutor<'_>, id: i64, update: &ProfileUpdate) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set
            display_name = coalesce($2, display_name),
            note = coalesce($3, note),
            locked = coalesce($4, locked),
            bot = coalesce($5, bot),
            discoverable = coalesce($6, discoverable),
            indexable = coalesce($7, indexable),
            hide_collections = coalesce($8, hide_collections),
            fields = coalesce($9, fields),
            updated_at = now()
         where id = $1",
        id,
        update.display_name,
        update.note,
        update.locked,
        update.bot,
        update.discoverable,
        update.indexable,
        update.hide_collections,
        update.fields,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Distinct domains of known remote accounts, sorted.
pub async fn list_known_domains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select distinct domain as "domain!" from accounts where domain is not null order by 1"#
    )
    .fetch_all(db)
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

/// Counters of an account.
#[derive(Debug, Clone)]
pub struct Stats {
    pub account_id: i64,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

/// The counters of these accounts (kept by triggers on statuses and follows).
pub async fn list_stats(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Stats>> {
    sqlx::query_as!(
        Stats,
        "select account_id, statuses_count, followers_count, following_count, last_status_at
         from account_stats where account_id = any($1)",
        ids
    )
    .fetch_all(db)
    .await
}

/// The account another one moved to, as its actor is named.
#[derive(Debug, Clone)]
pub struct MoveTarget {
    pub username: String,
    pub domain: Option<String>,
    pub uri: Option<String>,
}

/// What a local account's actor says beyond its profile: its aliases (`alsoKnownAs` URIs), the
/// account it moved to, and whether the staff suspended it.
#[derive(Debug, Clone, Default)]
pub struct ActorFacts {
    pub also_known_as: Vec<String>,
    pub moved_to: Option<MoveTarget>,
    pub suspended: bool,
}

/// The [`ActorFacts`] of an account, in one query.
pub async fn find_actor_facts(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<ActorFacts> {
    let row = sqlx::query!(
        r#"select a.also_known_as, a.suspended_at is not null as "suspended!",
                  t.username as "target_username?", t.domain as target_domain, t.uri as target_uri
           from accounts a left join accounts t on t.id = a.moved_to_account_id
           where a.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(ActorFacts::default, |row| ActorFacts {
        also_known_as: row.also_known_as,
        suspended: row.suspended,
        moved_to: row.target_username.map(|username| MoveTarget {
            username,
            domain: row.target_domain,
            uri: row.target_uri,
        }),
    }))
}

/// Replaces an account's aliases (`alsoKnownAs` URIs).
pub async fn set_also_known_as(db: impl PgExecutor<'_>, id: i64, aliases: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set also_known_as = $2 where id = $1",
        id,
        aliases
    )
    .execute(db)
    .await?;
    Ok(())
}
