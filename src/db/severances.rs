//! Relationship severance events: which members lost which follows when a domain was suspended.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An event as a member sees it (their own counts).
#[derive(Debug, Clone)]
pub struct SeveranceEvent {
    pub id: i64,
    pub r#type: String,
    pub target_name: String,
    pub purged: bool,
    pub created_at: DateTime<Utc>,
    pub followers_count: i64,
    pub following_count: i64,
}

/// Records an event; returns its id.
pub async fn insert_event(db: impl PgExecutor<'_>, kind: &str, target_name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into relationship_severance_events (type, target_name, purged) values ($1, $2, true)
         returning id",
        kind,
        target_name
    )
    .fetch_one(db)
    .await
}

/// Records every follow between a local member and an account of `domains` under `event_id`;
/// returns the members affected.
pub async fn record_follows_with_domains(
    db: impl PgExecutor<'_>,
    event_id: i64,
    domains: &[String],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"with remote as (select id from accounts where domain = any($2)),
                severed as (
                    insert into severed_relationships (event_id, account_id, remote_account_id, direction)
                    select $1::bigint, f.account_id, f.target_account_id, 'following'
                    from follows f join accounts l on l.id = f.account_id and l.domain is null
                    where f.target_account_id in (select id from remote)
                    union all
                    select $1::bigint, f.target_account_id, f.account_id, 'follower'
                    from follows f join accounts l on l.id = f.target_account_id and l.domain is null
                    where f.account_id in (select id from remote)
                    on conflict do nothing
                    returning account_id)
           select distinct account_id as "account_id!" from severed"#,
        event_id,
        domains
    )
    .fetch_all(db)
    .await
}

/// Tells each of `members` about the event (a `severed_relationships` notification).
pub async fn notify(db: impl PgExecutor<'_>, event_id: i64, members: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into notifications (account_id, from_account_id, type, relationship_severance_event_id)
         select m, m, 'severed_relationships', $1 from unnest($2::bigint[]) as m",
        event_id,
        members
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes an event nobody lost anything in.
pub async fn delete_event(db: impl PgExecutor<'_>, event_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from relationship_severance_events where id = $1",
        event_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The events `account_id` lost relationships in, newest first, with their counts.
pub async fn list_for_account(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<SeveranceEvent>> {
    sqlx::query_as!(
        SeveranceEvent,
        r#"select e.id, e.type as "type", e.target_name, e.purged, e.created_at,
                  count(*) filter (where s.direction = 'follower') as "followers_count!",
                  count(*) filter (where s.direction = 'following') as "following_count!"
           from relationship_severance_events e
           join severed_relationships s on s.event_id = e.id and s.account_id = $1
           group by e.id order by e.id desc"#,
        account_id
    )
    .fetch_all(db)
    .await
}

/// One event as `account_id` sees it.
pub async fn find_for_account(
    db: impl PgExecutor<'_>,
    event_id: i64,
    account_id: i64,
) -> sqlx::Result<Option<SeveranceEvent>> {
    sqlx::query_as!(
        SeveranceEvent,
        r#"select e.id, e.type as "type", e.target_name, e.purged, e.created_at,
                  count(*) filter (where s.direction = 'follower') as "followers_count!",
                  count(*) filter (where s.direction = 'following') as "following_count!"
           from relationship_severance_events e
           join severed_relationships s on s.event_id = e.id and s.account_id = $2
           where e.id = $1
           group by e.id"#,
        event_id,
        account_id
    )
    .fetch_optional(db)
    .await
}

/// The remote accounts of one event for `account_id`, as `acct` handles, by direction.
pub async fn list_handles(
    db: impl PgExecutor<'_>,
    event_id: i64,
    account_id: i64,
    direction: &str,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select a.username || '@' || a.domain as "handle!"
           from severed_relationships s join accounts a on a.id = s.remote_account_id
           where s.event_id = $1 and s.account_id = $2 and s.direction = $3
           order by a.domain, a.username"#,
        event_id,
        account_id,
        direction
    )
    .fetch_all(db)
    .await
}
