//! `POST /inbox` and `/users/:name/inbox`: check the request, queue the activity, answer 202.
//!
//! In the request: the size limit (1 MiB, by the router), the signature (keyId's owner fetched
//! if unknown, refetched once when verification fails, for key rotation), the digest, the date,
//! and that the signer is the activity's actor. Everything else happens in the job that
//! processes the activity (`federation::ingest`), so a burst of deliveries costs a signature
//! check and one insert each.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::resolve;
use super::signatures::{self, PendingSignature};
use super::vocab::{self, Activity};
use crate::app::AppState;
use crate::db;
use crate::db::remote_accounts::Signer;
use crate::jobs::{self, Job};

/// Largest activity accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Signers kept in memory; the cache is emptied when it grows past this.
const SIGNER_CACHE_LIMIT: usize = 20_000;
/// How long a cached signer is trusted before the database is asked again.
const SIGNER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// A key that fails is fetched again only if we last fetched it longer ago than this: otherwise
/// any request with a garbage signature would make us fetch from the key's server.
const KEY_REFETCH_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Why an inbox request was refused: an HTTP status and a short reason (logged and counted).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: &'static str,
    pub detail: String,
}

impl Refusal {
    fn new(status: StatusCode, reason: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        crate::metrics::inbox_request(self.reason);
        tracing::info!(reason = self.reason, detail = %self.detail, status = self.status.as_u16(), "inbox refused a request");
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.detail })),
        )
            .into_response()
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
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let pending = signatures::parse_request(method, path_and_query, headers, body, SystemTime::now())
        .map_err(|e| Refusal::new(StatusCode::UNAUTHORIZED, e.reason(), e.to_string()))?;
    // The policy gate comes before anything that could reach the signer's server.
    if vocab::host_of(pending.key_id()).is_some_and(|host| state.federation.policy.is_suspended(&host)) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "domain_suspended",
            "this server does not federate with the signer's domain",
        ));
    }
    if !addressed_to_us(state, headers) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "wrong_host",
            "the request was signed for another host",
        ));
    }
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
    if vocab::host_of(pending.key_id()).is_none() {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "malformed_key_id",
            "keyId is not a URL",
        ));
    }
    if pending.key_id().starts_with(&*state.base_url) {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "local_key",
            "keyId names a local key",
        ));
    }
    let signer = verified_signer(state, &pending, &activity).await?;
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

/// Whether the (signed) Host names this instance, so a delivery signed for another server cannot
/// be replayed here. A bare address (a request to the IP, as from a local proxy or a test) is
/// let through: no other server's signature names our address.
fn addressed_to_us(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let domain_of = |authority: &str| {
        url::Url::parse(&format!("http://{authority}/"))
            .ok()
            .and_then(|u| match u.host() {
                Some(url::Host::Domain(name)) => Some(Some(name.trim_end_matches('.').to_ascii_lowercase())),
                // An address: no name to compare.
                Some(_) => Some(None),
                None => None,
            })
    };
    match domain_of(host) {
        Some(Some(requested)) => domain_of(&state.config.server.domain) == Some(Some(requested)),
        Some(None) => true,
        None => false,
    }
}

/// Finds the key's owner (cache, database, then its origin) and checks the signature; a key that
/// fails is fetched again once, since the actor may have rotated it.
async fn verified_signer(
    state: &AppState,
    pending: &PendingSignature,
    activity: &Activity<'_>,
) -> Result<Arc<Signer>, Refusal> {
    let key_id = pending.key_id();
    let (signer, fresh) = match cached_signer(state, key_id).await? {
        Some(signer) => (signer, false),
        None => match refetch_signer(state, key_id).await? {
            Some(signer) => (signer, true),
            None => {
                // A Delete of an actor we never knew cannot be checked (its key is gone with
                // it) and needs nothing from us.
                let status = if activity.kind == "Delete" {
                    StatusCode::ACCEPTED
                } else {
                    StatusCode::UNAUTHORIZED
                };
                return Err(Refusal::new(
                    status,
                    "unknown_key",
                    format!("could not get key {key_id}"),
                ));
            }
        },
    };
    if pending.verify(&signer.public_key_pem).is_ok() {
        return Ok(signer);
    }
    let stale = signer
        .fetched_at
        .is_none_or(|at| at < chrono::Utc::now() - KEY_REFETCH_AFTER);
    if !fresh
        && stale
        && let Some(again) = refetch_signer(state, key_id).await?
        && pending.verify(&again.public_key_pem).is_ok()
    {
        return Ok(again);
    }
    Err(Refusal::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        "the signature does not verify",
    ))
}

async fn cached_signer(state: &AppState, key_id: &str) -> Result<Option<Arc<Signer>>, Refusal> {
    if let Some(signer) = state.federation.signer_cache().get(key_id) {
        return Ok(Some(signer));
    }
    let found = db::remote_accounts::find_signer(&state.db, key_id)
        .await
        .map_err(|e| Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string()))?;
    Ok(found.map(|signer| state.federation.signer_cache().put(key_id, signer)))
}

/// Fetches the key's owner from its origin, stores it, and returns it as a signer.
async fn refetch_signer(state: &AppState, key_id: &str) -> Result<Option<Arc<Signer>>, Refusal> {
    let document = match resolve::fetch_document(state, key_id).await {
        Ok(document) => document,
        Err(error) => {
            tracing::info!(%key_id, %error, "key not fetched");
            return Ok(None);
        }
    };
    // The keyId may name the actor or a key object whose owner is the actor.
    let actor_document = if vocab::has_type(&document, "CryptographicKey") || document.get("owner").is_some()
    {
        let Some(owner) = vocab::id_at(&document, "owner") else {
            return Ok(None);
        };
        if !vocab::same_host(owner, key_id) {
            return Ok(None);
        }
        match resolve::fetch_document(state, owner).await {
            Ok(actor) => actor,
            Err(_) => return Ok(None),
        }
    } else {
        document
    };
    if resolve::store_actor(state, &actor_document).await.is_err() {
        return Ok(None);
    }
    state.federation.signer_cache().forget(key_id);
    cached_signer(state, key_id).await
}

/// Recently seen signers by key id: most deliveries come from servers we heard from moments ago.
#[derive(Debug, Default)]
pub struct SignerCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Arc<Signer>)>>,
}

impl SignerCache {
    fn get(&self, key_id: &str) -> Option<Arc<Signer>> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key_id) {
            Some((at, signer)) if at.elapsed() < SIGNER_CACHE_TTL => Some(signer.clone()),
            Some(_) => {
                // Other processes may have seen the key rotate or the actor go: ask the database.
                entries.remove(key_id);
                None
            }
            None => None,
        }
    }

    fn put(&self, key_id: &str, signer: Signer) -> Arc<Signer> {
        let signer = Arc::new(signer);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SIGNER_CACHE_LIMIT {
                entries.clear();
            }
            entries.insert(key_id.to_owned(), (std::time::Instant::now(), signer.clone()));
        }
        signer
    }

    /// Drops a key (rotated, or its actor changed).
    pub fn forget(&self, key_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key_id);
        }
    }

    /// Drops every key of an actor (deleted or refreshed).
    pub fn forget_actor(&self, actor_uri: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (_, signer)| signer.uri != actor_uri);
        }
    }
}
