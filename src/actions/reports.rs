//! Reports: complaints about an account for this server's moderators.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// Longest comment kept from a remote report (Mastodon limits its own members to 1,000).
pub const MAX_REMOTE_COMMENT_CHARS: usize = 5000;

/// A report another server sent (a Flag) about one of our members.
#[derive(Debug)]
pub struct RemoteReport<'a> {
    /// The flagging account (a person, or the reporting server's instance actor).
    pub reporter: i64,
    pub target: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    /// The Flag's id: the same Flag files one report.
    pub uri: &'a str,
}

/// Files a remote report about a local account; statuses that are not the account's are left
/// out. Returns the report's id, or `None` when this Flag was filed before.
pub async fn file_remote(pool: &PgPool, report: &RemoteReport<'_>) -> AppResult<Option<i64>> {
    let target = db::accounts::find(pool, report.target)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.domain.is_some() {
        return Err(AppError::Forbidden(
            "reports from other servers are taken about our members only".into(),
        ));
    }
    let mut status_ids: Vec<i64> = db::statuses::list_by_ids(pool, report.status_ids)
        .await?
        .into_iter()
        .filter(|s| s.account_id == target.id)
        .map(|s| s.id)
        .collect();
    status_ids.sort_unstable();
    let comment: String = report.comment.chars().take(MAX_REMOTE_COMMENT_CHARS).collect();
    let new = db::reports::NewReport {
        account_id: report.reporter,
        target_account_id: target.id,
        status_ids: &status_ids,
        comment: comment.trim(),
        uri: Some(report.uri),
    };
    Ok(db::reports::insert(pool, &new).await?)
}
