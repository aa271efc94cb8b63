//! Relationships between accounts: follows, blocks, mutes, private notes, endorsements.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::db::paging::Page;

/// A follow's options.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    pub show_reblogs: bool,
    pub notify: bool,
    pub languages: Option<Vec<String>>,
}

/// Follows (or updates the options of a follow); returns the follow's id.
pub async fn upsert_follow(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    options: &FollowOptions,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into follows (account_id, target_account_id, show_reblogs, notify, languages)
         values ($1, $2, $3, $4, $5)
         on conflict (account_id, target_account_id) do update
            set show_reblogs = excluded.show_reblogs, notify = excluded.notify, languages = excluded.languages
         returning id",
        account_id,
        target,
        options.show_reblogs,
        options.notify,
        options.languages.as_deref(),
    )
    .fetch_one(db)
    .await
}

/// Records a follow request (or updates its options).
pub async fn upsert_request(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    options: &FollowOptions,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into follow_requests (account_id, target_account_id, show_reblogs, notify, languages)
         values ($1, $2, $3, $4, $5)
         on conflict (account_id, target_account_id) do update
            set show_reblogs = excluded.show_reblogs, notify = excluded.notify, languages = excluded.languages",
        account_id,
        target,
        options.show_reblogs,
        options.notify,
        options.languages.as_deref(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a follow request and returns its options, if there was one.
pub async fn take_request(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
) -> sqlx::Result<Option<FollowOptions>> {
    sqlx::query_as!(
        FollowOptions,
        "delete from follow_requests where account_id = $1 and target_account_id = $2
         returning show_reblogs, notify, languages",
        account_id,
        target,
    )
    .fetch_optional(db)
    .await
}

/// Removes a follow; true when there was one.
pub async fn delete_follow(db: impl PgExecutor<'_>, account_id: i64, target: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from follows where account_id = $1 and target_account_id = $2",
        account_id,
        target
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Whether `account_id` follows `target`.
pub async fn exists_follow(db: impl PgExecutor<'_>, account_id: i64, target: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from follows where account_id = $1 and target_account_id = $2)",
        account_id,
        target
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// Blocks `target` (`uri`: the id of the remote Block behind it).
pub async fn insert_block(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    uri: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into blocks (account_id, target_account_id, uri) values ($1, $2, $3) on conflict do nothing",
        account_id,
        target,
        uri
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Lifts a block.
pub async fn delete_block(db: impl PgExecutor<'_>, account_id: i64, target: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from blocks where account_id = $1 and target_account_id = $2",
        account_id,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The blocker and blocked account of the block a remote Block with this id made.
pub async fn find_block_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(sqlx::query!(
        "select account_id, target_account_id from blocks where uri = $1",
        uri
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.account_id, r.target_account_id)))
}

/// Whether either account blocks the other.
pub async fn blocked_between(db: impl PgExecutor<'_>, a: i64, b: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!("select blocked_between($1, $2)", a, b)
        .fetch_one(db)
        .await?
        .unwrap_or(false))
}

/// Removes follows and follow requests both ways (a block severs them).
pub async fn sever(db: impl PgExecutor<'_>, a: i64, b: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "with f as (delete from follows where (account_id = $1 and target_account_id = $2)
                                        or (account_id = $2 and target_account_id = $1))
         delete from follow_requests where (account_id = $1 and target_account_id = $2)
                                        or (account_id = $2 and target_account_id = $1)",
        a,
        b
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Mutes `target` (or changes the mute).
pub async fn upsert_mute(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    hide_notifications: bool,
    expires_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into mutes (account_id, target_account_id, hide_notifications, expires_at) values ($1, $2, $3, $4)
         on conflict (account_id, target_account_id) do update
            set hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
        account_id,
        target,
        hide_notifications,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Lifts a mute.
pub async fn delete_mute(db: impl PgExecutor<'_>, account_id: i64, target: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from mutes where account_id = $1 and target_account_id = $2",
        account_id,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets (or, when empty, clears) a private note.
pub async fn set_note(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from account_notes where account_id = $1 and target_account_id = $2 and $3 = '')
         insert into account_notes (account_id, target_account_id, comment) select $1, $2, $3 where $3 <> ''
         on conflict (account_id, target_account_id) do update set comment = excluded.comment",
        account_id,
        target,
        comment,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Local members blocking `target`, oldest block first.
pub async fn list_local_blockers(db: impl PgExecutor<'_>, target: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select b.account_id from blocks b join accounts a on a.id = b.account_id
         where b.target_account_id = $1 and a.domain is null order by b.id",
        target
    )
    .fetch_all(db)
    .await
}

/// Gives `to` the mutes local members hold on `from` (those still running, with their
/// notifications setting and end) and their private notes on it, keeping any they already
/// have on `to`. Returns how many mutes and notes were copied.
pub async fn copy_local_mutes_and_notes(
    db: &mut PgConnection,
    from: i64,
    to: i64,
) -> sqlx::Result<(u64, u64)> {
    let mutes = sqlx::query!(
        "insert into mutes (account_id, target_account_id, hide_notifications, expires_at)
         select m.account_id, $2, m.hide_notifications, m.expires_at
         from mutes m join accounts a on a.id = m.account_id
         where m.target_account_id = $1 and a.domain is null and m.account_id <> $2
           and (m.expires_at is null or m.expires_at > now())
         on conflict (account_id, target_account_id) do nothing",
        from,
        to
    )
    .execute(&mut *db)
    .await?;
    let notes = sqlx::query!(
        "insert into account_notes (account_id, target_account_id, comment)
         select n.account_id, $2, n.comment
         from account_notes n join accounts a on a.id = n.account_id
         where n.target_account_id = $1 and a.domain is null and n.account_id <> $2
         on conflict (account_id, target_account_id) do nothing",
        from,
        to
    )
    .execute(&mut *db)
    .await?;
    Ok((mutes.rows_affected(), notes.rows_affected()))
}

/// How `viewer` and `target` relate.
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub target: i64,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    /// The viewer blocked the target's domain (or a parent of it).
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

/// How `viewer` relates to each of `targets`.
pub async fn list_relationships(
    db: impl PgExecutor<'_>,
    viewer: i64,
    targets: &[i64],
) -> sqlx::Result<Vec<Relationship>> {
    sqlx::query_as!(
        Relationship,
        r#"select t.id as "target!",
                  f.id is not null as "following!",
                  coalesce(f.show_reblogs, r.show_reblogs, false) as "showing_reblogs!",
                  coalesce(f.notify, r.notify, false) as "notifying!",
                  coalesce(f.languages, r.languages) as languages,
                  exists(select 1 from follows b where b.account_id = t.id and b.target_account_id = $1) as "followed_by!",
                  exists(select 1 from blocks k where k.account_id = $1 and k.target_account_id = t.id) as "blocking!",
                  exists(select 1 from blocks k where k.account_id = t.id and k.target_account_id = $1) as "blocked_by!",
                  muting($1, t.id) as "muting!",
                  exists(select 1 from mutes m where m.account_id = $1 and m.target_account_id = t.id
                         and m.hide_notifications and (m.expires_at is null or m.expires_at > now())) as "muting_notifications!",
                  r.id is not null as "requested!",
                  exists(select 1 from follow_requests q where q.account_id = t.id and q.target_account_id = $1) as "requested_by!",
                  domain_blocked_by($1, t.domain) as "domain_blocking!",
                  exists(select 1 from endorsements e where e.account_id = $1 and e.target_account_id = t.id) as "endorsed!",
                  coalesce((select n.comment from account_notes n where n.account_id = $1 and n.target_account_id = t.id), '') as "note!"
           from accounts t
           left join follows f on f.account_id = $1 and f.target_account_id = t.id
           left join follow_requests r on r.account_id = $1 and r.target_account_id = t.id
           where t.id = any($2)"#,
        viewer,
        targets,
    )
    .fetch_all(db)
    .await
}

/// Accounts following `account_id`, newest follow first, as (follow id, follower id).
pub async fn list_followers(
    db: impl PgExecutor<'_>,
    account_id: i64,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"select id as "id!", account_id as "account_id!" from (
             (select id, account_id from follows where target_account_id = $1 and not $5
                and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
              order by id desc limit $4)
             union all
             (select id, account_id from follows where target_account_id = $1 and $5
                and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
              order by id limit $4)
           ) page order by id desc"#,
        account_id,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.account_id)).collect())
}

/// Accounts `account_id` follows, newest follow first, as (follow id, followed id).
pub async fn list_following(
    db: impl PgExecutor<'_>,
    account_id: i64,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"select id as "id!", target_account_id as "target_account_id!" from (
             (select id, target_account_id from follows where account_id = $1 and not $5
                and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
              order by id desc limit $4)
             union all
             (select id, target_account_id from follows where account_id = $1 and $5
                and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
              order by id limit $4)
           ) page order by id desc"#,
        account_id,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.target_account_id)).collect())
}

/// Local followers who asked to hear of every post of `account_id`.
pub async fn list_notified_followers(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select f.account_id from follows f join accounts a on a.id = f.account_id
         where f.target_account_id = $1 and f.notify and a.domain is null",
        account_id
    )
    .fetch_all(db)
    .await
}

/// Accounts `account_id` blocks or mutes, newest first, as (block or mute id, account id).
pub async fn list_blocked_or_muted(
    db: impl PgExecutor<'_>,
    account_id: i64,
    mutes: bool,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    // A member's blocks and mutes are few: one sort of them all, in the page's direction.
    let rows = sqlx::query!(
        r#"select id as "id!", target_account_id as "target!" from (
             select m.id, m.target_account_id from (
                 select id, target_account_id from blocks where account_id = $1 and not $2
                 union all
                 select id, target_account_id from mutes where account_id = $1 and $2
                   and (expires_at is null or expires_at > now())
             ) m
             where ($3::bigint is null or m.id < $3) and ($4::bigint is null or m.id > $4)
             order by case when $6 then m.id end, m.id desc limit $5
           ) page order by id desc"#,
        account_id,
        mutes,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.target)).collect())
}

/// Records the id of the Follow activity behind a follow and its request (for Undo and Accept).
pub async fn set_follow_uri(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    uri: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with f as (update follows set uri = $3 where account_id = $1 and target_account_id = $2)
         update follow_requests set uri = $3 where account_id = $1 and target_account_id = $2",
        account_id,
        target,
        uri
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The follower and target of the request whose Follow activity has this id.
pub async fn find_request_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(sqlx::query!(
        "select account_id, target_account_id from follow_requests where uri = $1
         union all select account_id, target_account_id from follows where uri = $1 limit 1",
        uri
    )
    .fetch_optional(db)
    .await?
    .and_then(|r| Some((r.account_id?, r.target_account_id?))))
}

/// Local accounts following `account_id`, with their follows' options (moved when it moves).
pub async fn list_local_followers(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, FollowOptions)>> {
    let rows = sqlx::query!(
        "select f.account_id, f.show_reblogs, f.notify, f.languages from follows f
         join accounts a on a.id = f.account_id
         where f.target_account_id = $1 and a.domain is null order by f.id",
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let options = FollowOptions {
                show_reblogs: r.show_reblogs,
                notify: r.notify,
                languages: r.languages,
            };
            (r.account_id, options)
        })
        .collect())
}

/// The follow (else the request) of `account_id` to `target`: its row id and the id of the
/// Follow activity behind it, if recorded.
pub async fn find_follow_ref(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
) -> sqlx::Result<Option<(i64, Option<String>)>> {
    Ok(sqlx::query!(
        "select id, uri from (
             select id, uri, 0 as rank from follows where account_id = $1 and target_account_id = $2
             union all
             select id, uri, 1 as rank from follow_requests where account_id = $1 and target_account_id = $2
         ) found order by rank limit 1",
        account_id,
        target
    )
    .fetch_optional(db)
    .await?
    .and_then(|r| Some((r.id?, r.uri))))
}

/// The block of `account_id` on `target`: its row id and the id of the Block behind it.
pub async fn find_block_ref(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
) -> sqlx::Result<Option<(i64, Option<String>)>> {
    Ok(sqlx::query!(
        "select id, uri from blocks where account_id = $1 and target_account_id = $2",
        account_id,
        target
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.id, r.uri)))
}

/// The remote accounts `account_id` follows.
pub async fn list_remote_following(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select f.target_account_id from follows f join accounts a on a.id = f.target_account_id
         where f.account_id = $1 and a.domain is not null",
        account_id
    )
    .fetch_all(db)
    .await
}
