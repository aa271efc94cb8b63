//! The `[federation]` section: how the instance reaches other servers, and its domain rules.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;

use super::deserialize::*;

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

pub(super) fn default_inbox_host_rate() -> u32 {
    50
}

pub(super) fn default_inbox_host_burst() -> u32 {
    500
}

pub(super) fn default_inbox_queue_limit() -> u32 {
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

pub(super) fn default_min_agreement() -> u32 {
    1
}

pub(super) fn default_refresh_minutes() -> u32 {
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

pub(super) fn default_delivery_retry_hours() -> u32 {
    48
}

pub(super) fn default_unavailable_after_days() -> u32 {
    7
}

pub(super) fn default_delivery_timeout_seconds() -> u32 {
    10
}

pub(super) fn default_fetch_timeout_seconds() -> u32 {
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
