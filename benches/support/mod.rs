//! What the load drivers share: a throwaway embedded PostgreSQL with the migrations applied.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use ferrodon::db::embedded::{self, EmbeddedOptions, EmbeddedPostgres};

/// The server binary the drivers start.
pub const BINARY: &str = env!("CARGO_BIN_EXE_ferrodon");

/// A running throwaway cluster, its data directory and the URL of its migrated database.
pub struct BenchDatabase {
    pub dir: PathBuf,
    pub cluster: EmbeddedPostgres,
    pub url: String,
}

/// Starts a cluster in a fresh directory named `prefix...` and migrates a `ferrodon` database.
pub async fn start_database(prefix: &str) -> BenchDatabase {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap().keep();
    let seed_dir = dir.clone();
    let cluster = tokio::task::spawn_blocking(move || {
        EmbeddedPostgres::start(&seed_dir, EmbeddedOptions { throwaway: true })
    })
    .await
    .unwrap()
    .unwrap();
    embedded::wait_until_ready(&cluster.connect_options("postgres"), Duration::from_secs(30))
        .await
        .unwrap();
    embedded::ensure_database(&cluster, "ferrodon").await.unwrap();
    let url = cluster.url("ferrodon");
    assert!(
        Command::new(BINARY)
            .arg("migrate")
            .env("FERRODON_DATABASE__URL", &url)
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    BenchDatabase { dir, cluster, url }
}

/// The `p`th percentile of `values` (sorted in place); NaN when empty.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((p / 100.0) * (values.len().saturating_sub(1)) as f64).round() as usize;
    values.get(index).copied().unwrap_or(f64::NAN)
}

/// A process's resident memory, in MB (0 when it cannot be read).
pub fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Does now what a bulk load leaves to do (autovacuum, hint-bit writes, a checkpoint), so that
/// it stays out of the measured runs, as it is on a database in steady use.
pub async fn settle(db: &mut sqlx::PgConnection) {
    for statement in ["vacuum (analyze, freeze)", "checkpoint"] {
        sqlx::raw_sql(statement).execute(&mut *db).await.unwrap();
    }
}

/// User and system CPU seconds the process has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the command's ')'.
    (ticks(11) + ticks(12)) / 100.0
}
