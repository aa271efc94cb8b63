//! The `lists` and `list_accounts` tables: members' lists of accounts.

use sqlx::PgExecutor;

/// A list row.
#[derive(Debug, Clone)]
pub struct List {
    pub id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

/// The lists an account owns, oldest first.
pub async fn list_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<List>> {
    sqlx::query_as!(
        List,
        "select id, title, replies_policy, exclusive from lists where account_id = $1 order by id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// The list `id` if `owner_id` owns it.
pub async fn find_owned(db: impl PgExecutor<'_>, owner_id: i64, id: i64) -> sqlx::Result<Option<List>> {
    sqlx::query_as!(
        List,
        "select id, title, replies_policy, exclusive from lists where id = $1 and account_id = $2",
        id,
        owner_id,
    )
    .fetch_optional(db)
    .await
}

/// Inserts a list unless its owner already has `max` lists; returns it, or `None` at the limit.
pub async fn insert_within_limit(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    title: &str,
    replies_policy: &str,
    exclusive: bool,
    max: i64,
) -> sqlx::Result<Option<List>> {
    sqlx::query_as!(
        List,
        "insert into lists (account_id, title, replies_policy, exclusive)
         select $1, $2, $3, $4 where (select count(*) from lists where account_id = $1) < $5
         returning id, title, replies_policy, exclusive",
        owner_id,
        title,
        replies_policy,
        exclusive,
        max,
    )
    .fetch_optional(db)
    .await
}

/// Changes the given attributes of an owned list (`None` keeps one); the list as updated, or
/// `None` when the owner has no such list.
pub async fn update_owned(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    id: i64,
    title: Option<&str>,
    replies_policy: Option<&str>,
    exclusive: Option<bool>,
) -> sqlx::Result<Option<List>> {
    sqlx::query_as!(
        List,
        "update lists set title = coalesce($3, title), replies_policy = coalesce($4, replies_policy),
                exclusive = coalesce($5, exclusive)
         where id = $1 and account_id = $2
         returning id, title, replies_policy, exclusive",
        id,
        owner_id,
        title,
        replies_policy,
        exclusive,
    )
    .fetch_optional(db)
    .await
}

/// Deletes an owned list (its memberships go with it); whether there was one.
pub async fn delete_owned(db: impl PgExecutor<'_>, owner_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from lists where id = $1 and account_id = $2",
        id,
        owner_id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Ids of the accounts on a list, highest first, paged by account id (`limit` `None`: all). With
/// `min_id`, the page just above it (read upwards, returned highest first).
pub async fn list_account_ids(
    db: impl PgExecutor<'_>,
    list_id: i64,
    max_id: Option<i64>,
    since_id: Option<i64>,
    min_id: Option<i64>,
    limit: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    let mut ids = sqlx::query_scalar!(
        "select account_id from list_accounts
         where list_id = $1 and ($2::bigint is null or account_id < $2)
           and (coalesce($4::bigint, $3::bigint) is null or account_id > coalesce($4::bigint, $3::bigint))
         order by case when $4::bigint is null then -account_id else account_id end
         limit $5",
        list_id,
        max_id,
        since_id,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    if min_id.is_some() {
        ids.reverse();
    }
    Ok(ids)
}

/// Those of `account_ids` that `owner_id` may put on a list: accounts it follows, and itself.
pub async fn list_addable(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    account_ids: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select id as "id!" from unnest($2::bigint[]) as wanted (id)
           where id = $1
              or exists (select 1 from follows where account_id = $1 and target_account_id = wanted.id)"#,
        owner_id,
        account_ids,
    )
    .fetch_all(db)
    .await
}

/// Puts accounts on a list; those already on it stay as they are.
pub async fn insert_accounts(db: impl PgExecutor<'_>, list_id: i64, account_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into list_accounts (list_id, account_id) select $1, unnest($2::bigint[])
         on conflict do nothing",
        list_id,
        account_ids,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes accounts off a list.
pub async fn delete_accounts(db: impl PgExecutor<'_>, list_id: i64, account_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from list_accounts where list_id = $1 and account_id = any($2)",
        list_id,
        account_ids,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes `target_id` off every list `owner_id` owns; how many memberships went.
pub async fn delete_account_from_owned(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    target_id: i64,
) -> sqlx::Result<u64> {
    let result = sqlx::query!(
        "delete from list_accounts where account_id = $2
           and list_id in (select id from lists where account_id = $1)",
        owner_id,
        target_id,
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// The lists `owner_id` owns that hold `account_id`, oldest first.
pub async fn list_owned_containing(
    db: impl PgExecutor<'_>,
    owner_id: i64,
    account_id: i64,
) -> sqlx::Result<Vec<List>> {
    sqlx::query_as!(
        List,
        "select l.id, l.title, l.replies_policy, l.exclusive from lists l
         join list_accounts la on la.list_id = l.id
         where l.account_id = $1 and la.account_id = $2 order by l.id",
        owner_id,
        account_id,
    )
    .fetch_all(db)
    .await
}
