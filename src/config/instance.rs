//! The `[instance]`, `[statuses]`, `[registrations]` and `[oauth]` sections.

use serde::Deserialize;

use super::deserialize::*;

/// `[instance]`: what the instance says about itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// Shown as the server's name; empty means the domain.
    #[serde(default)]
    pub title: String,
    /// A short plain-text description.
    #[serde(default = "default_description")]
    pub description: String,
    /// Where people can write to the staff; may be empty.
    #[serde(default)]
    pub contact_email: String,
    /// Username of the local account people can contact; may be empty.
    #[serde(default)]
    pub contact_username: String,
    /// Primary languages (ISO 639-1 codes).
    #[serde(default = "default_languages", deserialize_with = "deserialize_list_comma")]
    pub languages: Vec<String>,
    /// The server's rules, one per entry.
    #[serde(default, deserialize_with = "deserialize_list_newline")]
    pub rules: Vec<String>,
    /// Longer description (HTML allowed), for the About page and its API.
    #[serde(default)]
    pub extended_description: String,
    /// Privacy policy (HTML allowed); empty serves the built-in policy.
    #[serde(default)]
    pub privacy_policy: String,
    /// Where the source code of the running server is (AGPL): change it if you change the code.
    #[serde(default = "default_source_url")]
    pub source_url: String,
}

/// `[statuses]`: limits on posts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusesConfig {
    /// Most characters in a status (links count as 23).
    #[serde(default = "default_max_characters")]
    pub max_characters: u32,
}

/// `[registrations]`: who may sign up.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegistrationsConfig {
    #[serde(default)]
    pub mode: RegistrationMode,
    /// Whether a member must confirm their email address (by the link mailed to it) before
    /// they can sign in or use an app. Needs `email.host`.
    #[serde(default)]
    pub require_email_confirmation: bool,
    /// Who may make invite links: `members`, `staff` or `none`.
    #[serde(default)]
    pub invites: InvitesBy,
}

/// Whether sign-ups are open, need approval, need an invite, or are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    #[default]
    Open,
    Approval,
    /// Only with an invite link.
    Invite,
    Closed,
}

impl RegistrationMode {
    /// Whether anyone may sign up without an invite.
    pub fn open_to_all(self) -> bool {
        matches!(self, Self::Open | Self::Approval)
    }
}

/// Who may make invite links (an invite lets its holder sign up whatever the mode, without
/// waiting for approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InvitesBy {
    #[default]
    Members,
    Staff,
    None,
}

/// `[oauth]`: OAuth 2 server options.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OauthConfig {
    /// Allow the `password` grant (off by default: it hands passwords to apps).
    #[serde(default)]
    pub password_grant: bool,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            title: String::new(),
            description: default_description(),
            contact_email: String::new(),
            contact_username: String::new(),
            languages: default_languages(),
            rules: Vec::new(),
            extended_description: String::new(),
            privacy_policy: String::new(),
            source_url: default_source_url(),
        }
    }
}

impl Default for StatusesConfig {
    fn default() -> Self {
        Self {
            max_characters: default_max_characters(),
        }
    }
}

pub(super) fn default_description() -> String {
    "A ferrodon server.".to_owned()
}

pub(super) fn default_languages() -> Vec<String> {
    vec!["en".to_owned()]
}

pub(super) fn default_source_url() -> String {
    env!("CARGO_PKG_REPOSITORY").to_owned()
}

pub(super) fn default_max_characters() -> u32 {
    500
}
