//! Account, CredentialAccount, Relationship.

use serde::Serialize;

use super::{format_id, format_time};
use crate::config::Config;
use crate::db;
use crate::media::profile_images;
use crate::text;

/// A profile field as shown: name and value as HTML.
#[derive(Debug, Clone, Serialize)]
pub struct AccountField {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

/// A profile field as typed (`source.fields`).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PlainField {
    pub name: String,
    pub value: String,
}

/// An account as every client sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub group: bool,
    pub noindex: bool,
    pub hide_collections: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
    pub emojis: Vec<serde_json::Value>,
    pub fields: Vec<AccountField>,
    pub roles: Vec<serde_json::Value>,
    /// The account this one moved to (`Move`), as Mastodon shows it: only when set, and never
    /// inside another `moved`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
}

impl Account {
    /// Renders an account row. Local notes and fields are plain text and become HTML here.
    pub fn from_row(row: &db::accounts::Account, config: &Config) -> Self {
        let base = config.base_url();
        let local = row.domain.is_none();
        let acct = match &row.domain {
            None => row.username.clone(),
            Some(domain) => format!("{}@{domain}", row.username),
        };
        let plain_fields: Vec<PlainField> = serde_json::from_value(row.fields.clone()).unwrap_or_default();
        let fields = plain_fields
            .into_iter()
            .map(|f| AccountField {
                name: if local { text::escape_html(&f.name) } else { f.name },
                value: if local {
                    text::linkify_line(&f.value)
                } else {
                    f.value
                },
                verified_at: None,
            })
            .collect();
        let (uri, url) = if local {
            (
                format!("{base}/users/{}", row.username),
                format!("{base}/@{}", row.username),
            )
        } else {
            let uri = row.uri.clone().unwrap_or_default();
            (uri.clone(), row.url.clone().unwrap_or(uri))
        };
        let avatar = profile_images::avatar_url(&base, row);
        let header = profile_images::header_url(&base, row);
        // Mastodon reports an account's creation day, not its moment.
        let created_day = row
            .created_at
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc());
        Self {
            id: format_id(row.id),
            username: row.username.clone(),
            acct,
            display_name: row.display_name.clone(),
            locked: row.locked,
            bot: row.bot,
            discoverable: row.discoverable,
            indexable: row.indexable,
            group: row.actor_type == "Group",
            noindex: !row.indexable,
            hide_collections: row.hide_collections,
            created_at: format_time(created_day.unwrap_or(row.created_at)),
            note: if local {
                text::plain_to_html(&row.note)
            } else {
                row.note.clone()
            },
            url,
            uri,
            avatar: avatar.clone(),
            avatar_static: avatar,
            header: header.clone(),
            header_static: header,
            // Counts are filled in by `mastodon::present`, which loads them in one batch.
            followers_count: 0,
            following_count: 0,
            statuses_count: 0,
            last_status_at: None,
            emojis: custom_emojis(&row.emojis),
            fields,
            roles: Vec::new(),
            moved: None,
        }
    }
}

/// What the member typed, for editing (`source` of verify_credentials).
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<PlainField>,
    pub follow_requests_count: i64,
    pub hide_collections: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
}

/// A member's role, with Mastodon's permission bits.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

impl Role {
    /// The role entity for a stored role name. Permission bits follow Mastodon: administrator
    /// (0x1) for admins; reports, users, appeals, taxonomies, dashboard and audit log for
    /// moderators; inviting (0x10000) for everyone.
    pub fn from_name(role: &str) -> Self {
        let (id, name, permissions, highlighted) = match role {
            "admin" => ("3", "Admin", 0x1 | 0x10000, true),
            "moderator" => (
                "1",
                "Moderator",
                0x4 | 0x8 | 0x10 | 0x100 | 0x200 | 0x400 | 0x10000,
                true,
            ),
            _ => ("-99", "", 0x10000, false),
        };
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            permissions: permissions.to_string(),
            color: String::new(),
            highlighted,
        }
    }
}

/// The signed-in member's own account, with what they typed and their role.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

impl CredentialAccount {
    /// Renders the member's own account.
    pub fn from_rows(
        account: &db::accounts::Account,
        user: &db::users::User,
        follow_requests_count: i64,
        config: &Config,
    ) -> Self {
        Self {
            account: Account::from_row(account, config),
            source: Source {
                privacy: user.default_privacy.clone(),
                sensitive: user.default_sensitive,
                language: user.default_language.clone(),
                note: account.note.clone(),
                fields: serde_json::from_value(account.fields.clone()).unwrap_or_default(),
                follow_requests_count,
                hide_collections: account.hide_collections,
                discoverable: account.discoverable,
                indexable: account.indexable,
                attribution_domains: Vec::new(),
            },
            role: Role::from_name(&user.role),
        }
    }
}

/// How the viewer and an account relate.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

/// Custom emoji stored with a remote account or status (`[{"shortcode", "url"}]`), as the API
/// shows them. Remote images are shown from their origin.
pub fn custom_emojis(stored: &serde_json::Value) -> Vec<serde_json::Value> {
    let Some(items) = stored.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let shortcode = item.get("shortcode")?.as_str()?;
            // Checked again as it goes out: rows stored before remote URLs were checked on arrival.
            let url = crate::federation::vocab::web_url(item.get("url")?.as_str()?)?;
            Some(serde_json::json!({
                "shortcode": shortcode,
                "url": url,
                "static_url": url,
                "visible_in_picker": false,
            }))
        })
        .collect()
}
