//! Remote accounts' own changes: deletion at their origin.

use sqlx::PgPool;

use crate::db;
use crate::error::AppResult;

/// A remote actor deleted itself: its statuses, follows both ways, and what it sent go; the row
/// stays (marked gone) so its name is never taken by someone else.
pub async fn delete_actor(pool: &PgPool, account_id: i64) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    db::remote_accounts::mark_gone(&mut *tx, account_id).await?;
    db::remote_accounts::purge_content(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(())
}
