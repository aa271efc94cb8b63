//! The `[email]` section: the SMTP server mail goes out through.

use serde::Deserialize;

/// `[email]`: where mail is sent. With no `host`, mails are written to the log instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// SMTP server's host name or address; empty logs each mail instead of sending it.
    #[serde(default)]
    pub host: String,
    /// SMTP port: 587 for STARTTLS, 465 for TLS, 25 inside a trusted network.
    #[serde(default = "default_port")]
    pub port: u16,
    /// How the connection is protected.
    #[serde(default)]
    pub tls: EmailTls,
    /// Login for the SMTP server; empty sends without authenticating.
    #[serde(default)]
    pub username: String,
    /// Password for the SMTP server.
    #[serde(default)]
    pub password: String,
    /// The `From` address, e.g. `Example <notifications@example.com>`; empty means
    /// `notifications@<server.domain>` under the instance's title.
    #[serde(default)]
    pub from: String,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    /// Plain text (only for a server on the same machine or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: default_port(),
            tls: EmailTls::default(),
            username: String::new(),
            password: String::new(),
            from: String::new(),
        }
    }
}

impl EmailConfig {
    /// Whether mail actually leaves the server (otherwise it is logged).
    pub fn sends(&self) -> bool {
        !self.host.is_empty()
    }
}

fn default_port() -> u16 {
    587
}
