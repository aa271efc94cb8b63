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
