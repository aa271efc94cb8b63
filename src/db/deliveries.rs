//! Outgoing activities and their deliveries (one per distinct inbox).

use sqlx::{PgConnection, PgExecutor};

/// Stores an activity once; returns its id. `sender` is the local account that signs it, or
/// `None` for the instance actor.
pub async fn insert_activity(
    db: impl PgExecutor<'_>,
    sender: Option<i64>,
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
               where a.domain is not null and a.gone_at is null and not a.domain_suspended
                 and a.suspended_at is null
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

/// A claimed delivery with what is needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub inbox_url: String,
    pub host: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
    /// The signing account; `None`: the instance actor signs.
    pub sender_id: Option<i64>,
    pub sender_username: Option<String>,
    /// The activity sent; its body comes from [`activity_bodies`], once per activity.
    pub activity_id: i64,
    /// When the delivery was queued (for the enqueue-to-acknowledgement latency).
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Claims up to `limit` due deliveries for `lease_seconds`, skipping failed ones, hosts marked
/// unavailable and the `busy` hosts this process already has enough of in hand. A delivery
/// whose lease ran out (its process died) is claimed again.
///
/// Only the hosts of `share` are claimed: `(index, of)` takes the hosts whose name hashes to
/// `index` modulo `of`, so that each delivery thread of a process keeps the connections to its
/// own hosts; `(0, 1)` takes every host. Written as "none of the other shares": the planner
/// guesses an equality on an expression matches 0.5% of rows, and then read and sorted every due
/// row on each claim (a third of the database's work) instead of walking the index in order.
pub async fn claim_due(
    db: impl PgExecutor<'_>,
    limit: i64,
    lease_seconds: f64,
    busy: &[String],
    share: (i32, i32),
) -> sqlx::Result<Vec<Claimed>> {
    let others: Vec<i64> = (0..share.1)
        .filter(|index| *index != share.0)
        .map(i64::from)
        .collect();
    sqlx::query_as!(
        Claimed,
        r#"update deliveries d
           set claimed_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
           from outgoing_activities o left join accounts a on a.id = o.account_id
           where o.id = d.activity_id
             and d.id in (
               select id from deliveries
               where failed_at is null and run_at <= now()
                 and (claimed_until is null or claimed_until < now())
                 and host <> all($3)
                 and (hashtext(host)::bigint & 2147483647) % $5 <> all($4)
                 and host not in (select host from delivery_hosts where unavailable_since is not null)
               order by run_at
               limit $1
               for update skip locked)
           returning d.id, d.inbox_url, d.host, d.attempts, o.account_id as "sender_id?",
                     a.username as "sender_username?", d.activity_id, d.created_at"#,
        limit,
        lease_seconds,
        busy,
        &others,
        i64::from(share.1),
    )
    .fetch_all(db)
    .await
}

/// The stored bodies of `ids`, serialized by the database. Activities are never changed once
/// stored, so a body read once serves every delivery of its activity.
pub async fn activity_bodies(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<(i64, String)>> {
    Ok(sqlx::query!(
        r#"select id, body::text as "body!" from outgoing_activities where id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| (row.id, row.body))
    .collect())
}

/// Removes deliveries that arrived and records their hosts' success, in one round trip for a
/// batch (this is the statement run for nearly every delivery). Hosts with no failures on
/// record are not written.
pub async fn delete_delivered(db: impl PgExecutor<'_>, ids: &[i64], hosts: &[String]) -> sqlx::Result<()> {
    sqlx::query!(
        "with delivered as (delete from deliveries where id = any($1))
         update delivery_hosts
         set failure_days = '{}', unavailable_since = null, last_success_at = now()
         where host = any($2) and (failure_days <> '{}' or unavailable_since is not null)",
        ids,
        hosts
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Schedules another attempt after `delay_seconds`.
pub async fn retry_later(
    db: impl PgExecutor<'_>,
    id: i64,
    delay_seconds: f64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update deliveries set claimed_until = null, run_at = now() + make_interval(secs => $2),
                last_error = $3
         where id = $1",
        id,
        delay_seconds,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives a delivery up (kept with its error for `jobs stats` and `jobs retry`).
pub async fn fail(db: impl PgExecutor<'_>, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update deliveries set claimed_until = null, failed_at = now(), last_error = $2 where id = $1",
        id,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Hands claimed deliveries back untried (a stopping worker), due again at once.
pub async fn release(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "update deliveries set claimed_until = null, attempts = greatest(attempts - 1, 0)
         where id = any($1)",
        ids
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records that `host` answered: its failure streak ends and it is available again. Writes
/// nothing for a host with no failures on record, the usual case.
pub async fn record_host_success(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update delivery_hosts
         set failure_days = '{}', unavailable_since = null, last_success_at = now()
         where host = $1 and (failure_days <> '{}' or unavailable_since is not null)",
        host
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed delivery to `host` today; once failures fall on `unavailable_after_days`
/// distinct days with no success between, the host becomes unavailable. Returns whether it is.
pub async fn record_host_failure(
    db: impl PgExecutor<'_>,
    host: &str,
    unavailable_after_days: i32,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"insert into delivery_hosts as h (host, failure_days, last_failure_at,  unavailable_since)
           values ($1, array[current_date], now(), case when $2 <= 1 then now() end)
           on conflict (host) do update set
             failure_days = case when current_date = any(h.failure_days) then h.failure_days
                                 else h.failure_days || current_date end,
             last_failure_at = now(),
             unavailable_since = coalesce(
               h.unavailable_since,
               case when cardinality(h.failure_days) + (case when current_date = any(h.failure_days) then 0 else 1 end) >= $2
                    then now() end)
           returning unavailable_since is not null as "unavailable!""#,
        host,
        unavailable_after_days
    )
    .fetch_one(db)
    .await
}

/// Makes `host` available again after it contacted us (a signed request). One indexed
/// statement that writes only when the host was unavailable.
pub async fn clear_unavailable(db: impl PgExecutor<'_>, host: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query!(
        "update delivery_hosts set unavailable_since = null, failure_days = '{}'
         where host = $1 and unavailable_since is not null",
        host
    )
    .execute(db)
    .await?
    .rows_affected()
        > 0)
}

/// The whole delivery queue at a glance.
#[derive(Debug, Clone)]
pub struct Totals {
    pub pending: i64,
    /// Pending and due now (not waiting for a retry or an unavailable host).
    pub due: i64,
    pub failed: i64,
    pub hosts: i64,
    pub oldest_pending_seconds: Option<f64>,
}

/// Counts over every delivery.
pub async fn totals(db: impl PgExecutor<'_>) -> sqlx::Result<Totals> {
    sqlx::query_as!(
        Totals,
        r#"select count(*) filter (where failed_at is null) as "pending!",
                  count(*) filter (where failed_at is null and run_at <= now()) as "due!",
                  count(*) filter (where failed_at is not null) as "failed!",
                  count(distinct host) filter (where failed_at is null) as "hosts!",
                  extract(epoch from now() - min(created_at) filter (where failed_at is null))::float8
                    as oldest_pending_seconds
           from deliveries"#
    )
    .fetch_one(db)
    .await
}

/// Pending and failed deliveries of one host.
#[derive(Debug, Clone)]
pub struct HostStats {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    pub oldest_pending_seconds: Option<f64>,
    pub unavailable_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Per-host queue depth, most pending first (at most `limit` hosts).
pub async fn stats_by_host(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<HostStats>> {
    sqlx::query_as!(
        HostStats,
        r#"select d.host as "host!",
                  count(*) filter (where d.failed_at is null) as "pending!",
                  count(*) filter (where d.failed_at is not null) as "failed!",
                  extract(epoch from now() - min(d.created_at) filter (where d.failed_at is null))::float8
                    as oldest_pending_seconds,
                  max(h.unavailable_since) as unavailable_since
           from deliveries d left join delivery_hosts h on h.host = d.host
           group by d.host
           order by 2 desc, 1
           limit $1"#,
        limit
    )
    .fetch_all(db)
    .await
}

/// Hosts currently marked unavailable, with when.
pub async fn list_unavailable_hosts(
    db: impl PgExecutor<'_>,
) -> sqlx::Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    Ok(sqlx::query!(
        r#"select host, unavailable_since as "unavailable_since!" from delivery_hosts
           where unavailable_since is not null order by host"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| (row.host, row.unavailable_since))
    .collect())
}

/// Makes failed and scheduled deliveries (of `host`, or all) due now; failed ones get a fresh
/// retry budget. With a host, its unavailability is cleared too. Returns how many were touched.
pub async fn retry_now(db: &mut PgConnection, host: Option<&str>) -> sqlx::Result<u64> {
    let touched = sqlx::query!(
        "update deliveries
         set run_at = now(), claimed_until = null,
             attempts = case when failed_at is null then attempts else 0 end, failed_at = null
         where ($1::text is null or host = $1)
           and (failed_at is not null or run_at > now())
           and (claimed_until is null or claimed_until < now())",
        host
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    if let Some(host) = host {
        sqlx::query!(
            "update delivery_hosts set unavailable_since = null, failure_days = '{}' where host = $1",
            host
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(touched)
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

/// The hosts with deliveries still to make.
pub async fn list_pending_hosts(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!("select distinct host from deliveries where failed_at is null")
        .fetch_all(db)
        .await
}

/// Drops every pending delivery to `hosts` (they were suspended).
pub async fn delete_for_hosts(db: impl PgExecutor<'_>, hosts: &[String]) -> sqlx::Result<u64> {
    Ok(sqlx::query!("delete from deliveries where host = any($1)", hosts)
        .execute(db)
        .await?
        .rows_affected())
}
