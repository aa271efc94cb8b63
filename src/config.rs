//! Configuration: `config.toml` plus `FERRODON_<SECTION>__<KEY>` overrides, defaults and validation.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
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
}

/// `[metrics]`: the Prometheus endpoint.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Bearer token a scraper must send to `GET /metrics`; empty turns the endpoint off (404).
    #[serde(default)]
    pub token: String,
}

/// `[server]`: the instance's name and where it listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Public host name (with an optional port); handles are `user@domain`.
    #[serde(default = "default_domain")]
    pub domain: String,
    /// Address the HTTP listener binds.
    #[serde(default = "default_bind", deserialize_with = "deserialize_socket_addr")]
    pub bind: SocketAddr,
    /// Whether public URLs use `https`.
    #[serde(default)]
    pub https: bool,
    /// Directory for the embedded database, media and anything else on disk.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks.
    #[serde(default, deserialize_with = "deserialize_networks")]
    pub trusted_proxies: Vec<Network>,
    /// Seconds a client may take to send a request's header.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_seconds: u64,
    /// Seconds a connection may pass with nothing sent either way.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: u64,
    /// Connections one address may hold open at once (trusted proxies excepted); 0: no cap.
    #[serde(default = "default_connections_per_address")]
    pub max_connections_per_address: usize,
}

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

/// `[rate_limits]`: attempts allowed per client address (and per account on sign-in) in fixed
/// windows; 0 turns a limit off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsConfig {
    /// Sign-in attempts (form and password grant) per address, per 5 minutes.
    #[serde(default = "default_sign_in_per_ip")]
    pub sign_in_per_ip: u32,
    /// Sign-in attempts per account name, per 5 minutes.
    #[serde(default = "default_sign_in_per_account")]
    pub sign_in_per_account: u32,
    /// Sign-ups per address, per 30 minutes.
    #[serde(default = "default_sign_up_per_ip")]
    pub sign_up_per_ip: u32,
    /// Token requests per address, per 5 minutes.
    #[serde(default = "default_token_per_ip")]
    pub token_per_ip: u32,
    /// Application registrations (`POST /api/v1/apps`) per address, per 5 minutes.
    #[serde(default = "default_apps_per_ip")]
    pub apps_per_ip: u32,
}

/// An address block: an IP address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub address: std::net::IpAddr,
    pub prefix: u8,
}

impl Network {
    /// Whether `ip` lies in this block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: std::net::IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an address or CIDR block"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has an invalid prefix length"))?,
            None => max,
        };
        Ok(Self { address, prefix })
    }
}

/// `[database]`: which PostgreSQL to use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://` URL; empty runs the embedded cluster under `server.data_dir`.
    #[serde(default)]
    pub url: String,
    /// Size of the connection pool.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

/// `[registrations]`: who may sign up.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegistrationsConfig {
    #[serde(default)]
    pub mode: RegistrationMode,
}

/// Whether sign-ups are open, need approval, or are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    #[default]
    Open,
    Approval,
    Closed,
}

/// `[oauth]`: OAuth 2 server options.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OauthConfig {
    /// Allow the `password` grant (off by default: it hands passwords to apps).
    #[serde(default)]
    pub password_grant: bool,
}

/// `[federation]`: how the instance reaches other servers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// Allow outgoing connections to loopback and private addresses.
    #[serde(default)]
    pub allow_private_addresses: bool,
    /// DNS overrides for the outgoing HTTP client: host name to `ip:port`.
    #[serde(default, deserialize_with = "deserialize_resolve")]
    pub resolve: BTreeMap<String, SocketAddr>,
    /// How long a delivery is retried (with growing pauses) before it is given up.
    #[serde(default = "default_delivery_retry_hours")]
    pub delivery_retry_hours: u32,
    /// A host failing on this many distinct days, with no success between, is unavailable.
    #[serde(default = "default_unavailable_after_days")]
    pub unavailable_after_days: u32,
    /// The longest one delivery may take, connecting included.
    #[serde(default = "default_delivery_timeout_seconds")]
    pub delivery_timeout_seconds: u32,
    /// Threads that send deliveries, each with its own event loop; 0: one per CPU core.
    #[serde(default)]
    pub delivery_threads: u32,
    /// The longest one fetch (a GET, its redirects and its body) may take.
    #[serde(default = "default_fetch_timeout_seconds")]
    pub fetch_timeout_seconds: u32,
    /// `blocklist` (federate with everyone but blocked domains) or `allowlist` (only allowed ones).
    #[serde(default)]
    pub mode: FederationMode,
    /// The protocol-bridge preset: `federate` (no rule), `limit` or `suspend`.
    #[serde(default)]
    pub bridges: BridgePolicy,
    /// Domain rules written in the configuration: domain to `noop`, `limit`/`silence` or `suspend`.
    #[serde(default)]
    pub domains: BTreeMap<String, String>,
    /// Subscribed block lists.
    #[serde(default)]
    pub blocklists: BlocklistConfig,
    /// Who may read the list of moderated servers (API and About page).
    #[serde(default)]
    pub show_domain_blocks: DomainBlocksVisibility,
    /// Activities a second one remote host may deliver to the inbox, after its burst; 0: no limit.
    #[serde(default = "default_inbox_host_rate")]
    pub inbox_host_rate: u32,
    /// Activities one remote host may deliver at once before its rate applies.
    #[serde(default = "default_inbox_host_burst")]
    pub inbox_host_burst: u32,
    /// Activities waiting to be processed past which the inbox answers 503; 0: no bound.
    #[serde(default = "default_inbox_queue_limit")]
    pub inbox_queue_limit: u32,
}

fn default_inbox_host_rate() -> u32 {
    50
}

fn default_inbox_host_burst() -> u32 {
    500
}

fn default_inbox_queue_limit() -> u32 {
    100_000
}

/// Whom the instance federates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    /// Everyone but blocked domains.
    #[default]
    Blocklist,
    /// Only domains on the allowlist (`/api/v1/admin/domain_allows`).
    Allowlist,
}

/// What the bridge preset does to protocol bridges ([`BRIDGE_DOMAINS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BridgePolicy {
    /// No rule: bridges federate like any server.
    #[default]
    Federate,
    Limit,
    Suspend,
}

/// The protocol bridges the preset covers (each rule covers subdomains, e.g. `bsky.brid.gy`).
pub const BRIDGE_DOMAINS: &[&str] = &["brid.gy", "mostr.pub"];

/// Who may read the list of moderated servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainBlocksVisibility {
    /// Nobody (the API answers 404, the About page leaves it out).
    Hidden,
    /// Signed-in members.
    Users,
    /// Everyone, as community servers publish their defederation lists.
    #[default]
    All,
}

/// `[federation.blocklists]`: subscribed block lists.
#[derive(Debug, Clone, Deserialize)]
pub struct BlocklistConfig {
    /// A domain is blocked from subscriptions only when at least this many lists name it.
    #[serde(default = "default_min_agreement")]
    pub min_agreement: u32,
    /// How often each subscribed list is fetched again (conditional GET).
    #[serde(default = "default_refresh_minutes")]
    pub refresh_minutes: u32,
}

fn default_min_agreement() -> u32 {
    1
}

fn default_refresh_minutes() -> u32 {
    360
}

impl Default for BlocklistConfig {
    fn default() -> Self {
        Self {
            min_agreement: default_min_agreement(),
            refresh_minutes: default_refresh_minutes(),
        }
    }
}

impl FederationConfig {
    /// The rules the configuration file sets (bridge preset first, `[federation.domains]` over it),
    /// normalized; validation has already refused unusable ones.
    pub fn configured_rules(&self) -> Vec<(String, crate::moderation::domain_policy::Rule)> {
        use crate::moderation::domain_policy::{Rule, Severity};
        let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
        let bridge_severity = match self.bridges {
            BridgePolicy::Federate => None,
            BridgePolicy::Limit => Some(Severity::Silence),
            BridgePolicy::Suspend => Some(Severity::Suspend),
        };
        if let Some(severity) = bridge_severity {
            for domain in BRIDGE_DOMAINS {
                rules.insert(
                    (*domain).to_owned(),
                    Rule {
                        severity,
                        ..Rule::default()
                    },
                );
            }
        }
        for (domain, severity) in &self.domains {
            if let (Some(domain), Some(severity)) = (
                crate::moderation::domain_name::normalize(domain),
                Severity::parse(severity),
            ) {
                rules.insert(
                    domain,
                    Rule {
                        severity,
                        ..Rule::default()
                    },
                );
            }
        }
        rules.into_iter().collect()
    }
}

fn default_delivery_retry_hours() -> u32 {
    48
}

fn default_unavailable_after_days() -> u32 {
    7
}

fn default_delivery_timeout_seconds() -> u32 {
    10
}

fn default_fetch_timeout_seconds() -> u32 {
    15
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            resolve: BTreeMap::new(),
            delivery_retry_hours: default_delivery_retry_hours(),
            unavailable_after_days: default_unavailable_after_days(),
            delivery_timeout_seconds: default_delivery_timeout_seconds(),
            delivery_threads: 0,
            fetch_timeout_seconds: default_fetch_timeout_seconds(),
            mode: FederationMode::default(),
            bridges: BridgePolicy::default(),
            domains: BTreeMap::new(),
            blocklists: BlocklistConfig::default(),
            show_domain_blocks: DomainBlocksVisibility::default(),
            inbox_host_rate: default_inbox_host_rate(),
            inbox_host_burst: default_inbox_host_burst(),
            inbox_queue_limit: default_inbox_queue_limit(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            domain: default_domain(),
            bind: default_bind(),
            https: false,
            data_dir: default_data_dir(),
            trusted_proxies: Vec::new(),
            header_timeout_seconds: default_header_timeout(),
            idle_timeout_seconds: default_idle_timeout(),
            max_connections_per_address: default_connections_per_address(),
        }
    }
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

impl Default for RateLimitsConfig {
    fn default() -> Self {
        Self {
            sign_in_per_ip: default_sign_in_per_ip(),
            sign_in_per_account: default_sign_in_per_account(),
            sign_up_per_ip: default_sign_up_per_ip(),
            token_per_ip: default_token_per_ip(),
            apps_per_ip: default_apps_per_ip(),
        }
    }
}

fn default_description() -> String {
    "A ferrodon server.".to_owned()
}

fn default_languages() -> Vec<String> {
    vec!["en".to_owned()]
}

fn default_source_url() -> String {
    env!("CARGO_PKG_REPOSITORY").to_owned()
}

fn default_max_characters() -> u32 {
    500
}

fn default_sign_in_per_ip() -> u32 {
    25
}

fn default_sign_in_per_account() -> u32 {
    10
}

fn default_sign_up_per_ip() -> u32 {
    5
}

fn default_token_per_ip() -> u32 {
    100
}

fn default_apps_per_ip() -> u32 {
    30
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: default_max_connections(),
        }
    }
}

fn default_domain() -> String {
    "localhost:8080".to_owned()
}

fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_header_timeout() -> u64 {
    20
}

fn default_idle_timeout() -> u64 {
    60
}

fn default_connections_per_address() -> usize {
    256
}

fn default_max_connections() -> u32 {
    10
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

fn deserialize_socket_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim()
        .parse()
        .map_err(|_| serde::de::Error::custom(format!("expected an ip:port address, got {text:?}")))
}

/// Accepts a list, or (from the environment) a string split on commas.
fn deserialize_list_comma<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    deserialize_list(d, ',')
}

/// Accepts a list, or (from the environment) a string split on newlines.
fn deserialize_list_newline<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    deserialize_list(d, '\n')
}

fn deserialize_list<'de, D: serde::Deserializer<'de>>(
    d: D,
    separator: char,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Items(Vec<String>),
        Text(String),
    }
    Ok(match List::deserialize(d)? {
        List::Items(items) => items,
        List::Text(text) => text
            .split(separator)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn deserialize_networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Network>, D::Error> {
    deserialize_list(d, ',')?
        .iter()
        .map(|item| item.parse().map_err(serde::de::Error::custom))
        .collect()
}

/// Accepts a TOML table `{ "host" = "ip:port" }` or, from the environment, `host=ip:port,host=ip:port`.
fn deserialize_resolve<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, SocketAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Resolve {
        Table(BTreeMap<String, String>),
        List(String),
    }
    let pairs: Vec<(String, String)> = match Resolve::deserialize(d)? {
        Resolve::Table(table) => table.into_iter().collect(),
        Resolve::List(list) => list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.split_once('=')
                    .map(|(h, a)| (h.trim().to_owned(), a.trim().to_owned()))
                    .ok_or_else(|| serde::de::Error::custom(format!("expected host=ip:port, got {item:?}")))
            })
            .collect::<Result<_, _>>()?,
    };
    pairs
        .into_iter()
        .map(|(host, addr)| {
            let parsed = addr.parse::<SocketAddr>().map_err(|_| {
                serde::de::Error::custom(format!("{host}: expected an ip:port address, got {addr:?}"))
            })?;
            Ok((host, parsed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("temp file");
        f.write_all(contents.as_bytes()).expect("write");
        f
    }

    fn load(contents: &str, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let f = file(contents);
        Config::load_from(Some(f.path()), &env(pairs))
    }

    fn error_of(contents: &str, pairs: &[(&str, &str)]) -> String {
        match load(contents, pairs) {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_example_configuration_loads_with_every_option_it_documents() {
        let example = include_str!("../config.example.toml");
        let config = load(example, &[]).unwrap();
        assert_eq!(config.federation.mode, FederationMode::Blocklist);
        assert_eq!(config.federation.bridges, BridgePolicy::Federate);
        assert!(config.federation.configured_rules().is_empty());
    }

    #[test]
    fn the_bridge_preset_is_one_line_and_domain_rules_are_checked() {
        let config = load("[federation]\nbridges = \"suspend\"\n", &[]).unwrap();
        let rules = config.federation.configured_rules();
        let domains: Vec<&str> = rules.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(domains, ["brid.gy", "mostr.pub"]);
        let config = load("[federation.domains]\n\"Spam.Example.\" = \"limit\"\n", &[]).unwrap();
        assert_eq!(config.federation.configured_rules()[0].0, "spam.example");
        let message = error_of("[federation.domains]\n\"spam.example\" = \"obliterate\"\n", &[]);
        assert!(message.contains("federation.domains"), "{message}");
        let message = error_of("[federation.blocklists]\nmin_agreement = 0\n", &[]);
        assert!(message.contains("min_agreement"), "{message}");
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let config = Config::load_from(None, &HashMap::new()).unwrap();
        assert_eq!(config.server.domain, "localhost:8080");
        assert_eq!(config.server.bind, "127.0.0.1:8080".parse().unwrap());
        assert!(!config.server.https);
        assert!(config.server.data_dir.is_absolute());
        assert!(config.server.data_dir.ends_with("data"));
        assert_eq!(config.database.url, "");
        assert_eq!(config.registrations.mode, RegistrationMode::Open);
        assert!(!config.oauth.password_grant);
        assert!(!config.federation.allow_private_addresses);
        assert!(config.federation.resolve.is_empty());
        assert_eq!(config.base_url(), "http://localhost:8080");
    }

    #[test]
    fn file_values_are_read_and_environment_overrides_them() {
        let config = load(
            r#"
            [server]
            domain = "Social.Example.COM."
            bind = "0.0.0.0:3000"
            https = true
            [registrations]
            mode = "approval"
            [federation.resolve]
            "remote.test" = "127.0.0.1:9001"
            "#,
            &[
                ("FERRODON_SERVER__BIND", "127.0.0.1:4000"),
                ("FERRODON_OAUTH__PASSWORD_GRANT", "true"),
                ("FERRODON_CONFIG", "/not/a/key.toml"),
                ("FERRODON_LOG", "debug"),
            ],
        )
        .unwrap();
        assert_eq!(config.server.domain, "social.example.com");
        assert_eq!(config.server.bind.port(), 4000);
        assert!(config.server.https);
        assert!(config.oauth.password_grant);
        assert_eq!(config.registrations.mode, RegistrationMode::Approval);
        assert_eq!(
            config.federation.resolve.get("remote.test").map(|a| a.port()),
            Some(9001)
        );
        assert_eq!(config.base_url(), "https://social.example.com");
    }

    #[test]
    fn resolve_overrides_can_come_from_one_environment_variable() {
        let config = load(
            "",
            &[(
                "FERRODON_FEDERATION__RESOLVE",
                "remote.test=127.0.0.1:9001, EVIL.test=127.0.0.1:9002",
            )],
        )
        .unwrap();
        assert_eq!(config.federation.resolve.len(), 2);
        assert_eq!(
            config.federation.resolve.get("evil.test").map(|a| a.port()),
            Some(9002)
        );
    }

    #[test]
    fn bad_bind_address_names_the_key() {
        let message = error_of("[server]\nbind = \"nowhere\"\n", &[]);
        assert!(message.contains("server.bind"), "{message}");
    }

    #[test]
    fn bad_value_from_environment_names_the_key() {
        let message = error_of("", &[("FERRODON_DATABASE__MAX_CONNECTIONS", "many")]);
        assert!(message.contains("database.max_connections"), "{message}");
        let message = error_of("", &[("FERRODON_DATABASE__MAX_CONNECTIONS", "0")]);
        assert!(message.contains("database.max_connections"), "{message}");
    }

    #[test]
    fn unknown_registration_mode_names_the_key() {
        let message = error_of("[registrations]\nmode = \"sometimes\"\n", &[]);
        assert!(message.contains("registrations.mode"), "{message}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let message = error_of("[server]\ndomian = \"typo.example\"\n", &[]);
        assert!(message.contains("domian"), "{message}");
    }

    #[test]
    fn domain_with_scheme_or_path_is_refused() {
        for bad in [
            "https://example.com",
            "example.com/path",
            "",
            "exa mple.com",
            "example.com:99999",
        ] {
            let message = error_of(&format!("[server]\ndomain = {bad:?}\n"), &[]);
            assert!(message.contains("server.domain"), "{bad}: {message}");
        }
    }

    #[test]
    fn delivery_settings_have_defaults_and_bounds() {
        let config = Config::default();
        assert_eq!(config.federation.delivery_retry_hours, 48);
        assert_eq!(config.federation.unavailable_after_days, 7);
        let message = error_of("[federation]\ndelivery_retry_hours = 0\n", &[]);
        assert!(message.contains("federation.delivery_retry_hours"), "{message}");
        let message = error_of("[federation]\nunavailable_after_days = 1000\n", &[]);
        assert!(message.contains("federation.unavailable_after_days"), "{message}");
    }

    #[test]
    fn the_fetch_timeout_has_a_default_and_bounds() {
        assert_eq!(Config::default().federation.fetch_timeout_seconds, 15);
        let config = load("[federation]\nfetch_timeout_seconds = 3\n", &[]).unwrap();
        assert_eq!(config.federation.fetch_timeout_seconds, 3);
        let message = error_of("[federation]\nfetch_timeout_seconds = 0\n", &[]);
        assert!(message.contains("federation.fetch_timeout_seconds"), "{message}");
    }

    #[test]
    fn database_url_must_be_postgres() {
        let message = error_of("[database]\nurl = \"mysql://x\"\n", &[]);
        assert!(message.contains("database.url"), "{message}");
    }

    #[test]
    fn bad_resolve_entry_names_the_key() {
        let message = error_of("[federation.resolve]\n\"remote.test\" = \"nowhere\"\n", &[]);
        assert!(message.contains("federation.resolve"), "{message}");
    }

    #[test]
    fn trusted_proxies_accept_addresses_and_blocks() {
        let config = load(
            "",
            &[("FERRODON_SERVER__TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, ::1")],
        )
        .unwrap();
        let proxies = &config.server.trusted_proxies;
        assert_eq!(proxies.len(), 3);
        assert!(proxies[1].contains("10.20.30.40".parse().unwrap()));
        assert!(!proxies[1].contains("11.0.0.1".parse().unwrap()));
        assert!(proxies[0].contains("::ffff:127.0.0.1".parse().unwrap()));
        let message = error_of("[server]\ntrusted_proxies = [\"10.0.0.0/40\"]\n", &[]);
        assert!(message.contains("server.trusted_proxies"), "{message}");
    }

    #[test]
    fn instance_rules_come_from_a_list_or_lines() {
        let config = load("[instance]\nrules = [\"Be kind\", \"No spam\"]\n", &[]).unwrap();
        assert_eq!(config.instance.rules, ["Be kind", "No spam"]);
        let config = load("", &[("FERRODON_INSTANCE__RULES", "Be kind, please\nNo spam")]).unwrap();
        assert_eq!(config.instance.rules, ["Be kind, please", "No spam"]);
        assert_eq!(config.title(), "localhost:8080");
    }

    #[test]
    fn malformed_toml_is_reported() {
        let message = error_of("[server\n", &[]);
        assert!(message.starts_with("invalid configuration"), "{message}");
    }

    #[test]
    fn missing_named_file_is_an_error() {
        let result = Config::load_from(Some(Path::new("/nonexistent/ferrodon.toml")), &HashMap::new());
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("does not exist"), "{message}");
    }
}
