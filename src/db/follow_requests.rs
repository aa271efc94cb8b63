//! The `follow_requests` table: follows waiting for a locked account's approval.

use sqlx::PgExecutor;

/// Who asked to follow `account_id`, newest first, as (request id, requester id), paged by id.
pub async fn list_requesters(
    db: impl PgExecutor<'_>,
    account_id: i64,
    max_id: Option<i64>,
    since_id: Option<i64>,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        "select id, account_id from follow_requests
         where target_account_id = $1 and ($2::bigint is null or id < $2)
           and (coalesce($4::bigint, $3::bigint) is null or id > coalesce($4::bigint, $3::bigint))
         order by case when $4::bigint is null then -id else id end limit $5",
        account_id,
        max_id,
        since_id,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    let mut pairs: Vec<(i64, i64)> = rows.into_iter().map(|r| (r.id, r.account_id)).collect();
    if min_id.is_some() {
        pairs.reverse();
    }
    Ok(pairs)
}

/// How many follow requests wait for `account_id`.
pub async fn count_for(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from follow_requests where target_account_id = $1",
        account_id
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}
