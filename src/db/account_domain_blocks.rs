//! The `account_domain_blocks` table: domains a member blocked for themselves (subdomains too).

use sqlx::PgExecutor;

use crate::db::paging::Page;

/// Adds `domain` (normalized) to the member's blocks; true when it was not there yet.
pub async fn insert(db: impl PgExecutor<'_>, account_id: i64, domain: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "insert into account_domain_blocks (account_id, domain) values ($1, $2)
         on conflict (account_id, domain) do nothing",
        account_id,
        domain
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Removes `domain` from the member's blocks; true when it was there.
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, domain: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from account_domain_blocks where account_id = $1 and domain = $2",
        account_id,
        domain
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// A page of the member's blocked domains, newest first, as (paging id, domain).
pub async fn list(db: impl PgExecutor<'_>, account_id: i64, page: &Page) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        r#"select id as "id!", domain as "domain!" from (
             (select id, domain from account_domain_blocks where account_id = $1 and not $5
                and ($2::bigint is null or id < $2) and ($3::bigint is null or id > $3)
              order by id desc limit $4)
             union all
             (select id, domain from account_domain_blocks where account_id = $1 and $5
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
    Ok(rows.into_iter().map(|r| (r.id, r.domain)).collect())
}

/// The accounts at or under `domain` that `account_id` follows (or asked to follow), and those
/// that follow it (or asked to): what a domain block severs.
#[derive(Debug, Default)]
pub struct Counterparts {
    pub following: Vec<i64>,
    pub followers: Vec<i64>,
    pub requested: Vec<i64>,
    pub requesters: Vec<i64>,
}

/// The member's follows and follow requests, both ways, with accounts at or under `domain`.
pub async fn list_counterparts(
    db: &mut sqlx::PgConnection,
    account_id: i64,
    domain: &str,
) -> sqlx::Result<Counterparts> {
    let rows = sqlx::query!(
        r#"with there as (
               select id from accounts
               where domain = $2 or right(domain, length($2) + 1) = '.' || $2)
           select 'following' as "kind!", target_account_id as "id!" from follows
             where account_id = $1 and target_account_id in (select id from there)
           union all
           select 'follower', account_id from follows
             where target_account_id = $1 and account_id in (select id from there)
           union all
           select 'requested', target_account_id from follow_requests
             where account_id = $1 and target_account_id in (select id from there)
           union all
           select 'requester', account_id from follow_requests
             where target_account_id = $1 and account_id in (select id from there)"#,
        account_id,
        domain
    )
    .fetch_all(&mut *db)
    .await?;
    let mut counterparts = Counterparts::default();
    for row in rows {
        match row.kind.as_str() {
            "following" => counterparts.following.push(row.id),
            "follower" => counterparts.followers.push(row.id),
            "requested" => counterparts.requested.push(row.id),
            _ => counterparts.requesters.push(row.id),
        }
    }
    Ok(counterparts)
}

/// Records a member's domain block that ended follows (the accounts stay: not purged); returns
/// its id.
pub async fn insert_severance_event(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into relationship_severance_events (type, target_name, purged)
         values ('user_domain_block', $1, false)
         returning id",
        domain
    )
    .fetch_one(db)
    .await
}

/// Records which of the member's relationships the event ended (`direction`: following or
/// follower).
pub async fn insert_severed(
    db: impl PgExecutor<'_>,
    event_id: i64,
    account_id: i64,
    remote_accounts: &[i64],
    direction: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into severed_relationships (event_id, account_id, remote_account_id, direction)
         select $1, $2, r, $4 from unnest($3::bigint[]) as r
         on conflict do nothing",
        event_id,
        account_id,
        remote_accounts,
        direction
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes the member's notifications from accounts at or under `domain`.
pub async fn delete_notifications_from(
    db: impl PgExecutor<'_>,
    account_id: i64,
    domain: &str,
) -> sqlx::Result<u64> {
    let result = sqlx::query!(
        "delete from notifications n using accounts a
         where n.account_id = $1 and a.id = n.from_account_id
           and (a.domain = $2 or right(a.domain, length($2) + 1) = '.' || $2)",
        account_id,
        domain
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
