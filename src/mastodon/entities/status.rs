//! Status, StatusEdit, StatusSource, Context, Notification.

use serde::Serialize;

use super::Account;

/// An account a status mentions.
#[derive(Debug, Clone, Serialize)]
pub struct StatusMention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

/// A hashtag of a status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusTag {
    pub name: String,
    pub url: String,
}

/// The application a status was posted with.
#[derive(Debug, Clone, Serialize)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}

/// A status as clients see it.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub account: Account,
    pub content: String,
    pub text: Option<String>,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub language: Option<String>,
    pub media_attachments: Vec<serde_json::Value>,
    pub application: Option<StatusApplication>,
    pub mentions: Vec<StatusMention>,
    pub tags: Vec<StatusTag>,
    pub emojis: Vec<serde_json::Value>,
    pub reblogs_count: i32,
    pub favourites_count: i32,
    pub replies_count: i32,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<serde_json::Value>,
    pub card: Option<serde_json::Value>,
    pub filtered: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// A version of an edited status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<serde_json::Value>,
    pub media_attachments: Vec<serde_json::Value>,
    pub emojis: Vec<serde_json::Value>,
}

/// What the author typed, for editing.
#[derive(Debug, Clone, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

/// A status's thread around it.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

/// A notification.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    pub r#type: String,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    pub status: Option<Status>,
    /// For `severed_relationships`: what the member lost, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<RelationshipSeveranceEvent>,
    /// The report an `admin.report` notification is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<super::Report>,
    /// What the staff did, for `moderation_warning`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_warning: Option<super::AccountWarning>,
}

/// A suspension or block that ended some of the member's follow relationships.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipSeveranceEvent {
    pub id: String,
    pub r#type: String,
    pub purged: bool,
    pub target_name: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: String,
}

impl From<&crate::db::severances::SeveranceEvent> for RelationshipSeveranceEvent {
    fn from(event: &crate::db::severances::SeveranceEvent) -> Self {
        Self {
            id: super::format_id(event.id),
            r#type: event.r#type.clone(),
            purged: event.purged,
            target_name: crate::moderation::domain_name::to_unicode(&event.target_name),
            followers_count: event.followers_count,
            following_count: event.following_count,
            created_at: super::format_time(event.created_at),
        }
    }
}

/// A poll option with its votes (hidden while a poll hides its totals).
#[derive(Debug, Clone, Serialize)]
pub struct PollOption {
    pub title: String,
    pub votes_count: Option<i64>,
}

/// A poll.
#[derive(Debug, Clone, Serialize)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i32>>,
}

impl Poll {
    /// Renders a poll row for a viewer (their own votes, when signed in).
    pub fn from_row(row: &crate::db::polls::Poll, viewer: Option<i64>, own_votes: &[(i64, i32)]) -> Self {
        let expired = row.expires_at.is_some_and(|at| at <= chrono::Utc::now());
        let show_totals = !row.hide_totals || expired || viewer == Some(row.account_id);
        let mine: Vec<i32> = own_votes
            .iter()
            .filter(|(p, _)| *p == row.id)
            .map(|(_, c)| *c)
            .collect();
        Self {
            id: super::format_id(row.id),
            expires_at: row.expires_at.map(super::format_time),
            expired,
            multiple: row.multiple,
            votes_count: row.tallies.iter().sum(),
            voters_count: Some(row.voters_count),
            options: row
                .options
                .iter()
                .zip(&row.tallies)
                .map(|(title, votes)| PollOption {
                    title: title.clone(),
                    votes_count: show_totals.then_some(*votes),
                })
                .collect(),
            emojis: Vec::new(),
            voted: viewer.map(|_| !mine.is_empty()),
            own_votes: viewer.map(|_| mine),
        }
    }
}

/// A status waiting for its time.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduledStatus {
    pub id: String,
    pub scheduled_at: String,
    pub params: serde_json::Value,
    pub media_attachments: Vec<serde_json::Value>,
}

impl ScheduledStatus {
    /// Renders a scheduled status row: its draft as Mastodon names the fields.
    pub fn from_row(row: &crate::db::scheduled_statuses::ScheduledStatus) -> Self {
        let draft = &row.params;
        Self {
            id: super::format_id(row.id),
            scheduled_at: super::format_time(row.scheduled_at),
            params: serde_json::json!({
                "text": draft["text"],
                "spoiler_text": draft["spoiler_text"],
                "sensitive": draft["sensitive"],
                "visibility": draft["visibility"],
                "language": draft["language"],
                "in_reply_to_id": draft["in_reply_to_id"].as_i64(),
                "application_id": draft["application_id"].as_i64(),
                "poll": draft.get("poll").filter(|p| !p.is_null()).map(|p| serde_json::json!({
                    "options": p["options"],
                    "expires_in": p["expires_in"].to_string(),
                    "multiple": p["multiple"],
                    "hide_totals": p["hide_totals"],
                })),
                "media_ids": draft
                    .get("media_ids")
                    .and_then(|ids| ids.as_array())
                    .filter(|ids| !ids.is_empty())
                    .map(|ids| ids.iter().filter_map(|id| id.as_i64()).map(super::format_id).collect::<Vec<_>>()),
                "scheduled_at": null,
                "idempotency": draft["idempotency_key"],
                "with_rate_limit": false,
            }),
            media_attachments: Vec::new(),
        }
    }
}

/// A direct-message thread.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}
