//! The `statuses` table and what hangs off it: mentions, tags, edits, and the viewer's marks.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A status row.
#[derive(Debug, Clone)]
pub struct Status {
    pub id: i64,
    pub account_id: i64,
    pub local: bool,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub conversation_id: i64,
    pub application_id: Option<i64>,
    pub replies_count: i32,
    pub reblogs_count: i32,
    pub favourites_count: i32,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Custom emoji of a remote status: `[{"shortcode", "url"}]`.
    pub emojis: serde_json::Value,
    pub replies_url: Option<String>,
    pub title: Option<String>,
}

/// What a new status is made of.
#[derive(Debug)]
pub struct NewStatus<'a> {
    pub account_id: i64,
    pub local: bool,
    pub uri: Option<&'a str>,
    pub url: Option<&'a str>,
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub visibility: &'a str,
    pub language: Option<&'a str>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub conversation_id: i64,
    pub application_id: Option<i64>,
    /// When the status was published (remote statuses keep their time; local ones are now).
    pub created_at: DateTime<Utc>,
}

/// Inserts a status; its id carries `created_at`.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewStatus<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into statuses (id, account_id, local, uri, url, text, content, spoiler_text, sensitive,
                               visibility, language, in_reply_to_id, in_reply_to_account_id, reblog_of_id,
                               conversation_id, application_id, created_at)
         values (next_id(least($16, now())), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id",
        new.account_id,
        new.local,
        new.uri,
        new.url,
        new.text,
        new.content,
        new.spoiler_text,
        new.sensitive,
        new.visibility,
        new.language,
        new.in_reply_to_id,
        new.in_reply_to_account_id,
        new.reblog_of_id,
        new.conversation_id,
        new.application_id,
        new.created_at,
    )
    .fetch_one(db)
    .await
}

/// A fresh conversation id.
pub async fn new_conversation_id(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!("select next_id()")
        .fetch_one(db)
        .await?
        .unwrap_or_default())
}

/// The status with this id, whoever may see it.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Status>> {
    sqlx::query_as!(Status, "select * from statuses where id = $1", id)
        .fetch_optional(db)
        .await
}

/// The status with this id if `viewer` may see it (visibility and blocks).
pub async fn find_visible(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> sqlx::Result<Option<Status>> {
    sqlx::query_as!(
        Status,
        r#"select s.id as "id!", s.account_id as "account_id!", s.local as "local!", s.uri, s.url,
                  s.text as "text!", s.content as "content!", s.spoiler_text as "spoiler_text!",
                  s.sensitive as "sensitive!", s.visibility as "visibility!", s.language, s.in_reply_to_id,
                  s.in_reply_to_account_id, s.reblog_of_id, s.conversation_id as "conversation_id!",
                  s.application_id, s.replies_count as "replies_count!", s.reblogs_count as "reblogs_count!",
                  s.favourites_count as "favourites_count!", s.created_at as "created_at!", s.edited_at,
                  s.emojis as "emojis!", s.replies_url, s.title
           from statuses s
           where s.id = $1 and status_visible_to(s, $2)
             and ($2::bigint is null or not blocked_between(s.account_id, $2))
             -- A boost is visible only with its original.
             and (s.reblog_of_id is null or exists (
                  select 1 from statuses o where o.id = s.reblog_of_id and status_visible_to(o, $2)
                    and ($2::bigint is null or not blocked_between(o.account_id, $2))))"#,
        id,
        viewer,
    )
    .fetch_optional(db)
    .await
}

/// The statuses with these ids, in no particular order.
pub async fn list_by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Status>> {
    sqlx::query_as!(Status, "select * from statuses where id = any($1)", ids)
        .fetch_all(db)
        .await
}

/// Deletes a status (its reblogs, mentions, tags, favourites and the rest go with it).
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!("delete from statuses where id = $1", id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// A status's editable parts, for an edit.
#[derive(Debug)]
pub struct Revision<'a> {
    pub text: &'a str,
    pub content: &'a str,
    pub spoiler_text: &'a str,
    pub sensitive: bool,
    pub language: Option<&'a str>,
}

/// Applies an edit and stamps `edited_at`.
pub async fn update_revision(db: impl PgExecutor<'_>, id: i64, revision: &Revision<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "update statuses set text = $2, content = $3, spoiler_text = $4, sensitive = $5,
                language = coalesce($6, language), edited_at = now()
         where id = $1",
        id,
        revision.text,
        revision.content,
        revision.spoiler_text,
        revision.sensitive,
        revision.language,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Keeps a version of a status in its history, with its poll's options if it had a poll.
pub async fn insert_edit(
    db: impl PgExecutor<'_>,
    status_id: i64,
    revision: &Revision<'_>,
    poll_options: Option<&[String]>,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into status_edits (status_id, text, content, spoiler_text, sensitive, poll_options, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        status_id,
        revision.text,
        revision.content,
        revision.spoiler_text,
        revision.sensitive,
        poll_options,
        at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A stored version of a status.
#[derive(Debug, Clone)]
pub struct Edit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// The poll's options in this version, if it had a poll.
    pub poll_options: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
}

/// A status's stored versions, oldest first.
pub async fn list_edits(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<Vec<Edit>> {
    sqlx::query_as!(
        Edit,
        "select content, spoiler_text, sensitive, poll_options, created_at
         from status_edits where status_id = $1 order by id",
        status_id,
    )
    .fetch_all(db)
    .await
}

/// Which of the counters a change moves.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Replies,
    Reblogs,
    Favourites,
}

/// Moves a counter by `delta`, never below zero.
pub async fn adjust_counter(
    db: impl PgExecutor<'_>,
    id: i64,
    counter: Counter,
    delta: i32,
) -> sqlx::Result<()> {
    let (replies, reblogs, favourites) = match counter {
        Counter::Replies => (delta, 0, 0),
        Counter::Reblogs => (0, delta, 0),
        Counter::Favourites => (0, 0, delta),
    };
    sqlx::query!(
        "update statuses set replies_count = greatest(replies_count + $2, 0),
                             reblogs_count = greatest(reblogs_count + $3, 0),
                             favourites_count = greatest(favourites_count + $4, 0)
         where id = $1",
        id,
        replies,
        reblogs,
        favourites,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records the accounts a status mentions.
pub async fn insert_mentions(db: &mut PgConnection, status_id: i64, account_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into mentions (status_id, account_id) select $1, unnest($2::bigint[]) on conflict do nothing",
        status_id,
        account_ids,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets a status's mentions (before an edit records the new ones).
pub async fn delete_mentions(db: &mut PgConnection, status_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from mentions where status_id = $1", status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a status's hashtags, creating the tags that are new.
pub async fn set_tags(db: &mut PgConnection, status_id: i64, names: &[String]) -> sqlx::Result<()> {
    sqlx::query!("delete from status_tags where status_id = $1", status_id)
        .execute(&mut *db)
        .await?;
    if names.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into tags (name) select distinct on (lower(n)) n from unnest($1::text[]) n
         on conflict (lower(name)) do nothing",
        names,
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "insert into status_tags (status_id, tag_id)
         select $1, id from tags where lower(name) = any(select lower(n) from unnest($2::text[]) n)
         on conflict do nothing",
        status_id,
        names,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A mention as a status shows it.
#[derive(Debug, Clone)]
pub struct MentionRow {
    pub status_id: i64,
    pub account_id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub url: Option<String>,
    pub uri: Option<String>,
}

/// The mentions of these statuses.
pub async fn list_mentions(db: impl PgExecutor<'_>, status_ids: &[i64]) -> sqlx::Result<Vec<MentionRow>> {
    sqlx::query_as!(
        MentionRow,
        "select m.status_id, a.id as account_id, a.username, a.domain, a.url, a.uri
         from mentions m join accounts a on a.id = m.account_id where m.status_id = any($1)
         order by m.status_id, a.id",
        status_ids,
    )
    .fetch_all(db)
    .await
}

/// The hashtags of these statuses, as (status id, tag name).
pub async fn list_tags(db: impl PgExecutor<'_>, status_ids: &[i64]) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        "select st.status_id, t.name from status_tags st join tags t on t.id = st.tag_id
         where st.status_id = any($1) order by st.status_id, t.name",
        status_ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status_id, r.name)).collect())
}

/// The viewer's marks on a status.
#[derive(Debug, Clone, Default)]
pub struct ViewerMarks {
    pub status_id: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub muted: bool,
}

/// The viewer's marks on these statuses.
pub async fn list_viewer_marks(
    db: impl PgExecutor<'_>,
    viewer: i64,
    status_ids: &[i64],
) -> sqlx::Result<Vec<ViewerMarks>> {
    sqlx::query_as!(
        ViewerMarks,
        r#"select s.id as "status_id!",
                  exists(select 1 from favourites f where f.account_id = $1 and f.status_id = s.id) as "favourited!",
                  exists(select 1 from statuses r where r.account_id = $1 and r.reblog_of_id = s.id) as "reblogged!",
                  exists(select 1 from bookmarks b where b.account_id = $1 and b.status_id = s.id) as "bookmarked!",
                  exists(select 1 from status_pins p where p.account_id = $1 and p.status_id = s.id) as "pinned!",
                  exists(select 1 from conversation_mutes c where c.account_id = $1
                         and c.conversation_id = s.conversation_id) as "muted!"
           from statuses s where s.id = any($2)"#,
        viewer,
        status_ids,
    )
    .fetch_all(db)
    .await
}

/// The viewer's boost of a status, if any.
pub async fn find_reblog(
    db: impl PgExecutor<'_>,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<Option<Status>> {
    sqlx::query_as!(
        Status,
        "select * from statuses where account_id = $1 and reblog_of_id = $2",
        account_id,
        status_id,
    )
    .fetch_optional(db)
    .await
}

/// How many local statuses there are.
pub async fn count_local(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    Ok(
        sqlx::query_scalar!("select count(*) from statuses where local and reblog_of_id is null")
            .fetch_one(db)
            .await?
            .unwrap_or(0),
    )
}

/// The ids of a status's ancestors visible to `viewer`, oldest first (at most 40).
pub async fn list_ancestor_ids(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    let mut ids = sqlx::query_scalar!(
        r#"with recursive up(id, parent, depth) as (
               select s.id, s.in_reply_to_id, 0 from statuses s where s.id = $1
               union all
               select p.id, p.in_reply_to_id, up.depth + 1 from statuses p join up on p.id = up.parent
               where up.depth < 40
           )
           select s.id as "id!" from up join statuses s on s.id = up.id
           where up.depth > 0 and status_visible_to(s, $2)
             and ($2::bigint is null or not blocked_between(s.account_id, $2))
           order by up.depth desc"#,
        id,
        viewer,
    )
    .fetch_all(db)
    .await?;
    ids.dedup();
    Ok(ids)
}

/// The ids of a status's descendants visible to `viewer`, in thread order (at most 60).
pub async fn list_descendant_ids(
    db: impl PgExecutor<'_>,
    id: i64,
    viewer: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"with recursive down(id, path, depth) as (
               select s.id, array[s.id], 1 from statuses s where s.in_reply_to_id = $1
               union all
               select c.id, down.path || c.id, down.depth + 1 from statuses c join down on c.in_reply_to_id = down.id
               where down.depth < 60
           )
           select s.id as "id!" from down join statuses s on s.id = down.id
           where status_visible_to(s, $2)
             and ($2::bigint is null or not blocked_between(s.account_id, $2))
           order by down.path limit 60"#,
        id,
        viewer,
    )
    .fetch_all(db)
    .await
}

/// The status an earlier request with this idempotency key made (keys last a day).
pub async fn find_by_idempotency_key(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "select status_id from idempotency_keys
         where account_id = $1 and key = $2 and created_at > now() - interval '1 day'",
        account_id,
        key
    )
    .fetch_optional(db)
    .await
}

/// Remembers which status an idempotency key made.
pub async fn insert_idempotency_key(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into idempotency_keys (account_id, key, status_id) values ($1, $2, $3)
         on conflict (account_id, key) do update set status_id = excluded.status_id, created_at = now()",
        account_id,
        key,
        status_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Local accounts that boosted a status.
pub async fn list_reblogger_ids(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select s.account_id from statuses s join accounts a on a.id = s.account_id
         where s.reblog_of_id = $1 and a.domain is null",
        status_id
    )
    .fetch_all(db)
    .await
}

/// Remote accounts that boosted a status (their servers hold a copy to update or delete).
pub async fn list_remote_reblogger_ids(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select s.account_id from statuses s join accounts a on a.id = s.account_id
         where s.reblog_of_id = $1 and a.domain is not null",
        status_id
    )
    .fetch_all(db)
    .await
}

/// Local statuses per week since `since`.
pub async fn count_local_by_week_since(
    db: impl PgExecutor<'_>,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(DateTime<Utc>, i64)>> {
    let rows = sqlx::query!(
        r#"select date_trunc('week', created_at) as "week!", count(*) as "count!"
           from statuses where local and reblog_of_id is null and created_at >= $1 group by 1"#,
        since
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.week, r.count)).collect())
}

/// The id of the status with this URI.
pub async fn find_id_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("select id from statuses where uri = $1", uri)
        .fetch_optional(db)
        .await
}

/// The id and author of the status with this URI.
pub async fn find_author_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(
        sqlx::query!("select id, account_id from statuses where uri = $1", uri)
            .fetch_optional(db)
            .await?
            .map(|r| (r.id, r.account_id)),
    )
}

/// Sets what only remote statuses carry.
pub async fn set_remote_details(
    db: impl PgExecutor<'_>,
    id: i64,
    emojis: &serde_json::Value,
    replies_url: Option<&str>,
    title: Option<&str>,
    edited_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update statuses set emojis = $2, replies_url = $3, title = $4, edited_at = $5 where id = $1",
        id,
        emojis,
        replies_url,
        title,
        edited_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Accounts that boosted, favourited or voted on a status (told of its edits).
pub async fn list_interacted_account_ids(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select account_id as "account_id!" from statuses where reblog_of_id = $1
           union select account_id from favourites where status_id = $1
           union select v.account_id from poll_votes v join polls p on p.id = v.poll_id where p.status_id = $1"#,
        status_id
    )
    .fetch_all(db)
    .await
}

/// Enough of a status (and its author) to name it by URI.
#[derive(Debug, Clone)]
pub struct StatusRef {
    pub id: i64,
    pub local: bool,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub username: String,
    pub domain: Option<String>,
    pub account_uri: Option<String>,
}

/// These statuses as references, in no particular order.
pub async fn list_refs(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<StatusRef>> {
    sqlx::query_as!(
        StatusRef,
        "select s.id, s.local, s.uri, s.url, a.username, a.domain, a.uri as account_uri
         from statuses s join accounts a on a.id = s.account_id where s.id = any($1)",
        ids,
    )
    .fetch_all(db)
    .await
}

/// The first public or unlisted replies of each of these statuses by its own author, as
/// (parent id, reply id), oldest first, at most `per_parent` each.
pub async fn list_self_reply_ids(
    db: impl PgExecutor<'_>,
    parent_ids: &[i64],
    per_parent: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"select r.parent_id as "parent_id!", r.id as "id!" from (
               select s.in_reply_to_id as parent_id, s.id,
                      row_number() over (partition by s.in_reply_to_id order by s.id) as n
               from statuses s join statuses p on p.id = s.in_reply_to_id
               where s.in_reply_to_id = any($1) and s.account_id = p.account_id
                 and status_visible_to(s, null)
           ) r
           where r.n <= $2 order by r.parent_id, r.id"#,
        parent_ids,
        per_parent,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.parent_id, r.id)).collect())
}

/// Public and unlisted replies to a status, oldest first after `min_id`: by its author
/// (`by_others` false) or by everyone else (`by_others` true).
pub async fn list_public_replies(
    db: impl PgExecutor<'_>,
    parent_id: i64,
    author_id: i64,
    by_others: bool,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<StatusRef>> {
    sqlx::query_as!(
        StatusRef,
        "select s.id, s.local, s.uri, s.url, a.username, a.domain, a.uri as account_uri
         from statuses s join accounts a on a.id = s.account_id
         where s.in_reply_to_id = $1 and status_visible_to(s, null)
           and (s.account_id = $2) <> $3
           and ($4::bigint is null or s.id > $4)
         order by s.id limit $5",
        parent_id,
        author_id,
        by_others,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await
}
