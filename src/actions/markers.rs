//! Saving timeline markers.

use sqlx::PgPool;

use crate::db;
use crate::error::AppResult;

/// Sets the given markers together; returns them as saved.
pub async fn save(
    pool: &PgPool,
    user_id: i64,
    updates: &[(&str, i64)],
) -> AppResult<Vec<db::markers::Marker>> {
    let mut tx = crate::db::begin(pool).await?;
    let mut saved = Vec::new();
    for (timeline, last_read_id) in updates {
        saved.push(db::markers::upsert(&mut *tx, user_id, timeline, *last_read_id).await?);
    }
    tx.commit().await?;
    Ok(saved)
}
