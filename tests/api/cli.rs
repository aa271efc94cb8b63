//! The `ferrodon` binary as an operator runs it: configuration errors, the server's lifecycle on
//! the embedded database (clean stop, restart, `kill -9`), and `accounts create`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ferrodon::db::embedded::{cluster_dir, running_postmaster};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::helpers::{TestDatabase, free_port};

const BINARY: &str = env!("CARGO_BIN_EXE_ferrodon");

/// The binary with a clean environment: no inherited configuration, run from `dir`.
fn ferrodon(dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(dir).env_clear();
    for (name, value) in std::env::vars() {
        if name == "PATH" || name == "HOME" {
            command.env(name, value);
        }
    }
    command
}

fn output_text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn invalid_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = ferrodon(dir.path())
        .args(["serve"])
        .env("FERRODON_SERVER__BIND", "not-an-address")
        .output()
        .unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("server.bind"), "{stderr}");

    std::fs::write(
        dir.path().join("custom.toml"),
        "[registrations]\nmode = \"maybe\"\n",
    )
    .unwrap();
    let output = ferrodon(dir.path())
        .args(["--config", "custom.toml", "serve"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("registrations.mode"), "{stderr}");

    let output = ferrodon(dir.path())
        .args(["serve"])
        .env("FERRODON_CONFIG", dir.path().join("absent.toml"))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn config_toml_in_the_working_directory_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[database]\nmax_connections = 0\n",
    )
    .unwrap();
    let output = ferrodon(dir.path()).args(["migrate"]).output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("database.max_connections"), "{stderr}");
}

/// A `ferrodon serve` child on the embedded database under `data_dir`.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(data_dir: &Path) -> Self {
        let port = free_port();
        let child = ferrodon(data_dir.parent().unwrap())
            .args(["serve"])
            .env("FERRODON_SERVER__DATA_DIR", data_dir)
            .env("FERRODON_SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("FERRODON_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut server = Self { child, port };
        server.wait_until_healthy();
        server
    }

    fn wait_until_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        let url = format!("http://127.0.0.1:{}/health", self.port);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited before it was healthy: {status}");
            }
            if plain_http::status_of(&url).is_ok_and(|status| status == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "the server never became healthy");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Sends `signal` and waits for the process to exit.
    fn signal_and_wait(mut self, signal: Signal) -> std::process::ExitStatus {
        kill(self.pid(), signal).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Processes whose parent is the server (the database watchdog).
    fn children(&self) -> Vec<Pid> {
        let parent = self.child.id().to_string();
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // Fields after the command's closing parenthesis: state, then the parent pid.
                let after = stat.rsplit_once(')')?.1;
                let ppid = after.split_whitespace().nth(1)?;
                (ppid == parent).then_some(Pid::from_raw(pid))
            })
            .collect()
    }
}

/// A plain GET's status, without an async runtime.
mod plain_http {
    pub fn status_of(url: &str) -> std::io::Result<u16> {
        use std::io::{Read, Write};
        let rest = url.trim_start_matches("http://");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut stream = std::net::TcpStream::connect(host)?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
        write!(
            stream,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status line"))
    }
}

fn wait_for_no_postmaster(cluster: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while running_postmaster(cluster).is_some() {
        assert!(Instant::now() < deadline, "PostgreSQL was left running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn server_on_the_embedded_database_stops_cleanly_restarts_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir: PathBuf = dir.path().join("data");
    let cluster = cluster_dir(&data_dir);

    // First start creates the cluster; SIGTERM stops the server and its database.
    let server = Server::start(&data_dir);
    assert!(running_postmaster(&cluster).is_some());
    let status = server.signal_and_wait(Signal::SIGTERM);
    assert!(status.success(), "{status}");
    assert_eq!(running_postmaster(&cluster), None, "no PostgreSQL left behind");

    // Starting again reuses the data; Ctrl-C (SIGINT) stops it as cleanly.
    let server = Server::start(&data_dir);
    assert!(server.signal_and_wait(Signal::SIGINT).success());
    assert_eq!(running_postmaster(&cluster), None);

    // kill -9 of the server alone: its watchdog stops the database.
    let server = Server::start(&data_dir);
    server.signal_and_wait(Signal::SIGKILL);
    wait_for_no_postmaster(&cluster);

    // kill -9 of the server and its database: the next start clears the stale pid file.
    let server = Server::start(&data_dir);
    let postmaster = running_postmaster(&cluster).unwrap();
    kill(Pid::from_raw(postmaster), Signal::SIGKILL).unwrap();
    server.signal_and_wait(Signal::SIGKILL);
    assert!(cluster.join("postmaster.pid").exists());

    // kill -9 of the server and its watchdog: the orphaned database is stopped and restarted.
    let server = Server::start(&data_dir);
    for child in server.children() {
        let _ = kill(child, Signal::SIGKILL);
    }
    server.signal_and_wait(Signal::SIGKILL);
    let orphan = running_postmaster(&cluster).expect("the database outlived its owner");

    let server = Server::start(&data_dir);
    assert_ne!(
        running_postmaster(&cluster),
        Some(orphan),
        "the orphan was replaced"
    );
    assert!(server.signal_and_wait(Signal::SIGTERM).success());
    assert_eq!(running_postmaster(&cluster), None);
}

#[tokio::test]
async fn accounts_create_command_reports_success_and_each_rule() {
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        ferrodon(dir.path())
            .args(["accounts", "create"])
            .args(args)
            .env("FERRODON_DATABASE__URL", &database.url)
            .output()
            .unwrap()
    };

    let output = run(&["admin", "--email", "admin@localhost", "--role", "admin"]);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("created account admin"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("password: "))
        .expect("a generated password is printed")
        .to_owned();
    assert_eq!(password.len(), 24);
    let pool = database.pool().await;
    let account = ferrodon::db::accounts::find_local_by_username(&pool, "admin")
        .await
        .unwrap()
        .unwrap();
    let user = ferrodon::db::users::find_by_account(&pool, account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "admin");
    assert!(ferrodon::passwords::verify(&password, &user.password_hash));

    let output = run(&[
        "ADMIN",
        "--email",
        "other@localhost",
        "--password",
        "a good password",
    ]);
    let (_, stderr) = output_text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("Username has already been taken"), "{stderr}");

    let output = run(&["admin", "--email", "admin@localhost", "--if-missing"]);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("already exists"), "{stdout}");

    for (args, expected) in [
        (
            vec!["bad-name", "--email", "b@localhost"],
            "only letters, numbers and underscores",
        ),
        (vec!["webmaster", "--email", "w@localhost"], "reserved"),
        (vec!["eve", "--email", "nope"], "Email is invalid"),
        (
            vec!["eve", "--email", "eve@localhost", "--password", "short"],
            "too short",
        ),
    ] {
        let output = run(&args);
        let (_, stderr) = output_text(&output);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let output = run(&["eve", "--email", "eve@localhost", "--role", "overlord"]);
    assert!(!output.status.success());
    assert_eq!(ferrodon::db::accounts::count_local(&pool).await.unwrap(), 1);
}

#[tokio::test]
async fn accounts_approve_command_lets_a_pending_member_in() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    ferrodon::actions::accounts::create_local(
        &pool,
        ferrodon::actions::accounts::NewAccount {
            username: "pending",
            email: "pending@example.com",
            password: "a fine password",
            role: ferrodon::actions::accounts::Role::User,
            approved: false,
            creator: ferrodon::actions::accounts::Creator::SignUp,
            locale: "en",
            reason: Some("I like it here"),
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let approve = || {
        ferrodon(dir.path())
            .args(["accounts", "approve", "pending"])
            .env("FERRODON_DATABASE__URL", &database.url)
            .output()
            .unwrap()
    };
    let (stdout, stderr) = output_text(&approve());
    assert!(stdout.contains("approved pending"), "{stdout}{stderr}");
    let (stdout, _) = output_text(&approve());
    assert!(stdout.contains("already approved"), "{stdout}");
    let approved: bool = sqlx::query_scalar("select approved from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(approved);
    let output = ferrodon(dir.path())
        .args(["accounts", "approve", "ghost"])
        .env("FERRODON_DATABASE__URL", &database.url)
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[tokio::test]
async fn accounts_reset_password_and_modify_commands_change_a_members_sign_in() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    let created = ferrodon::actions::accounts::create_local(
        &pool,
        ferrodon::actions::accounts::NewAccount {
            username: "locked_out",
            email: "old@example.com",
            password: "a fine password",
            role: ferrodon::actions::accounts::Role::User,
            approved: true,
            creator: ferrodon::actions::accounts::Creator::SignUp,
            locale: "en",
            reason: None,
        },
    )
    .await
    .unwrap();
    let (app, _) = ferrodon::actions::oauth::register_application(
        &pool,
        "Test",
        None,
        &["urn:ietf:wg:oauth:2.0:oob".to_owned()],
        &ferrodon::mastodon::scopes::Scopes::parse("read").unwrap(),
    )
    .await
    .unwrap();
    ferrodon::actions::oauth::issue_token(
        &pool,
        app.id,
        Some(created.user_id),
        &ferrodon::mastodon::scopes::Scopes::parse("read").unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        ferrodon(dir.path())
            .arg("accounts")
            .args(args)
            .env("FERRODON_DATABASE__URL", &database.url)
            .output()
            .unwrap()
    };
    let output = run(&["reset-password", "locked_out"]);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("the generated password")
        .to_owned();
    let hash: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ferrodon::passwords::verify(&password, &hash));
    let live: i64 = sqlx::query_scalar("select count(*) from oauth_access_tokens where revoked_at is null")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 0, "the member is signed out of apps");
    let output = run(&["reset-password", "locked_out", "--password", "short"]);
    assert!(!output.status.success());
    assert!(
        output_text(&output).1.contains("too short"),
        "{}",
        output_text(&output).1
    );

    let output = run(&[
        "modify",
        "locked_out",
        "--role",
        "moderator",
        "--email",
        "new@example.com",
        "--disable",
    ]);
    assert!(output.status.success(), "{:?}", output_text(&output));
    let (role, email, confirmed, disabled): (String, String, bool, bool) =
        sqlx::query_as("select role, email, confirmed_at is not null, disabled from users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (role.as_str(), email.as_str(), confirmed, disabled),
        ("moderator", "new@example.com", true, true)
    );
    assert!(run(&["modify", "locked_out", "--enable"]).status.success());
    let disabled: bool = sqlx::query_scalar("select disabled from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!disabled);
    let output = run(&["modify", "locked_out", "--email", "not an address"]);
    assert!(!output.status.success());
    assert!(
        !run(&["modify", "locked_out", "--role", "emperor"])
            .status
            .success()
    );
}
