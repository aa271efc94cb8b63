//! The embedded PostgreSQL cluster under `data_dir/postgres`: found, created, started and stopped
//! with the server, listening on a unix socket inside the data directory only.
//!
//! Decisions (see docs/operations.md, "Embedded database"):
//! - One ferrodon process owns a data directory at a time (an exclusive lock on
//!   `data_dir/ferrodon.lock`); a second process, such as `ferrodon accounts create` while the
//!   server runs, attaches to the running cluster without starting or stopping it.
//! - A small watchdog process (a shell reading our stdin) stops the cluster when the owner dies
//!   in any way, `kill -9` included, so no PostgreSQL is left behind.
//! - A cluster left running by an owner that died with its watchdog is stopped and started
//!   again; a stale `postmaster.pid` is removed.
//! - As root, the cluster runs as the `postgres` system user (PostgreSQL refuses root).

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Uid, User};
use sqlx::postgres::PgConnectOptions;

/// Name of the cluster directory inside the data directory.
const CLUSTER_DIR: &str = "postgres";
/// Superuser and database the server uses in the embedded cluster.
pub const DATABASE_USER: &str = "ferrodon";
/// PostgreSQL's port number names the socket file even without TCP.
const PORT: u16 = 5432;
/// Longest unix socket path the kernel accepts (sun_path is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// How the cluster is set up.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedOptions {
    /// Throwaway clusters (tests, benchmarks) skip fsync: fast, and lost on power failure.
    pub throwaway: bool,
}

/// Why the embedded database could not be used; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in PATH, \
         `pg_config --bindir` or /usr/lib/postgresql/*/bin: install PostgreSQL \
         (Debian/Ubuntu: `apt-get install postgresql`) or set database.url"
    )]
    BinariesNotFound,
    #[error(
        "running as root, but there is no `postgres` system user to run the embedded database as: \
         install PostgreSQL from your distribution's packages (it creates the user) or set database.url"
    )]
    NoPostgresUser,
    #[error(
        "the postgres user cannot reach {0}: give it search permission on every parent directory \
         (chmod o+x), or choose a server.data_dir outside /root"
    )]
    Unreachable(PathBuf),
    #[error(
        "the database socket path {0} is longer than the {MAX_SOCKET_PATH} bytes unix sockets allow: \
         choose a shorter server.data_dir"
    )]
    SocketPathTooLong(PathBuf),
    #[error("{0} exists and is not a PostgreSQL cluster: move it away or choose another server.data_dir")]
    NotACluster(PathBuf),
    #[error("another ferrodon process holds {0} and its database is not running: stop that process first")]
    HeldByAnother(PathBuf),
    #[error("{what} failed ({status}){log}")]
    Command {
        what: String,
        status: String,
        log: String,
    },
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let context = context.into();
    move |source| EmbeddedError::Io { context, source }
}

/// A running embedded cluster; stop it with [`EmbeddedPostgres::stop`].
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    cluster_dir: PathBuf,
    run_as: Option<User>,
    /// Held while we own the data directory; `None` when attached to another process's cluster.
    lock: Option<Flock<File>>,
    watchdog: Option<Watchdog>,
}

/// The process that stops the cluster when its owner dies.
#[derive(Debug)]
struct Watchdog {
    child: Child,
    stdin: ChildStdin,
}

impl EmbeddedPostgres {
    /// Starts (creating on first use) the cluster under `data_dir`, or attaches to it when another
    /// ferrodon process owns it. Blocking: call it from a blocking context.
    pub fn start(data_dir: &Path, options: EmbeddedOptions) -> Result<Self, EmbeddedError> {
        fs::create_dir_all(data_dir).map_err(io_error(format!("creating {}", data_dir.display())))?;
        let data_dir =
            fs::canonicalize(data_dir).map_err(io_error(format!("resolving {}", data_dir.display())))?;
        let cluster_dir = data_dir.join(CLUSTER_DIR);
        let socket = cluster_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(EmbeddedError::SocketPathTooLong(socket));
        }
        let bin_dir = find_bin_dir().ok_or(EmbeddedError::BinariesNotFound)?;
        let run_as = if Uid::effective().is_root() {
            Some(
                User::from_name("postgres")
                    .ok()
                    .flatten()
                    .ok_or(EmbeddedError::NoPostgresUser)?,
            )
        } else {
            None
        };

        let lock_path = data_dir.join("ferrodon.lock");
        let lock_file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(format!("opening {}", lock_path.display())))?;
        let lock = match Flock::lock(lock_file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err(_) => {
                // Another ferrodon owns this data directory: use its cluster as it is.
                if running_postmaster(&cluster_dir).is_none() {
                    return Err(EmbeddedError::HeldByAnother(data_dir));
                }
                return Ok(Self {
                    bin_dir,
                    cluster_dir,
                    run_as,
                    lock: None,
                    watchdog: None,
                });
            }
        };

        let mut cluster = Self {
            bin_dir,
            cluster_dir,
            run_as,
            lock: Some(lock),
            watchdog: None,
        };
        if options.throwaway {
            // The watchdog removes throwaway clusters, and runs as the cluster's user.
            cluster.give_to_cluster_user(&data_dir)?;
        }
        cluster.check_reachable()?;
        if !cluster.cluster_dir.join("PG_VERSION").exists() {
            cluster.init(options)?;
        }
        cluster.write_settings(options)?;
        cluster.clear_leftovers()?;
        cluster.pg_ctl_start()?;
        cluster.watchdog = Some(cluster.spawn_watchdog(options.throwaway.then_some(&data_dir))?);
        Ok(cluster)
    }

    /// Whether this process started the cluster (and so stops it).
    pub fn is_owner(&self) -> bool {
        self.lock.is_some()
    }

    /// Directory holding the cluster's unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// Connection options for `database` in this cluster.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.cluster_dir)
            .port(PORT)
            .username(DATABASE_USER)
            .database(database)
    }

    /// A `postgres://` URL for `database`, for tools that take URLs.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{DATABASE_USER}@localhost:{PORT}/{database}?host={}",
            self.cluster_dir.display()
        )
    }

    /// Stops the cluster if this process owns it, and waits until it is down. Blocking.
    pub fn stop(mut self) -> Result<(), EmbeddedError> {
        let Some(mut watchdog) = self.watchdog.take() else {
            return Ok(());
        };
        // Tell the watchdog we are stopping the cluster ourselves; it exits without acting.
        let _ = watchdog.stdin.write_all(b"disarm\n");
        drop(watchdog.stdin);
        let _ = watchdog.child.wait();
        self.pg_ctl(&["stop", "-m", "fast", "-w", "-t", "60"], "stopping PostgreSQL")
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        self.prepare(&mut command);
        command
    }

    /// Runs as the cluster's user, from a directory that user can read, with a plain locale.
    fn prepare(&self, command: &mut Command) {
        command.current_dir(&self.cluster_dir).env("LC_ALL", "C");
        if let Some(user) = &self.run_as {
            command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            command.env("HOME", &user.dir);
        }
    }

    fn chown_to_cluster_user(&self, path: &Path) -> Result<(), EmbeddedError> {
        if let Some(user) = &self.run_as {
            nix::unistd::chown(path, Some(user.uid), Some(user.gid)).map_err(|e| EmbeddedError::Io {
                context: format!("giving {} to the postgres user", path.display()),
                source: e.into(),
            })?;
        }
        Ok(())
    }

    fn give_to_cluster_user(&self, data_dir: &Path) -> Result<(), EmbeddedError> {
        self.chown_to_cluster_user(data_dir)
    }

    fn check_reachable(&self) -> Result<(), EmbeddedError> {
        let Some(user) = &self.run_as else {
            return Ok(());
        };
        let parent = self.cluster_dir.parent().unwrap_or(&self.cluster_dir);
        let status = Command::new("/bin/sh")
            .args(["-c", "cd -- \"$0\"", &parent.to_string_lossy()])
            .uid(user.uid.as_raw())
            .gid(user.gid.as_raw())
            .current_dir("/")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(io_error("running /bin/sh"))?;
        if status.success() {
            Ok(())
        } else {
            Err(EmbeddedError::Unreachable(parent.to_owned()))
        }
    }

    fn init(&self, options: EmbeddedOptions) -> Result<(), EmbeddedError> {
        if self.cluster_dir.exists()
            && fs::read_dir(&self.cluster_dir)
                .map_err(io_error(format!("reading {}", self.cluster_dir.display())))?
                .next()
                .is_some()
        {
            return Err(EmbeddedError::NotACluster(self.cluster_dir.clone()));
        }
        fs::create_dir_all(&self.cluster_dir)
            .map_err(io_error(format!("creating {}", self.cluster_dir.display())))?;
        fs::set_permissions(&self.cluster_dir, fs::Permissions::from_mode(0o700))
            .map_err(io_error(format!("securing {}", self.cluster_dir.display())))?;
        self.chown_to_cluster_user(&self.cluster_dir)?;
        tracing::info!(dir = %self.cluster_dir.display(), "creating the embedded PostgreSQL cluster");
        let mut command = self.command("initdb");
        command.args([
            "--username",
            DATABASE_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
        ]);
        if options.throwaway {
            command.arg("--no-sync");
        }
        command.arg("--pgdata").arg(&self.cluster_dir);
        run(command, "initdb", None)?;
        let conf = self.cluster_dir.join("postgresql.conf");
        let mut file = File::options()
            .append(true)
            .open(&conf)
            .map_err(io_error(format!("opening {}", conf.display())))?;
        writeln!(
            file,
            "\n# Settings ferrodon rewrites at every start.\ninclude_if_exists = 'ferrodon.conf'"
        )
        .map_err(io_error(format!("writing {}", conf.display())))?;
        Ok(())
    }

    /// Rewritten at every start so the socket follows the data directory if it moves.
    fn write_settings(&self, options: EmbeddedOptions) -> Result<(), EmbeddedError> {
        let socket_dir = self.cluster_dir.to_string_lossy().replace('\'', "''");
        let mut settings = format!(
            "# Written by ferrodon at every start; put your own settings in postgresql.conf.\n\
             listen_addresses = ''\n\
             port = {PORT}\n\
             unix_socket_directories = '{socket_dir}'\n\
             unix_socket_permissions = 0700\n"
        );
        if options.throwaway {
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let path = self.cluster_dir.join("ferrodon.conf");
        fs::write(&path, settings).map_err(io_error(format!("writing {}", path.display())))?;
        self.chown_to_cluster_user(&path)
    }

    /// Handles what a crash leaves: a postmaster whose owner died with its watchdog is stopped;
    /// a pid file naming no live postmaster is removed, with the socket's lock file.
    fn clear_leftovers(&self) -> Result<(), EmbeddedError> {
        let pid_file = self.cluster_dir.join("postmaster.pid");
        let Some(pid) = pid_in_file(&self.cluster_dir) else {
            return Ok(());
        };
        // A postmaster killed a moment ago may still be on its way out; give it a few seconds.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while process_state(pid) == ProcessState::Exiting && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if process_state(pid) == ProcessState::Postgres {
            tracing::warn!(pid, "stopping a PostgreSQL left running by an earlier ferrodon");
            let stopped = self.pg_ctl(
                &["stop", "-m", "fast", "-w", "-t", "60"],
                "stopping the leftover PostgreSQL",
            );
            // pg_ctl can fail while the postmaster is already on its way down (its owner died a
            // moment ago); what matters is that it is gone, whoever stopped it.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while process_state(pid) == ProcessState::Postgres && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if process_state(pid) == ProcessState::Postgres {
                return stopped;
            }
            if !pid_file.exists() {
                return Ok(());
            }
        }
        tracing::warn!(pid, "removing the pid file of a PostgreSQL that is gone");
        fs::remove_file(&pid_file).map_err(io_error(format!("removing {}", pid_file.display())))?;
        let socket_lock = self.cluster_dir.join(format!(".s.PGSQL.{PORT}.lock"));
        match fs::remove_file(&socket_lock) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(io_error(format!("removing {}", socket_lock.display()))(error))
            }
            _ => Ok(()),
        }
    }

    fn pg_ctl_start(&self) -> Result<(), EmbeddedError> {
        let log = self.cluster_dir.join("server.log");
        let mut command = self.command("pg_ctl");
        command
            .args(["start", "-w", "-t", "60", "-s", "-D"])
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(&log);
        run(command, "starting PostgreSQL", Some(&log))
    }

    fn pg_ctl(&self, args: &[&str], what: &str) -> Result<(), EmbeddedError> {
        let mut command = self.command("pg_ctl");
        command.args(args).arg("-s").arg("-D").arg(&self.cluster_dir);
        run(command, what, Some(&self.cluster_dir.join("server.log")))
    }

    /// A shell that waits for its stdin to close (this process gone, however it went) and then
    /// stops the cluster, unless told `disarm` first; throwaway clusters are then removed.
    fn spawn_watchdog(&self, remove: Option<&Path>) -> Result<Watchdog, EmbeddedError> {
        let script = "read -r word; [ \"$word\" = disarm ] && exit 0; \
                      \"$0\" stop -s -m fast -w -t 60 -D \"$1\" >/dev/null 2>&1; \
                      [ -n \"$2\" ] && rm -rf -- \"$2\"; exit 0";
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(script)
            .arg(self.bin_dir.join("pg_ctl"))
            .arg(&self.cluster_dir)
            .arg(remove.map(Path::as_os_str).unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C meant for the server does not reach it.
            .process_group(0);
        self.prepare(&mut command);
        let mut child = command
            .spawn()
            .map_err(io_error("starting the database watchdog"))?;
        let stdin = child.stdin.take().ok_or_else(|| EmbeddedError::Io {
            context: "starting the database watchdog".into(),
            source: std::io::Error::other("no stdin pipe"),
        })?;
        Ok(Watchdog { child, stdin })
    }
}

/// Runs a PostgreSQL tool, turning a failure into an error with the tail of its log.
fn run(mut command: Command, what: &str, log: Option<&Path>) -> Result<(), EmbeddedError> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(io_error(format!("{what}: running {:?}", command.get_program())))?;
    if output.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if let Some(text) = log.and_then(|path| fs::read_to_string(path).ok()) {
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        detail.push('\n');
        detail.push_str(&tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    }
    Err(EmbeddedError::Command {
        what: what.to_owned(),
        status: output.status.to_string(),
        log: if detail.trim().is_empty() {
            String::new()
        } else {
            format!(":\n{}", detail.trim())
        },
    })
}

/// The pid of a live postmaster serving `cluster_dir`, from its `postmaster.pid`.
pub fn running_postmaster(cluster_dir: &Path) -> Option<i32> {
    pid_in_file(cluster_dir).filter(|pid| process_state(*pid) == ProcessState::Postgres)
}

fn pid_in_file(cluster_dir: &Path) -> Option<i32> {
    let text = fs::read_to_string(cluster_dir.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// What a pid names now, as far as a leftover postmaster goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProcessState {
    Gone,
    /// Still listed, but with no command line: exiting, or a zombie.
    Exiting,
    Postgres,
    /// A recycled pid: some other program.
    Other,
}

fn process_state(pid: i32) -> ProcessState {
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Err(_) => ProcessState::Gone,
        Ok(cmdline) if cmdline.is_empty() => ProcessState::Exiting,
        Ok(cmdline) if String::from_utf8_lossy(&cmdline).contains("postgres") => ProcessState::Postgres,
        Ok(_) => ProcessState::Other,
    }
}

/// The cluster directory inside a data directory.
pub fn cluster_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(CLUSTER_DIR)
}

/// Finds a directory holding initdb, pg_ctl and postgres: PATH, `pg_config --bindir`, then the
/// newest `/usr/lib/postgresql/<version>/bin`.
pub fn find_bin_dir() -> Option<PathBuf> {
    find_bin_dir_in(
        std::env::var_os("PATH").as_deref(),
        "pg_config",
        Path::new("/usr/lib/postgresql"),
    )
}

/// [`find_bin_dir`] with its three places given, so that the search can be tested.
pub fn find_bin_dir_in(
    path_var: Option<&std::ffi::OsStr>,
    pg_config: &str,
    versions_root: &Path,
) -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let from_path = path_var.and_then(|paths| {
        std::env::split_paths(paths).find_map(|dir| {
            // Debian links the tools into PATH; pg_ctl finds postgres beside its real file.
            let real = fs::canonicalize(dir.join("pg_ctl")).ok()?;
            let real_dir = real.parent()?.to_owned();
            has_all(&real_dir).then_some(real_dir)
        })
    });
    if from_path.is_some() {
        return from_path;
    }
    let from_pg_config = Command::new(pg_config)
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|dir| has_all(dir));
    if from_pg_config.is_some() {
        return from_pg_config;
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(versions_root)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_all(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

/// Waits until the cluster accepts connections (after an attach, say). Async.
pub async fn wait_until_ready(options: &PgConnectOptions, timeout: Duration) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection};
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match options.connect().await {
            Ok(connection) => {
                let _ = connection.close().await;
                return Ok(());
            }
            Err(error) if tokio::time::Instant::now() >= deadline => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Creates `database` in the cluster if it does not exist yet.
pub async fn ensure_database(cluster: &EmbeddedPostgres, database: &str) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = cluster.connect_options("postgres").connect().await?;
    let exists = sqlx::query_scalar!(
        "select exists(select 1 from pg_database where datname = $1)",
        database
    )
    .fetch_one(&mut connection)
    .await?
    .unwrap_or(false);
    if !exists {
        // Identifiers cannot be bound as parameters; the name is ours, quoted all the same.
        let statement = format!("create database \"{}\"", database.replace('"', "\"\""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut connection)
            .await?;
    }
    connection.close().await
}
