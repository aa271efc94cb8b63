//! The delivery pool: leased batches of due deliveries, signed at send time, sent and recorded.

pub mod schedule;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::signatures::{SigningKey, sign_post};
use super::urls;
use crate::app::AppState;
use crate::db;
use crate::db::deliveries::Claimed;
use crate::error::{AppError, AppResult};

/// Requests in flight at once on one delivery thread (or one `deliver_pending` call): enough to hide network latency, few enough
/// that signing (the CPU cost) and the database keep up.
pub const MAX_IN_FLIGHT: usize = 64;
/// Database connections of one delivery thread: a claim, a flush and recorded failures at once.
const LANE_CONNECTIONS: u32 = 4;
/// Delivery threads when the configuration leaves the count to the machine: past this many cores,
/// the database connections (4 a thread) matter more than the signing.
const MAX_AUTO_THREADS: usize = 8;
/// Requests in flight to one host at once, so a big fan-out does not hammer a small server.
pub const PER_HOST: usize = 4;
/// A host with this many deliveries in hand here is left out of further claims until they
/// drain: a slow host cannot fill the pool (or outlive its leases) while others wait.
const HOST_BACKLOG: usize = 16;
/// Deliveries claimed at once; the next claim comes when half of them are done.
const BATCH: usize = 128;
/// How long claimed deliveries are ours. Worst case in hand: HOST_BACKLOG / PER_HOST rounds of
/// the timeout (4 × 10 s by default), far below this.
const LEASE_SECONDS: f64 = 600.0;
/// How often an idle worker looks for due deliveries.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long a stopping worker lets requests in flight finish before handing the rest back.
/// Most answers take well under a second; a request still open after this is likely hanging,
/// and handing it back (due at once, for another process) beats holding up the stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Parsed keys kept; past this the cache starts over (parsing one again costs ~0.1 ms).
const MAX_CACHED_KEYS: usize = 10_000;
/// Activity bodies kept in memory, in bytes; past this the cache starts over. A fan-out sends one
/// body to every host, so a few recent activities cover nearly every claim.
const MAX_CACHED_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Deliveries that arrived are removed from the queue in batches of up to this many, or after
/// [`FLUSH_EVERY`]: one statement per delivery was most of the database's share of the work.
const FLUSH_AT: usize = 64;
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// Of an answer's body, only this much is read (and then dropped): enough to keep the
/// connection reusable after small answers, no more.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The pool's shared state in one process: the per-host limits, the parsed signing keys and
/// recent bodies, shared by every delivery thread.
#[derive(Debug)]
pub struct DeliveryPool {
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    keys: Mutex<HashMap<i64, SigningKey>>,
    bodies: Mutex<BodyCache>,
    /// Deliveries that arrived and are not yet removed from the queue: (id, host). Until they
    /// are, their lease keeps them from being claimed again; a crash before then sends them
    /// again after the lease (at least once, never lost).
    delivered: Mutex<Vec<(i64, String)>>,
}

impl Default for DeliveryPool {
    fn default() -> Self {
        Self {
            hosts: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
            bodies: Mutex::new(BodyCache::default()),
            delivered: Mutex::new(Vec::new()),
        }
    }
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent even if a holder panicked: every change is a single insert/remove.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl DeliveryPool {
    /// The gate of `host`; holding a clone counts as one delivery in hand for it.
    fn host_gate(&self, host: &str) -> Arc<Semaphore> {
        locked(&self.hosts)
            .entry(host.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }

    /// Gives a gate back, forgetting the host when nothing of it is in hand.
    fn return_gate(&self, host: &str, gate: Arc<Semaphore>) {
        let mut hosts = locked(&self.hosts);
        drop(gate);
        if hosts.get(host).is_some_and(|gate| Arc::strong_count(gate) == 1) {
            hosts.remove(host);
        }
    }

    /// Hosts with a full backlog here.
    fn busy_hosts(&self) -> Vec<String> {
        locked(&self.hosts)
            .iter()
            .filter(|(_, gate)| Arc::strong_count(gate) > HOST_BACKLOG)
            .map(|(host, _)| host.clone())
            .collect()
    }

    fn note_delivered(&self, id: i64, host: &str) {
        locked(&self.delivered).push((id, host.to_owned()));
    }

    fn delivered_waiting(&self) -> usize {
        locked(&self.delivered).len()
    }

    /// Removes the deliveries that arrived from the queue and clears their hosts' failures. A
    /// failure recorded in the few milliseconds between an arrival and this flush is cleared
    /// with them: the host answered just before, and its next failure counts again.
    async fn flush_delivered(&self, state: &AppState) -> sqlx::Result<()> {
        let batch = std::mem::take(&mut *locked(&self.delivered));
        if batch.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        let mut hosts: Vec<String> = batch.iter().map(|(_, host)| host.clone()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let removed = db::deliveries::delete_delivered(&state.db, &ids, &hosts).await;
        if let Err(error) = &removed {
            // Back in the list (shared by every delivery thread) for the next flush; their
            // leases keep them from being sent again meanwhile, and a crash only repeats them.
            tracing::warn!(count = ids.len(), %error, "could not remove delivered rows yet; trying again with the next flush");
            locked(&self.delivered).extend(batch);
        }
        removed
    }

    /// The bodies of the activities of `claimed` (absent: the activity is no longer stored),
    /// reading the ones not in memory in one query.
    async fn bodies_for(&self, state: &AppState, claimed: &[Claimed]) -> sqlx::Result<HashMap<i64, Bytes>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = locked(&self.bodies);
            for row in claimed {
                match cache.bodies.get(&row.activity_id) {
                    Some(body) => {
                        found.insert(row.activity_id, body.clone());
                    }
                    None => missing.push(row.activity_id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        missing.sort_unstable();
        missing.dedup();
        let read = db::deliveries::activity_bodies(&state.db, &missing).await?;
        let mut cache = locked(&self.bodies);
        for (id, body) in read {
            let body = Bytes::from(body);
            cache.insert(id, body.clone());
            found.insert(id, body);
        }
        Ok(found)
    }

    /// Forgets the parsed key of an account (after its key changed or it was deleted).
    pub fn forget_key(&self, account_id: i64) {
        locked(&self.keys).remove(&account_id);
    }
}

/// Bodies of recent activities by id, read from the database once rather than with every
/// delivery: serializing the same JSON for each of a thousand hosts was a share of the
/// database's work and of ours.
#[derive(Debug, Default)]
struct BodyCache {
    bodies: HashMap<i64, Bytes>,
    bytes: usize,
}

impl BodyCache {
    fn insert(&mut self, id: i64, body: Bytes) {
        if self.bytes + body.len() > MAX_CACHED_BODY_BYTES {
            self.bodies.clear();
            self.bytes = 0;
        }
        self.bytes += body.len();
        if let Some(old) = self.bodies.insert(id, body) {
            self.bytes -= old.len();
        }
    }
}

/// What became of one attempt.
#[derive(Debug)]
enum Outcome {
    Delivered,
    /// Worth another try later; `host_down` when the host itself failed (network, 5xx, 408).
    Retry {
        error: String,
        retry_after: Option<f64>,
        host_down: bool,
    },
    /// Never worth retrying; `gone` on a 410, `answered` when the host did answer.
    GiveUp {
        error: String,
        gone: bool,
        answered: bool,
    },
}

/// What one event loop sends with: its HTTP connections, its requests in flight and its share
/// of the hosts (`(index, of)`, see [`db::deliveries::claim_due`]).
#[derive(Debug, Clone)]
struct Lane {
    client: reqwest::Client,
    slots: Arc<Semaphore>,
    share: (i32, i32),
}

impl Lane {
    fn new(client: reqwest::Client, share: (i32, i32)) -> Self {
        Self {
            client,
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            share,
        }
    }
}

/// Sends every delivery that is due now, once, and returns how many were attempted. Tests call
/// this instead of waiting for the worker; failures are scheduled, not retried here.
pub async fn deliver_pending(state: &AppState) -> AppResult<usize> {
    let lane = Lane::new(state.federation.fetcher.client().clone(), (0, 1));
    drain(state, &lane, None).await
}

/// Runs the delivery threads (`federation.delivery_threads`, one per core by default) until
/// `shutdown` turns true and each has finished or handed back what it held.
///
/// Each thread has an event loop, HTTP connections and database connections of its own. Signing
/// is most of a delivery's cost; on the server's shared runtime the tasks moved between its
/// threads, and waking one another cost a wake-up per delivery (futex calls and interrupts,
/// measured at about a tenth of the machine). A thread of its own keeps a delivery's whole life
/// on one core; the per-host limits, keys and bodies stay shared in the process. Each thread
/// claims the deliveries of its own share of the hosts: sharing them, every host had a
/// connection from each thread, and idle connections are most of the memory.
pub async fn run_delivery_threads(state: AppState, shutdown: watch::Receiver<bool>) {
    let count = match state.config.federation.delivery_threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_AUTO_THREADS)),
        n => n as usize,
    };
    let mut running = JoinSet::new();
    for index in 0..count {
        let share = (index as i32, count as i32);
        let (ended, ended_here) = tokio::sync::oneshot::channel::<Ended>();
        let (thread_state, thread_shutdown) = (state.clone(), shutdown.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("delivery-{index}"))
            .spawn(move || run_lane(thread_state, thread_shutdown, share, ended));
        let (state, shutdown) = (state.clone(), shutdown.clone());
        running.spawn(async move {
            let ended = match spawned {
                // A dropped sender is a thread that panicked.
                Ok(_) => ended_here.await.unwrap_or(Ended::Panicked),
                Err(_) => Ended::NotStarted,
            };
            // A thread that could not start or died leaves its hosts to the server's own event
            // loop: slower, but no host waits forever. (What a dead thread held is claimed
            // again when its lease runs out.)
            let orphaned = match ended {
                Ended::Stopped => false,
                Ended::NotStarted => true,
                Ended::Panicked => !*shutdown.borrow(),
            };
            if orphaned {
                tracing::error!(
                    thread = index,
                    "a delivery thread is not running: its hosts are served from the server's runtime"
                );
                let lane = Lane::new(state.federation.fetcher.client().clone(), share);
                run_delivery_worker(state, lane, shutdown).await;
            }
        });
    }
    while running.join_next().await.is_some() {}
}

/// How a delivery thread ended.
#[derive(Debug, Clone, Copy)]
enum Ended {
    /// Asked to stop, and stopped (in-flight work finished or handed back).
    Stopped,
    /// Its runtime or HTTP client could not be built.
    NotStarted,
    Panicked,
}

/// One delivery thread: its own runtime, database pool and HTTP client. Says how it ended on
/// `ended`, once it has.
fn run_lane(
    mut state: AppState,
    shutdown: watch::Receiver<bool>,
    share: (i32, i32),
    ended: tokio::sync::oneshot::Sender<Ended>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "a delivery thread could not start its event loop");
            let _ = ended.send(Ended::NotStarted);
            return;
        }
    };
    runtime.block_on(async move {
        let client = match super::fetch::Fetcher::new(&state.config, state.federation.policy.clone()) {
            Ok(fetcher) => fetcher.client().clone(),
            Err(error) => {
                tracing::error!(%error, "a delivery thread could not build its HTTP client");
                let _ = ended.send(Ended::NotStarted);
                return;
            }
        };
        let own = db::sibling_pool(&state.db, LANE_CONNECTIONS);
        state.db = own.clone();
        run_delivery_worker(state, Lane::new(client, share), shutdown).await;
        own.close().await;
        let _ = ended.send(Ended::Stopped);
    });
}

/// Delivers until `shutdown` turns true; then lets requests in flight finish for up to
/// [`SHUTDOWN_GRACE`] and hands the others back (their lease cleared) for another process.
async fn run_delivery_worker(state: AppState, lane: Lane, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(error) = drain(&state, &lane, Some(&mut shutdown)).await {
            tracing::warn!(%error, "delivery worker: the queue could not be read");
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            changed = shutdown.changed() => if changed.is_err() { return },
        }
    }
}

fn stopping(stop: &Option<&mut watch::Receiver<bool>>) -> bool {
    stop.as_ref().is_some_and(|stop| *stop.borrow())
}

/// Claims and sends until nothing is due (or a stop is asked for).
async fn drain(
    state: &AppState,
    lane: &Lane,
    mut stop: Option<&mut watch::Receiver<bool>>,
) -> AppResult<usize> {
    let pool = &state.federation.delivery;
    let in_hand: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let mut running: JoinSet<bool> = JoinSet::new();
    let mut attempted = 0;
    let mut claim_error = None;
    let mut flushed_at = std::time::Instant::now();
    loop {
        if stopping(&stop) {
            break;
        }
        if running.len() <= BATCH / 2 {
            let limit = (BATCH - running.len()) as i64;
            let claimed =
                db::deliveries::claim_due(&state.db, limit, LEASE_SECONDS, &pool.busy_hosts(), lane.share)
                    .await;
            let claimed = match claimed {
                Ok(claimed) => claimed,
                Err(error) => {
                    // Let what is in flight finish before reporting: aborting it would strand leases.
                    claim_error = Some(error);
                    break;
                }
            };
            let bodies = match pool.bodies_for(state, &claimed).await {
                Ok(bodies) => bodies,
                Err(error) => {
                    // Hand the claim back: unsent, these rows are due again at once.
                    let ids: Vec<i64> = claimed.iter().map(|row| row.id).collect();
                    let _ = db::deliveries::release(&state.db, &ids).await;
                    claim_error = Some(error);
                    break;
                }
            };
            if claimed.is_empty() && running.is_empty() {
                pool.flush_delivered(state).await?;
                return Ok(attempted);
            }
            let any = !claimed.is_empty();
            for row in claimed {
                locked(&in_hand).insert(row.id);
                let gate = pool.host_gate(&row.host);
                let state = state.clone();
                let in_hand = in_hand.clone();
                let body = bodies.get(&row.activity_id).cloned();
                let lane = lane.clone();
                running.spawn(async move {
                    let id = row.id;
                    let host = row.host.clone();
                    let recorded = deliver_one(&state, &lane, &gate, row, body).await;
                    state.federation.delivery.return_gate(&host, gate);
                    locked(&in_hand).remove(&id);
                    recorded
                });
            }
            if any {
                continue;
            }
        }
        // Arrived deliveries leave the queue by the batch, and at the latest FLUSH_EVERY after
        // the previous batch even while every request in flight is waiting on a slow host.
        let flush_waiting = pool.delivered_waiting() > 0;
        let flush_due = tokio::time::sleep_until((flushed_at + FLUSH_EVERY).into());
        let joined = tokio::select! {
            joined = running.join_next() => joined,
            () = flush_due, if flush_waiting => {
                let _ = pool.flush_delivered(state).await;
                flushed_at = std::time::Instant::now();
                continue;
            }
            changed = stop_changed(&mut stop) => {
                // A dropped sender means nobody can stop us any more: stop now.
                if changed.is_err() {
                    break;
                }
                continue;
            }
        };
        attempted += count_joined(joined);
        if pool.delivered_waiting() >= FLUSH_AT {
            let _ = pool.flush_delivered(state).await;
            flushed_at = std::time::Instant::now();
        }
    }
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
        let mut attempted = 0;
        while let Some(joined) = running.join_next().await {
            attempted += count_joined(Some(joined));
        }
        attempted
    })
    .await;
    match finished {
        Ok(more) => attempted += more,
        Err(_) => {
            running.abort_all();
            while running.join_next().await.is_some() {}
            let _ = pool.flush_delivered(state).await;
            let ids: Vec<i64> = locked(&in_hand).drain().collect();
            tracing::info!(count = ids.len(), "handing unfinished deliveries back");
            db::deliveries::release(&state.db, &ids).await?;
        }
    }
    pool.flush_delivered(state).await?;
    match claim_error {
        Some(error) => Err(error.into()),
        None => Ok(attempted),
    }
}

/// Resolves when `stop` changes; never without one.
async fn stop_changed(stop: &mut Option<&mut watch::Receiver<bool>>) -> Result<(), watch::error::RecvError> {
    match stop {
        Some(stop) => stop.changed().await,
        None => std::future::pending().await,
    }
}

fn count_joined(joined: Option<Result<bool, tokio::task::JoinError>>) -> usize {
    match joined {
        Some(Ok(true)) => 1,
        Some(Ok(false)) | None => 0,
        Some(Err(error)) => {
            if error.is_panic() {
                tracing::error!(%error, "a delivery panicked; it is claimed again after its lease");
            }
            0
        }
    }
}

/// Sends one claimed delivery within the limits and records what happened; false when the
/// outcome could not be recorded (the row is then sent again after its lease).
async fn deliver_one(
    state: &AppState,
    lane: &Lane,
    gate: &Semaphore,
    row: Claimed,
    body: Option<Bytes>,
) -> bool {
    let outcome = match body {
        Some(body) => {
            // Host first: waiting for a busy host must not hold one of the thread's slots.
            let Ok(_host) = gate.acquire().await else {
                return false;
            };
            let Ok(_slot) = lane.slots.acquire().await else {
                return false;
            };
            send(state, &lane.client, &row, body).await
        }
        // Removed since the claim; its deliveries went with it.
        None => Outcome::GiveUp {
            error: "the activity is no longer stored".into(),
            gone: false,
            answered: false,
        },
    };
    match record(state, &row, outcome).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(delivery = row.id, %error, "could not record a delivery's outcome");
            false
        }
    }
}

/// The sender's parsed key, from memory or the accounts table; `None` when it has none.
async fn signing_key(state: &AppState, sender_id: i64, username: &str) -> sqlx::Result<Option<SigningKey>> {
    let pool = &state.federation.delivery;
    if let Some(key) = locked(&pool.keys).get(&sender_id) {
        return Ok(Some(key.clone()));
    }
    let Some(pem) = db::accounts::find_private_key(&state.db, sender_id).await? else {
        return Ok(None);
    };
    match SigningKey::from_pem(urls::key_id(&state.base_url, username), &pem) {
        Ok(key) => {
            let mut keys = locked(&pool.keys);
            if keys.len() >= MAX_CACHED_KEYS {
                keys.clear();
            }
            keys.insert(sender_id, key.clone());
            Ok(Some(key))
        }
        Err(error) => {
            tracing::error!(account = sender_id, %error, "a local account's private key does not parse");
            Ok(None)
        }
    }
}

/// Signs and POSTs one delivery; classifies the answer.
async fn send(state: &AppState, client: &reqwest::Client, row: &Claimed, body: Bytes) -> Outcome {
    let give_up = |error: String| Outcome::GiveUp {
        error,
        gone: false,
        answered: false,
    };
    let key = match (row.sender_id, row.sender_username.as_deref()) {
        (Some(id), Some(username)) => signing_key(state, id, username).await.map_err(AppError::from),
        // No sender account: the instance actor sends it (a forwarded report).
        _ => super::instance_actor::signing_key(state)
            .await
            .map(|key| Some((*key).clone())),
    };
    let key = match key {
        Ok(Some(key)) => key,
        Ok(None) => return give_up("the sender has no usable private key".into()),
        Err(error) => {
            return Outcome::Retry {
                error: format!("signing key: {error}"),
                retry_after: None,
                host_down: false,
            };
        }
    };
    let url = match url::Url::parse(&row.inbox_url) {
        Ok(url) => url,
        Err(error) => return give_up(format!("invalid inbox URL: {error}")),
    };
    if let Err(error) = state.federation.fetcher.check_url(&url) {
        return give_up(error.to_string());
    }
    let mut request = client
        .post(url.clone())
        .header(header::CONTENT_TYPE, "application/activity+json")
        .timeout(Duration::from_secs(u64::from(
            state.config.federation.delivery_timeout_seconds,
        )));
    for (name, value) in sign_post(&key, &url, &body, SystemTime::now()) {
        // The client writes Host from the URL itself, identically.
        if name != header::HOST {
            request = request.header(name, value);
        }
    }
    let mut response = match request.body(body).send().await {
        Ok(response) => response,
        Err(error) => {
            let error = if error.is_timeout() {
                "timed out".to_owned()
            } else {
                format!("network error: {}", error_chain(&error))
            };
            return Outcome::Retry {
                error,
                retry_after: None,
                host_down: true,
            };
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| schedule::parse_retry_after(value, SystemTime::now()));
    let mut read = 0;
    while read < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    classify(status, retry_after)
}

/// The retry rules: 2xx done; 4xx other than 401, 408 and 429 permanent; the rest retried.
fn classify(status: StatusCode, retry_after: Option<f64>) -> Outcome {
    if status.is_success() {
        return Outcome::Delivered;
    }
    let error = format!("the server answered {status}");
    let retryable = [
        StatusCode::UNAUTHORIZED,
        StatusCode::REQUEST_TIMEOUT,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    if status.is_client_error() && !retryable.contains(&status) {
        return Outcome::GiveUp {
            error,
            gone: status == StatusCode::GONE,
            answered: true,
        };
    }
    Outcome::Retry {
        error,
        retry_after,
        // Refusals and rate limits come from a server that is up.
        host_down: status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT,
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Writes an outcome: the row deleted, rescheduled or given up, and the host's health.
async fn record(state: &AppState, row: &Claimed, outcome: Outcome) -> sqlx::Result<()> {
    let federation = &state.config.federation;
    match outcome {
        Outcome::Delivered => {
            state.federation.delivery.note_delivered(row.id, &row.host);
            let since = (chrono::Utc::now() - row.created_at).to_std().ok();
            crate::metrics::delivery("delivered", since);
        }
        Outcome::GiveUp {
            error,
            gone,
            answered,
        } => {
            tracing::info!(delivery = row.id, inbox = %row.inbox_url, %error, "delivery given up");
            if gone
                && let Some(account) = db::remote_accounts::find_by_inbox(&state.db, &row.inbox_url).await?
            {
                db::remote_accounts::mark_gone(&state.db, account).await?;
            }
            db::deliveries::fail(&state.db, row.id, &error).await?;
            crate::metrics::delivery(if gone { "gone" } else { "failed" }, None);
            if answered {
                db::deliveries::record_host_success(&state.db, &row.host).await?;
            }
        }
        Outcome::Retry {
            error,
            retry_after,
            host_down,
        } => {
            if schedule::out_of_budget(row.attempts, federation.delivery_retry_hours) {
                tracing::info!(delivery = row.id, inbox = %row.inbox_url, %error, "delivery out of retries");
                db::deliveries::fail(&state.db, row.id, &format!("{error} (out of retries)")).await?;
                crate::metrics::delivery("failed", None);
            } else {
                let delay = schedule::next_delay(row.attempts, retry_after);
                db::deliveries::retry_later(&state.db, row.id, delay, &error).await?;
                crate::metrics::delivery("retry", None);
            }
            if host_down {
                let days = i32::try_from(federation.unavailable_after_days).unwrap_or(i32::MAX);
                if db::deliveries::record_host_failure(&state.db, &row.host, days).await? {
                    tracing::info!(host = %row.host, "host unavailable: its deliveries wait until it is heard from");
                }
            }
        }
    }
    Ok(())
}

/// Marks `host` available again because it just contacted us with a verified signature.
pub async fn heard_from(state: &AppState, host: &str) {
    match db::deliveries::clear_unavailable(&state.db, host).await {
        Ok(true) => tracing::info!(%host, "host available again: it contacted us"),
        Ok(false) => {}
        Err(error) => tracing::warn!(%host, %error, "could not update the host's health"),
    }
}
