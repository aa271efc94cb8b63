//! This process's open streaming connections: who they speak for, what they subscribed to, and
//! the bounded buffer each is sent through. A connection whose buffer overflows is dropped (its
//! client reconnects), so one slow client never holds memory or slows the others.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use super::streams::Stream;
use crate::app::AppState;

/// Frames a connection may have waiting before it counts as too slow.
const BUFFER: usize = 512;

/// How often the tokens behind open connections are checked again (revoked, member disabled or
/// suspended: the connection is closed).
const REVALIDATE: Duration = Duration::from_secs(5);

/// One event for one stream: its parts (for server-sent events) and the WebSocket text made of
/// them, both shared by every connection it goes to (made once per event and stream, not per
/// connection).
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: &'static str,
    pub payload: Arc<str>,
    /// Shared bytes: each connection's message is the same buffer, not a copy.
    pub text: axum::extract::ws::Utf8Bytes,
}

impl Frame {
    pub fn new(stream: Vec<String>, event: &'static str, payload: Arc<str>) -> Self {
        let text = serde_json::json!({ "stream": stream, "event": event, "payload": &*payload })
            .to_string()
            .into();
        Frame { event, payload, text }
    }
}

/// Who a connection speaks for.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub account_id: i64,
    pub token_id: i64,
}

struct Connection {
    viewer: Option<Viewer>,
    streams: HashSet<Stream>,
    sender: mpsc::Sender<Frame>,
}

/// A connection as fan-out sees it.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub id: u64,
    pub viewer: Option<Viewer>,
    pub streams: Vec<Stream>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    connections: HashMap<u64, Connection>,
}

/// The connections of this process.
#[derive(Default)]
pub struct Hub {
    registry: Mutex<Registry>,
    started: AtomicBool,
    /// Set once the process stops: connections are closed as "going away", not refused.
    closing: AtomicBool,
    /// Registrations not yet dropped (their connections' tasks still running).
    open: AtomicUsize,
    all_gone: tokio::sync::Notify,
}

/// How long a stopping process waits for its connections to say goodbye.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

/// A registered connection: its frames arrive on `frames`; dropping it unregisters it.
pub struct Registration {
    pub id: u64,
    pub frames: mpsc::Receiver<Frame>,
    hub: Arc<Hub>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.lock().connections.remove(&self.id);
        if self.hub.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.hub.all_gone.notify_waiters();
        }
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a connection for `viewer` (none: anonymous, public streams only), starting the
    /// fan-out of this process with the first one.
    pub fn register(self: &Arc<Self>, state: &AppState, viewer: Option<Viewer>) -> Registration {
        if !self.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(super::fanout::run(state.clone(), self.clone()));
            tokio::spawn(revalidate(state.clone(), self.clone()));
        }
        self.add(viewer)
    }

    /// Registers a connection for `viewer` (what [`Hub::register`] does once fan-out runs).
    fn add(self: &Arc<Self>, viewer: Option<Viewer>) -> Registration {
        let (sender, frames) = mpsc::channel(BUFFER);
        self.open.fetch_add(1, Ordering::AcqRel);
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        if self.closing.load(Ordering::Acquire) {
            // A connection made while the process stops ends at once (its sender dropped).
            return Registration {
                id,
                frames,
                hub: self.clone(),
            };
        }
        registry.connections.insert(
            id,
            Connection {
                viewer,
                streams: HashSet::new(),
                sender,
            },
        );
        Registration {
            id,
            frames,
            hub: self.clone(),
        }
    }

    /// Whether the process is stopping (connections end with "going away").
    pub fn closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Closes every connection because the process stops: WebSockets with 1001 ("going away",
    /// clients reconnect to another process), event streams by ending them. Waits a moment for
    /// the connections to say so.
    pub async fn close_all(&self) {
        self.closing.store(true, Ordering::Release);
        let gone = self.all_gone.notified();
        self.lock().connections.clear();
        if self.open.load(Ordering::Acquire) > 0 {
            let _ = tokio::time::timeout(CLOSE_WAIT, gone).await;
        }
    }

    /// Adds a stream to connection `id`.
    pub fn subscribe(&self, id: u64, stream: Stream) {
        if let Some(connection) = self.lock().connections.get_mut(&id) {
            connection.streams.insert(stream);
        }
    }

    /// Removes a stream from connection `id`.
    pub fn unsubscribe(&self, id: u64, stream: &Stream) {
        if let Some(connection) = self.lock().connections.get_mut(&id) {
            connection.streams.remove(stream);
        }
    }

    /// The connections with at least one stream, as fan-out reads them.
    pub fn subscribers(&self) -> Vec<Subscriber> {
        self.lock()
            .connections
            .iter()
            .filter(|(_, c)| !c.streams.is_empty())
            .map(|(id, c)| Subscriber {
                id: *id,
                viewer: c.viewer,
                streams: c.streams.iter().cloned().collect(),
            })
            .collect()
    }

    /// Sends `frame` to connection `id`, dropping the connection if its buffer is full.
    pub fn send(&self, id: u64, frame: Frame) {
        let mut registry = self.lock();
        let Some(connection) = registry.connections.get(&id) else {
            return;
        };
        let event = frame.event;
        match connection.sender.try_send(frame) {
            Ok(()) => crate::metrics::streaming_event(event),
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Dropping the sender ends the connection once its client read what was queued.
                registry.connections.remove(&id);
                crate::metrics::streaming_drop("slow");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Open connections by what they watch (a connection with several kinds counts in each).
    pub fn open_by_kind(&self) -> Vec<(&'static str, usize)> {
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        for connection in self.lock().connections.values() {
            let kinds: HashSet<&'static str> = connection
                .streams
                .iter()
                .map(|stream| match stream {
                    Stream::User | Stream::UserNotification => "user",
                    Stream::Public { .. } => "public",
                    Stream::Hashtag { .. } => "hashtag",
                    Stream::List(_) => "list",
                    Stream::Direct => "direct",
                })
                .collect();
            if kinds.is_empty() {
                *counts.entry("none").or_default() += 1;
            }
            for kind in kinds {
                *counts.entry(kind).or_default() += 1;
            }
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_unstable();
        counts
    }

    /// Closes the connections whose tokens were `checked` and are not among `live` (connections
    /// made since the check began are left to the next one).
    fn keep_tokens(&self, checked: &[i64], live: &HashSet<i64>) {
        let dead: HashSet<i64> = checked.iter().filter(|id| !live.contains(id)).copied().collect();
        if dead.is_empty() {
            return;
        }
        let mut registry = self.lock();
        let before = registry.connections.len();
        registry
            .connections
            .retain(|_, c| c.viewer.is_none_or(|v| !dead.contains(&v.token_id)));
        for _ in registry.connections.len()..before {
            crate::metrics::streaming_drop("revoked");
        }
    }

    fn token_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .lock()
            .connections
            .values()
            .filter_map(|c| c.viewer.map(|v| v.token_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Checks the tokens of open connections every [`REVALIDATE`], closing those no longer live.
async fn revalidate(state: AppState, hub: Arc<Hub>) {
    let mut tick = tokio::time::interval(REVALIDATE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ids = hub.token_ids();
        if ids.is_empty() {
            continue;
        }
        match crate::db::streaming::live_tokens(&state.db, &ids).await {
            Ok(live) => hub.keep_tokens(&ids, &live.into_iter().collect()),
            Err(error) => tracing::warn!(%error, "streaming: tokens could not be checked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame::new(Stream::User.names(), "update", "{}".into())
    }

    #[tokio::test]
    async fn a_connection_that_falls_a_buffer_behind_is_dropped_and_the_others_kept() {
        let hub = Arc::new(Hub::default());
        let mut reader = hub.add(None);
        let slow = hub.add(None);
        hub.subscribe(reader.id, Stream::User);
        hub.subscribe(slow.id, Stream::User);
        for _ in 0..BUFFER {
            hub.send(reader.id, frame());
            hub.send(slow.id, frame());
            assert!(reader.frames.recv().await.is_some());
        }
        assert_eq!(hub.subscribers().len(), 2, "a full buffer is not yet too slow");
        hub.send(reader.id, frame());
        hub.send(slow.id, frame());
        let left: Vec<u64> = hub.subscribers().iter().map(|s| s.id).collect();
        assert_eq!(left, vec![reader.id], "the one that stopped reading is dropped");
        // Its client still gets what was queued, then the end (the socket closes with 1008).
        let mut slow = slow;
        let mut queued = 0;
        while slow.frames.recv().await.is_some() {
            queued += 1;
        }
        assert_eq!(queued, BUFFER);
    }

    #[tokio::test]
    async fn closing_all_ends_every_connection_and_refuses_new_ones() {
        let hub = Arc::new(Hub::default());
        let mut first = hub.add(None);
        hub.subscribe(first.id, Stream::User);
        let waiting = {
            let hub = hub.clone();
            tokio::spawn(async move { hub.close_all().await })
        };
        assert!(first.frames.recv().await.is_none(), "its sender is gone");
        assert!(hub.closing());
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("close_all returns once every connection is gone")
            .unwrap();
        let mut late = hub.add(None);
        assert!(
            late.frames.recv().await.is_none(),
            "a connection made while stopping ends at once"
        );
    }
}
