//! Report, Admin::Report and Admin::Account: what members and the staff see of moderation.

use serde::Serialize;

use super::{Account, Role, Rule, Status, format_id, format_time};
use crate::db;

/// A member's report as its reporter sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Vec<String>,
    pub rule_ids: Vec<String>,
    pub target_account: Account,
}

impl Report {
    /// Renders a report row with its rendered target.
    pub fn from_row(row: &db::reports::Report, target_account: Account) -> Self {
        Self {
            id: format_id(row.id),
            action_taken: row.action_taken_at.is_some(),
            action_taken_at: row.action_taken_at.map(format_time),
            category: row.category.clone(),
            comment: row.comment.clone(),
            forwarded: row.forwarded,
            created_at: format_time(row.created_at),
            status_ids: row.status_ids.iter().map(|id| format_id(*id)).collect(),
            rule_ids: row.rule_ids.iter().map(|id| id.to_string()).collect(),
            target_account,
        }
    }
}

/// An account as the staff see it. A remote account has no member: its email and locale are
/// empty strings and its role the everyone role (Mastodon sends nulls there, which the API
/// description does not allow; empty values satisfy both readers).
#[derive(Debug, Clone, Serialize)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: String,
    pub ip: Option<String>,
    pub ips: Vec<serde_json::Value>,
    pub locale: String,
    pub invite_request: Option<String>,
    pub role: Role,
    pub confirmed: bool,
    pub approved: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub sensitized: bool,
    pub suspended: bool,
    pub account: Account,
    pub created_by_application_id: Option<String>,
    pub invited_by_account_id: Option<String>,
}

impl AdminAccount {
    /// Renders a standing with the account as clients see it.
    pub fn from_row(row: &db::account_moderation::Standing, account: Account) -> Self {
        let member = row.user_id.is_some();
        Self {
            id: format_id(row.account_id),
            username: row.username.clone(),
            domain: row.domain.clone(),
            created_at: format_time(row.created_at),
            email: row.email.clone().unwrap_or_default(),
            ip: None,
            ips: Vec::new(),
            locale: row.locale.clone().unwrap_or_default(),
            invite_request: row.sign_up_reason.clone(),
            role: Role::from_name(row.role.as_deref().unwrap_or_default()),
            // Sign-ups are confirmed when made (no email confirmation step here).
            confirmed: member,
            // A remote account awaits nobody's approval.
            approved: row.approved.unwrap_or(true),
            disabled: row.disabled.unwrap_or(false),
            silenced: row.silenced_at.is_some(),
            sensitized: row.sensitized_at.is_some(),
            suspended: row.suspended_at.is_some(),
            account,
            created_by_application_id: None,
            invited_by_account_id: None,
        }
    }
}

/// A report as the staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct AdminReport {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
    pub statuses: Vec<Status>,
    pub rules: Vec<Rule>,
}

/// The accounts an admin report refers to, rendered.
#[derive(Debug)]
pub struct ReportParties {
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
}

impl AdminReport {
    /// Renders a report row with what it refers to.
    pub fn from_row(
        row: &db::reports::Report,
        parties: ReportParties,
        statuses: Vec<Status>,
        rules: Vec<Rule>,
    ) -> Self {
        Self {
            id: format_id(row.id),
            action_taken: row.action_taken_at.is_some(),
            action_taken_at: row.action_taken_at.map(format_time),
            category: row.category.clone(),
            comment: row.comment.clone(),
            forwarded: row.forwarded,
            created_at: format_time(row.created_at),
            updated_at: format_time(row.updated_at),
            account: parties.account,
            target_account: parties.target_account,
            assigned_account: parties.assigned_account,
            action_taken_by_account: parties.action_taken_by_account,
            statuses,
            rules,
        }
    }
}

/// AccountWarning: what the staff did to the member's account, as its `moderation_warning`
/// notification carries it (appeals are not taken yet: `appeal` is null).
#[derive(Debug, Clone, Serialize)]
pub struct AccountWarning {
    pub id: String,
    pub action: String,
    pub text: String,
    pub status_ids: Vec<String>,
    pub target_account: super::Account,
    pub appeal: Option<serde_json::Value>,
    pub created_at: String,
}

impl AccountWarning {
    pub fn new(row: &crate::db::account_warnings::AccountWarning, target_account: super::Account) -> Self {
        Self {
            id: super::format_id(row.id),
            action: row.action.clone(),
            text: row.text.clone(),
            status_ids: row.status_ids.iter().map(|id| super::format_id(*id)).collect(),
            target_account,
            appeal: None,
            created_at: super::format_time(row.created_at),
        }
    }
}
