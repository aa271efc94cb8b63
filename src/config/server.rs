//! The `[server]`, `[database]`, `[rate_limits]` and `[metrics]` sections.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;

use super::deserialize::*;

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

pub(super) fn default_sign_in_per_ip() -> u32 {
    25
}

pub(super) fn default_sign_in_per_account() -> u32 {
    10
}

pub(super) fn default_sign_up_per_ip() -> u32 {
    5
}

pub(super) fn default_token_per_ip() -> u32 {
    100
}

pub(super) fn default_apps_per_ip() -> u32 {
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

pub(super) fn default_domain() -> String {
    "localhost:8080".to_owned()
}

pub(super) fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

pub(super) fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

pub(super) fn default_header_timeout() -> u64 {
    20
}

pub(super) fn default_idle_timeout() -> u64 {
    60
}

pub(super) fn default_connections_per_address() -> usize {
    256
}

pub(super) fn default_max_connections() -> u32 {
    10
}
