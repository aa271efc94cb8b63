//! Admin::EmailDomainBlock and Admin::IpBlock.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{format_id, format_time};
use crate::db::sign_up_blocks::{EmailDomainBlock, IpBlock};

/// One day of an email-domain block's history.
#[derive(Debug, Clone, Serialize)]
pub struct EmailDomainBlockDay {
    /// UNIX time of the day's midnight (UTC), as a string.
    pub day: String,
    /// Accounts that signed up with the domain that day.
    pub accounts: String,
    /// Sign-up attempts with the domain that day (refused ones are not counted yet: the same
    /// as `accounts`).
    pub uses: String,
}

/// Admin::EmailDomainBlock.
#[derive(Debug, Clone, Serialize)]
pub struct AdminEmailDomainBlock {
    pub id: String,
    pub domain: String,
    pub created_at: String,
    pub history: Vec<EmailDomainBlockDay>,
}

impl AdminEmailDomainBlock {
    /// The entity with a week of history, newest day first (`per_day`: sign-ups by day).
    pub fn new(row: &EmailDomainBlock, per_day: &[(DateTime<Utc>, i64)], today: DateTime<Utc>) -> Self {
        let midnight = today
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let history = (0..7)
            .map(|back| {
                let day = midnight - chrono::Duration::days(back);
                let count = per_day.iter().find(|(d, _)| *d == day).map_or(0, |(_, c)| *c);
                EmailDomainBlockDay {
                    day: day.timestamp().to_string(),
                    accounts: count.to_string(),
                    uses: count.to_string(),
                }
            })
            .collect();
        Self {
            id: format_id(row.id),
            domain: row.domain.clone(),
            created_at: format_time(row.created_at),
            history,
        }
    }
}

/// Admin::IpBlock.
#[derive(Debug, Clone, Serialize)]
pub struct AdminIpBlock {
    pub id: String,
    pub ip: String,
    pub severity: String,
    pub comment: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

impl From<&IpBlock> for AdminIpBlock {
    fn from(row: &IpBlock) -> Self {
        // A single address is shown as Mastodon shows it: with its prefix length.
        let ip = if row.ip.contains('/') {
            row.ip.clone()
        } else if row.ip.contains(':') {
            format!("{}/128", row.ip)
        } else {
            format!("{}/32", row.ip)
        };
        Self {
            id: format_id(row.id),
            ip,
            severity: row.severity.clone(),
            comment: row.comment.clone(),
            created_at: format_time(row.created_at),
            expires_at: row.expires_at.map(format_time),
        }
    }
}
