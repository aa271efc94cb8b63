//! In-process caches kept true by the database's change log (`cache_events`, migration 0031).
//!
//! Triggers write a row for every change a cache depends on. Before a request uses a cache it
//! waits for a read of that log that began after the request arrived ([`Caches::fresh`]), so a
//! change committed before the request, by any process, is always seen: one read serves every
//! request waiting at the time. A filled entry is kept only if no change read since the fill
//! began concerns it; if the log cannot be read, requests go to the database.
//!
//! The same log is the one source of new notifications ([`Caches::notifications`]): each
//! notification committed, by any path in any process, is handed to this process's subscribers
//! once, after commit.

pub mod home_feeds;
pub mod members;
pub mod rendered;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::{Notify, broadcast, watch};

use crate::db;
use crate::db::cache_events::{CacheEvent, Changes};
use home_feeds::HomeFeeds;
use members::Members;
use rendered::Rendered;

/// How long a request waits for a read of the change log before going to the database.
const FRESH_WAIT: Duration = Duration::from_secs(2);

/// A log left unread this long may have lost rows to pruning (the job worker deletes rows five
/// to ten minutes after their transaction ended): everything cached is forgotten.
const IDLE_LIMIT: Duration = Duration::from_secs(120);

/// Changes remembered for checking fills that began before they were read.
const RECENT_CHANGES: usize = 16_384;

/// New notifications a slow subscriber may fall behind by before it is told it lagged.
const NOTIFICATION_BACKLOG: usize = 4096;

/// Live events a slow subscriber may fall behind by before it is told it lagged.
const LIVE_BACKLOG: usize = 16_384;

/// How often the log is read while anyone waits for live events: statuses wake nobody (migration
/// 0037 says why), so this bounds how late a post reaches a stream.
const LIVE_TICK: Duration = Duration::from_millis(50);

/// The channel the notifications trigger (migration 0036) wakes readers on.
const NOTIFICATIONS_CHANNEL: &str = "ferrodon_notifications";

/// The caches of one process, and the reader of the change log behind them.
#[derive(Clone)]
pub struct Caches {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

struct Shared {
    db: PgPool,
    reader_started: AtomicBool,
    listener_started: AtomicBool,
    wake: Notify,
    read: watch::Sender<Read>,
    state: Mutex<State>,
    /// Ids of notifications read from the log, for this process's subscribers.
    notifications: broadcast::Sender<i64>,
    /// What live clients are told of, read from the log, for this process's streaming.
    live: broadcast::Sender<LiveEvent>,
    ticker_started: AtomicBool,
}

/// A committed change a live client is told of, read from the change log once, after commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    Notification(i64),
    /// A status (or boost) was stored, local or remote.
    Posted(i64),
    Edited(i64),
    /// A status was deleted; `public` when it was public or unlisted.
    Deleted {
        status: i64,
        author: i64,
        public: bool,
    },
    /// A member's filters changed.
    FiltersChanged(i64),
    /// A member accepted a notification request: its notifications joined the others.
    NotificationsMerged(i64),
    /// An announcement was published, or changed while published.
    Announced(i64),
    /// An announcement was withdrawn (unpublished or deleted).
    AnnouncementWithdrawn(i64),
    /// Someone reacted to an announcement with `name`, or took the reaction back.
    AnnouncementReaction {
        announcement: i64,
        name: String,
    },
}

/// The last finished read of the change log.
#[derive(Debug, Clone, Copy, Default)]
struct Read {
    generation: u64,
    ok: bool,
}

/// Proof that the caches were current when a request began: fills made under it may be kept.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    /// Reads of the log finished before the fill began; later ones are checked at install.
    read_before: u64,
    epoch: u64,
}

/// Everything behind the lock: the reader's bookkeeping and the caches themselves.
#[derive(Default)]
pub(crate) struct State {
    started: u64,
    /// Bumped whenever everything is forgotten: fills begun before cannot be kept.
    epoch: u64,
    /// The snapshot of the last read: the next returns what it did not see.
    snapshot: Option<String>,
    /// Changes read recently, with the read that found them.
    recent: VecDeque<(u64, CacheEvent)>,
    /// Every change found by reads after this one is still in `recent`.
    recent_complete_after: u64,
    last_read_at: Option<Instant>,
    pub(crate) home: HomeFeeds,
    pub(crate) rendered: Rendered,
    pub(crate) members: Members,
}

impl Caches {
    /// Caches over `db`; the log reader starts with the first request that asks.
    pub fn new(db: PgPool) -> Self {
        Self {
            shared: Arc::new(Shared {
                db,
                reader_started: AtomicBool::new(false),
                listener_started: AtomicBool::new(false),
                wake: Notify::new(),
                read: watch::Sender::new(Read::default()),
                state: Mutex::new(State::default()),
                notifications: broadcast::channel(NOTIFICATION_BACKLOG).0,
                live: broadcast::channel(LIVE_BACKLOG).0,
                ticker_started: AtomicBool::new(false),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.shared.state)
    }

    /// Every notification committed from now on, by any path in any process, as its id, once:
    /// where streaming and Web Push take their notifications. The log is read soon after each
    /// commit (a NOTIFY wakes the reader) and again after a lost connection, so nothing is
    /// missed while the log keeps its rows (minutes). Returns when the reader knows where "now"
    /// is in the log, or `None` when the log cannot be read.
    pub async fn notifications(&self) -> Option<broadcast::Receiver<i64>> {
        let receiver = self.shared.notifications.subscribe();
        if !self.shared.listener_started.swap(true, Ordering::AcqRel) {
            tokio::spawn(wake_on_notifications(self.shared.clone()));
        }
        self.fresh().await?;
        Some(receiver)
    }

    /// Every live event committed from now on, by any path in any process, once (see
    /// [`LiveEvent`]): where streaming takes what it sends. While anyone listens, the log is read
    /// at least every [`LIVE_TICK`]. `None` when the log cannot be read.
    pub async fn live(&self) -> Option<broadcast::Receiver<LiveEvent>> {
        let receiver = self.shared.live.subscribe();
        if !self.shared.listener_started.swap(true, Ordering::AcqRel) {
            tokio::spawn(wake_on_notifications(self.shared.clone()));
        }
        if !self.shared.ticker_started.swap(true, Ordering::AcqRel) {
            tokio::spawn(tick_while_live(self.shared.clone()));
        }
        self.fresh().await?;
        Some(receiver)
    }

    /// Waits until the change log has been read from after this call began; `None` when it
    /// cannot be read (the caller then asks the database).
    pub async fn fresh(&self) -> Option<Ticket> {
        if !self.shared.reader_started.swap(true, Ordering::AcqRel) {
            tokio::spawn(read_changes(self.shared.clone()));
        }
        let mut reads = self.shared.read.subscribe();
        let wanted = self.lock().started + 1;
        self.shared.wake.notify_one();
        let read = *tokio::time::timeout(FRESH_WAIT, reads.wait_for(|r| r.generation >= wanted))
            .await
            .ok()?
            .ok()?;
        if !read.ok {
            return None;
        }
        let epoch = self.lock().epoch;
        Some(Ticket {
            read_before: read.generation,
            epoch,
        })
    }

    /// Runs `f` on the caches under their lock (keep it short).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.lock())
    }
}

impl State {
    /// Whether a fill begun under `ticket` may be kept: nothing read since concerns it, as
    /// `concerns` decides for each change.
    pub(crate) fn may_keep(&self, ticket: Ticket, concerns: impl Fn(&CacheEvent) -> bool) -> bool {
        self.epoch == ticket.epoch
            && self.recent_complete_after <= ticket.read_before
            && !self
                .recent
                .iter()
                .rev()
                .take_while(|(read, _)| *read > ticket.read_before)
                .any(|(_, event)| event.kind == b'*' || concerns(event))
    }

    fn forget_everything(&mut self) {
        self.epoch += 1;
        self.home.clear();
        self.rendered.clear();
        self.members.clear();
    }

    /// Applies what a read found; returns what live clients are to be told.
    fn apply(&mut self, generation: u64, changes: Changes) -> Vec<LiveEvent> {
        let mut live = Vec::new();
        let idle = self.last_read_at.is_none_or(|at| at.elapsed() > IDLE_LIMIT);
        if idle {
            self.forget_everything();
        }
        self.last_read_at = Some(Instant::now());
        for event in changes.events {
            if self.recent.len() == RECENT_CHANGES
                && let Some((read, _)) = self.recent.pop_front()
            {
                self.recent_complete_after = read;
            }
            match event.kind {
                b'a' => self.home.forget_followers_of(event.target),
                b'm' => self.home.forget(event.target),
                b't' => self.home.forget_followers_of_tag(event.target),
                b's' => self.rendered.forget_status(event.target),
                b'c' => self.rendered.forget_account(event.target),
                b'v' => self.members.forget_marks(event.target),
                b'f' => {
                    self.members.forget_filters(event.target);
                    live.push(LiveEvent::FiltersChanged(event.target));
                }
                b'n' => live.push(LiveEvent::Notification(event.target)),
                b'M' => live.push(LiveEvent::NotificationsMerged(event.target)),
                b'p' => live.push(LiveEvent::Posted(event.target)),
                b'e' => live.push(LiveEvent::Edited(event.target)),
                b'd' | b'D' => live.push(LiveEvent::Deleted {
                    status: event.target,
                    author: event.detail.unwrap_or_default(),
                    public: event.kind == b'd',
                }),
                b'A' => live.push(LiveEvent::Announced(event.target)),
                b'X' => live.push(LiveEvent::AnnouncementWithdrawn(event.target)),
                b'R' => live.push(LiveEvent::AnnouncementReaction {
                    announcement: event.target,
                    name: event.note.clone().unwrap_or_default(),
                }),
                b'*' => self.forget_everything(),
                _ => {}
            }
            self.recent.push_back((generation, event));
        }
        self.snapshot = Some(changes.snapshot);
        live
    }
}

/// Forgets an eighth of `map` when it holds `max` entries.
pub(crate) fn make_room<K: Eq + std::hash::Hash, V>(map: &mut std::collections::HashMap<K, V>, max: usize) {
    if map.len() >= max {
        let mut n = 0usize;
        map.retain(|_, _| {
            n += 1;
            !n.is_multiple_of(8)
        });
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock leaves caches that may be half-updated: start afresh.
    state.lock().unwrap_or_else(|poisoned| {
        let mut state = poisoned.into_inner();
        state.forget_everything();
        state
    })
}

/// The log reader: one read whenever requests are waiting, each serving all of them.
async fn read_changes(shared: Arc<Shared>) {
    loop {
        shared.wake.notified().await;
        let (generation, snapshot) = {
            let mut state = lock(&shared.state);
            state.started += 1;
            (state.started, state.snapshot.clone())
        };
        let result = db::cache_events::since(&shared.db, snapshot.as_deref()).await;
        let (ok, live) = {
            let mut state = lock(&shared.state);
            match result {
                Ok(changes) => (true, state.apply(generation, changes)),
                Err(error) => {
                    // A stopping process (its pool closed) has nothing to warn about.
                    if !shared.db.is_closed() {
                        tracing::warn!(%error, "the cache change log could not be read");
                    }
                    state.forget_everything();
                    state.snapshot = None;
                    (false, Vec::new())
                }
            }
        };
        for event in live {
            // No subscriber is no error: nobody in this process waits for these.
            if let LiveEvent::Notification(id) = &event {
                let _ = shared.notifications.send(*id);
            }
            let _ = shared.live.send(event);
        }
        shared.read.send_replace(Read { generation, ok });
    }
}

/// Wakes the log reader every [`LIVE_TICK`] while this process has live subscribers.
async fn tick_while_live(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(LIVE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if shared.live.receiver_count() > 0 {
            shared.wake.notify_one();
        }
    }
}

/// Wakes the log reader whenever a notification is committed, and once after every (re)connect
/// to catch up on what was committed meanwhile; retries ever more slowly while the database
/// refuses.
async fn wake_on_notifications(shared: Arc<Shared>) {
    let mut wait = Duration::from_secs(1);
    loop {
        let listening = match sqlx::postgres::PgListener::connect_with(&shared.db).await {
            Ok(mut listener) => listener.listen(NOTIFICATIONS_CHANNEL).await.map(|()| listener),
            Err(error) => Err(error),
        };
        match listening {
            Ok(mut listener) => {
                wait = Duration::from_secs(1);
                shared.wake.notify_one();
                loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => shared.wake.notify_one(),
                        // The connection was lost (the next call makes it again): whatever was
                        // committed meanwhile is in the log, so read it.
                        Ok(None) => shared.wake.notify_one(),
                        // The process is stopping: its pool is closed for good.
                        Err(_) if shared.db.is_closed() => return,
                        Err(error) => {
                            tracing::warn!(%error, "lost the notifications channel; listening again");
                            break;
                        }
                    }
                }
            }
            Err(_) if shared.db.is_closed() => return,
            Err(error) => {
                tracing::warn!(%error, ?wait, "cannot listen for notifications; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(events: &[(u8, i64)]) -> Changes {
        Changes {
            snapshot: String::new(),
            events: events
                .iter()
                .map(|&(kind, target)| CacheEvent {
                    kind,
                    target,
                    detail: None,
                    note: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_fill_is_kept_only_if_no_change_read_since_it_began_concerns_it() {
        let mut state = State::default();
        state.apply(1, changes(&[]));
        let ticket = Ticket {
            read_before: 1,
            epoch: state.epoch,
        };
        state.apply(2, changes(&[(b'a', 7)]));
        assert!(state.may_keep(ticket, |e| e.kind == b'a' && e.target == 8));
        assert!(!state.may_keep(ticket, |e| e.kind == b'a' && e.target == 7));
        let later = Ticket {
            read_before: 2,
            epoch: state.epoch,
        };
        assert!(
            state.may_keep(later, |e| e.kind == b'a' && e.target == 7),
            "read before the fill"
        );

        state.apply(4, changes(&[(b'*', 0)]));
        assert!(!state.may_keep(later, |_| false), "everything was forgotten");
    }

    #[test]
    fn a_fill_older_than_the_changes_remembered_is_not_kept() {
        let mut state = State::default();
        state.apply(1, changes(&[]));
        let ticket = Ticket {
            read_before: 1,
            epoch: state.epoch,
        };
        let many: Vec<(u8, i64)> = (0..=RECENT_CHANGES as i64).map(|n| (b's', n)).collect();
        state.apply(2, changes(&many));
        state.apply(3, changes(&[(b's', 1)]));
        assert!(!state.may_keep(ticket, |_| false));
    }
}
