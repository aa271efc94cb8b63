//! A Web Push service for the tests: it records each push and answers as told, and a device
//! that decrypts what it receives (both encodings) after checking the VAPID signature.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ece::EcKeyComponents;
use serde_json::Value;

/// One push the service received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A status to answer with, and a `Retry-After` to send along.
type Answer = (u16, Option<&'static str>);

/// A push service: records each push, answers with the statuses queued for its path (201 when
/// none is queued).
#[derive(Clone, Default)]
pub struct PushService {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<HashMap<String, VecDeque<Answer>>>>,
    pub base: String,
}

async fn record(
    State(service): State<PushService>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let path = uri.path().to_owned();
    service.received.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body: body.to_vec(),
    });
    let answer = service
        .answers
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    match answer {
        Some((code, retry_after)) => {
            let mut headers = HeaderMap::new();
            if let Some(after) = retry_after {
                headers.insert("retry-after", after.parse().unwrap());
            }
            (StatusCode::from_u16(code).unwrap(), headers).into_response()
        }
        None => StatusCode::CREATED.into_response(),
    }
}

impl PushService {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let service = PushService {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Default::default()
        };
        let router = axum::Router::new().fallback(record).with_state(service.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        service
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn answer(&self, path: &str, code: u16, retry_after: Option<&'static str>) {
        self.answers
            .lock()
            .unwrap()
            .entry(path.to_owned())
            .or_default()
            .push_back((code, retry_after));
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

/// A device: its key pair and authentication secret.
pub struct Device {
    pub components: EcKeyComponents,
    pub public: String,
    pub auth: String,
    pub auth_bytes: Vec<u8>,
}

pub fn device() -> Device {
    ferrodon::push::crypto::install();
    let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
    Device {
        components: keys.raw_components().unwrap(),
        public: URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()),
        auth: URL_SAFE_NO_PAD.encode(auth),
        auth_bytes: auth.to_vec(),
    }
}

/// Decrypts a push as the device would, checking its headers on the way; returns the payload.
pub fn open(push: &Received, device: &Device, server_key: &str, endpoint_origin: &str) -> Value {
    let header = |name: &str| {
        push.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(!header("ttl").is_empty(), "TTL header");
    assert_eq!(header("urgency"), "normal");
    let encoding = header("content-encoding");
    let authorization = header("authorization");
    let (token, key) = if encoding == "aes128gcm" {
        let rest = authorization.strip_prefix("vapid ").expect("vapid scheme");
        let mut token = "";
        let mut key = "";
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(t) = part.strip_prefix("t=") {
                token = t;
            } else if let Some(k) = part.strip_prefix("k=") {
                key = k;
            }
        }
        (token.to_owned(), key.to_owned())
    } else {
        assert_eq!(encoding, "aesgcm");
        let token = authorization.strip_prefix("WebPush ").expect("WebPush scheme");
        let crypto_key = header("crypto-key");
        let key = crypto_key
            .split(';')
            .find_map(|p| p.trim().strip_prefix("p256ecdsa="))
            .expect("p256ecdsa");
        (token.to_owned(), key.to_owned())
    };
    assert_eq!(key, server_key, "the VAPID key is the server's");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, URL_SAFE_NO_PAD.decode(&key).unwrap())
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
        )
        .expect("the VAPID signature verifies");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], endpoint_origin);
    let expires = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((0..=24 * 3600).contains(&expires), "exp within a day: {expires}");
    let plain = if encoding == "aes128gcm" {
        ece::decrypt(&device.components, &device.auth_bytes, &push.body).expect("decrypts")
    } else {
        let crypto_key = header("crypto-key");
        let dh = crypto_key
            .split(';')
            .find_map(|p| p.trim().strip_prefix("dh="))
            .unwrap();
        let encryption = header("encryption");
        let salt = encryption
            .split(';')
            .find_map(|p| p.trim().strip_prefix("salt="))
            .unwrap();
        let block = ece::legacy::AesGcmEncryptedBlock::new(
            &URL_SAFE_NO_PAD.decode(dh).unwrap(),
            &URL_SAFE_NO_PAD.decode(salt).unwrap(),
            4096,
            push.body.clone(),
        )
        .unwrap();
        ece::legacy::decrypt_aesgcm(&device.components, &device.auth_bytes, &block).expect("decrypts")
    };
    serde_json::from_slice(&plain).unwrap()
}
