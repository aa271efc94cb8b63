//! First-screen entities: List, Tag, Marker, filters (v2, v1, keyword, status), Announcement, CustomEmoji.

use serde::Serialize;

use super::{format_id, format_time};
use crate::db;
use crate::text;

/// A list of accounts.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    pub id: String,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

impl List {
    /// Renders a list row.
    pub fn from_row(row: &db::lists::List) -> Self {
        Self {
            id: format_id(row.id),
            title: row.title.clone(),
            replies_policy: row.replies_policy.clone(),
            exclusive: row.exclusive,
        }
    }
}

/// A hashtag, its use over the last week and whether the viewer follows it (`null` for
/// anonymous viewers). `id` is empty for a name no status or member has used yet, as in Mastodon.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<TagHistory>,
    pub following: Option<bool>,
}

/// One day of a hashtag's use; numbers as strings, as Mastodon sends them.
#[derive(Debug, Clone, Serialize)]
pub struct TagHistory {
    /// Midnight UTC starting the day, in seconds since the epoch.
    pub day: String,
    pub uses: String,
    pub accounts: String,
}

/// Where the member stopped reading a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: String,
}

impl Marker {
    /// Renders a marker row.
    pub fn from_row(row: &db::markers::Marker) -> Self {
        Self {
            last_read_id: format_id(row.last_read_id),
            version: row.version,
            updated_at: format_time(row.updated_at),
        }
    }
}

/// A filter keyword.
#[derive(Debug, Clone, Serialize)]
pub struct FilterKeyword {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

impl FilterKeyword {
    /// Renders a keyword row.
    pub fn from_row(row: &db::filters::Keyword) -> Self {
        Self {
            id: format_id(row.id),
            keyword: row.keyword.clone(),
            whole_word: row.whole_word,
        }
    }
}

/// A status a filter matches.
#[derive(Debug, Clone, Serialize)]
pub struct FilterStatus {
    pub id: String,
    pub status_id: String,
}

impl FilterStatus {
    /// Renders a filtered-status row.
    pub fn from_row(row: &db::filters::FilterStatus) -> Self {
        Self {
            id: format_id(row.id),
            status_id: format_id(row.status_id),
        }
    }
}

/// A filter (v2).
#[derive(Debug, Clone, Serialize)]
pub struct FilterV2 {
    pub id: String,
    pub title: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    pub filter_action: String,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

impl FilterV2 {
    /// Renders a filter with its keywords and statuses (rows of other filters are skipped).
    pub fn from_rows(
        filter: &db::filters::Filter,
        keywords: &[db::filters::Keyword],
        statuses: &[db::filters::FilterStatus],
    ) -> Self {
        Self {
            id: format_id(filter.id),
            title: filter.title.clone(),
            context: filter.context.clone(),
            expires_at: filter.expires_at.map(format_time),
            filter_action: filter.action.clone(),
            keywords: keywords
                .iter()
                .filter(|k| k.filter_id == filter.id)
                .map(FilterKeyword::from_row)
                .collect(),
            statuses: statuses
                .iter()
                .filter(|s| s.filter_id == filter.id)
                .map(FilterStatus::from_row)
                .collect(),
        }
    }
}

/// A v1 filter: one keyword of a v2 filter, as older clients read them.
#[derive(Debug, Clone, Serialize)]
pub struct FilterV1 {
    pub id: String,
    pub phrase: String,
    pub context: Vec<String>,
    pub whole_word: bool,
    pub expires_at: Option<String>,
    pub irreversible: bool,
}

impl FilterV1 {
    /// Renders a keyword with its filter.
    pub fn from_rows(filter: &db::filters::Filter, keyword: &db::filters::Keyword) -> Self {
        Self {
            id: format_id(keyword.id),
            phrase: keyword.keyword.clone(),
            context: filter.context.clone(),
            whole_word: keyword.whole_word,
            expires_at: filter.expires_at.map(format_time),
            irreversible: filter.action == "hide",
        }
    }
}

/// A staff announcement.
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub id: String,
    pub content: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub published: bool,
    pub all_day: bool,
    pub published_at: String,
    pub updated_at: String,
    pub read: bool,
    pub mentions: Vec<serde_json::Value>,
    pub statuses: Vec<serde_json::Value>,
    pub tags: Vec<serde_json::Value>,
    pub emojis: Vec<serde_json::Value>,
    pub reactions: Vec<AnnouncementReaction>,
}

/// One emoji's reactions on an announcement (`url` and `static_url` for custom emoji only).
#[derive(Debug, Clone, Serialize)]
pub struct AnnouncementReaction {
    pub name: String,
    pub count: i64,
    pub me: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_url: Option<String>,
}

impl Announcement {
    /// Renders an announcement row with its reactions (`reactions` may hold others').
    pub fn with_reactions(
        row: &db::announcements::Announcement,
        reactions: &[db::announcements::Reaction],
        emojis: &[db::custom_emojis::CustomEmoji],
    ) -> Self {
        let mut announcement = Self::from_row(row);
        announcement.reactions = reactions
            .iter()
            .filter(|r| r.announcement_id == row.id)
            .map(|r| {
                let custom = emojis.iter().find(|e| e.shortcode == r.name);
                AnnouncementReaction {
                    name: r.name.clone(),
                    count: r.count,
                    me: r.me,
                    url: custom.map(|e| e.image_url.clone()),
                    static_url: custom.map(|e| e.static_url.clone()),
                }
            })
            .collect();
        announcement
    }

    /// Renders an announcement row (its text is plain and becomes HTML).
    pub fn from_row(row: &db::announcements::Announcement) -> Self {
        Self {
            id: format_id(row.id),
            content: text::plain_to_html(&row.text),
            starts_at: row.starts_at.map(format_time),
            ends_at: row.ends_at.map(format_time),
            published: true,
            all_day: row.all_day,
            published_at: format_time(row.published_at),
            updated_at: format_time(row.updated_at),
            read: row.read,
            mentions: Vec::new(),
            statuses: Vec::new(),
            tags: Vec::new(),
            emojis: Vec::new(),
            reactions: Vec::new(),
        }
    }
}

/// A custom emoji.
#[derive(Debug, Clone, Serialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

impl CustomEmoji {
    /// Renders an emoji row.
    pub fn from_row(row: &db::custom_emojis::CustomEmoji) -> Self {
        Self {
            shortcode: row.shortcode.clone(),
            url: row.image_url.clone(),
            static_url: row.static_url.clone(),
            visible_in_picker: row.visible_in_picker,
            category: row.category.clone(),
        }
    }
}
