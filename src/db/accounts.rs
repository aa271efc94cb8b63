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
    /// A local member's uploaded avatar and header: file names under `media/profiles`.
    pub avatar_file: Option<String>,
    pub header_file: Option<String>,
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
                header_remote_url, avatar_file, header_file, emojis, actor_type, moved_to_account_id
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
                a.avatar_remote_url, a.header_remote_url, a.avatar_file, a.header_file, a.emojis, a.actor_type, a.moved_to_account_id
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
                header_remote_url, avatar_file, header_file, emojis, actor_type, moved_to_account_id
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
                header_remote_url, avatar_file, header_file, emojis, actor_type, moved_to_account_id
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
                header_remote_url, avatar_file, header_file, emojis, actor_type, moved_to_account_id
         from accounts where id = any($1)",
        ids,
    )
    .fetch_all(db)
    .await
}

/// Accounts by id with their counters (zero where an account has none yet), in one query;
/// suspended accounts (by our staff, their domain's rule or their own server) only when asked.
pub async fn list_with_stats(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    include_suspended: bool,
) -> sqlx::Result<Vec<(Account, Stats)>> {
    let rows = sqlx::query!(
        r#"select a.id as "id!", a.username as "username!", a.domain, a.display_name as "display_name!",
                  a.note as "note!", a.uri, a.url, a.public_key_pem as "public_key_pem!",
                  a.locked as "locked!", a.bot as "bot!", a.discoverable, a.indexable as "indexable!",
                  a.hide_collections as "hide_collections!", a.fields as "fields!",
                  a.created_at as "created_at!", a.avatar_remote_url, a.header_remote_url,
                  a.avatar_file, a.header_file, a.emojis as "emojis!", a.actor_type as "actor_type!", a.moved_to_account_id,
                  coalesce(st.statuses_count, 0) as "statuses_count!",
                  coalesce(st.followers_count, 0) as "followers_count!",
                  coalesce(st.following_count, 0) as "following_count!",
                  st.last_status_at as "last_status_at?"
           from accounts a left join account_stats st on st.account_id = a.id
           where a.id = any($1) and ($2 or (a.suspended_at is null and not a.domain_suspended))"#,
        ids,
        include_suspended,
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
                avatar_file: r.avatar_file,
                header_file: r.header_file,
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
                header_remote_url, avatar_file, header_file, emojis, actor_type, moved_to_account_id
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
    /// A new avatar file, or `Some(None)` for the default picture.
    pub avatar_file: Option<Option<String>>,
    pub header_file: Option<Option<String>>,
}

impl ProfileUpdate {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.note.is_none()
            && self.locked.is_none()
            && self.bot.is_none()
            && self.discoverable.is_none()
            && self.indexable.is_none()
            && self.hide_collections.is_none()
            && self.fields.is_none()
            && self.avatar_file.is_none()
            && self.header_file.is_none()
    }
}

/// The avatar and header files a profile update replaced (to be removed once it committed).
#[derive(Debug, Default)]
pub struct ReplacedFiles {
    pub avatar_file: Option<String>,
    pub header_file: Option<String>,
}

impl ReplacedFiles {
    /// The file names, avatar first.
    pub fn into_names(self) -> Vec<String> {
        self.avatar_file.into_iter().chain(self.header_file).collect()
    }
}

/// Applies a profile update; returns the image files it replaced.
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: i64,
    update: &ProfileUpdate,
) -> sqlx::Result<ReplacedFiles> {
    let row = sqlx::query!(
        "update accounts a set
            display_name = coalesce($2, a.display_name),
            note = coalesce($3, a.note),
            locked = coalesce($4, a.locked),
            bot = coalesce($5, a.bot),
            discoverable = coalesce($6, a.discoverable),
            indexable = coalesce($7, a.indexable),
            hide_collections = coalesce($8, a.hide_collections),
            fields = coalesce($9, a.fields),
            avatar_file = case when $10 then $11 else a.avatar_file end,
            header_file = case when $12 then $13 else a.header_file end,
            updated_at = now()
         from (select id, avatar_file, header_file from accounts where id = $1 for update) old
         where a.id = old.id
         returning old.avatar_file as old_avatar, old.header_file as old_header",
        id,
        update.display_name,
        update.note,
        update.locked,
        update.bot,
        update.discoverable,
        update.indexable,
        update.hide_collections,
        update.fields,
        update.avatar_file.is_some(),
        update.avatar_file.clone().flatten(),
        update.header_file.is_some(),
        update.header_file.clone().flatten(),
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(ReplacedFiles::default());
    };
    // A file is replaced only when the update named another (the same name is kept).
    let replaced = |old: Option<String>, new: &Option<Option<String>>| {
        old.filter(|old| {
            new.as_ref()
                .is_some_and(|new| new.as_deref() != Some(old.as_str()))
        })
    };
    Ok(ReplacedFiles {
        avatar_file: replaced(row.old_avatar, &update.avatar_file),
        header_file: replaced(row.old_header, &update.header_file),
    })
}

/// Clears a member's avatar and header (their account is being deleted); returns the files.
pub async fn clear_profile_images(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<ReplacedFiles> {
    let row = sqlx::query!(
        "update accounts a set avatar_file = null, header_file = null
         from (select id, avatar_file, header_file from accounts where id = $1 for update) old
         where a.id = old.id
         returning old.avatar_file as old_avatar, old.header_file as old_header",
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(ReplacedFiles::default, |row| ReplacedFiles {
        avatar_file: row.old_avatar,
        header_file: row.old_header,
    }))
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
