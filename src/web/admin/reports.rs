//! The admin page for reports: open (or resolved) reports with who filed them, about whom and
//! why, and what a moderator does with them (assign, resolve, reopen, sanction the account).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Refused, not_found, parse_id, require_staff, shown_time, staff_form};
use crate::actions::account_moderation::{self, Moderator, Sanction};
use crate::actions::reports::{self, Handling};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::web::session::Browser;

const LIST_PATH: &str = "/admin/reports";

struct ReportRow {
    id: i64,
    created_at: String,
    reporter: String,
    target: String,
    category: String,
    comment: String,
    statuses: usize,
    forwarded: bool,
    assigned: String,
    resolved: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_reports.html")]
struct ReportsPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    resolved: bool,
    reports: Vec<ReportRow>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    resolved: Option<String>,
}

/// `user@domain` for remote accounts, `@user` for ours.
fn handle_of(accounts: &[db::accounts::Account], id: Option<i64>) -> String {
    match id.and_then(|id| accounts.iter().find(|a| a.id == id)) {
        Some(account) => match &account.domain {
            Some(domain) => format!(
                "{}@{}",
                account.username,
                crate::moderation::domain_name::to_unicode(domain)
            ),
            None => format!("@{}", account.username),
        },
        None => String::new(),
    }
}

/// GET /admin/reports (`?resolved=1` for resolved ones)
pub async fn show_reports(
    State(state): State<AppState>,
    browser: Browser,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refused> {
    require_staff(&browser, LIST_PATH)?;
    let resolved = query.resolved.as_deref().is_some_and(|v| v == "1" || v == "true");
    let filter = db::reports::Filter {
        resolved,
        ..db::reports::Filter::default()
    };
    let rows = db::reports::list(&state.db, &filter, None, None, 200).await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| {
            [
                Some(r.account_id),
                Some(r.target_account_id),
                r.assigned_account_id,
            ]
        })
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts = db::accounts::list_by_ids(&state.db, &ids).await?;
    let reports = rows
        .iter()
        .map(|r| ReportRow {
            id: r.id,
            created_at: shown_time(r.created_at),
            reporter: handle_of(&accounts, Some(r.account_id)),
            target: handle_of(&accounts, Some(r.target_account_id)),
            category: r.category.clone(),
            comment: r.comment.clone(),
            statuses: r.status_ids.len(),
            forwarded: r.forwarded,
            assigned: handle_of(&accounts, r.assigned_account_id),
            resolved: r.action_taken_at.is_some(),
        })
        .collect();
    let page = ReportsPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(&browser),
        csrf_token: browser.csrf_token.clone(),
        current: "reports",
        resolved,
        reports,
    };
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    authenticity_token: String,
    /// assign, unassign, resolve, reopen, or a sanction: silence, suspend, sensitive.
    #[serde(default)]
    action: String,
}

/// POST /admin/reports/{id}
pub async fn handle_report(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<ReportForm>,
) -> Result<Response, Refused> {
    let user = staff_form(&browser, &form.authenticity_token, LIST_PATH)?;
    let id = parse_id(&id)?;
    let report = db::reports::find(&state.db, id).await?.ok_or_else(not_found)?;
    let moderator = Moderator {
        account_id: user.account_id,
        role: &user.role,
    };
    let done = match form.action.as_str() {
        "assign" => reports::handle(&state.db, id, user.account_id, Handling::AssignToSelf).await,
        "unassign" => reports::handle(&state.db, id, user.account_id, Handling::Unassign).await,
        "resolve" => reports::handle(&state.db, id, user.account_id, Handling::Resolve).await,
        "reopen" => reports::handle(&state.db, id, user.account_id, Handling::Reopen).await,
        word => match Sanction::parse(word) {
            Some(sanction) => {
                account_moderation::act(
                    &state.db,
                    &state.base_url,
                    moderator,
                    report.target_account_id,
                    sanction,
                    Some(id),
                )
                .await
            }
            None => Err(AppError::Invalid(format!(
                "{word:?} is not something done with a report"
            ))),
        },
    };
    match done {
        Ok(()) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}
