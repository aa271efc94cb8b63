//! Placeholder until the signatures branch lands (replaced by it).
use axum::http::{HeaderName, HeaderValue};

#[derive(Debug)]
pub struct SigningKey {
    key_id: String,
}

impl SigningKey {
    pub fn from_pem(key_id: impl Into<String>, _private_pem: &str) -> anyhow::Result<SigningKey> {
        Ok(SigningKey {
            key_id: key_id.into(),
        })
    }
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

pub fn sign_get(
    _key: &SigningKey,
    _url: &url::Url,
    _now: std::time::SystemTime,
) -> Vec<(HeaderName, HeaderValue)> {
    Vec::new()
}

#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("missing")]
    Missing,
}

impl SignatureError {
    pub fn reason(&self) -> &'static str {
        "missing"
    }
}

#[derive(Debug)]
pub struct PendingSignature {
    key_id: String,
}

impl PendingSignature {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    pub fn verify(&self, _public_key_pem: &str) -> Result<(), SignatureError> {
        Err(SignatureError::Missing)
    }
}

pub fn parse_request(
    _method: &axum::http::Method,
    _path_and_query: &str,
    _headers: &axum::http::HeaderMap,
    _body: &[u8],
    _now: std::time::SystemTime,
) -> Result<PendingSignature, SignatureError> {
    Err(SignatureError::Missing)
}
