//! The `tags` and `tag_follows` tables: hashtags and who follows them.

use sqlx::PgExecutor;

/// A followed tag, with the follow's id for paging.
#[derive(Debug, Clone)]
pub struct FollowedTag {
    pub follow_id: i64,
    pub tag_id: i64,
    pub name: String,
}

/// Tags an account follows, newest follow first, paged by follow id. With `min_id`, the page
/// just above it (oldest first in the query, returned newest first).
pub async fn list_followed(
    db: impl PgExecutor<'_>,
    account_id: i64,
    max_id: Option<i64>,
    since_id: Option<i64>,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<FollowedTag>> {
    let mut rows = sqlx::query_as!(
        FollowedTag,
        "select f.id as follow_id, t.id as tag_id, t.name from tag_follows f join tags t on t.id = f.tag_id
         where f.account_id = $1 and ($2::bigint is null or f.id < $2)
           and (coalesce($4::bigint, $3::bigint) is null or f.id > coalesce($4::bigint, $3::bigint))
         order by case when $4::bigint is null then -f.id else f.id end limit $5",
        account_id,
        max_id,
        since_id,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    if min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// A hashtag as stored.
#[derive(Debug, Clone)]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

/// The tag named `name` (case-insensitive), if any status or member has used it.
pub async fn find_by_name(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<Option<Tag>> {
    sqlx::query_as!(
        Tag,
        "select id, name from tags where lower(name) = lower($1)",
        name
    )
    .fetch_optional(db)
    .await
}

/// The tag named `name`, created (spelt as given) when new.
pub async fn find_or_create(db: &mut sqlx::PgConnection, name: &str) -> sqlx::Result<Tag> {
    sqlx::query!(
        "insert into tags (name) values ($1) on conflict (lower(name)) do nothing",
        name
    )
    .execute(&mut *db)
    .await?;
    find_by_name(db, name).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Makes `account_id` follow the tag (nothing when it already does).
pub async fn follow(db: impl PgExecutor<'_>, account_id: i64, tag_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into tag_follows (account_id, tag_id) values ($1, $2)
         on conflict (account_id, tag_id) do nothing",
        account_id,
        tag_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stops `account_id` following the tag (nothing when it did not).
pub async fn unfollow(db: impl PgExecutor<'_>, account_id: i64, tag_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from tag_follows where account_id = $1 and tag_id = $2",
        account_id,
        tag_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether `account_id` follows the tag.
pub async fn is_followed(db: impl PgExecutor<'_>, account_id: i64, tag_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from tag_follows where account_id = $1 and tag_id = $2) as "followed!""#,
        account_id,
        tag_id
    )
    .fetch_one(db)
    .await
}

/// One day of a tag's use: public original statuses carrying it, and their distinct authors.
#[derive(Debug, Clone)]
pub struct TagDay {
    pub tag_id: i64,
    /// The day (UTC).
    pub day: chrono::NaiveDate,
    pub uses: i64,
    pub accounts: i64,
}

/// The use of each of `tag_ids` on the days (UTC) from `since` on, for the days they were used.
/// Status ids are time-ordered, so each tag's statuses of those days are one range of its
/// primary key.
pub async fn history(
    db: impl PgExecutor<'_>,
    tag_ids: &[i64],
    since: chrono::NaiveDate,
) -> sqlx::Result<Vec<TagDay>> {
    sqlx::query_as!(
        TagDay,
        r#"select st.tag_id, (s.created_at at time zone 'utc')::date as "day!",
                  count(*) as "uses!", count(distinct s.account_id) as "accounts!"
           from status_tags st join statuses s on s.id = st.status_id
           where st.tag_id = any($1)
             and st.status_id >= (floor(extract(epoch from $2::date::timestamp at time zone 'utc') * 1000)::bigint << 16)
             and s.visibility = 'public' and s.reblog_of_id is null
           group by 1, 2"#,
        tag_ids,
        since
    )
    .fetch_all(db)
    .await
}

/// How many hashtags `account_id` follows.
pub async fn count_followed(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from tag_follows where account_id = $1"#,
        account_id
    )
    .fetch_one(db)
    .await
}
