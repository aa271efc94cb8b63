//! The `filters`, `filter_keywords` and `filter_statuses` tables: members' content filters.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A filter row.
#[derive(Debug, Clone)]
pub struct Filter {
    pub id: i64,
    pub title: String,
    pub context: Vec<String>,
    pub action: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A keyword row.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

/// An account's filters, oldest first.
pub async fn list_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Filter>> {
    sqlx::query_as!(
        Filter,
        "select id, title, context, action, expires_at from filters where account_id = $1 order by id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// The keywords of an account's filters.
pub async fn list_keywords_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Keyword>> {
    sqlx::query_as!(
        Keyword,
        "select k.id, k.filter_id, k.keyword, k.whole_word from filter_keywords k
         join filters f on f.id = k.filter_id where f.account_id = $1 order by k.id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// A filtered status row: one status a filter matches.
#[derive(Debug, Clone)]
pub struct FilterStatus {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: i64,
}

/// A filter's attributes as stored.
#[derive(Debug, Clone, Copy)]
pub struct NewFilter<'a> {
    pub title: &'a str,
    pub context: &'a [String],
    pub action: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The statuses of an account's filters.
pub async fn list_statuses_by_owner(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> sqlx::Result<Vec<FilterStatus>> {
    sqlx::query_as!(
        FilterStatus,
        "select s.id, s.filter_id, s.status_id from filter_statuses s
         join filters f on f.id = s.filter_id where f.account_id = $1 order by s.id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// The filter `id` if `owner_id` owns it.
pub async fn find_owned(db: impl PgExecutor<'_>, owner_id: i64, id: i64) -> sqlx::Result<Option<Filter>> {
    sqlx::query_as!(
        Filter,
        "select id, title, context, action, expires_at from filters where id = $1 and account_id = $2",
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Inserts a filter and returns it.
pub async fn insert(db: impl PgExecutor<'_>, owner_id: i64, new: &NewFilter<'_>) -> sqlx::Result<Filter> {
    sqlx::query_as!(
        Filter,
        "insert into filters (account_id, title, context, action, expires_at) values ($1, $2, $3, $4, $5)
         returning id, title, context, action, expires_at",
        owner_id,
        new.title,
        new.context,
        new.action,
        new.expires_at,
    )
    .fetch_one(db)
    .await
}

/// Rewrites a filter's attributes.
pub async fn update(db: impl PgExecutor<'_>, id: i64, new: &NewFilter<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "update filters set title = $2, context = $3, action = $4, expires_at = $5, updated_at = now()
         where id = $1",
        id,
        new.title,
        new.context,
        new.action,
        new.expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes an owned filter with its keywords and statuses; whether there was one.
pub async fn delete_owned(db: impl PgExecutor<'_>, owner_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from filters where id = $1 and account_id = $2",
        id,
        owner_id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// A filter's keywords, oldest first.
pub async fn list_keywords(db: impl PgExecutor<'_>, filter_id: i64) -> sqlx::Result<Vec<Keyword>> {
    sqlx::query_as!(
        Keyword,
        "select id, filter_id, keyword, whole_word from filter_keywords where filter_id = $1 order by id",
        filter_id,
    )
    .fetch_all(db)
    .await
}

/// The keyword `id` if it belongs to a filter `owner_id` owns.
pub async fn find_owned_keyword(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    id: i64,
) -> sqlx::Result<Option<Keyword>> {
    sqlx::query_as!(
        Keyword,
        "select k.id, k.filter_id, k.keyword, k.whole_word from filter_keywords k
         join filters f on f.id = k.filter_id where k.id = $1 and f.account_id = $2",
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Adds a keyword to a filter and returns it.
pub async fn insert_keyword(
    db: impl PgExecutor<'_>,
    filter_id: i64,
    keyword: &str,
    whole_word: bool,
) -> sqlx::Result<Keyword> {
    sqlx::query_as!(
        Keyword,
        "insert into filter_keywords (filter_id, keyword, whole_word) values ($1, $2, $3)
         returning id, filter_id, keyword, whole_word",
        filter_id,
        keyword,
        whole_word,
    )
    .fetch_one(db)
    .await
}

/// Rewrites a keyword.
pub async fn update_keyword(
    db: impl PgExecutor<'_>,
    id: i64,
    keyword: &str,
    whole_word: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update filter_keywords set keyword = $2, whole_word = $3 where id = $1",
        id,
        keyword,
        whole_word,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes a keyword.
pub async fn delete_keyword(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from filter_keywords where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// A filter's statuses, oldest first.
pub async fn list_statuses(db: impl PgExecutor<'_>, filter_id: i64) -> sqlx::Result<Vec<FilterStatus>> {
    sqlx::query_as!(
        FilterStatus,
        "select id, filter_id, status_id from filter_statuses where filter_id = $1 order by id",
        filter_id,
    )
    .fetch_all(db)
    .await
}

/// The filtered status `id` if it belongs to a filter `owner_id` owns.
pub async fn find_owned_status(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    id: i64,
) -> sqlx::Result<Option<FilterStatus>> {
    sqlx::query_as!(
        FilterStatus,
        "select s.id, s.filter_id, s.status_id from filter_statuses s
         join filters f on f.id = s.filter_id where s.id = $1 and f.account_id = $2",
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Adds a status to a filter and returns the row (a status already there violates
/// `filter_statuses_filter_id_status_id_key`).
pub async fn insert_status(
    db: impl PgExecutor<'_>,
    filter_id: i64,
    status_id: i64,
) -> sqlx::Result<FilterStatus> {
    sqlx::query_as!(
        FilterStatus,
        "insert into filter_statuses (filter_id, status_id) values ($1, $2)
         returning id, filter_id, status_id",
        filter_id,
        status_id,
    )
    .fetch_one(db)
    .await
}

/// Deletes a filtered status.
pub async fn delete_status(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from filter_statuses where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether a filter has neither keywords nor statuses left.
pub async fn is_empty(db: impl PgExecutor<'_>, filter_id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select not exists(select 1 from filter_keywords where filter_id = $1)
            and not exists(select 1 from filter_statuses where filter_id = $1)",
        filter_id,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// Whether status `status_id` exists and `viewer_id` may see it: public and unlisted statuses,
/// its own, those mentioning it, and followers-only ones of accounts it follows, unless the
/// author blocks it.
pub async fn exists_visible_status(
    db: impl PgExecutor<'_>,
    viewer_id: i64,
    status_id: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "select exists(select 1 from statuses s where s.id = $2
            and (s.visibility in ('public', 'unlisted') or s.account_id = $1
                 or exists(select 1 from mentions m where m.status_id = s.id and m.account_id = $1)
                 or (s.visibility = 'private' and exists(select 1 from follows f
                        where f.account_id = $1 and f.target_account_id = s.account_id)))
            and not exists(select 1 from blocks b where b.account_id = s.account_id and b.target_account_id = $1))",
        viewer_id,
        status_id,
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false))
}

/// Of `accounts`, those with a live filter for `context` (one query for a whole fan-out).
pub async fn list_owners_filtering(
    db: impl PgExecutor<'_>,
    accounts: &[i64],
    context: &str,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select distinct account_id as "account_id!" from filters
           where account_id = any($1::bigint[]) and $2 = any(context)
             and (expires_at is null or expires_at > now())"#,
        accounts,
        context,
    )
    .fetch_all(db)
    .await
}
