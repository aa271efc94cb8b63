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
