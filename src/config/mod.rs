//! Configuration: `config.toml` plus `FERRODON_<SECTION>__<KEY>` overrides, defaults and validation.

mod deserialize;
mod email;
mod federation;
mod instance;
mod server;
#[cfg(test)]
mod tests;

pub use email::*;
pub use federation::*;
pub use instance::*;
pub use server::*;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

/// Environment variables that name configuration keys start with this.
const ENV_PREFIX: &str = "FERRODON_";
/// Separates the section from the key in an environment variable name.
const ENV_SEPARATOR: &str = "__";

/// The whole configuration of one ferrodon process.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub registrations: RegistrationsConfig,
    #[serde(default)]
    pub oauth: OauthConfig,
    #[serde(default)]
    pub federation: FederationConfig,
    #[serde(default)]
    pub instance: InstanceConfig,
    #[serde(default)]
    pub statuses: StatusesConfig,
    #[serde(default)]
    pub rate_limits: RateLimitsConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub email: EmailConfig,
}

/// A configuration problem, naming the key and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl ConfigError {
    fn key(key: &str, problem: impl std::fmt::Display) -> Self {
        Self(format!("{key}: {problem}"))
    }
}

/// Where the configuration file is looked for: `--config`, then `FERRODON_CONFIG`, then `./config.toml`.
pub fn locate_file(cli_path: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(path) = cli_path {
        return Some((path.to_owned(), true));
    }
    if let Some(path) = std::env::var_os("FERRODON_CONFIG").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(path), true));
    }
    let local = PathBuf::from("config.toml");
    local.exists().then_some((local, false))
}

impl Config {
    /// Loads the configuration the way `ferrodon` does: file located by [`locate_file`], then the
    /// process environment.
    pub fn load(cli_path: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load_from(locate_file(cli_path).as_ref().map(|(p, _)| p.as_path()), &env)
    }

    /// Loads from an optional file and an explicit environment (tests pass their own map).
    pub fn load_from(file: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX.trim_end_matches('_'))
                .prefix_separator("_")
                .separator(ENV_SEPARATOR)
                .try_parsing(true)
                .source(Some(config_env_vars(env))),
        );
        let raw = builder
            .build()
            .map_err(|e| ConfigError(describe_config_error(&e)))?;
        let config: Config = raw
            .try_deserialize()
            .map_err(|e| ConfigError(describe_config_error(&e)))?;
        config.validated()
    }

    /// Checks what serde cannot, and normalizes the domain and data directory.
    fn validated(mut self) -> Result<Self, ConfigError> {
        self.server.domain = normalize_domain(&self.server.domain)
            .map_err(|problem| ConfigError::key("server.domain", problem))?;
        if self.server.header_timeout_seconds == 0 || self.server.idle_timeout_seconds == 0 {
            return Err(ConfigError::key(
                "server.header_timeout_seconds",
                "timeouts must be at least one second",
            ));
        }
        if self.server.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::key("server.data_dir", "must not be empty"));
        }
        self.server.data_dir =
            std::path::absolute(&self.server.data_dir).map_err(|e| ConfigError::key("server.data_dir", e))?;
        if !self.database.url.is_empty() {
            if !(self.database.url.starts_with("postgres://")
                || self.database.url.starts_with("postgresql://"))
            {
                return Err(ConfigError::key(
                    "database.url",
                    "must start with postgres:// (or be empty for the embedded database)",
                ));
            }
            sqlx::postgres::PgConnectOptions::from_str(&self.database.url)
                .map_err(|e| ConfigError::key("database.url", e))?;
        }
        if !(1..=1000).contains(&self.database.max_connections) {
            return Err(ConfigError::key(
                "database.max_connections",
                "must be between 1 and 1000",
            ));
        }
        let mut resolve = BTreeMap::new();
        for (host, addr) in std::mem::take(&mut self.federation.resolve) {
            let host = normalize_domain(&host)
                .map_err(|problem| ConfigError::key("federation.resolve", format!("{host:?}: {problem}")))?;
            resolve.insert(host, addr);
        }
        self.federation.resolve = resolve;
        for (domain, severity) in &self.federation.domains {
            if crate::moderation::domain_name::normalize(domain).is_none() {
                return Err(ConfigError::key(
                    "federation.domains",
                    format!("{domain:?} is not a domain name"),
                ));
            }
            if crate::moderation::domain_policy::Severity::parse(severity).is_none() {
                return Err(ConfigError::key(
                    "federation.domains",
                    format!("{domain:?}: severity {severity:?} is not noop, limit, silence or suspend"),
                ));
            }
        }
        if !(1..=100).contains(&self.federation.blocklists.min_agreement) {
            return Err(ConfigError::key(
                "federation.blocklists.min_agreement",
                "must be between 1 and 100",
            ));
        }
        if !(5..=10080).contains(&self.federation.blocklists.refresh_minutes) {
            return Err(ConfigError::key(
                "federation.blocklists.refresh_minutes",
                "must be between 5 and 10080",
            ));
        }
        if !(1..=720).contains(&self.federation.delivery_retry_hours) {
            return Err(ConfigError::key(
                "federation.delivery_retry_hours",
                "must be between 1 and 720",
            ));
        }
        if !(1..=365).contains(&self.federation.unavailable_after_days) {
            return Err(ConfigError::key(
                "federation.unavailable_after_days",
                "must be between 1 and 365",
            ));
        }
        if !(1..=300).contains(&self.federation.delivery_timeout_seconds) {
            return Err(ConfigError::key(
                "federation.delivery_timeout_seconds",
                "must be between 1 and 300",
            ));
        }
        if self.federation.delivery_threads > 64 {
            return Err(ConfigError::key(
                "federation.delivery_threads",
                "must be between 0 (one per CPU core) and 64",
            ));
        }
        if !(1..=300).contains(&self.federation.fetch_timeout_seconds) {
            return Err(ConfigError::key(
                "federation.fetch_timeout_seconds",
                "must be between 1 and 300",
            ));
        }
        if self.statuses.max_characters == 0 {
            return Err(ConfigError::key("statuses.max_characters", "must be at least 1"));
        }
        if !self.instance.contact_username.is_empty()
            && !self
                .instance
                .contact_username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(ConfigError::key(
                "instance.contact_username",
                "must be a local username",
            ));
        }
        if !(self.instance.source_url.starts_with("https://")
            || self.instance.source_url.starts_with("http://"))
        {
            return Err(ConfigError::key("instance.source_url", "must be an http(s) URL"));
        }
        if self.registrations.require_email_confirmation && !self.email.sends() {
            return Err(ConfigError::key(
                "registrations.require_email_confirmation",
                "needs email.host: without mail nobody could confirm their address",
            ));
        }
        if self.email.sends() && self.email.port == 0 {
            return Err(ConfigError::key("email.port", "must be a port number"));
        }
        if !self.email.from.is_empty() && self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::key(
                "email.from",
                "must be an address, e.g. \"Example <notifications@example.com>\"",
            ));
        }
        Ok(self)
    }

    /// `http` or `https`, as public URLs use.
    pub fn scheme(&self) -> &'static str {
        if self.server.https { "https" } else { "http" }
    }

    /// The instance's base URL, e.g. `https://example.com` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.server.domain)
    }

    /// The instance's title: the configured one, else its domain.
    pub fn title(&self) -> &str {
        if self.instance.title.is_empty() {
            &self.server.domain
        } else {
            &self.instance.title
        }
    }
}

/// Picks the `FERRODON_<SECTION>__<KEY>` variables; others under the prefix (such as
/// `FERRODON_CONFIG` and `FERRODON_LOG`) are not configuration keys.
fn config_env_vars(env: &HashMap<String, String>) -> HashMap<String, String> {
    env.iter()
        .filter(|(name, _)| {
            name.strip_prefix(ENV_PREFIX)
                .is_some_and(|rest| rest.contains(ENV_SEPARATOR))
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Turns the config crate's messages into ones that lead with the key.
fn describe_config_error(error: &config::ConfigError) -> String {
    match error {
        config::ConfigError::Type {
            key: Some(key),
            unexpected,
            expected,
            ..
        } => format!("{key}: expected {expected}, got {unexpected}"),
        config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } => format!("{key}: {error}"),
        other => other.to_string(),
    }
}

/// Lower-cases a host name, drops a trailing dot, and checks it is `host` or `host:port`.
pub fn normalize_domain(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    let (host, port) = match trimmed.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (trimmed, None),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid_host {
        return Err(format!(
            "must be a host name with an optional port, like example.com or localhost:8080 (got {input:?})"
        ));
    }
    match port {
        None => Ok(host),
        Some(port) => match port.parse::<u16>() {
            Ok(p) if p > 0 => Ok(format!("{host}:{p}")),
            _ => Err(format!("has an invalid port (got {input:?})")),
        },
    }
}
