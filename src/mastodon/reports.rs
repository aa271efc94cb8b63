//! `POST /api/v1/reports`: a member reports an account (and some of its statuses).

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::actions;
use crate::actions::reports::MemberReport;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Report;
use crate::mastodon::params::Params;
use crate::mastodon::present;

/// What a report names.
#[derive(Debug, Deserialize, Default)]
pub struct ReportParams {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    status_ids: Vec<String>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    forward: bool,
    category: Option<String>,
    #[serde(default)]
    rule_ids: Vec<String>,
}

/// POST /api/v1/reports
pub async fn create_report(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<ReportParams>,
) -> AppResult<Json<Report>> {
    let user = auth.require_user(&["write:reports"])?;
    let target = ids::parse(params.account_id.trim()).ok_or(AppError::NotFound)?;
    let status_ids = params
        .status_ids
        .iter()
        .map(|id| ids::parse(id.trim()).ok_or(AppError::NotFound))
        .collect::<AppResult<Vec<i64>>>()?;
    let rule_ids = params
        .rule_ids
        .iter()
        .map(|id| {
            id.trim()
                .parse::<i32>()
                .map_err(|_| AppError::Invalid("Validation failed: Rule ids are invalid".into()))
        })
        .collect::<AppResult<Vec<i32>>>()?;
    let category = params
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let report = MemberReport {
        reporter: user.account_id,
        target,
        status_ids: &status_ids,
        comment: &params.comment,
        forward: params.forward,
        category,
        rule_ids: &rule_ids,
    };
    let id = actions::reports::file(&state, &report).await?;
    let row = db::reports::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target_account = present::account(&state, target)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(Report::from_row(&row, target_account)))
}

/// The reports `admin.report` notifications are about, by notification id.
pub(super) async fn for_notifications(
    state: &AppState,
    notification_ids: &[i64],
) -> AppResult<HashMap<i64, Report>> {
    let pairs = db::reports::list_notified(&state.db, notification_ids).await?;
    let report_ids: Vec<i64> = pairs.iter().map(|(_, report)| *report).collect();
    let rows = db::reports::list_by_ids(&state.db, &report_ids).await?;
    let targets: Vec<i64> = rows.iter().map(|r| r.target_account_id).collect();
    let accounts = present::accounts(state, &targets).await?;
    Ok(pairs
        .iter()
        .filter_map(|(notification, report)| {
            let row = rows.iter().find(|r| r.id == *report)?;
            let target = accounts.get(&row.target_account_id)?.clone();
            Some((*notification, Report::from_row(row, target)))
        })
        .collect())
}
