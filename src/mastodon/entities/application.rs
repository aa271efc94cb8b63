//! Application, CredentialApplication, Token.

use serde::Serialize;

use super::format_id;
use crate::db;

/// An application as its owner and others see it.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    /// Newline-separated, as older clients read it.
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    /// The instance's Web Push VAPID public key, base64url.
    pub vapid_key: String,
}

impl Application {
    /// Renders an application row, with the instance's VAPID public key.
    pub fn from_row(row: &db::oauth::Application, vapid_key: &str) -> Self {
        Self {
            id: format_id(row.id),
            name: row.name.clone(),
            website: row.website.clone(),
            scopes: row
                .scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            redirect_uri: row.redirect_uris.join("\n"),
            redirect_uris: row.redirect_uris.clone(),
            vapid_key: vapid_key.to_owned(),
        }
    }
}

/// An application right after registration, with its credentials (shown once).
#[derive(Debug, Clone, Serialize)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub application: Application,
    pub client_id: String,
    pub client_secret: String,
    /// 0: the secret does not expire.
    pub client_secret_expires_at: i64,
}

/// An access token as `/oauth/token` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl From<crate::actions::oauth::IssuedToken> for Token {
    fn from(token: crate::actions::oauth::IssuedToken) -> Self {
        Self {
            access_token: token.access_token,
            token_type: "Bearer",
            scope: token.scopes,
            created_at: token.created_at.timestamp(),
            refresh_token: Some(token.refresh_token),
        }
    }
}
