//! Fixed-window rate limits per client address and per account on sign-in, sign-up and token
//! requests, answered with 429, `Retry-After` and `X-RateLimit-*` as Mastodon does.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::config::Network;
use crate::error::{AppError, AppResult};

/// Windows are forgotten once this many keys are held and they have expired.
const PRUNE_ABOVE: usize = 10_000;

/// One limit: at most `max` attempts per `period` (0 turns it off).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: u32,
    pub period: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Counters of attempts, shared by every request of this process.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    /// Counts an attempt under `limit` for `key`; past the limit, a 429 to answer with.
    pub fn hit(&self, limit: Limit, key: &str) -> AppResult<()> {
        if limit.max == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows
                .retain(|_, w| now.duration_since(w.started) < limit.period.max(Duration::from_secs(3600)));
        }
        let window = windows.entry(format!("{}:{key}", limit.name)).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= limit.period {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= limit.max {
            let reset_in = limit.period.saturating_sub(now.duration_since(window.started));
            return Err(AppError::RateLimited {
                retry_after_secs: reset_in.as_secs().max(1),
                limit: limit.max,
            });
        }
        window.count += 1;
        Ok(())
    }
}

/// The client's address as the rate limits key it (empty when unknown).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        let ip = client_ip(peer, &parts.headers, &state.config.server.trusted_proxies);
        Ok(Self(ip.map(|ip| ip.to_string()).unwrap_or_default()))
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For` (a spoofed header from anyone else is ignored).
pub fn client_ip(
    peer: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted: &[Network],
) -> Option<IpAddr> {
    let peer = peer.map(|ConnectInfo(addr)| addr.ip())?;
    if !trusted.iter().any(|n| n.contains(peer)) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.iter().any(|n| n.contains(*ip)))
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_past_the_limit_are_refused_until_the_window_ends() {
        let limiter = RateLimiter::default();
        let limit = Limit {
            name: "t",
            max: 2,
            period: Duration::from_millis(200),
        };
        assert!(limiter.hit(limit, "a").is_ok());
        assert!(limiter.hit(limit, "a").is_ok());
        assert!(matches!(
            limiter.hit(limit, "a"),
            Err(AppError::RateLimited { limit: 2, .. })
        ));
        assert!(limiter.hit(limit, "b").is_ok(), "keys are counted apart");
        std::thread::sleep(Duration::from_millis(220));
        assert!(limiter.hit(limit, "a").is_ok());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let trusted: Vec<Network> = vec!["10.0.0.0/8".parse().unwrap()];
        let from_proxy = ConnectInfo("10.0.0.1:5000".parse::<SocketAddr>().unwrap());
        let direct = ConnectInfo("198.51.100.7:5000".parse::<SocketAddr>().unwrap());
        assert_eq!(
            client_ip(Some(&from_proxy), &headers, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(&direct), &headers, &trusted),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            client_ip(Some(&from_proxy), &headers, &[]),
            Some("10.0.0.1".parse().unwrap())
        );
    }
}
