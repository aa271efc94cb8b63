//! The `account_warnings` table: what the staff did to a member's account and told them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A warning.
#[derive(Debug, Clone)]
pub struct AccountWarning {
    pub id: i64,
    pub target_account_id: i64,
    pub action: String,
    pub text: String,
    pub status_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

/// Records a warning and notifies its member (`moderation_warning`, from the staff member).
pub async fn insert_and_notify(
    db: &mut PgConnection,
    moderator: i64,
    target: i64,
    action: &str,
    text: &str,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into account_warnings (account_id, target_account_id, action, text) values ($1, $2, $3, $4)
         returning id",
        moderator,
        target,
        action,
        text,
    )
    .fetch_one(&mut *db)
    .await?;
    sqlx::query!(
        "insert into notifications (account_id, from_account_id, type, account_warning_id)
         values ($1, $2, 'moderation_warning', $3)",
        target,
        moderator,
        id,
    )
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Warnings by id.
pub async fn list_by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<AccountWarning>> {
    sqlx::query_as!(
        AccountWarning,
        "select id, target_account_id, action, text, status_ids, created_at from account_warnings
         where id = any($1)",
        ids,
    )
    .fetch_all(db)
    .await
}
