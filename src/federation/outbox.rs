//! Queueing outgoing activities, inside the transaction of the change that caused them: the
//! body is stored once and one delivery row is added per distinct inbox.

use serde_json::Value;
use sqlx::PgConnection;

use crate::db;

/// Who is to receive an activity.
#[derive(Debug, Clone, Default)]
pub struct Recipients {
    /// The sender's remote followers.
    pub followers: bool,
    /// Remote accounts addressed by name (mentioned, followed, blocked, ...).
    pub accounts: Vec<i64>,
}

/// Stores `activity`, signed later by `sender`, for every server with a recipient; returns how
/// many deliveries were queued (none stores nothing).
pub async fn enqueue(
    db: &mut PgConnection,
    sender: i64,
    activity: &Value,
    recipients: &Recipients,
) -> sqlx::Result<u64> {
    let followers_of = recipients.followers.then_some(sender);
    queue(db, Some(sender), activity, followers_of, &recipients.accounts).await
}

/// Stores `activity`, signed later by the instance actor, for the servers of `accounts`;
/// returns how many deliveries were queued. The instance actor has no followers.
pub async fn enqueue_from_instance(
    db: &mut PgConnection,
    activity: &Value,
    accounts: &[i64],
) -> sqlx::Result<u64> {
    queue(db, None, activity, None, accounts).await
}

async fn queue(
    db: &mut PgConnection,
    sender: Option<i64>,
    activity: &Value,
    followers_of: Option<i64>,
    accounts: &[i64],
) -> sqlx::Result<u64> {
    let activity_id = db::deliveries::insert_activity(&mut *db, sender, activity).await?;
    let queued = db::deliveries::insert_for_recipients(&mut *db, activity_id, followers_of, accounts).await?;
    if queued == 0 {
        db::deliveries::delete_activity(&mut *db, activity_id).await?;
    }
    Ok(queued)
}
