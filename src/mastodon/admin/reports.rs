//! `/api/v1/admin/reports`: reports as the staff handle them (list, show, assign, resolve,
//! reopen).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::accounts::admin_accounts;
use super::{page_size, require_staff};
use crate::actions;
use crate::actions::reports::Handling;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::instance::rules;
use crate::mastodon::entities::{AdminReport, ReportParties, Status, format_id};
use crate::mastodon::pagination::link_headers;
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::present;

const READ: &[&str] = &["admin:read:reports"];
const WRITE: &[&str] = &["admin:write:reports"];

/// Renders reports with their parties (one batch for every account), statuses and rules.
async fn render(
    state: &AppState,
    reports: &[db::reports::Report],
    viewer: i64,
) -> AppResult<Vec<AdminReport>> {
    let mut ids: Vec<i64> = reports
        .iter()
        .flat_map(|r| {
            [
                Some(r.account_id),
                Some(r.target_account_id),
                r.assigned_account_id,
                r.action_taken_by_account_id,
            ]
        })
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts = admin_accounts(state, &ids).await?;
    // Every cited status of the page in one pass, handed to each report after.
    let mut cited_ids: Vec<i64> = reports
        .iter()
        .flat_map(|r| r.status_ids.iter().copied())
        .collect();
    cited_ids.sort_unstable();
    cited_ids.dedup();
    let cited_statuses: HashMap<String, Status> = present::statuses_for_staff(state, &cited_ids, viewer)
        .await?
        .into_iter()
        .map(|status| (status.id.clone(), status))
        .collect();
    let all_rules = rules(&state.config);
    let mut rendered = Vec::with_capacity(reports.len());
    for report in reports {
        let party = |id: i64| accounts.get(&id).cloned();
        let (Some(account), Some(target_account)) =
            (party(report.account_id), party(report.target_account_id))
        else {
            continue;
        };
        let parties = ReportParties {
            account,
            target_account,
            assigned_account: report.assigned_account_id.and_then(party),
            action_taken_by_account: report.action_taken_by_account_id.and_then(party),
        };
        let statuses = report
            .status_ids
            .iter()
            .filter_map(|id| cited_statuses.get(&format_id(*id)).cloned())
            .collect();
        let cited = all_rules
            .iter()
            .filter(|rule| report.rule_ids.iter().any(|id| id.to_string() == rule.id))
            .cloned()
            .collect();
        rendered.push(AdminReport::from_row(report, parties, statuses, cited));
    }
    Ok(rendered)
}

async fn render_one(state: &AppState, id: i64, viewer: i64) -> AppResult<AdminReport> {
    let report = db::reports::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(state, &[report], viewer)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

fn report_id(id: &str) -> AppResult<i64> {
    ids::parse(id).ok_or(AppError::NotFound)
}

/// Listing filters and paging.
#[derive(Debug, Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    resolved: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    account_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    target_account_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    max_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    since_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    min_id: Option<i64>,
    #[serde(default, deserialize_with = "empty_as_none")]
    limit: Option<i64>,
}

/// GET /api/v1/admin/reports
pub async fn list_reports(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<ListParams>,
) -> AppResult<(HeaderMap, Json<Vec<AdminReport>>)> {
    let user = require_staff(&auth, READ)?;
    let filter = db::reports::Filter {
        resolved: params.resolved,
        account_id: params.account_id,
        target_account_id: params.target_account_id,
    };
    let limit = page_size(params.limit);
    let reports = db::reports::list(
        &state.db,
        &filter,
        params.max_id,
        params.min_id.or(params.since_id),
        limit,
    )
    .await?;
    let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/admin/reports", &ids, limit);
    Ok((headers, Json(render(&state, &reports, user.account_id).await?)))
}

/// GET /api/v1/admin/reports/:id
pub async fn get_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<AdminReport>> {
    let user = require_staff(&auth, READ)?;
    Ok(Json(render_one(&state, report_id(&id)?, user.account_id).await?))
}

/// POST /api/v1/admin/reports/:id/{assign_to_self,unassign,resolve,reopen}
pub async fn handle_report(
    state: AppState,
    auth: Auth,
    id: String,
    handling: Handling,
) -> AppResult<Json<AdminReport>> {
    let user = require_staff(&auth, WRITE)?;
    let id = report_id(&id)?;
    actions::reports::handle(&state.db, id, user.account_id, handling).await?;
    Ok(Json(render_one(&state, id, user.account_id).await?))
}
