//! The change log behind the in-process caches (`cache_events`, migration 0031): reading what
//! changed since a horizon, and forgetting what every reader has had time to see.

use sqlx::PgExecutor;

/// One change: what kind of thing (`a`, `m`, `s`, `c`, `*` and the others the migrations name)
/// and which; `detail` and `note` say more for some kinds (a deleted status's author, the emoji
/// of a reaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEvent {
    pub kind: u8,
    pub target: i64,
    pub detail: Option<i64>,
    pub note: Option<String>,
}

/// What a read of the log found.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// The snapshot the log was read in (`pg_snapshot` as text): the next read returns only rows
    /// of transactions it did not see.
    pub snapshot: String,
    pub events: Vec<CacheEvent>,
}

/// The rows of transactions that had not committed in snapshot `after` and have now (none when
/// `after` is `None`: the first read only learns where to start).
pub async fn since(db: impl PgExecutor<'_>, after: Option<&str>) -> sqlx::Result<Changes> {
    let rows = sqlx::query!(
        r#"select h.snapshot as "snapshot!", e.kind as "kind?", e.target as "target?", e.detail, e.note
           from (select pg_current_snapshot()::text as snapshot) h
           left join lateral (
               select c.kind, c.target, c.detail, c.note from cache_events c
               where $1::text is not null
                 and c.xid >= pg_snapshot_xmin($1::text::pg_snapshot)
                 and not pg_visible_in_snapshot(c.xid, $1::text::pg_snapshot)
           ) e on true"#,
        after,
    )
    .fetch_all(db)
    .await?;
    let snapshot = rows.first().map(|r| r.snapshot.clone()).unwrap_or_default();
    let events = rows
        .into_iter()
        .filter_map(|r| {
            Some(CacheEvent {
                kind: r.kind? as u8,
                target: r.target?,
                detail: r.detail,
                note: r.note,
            })
        })
        .collect();
    Ok(Changes { snapshot, events })
}

/// The horizon now: transactions below it have all ended.
pub async fn horizon(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as "horizon!""#)
        .fetch_one(db)
        .await
}

/// Deletes the changes of transactions below `horizon`; returns how many.
pub async fn prune(db: impl PgExecutor<'_>, horizon: i64) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "delete from cache_events where xid < $1::bigint::text::xid8",
        horizon
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Writes one change from Rust, for what no trigger sees (announcements: kinds 'A', 'X', 'R',
/// migration 0038; 'M', a member's accepted notification requests merged); part of the caller's transaction, so read only after it commits.
pub async fn record(
    db: &mut sqlx::PgConnection,
    kind: u8,
    target: i64,
    note: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into cache_events (kind, target, note) values ($1, $2, $3)",
        kind as i8,
        target,
        note,
    )
    .execute(db)
    .await?;
    Ok(())
}
