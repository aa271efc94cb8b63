//! The `jobs` table: a durable queue claimed with `FOR UPDATE SKIP LOCKED` and a lease.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
}

/// Queues a job to run at `run_at`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    kind: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into jobs (kind, payload, run_at) values ($1, $2, $3)",
        kind,
        payload,
        run_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Queues a job to run at `run_at` unless the same job already waits to run by then: many
/// triggers within the wait make one run. A job parked far off after failing (or one in a long
/// backoff) does not count, so it cannot hold up a new one.
pub async fn insert_unless_waiting(
    db: impl PgExecutor<'_>,
    kind: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into jobs (kind, payload, run_at)
         select $1, $2, $3
         where not exists (select 1 from jobs where kind = $1 and payload = $2 and claimed_until is null
                                                and run_at <= $3)",
        kind,
        payload,
        run_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Claims up to `limit` due jobs for `lease_seconds`; a job whose lease ran out is claimed again.
pub async fn claim_due(db: impl PgExecutor<'_>, limit: i64, lease_seconds: f64) -> sqlx::Result<Vec<Job>> {
    sqlx::query_as!(
        Job,
        "update jobs set claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
         where id in (select id from jobs
                      where run_at <= now() and given_up_at is null
                        and (claimed_until is null or claimed_until < now())
                      order by run_at limit $1 for update skip locked)
         returning id, kind, payload, attempts",
        limit,
        lease_seconds,
    )
    .fetch_all(db)
    .await
}

/// Removes a job that is done.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from jobs where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes the waiting jobs of a kind with this payload (one being run is left to finish).
pub async fn delete_waiting(
    db: impl PgExecutor<'_>,
    kind: &str,
    payload: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from jobs where kind = $1 and payload = $2 and (claimed_until is null or claimed_until < now())",
        kind,
        payload
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Puts a failed job back to run again after `delay_seconds`.
pub async fn retry_later(
    db: impl PgExecutor<'_>,
    id: i64,
    delay_seconds: f64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update jobs set claimed_until = null, run_at = now() + make_interval(secs => $2), last_error = $3 where id = $1",
        id,
        delay_seconds,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives a job up: kept with its reason, never claimed again.
pub async fn give_up(db: impl PgExecutor<'_>, id: i64, reason: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "update jobs set claimed_until = null, given_up_at = now(), last_error = $2 where id = $1",
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Queue depth of one kind of job.
#[derive(Debug, Clone)]
pub struct KindStats {
    pub kind: String,
    pub pending: i64,
    /// Pending jobs whose last attempt failed (they will be retried).
    pub failing: i64,
    /// Jobs given up, kept with their reason.
    pub given_up: i64,
    /// The reason the latest given-up job of the kind gave.
    pub last_reason: Option<String>,
    pub oldest_pending_seconds: Option<f64>,
}

/// Queue depth by kind.
pub async fn stats_by_kind(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<KindStats>> {
    sqlx::query_as!(
        KindStats,
        r#"select kind, count(*) filter (where given_up_at is null) as "pending!",
                  count(*) filter (where given_up_at is null and last_error is not null) as "failing!",
                  count(*) filter (where given_up_at is not null) as "given_up!",
                  (array_agg(last_error order by given_up_at desc)
                     filter (where given_up_at is not null))[1] as last_reason,
                  extract(epoch from now() - min(created_at) filter (where given_up_at is null))::float8
                      as oldest_pending_seconds
           from jobs group by kind order by kind"#
    )
    .fetch_all(db)
    .await
}

/// Queue figures for `/metrics`.
#[derive(Debug, Clone)]
pub struct QueueGauges {
    pub jobs_pending: i64,
    pub unavailable_hosts: i64,
}

/// Jobs waiting (given-up jobs are left out) and delivery hosts marked unavailable.
pub async fn queue_gauges(db: impl PgExecutor<'_>) -> sqlx::Result<QueueGauges> {
    sqlx::query_as!(
        QueueGauges,
        r#"select (select count(*) from jobs where given_up_at is null) as "jobs_pending!",
                  (select count(*) from delivery_hosts where unavailable_since is not null) as "unavailable_hosts!""#
    )
    .fetch_one(db)
    .await
}

/// Jobs of `kind` waiting to run (given-up ones left out): the inbox's backlog.
pub async fn count_waiting(db: impl PgExecutor<'_>, kind: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from jobs where kind = $1 and given_up_at is null"#,
        kind,
    )
    .fetch_one(db)
    .await
}
