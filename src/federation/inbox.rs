//! `POST /inbox` and `/users/:name/inbox`: check the request, queue the activity, answer 202.
//!
//! In the request: the size limit (1 MiB, by the router), the signature (keyId's owner fetched
//! if unknown, refetched once when verification fails, for key rotation), the digest, the date,
//! and that the signer is the activity's actor. Everything else happens in the job that
//! processes the activity (`federation::ingest`), so a burst of deliveries costs a signature
//! check and one insert each. A host past its share, or any host while the backlog is full, is
//! asked to come back later (`inbox_limits`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::inbox_limits::Overload;
use super::signers::{self, NotForUs, SignerError};
use super::vocab::{self, Activity};
use crate::app::AppState;
use crate::db;
use crate::jobs::{self, Job};

/// Largest activity accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why an inbox request was refused: an HTTP status and a short reason (logged and counted).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
    pub detail: String,
    /// Seconds to wait before sending again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, reason: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// The answer to a host over its share, or to everyone while the backlog is full.
    fn overloaded(overload: Overload) -> Self {
        let (refusal, retry_after) = match overload {
            Overload::HostOverShare { retry_after } => (
                Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "host_over_share",
                    "this server delivers faster than its share: slow down",
                ),
                retry_after,
            ),
            Overload::QueueFull { retry_after } => (
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "queue_full",
                    "too many activities are waiting to be processed",
                ),
                retry_after,
            ),
        };
        Self {
            retry_after: Some(retry_after),
            ..refusal
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        crate::metrics::inbox_request(self.reason);
        tracing::info!(reason = self.reason, detail = %self.detail, status = self.status.as_u16(), "inbox refused a request");
        // Our own failures are told in our words; their cause (a database error) stays in the log.
        let shown = if self.status.is_server_error() && self.reason != "queue_full" {
            "Temporarily unavailable, try again later"
        } else {
            self.detail.as_str()
        };
        let mut response = (self.status, axum::Json(serde_json::json!({ "error": shown }))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// The shared inbox.
pub async fn post_shared_inbox(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    accept(&state, &method, &uri, &headers, &body).await
}

/// A member's inbox (same handling; the member must exist).
pub async fn post_user_inbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, Refusal> {
    let exists = db::accounts::find_local_by_username(&state.db, &username)
        .await
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string()))?
        .is_some();
    if !exists {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "unknown_inbox",
            "Record not found",
        ));
    }
    accept(&state, &method, &uri, &headers, &body).await
}

async fn accept(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<StatusCode, Refusal> {
    let pending =
        signers::signature_for_us(state, method, uri, headers, body).map_err(|refused| match refused {
            NotForUs::Unreadable(e) => Refusal::new(StatusCode::UNAUTHORIZED, e.reason(), e.to_string()),
            NotForUs::SuspendedHost => Refusal::new(
                StatusCode::FORBIDDEN,
                "domain_suspended",
                "this server does not federate with the signer's domain",
            ),
            NotForUs::WrongHost => Refusal::new(
                StatusCode::UNAUTHORIZED,
                "wrong_host",
                "the request was signed for another host",
            ),
            NotForUs::MalformedKeyId => {
                Refusal::new(StatusCode::UNAUTHORIZED, "malformed_key_id", "keyId is not a URL")
            }
            NotForUs::LocalKey => {
                Refusal::new(StatusCode::UNAUTHORIZED, "local_key", "keyId names a local key")
            }
        })?;
    // The host's share is checked before anything costly and charged once the signature holds.
    let host = vocab::host_of(pending.key_id()).unwrap_or_default();
    state
        .federation
        .inbox_limits
        .check(&host, &state.db)
        .map_err(Refusal::overloaded)?;
    let document = vocab::parse_json(body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    let activity = Activity::read(&document)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "invalid_activity", e.to_string()))?;
    if state.federation.policy.check_url(activity.actor).is_suspended() {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "domain_suspended",
            "this server does not federate with the actor's domain",
        ));
    }
    // The key must live where the actor does: a keyId elsewhere could only be another server's
    // key, and is refused before anything is fetched from it.
    if !vocab::same_host(pending.key_id(), activity.actor) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "signer_not_actor",
            format!("keyId {} is not on the actor's host", pending.key_id()),
        ));
    }
    // Creating, changing or deleting what belongs to another host or actor is refused before
    // the key is looked up: nothing is fetched for it.
    if let Some(reason) = super::ingest::foreign_object(&activity) {
        return Err(Refusal::new(StatusCode::FORBIDDEN, "foreign_object", reason));
    }
    let signer = signers::verified_signer(state, &pending)
        .await
        .map_err(|error| match error {
            // A Delete of an actor we never knew cannot be checked (its key is gone with it) and
            // needs nothing from us.
            SignerError::UnknownKey if activity.kind == "Delete" => Refusal::new(
                StatusCode::ACCEPTED,
                "unknown_key",
                format!("could not get key {}", pending.key_id()),
            ),
            SignerError::UnknownKey => Refusal::new(
                StatusCode::UNAUTHORIZED,
                "unknown_key",
                format!("could not get key {}", pending.key_id()),
            ),
            SignerError::Invalid => Refusal::new(
                StatusCode::UNAUTHORIZED,
                "invalid_signature",
                "the signature does not verify",
            ),
            SignerError::Database(e) => {
                Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string())
            }
        })?;
    // A host we stopped delivering to is evidently up again.
    if let Some(host) = vocab::host_of(pending.key_id()) {
        super::delivery::heard_from(state, &host).await;
    }
    if signer.uri != activity.actor {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "signer_not_actor",
            format!("signed by {} but the actor is {}", signer.uri, activity.actor),
        ));
    }
    state.federation.inbox_limits.charge(&host);
    let job = Job::ProcessActivity {
        activity: document,
        signer_id: signer.account_id,
    };
    jobs::enqueue(&state.db, &job, chrono::Utc::now())
        .await
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string()))?;
    crate::metrics::inbox_request("accepted");
    Ok(StatusCode::ACCEPTED)
}
