//! This process's open streaming connections: who they speak for, what they subscribed to, and
//! the bounded buffer each is sent through. A connection whose buffer overflows is dropped (its
//! client reconnects), so one slow client never holds memory or slows the others.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
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
    pub text: Arc<str>,
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
}

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
        let (sender, frames) = mpsc::channel(BUFFER);
        let mut registry = self.lock();
        registry.next_id += 1;
        let id = registry.next_id;
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
