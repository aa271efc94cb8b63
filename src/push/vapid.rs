//! The instance's VAPID key (P-256, made once and kept in the database) and the JWT that identifies us to push services (RFC 8292).

use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sqlx::PgPool;
use url::Url;

use crate::db;

/// How long a VAPID token is good for (RFC 8292 allows at most 24 hours).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The key pair, ready to sign.
#[derive(Debug)]
pub struct VapidKey {
    pair: EcdsaKeyPair,
    /// The public key as clients receive it: the uncompressed point, base64url without padding.
    public_base64: String,
}

impl VapidKey {
    /// The instance's key, made and stored on first use (a race between processes keeps one).
    pub async fn load_or_create(db: &PgPool) -> anyhow::Result<Self> {
        if let Some(row) = db::push::find_vapid_key(db).await? {
            return Self::from_pkcs8(&row.private_key);
        }
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("could not make a VAPID key"))?;
        let made = Self::from_pkcs8(document.as_ref())?;
        let row = db::push::VapidKeyRow {
            private_key: document.as_ref().to_vec(),
            public_key: made.pair.public_key().as_ref().to_vec(),
        };
        db::push::insert_vapid_key_if_missing(db, &row).await?;
        let kept = db::push::find_vapid_key(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the VAPID key vanished"))?;
        Self::from_pkcs8(&kept.private_key)
    }

    fn from_pkcs8(document: &[u8]) -> anyhow::Result<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, document)
            .map_err(|e| anyhow::anyhow!("the stored VAPID key is unreadable: {e}"))?;
        let public_base64 = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        Ok(Self { pair, public_base64 })
    }

    /// The public key, base64url: `vapid_key`, `server_key`, `configuration.vapid.public_key`.
    pub fn public_base64(&self) -> &str {
        &self.public_base64
    }

    /// A signed JWT (ES256) for a push to `endpoint`: audience its origin (port included when
    /// not the scheme's default, as RFC 8292 §2 asks), expiry [`TOKEN_LIFETIME`] from now,
    /// subject our contact.
    pub fn token(&self, endpoint: &Url, contact: &str) -> anyhow::Result<String> {
        let expires = chrono::Utc::now().timestamp() + TOKEN_LIFETIME.as_secs() as i64;
        let header = URL_SAFE_NO_PAD.encode(json!({"typ": "JWT", "alg": "ES256"}).to_string());
        let claims = URL_SAFE_NO_PAD.encode(
            json!({
                "aud": endpoint.origin().ascii_serialization(),
                "exp": expires,
                "sub": contact,
            })
            .to_string(),
        );
        let signing_input = format!("{header}.{claims}");
        // The fixed encoding is JWS's: r and s, 32 bytes each.
        let signature = self
            .pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| anyhow::anyhow!("could not sign a VAPID token"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn tokens_verify_with_the_public_key_and_name_the_origin() {
        let document =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
        let key = VapidKey::from_pkcs8(document.as_ref()).unwrap();
        let endpoint = Url::parse("http://127.0.0.1:8443/push/abc?x=1").unwrap();
        let token = key.token(&endpoint, "mailto:admin@example.com").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let public = URL_SAFE_NO_PAD.decode(key.public_base64()).unwrap();
        assert_eq!(public.len(), 65);
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["aud"], "http://127.0.0.1:8443");
        assert_eq!(claims["sub"], "mailto:admin@example.com");
        let https = Url::parse("https://push.example/x").unwrap();
        let token = key.token(&https, "mailto:a@b").unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap())
                .unwrap();
        assert_eq!(claims["aud"], "https://push.example");
    }
}
