//! Instance (v1 and v2) and Rule: what the server says about itself and its limits.

use serde::Serialize;
use serde_json::{Value, json};

use super::Account;
use crate::config::{Config, RegistrationMode};

/// The Mastodon version whose features ferrodon serves (see docs/decisions.md, "Version").
pub const MASTODON_VERSION: &str = "4.0.0";
/// `api_versions.mastodon`: 1 promises nothing past the 4.0 API (grouped notifications need 2).
pub const MASTODON_API_VERSION: u32 = 1;
/// Media attachments per status.
pub const MAX_MEDIA_ATTACHMENTS: u32 = 4;
/// Characters a link counts as.
pub const CHARACTERS_RESERVED_PER_URL: u32 = 23;
/// Poll limits.
pub const POLL_MAX_OPTIONS: u32 = 4;
pub const POLL_MAX_CHARACTERS_PER_OPTION: u32 = 50;
pub const POLL_MIN_EXPIRATION: u32 = 300;
pub const POLL_MAX_EXPIRATION: u32 = 2_629_746;
/// Profile limits.
pub const MAX_PROFILE_FIELDS: usize = 4;
pub const PROFILE_FIELD_NAME_LIMIT: usize = 255;
pub const PROFILE_FIELD_VALUE_LIMIT: usize = 255;
pub const MAX_DISPLAY_NAME_LENGTH: usize = 30;
pub const MAX_NOTE_LENGTH: usize = 500;

/// The version string clients parse: the Mastodon version served, then ours.
pub fn version_string() -> String {
    format!("{MASTODON_VERSION} (compatible; ferrodon {})", crate::VERSION)
}

/// A server rule.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
}

/// The configured rules, numbered from 1.
pub fn rules(config: &Config) -> Vec<Rule> {
    config
        .instance
        .rules
        .iter()
        .enumerate()
        .map(|(i, text)| Rule {
            id: (i + 1).to_string(),
            text: text.clone(),
            hint: String::new(),
        })
        .collect()
}

/// Live figures the instance entities report.
#[derive(Debug, Clone, Default)]
pub struct InstanceFacts {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
    pub active_month: i64,
    pub contact_account: Option<Account>,
    /// The Web Push VAPID public key, base64url.
    pub vapid_public_key: String,
}

/// `GET /api/v2/instance`.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceV2 {
    pub domain: String,
    pub title: String,
    pub version: String,
    pub source_url: String,
    pub description: String,
    pub usage: Value,
    pub thumbnail: Value,
    pub icon: Vec<Value>,
    pub languages: Vec<String>,
    pub configuration: Value,
    pub registrations: Value,
    pub api_versions: Value,
    pub contact: Value,
    pub rules: Vec<Rule>,
}

/// `GET /api/v1/instance`.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceV1 {
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    pub version: String,
    pub urls: Value,
    pub stats: Value,
    pub thumbnail: String,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub configuration: Value,
    pub contact_account: Option<Account>,
    pub rules: Vec<Rule>,
}

fn statuses_configuration(config: &Config) -> Value {
    json!({
        "max_characters": config.statuses.max_characters,
        "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
        "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL,
    })
}

fn media_configuration() -> Value {
    json!({
        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "image_size_limit": 16 * 1024 * 1024,
        "image_matrix_limit": 33_177_600,
        "video_size_limit": 99 * 1024 * 1024,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
        "description_limit": 1500,
    })
}

fn polls_configuration() -> Value {
    json!({
        "max_options": POLL_MAX_OPTIONS,
        "max_characters_per_option": POLL_MAX_CHARACTERS_PER_OPTION,
        "min_expiration": POLL_MIN_EXPIRATION,
        "max_expiration": POLL_MAX_EXPIRATION,
    })
}

fn thumbnail_url(config: &Config) -> String {
    format!("{}/static/thumbnail.png", config.base_url())
}

/// Where clients open the streaming API (`/api/v1/streaming` is added by them).
fn streaming_url(config: &Config) -> String {
    format!(
        "{}://{}",
        if config.server.https { "wss" } else { "ws" },
        config.server.domain
    )
}

impl InstanceV2 {
    /// Renders the instance from its configuration and live figures.
    pub fn new(config: &Config, facts: InstanceFacts) -> Self {
        let base = config.base_url();
        let mode = config.registrations.mode;
        Self {
            domain: config.server.domain.clone(),
            title: config.title().to_owned(),
            version: version_string(),
            source_url: config.instance.source_url.clone(),
            description: config.instance.description.clone(),
            usage: json!({ "users": { "active_month": facts.active_month } }),
            thumbnail: json!({ "url": thumbnail_url(config), "blurhash": null, "versions": {} }),
            icon: Vec::new(),
            languages: config.instance.languages.clone(),
            configuration: json!({
                "urls": {
                    "streaming": streaming_url(config),
                    "status": null,
                    "about": format!("{base}/about"),
                    "privacy_policy": format!("{base}/privacy-policy"),
                    "terms_of_service": null,
                },
                "vapid": { "public_key": facts.vapid_public_key },
                "accounts": {
                    "max_featured_tags": 10,
                    "max_pinned_statuses": 5,
                    "max_profile_fields": MAX_PROFILE_FIELDS,
                    "profile_field_name_limit": PROFILE_FIELD_NAME_LIMIT,
                    "profile_field_value_limit": PROFILE_FIELD_VALUE_LIMIT,
                    "max_display_name_length": MAX_DISPLAY_NAME_LENGTH,
                    "max_note_length": MAX_NOTE_LENGTH,
                },
                "statuses": statuses_configuration(config),
                "media_attachments": media_configuration(),
                "polls": polls_configuration(),
                "translation": { "enabled": false },
            }),
            registrations: json!({
                "enabled": mode.open_to_all(),
                "approval_required": mode == RegistrationMode::Approval,
                "reason_required": false,
                "message": null,
                "min_age": null,
                "url": null,
            }),
            api_versions: json!({ "mastodon": MASTODON_API_VERSION }),
            contact: json!({
                "email": config.instance.contact_email,
                "account": facts.contact_account,
            }),
            rules: rules(config),
        }
    }
}

impl InstanceV1 {
    /// Renders the instance from its configuration and live figures.
    pub fn new(config: &Config, facts: InstanceFacts) -> Self {
        let mode = config.registrations.mode;
        let streaming = streaming_url(config);
        Self {
            uri: config.server.domain.clone(),
            title: config.title().to_owned(),
            short_description: config.instance.description.clone(),
            description: config.instance.description.clone(),
            email: config.instance.contact_email.clone(),
            version: version_string(),
            urls: json!({ "streaming_api": streaming }),
            stats: json!({
                "user_count": facts.user_count,
                "status_count": facts.status_count,
                "domain_count": facts.domain_count,
            }),
            thumbnail: thumbnail_url(config),
            languages: config.instance.languages.clone(),
            registrations: mode.open_to_all(),
            approval_required: mode == RegistrationMode::Approval,
            invites_enabled: config.registrations.invites != crate::config::InvitesBy::None,
            configuration: json!({
                "accounts": { "max_featured_tags": 10 },
                "statuses": statuses_configuration(config),
                "media_attachments": media_configuration(),
                "polls": polls_configuration(),
            }),
            contact_account: facts.contact_account,
            rules: rules(config),
        }
    }
}
