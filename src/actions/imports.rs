//! A member's imports: the file is read into rows at once (a bad file is refused whole, a bad
//! line kept as a failed row), then the job queue carries the rows out in batches, resolving
//! remote handles and URLs as a search would; with `overwrite`, what the file does not name is
//! undone at the end. The import's page shows the progress and every failed row.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::actions::import_files::{self, FileProblem, Kind};
use crate::actions::{follows, interactions, lists, member_domain_blocks};
use crate::app::AppState;
use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::{AppError, AppResult};
use crate::federation::resolve::{self, Resolved};
use crate::jobs::{self, Job};

/// Rows taken per query while a batch runs.
const ROWS_PER_QUERY: i64 = 50;
/// How long one job works on an import before handing the rest to the next job (the queue's
/// time limit is 100 seconds).
const BATCH_TIME: Duration = Duration::from_secs(45);

/// Reads a file and queues its import; refuses a file it cannot read, and a second import
/// while one of the member's is still running.
pub async fn create(
    state: &AppState,
    account_id: i64,
    kind: Kind,
    overwrite: bool,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<Result<i64, FileProblem>> {
    if db::imports::count_unfinished(&state.db, account_id).await? > 0 {
        return Ok(Err(FileProblem(
            "An import of yours is still running: wait until it finishes.".into(),
        )));
    }
    let rows = match import_files::read(kind, bytes) {
        Ok(rows) => rows,
        Err(problem) => return Ok(Err(problem)),
    };
    let mut tx = db::begin(&state.db).await?;
    let id = db::imports::insert(&mut tx, account_id, kind.as_str(), overwrite, file_name, &rows).await?;
    jobs::enqueue(
        &mut *tx,
        &Job::ProcessImport { import_id: id },
        chrono::Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// The `process_import` job: rows for about [`BATCH_TIME`], then another job for the rest; at
/// the end, the overwrite and the finish.
pub async fn process(state: &AppState, import_id: i64) -> AppResult<()> {
    let Some(import) = db::imports::find(&state.db, import_id).await? else {
        return Ok(());
    };
    if import.finished_at.is_some() {
        return Ok(());
    }
    let Some(kind) = Kind::parse(&import.kind) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "unknown import kind {}",
            import.kind
        )));
    };
    let started = Instant::now();
    loop {
        let rows = db::imports::pending_rows(&state.db, import_id, ROWS_PER_QUERY).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let outcome = apply_row(state, import.account_id, kind, &row.data).await;
            let (target, error) = match outcome {
                Ok(target) => (target, None),
                Err(RowError::Refused(reason)) => (None, Some(reason)),
                Err(RowError::Failed(error)) => return Err(error),
            };
            let mut tx = db::begin(&state.db).await?;
            db::imports::finish_row(&mut tx, import_id, row.line, target, error.as_deref()).await?;
            tx.commit().await?;
            if started.elapsed() > BATCH_TIME {
                jobs::enqueue(&state.db, &Job::ProcessImport { import_id }, chrono::Utc::now()).await?;
                return Ok(());
            }
        }
    }
    if import.overwrite {
        overwrite(state, import.account_id, kind, import_id).await?;
    }
    db::imports::finish(&state.db, import_id).await?;
    Ok(())
}

/// Why a row did not take: a reason for the report, or a failure of ours (retried by the queue).
enum RowError {
    Refused(String),
    Failed(AppError),
}

impl From<sqlx::Error> for RowError {
    fn from(error: sqlx::Error) -> Self {
        RowError::Failed(error.into())
    }
}

impl From<AppError> for RowError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => RowError::Refused("not found".into()),
            AppError::Forbidden(reason) | AppError::Invalid(reason) | AppError::Conflict(reason) => {
                RowError::Refused(reason.trim_start_matches("Validation failed: ").to_owned())
            }
            AppError::Validation { description, .. } => RowError::Refused(description),
            other => RowError::Failed(other),
        }
    }
}

fn text<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The account a handle names, ours or fetched.
async fn account(state: &AppState, handle: &str) -> Result<i64, RowError> {
    let (user, domain) = handle.split_once('@').unwrap_or((handle, ""));
    resolve::account_by_handle(state, user, domain)
        .await?
        .ok_or_else(|| RowError::Refused(format!("no account {handle} was found")))
}

/// Carries out one row; returns the account or status it concerned.
async fn apply_row(state: &AppState, me: i64, kind: Kind, data: &Value) -> Result<Option<i64>, RowError> {
    let base = &*state.base_url;
    let pool = &state.db;
    Ok(Some(match kind {
        Kind::Following => {
            let target = account(state, text(data, "handle")).await?;
            let languages: Vec<String> = data
                .get("languages")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let options = FollowOptions {
                show_reblogs: data.get("show_reblogs").and_then(Value::as_bool).unwrap_or(true),
                notify: data.get("notify").and_then(Value::as_bool).unwrap_or(false),
                languages: (!languages.is_empty()).then_some(languages),
            };
            follows::follow(pool, base, me, target, &options).await?;
            target
        }
        Kind::Blocking => {
            let target = account(state, text(data, "handle")).await?;
            follows::block(pool, base, me, target).await?;
            target
        }
        Kind::Muting => {
            let target = account(state, text(data, "handle")).await?;
            let hide = data
                .get("hide_notifications")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            follows::mute(pool, me, target, hide, 0).await?;
            target
        }
        Kind::DomainBlocking => {
            member_domain_blocks::block(state, me, text(data, "domain")).await?;
            return Ok(None);
        }
        Kind::Bookmarks => {
            let url = text(data, "url");
            let Some(Resolved::Status(status)) = resolve::object_by_url(state, url).await? else {
                return Err(RowError::Refused(format!("no post was found at {url}")));
            };
            interactions::set_bookmark(pool, me, status, true).await?;
            status
        }
        Kind::Lists => {
            let target = account(state, text(data, "handle")).await?;
            let title = text(data, "list");
            let list = match db::lists::list_by_owner(pool, me)
                .await?
                .into_iter()
                .find(|l| l.title == title)
            {
                Some(list) => list,
                None => {
                    let attributes = lists::ListAttributes {
                        title: Some(title),
                        replies_policy: None,
                        exclusive: None,
                    };
                    lists::create(pool, me, &attributes).await?
                }
            };
            // As Mastodon: an account is followed to be put on a list.
            if target != me && !db::follows::exists_follow(pool, me, target).await? {
                let options = FollowOptions {
                    show_reblogs: true,
                    notify: false,
                    languages: None,
                };
                follows::follow(pool, base, me, target, &options).await?;
            }
            lists::add_accounts(pool, me, list.id, &[target]).await?;
            target
        }
    }))
}

/// After an overwrite import: undoes what the file does not name. An entry whose handle the file
/// names stays even if that row failed (a server down for a moment must not cost a follow).
async fn overwrite(state: &AppState, me: i64, kind: Kind, import_id: i64) -> AppResult<()> {
    let base = &*state.base_url;
    let pool = &state.db;
    let domain = &state.config.server.domain;
    let rows = db::imports::named_rows(pool, import_id).await?;
    let targets: HashSet<i64> = rows.iter().filter_map(|r| r.target_id).collect();
    let named = |key: &str| -> HashSet<String> {
        rows.iter()
            .map(|r| text(&r.data, key).to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let handles = named("handle");
    let kept =
        |id: i64, handle: &str| targets.contains(&id) || handles.contains(&handle.to_ascii_lowercase());
    match kind {
        Kind::Following => {
            for row in db::exports::follows(pool, me, domain).await? {
                if !kept(row.target_id, &row.handle) {
                    follows::unfollow(pool, base, me, row.target_id).await?;
                }
            }
        }
        Kind::Blocking => {
            for row in db::exports::blocks(pool, me, domain).await? {
                if !kept(row.target_id, &row.handle) {
                    follows::unblock(pool, base, me, row.target_id).await?;
                }
            }
        }
        Kind::Muting => {
            for row in db::exports::mutes(pool, me, domain).await? {
                if !kept(row.target_id, &row.handle) {
                    follows::unmute(pool, me, row.target_id).await?;
                }
            }
        }
        Kind::DomainBlocking => {
            let domains = named("domain");
            for blocked in db::exports::domain_blocks(pool, me).await? {
                if !domains.contains(&blocked) {
                    member_domain_blocks::unblock(state, me, &blocked).await?;
                }
            }
        }
        Kind::Bookmarks => {
            let urls = named("url");
            for row in db::exports::bookmarks(pool, me).await? {
                let url = bookmark_url(state, &row).to_ascii_lowercase();
                if !targets.contains(&row.status_id) && !urls.contains(&url) {
                    interactions::set_bookmark(pool, me, row.status_id, false).await?;
                }
            }
        }
        Kind::Lists => {
            let pairs: HashSet<(String, String)> = rows
                .iter()
                .map(|r| {
                    (
                        text(&r.data, "list").to_owned(),
                        text(&r.data, "handle").to_ascii_lowercase(),
                    )
                })
                .collect();
            let titles: HashSet<&str> = pairs.iter().map(|(t, _)| t.as_str()).collect();
            for member in db::exports::list_members(pool, me, domain).await? {
                if titles.contains(member.title.as_str())
                    && !pairs.contains(&(member.title.clone(), member.handle.to_ascii_lowercase()))
                {
                    lists::remove_accounts(pool, me, member.list_id, &[member.target_id]).await?;
                }
            }
        }
    }
    Ok(())
}

/// The URL a bookmark is exported as: the status's id URI.
pub fn bookmark_url(state: &AppState, row: &db::exports::BookmarkRow) -> String {
    match (&row.uri, row.local) {
        (Some(uri), false) => uri.clone(),
        _ => crate::federation::urls::status(&state.base_url, &row.username, row.status_id),
    }
}
