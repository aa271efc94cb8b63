//! The `reports` table: complaints about an account, from a member or a remote server.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A report row.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: i64,
    /// The reporter: a member, or a remote account (a person or its server's instance actor).
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: String,
    pub rule_ids: Vec<i32>,
    pub forwarded: bool,
    pub uri: Option<String>,
    pub assigned_account_id: Option<i64>,
    pub action_taken_at: Option<DateTime<Utc>>,
    pub action_taken_by_account_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new report is made of.
#[derive(Debug)]
pub struct NewReport<'a> {
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    /// spam, legal, violation or other.
    pub category: &'a str,
    pub rule_ids: &'a [i32],
    /// Whether a Flag is sent to the target's server.
    pub forwarded: bool,
    /// The id of the remote Flag it came from.
    pub uri: Option<&'a str>,
}

/// Inserts a report; returns its id, or `None` when a report with this `uri` exists already.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewReport<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into reports (account_id, target_account_id, status_ids, comment, category, rule_ids,
                              forwarded, uri)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (uri) do nothing returning id",
        new.account_id,
        new.target_account_id,
        new.status_ids,
        new.comment,
        new.category,
        new.rule_ids,
        new.forwarded,
        new.uri,
    )
    .fetch_optional(db)
    .await
}

/// The report with this id.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Report>> {
    sqlx::query_as!(Report, "select * from reports where id = $1", id)
        .fetch_optional(db)
        .await
}

/// Which reports a listing shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Resolved reports (action taken) instead of open ones.
    pub resolved: bool,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
}

/// One page of reports, newest first (`min_id` pages towards newer ones, still returned newest
/// first).
pub async fn list(
    db: impl PgExecutor<'_>,
    filter: &Filter,
    max_id: Option<i64>,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Report>> {
    let mut rows = sqlx::query_as!(
        Report,
        "select * from reports
         where (action_taken_at is not null) = $1
           and ($2::bigint is null or account_id = $2)
           and ($3::bigint is null or target_account_id = $3)
           and ($4::bigint is null or id < $4)
           and ($5::bigint is null or id > $5)
         order by case when $5::bigint is null then -id else id end
         limit $6",
        filter.resolved,
        filter.account_id,
        filter.target_account_id,
        max_id,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    if min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// Of `ids`, the statuses of `target` that `viewer` may see (a reporter may have blocked the
/// account, so blocks are not in the way).
pub async fn list_reportable_status_ids(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    target: i64,
    viewer: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select s.id as "id!" from statuses s
           where s.id = any($1) and s.account_id = $2 and status_visible_to(s, $3)
           order by s.id"#,
        ids,
        target,
        viewer
    )
    .fetch_all(db)
    .await
}

/// Sets (or with `None` clears) the moderator a report is assigned to.
pub async fn assign(db: impl PgExecutor<'_>, id: i64, moderator: Option<i64>) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set assigned_account_id = $2, updated_at = now() where id = $1",
        id,
        moderator
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a report resolved by `moderator` (kept as it was when it was resolved already).
pub async fn resolve(db: impl PgExecutor<'_>, id: i64, moderator: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set action_taken_at = now(), action_taken_by_account_id = $2, updated_at = now()
         where id = $1 and action_taken_at is null",
        id,
        moderator
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks every open report about `target` resolved by `moderator` (an action was taken on it).
pub async fn resolve_all_about(db: impl PgExecutor<'_>, target: i64, moderator: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set action_taken_at = now(), action_taken_by_account_id = $2, updated_at = now()
         where target_account_id = $1 and action_taken_at is null",
        target,
        moderator
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Opens a resolved report again.
pub async fn reopen(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update reports set action_taken_at = null, action_taken_by_account_id = null, updated_at = now()
         where id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The reports these ids name, in no particular order.
pub async fn list_by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as!(Report, "select * from reports where id = any($1)", ids)
        .fetch_all(db)
        .await
}

/// Of these notifications, those about a report: (notification id, report id).
pub async fn list_notified(
    db: impl PgExecutor<'_>,
    notification_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i64)>> {
    Ok(sqlx::query!(
        r#"select id, report_id as "report_id!" from notifications
           where id = any($1) and report_id is not null"#,
        notification_ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|row| (row.id, row.report_id))
    .collect())
}
