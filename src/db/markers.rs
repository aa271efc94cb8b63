//! The `markers` table: where each member stopped reading a timeline.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A marker row.
#[derive(Debug, Clone)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The member's markers for these timelines.
pub async fn list(db: impl PgExecutor<'_>, user_id: i64, timelines: &[String]) -> sqlx::Result<Vec<Marker>> {
    sqlx::query_as!(
        Marker,
        "select timeline, last_read_id, version, updated_at from markers
         where user_id = $1 and timeline = any($2)",
        user_id,
        timelines,
    )
    .fetch_all(db)
    .await
}

/// Sets a marker, counting versions up from 0.
pub async fn upsert(
    db: impl PgExecutor<'_>,
    user_id: i64,
    timeline: &str,
    last_read_id: i64,
) -> sqlx::Result<Marker> {
    sqlx::query_as!(
        Marker,
        "insert into markers (user_id, timeline, last_read_id) values ($1, $2, $3)
         on conflict (user_id, timeline) do update
            set last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = now()
         returning timeline, last_read_id, version, updated_at",
        user_id,
        timeline,
        last_read_id,
    )
    .fetch_one(db)
    .await
}
