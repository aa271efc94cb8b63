//! The embedded cluster: created, started, stopped, shared, and recovered after a crash.

use std::path::Path;
use std::time::{Duration, Instant};

use ferrodon::db::embedded::{self, EmbeddedOptions, EmbeddedPostgres, cluster_dir, running_postmaster};
use sqlx::{ConnectOptions, Connection, PgConnection};

fn start(dir: &Path, throwaway: bool) -> EmbeddedPostgres {
    EmbeddedPostgres::start(dir, EmbeddedOptions { throwaway }).expect("cluster starts")
}

async fn connect(cluster: &EmbeddedPostgres) -> PgConnection {
    let options = cluster.connect_options("postgres");
    embedded::wait_until_ready(&options, Duration::from_secs(30))
        .await
        .unwrap();
    options.connect().await.unwrap()
}

fn wait_until_dead(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "process {pid} did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn cluster_is_created_stopped_and_started_again_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(dir.path(), false);
    assert!(cluster.is_owner());
    assert!(cluster_dir(dir.path()).join("PG_VERSION").exists());
    let mut connection = connect(&cluster).await;
    sqlx::raw_sql("create table kept (value text); insert into kept values ('still here')")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    cluster.stop().unwrap();
    assert_eq!(running_postmaster(&cluster_dir(dir.path())), None);
    assert!(!cluster_dir(dir.path()).join("postmaster.pid").exists());

    let cluster = start(dir.path(), false);
    let mut connection = connect(&cluster).await;
    let value: String = sqlx::query_scalar("select value from kept")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(value, "still here");
    connection.close().await.unwrap();
    cluster.stop().unwrap();
}

#[tokio::test]
async fn cluster_listens_on_its_socket_only() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(dir.path(), true);
    let mut connection = connect(&cluster).await;
    let listen: String = sqlx::query_scalar("show listen_addresses")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(listen, "");
    connection.close().await.unwrap();
    assert!(
        cluster
            .socket_dir()
            .starts_with(std::fs::canonicalize(dir.path()).unwrap())
    );
    cluster.stop().unwrap();
}

#[tokio::test]
async fn crashed_cluster_with_a_stale_pid_file_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(dir.path(), false);
    let pid = running_postmaster(&cluster_dir(dir.path())).expect("postmaster runs");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    wait_until_dead(pid);
    assert!(
        cluster_dir(dir.path()).join("postmaster.pid").exists(),
        "the crash leaves its pid file"
    );
    // The owner finds its database gone; stopping reports that, and changes nothing.
    let _ = cluster.stop();

    let cluster = start(dir.path(), false);
    let mut connection = connect(&cluster).await;
    let one: i32 = sqlx::query_scalar("select 1")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(one, 1);
    connection.close().await.unwrap();
    cluster.stop().unwrap();
}

#[tokio::test]
async fn pid_file_naming_another_program_is_cleared() {
    let dir = tempfile::tempdir().unwrap();
    start(dir.path(), false).stop().unwrap();
    // A pid recycled by an unrelated program must not be taken for a running postmaster.
    let mut unrelated = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let pid_file = cluster_dir(dir.path()).join("postmaster.pid");
    std::fs::write(
        &pid_file,
        format!("{}\n{}\n", unrelated.id(), cluster_dir(dir.path()).display()),
    )
    .unwrap();
    assert_eq!(running_postmaster(&cluster_dir(dir.path())), None);
    let cluster = start(dir.path(), false);
    connect(&cluster).await.close().await.unwrap();
    cluster.stop().unwrap();
    let _ = unrelated.kill();
    let _ = unrelated.wait();
}

#[tokio::test]
async fn second_process_attaches_without_taking_ownership() {
    let dir = tempfile::tempdir().unwrap();
    let owner = start(dir.path(), true);
    let guest = start(dir.path(), true);
    assert!(owner.is_owner());
    assert!(!guest.is_owner());
    connect(&guest).await.close().await.unwrap();
    guest.stop().unwrap();
    // The guest's stop leaves the owner's database running.
    connect(&owner).await.close().await.unwrap();
    let pid = running_postmaster(&cluster_dir(dir.path())).expect("still running");
    owner.stop().unwrap();
    wait_until_dead(pid);
}

#[test]
fn binaries_are_found_in_the_newest_version_directory() {
    let root = tempfile::tempdir().unwrap();
    for version in ["13", "15", "9"] {
        let bin = root.path().join(version).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["initdb", "pg_ctl", "postgres"] {
            std::fs::write(bin.join(tool), "").unwrap();
        }
    }
    let incomplete = root.path().join("17").join("bin");
    std::fs::create_dir_all(&incomplete).unwrap();
    std::fs::write(incomplete.join("initdb"), "").unwrap();
    let found = embedded::find_bin_dir_in(
        Some(std::ffi::OsStr::new("")),
        "/nonexistent/pg_config",
        root.path(),
    );
    assert_eq!(found, Some(root.path().join("15").join("bin")));
    let none = embedded::find_bin_dir_in(None, "/nonexistent/pg_config", &root.path().join("missing"));
    assert_eq!(none, None);
}

#[test]
fn missing_binaries_message_says_how_to_install() {
    let message = embedded::EmbeddedError::BinariesNotFound.to_string();
    assert!(message.contains("apt-get install postgresql"), "{message}");
    assert!(!message.contains('\n'));
}
