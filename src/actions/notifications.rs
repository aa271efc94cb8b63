//! A member's own notifications: dismissing one, a group, or all of them.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// Dismisses the member's notification `id`.
pub async fn dismiss(pool: &PgPool, account_id: i64, id: i64) -> AppResult<()> {
    if !db::notifications::delete(pool, account_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Dismisses every notification of the member.
pub async fn clear(pool: &PgPool, account_id: i64) -> AppResult<()> {
    db::notifications::delete_all(pool, account_id).await?;
    Ok(())
}

/// Dismisses a group of the member's notifications (its key, or `ungrouped-<id>`).
pub async fn dismiss_group(pool: &PgPool, account_id: i64, group_key: &str) -> AppResult<()> {
    if db::notification_groups::delete(pool, account_id, group_key).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
