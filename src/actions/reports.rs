//! Reports: complaints about an account for this server's moderators, from members (forwarded
//! to the account's server when asked) and from other servers (Flags); and their handling.

use sqlx::PgPool;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::{outbox, render};

/// Longest comment kept from a remote report (Mastodon limits its own members to 1,000).
pub const MAX_REMOTE_COMMENT_CHARS: usize = 5000;
/// Longest comment a member may write (as Mastodon).
pub const MAX_COMMENT_CHARS: usize = 1000;
/// The categories a report may have.
pub const CATEGORIES: [&str; 4] = ["spam", "legal", "violation", "other"];

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
pub async fn file_remote(state: &AppState, report: &RemoteReport<'_>) -> AppResult<Option<i64>> {
    let pool = &state.db;
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
        category: "other",
        rule_ids: &[],
        forwarded: false,
        uri: Some(report.uri),
    };
    let mut tx = crate::db::begin(pool).await?;
    let id = db::reports::insert(&mut *tx, &new).await?;
    if let Some(id) = id {
        db::notifications::notify_staff(&mut *tx, report.reporter, "admin.report", Some(id)).await?;
        mail_staff(&mut tx, state, report.reporter, &target, &comment).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Mails the staff who asked for it about a new report.
async fn mail_staff(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    reporter: i64,
    target: &db::accounts::Account,
    comment: &str,
) -> AppResult<()> {
    let handle = |account: &db::accounts::Account| match &account.domain {
        Some(domain) => format!("@{}@{domain}", account.username),
        None => format!("@{}", account.username),
    };
    let reporter = match db::accounts::find(&mut *tx, reporter).await? {
        Some(account) => handle(&account),
        None => "Someone".to_owned(),
    };
    let url = format!("{}/admin/reports", state.base_url);
    let notice = crate::email::notices::new_report(&reporter, &handle(target), comment.trim(), &url);
    crate::actions::emails::notify_staff(tx, state, "report", &notice).await
}

/// A member's report.
#[derive(Debug)]
pub struct MemberReport<'a> {
    pub reporter: i64,
    pub target: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    /// Send it on to the target's server (a remote account only).
    pub forward: bool,
    /// One of [`CATEGORIES`]; `None`: violation when rules are named, else other.
    pub category: Option<&'a str>,
    /// Rules of this server (numbered from 1) the account broke.
    pub rule_ids: &'a [i32],
}

/// Files a member's report: every status must be the target's and visible to the reporter (404
/// otherwise, as Mastodon). When asked and the target is remote (and its server not
/// suspended), a Flag from the instance actor is queued to its server in the same transaction.
/// The staff are notified. Returns the report's id.
pub async fn file(state: &AppState, report: &MemberReport<'_>) -> AppResult<i64> {
    let pool = &state.db;
    let target = db::accounts::find(pool, report.target)
        .await?
        .ok_or(AppError::NotFound)?;
    // A suspended domain's accounts cannot be found, so not reported either.
    if target
        .domain
        .as_deref()
        .is_some_and(|domain| state.federation.policy.is_suspended(domain))
    {
        return Err(AppError::NotFound);
    }
    if report.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::Invalid(format!(
            "Validation failed: Comment is too long (maximum is {MAX_COMMENT_CHARS} characters)"
        )));
    }
    let category = match report.category {
        Some(category) if CATEGORIES.contains(&category) => category,
        Some(_) => {
            return Err(AppError::Invalid(
                "Validation failed: Category is not included in the list".into(),
            ));
        }
        None if report.rule_ids.is_empty() => "other",
        None => "violation",
    };
    let rule_count = state.config.instance.rules.len();
    let mut rule_ids: Vec<i32> = if category == "violation" {
        report.rule_ids.to_vec()
    } else {
        Vec::new()
    };
    rule_ids.sort_unstable();
    rule_ids.dedup();
    if rule_ids.iter().any(|id| *id < 1 || *id as usize > rule_count) {
        return Err(AppError::Invalid(
            "Validation failed: Rule ids are invalid".into(),
        ));
    }
    let mut wanted = report.status_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let status_ids =
        db::reports::list_reportable_status_ids(pool, &wanted, target.id, report.reporter).await?;
    if status_ids.len() != wanted.len() {
        return Err(AppError::NotFound);
    }
    let forward = report.forward
        && target
            .domain
            .as_deref()
            .is_some_and(|domain| !state.federation.policy.is_suspended(domain));
    let comment = report.comment.trim();
    let new = db::reports::NewReport {
        account_id: report.reporter,
        target_account_id: target.id,
        status_ids: &status_ids,
        comment,
        category,
        rule_ids: &rule_ids,
        forwarded: forward,
        uri: None,
    };
    let mut tx = crate::db::begin(pool).await?;
    let id = db::reports::insert(&mut *tx, &new)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a report without a uri conflicted"))?;
    db::notifications::notify_staff(&mut *tx, report.reporter, "admin.report", Some(id)).await?;
    mail_staff(&mut tx, state, report.reporter, &target, comment).await?;
    if forward && let Some(target_uri) = target.uri.as_deref() {
        let status_uris: Vec<String> = db::statuses::list_by_ids(&mut *tx, &status_ids)
            .await?
            .into_iter()
            .filter_map(|s| s.uri)
            .collect();
        let flag = render::flag::flag(&state.base_url, id, target_uri, &status_uris, comment);
        outbox::enqueue_from_instance(&mut tx, &flag, &[target.id]).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// What a moderator does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    AssignToSelf,
    Unassign,
    Resolve,
    Reopen,
}

/// Assigns, unassigns, resolves or reopens a report as `moderator`.
pub async fn handle(pool: &PgPool, id: i64, moderator: i64, handling: Handling) -> AppResult<()> {
    db::reports::find(pool, id).await?.ok_or(AppError::NotFound)?;
    match handling {
        Handling::AssignToSelf => db::reports::assign(pool, id, Some(moderator)).await?,
        Handling::Unassign => db::reports::assign(pool, id, None).await?,
        Handling::Resolve => db::reports::resolve(pool, id, moderator).await?,
        Handling::Reopen => db::reports::reopen(pool, id).await?,
    }
    Ok(())
}
