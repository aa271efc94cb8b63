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
