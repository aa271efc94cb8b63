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
