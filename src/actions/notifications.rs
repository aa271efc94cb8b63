//! A member's own notifications: dismissing one, or all of them.

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
