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
}
