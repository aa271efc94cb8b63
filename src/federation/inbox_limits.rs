//! Inbox flood control: each remote host's share of the inbox (a token bucket per host, charged
//! only for requests whose signature verified, so nobody can spend another host's share) and a
//! bound on the activities waiting to be processed, so one noisy server cannot starve the rest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::config::FederationConfig;

/// Hosts remembered at most; past this, those with a full bucket (as good as new) are forgotten.
const MAX_HOSTS: usize = 10_000;

/// How old the count of waiting activities may be.
const WAITING_MAX_AGE: Duration = Duration::from_secs(1);

/// Why a request is not looked at now, and when to come back (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// The host used its share: 429.
    HostOverShare { retry_after: u64 },
    /// Too many activities wait to be processed: 503.
    QueueFull { retry_after: u64 },
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The inbox's limits in this process (each web process keeps its own).
pub struct InboxLimits {
    rate: f64,
    burst: f64,
    queue_limit: i64,
    hosts: Mutex<HashMap<String, Bucket>>,
    waiting: Arc<AtomicI64>,
    waiting_read: Mutex<Option<Instant>>,
    refreshing: Arc<AtomicBool>,
}

impl std::fmt::Debug for InboxLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxLimits")
            .field("rate", &self.rate)
            .field("burst", &self.burst)
            .field("queue_limit", &self.queue_limit)
            .finish_non_exhaustive()
    }
}

impl InboxLimits {
    pub fn new(config: &FederationConfig) -> Self {
        Self {
            rate: f64::from(config.inbox_host_rate),
            burst: f64::from(config.inbox_host_burst.max(1)),
            queue_limit: i64::from(config.inbox_queue_limit),
            hosts: Mutex::new(HashMap::new()),
            waiting: Arc::new(AtomicI64::new(0)),
            waiting_read: Mutex::new(None),
            refreshing: Arc::new(AtomicBool::new(false)),
        }
    }

    fn hosts(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        self.hosts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a request from `host` may be looked at now (nothing is charged yet).
    pub fn check(&self, host: &str, db: &PgPool) -> Result<(), Overload> {
        self.refresh_waiting(db);
        if self.queue_limit > 0 && self.waiting.load(Ordering::Relaxed) >= self.queue_limit {
            return Err(Overload::QueueFull { retry_after: 30 });
        }
        if self.rate <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut hosts = self.hosts();
        let Some(bucket) = hosts.get_mut(host) else {
            return Ok(());
        };
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.rate;
            Err(Overload::HostOverShare {
                retry_after: wait.ceil().max(1.0) as u64,
            })
        }
    }

    /// Charges one accepted request to `host`.
    pub fn charge(&self, host: &str) {
        if self.rate <= 0.0 {
            return;
        }
        let now = Instant::now();
        let mut hosts = self.hosts();
        if hosts.len() >= MAX_HOSTS && !hosts.contains_key(host) {
            let (rate, burst) = (self.rate, self.burst);
            hosts.retain(|_, b| b.tokens + b.updated.elapsed().as_secs_f64() * rate < burst);
        }
        let bucket = hosts.entry(host.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        self.refill(bucket, now);
        bucket.tokens -= 1.0;
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
    }

    /// Activities waiting to be processed, as last counted.
    pub fn waiting(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Counts the waiting activities again (in the background) when the count is a second old.
    fn refresh_waiting(&self, db: &PgPool) {
        if self.queue_limit <= 0 {
            return;
        }
        {
            let mut read = self
                .waiting_read
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if read.is_some_and(|at| at.elapsed() < WAITING_MAX_AGE) {
                return;
            }
            *read = Some(Instant::now());
        }
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (db, waiting, refreshing) = (db.clone(), self.waiting.clone(), self.refreshing.clone());
        tokio::spawn(async move {
            match crate::db::jobs::count_waiting(&db, "process_activity").await {
                Ok(count) => waiting.store(count, Ordering::Relaxed),
                Err(error) => tracing::warn!(%error, "inbox: the waiting activities could not be counted"),
            }
            refreshing.store(false, Ordering::Release);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rate: u32, burst: u32) -> InboxLimits {
        InboxLimits::new(&FederationConfig {
            inbox_host_rate: rate,
            inbox_host_burst: burst,
            inbox_queue_limit: 0,
            ..FederationConfig::default()
        })
    }

    #[tokio::test]
    async fn a_host_past_its_burst_waits_and_others_do_not() {
        let limits = limits(2, 3);
        let db = PgPool::connect_lazy("postgres://nobody@localhost/none").unwrap();
        for _ in 0..3 {
            assert_eq!(limits.check("noisy.test", &db), Ok(()));
            limits.charge("noisy.test");
        }
        assert_eq!(
            limits.check("noisy.test", &db),
            Err(Overload::HostOverShare { retry_after: 1 })
        );
        assert_eq!(
            limits.check("quiet.test", &db),
            Ok(()),
            "another host keeps its share"
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(limits.check("noisy.test", &db), Ok(()), "refilled at 2 a second");
    }
}
