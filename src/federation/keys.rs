//! RSA key pairs for actors: generated with aws-lc-rs, stored as PEM (PKCS#8 private, SPKI public).

use anyhow::Context;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;

/// A key pair, PEM-encoded as it is stored and published.
#[derive(Debug, Clone)]
pub struct KeyPairPem {
    pub public_pem: String,
    pub private_pem: String,
}

/// Generates an RSA-2048 key pair. CPU-bound (tens of milliseconds): call it off the async threads.
pub fn generate() -> anyhow::Result<KeyPairPem> {
    let pair = KeyPair::generate(KeySize::Rsa2048).context("generating an RSA key")?;
    let private: Pkcs8V1Der = pair.as_der().context("encoding the private key")?;
    let public: PublicKeyX509Der = pair.public_key().as_der().context("encoding the public key")?;
    Ok(KeyPairPem {
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public.as_ref())),
        private_pem: pem::encode(&pem::Pem::new("PRIVATE KEY", private.as_ref())),
    })
}

/// Parses a PKCS#8 private key in PEM, as [`generate`] writes it.
pub fn private_key_from_pem(text: &str) -> anyhow::Result<KeyPair> {
    let block = pem::parse(text).context("reading the private key PEM")?;
    KeyPair::from_pkcs8(block.contents()).map_err(|e| anyhow::anyhow!("invalid private key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};

    #[test]
    fn generated_keys_sign_and_verify_after_a_pem_round_trip() {
        let keys = generate().unwrap();
        assert!(keys.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert!(keys.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let pair = private_key_from_pem(&keys.private_pem).unwrap();
        let message = b"(request-target): post /inbox";
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .unwrap();
        let spki = pem::parse(&keys.public_pem).unwrap();
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki.contents());
        assert!(public.verify(message, &signature).is_ok());
        assert!(public.verify(b"another message", &signature).is_err());
    }
}
