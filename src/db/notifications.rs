//! The `notifications` table.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A notification row.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub from_account_id: i64,
    pub r#type: String,
    pub status_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// For `severed_relationships`: the event the member lost relationships in.
    pub relationship_severance_event_id: Option<i64>,
    /// Kept as a request by the member's notification policy.
    pub filtered: bool,
    /// The group it belongs to (favourites and boosts of a status, follows, sign-ups).
    pub group_key: Option<String>,
    /// For `moderation_warning`: what the staff did and said.
    pub account_warning_id: Option<i64>,
}

/// Notifies a local account, unless it blocks or mutes (with notifications) the sender, is the
/// sender, the sender is suspended or on a domain the member blocks, or the member's
/// notification policy drops it; a notification the policy filters is kept as a request
/// (`filtered`, see `notification_outcome` in migration 0039: limited senders the member does
/// not follow are filtered by default).
pub async fn insert(
    db: impl PgExecutor<'_>,
    account_id: i64,
    from_account_id: i64,
    kind: &str,
    status_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into notifications (account_id, from_account_id, type, status_id, filtered)
         select $1::bigint, $2::bigint, $3::text, $4::bigint, policy.outcome = 'filter'
         from (select notification_outcome($1, $2, $3, $4) as outcome) policy
         where $1::bigint <> $2::bigint
           and policy.outcome <> 'drop'
           and exists (select 1 from accounts where id = $1 and domain is null)
           and not blocked_between($1, $2)
           and not exists (select 1 from mutes m where m.account_id = $1 and m.target_account_id = $2
                           and m.hide_notifications and (m.expires_at is null or m.expires_at > now()))
           and not account_suspended($2)
           and not domain_blocked_by($1, (select a.domain from accounts a where a.id = $2))",
        account_id,
        from_account_id,
        kind,
        status_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Notifies every active admin and moderator but `from_account_id` itself: `admin.report` (of
/// `report_id`, from the reporter) or `admin.sign_up` (from the new account).
pub async fn notify_staff(
    db: impl PgExecutor<'_>,
    from_account_id: i64,
    kind: &str,
    report_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into notifications (account_id, from_account_id, type, report_id)
         select u.account_id, $1, $2, $3
         from users u join accounts a on a.id = u.account_id
         where u.role in ('admin', 'moderator') and u.approved and not u.disabled
           and a.suspended_at is null and u.account_id <> $1",
        from_account_id,
        kind,
        report_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Filters of a notifications page.
#[derive(Debug, Default)]
pub struct NotificationQuery<'a> {
    pub types: &'a [String],
    pub exclude_types: &'a [String],
    pub from_account_id: Option<i64>,
    /// Also those kept as requests (Mastodon's `include_filtered`).
    pub include_filtered: bool,
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

/// A member's notifications, newest first (oldest first above `min_id`, then reversed).
pub async fn list(
    db: impl PgExecutor<'_>,
    account_id: i64,
    q: &NotificationQuery<'_>,
) -> sqlx::Result<Vec<Notification>> {
    let mut rows = sqlx::query_as!(
        Notification,
        r#"select n.id, n.from_account_id, n.type as "type", n.status_id, n.created_at,
                  n.relationship_severance_event_id, n.filtered, n.group_key, n.account_warning_id
           from notifications n
           where n.account_id = $1
             and (cardinality($2::text[]) = 0 or n.type = any($2))
             and not (n.type = any($3))
             and ($4::bigint is null or n.from_account_id = $4)
             and ($5::bigint is null or n.id < $5)
             and (coalesce($7::bigint, $6::bigint) is null or n.id > coalesce($7::bigint, $6::bigint))
             and not blocked_between($1, n.from_account_id)
             and ($9 or not n.filtered)
           order by case when $7::bigint is null then -n.id else n.id end
           limit $8"#,
        account_id,
        q.types,
        q.exclude_types,
        q.from_account_id,
        q.max_id,
        q.since_id,
        q.min_id,
        q.limit,
        q.include_filtered,
    )
    .fetch_all(db)
    .await?;
    if q.min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// One of a member's notifications.
pub async fn find(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<Option<Notification>> {
    sqlx::query_as!(
        Notification,
        r#"select id, from_account_id, type as "type", status_id, created_at,
                  relationship_severance_event_id, filtered, group_key, account_warning_id
           from notifications where account_id = $1 and id = $2"#,
        account_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Dismisses one notification; false when the member has none with this id.
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from notifications where account_id = $1 and id = $2",
        account_id,
        id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Dismisses every notification.
pub async fn delete_all(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from notifications where account_id = $1", account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Notifications newer than `after` (the read marker), up to `limit`.
pub async fn count_unread(
    db: impl PgExecutor<'_>,
    account_id: i64,
    after: Option<i64>,
    limit: i64,
) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from (select 1 from notifications where account_id = $1
                                and ($2::bigint is null or id > $2) and not filtered
                                and not blocked_between($1, from_account_id) limit $3) n",
        account_id,
        after,
        limit
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}

/// Removes the follow-request notification once the request is answered.
pub async fn delete_follow_request(
    db: impl PgExecutor<'_>,
    account_id: i64,
    from_account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from notifications where account_id = $1 and from_account_id = $2 and type = 'follow_request'",
        account_id,
        from_account_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Notifies a local account even when it is the sender (a poll's end reaches its author too).
pub async fn insert_from_self_allowed(
    db: impl PgExecutor<'_>,
    account_id: i64,
    from_account_id: i64,
    kind: &str,
    status_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into notifications (account_id, from_account_id, type, status_id)
         select $1::bigint, $2::bigint, $3::text, $4::bigint
         where exists (select 1 from accounts where id = $1 and domain is null)
           and not blocked_between($1, $2)",
        account_id,
        from_account_id,
        kind,
        status_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whose notification `id` is.
pub async fn find_owner(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("select account_id from notifications where id = $1", id)
        .fetch_optional(db)
        .await
}
