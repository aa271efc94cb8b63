//! Notification policies (one per member, defaults when absent), filtered senders' requests, and the senders a member accepted.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A member's policy: `accept`, `filter` or `drop` for each kind of sender.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
}

/// The member's policy (Mastodon's defaults when they never changed it).
pub async fn find_policy(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Policy> {
    sqlx::query_as!(
        Policy,
        r#"select coalesce(p.for_not_following, 'accept') as "for_not_following!",
                  coalesce(p.for_not_followers, 'accept') as "for_not_followers!",
                  coalesce(p.for_new_accounts, 'accept') as "for_new_accounts!",
                  coalesce(p.for_private_mentions, 'filter') as "for_private_mentions!",
                  coalesce(p.for_limited_accounts, 'filter') as "for_limited_accounts!"
           from (select 1) one left join notification_policies p on p.account_id = $1"#,
        account_id
    )
    .fetch_one(db)
    .await
}

/// Keeps the member's policy.
pub async fn save_policy(db: impl PgExecutor<'_>, account_id: i64, policy: &Policy) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into notification_policies (account_id, for_not_following, for_not_followers,
                                            for_new_accounts, for_private_mentions,
                                            for_limited_accounts)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (account_id) do update
             set for_not_following = excluded.for_not_following,
                 for_not_followers = excluded.for_not_followers,
                 for_new_accounts = excluded.for_new_accounts,
                 for_private_mentions = excluded.for_private_mentions,
                 for_limited_accounts = excluded.for_limited_accounts,
                 updated_at = now()",
        account_id,
        policy.for_not_following,
        policy.for_not_followers,
        policy.for_new_accounts,
        policy.for_private_mentions,
        policy.for_limited_accounts,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many requests and filtered notifications wait (requests counted up to 100, as Mastodon).
pub async fn summary(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"select (select count(*) from (select 1 from notification_requests r
                                         where r.account_id = $1
                                           and exists (select 1 from notifications n
                                                       where n.account_id = $1 and n.filtered
                                                         and n.from_account_id = r.from_account_id)
                                         limit 100) l) as "requests!",
                  (select count(*) from notifications where account_id = $1 and filtered)
                      as "notifications!""#,
        account_id
    )
    .fetch_one(db)
    .await?;
    Ok((row.requests, row.notifications))
}

/// A request: a sender whose notifications were filtered, and how many wait.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub from_account_id: i64,
    pub last_status_id: Option<i64>,
    pub notifications_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The member's requests with notifications waiting, newest first, by id bounds.
pub async fn list(
    db: impl PgExecutor<'_>,
    account_id: i64,
    max_id: Option<i64>,
    since_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Request>> {
    sqlx::query_as!(
        Request,
        r#"select r.id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at,
                  (select count(*) from notifications n where n.account_id = r.account_id
                     and n.from_account_id = r.from_account_id and n.filtered)
                      as "notifications_count!"
           from notification_requests r
           where r.account_id = $1
             and ($2::bigint is null or r.id < $2) and ($3::bigint is null or r.id > $3)
             and exists (select 1 from notifications n where n.account_id = r.account_id
                           and n.from_account_id = r.from_account_id and n.filtered)
             and not blocked_between($1, r.from_account_id)
           order by r.id desc limit $4"#,
        account_id,
        max_id,
        since_id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// One of the member's requests.
pub async fn find(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<Option<Request>> {
    sqlx::query_as!(
        Request,
        r#"select r.id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at,
                  (select count(*) from notifications n where n.account_id = r.account_id
                     and n.from_account_id = r.from_account_id and n.filtered)
                      as "notifications_count!"
           from notification_requests r where r.account_id = $1 and r.id = $2"#,
        account_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Removes the member's request `id`; whose it was (the sender), if there was one.
pub async fn take(db: &mut sqlx::PgConnection, account_id: i64, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "delete from notification_requests where account_id = $1 and id = $2
         returning from_account_id",
        account_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Accepts a request: its notifications join the others, the sender is accepted from now on,
/// the request goes. False when the member has no such request.
pub async fn accept(db: &mut sqlx::PgConnection, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let Some(from) = take(db, account_id, id).await? else {
        return Ok(false);
    };
    sqlx::query!(
        "update notifications set filtered = false
         where account_id = $1 and from_account_id = $2 and filtered",
        account_id,
        from
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "insert into notification_permissions (account_id, from_account_id) values ($1, $2)
         on conflict do nothing",
        account_id,
        from
    )
    .execute(&mut *db)
    .await?;
    Ok(true)
}

/// Dismisses a request and the notifications it held. False when there is none.
pub async fn dismiss(db: &mut sqlx::PgConnection, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let Some(from) = take(db, account_id, id).await? else {
        return Ok(false);
    };
    sqlx::query!(
        "delete from notifications where account_id = $1 and from_account_id = $2 and filtered",
        account_id,
        from
    )
    .execute(&mut *db)
    .await?;
    Ok(true)
}
