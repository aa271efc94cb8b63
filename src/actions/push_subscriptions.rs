//! A token's Web Push subscription: made, read, changed and ended by its app.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use url::Url;

use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};

/// The alert names apps may switch on, which are the notification types pushed.
pub const ALERT_TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "quote",
    "quoted_update",
    "admin.sign_up",
    "admin.report",
];

/// Whose notifications are pushed.
pub const POLICIES: &[&str] = &["all", "followed", "follower", "none"];

/// Longest endpoint accepted (push services' URLs are a few hundred characters).
const MAX_ENDPOINT_LEN: usize = 2048;

/// What an app asks for on subscribing.
#[derive(Debug)]
pub struct Subscribe<'a> {
    pub access_token_id: i64,
    pub account_id: i64,
    pub access_token: &'a str,
    pub endpoint: &'a str,
    /// The user agent's public key and authentication secret, base64url (padded or not; plain
    /// base64 is read too, as some libraries send it).
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub standard: bool,
    pub alerts: Vec<String>,
    pub policy: Option<&'a str>,
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()
}

fn checked_policy(policy: Option<&str>) -> AppResult<&'static str> {
    let policy = policy.unwrap_or("all");
    POLICIES
        .iter()
        .find(|p| **p == policy)
        .copied()
        .ok_or_else(|| invalid("Policy is not included in the list"))
}

/// Keeps the known alert names that are switched on, in a stable order.
pub fn known_alerts(switched_on: impl IntoIterator<Item = String>) -> Vec<String> {
    let on: Vec<String> = switched_on.into_iter().collect();
    ALERT_TYPES
        .iter()
        .filter(|name| on.iter().any(|o| o == *name))
        .map(|name| (*name).to_owned())
        .collect()
}

/// Makes (or replaces) the token's subscription. The endpoint must be one we would send to:
/// https (plain http only for development hosts, as federation), not a private address unless
/// `federation.allow_private_addresses`, not on a suspended domain.
pub async fn subscribe(state: &AppState, request: &Subscribe<'_>) -> AppResult<db::push::Subscription> {
    if request.endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(invalid("Endpoint is too long"));
    }
    let endpoint = Url::parse(request.endpoint).map_err(|_| invalid("Endpoint is not a valid URL"))?;
    state
        .federation
        .fetcher
        .check_url(&endpoint)
        .map_err(|e| invalid(&format!("Endpoint cannot be used ({e})")))?;
    let p256dh = decode_key(request.p256dh)
        .filter(|key| key.len() == 65 && key[0] == 4)
        .ok_or_else(|| invalid("Keys p256dh is not an uncompressed P-256 public key"))?;
    // RFC 8291 §3.2: sixteen random octets.
    let auth = decode_key(request.auth)
        .filter(|secret| secret.len() == 16)
        .ok_or_else(|| invalid("Keys auth is not a 16-byte authentication secret"))?;
    let policy = checked_policy(request.policy)?;
    let alerts = known_alerts(request.alerts.iter().cloned());
    Ok(db::push::upsert(
        &state.db,
        &db::push::NewSubscription {
            access_token_id: request.access_token_id,
            account_id: request.account_id,
            access_token: request.access_token,
            endpoint: endpoint.as_str(),
            key_p256dh: &p256dh,
            key_auth: &auth,
            standard: request.standard,
            alerts: &alerts,
            policy,
        },
    )
    .await?)
}

/// Changes what the token's subscription pushes: the alerts given replace the old ones (unnamed
/// ones keep their value), the policy when given. 404 without a subscription.
pub async fn update(
    state: &AppState,
    access_token_id: i64,
    alerts: &[(String, bool)],
    policy: Option<&str>,
) -> AppResult<db::push::Subscription> {
    let current = db::push::find_by_token(&state.db, access_token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut on = current.alerts.clone();
    for (name, value) in alerts {
        on.retain(|o| o != name);
        if *value {
            on.push(name.clone());
        }
    }
    let policy = match policy {
        Some(_) => checked_policy(policy)?,
        None => checked_policy(Some(&current.policy))?,
    };
    db::push::update_alerts(&state.db, access_token_id, &known_alerts(on), policy)
        .await?
        .ok_or(AppError::NotFound)
}

/// Ends the token's subscription (none to end is fine, as in Mastodon).
pub async fn unsubscribe(state: &AppState, access_token_id: i64) -> AppResult<()> {
    db::push::delete_by_token(&state.db, access_token_id).await?;
    Ok(())
}
