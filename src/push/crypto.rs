//! The primitives behind Web Push encryption (P-256 ECDH, HKDF-SHA256, AES-128-GCM), from aws-lc-rs, for the `ece` crate.
//!
//! `ece` (Mozilla's implementation of both encodings, used by Firefox's push service) leaves its
//! primitives to a backend; its own is OpenSSL. This one uses aws-lc-rs, which already signs our
//! federation requests, so push adds no second cryptography library. `ece`'s own test vectors
//! check it (see the tests below).

use std::any::Any;
use std::sync::Once;

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
use aws_lc_rs::hkdf;
use ece::{Cryptographer, EcKeyComponents, Error, LocalKeyPair, RemotePublicKey, Result};

/// Installs the backend (once per process; later calls do nothing).
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Only this function sets it, and only once.
        let _ = ece::crypto::set_cryptographer(&AwsLcCryptographer);
    });
}

/// `ece`'s primitives over aws-lc-rs.
#[derive(Debug)]
pub struct AwsLcCryptographer;

struct RemoteKey(Vec<u8>);

impl RemotePublicKey for RemoteKey {
    fn as_raw(&self) -> Result<Vec<u8>> {
        Ok(self.0.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct LocalKey {
    private: PrivateKey,
    public: Vec<u8>,
}

impl LocalKey {
    fn new(private: PrivateKey) -> Result<Self> {
        let public = private
            .compute_public_key()
            .map_err(|_| Error::CryptoError)?
            .as_ref()
            .to_vec();
        Ok(Self { private, public })
    }
}

impl LocalKeyPair for LocalKey {
    fn pub_as_raw(&self) -> Result<Vec<u8>> {
        Ok(self.public.clone())
    }
    fn raw_components(&self) -> Result<EcKeyComponents> {
        let private: EcPrivateKeyBin = self.private.as_be_bytes().map_err(|_| Error::CryptoError)?;
        Ok(EcKeyComponents::new(
            private.as_ref().to_vec(),
            self.public.clone(),
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// An HKDF output length, as aws-lc-rs asks for one.
struct Length(usize);

impl hkdf::KeyType for Length {
    fn len(&self) -> usize {
        self.0
    }
}

fn gcm_key(key: &[u8]) -> Result<LessSafeKey> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_128_GCM, key).map_err(|_| Error::CryptoError)?,
    ))
}

fn nonce(iv: &[u8]) -> Result<Nonce> {
    Nonce::try_assume_unique_for_key(iv).map_err(|_| Error::CryptoError)
}

impl Cryptographer for AwsLcCryptographer {
    fn generate_ephemeral_keypair(&self) -> Result<Box<dyn LocalKeyPair>> {
        let private = PrivateKey::generate(&ECDH_P256).map_err(|_| Error::CryptoError)?;
        Ok(Box::new(LocalKey::new(private)?))
    }

    fn import_key_pair(&self, components: &EcKeyComponents) -> Result<Box<dyn LocalKeyPair>> {
        let private = PrivateKey::from_private_key(&ECDH_P256, components.private_key())
            .map_err(|_| Error::CryptoError)?;
        Ok(Box::new(LocalKey::new(private)?))
    }

    fn import_public_key(&self, raw: &[u8]) -> Result<Box<dyn RemotePublicKey>> {
        // Uncompressed P-256 points only, as RFC 8291 sends them; checked on agreement.
        if raw.len() != 65 || raw[0] != 4 {
            return Err(Error::InvalidKeyLength);
        }
        Ok(Box::new(RemoteKey(raw.to_vec())))
    }

    fn compute_ecdh_secret(&self, remote: &dyn RemotePublicKey, local: &dyn LocalKeyPair) -> Result<Vec<u8>> {
        let local = local
            .as_any()
            .downcast_ref::<LocalKey>()
            .ok_or(Error::CryptoError)?;
        let remote = remote.as_raw()?;
        agreement::agree(
            &local.private,
            UnparsedPublicKey::new(&ECDH_P256, &remote),
            Error::CryptoError,
            |secret| Ok(secret.to_vec()),
        )
    }

    fn hkdf_sha256(&self, salt: &[u8], secret: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>> {
        let mut out = vec![0; len];
        hkdf::Salt::new(hkdf::HKDF_SHA256, salt)
            .extract(secret)
            .expand(&[info], Length(len))
            .and_then(|okm| okm.fill(&mut out))
            .map_err(|_| Error::CryptoError)?;
        Ok(out)
    }

    fn aes_gcm_128_encrypt(&self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let mut sealed = data.to_vec();
        gcm_key(key)?
            .seal_in_place_append_tag(nonce(iv)?, Aad::empty(), &mut sealed)
            .map_err(|_| Error::CryptoError)?;
        Ok(sealed)
    }

    fn aes_gcm_128_decrypt(&self, key: &[u8], iv: &[u8], ciphertext_and_tag: &[u8]) -> Result<Vec<u8>> {
        let mut buffer = ciphertext_and_tag.to_vec();
        let plain_len = gcm_key(key)?
            .open_in_place(nonce(iv)?, Aad::empty(), &mut buffer)
            .map_err(|_| Error::CryptoError)?
            .len();
        buffer.truncate(plain_len);
        Ok(buffer)
    }

    fn random_bytes(&self, dest: &mut [u8]) -> Result<()> {
        aws_lc_rs::rand::fill(dest).map_err(|_| Error::CryptoError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_passes_eces_own_test_vectors() {
        ece::crypto::test_cryptographer(AwsLcCryptographer);
    }

    #[test]
    fn both_encodings_round_trip() {
        install();
        let (subscriber, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        let components = subscriber.raw_components().unwrap();
        let public = subscriber.pub_as_raw().unwrap();
        let sealed = ece::encrypt(&public, &auth, b"hello").unwrap();
        assert_eq!(ece::decrypt(&components, &auth, &sealed).unwrap(), b"hello");
        let legacy = ece::legacy::encrypt_aesgcm(&public, &auth, b"hello").unwrap();
        assert_eq!(
            ece::legacy::decrypt_aesgcm(&components, &auth, &legacy).unwrap(),
            b"hello"
        );
    }
}
