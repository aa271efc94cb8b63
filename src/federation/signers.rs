//! Who signed a request: the key's owner from memory, the database or its origin, and the signature checked against their key.

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::{HeaderMap, Method, Uri};

use super::resolve;
use super::signatures::{self, PendingSignature, SignatureError};
use super::vocab;
use crate::app::AppState;
use crate::db;
use crate::db::remote_accounts::Signer;

/// Signers kept in memory; the cache is emptied when it grows past this.
const SIGNER_CACHE_LIMIT: usize = 20_000;
/// How long a cached signer is trusted before the database is asked again.
const SIGNER_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// A key that fails is fetched again only if we last fetched it longer ago than this: otherwise
/// any request with a garbage signature would make us fetch from the key's server.
pub const KEY_REFETCH_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// Why no signer could be established.
#[derive(Debug)]
pub enum SignerError {
    /// The key's owner could not be found or fetched.
    UnknownKey,
    /// The signature does not verify against the owner's key (even after a refetch).
    Invalid,
    Database(sqlx::Error),
}

/// Whether the (signed) Host names this instance, so a request signed for another server cannot
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

/// Why a request's signature is not looked into: each is known before any key is looked up,
/// so none of them makes us fetch anything.
#[derive(Debug)]
pub enum NotForUs {
    /// No signature, or one that cannot be read.
    Unreadable(SignatureError),
    /// The keyId is on a domain we do not federate with.
    SuspendedHost,
    /// The signed Host is another server's.
    WrongHost,
    /// The keyId is not a URL.
    MalformedKeyId,
    /// The keyId names one of our own keys.
    LocalKey,
}

/// The signature of a request made to us, read and checked for everything that needs no key:
/// the inbox and signed fetches share these rules.
pub fn signature_for_us(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<PendingSignature, NotForUs> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let pending = signatures::parse_request_over(
        state.config.server.https,
        method,
        path_and_query,
        headers,
        body,
        SystemTime::now(),
    )
    .map_err(NotForUs::Unreadable)?;
    let Some(host) = vocab::host_of(pending.key_id()) else {
        return Err(NotForUs::MalformedKeyId);
    };
    // The policy gate comes before anything that could reach the signer's server.
    if state.federation.policy.is_suspended(&host) {
        return Err(NotForUs::SuspendedHost);
    }
    if !addressed_to_us(state, headers) {
        return Err(NotForUs::WrongHost);
    }
    if pending.key_id().starts_with(&*state.base_url) {
        return Err(NotForUs::LocalKey);
    }
    Ok(pending)
}

/// The remote actor who signed a fetch (a GET) of one of our documents, when the request is
/// validly signed for this server by a known or fetchable actor of a domain we federate with.
/// Anything else is treated as unsigned: the caller serves only what anyone may see.
pub async fn signed_fetcher(state: &AppState, uri: &Uri, headers: &HeaderMap) -> Option<Arc<Signer>> {
    let pending = signature_for_us(state, &Method::GET, uri, headers, b"").ok()?;
    match verified_signer(state, &pending).await {
        Ok(signer) => Some(signer),
        Err(error) => {
            tracing::info!(key_id = pending.key_id(), ?error, "signed fetch not verified");
            None
        }
    }
}

/// Finds the key's owner (cache, database, then its origin) and checks the signature; a key that
/// fails is fetched again once, since the actor may have rotated it.
pub async fn verified_signer(
    state: &AppState,
    pending: &PendingSignature,
) -> Result<Arc<Signer>, SignerError> {
    let key_id = pending.key_id();
    let (signer, fresh) = match cached_signer(state, key_id).await? {
        Some(signer) => (signer, false),
        None => match refetch_signer(state, key_id).await? {
            Some(signer) => (signer, true),
            None => return Err(SignerError::UnknownKey),
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
    Err(SignerError::Invalid)
}

async fn cached_signer(state: &AppState, key_id: &str) -> Result<Option<Arc<Signer>>, SignerError> {
    if let Some(signer) = state.federation.signer_cache().get(key_id) {
        return Ok(Some(signer));
    }
    let found = db::remote_accounts::find_signer(&state.db, key_id)
        .await
        .map_err(SignerError::Database)?;
    Ok(found.map(|signer| state.federation.signer_cache().put(key_id, signer)))
}

/// Fetches the key's owner from its origin, stores it, and returns it as a signer.
async fn refetch_signer(state: &AppState, key_id: &str) -> Result<Option<Arc<Signer>>, SignerError> {
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
