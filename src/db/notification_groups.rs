//! Grouped notifications (Mastodon 4.3): what each group of a page holds.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A group's figures within a page that ends at `upper` (its newest notification).
#[derive(Debug, Clone)]
pub struct GroupData {
    pub group_key: String,
    /// The group's newest notification at or below the page's top.
    pub max_id: i64,
    pub latest_at: DateTime<Utc>,
    /// Its oldest notification within the page.
    pub min_id: i64,
    /// Every notification of the group at or below the page's top.
    pub count: i64,
    /// The senders of its newest notifications, newest first, each once, at most eight.
    pub sample_account_ids: Vec<i64>,
}

/// The figures of groups `keys` of `account_id`'s notifications, within the page `lower..=upper`
/// (count and samples reach below the page: "and 40 others").
pub async fn data(
    db: impl PgExecutor<'_>,
    account_id: i64,
    keys: &[String],
    lower: i64,
    upper: i64,
    include_filtered: bool,
) -> sqlx::Result<Vec<GroupData>> {
    sqlx::query_as!(
        GroupData,
        r#"with mine as (
               select n.id, n.group_key, n.from_account_id, n.created_at
               from notifications n
               where n.account_id = $1 and n.group_key = any($2) and n.id <= $4
                 and ($5 or not n.filtered)
                 and not blocked_between($1, n.from_account_id)
           )
           select g.key as "group_key!",
                  (select max(id) from mine where group_key = g.key) as "max_id!",
                  (select created_at from mine where group_key = g.key order by id desc limit 1)
                      as "latest_at!",
                  coalesce((select min(id) from mine where group_key = g.key and id >= $3),
                           (select max(id) from mine where group_key = g.key)) as "min_id!",
                  (select count(*) from mine where group_key = g.key) as "count!",
                  array(select from_account_id from mine where group_key = g.key
                        group by from_account_id order by max(id) desc limit 8)
                      as "sample_account_ids!"
           from unnest($2::text[]) g(key)
           where exists (select 1 from mine where group_key = g.key)"#,
        account_id,
        keys,
        lower,
        upper,
        include_filtered,
    )
    .fetch_all(db)
    .await
}

/// The senders in a group, newest first, each once.
pub async fn account_ids(db: impl PgExecutor<'_>, account_id: i64, key: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select from_account_id as "id!" from notifications
           where account_id = $1 and group_key = $2 and not filtered
             and not blocked_between($1, from_account_id)
           group by from_account_id order by max(id) desc limit 80"#,
        account_id,
        key
    )
    .fetch_all(db)
    .await
}

/// The newest notification of a group (by its key, or `ungrouped-<id>`).
pub async fn newest(
    db: impl PgExecutor<'_>,
    account_id: i64,
    key: &str,
) -> sqlx::Result<Option<super::notifications::Notification>> {
    let ungrouped: Option<i64> = key.strip_prefix("ungrouped-").and_then(|id| id.parse().ok());
    sqlx::query_as!(
        super::notifications::Notification,
        r#"select id, from_account_id, type as "type", status_id, created_at,
                  relationship_severance_event_id, filtered, group_key, account_warning_id
           from notifications
           where account_id = $1
             and (case when $3::bigint is null then group_key = $2 else id = $3 end)
             and not blocked_between($1, from_account_id)
           order by id desc limit 1"#,
        account_id,
        key,
        ungrouped,
    )
    .fetch_optional(db)
    .await
}

/// Dismisses a group (by its key, or `ungrouped-<id>`).
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, key: &str) -> sqlx::Result<u64> {
    let ungrouped: Option<i64> = key.strip_prefix("ungrouped-").and_then(|id| id.parse().ok());
    let done = sqlx::query!(
        "delete from notifications
         where account_id = $1
           and (case when $3::bigint is null then group_key = $2 else id = $3 end)",
        account_id,
        key,
        ungrouped,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// What unread groups to count.
#[derive(Debug)]
pub struct UnreadQuery<'a> {
    /// The read marker: notifications after it are unread.
    pub after: Option<i64>,
    pub types: &'a [String],
    pub exclude_types: &'a [String],
    pub from_account_id: Option<i64>,
    pub grouped_types: &'a [String],
    /// Notifications looked at, at most.
    pub limit: i64,
}

/// Unread groups: distinct groups among the unread notifications (groups only for
/// `grouped_types`; the rest count one each).
pub async fn count_unread(
    db: impl PgExecutor<'_>,
    account_id: i64,
    q: &UnreadQuery<'_>,
) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(distinct case when type = any($6) and group_key is not null then group_key
                                    else 'ungrouped-' || id end)
         from (select id, type, group_key from notifications
               where account_id = $1 and ($2::bigint is null or id > $2) and not filtered
                 and (cardinality($3::text[]) = 0 or type = any($3))
                 and not (type = any($4))
                 and ($5::bigint is null or from_account_id = $5)
                 and not blocked_between($1, from_account_id)
               order by id desc limit $7) n",
        account_id,
        q.after,
        q.types,
        q.exclude_types,
        q.from_account_id,
        q.grouped_types,
        q.limit,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}
