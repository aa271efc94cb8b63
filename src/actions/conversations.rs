//! A member's direct conversations: marking one read and taking one off the list.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// Marks the member's conversation `id` read.
pub async fn mark_read(pool: &PgPool, account_id: i64, id: i64) -> AppResult<()> {
    if !db::conversations::mark_read(pool, account_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Takes conversation `id` off the member's list (its statuses stay).
pub async fn remove(pool: &PgPool, account_id: i64, id: i64) -> AppResult<()> {
    if !db::conversations::delete(pool, account_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}
