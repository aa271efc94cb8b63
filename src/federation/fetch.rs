//! The outgoing HTTP client: signed AS2 fetches, WebFinger, and the guard against private addresses.
//!
//! Every connection goes through [`GuardedResolver`], which refuses loopback, private,
//! link-local, unique-local and IPv4-mapped addresses after DNS resolution (so a public name
//! pointing inward is caught), unless `federation.allow_private_addresses` is set. Names in
//! `federation.resolve` are operator configuration and reach their address regardless. Redirects
//! are followed by hand, at most [`MAX_REDIRECTS`], each hop checked like the first. One fetch,
//! redirects and body included, ends after `federation.fetch_timeout_seconds`.
//!
//! Scheme rule: `https` always; plain `http` only when `server.https` is false and the target is
//! a development name (`*.test`, `localhost`, `*.localhost`) or a loopback address, so two
//! instances can federate on one machine without certificates while production never downgrades.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};
use serde_json::Value;
use url::Url;

use super::signatures::{SigningKey, sign_get};
use crate::config::Config;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// Largest response body read (AS2 documents are small; a bigger one is refused, not truncated).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest pause between two reads of a response (a server that stalls mid-answer).
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// What we ask servers for: AS2 first, JSON-LD with the ActivityStreams profile second.
pub const AS2_ACCEPT: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Why a fetch gave nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("network error: {0}")]
    Network(String),
    #[error("the server answered {0}")]
    Status(StatusCode),
    #[error("the response is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("no complete answer within {0:?}")]
    TimedOut(Duration),
    #[error("the response is not ActivityStreams JSON (content type {0:?})")]
    NotActivityJson(String),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("the document's id {found:?} is not where it was fetched from ({fetched})")]
    IdMismatch { fetched: String, found: String },
}

impl FetchError {
    /// The remote says the object is gone for good (404 or 410).
    pub fn is_gone(&self) -> bool {
        matches!(self, FetchError::Status(status) if *status == StatusCode::GONE || *status == StatusCode::NOT_FOUND)
    }
}

/// What a conditional GET found.
#[derive(Debug)]
pub enum Conditional {
    /// 304: the copy we have is current.
    NotModified,
    /// The document, with the validators to send next time.
    Fetched {
        content_type: String,
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// The shared outgoing client (cheap to clone: one connection pool).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    guard: Arc<AddressGuard>,
    allow_plain_http: bool,
    policy: Arc<crate::moderation::DomainPolicy>,
    /// The longest one fetch may take, every hop and the body included.
    timeout: Duration,
}

#[derive(Debug)]
struct AddressGuard {
    allow_private: bool,
}

impl AddressGuard {
    fn permits(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

impl Fetcher {
    /// Builds the client from `[federation]` and `[server]`.
    pub fn new(config: &Config, policy: Arc<crate::moderation::DomainPolicy>) -> anyhow::Result<Self> {
        let guard = Arc::new(AddressGuard {
            allow_private: config.federation.allow_private_addresses,
        });
        let timeout = Duration::from_secs(u64::from(config.federation.fetch_timeout_seconds));
        let mut builder = reqwest::Client::builder()
            .user_agent(format!(
                "ferrodon/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                config.base_url()
            ))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the guard.
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .read_timeout(READ_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(90))
            .dns_resolver(Arc::new(GuardedResolver { guard: guard.clone() }));
        for (host, addr) in &config.federation.resolve {
            builder = builder.resolve(host, *addr);
        }
        Ok(Self {
            client: builder.build()?,
            guard,
            allow_plain_http: !config.server.https,
            policy,
            timeout,
        })
    }

    /// The underlying client, for deliveries (same guard, same pool).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Whether `url` may be requested at all: scheme rule and literal addresses.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let host = url
            .host()
            .ok_or_else(|| FetchError::Refused(format!("{url} has no host")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_plain_http && is_development_host(&host) => {}
            other => {
                return Err(FetchError::Refused(format!(
                    "scheme {other} is not allowed for {url}"
                )));
            }
        }
        if self.policy.check(&host.to_string()).is_suspended() {
            return Err(FetchError::Refused(format!(
                "{host} is suspended by this server's policy"
            )));
        }
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if let Some(ip) = literal
            && !self.guard.permits(ip)
        {
            return Err(FetchError::Refused(format!("{ip} is not a public address")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Refused(
                "URLs with credentials are not fetched".into(),
            ));
        }
        Ok(())
    }

    /// A URL for `host` and `path` under the scheme rule (WebFinger, NodeInfo).
    pub fn url_for_host(&self, host: &str, path_and_query: &str) -> Result<Url, FetchError> {
        let https = Url::parse(&format!("https://{host}{path_and_query}"))
            .map_err(|e| FetchError::Refused(format!("invalid host {host:?}: {e}")))?;
        let development = https.host().is_some_and(|h| is_development_host(&h));
        if self.allow_plain_http && development {
            let mut http = https;
            let _ = http.set_scheme("http");
            Ok(http)
        } else {
            Ok(https)
        }
    }

    /// Sends the request `build` makes for `url`, following redirects (each hop checked by
    /// [`Fetcher::check_url`], at most [`MAX_REDIRECTS`]); returns the final URL and the first
    /// answer that is not a redirect (a 304 Not Modified is an answer, not a redirect).
    async fn follow_redirects(
        &self,
        url: &Url,
        build: impl Fn(&Url) -> reqwest::RequestBuilder,
    ) -> Result<(Url, reqwest::Response), FetchError> {
        let mut current = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&current)?;
            let response = build(&current).send().await.map_err(network_error)?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return Ok((current, response));
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or(FetchError::Status(status))?;
            current = current
                .join(location)
                .map_err(|e| FetchError::Refused(format!("bad redirect {location:?}: {e}")))?;
        }
        Err(FetchError::Refused(format!(
            "more than {MAX_REDIRECTS} redirects from {url}"
        )))
    }

    /// Runs one fetch under the time bound. The client's own timeout bounds each request; a
    /// chain of redirects, each answered just in time, must not add up past the bound.
    async fn within_time_bound<T>(
        &self,
        fetch: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        tokio::time::timeout(self.timeout, fetch)
            .await
            .unwrap_or(Err(FetchError::TimedOut(self.timeout)))
    }

    /// POSTs `body` to `url` as given (a push service's endpoint): one hop, no redirects, under
    /// the address guard and the time bound. Any status is an answer for the caller to read.
    pub async fn post(
        &self,
        url: &Url,
        headers: axum::http::HeaderMap,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, FetchError> {
        self.within_time_bound(async {
            self.check_url(url)?;
            self.client
                .post(url.clone())
                .headers(headers)
                .body(body)
                .send()
                .await
                .map_err(network_error)
        })
        .await
    }

    /// GETs `url` (following checked redirects), signed by `signer` when given, and returns the
    /// final URL, the content type and the body. Status codes other than 2xx are errors.
    pub async fn get(
        &self,
        url: &Url,
        accept: &str,
        signer: Option<&SigningKey>,
    ) -> Result<(Url, String, Vec<u8>), FetchError> {
        self.within_time_bound(async {
            let accept = HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("*/*"));
            let (came_from, response) = self
                .follow_redirects(url, |current| {
                    let mut request = self
                        .client
                        .get(current.clone())
                        .header(header::ACCEPT, accept.clone());
                    if let Some(key) = signer {
                        for (name, value) in sign_get(key, current, SystemTime::now()) {
                            request = request.header(name, value);
                        }
                    }
                    request
                })
                .await?;
            let status = response.status();
            if !status.is_success() {
                return Err(FetchError::Status(status));
            }
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = read_bounded(response).await?;
            Ok((came_from, content_type, body))
        })
        .await
    }

    /// A conditional GET of `url` (not signed; redirects checked like [`Fetcher::get`]):
    /// `If-None-Match: etag` and `If-Modified-Since: last_modified` when given, so an unchanged
    /// document costs a 304. The body may be up to `max_bytes`.
    pub async fn get_if_changed(
        &self,
        url: &Url,
        accept: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        max_bytes: usize,
    ) -> Result<Conditional, FetchError> {
        self.within_time_bound(async {
            let (_, response) = self
                .follow_redirects(url, |current| {
                    let mut request = self.client.get(current.clone()).header(header::ACCEPT, accept);
                    if let Some(etag) = etag {
                        request = request.header(header::IF_NONE_MATCH, etag);
                    }
                    if let Some(last_modified) = last_modified {
                        request = request.header(header::IF_MODIFIED_SINCE, last_modified);
                    }
                    request
                })
                .await?;
            let status = response.status();
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Conditional::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::Status(status));
            }
            let text_header = |name: header::HeaderName| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let etag = text_header(header::ETAG);
            let last_modified = text_header(header::LAST_MODIFIED);
            let content_type = text_header(header::CONTENT_TYPE).unwrap_or_default();
            let body = read_at_most(response, max_bytes).await?;
            Ok(Conditional::Fetched {
                content_type,
                body,
                etag,
                last_modified,
            })
        })
        .await
    }

    /// Fetches an ActivityStreams document. Its `id` must be the URL it finally came from (after
    /// redirects); if it is not, the document is fetched again from its own id (once), where it
    /// must name itself and be served without redirection: what we keep always comes from its
    /// origin, and a redirect never lends one host's name to another's document.
    pub async fn fetch_object(&self, url: &Url, signer: Option<&SigningKey>) -> Result<Value, FetchError> {
        let (came_from, document) = self.fetch_as2(url, signer).await?;
        let id = document.get("id").and_then(Value::as_str).unwrap_or_default();
        if id == without_fragment(&came_from) {
            return Ok(document);
        }
        let own = Url::parse(id).map_err(|_| FetchError::IdMismatch {
            fetched: came_from.to_string(),
            found: id.to_owned(),
        })?;
        let (again_from, again) = self.fetch_as2(&own, signer).await?;
        let again_id = again.get("id").and_then(Value::as_str).unwrap_or_default();
        let own_id = without_fragment(&own);
        if again_id == own_id && without_fragment(&again_from) == own_id {
            Ok(again)
        } else {
            Err(FetchError::IdMismatch {
                fetched: again_from.to_string(),
                found: again_id.to_owned(),
            })
        }
    }

    async fn fetch_as2(&self, url: &Url, signer: Option<&SigningKey>) -> Result<(Url, Value), FetchError> {
        let (came_from, content_type, body) = self.get(url, AS2_ACCEPT, signer).await?;
        if !is_as2_content_type(&content_type) {
            return Err(FetchError::NotActivityJson(content_type));
        }
        let document = super::vocab::parse_json(&body).map_err(|e| FetchError::InvalidJson(e.to_string()))?;
        Ok((came_from, document))
    }

    /// Asks `domain`'s WebFinger for `acct:user@domain` and returns the actor URL it names.
    pub async fn webfinger(&self, user: &str, domain: &str) -> Result<Url, FetchError> {
        let resource: String =
            form_urlencoded::byte_serialize(format!("acct:{user}@{domain}").as_bytes()).collect();
        let url = self.url_for_host(domain, &format!("/.well-known/webfinger?resource={resource}"))?;
        let (_, _, body) = self
            .get(&url, "application/jrd+json, application/json", None)
            .await?;
        let jrd = super::vocab::parse_json(&body).map_err(|e| FetchError::InvalidJson(e.to_string()))?;
        let links = jrd
            .get("links")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        links
            .iter()
            .filter(|link| link.get("rel").and_then(Value::as_str) == Some("self"))
            .filter(|link| {
                link.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(is_as2_content_type)
            })
            .find_map(|link| link.get("href").and_then(Value::as_str))
            .and_then(|href| Url::parse(href).ok())
            .ok_or_else(|| FetchError::InvalidJson(format!("no ActivityPub actor for {user}@{domain}")))
    }
}

async fn read_bounded(response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
    read_at_most(response, MAX_BODY_BYTES).await
}

async fn read_at_most(mut response: reqwest::Response, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn network_error(error: reqwest::Error) -> FetchError {
    // The guard's refusal surfaces as a connect error; keep its words visible.
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    if text.contains(GUARD_REFUSAL) {
        FetchError::Refused(text)
    } else {
        FetchError::Network(text)
    }
}

/// A URL as a document id: without its `#fragment` (never sent, so never part of where a
/// document came from).
fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// `application/activity+json` or `application/ld+json` (any parameters).
pub fn is_as2_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/activity+json" || essence == "application/ld+json"
}

/// Names reserved for testing and documentation (RFC 6761: never on the internet), and loopback.
fn is_development_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || [".localhost", ".test", ".example"]
                    .iter()
                    .any(|tld| name.ends_with(tld))
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Whether `ip` is a public unicast address (what federation may connect to).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || is_ipv4_compatible(v6)
                || embeds_private_v4(v6))
        }
    }
}

/// NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32) carry an IPv4
/// address that a gateway may reach: refused when that address is not public (Teredo always).
fn embeds_private_v4(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match (s[0], s[1]) {
        (0x0064, 0xff9b) => !is_public_v4(v4(s[6], s[7])),
        (0x2002, _) => !is_public_v4(v4(s[1], s[2])),
        (0x2001, 0x0000) => true,
        _ => false,
    }
}

fn is_ipv4_compatible(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    s[..6].iter().all(|&x| x == 0)
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments 192.0.0/24
        || a >= 240)
}

const GUARD_REFUSAL: &str = "resolves only to non-public addresses";

/// System DNS, with non-public answers removed unless allowed.
#[derive(Debug)]
struct GuardedResolver {
    guard: Arc<AddressGuard>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| guard.permits(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!("{host} {GUARD_REFUSAL}").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "ff02::1",
            "64:ff9b::a9fe:a9fe",
            "2002:0a00:0001::1",
            "2001:0:4136:e378::1",
            "192.0.0.8",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn as2_content_types_are_recognized() {
        assert!(is_as2_content_type("application/activity+json"));
        assert!(is_as2_content_type("application/activity+json; charset=utf-8"));
        assert!(is_as2_content_type(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(!is_as2_content_type("text/html"));
        assert!(!is_as2_content_type("application/json"));
        assert!(!is_as2_content_type(""));
    }

    fn fetcher(https: bool, allow_private: bool) -> Fetcher {
        let mut config = Config::default();
        config.server.https = https;
        config.federation.allow_private_addresses = allow_private;
        Fetcher::new(&config, Arc::new(crate::moderation::DomainPolicy::new(&config))).unwrap()
    }

    #[test]
    fn the_scheme_rule_allows_plain_http_only_for_development_names_without_https() {
        let dev = fetcher(false, false);
        assert!(
            dev.check_url(&Url::parse("http://remote.test/users/a").unwrap())
                .is_ok()
        );
        assert!(
            dev.check_url(&Url::parse("http://localhost:3000/a").unwrap())
                .is_ok()
        );
        assert!(
            dev.check_url(&Url::parse("http://example.com/a").unwrap())
                .is_err()
        );
        assert!(
            dev.check_url(&Url::parse("https://example.com/a").unwrap())
                .is_ok()
        );
        assert!(
            dev.check_url(&Url::parse("ftp://example.com/a").unwrap())
                .is_err()
        );
        assert!(
            dev.check_url(&Url::parse("https://user:pw@example.com/a").unwrap())
                .is_err()
        );
        let production = fetcher(true, false);
        assert!(
            production
                .check_url(&Url::parse("http://remote.test/a").unwrap())
                .is_err()
        );
        assert_eq!(
            dev.url_for_host("remote.test", "/x").unwrap().as_str(),
            "http://remote.test/x"
        );
        assert_eq!(
            production.url_for_host("remote.test", "/x").unwrap().as_str(),
            "https://remote.test/x"
        );
    }

    #[test]
    fn literal_private_addresses_are_refused_unless_allowed() {
        let guarded = fetcher(true, false);
        for url in [
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://[::ffff:7f00:1]/x",
            "https://10.0.0.1/x",
        ] {
            assert!(
                matches!(
                    guarded.check_url(&Url::parse(url).unwrap()),
                    Err(FetchError::Refused(_))
                ),
                "{url}"
            );
        }
        let open = fetcher(true, true);
        assert!(
            open.check_url(&Url::parse("https://127.0.0.1/x").unwrap())
                .is_ok()
        );
    }
}
