//! The `web_push` job: one notification, encrypted for one subscription, signed and sent to its push service.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

use super::{crypto, payload};
use crate::app::AppState;
use crate::db;
use crate::federation::delivery::schedule::parse_retry_after;
use crate::federation::fetch::FetchError;
use crate::jobs::JobError;

/// How long a push service keeps an undelivered push (two days, as Mastodon asks).
const TTL_SECONDS: u32 = 48 * 3600;

/// Sends notification `notification_id` to subscription `subscription_id`. Nothing to do (the
/// subscription or notification is gone, policy or filters say no) is success; a push service
/// that says the subscription is gone (404, 410) removes it; 429 and 5xx are retried, as it asks
/// when it says when; other refusals are given up.
pub async fn deliver(state: &AppState, notification_id: i64, subscription_id: i64) -> Result<(), JobError> {
    let Some(subscription) = db::push::find(&state.db, subscription_id)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    let Some(notification) = db::push::find_notification(&state.db, notification_id)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    if notification.filtered || notification.account_id != subscription.account_id {
        return Ok(());
    }
    let Some(payload) = payload::render(state, &subscription, &notification).await? else {
        return Ok(());
    };
    let endpoint = Url::parse(&subscription.endpoint)
        .map_err(|e| JobError::Permanent(format!("unreadable endpoint: {e}")))?;
    let vapid = state.vapid_key().await?;
    let contact = if state.config.instance.contact_email.is_empty() {
        state.base_url.to_string()
    } else {
        format!("mailto:{}", state.config.instance.contact_email)
    };
    let token = vapid
        .token(&endpoint, &contact)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let plaintext = payload.json.to_string();
    crypto::install();
    let mut headers = HeaderMap::new();
    let body = if subscription.standard {
        let sealed = ece::encrypt(
            &subscription.key_p256dh,
            &subscription.key_auth,
            plaintext.as_bytes(),
        )
        .map_err(|e| JobError::Permanent(format!("cannot encrypt for this subscription: {e}")))?;
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("aes128gcm"));
        insert(
            &mut headers,
            header::AUTHORIZATION,
            format!("vapid t={token}, k={}", vapid.public_base64()),
        );
        sealed
    } else {
        let block = ece::legacy::encrypt_aesgcm(
            &subscription.key_p256dh,
            &subscription.key_auth,
            plaintext.as_bytes(),
        )
        .map_err(|e| JobError::Permanent(format!("cannot encrypt for this subscription: {e}")))?;
        let public = URL_SAFE_NO_PAD
            .decode(vapid.public_base64())
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        // The draft's headers: the sender's key and ours in Crypto-Key, the salt in Encryption.
        // Encryption carries the salt alone, as Mastodon sends it: the record size is the
        // draft's default, and some decryptors (Mastodon.py's) read everything after `salt=`.
        for (name, value) in block.headers(Some(&public)) {
            let value = match name {
                "Encryption" => value.split(';').next().unwrap_or_default().to_owned(),
                _ => value,
            };
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                insert(&mut headers, name, value);
            }
        }
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("aesgcm"));
        insert(&mut headers, header::AUTHORIZATION, format!("WebPush {token}"));
        URL_SAFE_NO_PAD
            .decode(block.body())
            .map_err(|e| JobError::Permanent(e.to_string()))?
    };
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("ttl", HeaderValue::from(TTL_SECONDS));
    headers.insert("urgency", HeaderValue::from_static("normal"));
    if let Some(topic) = payload.topic {
        insert(&mut headers, HeaderName::from_static("topic"), topic);
    }
    let response = match state.federation.fetcher.post(&endpoint, headers, body).await {
        Ok(response) => response,
        Err(FetchError::Refused(reason)) => {
            return Err(JobError::Permanent(format!("push endpoint refused: {reason}")));
        }
        Err(error) => return Err(JobError::Transient(anyhow::anyhow!("{error}").into())),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        tracing::info!(subscription_id, %status, "the push service no longer knows this subscription; removed");
        db::push::delete(&state.db, subscription_id)
            .await
            .map_err(transient)?;
        return Ok(());
    }
    let reason = format!("the push service answered {status}");
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let wait = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        return Err(match wait {
            Some(seconds) => JobError::RetryAfter(Duration::from_secs_f64(seconds), reason),
            None => JobError::Transient(anyhow::anyhow!(reason).into()),
        });
    }
    Err(JobError::Permanent(reason))
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(name, value);
    }
}

fn transient(error: sqlx::Error) -> JobError {
    JobError::Transient(error.into())
}
