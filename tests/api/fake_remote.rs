//! A small axum server that plays another instance: serves actors, WebFinger and any document
//! a test gives it, records every request it receives, and sends us signed activities.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ferrodon::federation::keys::{self, KeyPairPem};
use ferrodon::federation::signatures::{SigningKey, sign_get, sign_post};
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A request the fake remote received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
struct Served {
    /// Path (with query, if any) to (status, content type, body).
    documents: HashMap<String, (StatusCode, String, String)>,
    /// Path to the status and headers POSTs to it get (202 when absent).
    answers: HashMap<String, (StatusCode, Vec<(String, String)>)>,
    /// Path to the ETag its document is served with (a GET naming it in If-None-Match gets 304).
    etags: HashMap<String, String>,
    /// Paths whose requests are read and then never answered.
    hanging: Vec<String>,
    /// Paths whose requests are answered only after this long.
    delays: HashMap<String, Duration>,
    /// Paths answered with an AS2 body that streams on (no Content-Length) to this many bytes.
    streams: HashMap<String, usize>,
    /// Bytes of streamed bodies handed to the connection so far.
    streamed: Arc<AtomicUsize>,
    received: Vec<Received>,
}

/// A fake remote instance named `domain` (reached through `federation.resolve`).
#[derive(Clone)]
pub struct FakeRemote {
    pub domain: String,
    pub addr: SocketAddr,
    served: Arc<Mutex<Served>>,
}

/// Key pairs are slow to make; tests share a few.
fn shared_keys(index: usize) -> KeyPairPem {
    static KEYS: OnceLock<Vec<KeyPairPem>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| (0..4).map(|_| keys::generate().unwrap()).collect());
    keys[index % keys.len()].clone()
}

/// An actor the fake remote hosts.
#[derive(Clone)]
pub struct FakeActor {
    pub uri: String,
    pub keys: KeyPairPem,
    pub document: Value,
}

impl FakeRemote {
    /// Starts the server on a loopback port.
    pub async fn start(domain: &str) -> FakeRemote {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(Mutex::new(Served::default()));
        let router = Router::new().fallback(handle).with_state(served.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeRemote {
            domain: domain.to_owned(),
            addr,
            served,
        }
    }

    /// `http://DOMAIN` (plain http: the app runs with `server.https = false`).
    pub fn base(&self) -> String {
        format!("http://{}", self.domain)
    }

    /// Serves `body` as JSON of `content_type` at `path`.
    pub fn serve(&self, path: &str, content_type: &str, body: &Value) {
        self.serve_raw(path, StatusCode::OK, content_type, &body.to_string());
    }

    /// Serves an ActivityStreams document at its own id's path.
    pub fn serve_object(&self, object: &Value) {
        let id = object["id"].as_str().unwrap();
        let path = id.strip_prefix(&self.base()).unwrap();
        self.serve(path, "application/activity+json", object);
    }

    /// Redirects `path` to `location` (302).
    pub fn redirect(&self, path: &str, location: &str) {
        self.serve_raw(path, StatusCode::FOUND, "", location);
    }

    /// Serves anything at `path`.
    pub fn serve_raw(&self, path: &str, status: StatusCode, content_type: &str, body: &str) {
        self.served.lock().unwrap().documents.insert(
            path.to_owned(),
            (status, content_type.to_owned(), body.to_owned()),
        );
    }

    /// Serves `body` as `content_type` at `path` with an ETag, answering 304 to a GET whose
    /// If-None-Match names it.
    pub fn serve_with_etag(&self, path: &str, content_type: &str, body: &str, etag: &str) {
        self.serve_raw(path, StatusCode::OK, content_type, body);
        self.served
            .lock()
            .unwrap()
            .etags
            .insert(path.to_owned(), etag.to_owned());
    }

    /// Adds a Person `username` with a key, its actor document and WebFinger.
    pub fn add_actor(&self, username: &str) -> FakeActor {
        self.add_actor_with(username, 0, |_| {})
    }

    /// Adds an actor with key number `key` (of a few shared ones), changed by `edit`.
    pub fn add_actor_with(&self, username: &str, key: usize, edit: impl FnOnce(&mut Value)) -> FakeActor {
        let keys = shared_keys(key);
        let uri = format!("{}/users/{username}", self.base());
        let mut document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": "Person",
            "preferredUsername": username,
            "name": format!("{username} of {}", self.domain),
            "summary": "<p>Hello from afar</p>",
            "url": format!("{}/@{username}", self.base()),
            "inbox": format!("{uri}/inbox"),
            "outbox": format!("{uri}/outbox"),
            "followers": format!("{uri}/followers"),
            "following": format!("{uri}/following"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base()) },
            "manuallyApprovesFollowers": false,
            "publicKey": { "id": format!("{uri}#main-key"), "owner": uri, "publicKeyPem": keys.public_pem },
        });
        edit(&mut document);
        self.serve_object(&document);
        let acct = format!("acct:{username}@{}", self.domain);
        self.serve(
            &format!("/.well-known/webfinger?resource={}", urlencode(&acct)),
            "application/jrd+json",
            &json!({
                "subject": acct,
                "links": [{ "rel": "self", "type": "application/activity+json", "href": uri }],
            }),
        );
        FakeActor { uri, keys, document }
    }

    /// Answers POSTs to `path` with `status` and `headers` from now on.
    pub fn answer(&self, path: &str, status: u16, headers: &[(&str, &str)]) {
        let headers = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        self.served
            .lock()
            .unwrap()
            .answers
            .insert(path.to_owned(), (StatusCode::from_u16(status).unwrap(), headers));
    }

    /// Reads requests to `path` (any method) and never answers them.
    pub fn hang(&self, path: &str) {
        self.served.lock().unwrap().hanging.push(path.to_owned());
    }

    /// Answers requests to `path` only after `delay`.
    pub fn delay(&self, path: &str, delay: Duration) {
        self.served.lock().unwrap().delays.insert(path.to_owned(), delay);
    }

    /// Answers GETs of `path` with an `application/activity+json` body of `bytes` bytes sent in
    /// chunks without a Content-Length, so only the reader can decide when to stop.
    pub fn stream(&self, path: &str, bytes: usize) {
        self.served.lock().unwrap().streams.insert(path.to_owned(), bytes);
    }

    /// Bytes of streamed bodies taken by the connection so far (the reader's socket buffers
    /// included).
    pub fn streamed(&self) -> usize {
        self.served.lock().unwrap().streamed.load(Ordering::SeqCst)
    }

    /// The POSTs received at `path`.
    pub fn posts_to(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .collect()
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.served.lock().unwrap().received.clone()
    }

    /// How many requests were made for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.received().iter().filter(|r| r.path == path).count()
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn handle(
    State(served): State<Arc<Mutex<Served>>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let asked = headers.get("if-none-match").cloned();
    let (hang, delay) = {
        let mut served = served.lock().unwrap();
        served.received.push(Received {
            method: method.to_string(),
            path: path.clone(),
            headers,
            body,
        });
        (served.hanging.contains(&path), served.delays.get(&path).copied())
    };
    if hang {
        std::future::pending::<()>().await;
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let served = served.lock().unwrap();
    if method == axum::http::Method::POST {
        return match served.answers.get(&path) {
            Some((status, headers)) => {
                let mut response = status.into_response();
                for (name, value) in headers {
                    response.headers_mut().insert(
                        axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        value.parse().unwrap(),
                    );
                }
                response
            }
            None => StatusCode::ACCEPTED.into_response(),
        };
    }
    if let Some(&total) = served.streams.get(&path) {
        return streaming_body(total, served.streamed.clone());
    }
    let etag = served.etags.get(&path).cloned();
    let current = served
        .documents
        .get(&path)
        .is_some_and(|(status, _, _)| status.is_success());
    if let Some(etag) = &etag
        && current
        && asked.is_some_and(|asked| asked.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = match served.documents.get(&path) {
        // A redirect's body is where it points.
        Some((status, _, location)) if status.is_redirection() => {
            (*status, [("location", location.clone())]).into_response()
        }
        Some((status, content_type, body)) => {
            (*status, [("content-type", content_type.clone())], body.clone()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    };
    if let Some(etag) = etag {
        response.headers_mut().insert("etag", etag.parse().unwrap());
    }
    response
}

/// A JSON document that opens and then runs on for `total` bytes, 64 KiB at a time, counting
/// what the connection takes in `streamed` (chunks are made only when the connection asks).
fn streaming_body(total: usize, streamed: Arc<AtomicUsize>) -> Response {
    const CHUNK: usize = 64 * 1024;
    let opening = Bytes::from_static(b"{\"type\": \"Note\", \"content\": \"");
    let chunks = std::iter::once(opening).chain((0..total / CHUNK).map(|_| Bytes::from(vec![b'x'; CHUNK])));
    let body = futures_util::stream::iter(chunks.map(move |chunk| {
        streamed.fetch_add(chunk.len(), Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(chunk)
    }));
    (
        StatusCode::OK,
        [("content-type", "application/activity+json")],
        Body::from_stream(body),
    )
        .into_response()
}

impl FakeActor {
    /// This actor's signing key.
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_pem(format!("{}#main-key", self.uri), &self.keys.private_pem).unwrap()
    }

    /// GETs the app's `path` as AS2 with a signature by this actor (a signed fetch).
    pub async fn signed_get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        let url = url::Url::parse(&format!("{}{path}", app.base_url)).unwrap();
        self.signed_get_for(app, path, &url).await
    }

    /// GETs the app's `path` with a signature made for `signed_for` (its host and path go into
    /// the signature and the `Host` header).
    pub async fn signed_get_for(
        &self,
        app: &TestApp,
        path: &str,
        signed_for: &url::Url,
    ) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        for (name, value) in sign_get(&self.signing_key(), signed_for, SystemTime::now()) {
            headers.insert(name, value);
        }
        headers.insert("accept", "application/activity+json".parse().unwrap());
        app.client
            .get(format!("{}{path}", app.base_url))
            .headers(headers)
            .send()
            .await
            .unwrap()
    }

    /// POSTs `activity` to the app's `path` with an RFC 9421 signature (`@method`,
    /// `@target-uri`, `content-digest`) by this actor.
    pub async fn post_rfc9421(&self, app: &TestApp, path: &str, activity: &Value) -> reqwest::Response {
        use aws_lc_rs::signature::RSA_PKCS1_SHA256;
        use base64::Engine;
        use base64::engine::general_purpose::STANDARD;
        use sha2::Digest;
        let body = serde_json::to_vec(activity).unwrap();
        let target = format!("{}{path}", app.base_url);
        let content_digest = format!("sha-256=:{}:", STANDARD.encode(sha2::Sha256::digest(&body)));
        let created = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\");created={created};keyid=\"{}#main-key\";alg=\"rsa-v1_5-sha256\"",
            self.uri
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {target}\n\"content-digest\": {content_digest}\n\"@signature-params\": {params}"
        );
        let pair = keys::private_key_from_pem(&self.keys.private_pem).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            base.as_bytes(),
            &mut signature,
        )
        .unwrap();
        app.client
            .post(target)
            .header("content-type", "application/activity+json")
            .header("content-digest", content_digest)
            .header("signature-input", format!("sig1={params}"))
            .header("signature", format!("sig1=:{}:", STANDARD.encode(signature)))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Signs and POSTs `activity` to the app's `path` (e.g. `/inbox`).
    pub async fn post(&self, app: &TestApp, path: &str, activity: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(activity).unwrap();
        self.post_bytes(app, path, body, |_| {}).await
    }

    /// Signs and POSTs a raw body, letting `tamper` change the headers after signing.
    pub async fn post_bytes(
        &self,
        app: &TestApp,
        path: &str,
        body: Vec<u8>,
        tamper: impl FnOnce(&mut HeaderMap),
    ) -> reqwest::Response {
        let url = url::Url::parse(&format!("{}{path}", app.base_url)).unwrap();
        let mut headers = HeaderMap::new();
        for (name, value) in sign_post(&self.signing_key(), &url, &body, SystemTime::now()) {
            headers.insert(name, value);
        }
        headers.insert("content-type", "application/activity+json".parse().unwrap());
        tamper(&mut headers);
        headers.remove("host");
        app.client
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// Configures an app so the fake remotes' names reach them, and plain http is used.
pub fn route_to(config: &mut ferrodon::config::Config, remotes: &[&FakeRemote]) {
    config.server.https = false;
    for remote in remotes {
        config
            .federation
            .resolve
            .insert(remote.domain.clone(), remote.addr);
    }
}

/// A Create(Note) by `actor` with the given note fields merged in.
pub fn create_note(actor: &FakeActor, id_suffix: &str, fields: Value) -> Value {
    let base = actor.uri.rsplit_once("/users/").unwrap().0;
    let id = format!("{base}/notes/{id_suffix}");
    let mut note = json!({
        "id": id,
        "type": "Note",
        "attributedTo": actor.uri,
        "content": "<p>Hello</p>",
        "published": "2026-11-20T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{}/followers", actor.uri)],
    });
    if let (Some(note), Value::Object(extra)) = (note.as_object_mut(), fields) {
        note.extend(extra);
    }
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor.uri,
        "to": note["to"].clone(),
        "cc": note["cc"].clone(),
        "object": note,
    })
}
