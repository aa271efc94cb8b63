//! SQL only: one file per table family, the pool, migrations and the embedded cluster.

pub mod account_domain_blocks;
pub mod account_moderation;
pub mod account_warnings;
pub mod accounts;
pub mod announcements;
pub mod blocklists;
pub mod cache_events;
pub mod conversations;
pub mod custom_emojis;
pub mod deliveries;
pub mod domain_blocks;
pub mod embedded;
pub mod exports;
pub mod featured;
pub mod filters;
pub mod follow_requests;
pub mod follows;
pub mod imports;
pub mod ingest;
pub mod instance_actor;
pub mod interactions;
pub mod invites;
pub mod jobs;
pub mod lists;
pub mod markers;
pub mod media;
pub mod notification_groups;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod paging;
pub mod polls;
pub mod push;
pub mod remote_accounts;
pub mod reports;
pub mod scheduled_statuses;
pub mod search;
pub mod sessions;
pub mod severances;
pub mod sign_up_blocks;
pub mod status_display;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod timelines;
pub mod two_factor;
pub mod user_tokens;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;
use embedded::{EmbeddedOptions, EmbeddedPostgres};

/// Begins a transaction, in a task of its own. sqlx 0.9.0's `begin` is not cancel-safe on
/// PostgreSQL: a caller dropped while `BEGIN` is in flight (a client hanging up mid-request)
/// leaves the pooled connection inside a transaction that nothing ends, and the next borrowers'
/// statements silently run, and wait, inside it (sqlx issue 4393, fixed after 0.9.0). In its own
/// task `BEGIN` always finishes, and a dropped caller's transaction is rolled back as usual.
pub async fn begin(pool: &PgPool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin().await })
        .await
        .map_err(|error| sqlx::Error::Protocol(format!("beginning a transaction failed: {error}")))?
}

/// Name of the database the server uses inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "ferrodon";

/// The migrations under `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The connection pool, and the embedded cluster behind it when `database.url` is empty.
#[derive(Debug)]
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `database.url`, or starts (or attaches to) the embedded cluster.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        if !config.database.url.is_empty() {
            let options: PgConnectOptions = config.database.url.parse()?;
            let pool = pool_options(config)
                .connect_with(connection_settings(options))
                .await
                .context("connecting to database.url")?;
            return Ok(Self { pool, embedded: None });
        }
        let data_dir = config.server.data_dir.clone();
        let cluster = tokio::task::spawn_blocking(move || {
            EmbeddedPostgres::start(&data_dir, EmbeddedOptions::default())
        })
        .await??;
        let result = async {
            embedded::wait_until_ready(&cluster.connect_options("postgres"), Duration::from_secs(30)).await?;
            embedded::ensure_database(&cluster, EMBEDDED_DATABASE).await?;
            pool_options(config)
                .connect_with(connection_settings(cluster.connect_options(EMBEDDED_DATABASE)))
                .await
        }
        .await;
        match result {
            Ok(pool) => Ok(Self {
                pool,
                embedded: Some(cluster),
            }),
            Err(error) => {
                let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
                Err(anyhow::Error::new(error).context("opening the embedded database"))
            }
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("running migrations")
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(cluster) = self.embedded {
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
        }
        Ok(())
    }
}

/// Prepared statements kept per connection: more than the server's distinct queries, so that a
/// hot query is never evicted and prepared again (sqlx keeps 100 by default).
const STATEMENT_CACHE: usize = 1024;

/// The settings every connection gets: a large statement cache, and no JIT compilation. Our
/// queries are short and many; PostgreSQL compiles any query whose estimate passes
/// `jit_above_cost`, which a query over thousands of ids (streaming's recipients) does, and the
/// compilation alone took 90 ms of a 160 ms query.
fn connection_settings(options: PgConnectOptions) -> PgConnectOptions {
    options
        .statement_cache_capacity(STATEMENT_CACHE)
        .options([("jit", "off")])
}

fn pool_options(config: &Config) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(config.database.max_connections)
        .acquire_timeout(Duration::from_secs(5))
}

/// A pool of its own to the same database, opened on first use: an event loop on another thread
/// talks to the database over connections driven by that loop, not by the server's.
pub fn sibling_pool(pool: &PgPool, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// One round trip to the database (the health check).
pub async fn ping(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<()> {
    sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(db)
        .await
        .map(|_| ())
}

/// Whether an error is a unique-constraint violation on the named constraint or index.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => db.is_unique_violation() && db.constraint() == Some(constraint),
        _ => false,
    }
}
