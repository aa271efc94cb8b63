//! Outgoing activities and their deliveries (one per distinct inbox).

use sqlx::{PgConnection, PgExecutor};

/// Stores an activity once; returns its id.
pub async fn insert_activity(
    db: impl PgExecutor<'_>,
    sender: i64,
    body: &serde_json::Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into outgoing_activities (account_id, body) values ($1, $2) returning id",
        sender,
        body
    )
    .fetch_one(db)
    .await
}

/// Adds one delivery per distinct inbox of the remote accounts named and (when
/// `followers_of` is given) of that account's remote followers; a shared inbox stands for all
/// the accounts behind it. Returns how many deliveries were added.
pub async fn insert_for_recipients(
    db: &mut PgConnection,
    activity_id: i64,
    followers_of: Option<i64>,
    account_ids: &[i64],
) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"insert into deliveries (activity_id, inbox_url, host)
           select $1, inbox, lower(substring(inbox from '^[a-zA-Z]+://([^/:?#]+)'))
           from (
               select distinct coalesce(a.shared_inbox_url, a.inbox_url) as inbox
               from accounts a
               where a.domain is not null and a.gone_at is null
                 and (a.id = any($2)
                      or ($3::bigint is not null
                          and a.id in (select f.account_id from follows f where f.target_account_id = $3)))
           ) recipients
           where inbox is not null and inbox ~ '^https?://'
           on conflict do nothing"#,
        activity_id,
        account_ids,
        followers_of,
    )
    .execute(&mut *db)
    .await?
    .rows_affected())
}

/// Removes an activity nobody is to receive.
pub async fn delete_activity(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from outgoing_activities where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether any reachable remote account is among `account_ids` or (when `followers_of` is
/// given) that account's followers: the cheap check before rendering anything.
pub async fn exists_remote_recipient(
    db: impl PgExecutor<'_>,
    followers_of: Option<i64>,
    account_ids: &[i64],
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (
               select 1 from accounts a
               where a.domain is not null and a.gone_at is null
                 and (a.id = any($1)
                      or ($2::bigint is not null
                          and a.id in (select f.account_id from follows f where f.target_account_id = $2)))
           ) as "exists!""#,
        account_ids,
        followers_of,
    )
    .fetch_one(db)
    .await
}
