//! Start-up time and idle memory of the release server, with its database already running.
//!
//! Starts a throwaway PostgreSQL, migrates it once, then starts `ferrodon serve` against it
//! repeatedly, timing from spawn to the first `200` from `/health`, and reading the idle
//! server's resident memory (the database's processes are not counted). Prints a figure a line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrodon::db::embedded::{self, EmbeddedOptions, EmbeddedPostgres};

const RUNS: usize = 15;
const BINARY: &str = env!("CARGO_BIN_EXE_ferrodon");

fn main() {
    let dir = tempfile::Builder::new()
        .prefix("ferrodon-bench-")
        .tempdir()
        .unwrap()
        .keep();
    let cluster = EmbeddedPostgres::start(&dir, EmbeddedOptions { throwaway: true }).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        embedded::wait_until_ready(&cluster.connect_options("postgres"), Duration::from_secs(30))
            .await
            .unwrap();
        embedded::ensure_database(&cluster, "ferrodon").await.unwrap();
    });
    let url = cluster.url("ferrodon");
    let status = Command::new(BINARY)
        .arg("migrate")
        .env("FERRODON_DATABASE__URL", &url)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());

    let mut startup_ms = Vec::new();
    let mut rss_mb = Vec::new();
    for _ in 0..RUNS {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = Instant::now();
        let mut child = Command::new(BINARY)
            .arg("serve")
            .env("FERRODON_DATABASE__URL", &url)
            .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("FERRODON_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        while health_status(port) != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            std::thread::sleep(Duration::from_micros(500));
        }
        startup_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        // A few requests, then a rest: the memory of a server that has served and sits idle.
        for _ in 0..20 {
            health_status(port);
        }
        std::thread::sleep(Duration::from_millis(500));
        rss_mb.push(resident_mb(child.id()));
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        assert!(child.wait().unwrap().success());
    }
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "startup_to_healthy_ms median={:.1} min={:.1} max={:.1} runs={RUNS}",
        median(&mut startup_ms),
        min(&startup_ms),
        max(&startup_ms)
    );
    println!(
        "idle_rss_mb median={:.1} max={:.1}",
        median(&mut rss_mb),
        max(&rss_mb)
    );
}

fn health_status(port: u16) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb / 1024.0
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}
