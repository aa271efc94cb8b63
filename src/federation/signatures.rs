//! HTTP Signatures: draft-cavage signing of outgoing requests; cavage and RFC 9421 checks on incoming ones.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ED25519, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use sha2::{Digest as _, Sha256, Sha512};

/// How old a signature's time (`created`, else `Date`) may be, and how far ahead of this clock:
/// an hour both ways, close to Mastodon 4 (at most 1 hour ahead; too old about 65 minutes after
/// a plain `Date`), which every peer that federates with Mastodon already meets. Senders sign
/// at send time, so the window only forgives clock drift, and it bounds replays.
pub const MAX_AGE: Duration = Duration::from_hours(1);
/// See [`MAX_AGE`].
pub const MAX_FUTURE: Duration = Duration::from_hours(1);

/// More covered components than any real sender uses; bounds the work an attacker can ask for.
const MAX_COVERED: usize = 32;
/// Signature headers, and each covered header, longer than this are refused before parsing.
const MAX_HEADER_LEN: usize = 8 * 1024;
/// Published keys are a few hundred bytes; a larger "key" is not one.
const MAX_KEY_PEM_LEN: usize = 16 * 1024;
/// Cavage signatures have six known parameters; a few unknown ones are tolerated.
const MAX_PARAMS: usize = 16;

/// Senders disagree on base64 padding in signatures and digests; accept both spellings.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why an incoming signature was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the request carries no signature")]
    Missing,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("unsupported signature or digest algorithm")]
    UnsupportedAlgorithm,
    #[error("the signature covers no date")]
    DateMissing,
    #[error("the signature's date is outside the accepted window")]
    DateOutOfWindow,
    #[error("the request body has no digest")]
    DigestMissing,
    #[error("the digest does not match the body")]
    DigestMismatch,
    #[error("the signature does not cover `{0}`")]
    HeaderNotSigned(String),
    #[error("the signed header `{0}` is absent")]
    HeaderAbsent(String),
    #[error("the public key cannot be used")]
    BadKey,
    #[error("the signature does not verify")]
    Invalid,
}

impl SignatureError {
    /// A short label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing",
            SignatureError::Malformed(_) => "malformed",
            SignatureError::UnsupportedAlgorithm => "unsupported_algorithm",
            SignatureError::DateMissing => "date_missing",
            SignatureError::DateOutOfWindow => "date_out_of_window",
            SignatureError::DigestMissing => "digest_missing",
            SignatureError::DigestMismatch => "digest_mismatch",
            SignatureError::HeaderNotSigned(_) => "header_not_signed",
            SignatureError::HeaderAbsent(_) => "header_absent",
            SignatureError::BadKey => "bad_key",
            SignatureError::Invalid => "invalid",
        }
    }
}

fn malformed(what: &str) -> SignatureError {
    SignatureError::Malformed(what.to_owned())
}

/// An actor's private key, parsed once; clones share it.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<SigningKeyInner>,
}

struct SigningKeyInner {
    key_id: String,
    pair: KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.inner.key_id)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PKCS#8 PEM private key (as [`super::keys::generate`] writes it) for `key_id`,
    /// usually `<actor uri>#main-key`.
    pub fn from_pem(key_id: impl Into<String>, private_pem: &str) -> anyhow::Result<SigningKey> {
        let key_id = key_id.into();
        // The id goes between quotes in a header: checking it here keeps signing infallible.
        anyhow::ensure!(
            !key_id.is_empty()
                && key_id
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'),
            "a key id must be printable ASCII without quotes or backslashes"
        );
        let pair = super::keys::private_key_from_pem(private_pem)?;
        Ok(SigningKey {
            inner: Arc::new(SigningKeyInner { key_id, pair }),
        })
    }

    pub fn key_id(&self) -> &str {
        &self.inner.key_id
    }

    fn sign(&self, message: &[u8]) -> String {
        let pair = &self.inner.pair;
        let mut signature = vec![0; pair.public_modulus_len()];
        let signed = pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message,
            &mut signature,
        );
        // Cannot fail with a buffer of the modulus' size. Were it ever to, the peer refuses an
        // unverifiable request, which beats a delivery worker panicking.
        debug_assert!(signed.is_ok(), "RSA signing failed");
        if signed.is_err() {
            return String::new();
        }
        STANDARD.encode(signature)
    }
}

/// Headers for a signed GET of `url`: `Host`, `Date` and a cavage `Signature` over
/// `(request-target) host date`.
pub fn sign_get(key: &SigningKey, url: &url::Url, now: SystemTime) -> Vec<(HeaderName, HeaderValue)> {
    sign_request(key, "get", url, None, now)
}

/// Headers for a signed POST of `body` to `url`: `Host`, `Date`, `Digest` (SHA-256) and a cavage
/// `Signature` over `(request-target) host date digest`. The caller sets `Content-Type`.
pub fn sign_post(
    key: &SigningKey,
    url: &url::Url,
    body: &[u8],
    now: SystemTime,
) -> Vec<(HeaderName, HeaderValue)> {
    let digest = format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)));
    sign_request(key, "post", url, Some(digest), now)
}

fn sign_request(
    key: &SigningKey,
    method: &str,
    url: &url::Url,
    digest: Option<String>,
    now: SystemTime,
) -> Vec<(HeaderName, HeaderValue)> {
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => String::new(),
    };
    // httpdate panics before the epoch; a clock that far off fails at the peer instead.
    let date = httpdate::fmt_http_date(now.max(UNIX_EPOCH));
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut signing_string = format!("(request-target): {method} {target}\nhost: {host}\ndate: {date}");
    let mut covered = "(request-target) host date";
    if let Some(digest) = &digest {
        signing_string.push_str("\ndigest: ");
        signing_string.push_str(digest);
        covered = "(request-target) host date digest";
    }
    let signature = format!(
        "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"{covered}\",signature=\"{}\"",
        key.key_id(),
        key.sign(signing_string.as_bytes()),
    );
    let mut headers = vec![
        (header::HOST, ascii_value(host)),
        (header::DATE, ascii_value(date)),
    ];
    if let Some(digest) = digest {
        headers.push((HeaderName::from_static("digest"), ascii_value(digest)));
    }
    headers.push((HeaderName::from_static("signature"), ascii_value(signature)));
    headers
}

fn ascii_value(text: String) -> HeaderValue {
    // Everything signed here is ASCII by construction (URL hosts, dates, base64, checked key ids).
    HeaderValue::try_from(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    RsaSha256,
    Ed25519,
    /// `hs2019` or no algorithm named: the key's own type decides.
    FromKey,
}

/// A signature whose request checks passed, waiting for its key: look up [`Self::key_id`]
/// (perhaps over the network), then call [`Self::verify`].
#[derive(Debug, Clone)]
pub struct PendingSignature {
    key_id: String,
    algorithm: Algorithm,
    signature: Vec<u8>,
    message: Vec<u8>,
    /// The cavage signing string without the query string, which some servers leave out.
    fallback: Option<Vec<u8>>,
}

impl PendingSignature {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Checks the signature against a PEM public key: SPKI (`BEGIN PUBLIC KEY`, RSA or Ed25519)
    /// or PKCS#1 (`BEGIN RSA PUBLIC KEY`). RSA means PKCS#1 v1.5 with SHA-256, 2048 to 8192 bits.
    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        if public_key_pem.len() > MAX_KEY_PEM_LEN {
            return Err(SignatureError::BadKey);
        }
        let block = pem::parse(public_key_pem.trim()).map_err(|_| SignatureError::BadKey)?;
        let der = block.contents();
        let rsa = || ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).ok();
        let ed25519 = || ParsedPublicKey::new(&ED25519, der).ok();
        // aws-lc-rs reads both RSA encodings itself; only Ed25519 needs the SPKI form.
        let key = match (block.tag(), self.algorithm) {
            ("RSA PUBLIC KEY", Algorithm::RsaSha256 | Algorithm::FromKey) => rsa(),
            ("PUBLIC KEY", Algorithm::RsaSha256) => rsa(),
            ("PUBLIC KEY", Algorithm::Ed25519) => ed25519(),
            ("PUBLIC KEY", Algorithm::FromKey) => rsa().or_else(ed25519),
            _ => None,
        }
        .ok_or(SignatureError::BadKey)?;
        let verified = key.verify_sig(&self.message, &self.signature).is_ok()
            || self
                .fallback
                .as_ref()
                .is_some_and(|message| key.verify_sig(message, &self.signature).is_ok());
        if verified {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }
}

/// Checks everything about an incoming request's signature except the signature itself.
///
/// Accepts a draft-cavage `Signature` header (or `Authorization: Signature …`) or an RFC 9421
/// `Signature-Input` with its `Signature`. Cavage signatures must cover `(request-target)` and
/// `host`; RFC 9421 ones `@method`, the target (`@target-uri`, `@request-target` or `@path`)
/// and the authority (`@target-uri`, `@authority` or `host`). The signature's time (the
/// `created` parameter, else the signed `Date` header) may be up to [`MAX_AGE`] old and
/// [`MAX_FUTURE`] ahead, and an `expires` parameter, when given, must not have passed.
/// POST and PUT must sign `Digest` (cavage; SHA-256 or SHA-512) or `Content-Digest` (RFC 9421
/// and 9530; `sha-256` or `sha-512`), which must match `body`. RFC 9421 `@target-uri` is
/// rebuilt as `https://` + `Host` + `path_and_query` (see [`parse_request_over`] for a server
/// reached over plain http).
pub fn parse_request(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    parse_request_over(true, method, path_and_query, headers, body, now)
}

/// [`parse_request`] for a request that reached us over TLS (`https`) or not: the scheme is part
/// of what RFC 9421 signs (`@target-uri`, `@scheme`), and only the server knows how it is reached.
pub fn parse_request_over(
    https: bool,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    let request = Request {
        scheme: if https { "https" } else { "http" },
        method,
        path_and_query,
        headers,
        body,
        now,
    };
    if headers.contains_key("signature-input") {
        return parse_rfc9421(&request);
    }
    if let Some(text) = single_header(headers, "signature")? {
        return parse_cavage(&request, text);
    }
    if let Some(text) = single_header(headers, "authorization")? {
        let scheme = text.get(..10).filter(|s| s.eq_ignore_ascii_case("signature "));
        if scheme.is_some() {
            return parse_cavage(&request, text[10..].trim_start());
        }
    }
    Err(SignatureError::Missing)
}

struct Request<'a> {
    scheme: &'static str,
    method: &'a Method,
    path_and_query: &'a str,
    headers: &'a HeaderMap,
    body: &'a [u8],
    now: SystemTime,
}

impl Request<'_> {
    fn needs_digest(&self) -> bool {
        self.method == Method::POST || self.method == Method::PUT
    }

    /// A header's values as they enter a signing string: trimmed, joined with ", ".
    fn covered_value(&self, name: &str) -> Result<Vec<u8>, SignatureError> {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| malformed("bad header name"))?;
        let mut joined = Vec::new();
        for (i, value) in self.headers.get_all(&header).iter().enumerate() {
            if i > 0 {
                joined.extend_from_slice(b", ");
            }
            joined.extend_from_slice(value.as_bytes().trim_ascii());
            if joined.len() > MAX_HEADER_LEN {
                return Err(malformed("covered header too long"));
            }
        }
        if joined.is_empty() && !self.headers.contains_key(&header) {
            return Err(SignatureError::HeaderAbsent(name.to_owned()));
        }
        Ok(joined)
    }

    fn host(&self) -> Result<String, SignatureError> {
        let host = self.covered_value("host")?;
        String::from_utf8(host.to_ascii_lowercase()).map_err(|_| malformed("host is not text"))
    }
}

/// The one value of a signature header as text, bounded.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, SignatureError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(malformed("repeated signature header"));
    }
    if value.len() > MAX_HEADER_LEN {
        return Err(malformed("signature header too long"));
    }
    value
        .to_str()
        .map(Some)
        .map_err(|_| malformed("signature header is not ASCII"))
}

/// All values of a structured header joined, bounded.
fn joined_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut joined: Option<String> = None;
    for value in headers.get_all(name) {
        let text = value.to_str().map_err(|_| malformed("header is not ASCII"))?;
        let out = joined.get_or_insert_with(String::new);
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(text);
        if out.len() > MAX_HEADER_LEN {
            return Err(malformed("signature header too long"));
        }
    }
    Ok(joined)
}

#[derive(Default)]
struct CavageParams {
    key_id: Option<String>,
    algorithm: Option<String>,
    headers: Option<String>,
    signature: Option<String>,
    created: Option<String>,
    expires: Option<String>,
}

/// Splits `name="value",name=123,…`; quoted values may hold commas and `\"` escapes.
fn parse_cavage_params(text: &str) -> Result<CavageParams, SignatureError> {
    let mut params = CavageParams::default();
    let mut rest = text.trim();
    for _ in 0..=MAX_PARAMS {
        if rest.is_empty() {
            return Ok(params);
        }
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| malformed("parameter without value"))?;
        let name = name.trim();
        let after = after.trim_start();
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => return Err(malformed("unterminated string")),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err(malformed("unterminated string")),
                }
            };
            (value, &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        let slot_taken = match name.to_ascii_lowercase().as_str() {
            "keyid" => params.key_id.replace(value).is_some(),
            "algorithm" => params.algorithm.replace(value).is_some(),
            "headers" => params.headers.replace(value).is_some(),
            "signature" => params.signature.replace(value).is_some(),
            "created" => params.created.replace(value).is_some(),
            "expires" => params.expires.replace(value).is_some(),
            _ => false,
        };
        if slot_taken {
            return Err(malformed("repeated parameter"));
        }
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(next) => next.trim_start(),
            None if after.is_empty() => after,
            None => return Err(malformed("expected a comma between parameters")),
        };
    }
    Err(malformed("too many parameters"))
}

fn parse_cavage(request: &Request<'_>, text: &str) -> Result<PendingSignature, SignatureError> {
    let params = parse_cavage_params(text)?;
    let key_id = params
        .key_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("no keyId"))?;
    let signature = params
        .signature
        .and_then(|s| LENIENT_BASE64.decode(s.trim()).ok())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("no signature"))?;
    let algorithm = match params
        .algorithm
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("hs2019") => Algorithm::FromKey,
        Some("rsa-sha256") => Algorithm::RsaSha256,
        Some("ed25519") => Algorithm::Ed25519,
        Some(_) => return Err(SignatureError::UnsupportedAlgorithm),
    };
    // The draft's default when `headers` is absent.
    let covered_text = params
        .headers
        .unwrap_or_else(|| "date".to_owned())
        .to_ascii_lowercase();
    let covered: Vec<&str> = covered_text.split_ascii_whitespace().collect();
    check_covered_list(&covered)?;
    for required in ["(request-target)", "host"] {
        if !covered.contains(&required) {
            return Err(SignatureError::HeaderNotSigned(required.to_owned()));
        }
    }
    let created = params.created.as_deref().map(parse_unix_time).transpose()?;
    let expires = params.expires.as_deref().map(parse_unix_time).transpose()?;
    let sent = if covered.contains(&"(created)") {
        created.ok_or_else(|| malformed("(created) signed without a created parameter"))?
    } else {
        signed_date(request, covered.contains(&"date"))?
    };
    check_window(sent, expires, request.now)?;
    if request.needs_digest() || covered.contains(&"digest") {
        if !covered.contains(&"digest") {
            return Err(unsigned_digest(request, "digest"));
        }
        let digest = request.covered_value("digest")?;
        check_digest(&digest, request.body)?;
    }

    let signing_string = |target: &str| -> Result<Vec<u8>, SignatureError> {
        let mut out = Vec::new();
        for (i, name) in covered.iter().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            match *name {
                "(request-target)" => {
                    out.extend_from_slice(request.method.as_str().to_ascii_lowercase().as_bytes());
                    out.push(b' ');
                    out.extend_from_slice(target.as_bytes());
                }
                "(created)" => {
                    out.extend_from_slice(params.created.as_deref().unwrap_or_default().as_bytes())
                }
                "(expires)" => {
                    let value = params
                        .expires
                        .as_deref()
                        .ok_or_else(|| malformed("(expires) signed without an expires parameter"))?;
                    out.extend_from_slice(value.as_bytes());
                }
                pseudo if pseudo.starts_with('(') => return Err(malformed("unknown pseudo-header")),
                header => out.extend_from_slice(&request.covered_value(header)?),
            }
        }
        Ok(out)
    };
    let message = signing_string(request.path_and_query)?;
    let fallback = match request.path_and_query.split_once('?') {
        Some((path, _)) => Some(signing_string(path)?),
        None => None,
    };
    Ok(PendingSignature {
        key_id,
        algorithm,
        signature,
        message,
        fallback,
    })
}

fn check_covered_list(covered: &[&str]) -> Result<(), SignatureError> {
    if covered.len() > MAX_COVERED {
        return Err(malformed("too many covered components"));
    }
    for (i, name) in covered.iter().enumerate() {
        if covered[..i].contains(name) {
            return Err(malformed("a component is covered twice"));
        }
    }
    Ok(())
}

fn parse_unix_time(text: &str) -> Result<SystemTime, SignatureError> {
    let seconds: u64 = text.trim().parse().map_err(|_| malformed("bad timestamp"))?;
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .ok_or(SignatureError::DateOutOfWindow)
}

/// The time from a `Date` header, which counts only when the signature covers it.
fn signed_date(request: &Request<'_>, date_is_covered: bool) -> Result<SystemTime, SignatureError> {
    let Some(date) = request.headers.get(header::DATE) else {
        return Err(SignatureError::DateMissing);
    };
    if !date_is_covered {
        return Err(SignatureError::HeaderNotSigned("date".to_owned()));
    }
    let text = date.to_str().map_err(|_| malformed("date is not ASCII"))?;
    httpdate::parse_http_date(text.trim()).map_err(|_| malformed("unreadable date"))
}

fn check_window(
    sent: SystemTime,
    expires: Option<SystemTime>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let in_window = match now.duration_since(sent) {
        Ok(age) => age <= MAX_AGE,
        Err(ahead) => ahead.duration() <= MAX_FUTURE,
    };
    if !in_window || expires.is_some_and(|expires| now > expires) {
        return Err(SignatureError::DateOutOfWindow);
    }
    Ok(())
}

fn unsigned_digest(request: &Request<'_>, name: &str) -> SignatureError {
    if request.headers.contains_key(name) {
        SignatureError::HeaderNotSigned(name.to_owned())
    } else {
        SignatureError::DigestMissing
    }
}

/// `Digest: SHA-256=<base64>, SHA-512=<base64>`: every known algorithm given must match, and
/// at least one must be given.
fn check_digest(value: &[u8], body: &[u8]) -> Result<(), SignatureError> {
    let text = std::str::from_utf8(value).map_err(|_| malformed("digest is not text"))?;
    let mut checked = false;
    for part in text.split(',') {
        let (algorithm, encoded) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("bad digest"))?;
        let Some(expected) = body_digest(&algorithm.to_ascii_lowercase(), body) else {
            continue;
        };
        let given = LENIENT_BASE64
            .decode(encoded.trim())
            .map_err(|_| malformed("bad digest"))?;
        if given != expected {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::UnsupportedAlgorithm)
    }
}

fn body_digest(algorithm: &str, body: &[u8]) -> Option<Vec<u8>> {
    match algorithm {
        "sha-256" => Some(Sha256::digest(body).to_vec()),
        "sha-512" => Some(Sha512::digest(body).to_vec()),
        _ => None,
    }
}

/// RFC 9530 `Content-Digest: sha-256=:<base64>:`, with the same rules as [`check_digest`].
fn check_content_digest(value: &[u8], body: &[u8]) -> Result<(), SignatureError> {
    let dictionary: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|_| malformed("bad content-digest"))?;
    let mut checked = false;
    for (algorithm, entry) in &dictionary {
        let Some(expected) = body_digest(algorithm.as_str(), body) else {
            continue;
        };
        let sfv::ListEntry::Item(item) = entry else {
            return Err(malformed("bad content-digest"));
        };
        let given = item
            .bare_item
            .as_byte_sequence()
            .ok_or_else(|| malformed("bad content-digest"))?;
        if given != expected.as_slice() {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::UnsupportedAlgorithm)
    }
}

fn parse_rfc9421(request: &Request<'_>) -> Result<PendingSignature, SignatureError> {
    let input_text = joined_header(request.headers, "signature-input")?.unwrap_or_default();
    let signature_text = joined_header(request.headers, "signature")?.ok_or(SignatureError::Missing)?;
    let inputs: sfv::Dictionary = sfv::Parser::new(&input_text)
        .parse()
        .map_err(|_| malformed("bad signature-input"))?;
    let signatures: sfv::Dictionary = sfv::Parser::new(&signature_text)
        .parse()
        .map_err(|_| malformed("bad signature"))?;
    // Of several signatures, the first one labelled in both headers is the one checked.
    let (input, signature) = inputs
        .iter()
        .find_map(|(label, input)| Some((input, signatures.get(label.as_str())?)))
        .ok_or_else(|| malformed("no signature matches a signature-input label"))?;
    let sfv::ListEntry::InnerList(input) = input else {
        return Err(malformed("signature-input is not a list"));
    };
    let signature = match signature {
        sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
        sfv::ListEntry::InnerList(_) => None,
    }
    .filter(|s| !s.is_empty())
    .ok_or_else(|| malformed("signature is not a byte sequence"))?
    .to_vec();

    let params = &input.params;
    let key_id = params
        .get("keyid")
        .and_then(|v| v.as_string())
        .map(|s| s.as_str().to_owned())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("no keyid"))?;
    let algorithm = match params.get("alg").map(|v| v.as_string().map(|s| s.as_str())) {
        None => Algorithm::FromKey,
        Some(Some("rsa-v1_5-sha256")) => Algorithm::RsaSha256,
        Some(Some("ed25519")) => Algorithm::Ed25519,
        Some(_) => return Err(SignatureError::UnsupportedAlgorithm),
    };
    let timestamp = |name: &str| -> Result<Option<SystemTime>, SignatureError> {
        match params.get(name) {
            None => Ok(None),
            Some(value) => {
                let seconds = value
                    .as_integer()
                    .map(i64::from)
                    .ok_or_else(|| malformed("bad timestamp"))?;
                let seconds = u64::try_from(seconds).map_err(|_| SignatureError::DateOutOfWindow)?;
                UNIX_EPOCH
                    .checked_add(Duration::from_secs(seconds))
                    .map(Some)
                    .ok_or(SignatureError::DateOutOfWindow)
            }
        }
    };

    let mut covered = Vec::with_capacity(input.items.len());
    for item in &input.items {
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| malformed("component is not a string"))?
            .as_str();
        if !item.params.is_empty() {
            return Err(malformed("component parameters are not supported"));
        }
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(malformed("component names are lower case"));
        }
        covered.push(name);
    }
    check_covered_list(&covered)?;
    let has = |name: &str| covered.contains(&name);
    if !has("@method") {
        return Err(SignatureError::HeaderNotSigned("@method".to_owned()));
    }
    if !["@target-uri", "@request-target", "@path"].iter().any(|c| has(c)) {
        return Err(SignatureError::HeaderNotSigned("@target-uri".to_owned()));
    }
    if !["@target-uri", "@authority", "host"].iter().any(|c| has(c)) {
        return Err(SignatureError::HeaderNotSigned("@authority".to_owned()));
    }
    let sent = match timestamp("created")? {
        Some(created) => created,
        None => signed_date(request, has("date"))?,
    };
    check_window(sent, timestamp("expires")?, request.now)?;
    if request.needs_digest() || has("content-digest") {
        if !has("content-digest") {
            return Err(unsigned_digest(request, "content-digest"));
        }
        check_content_digest(&request.covered_value("content-digest")?, request.body)?;
    }

    let (path, query) = match request.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.path_and_query, None),
    };
    let mut base = Vec::new();
    for name in &covered {
        base.push(b'"');
        base.extend_from_slice(name.as_bytes());
        base.extend_from_slice(b"\": ");
        match *name {
            "@method" => base.extend_from_slice(request.method.as_str().as_bytes()),
            "@target-uri" => {
                base.extend_from_slice(request.scheme.as_bytes());
                base.extend_from_slice(b"://");
                base.extend_from_slice(request.host()?.as_bytes());
                base.extend_from_slice(request.path_and_query.as_bytes());
            }
            "@authority" => base.extend_from_slice(request.host()?.as_bytes()),
            "@scheme" => base.extend_from_slice(request.scheme.as_bytes()),
            "@request-target" => base.extend_from_slice(request.path_and_query.as_bytes()),
            "@path" => base.extend_from_slice(if path.is_empty() { "/" } else { path }.as_bytes()),
            "@query" => {
                base.push(b'?');
                base.extend_from_slice(query.unwrap_or_default().as_bytes());
            }
            derived if derived.starts_with('@') => return Err(malformed("unsupported derived component")),
            header => base.extend_from_slice(&request.covered_value(header)?),
        }
        base.push(b'\n');
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    let mut list = sfv::ListSerializer::new();
    let mut inner = list.inner_list();
    inner.items(&input.items);
    let _ = inner.finish().parameters(&input.params);
    base.extend_from_slice(list.finish().unwrap_or_default().as_bytes());

    Ok(PendingSignature {
        key_id,
        algorithm,
        signature,
        message: base,
        fallback: None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
    use aws_lc_rs::signature::KeyPair as _;

    use super::*;
    use crate::federation::keys::{self, KeyPairPem};

    const KEY_ID: &str = "https://local.test/users/alice#main-key";
    static KEYS: LazyLock<KeyPairPem> = LazyLock::new(|| keys::generate().unwrap());
    static OTHER_KEYS: LazyLock<KeyPairPem> = LazyLock::new(|| keys::generate().unwrap());

    fn signing_key() -> SigningKey {
        SigningKey::from_pem(KEY_ID, &KEYS.private_pem).unwrap()
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn map(headers: Vec<(HeaderName, HeaderValue)>) -> HeaderMap {
        headers.into_iter().collect()
    }

    fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).unwrap(),
        );
    }

    /// Signs with aws-lc-rs directly, so the tests do not lean on this module's signer.
    fn raw_sign(message: &str) -> String {
        let pair = keys::private_key_from_pem(&KEYS.private_pem).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .unwrap();
        STANDARD.encode(signature)
    }

    fn sha256_digest(body: &[u8]) -> String {
        format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
    }

    fn post(path: &str, headers: &HeaderMap, body: &[u8]) -> Result<PendingSignature, SignatureError> {
        parse_request(&Method::POST, path, headers, body, now())
    }

    fn signed_post(body: &[u8]) -> HeaderMap {
        let url = url::Url::parse("https://remote.test/users/bob/inbox").unwrap();
        map(sign_post(&signing_key(), &url, body, now()))
    }

    #[test]
    fn sign_post_round_trips_through_parse_and_verify() {
        let body = br#"{"type":"Follow"}"#;
        let url = url::Url::parse("https://remote.test/users/bob/inbox").unwrap();
        let headers = sign_post(&signing_key(), &url, body, now());
        let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["host", "date", "digest", "signature"]);
        let headers = map(headers);
        assert_eq!(headers["host"], "remote.test");
        assert_eq!(headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(headers["digest"], sha256_digest(body).as_str());
        let signature = headers["signature"].to_str().unwrap();
        assert!(signature.starts_with(&format!("keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"")), "{signature}");

        let later = now() + Duration::from_secs(30);
        let pending = parse_request(&Method::POST, "/users/bob/inbox", &headers, body, later).unwrap();
        assert_eq!(pending.key_id(), KEY_ID);
        pending.verify(&KEYS.public_pem).unwrap();
        assert!(matches!(
            pending.verify(&OTHER_KEYS.public_pem),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn sign_get_round_trips_with_port_and_query() {
        let url = url::Url::parse("http://remote.test:8080/users/bob?page=1").unwrap();
        let headers = map(sign_get(&signing_key(), &url, now()));
        assert_eq!(headers["host"], "remote.test:8080");
        assert!(!headers.contains_key("digest"));
        let pending = parse_request(&Method::GET, "/users/bob?page=1", &headers, b"", now()).unwrap();
        pending.verify(&KEYS.public_pem).unwrap();
        let pending = parse_request(&Method::GET, "/users/bob?page=2", &headers, b"", now()).unwrap();
        assert!(matches!(
            pending.verify(&KEYS.public_pem),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn tampered_body_is_a_digest_mismatch() {
        let headers = signed_post(b"original");
        assert!(matches!(
            post("/users/bob/inbox", &headers, b"tampered"),
            Err(SignatureError::DigestMismatch)
        ));
    }

    #[test]
    fn changed_path_does_not_verify() {
        let headers = signed_post(b"{}");
        let pending = post("/users/eve/inbox", &headers, b"{}").unwrap();
        assert!(matches!(
            pending.verify(&KEYS.public_pem),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn dates_outside_the_window_are_refused() {
        let headers = signed_post(b"{}");
        let at = |time: SystemTime| parse_request(&Method::POST, "/users/bob/inbox", &headers, b"{}", time);
        // `at` is the receiver's clock: the request is 59 minutes old, or from 59 minutes ahead.
        assert!(at(now() + Duration::from_mins(59)).is_ok());
        assert!(at(now() - Duration::from_mins(59)).is_ok());
        assert!(matches!(
            at(now() + Duration::from_hours(1) + Duration::from_secs(1)),
            Err(SignatureError::DateOutOfWindow)
        ));
        assert!(matches!(
            at(now() - Duration::from_mins(61)),
            Err(SignatureError::DateOutOfWindow)
        ));
    }

    #[test]
    fn post_without_a_signed_digest_is_refused() {
        let url = url::Url::parse("https://remote.test/users/bob/inbox").unwrap();
        let mut headers = map(sign_get(&signing_key(), &url, now()));
        assert!(matches!(
            post("/users/bob/inbox", &headers, b"{}"),
            Err(SignatureError::DigestMissing)
        ));
        set(&mut headers, "digest", &sha256_digest(b"{}"));
        assert!(matches!(
            post("/users/bob/inbox", &headers, b"{}"),
            Err(SignatureError::HeaderNotSigned(name)) if name == "digest"
        ));
    }

    #[test]
    fn signature_without_the_query_string_still_verifies() {
        let date = httpdate::fmt_http_date(now());
        let message = format!("(request-target): get /users/bob/outbox\nhost: remote.test\ndate: {date}");
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", &date);
        set(
            &mut headers,
            "signature",
            &format!(
                "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{}\"",
                raw_sign(&message)
            ),
        );
        let pending =
            parse_request(&Method::GET, "/users/bob/outbox?page=true", &headers, b"", now()).unwrap();
        pending.verify(&KEYS.public_pem).unwrap();
    }

    #[test]
    fn pkcs1_public_keys_are_accepted() {
        let pair = keys::private_key_from_pem(&KEYS.private_pem).unwrap();
        let pkcs1 = pem::encode(&pem::Pem::new("RSA PUBLIC KEY", pair.public_key().as_ref()));
        assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
        let pending = post("/users/bob/inbox", &signed_post(b"{}"), b"{}").unwrap();
        pending.verify(&pkcs1).unwrap();
    }

    #[test]
    fn bad_keys_are_refused() {
        let pending = post("/users/bob/inbox", &signed_post(b"{}"), b"{}").unwrap();
        for key in [
            "",
            "not a key",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            &KEYS.private_pem,
            &"A".repeat(100_000),
        ] {
            assert!(
                matches!(pending.verify(key), Err(SignatureError::BadKey)),
                "{key:.40}"
            );
        }
    }

    #[test]
    fn independently_built_cavage_signature_verifies() {
        // The draft's example request, signed by hand.
        let body = br#"{"hello": "world"}"#;
        let digest = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
        assert_eq!(sha256_digest(body), digest);
        let date = "Sun, 05 Jan 2014 21:31:40 GMT";
        let message = format!(
            "(request-target): post /foo?param=value&pet=dog\nhost: example.com\ndate: {date}\ndigest: {digest}"
        );
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "example.com");
        set(&mut headers, "date", date);
        set(&mut headers, "digest", digest);
        set(&mut headers, "content-type", "application/json");
        set(
            &mut headers,
            "signature",
            &format!(
                "keyId=\"Test\", algorithm=\"hs2019\", headers=\"(request-target) host date digest\", signature=\"{}\"",
                raw_sign(&message)
            ),
        );
        let sent = httpdate::parse_http_date(date).unwrap();
        let pending = parse_request(&Method::POST, "/foo?param=value&pet=dog", &headers, body, sent).unwrap();
        assert_eq!(pending.key_id(), "Test");
        pending.verify(&KEYS.public_pem).unwrap();
    }

    #[test]
    fn created_parameter_stands_in_for_date() {
        let message = "(request-target): get /users/bob\nhost: remote.test\n(created): 1700000000";
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(
            &mut headers,
            "signature",
            &format!(
                "keyId=\"k\",algorithm=\"hs2019\",created=1700000000,expires=1700000300,headers=\"(request-target) host (created)\",signature=\"{}\"",
                raw_sign(message)
            ),
        );
        let pending = parse_request(&Method::GET, "/users/bob", &headers, b"", now()).unwrap();
        pending.verify(&KEYS.public_pem).unwrap();
        let after_expiry = now() + Duration::from_secs(301);
        assert!(matches!(
            parse_request(&Method::GET, "/users/bob", &headers, b"", after_expiry),
            Err(SignatureError::DateOutOfWindow)
        ));
    }

    fn rfc9421_request(method: &str) -> HeaderMap {
        let body = br#"{"type":"Create"}"#;
        let content_digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)));
        let date = "Tue, 14 Nov 2023 22:13:20 GMT";
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\" \"date\");created=1700000000;keyid=\"{KEY_ID}\";alg=\"rsa-v1_5-sha256\""
        );
        let base = format!(
            "\"@method\": {method}\n\"@target-uri\": https://remote.test/inbox\n\"content-digest\": {content_digest}\n\"date\": {date}\n\"@signature-params\": {params}"
        );
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", date);
        set(&mut headers, "content-digest", &content_digest);
        set(&mut headers, "signature-input", &format!("sig1={params}"));
        set(&mut headers, "signature", &format!("sig1=:{}:", raw_sign(&base)));
        headers
    }

    #[test]
    fn rfc9421_target_uri_carries_the_scheme_the_server_is_reached_by() {
        let body = br#"{"type":"Create"}"#;
        let headers = rfc9421_request("POST");
        let over = |https| parse_request_over(https, &Method::POST, "/inbox", &headers, body, now()).unwrap();
        over(true).verify(&KEYS.public_pem).unwrap();
        // Signed for https://remote.test/inbox: a plain-http server rebuilds another URI.
        assert!(matches!(
            over(false).verify(&KEYS.public_pem),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn independently_built_rfc9421_signature_verifies() {
        let body = br#"{"type":"Create"}"#;
        let headers = rfc9421_request("POST");
        let pending = post("/inbox", &headers, body).unwrap();
        assert_eq!(pending.key_id(), KEY_ID);
        pending.verify(&KEYS.public_pem).unwrap();

        assert!(matches!(
            post("/inbox", &headers, b"other"),
            Err(SignatureError::DigestMismatch)
        ));
        let pending = post("/other-inbox", &headers, body).unwrap();
        assert!(matches!(
            pending.verify(&KEYS.public_pem),
            Err(SignatureError::Invalid)
        ));
        let late = now() + Duration::from_hours(13);
        assert!(matches!(
            parse_request(&Method::POST, "/inbox", &headers, body, late),
            Err(SignatureError::DateOutOfWindow)
        ));
    }

    #[test]
    fn rfc9421_post_must_cover_content_digest() {
        let date = "Tue, 14 Nov 2023 22:13:20 GMT";
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", date);
        set(
            &mut headers,
            "signature-input",
            &format!("sig1=(\"@method\" \"@target-uri\");created=1700000000;keyid=\"{KEY_ID}\""),
        );
        set(&mut headers, "signature", "sig1=:AAAA:");
        assert!(matches!(
            post("/inbox", &headers, b"{}"),
            Err(SignatureError::DigestMissing)
        ));
        set(
            &mut headers,
            "signature-input",
            &format!("sig1=(\"@method\" \"date\");created=1700000000;keyid=\"{KEY_ID}\""),
        );
        assert!(matches!(
            post("/inbox", &headers, b"{}"),
            Err(SignatureError::HeaderNotSigned(name)) if name == "@target-uri"
        ));
    }

    #[test]
    fn authorization_header_variant_verifies() {
        let mut headers = signed_post(b"{}");
        let signature = headers.remove("signature").unwrap();
        let value = format!("Signature {}", signature.to_str().unwrap());
        set(&mut headers, "authorization", &value);
        let pending = post("/users/bob/inbox", &headers, b"{}").unwrap();
        pending.verify(&KEYS.public_pem).unwrap();
        set(&mut headers, "authorization", "Bearer abc");
        assert!(matches!(
            post("/users/bob/inbox", &headers, b"{}"),
            Err(SignatureError::Missing)
        ));
    }

    #[test]
    fn ed25519_keys_verify() {
        let pair = aws_lc_rs::signature::Ed25519KeyPair::generate().unwrap();
        let spki: PublicKeyX509Der = pair.public_key().as_der().unwrap();
        let public_pem = pem::encode(&pem::Pem::new("PUBLIC KEY", spki.as_ref()));
        let date = httpdate::fmt_http_date(now());
        let message = format!("(request-target): get /users/bob\nhost: remote.test\ndate: {date}");
        let signature = STANDARD.encode(pair.sign(message.as_bytes()).as_ref());
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", &date);
        for algorithm in ["hs2019", "ed25519"] {
            set(
                &mut headers,
                "signature",
                &format!(
                    "keyId=\"k\",algorithm=\"{algorithm}\",headers=\"(request-target) host date\",signature=\"{signature}\""
                ),
            );
            let pending = parse_request(&Method::GET, "/users/bob", &headers, b"", now()).unwrap();
            pending.verify(&public_pem).unwrap();
            assert!(pending.verify(&KEYS.public_pem).is_err());
        }
    }

    #[test]
    fn digests_other_than_sha256() {
        let body = b"{}";
        let date = httpdate::fmt_http_date(now());
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", &date);
        let mut sign_with_digest = |digest: &str| {
            set(&mut headers, "digest", digest);
            let message =
                format!("(request-target): post /inbox\nhost: remote.test\ndate: {date}\ndigest: {digest}");
            set(
                &mut headers,
                "signature",
                &format!(
                    "keyId=\"k\",headers=\"(request-target) host date digest\",signature=\"{}\"",
                    raw_sign(&message)
                ),
            );
            post("/inbox", &headers, body)
        };
        let sha512 = format!("SHA-512={}", STANDARD.encode(Sha512::digest(body)));
        sign_with_digest(&sha512)
            .unwrap()
            .verify(&KEYS.public_pem)
            .unwrap();
        assert!(matches!(
            sign_with_digest("MD5=mZFLkyvTelC5g8XnyQrpOw=="),
            Err(SignatureError::UnsupportedAlgorithm)
        ));
        let both = format!("MD5=x, {}", sha256_digest(body));
        sign_with_digest(&both).unwrap();
    }

    #[test]
    fn required_and_absent_headers() {
        let date = httpdate::fmt_http_date(now());
        let mut headers = HeaderMap::new();
        set(&mut headers, "host", "remote.test");
        set(&mut headers, "date", &date);
        let mut check = |covered: &str| {
            set(
                &mut headers,
                "signature",
                &format!("keyId=\"k\",headers=\"{covered}\",signature=\"AAAA\""),
            );
            parse_request(&Method::GET, "/", &headers, b"", now()).map(|_| ())
        };
        assert!(
            matches!(check("(request-target) date"), Err(SignatureError::HeaderNotSigned(h)) if h == "host")
        );
        assert!(
            matches!(check("host date"), Err(SignatureError::HeaderNotSigned(h)) if h == "(request-target)")
        );
        assert!(
            matches!(check("(request-target) host"), Err(SignatureError::HeaderNotSigned(h)) if h == "date")
        );
        assert!(
            matches!(check("(request-target) host date accept"), Err(SignatureError::HeaderAbsent(h)) if h == "accept")
        );
        assert!(check("(request-target) host date").is_ok());
        assert!(matches!(
            check("(request-target) host date host"),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            parse_request(&Method::GET, "/", &HeaderMap::new(), b"", now()),
            Err(SignatureError::Missing)
        ));
    }

    #[test]
    fn garbage_headers_are_errors() {
        let date = httpdate::fmt_http_date(now());
        let many_headers = format!("keyId=\"k\",headers=\"{}\",signature=\"AAAA\"", "x ".repeat(1000));
        let long = format!("keyId=\"{}\",signature=\"AAAA\"", "k".repeat(20_000));
        let cavage: Vec<&str> = vec![
            "",
            ",",
            "=",
            "\"",
            "keyId",
            "keyId=",
            "keyId=\"",
            "keyId=\"k\\",
            "keyId=\"k\"",
            "keyId=\"k\",signature=\"***\"",
            "keyId=\"k\",signature=\"\"",
            "keyId=\"k\",keyId=\"j\",signature=\"AAAA\"",
            "keyId=\"k\" signature=\"AAAA\"",
            "keyId=\"k\",algorithm=\"rsa-sha512\",signature=\"AAAA\"",
            "keyId=\"k\",headers=\"(request-target) host date (created)\",signature=\"AAAA\"",
            "keyId=\"k\",headers=\"(request-target) host (created)\",created=-5,signature=\"AAAA\"",
            "keyId=\"k\",headers=\"(request-target) host (created)\",created=99999999999999999999999,signature=\"AAAA\"",
            "keyId=\"k\",headers=\"(request-target) host date (unknown)\",signature=\"AAAA\"",
            "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16,q=17,r=18",
            &many_headers,
            &long,
        ];
        for value in cavage {
            let mut headers = HeaderMap::new();
            set(&mut headers, "host", "remote.test");
            set(&mut headers, "date", &date);
            set(&mut headers, "signature", value);
            let result = parse_request(&Method::GET, "/", &headers, b"", now());
            assert!(result.is_err(), "{value:.60}");
        }
        let inputs = [
            ("", ""),
            ("sig1=(\"@method\"", "sig1=:AAAA:"),
            (
                "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created=1700000000",
                "sig2=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created=1700000000",
                "sig1=AAAA",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\");created=1700000000",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created=1700000000;alg=\"hmac-sha256\"",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created=-1",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\");keyid=\"k\";created=\"now\"",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\" \"@query-param\";name=\"a\");keyid=\"k\";created=1700000000",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\" \"@status\");keyid=\"k\";created=1700000000",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@target-uri\" \"Date\");keyid=\"k\";created=1700000000",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@method\" \"@target-uri\");keyid=\"k\";created=1700000000",
                "sig1=:AAAA:",
            ),
            ("sig1=\"@method\";keyid=\"k\"", "sig1=:AAAA:"),
        ];
        for (input, signature) in inputs {
            let mut headers = HeaderMap::new();
            set(&mut headers, "host", "remote.test");
            set(&mut headers, "signature-input", input);
            set(&mut headers, "signature", signature);
            let result = parse_request(&Method::GET, "/", &headers, b"", now());
            assert!(result.is_err(), "{input}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            "signature",
            HeaderValue::from_bytes(b"keyId=\"\xff\",signature=\"AAAA\"").unwrap(),
        );
        assert!(matches!(
            parse_request(&Method::GET, "/", &headers, b"", now()),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn mangled_signatures_never_panic() {
        let body = b"{}";
        let valid = signed_post(body);
        let signature = valid["signature"].as_bytes().to_vec();
        let mut candidates = Vec::new();
        for cut in 0..signature.len() {
            candidates.push(signature[..cut].to_vec());
            for byte in [b'"', b',', b'=', b'\\', b' ', b'(', 0x80] {
                let mut mangled = signature.clone();
                mangled[cut] = byte;
                candidates.push(mangled);
            }
        }
        for candidate in candidates {
            let Ok(value) = HeaderValue::from_bytes(&candidate) else {
                continue;
            };
            let mut headers = valid.clone();
            headers.insert("signature", value);
            if let Ok(pending) = post("/users/bob/inbox", &headers, body) {
                let _ = pending.verify(&KEYS.public_pem);
            }
        }
    }

    #[test]
    fn every_reason_has_its_own_label() {
        let errors = [
            SignatureError::Missing,
            SignatureError::Malformed(String::new()),
            SignatureError::UnsupportedAlgorithm,
            SignatureError::DateMissing,
            SignatureError::DateOutOfWindow,
            SignatureError::DigestMissing,
            SignatureError::DigestMismatch,
            SignatureError::HeaderNotSigned(String::new()),
            SignatureError::HeaderAbsent(String::new()),
            SignatureError::BadKey,
            SignatureError::Invalid,
        ];
        let labels: std::collections::HashSet<&str> = errors.iter().map(SignatureError::reason).collect();
        assert_eq!(labels.len(), errors.len());
    }

    #[test]
    fn key_ids_that_cannot_be_quoted_are_refused() {
        for id in ["", "a\"b", "a b", "a\\b", "é"] {
            assert!(SigningKey::from_pem(id, &KEYS.private_pem).is_err(), "{id}");
        }
        assert!(SigningKey::from_pem(KEY_ID, "not pem").is_err());
    }
}
