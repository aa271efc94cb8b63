//! The `ferrodon` command: serve, migrate, and the operator's administration commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferrodon::actions::accounts::{self, Creator, NewAccount};
use ferrodon::app::Role;
use ferrodon::config::Config;
use ferrodon::db::{self, Database};
use ferrodon::error::AppError;
use ferrodon::telemetry::{self, LogFormat};

mod cli;

#[derive(Debug, Parser)]
#[command(
    name = "ferrodon",
    version,
    about = "A self-hosted ActivityPub server with Mastodon's API"
)]
struct Cli {
    /// Configuration file (default: $FERRODON_CONFIG, else ./config.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server until SIGINT or SIGTERM.
    Serve {
        /// `web` serves HTTP only, `worker` runs the job and delivery workers only, `all` both.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage local accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Domain rules (block, unblock, list), block-list files and subscriptions.
    Domains {
        #[command(subcommand)]
        command: cli::domains::DomainsCommand,
    },
    /// Inspect and nudge the job and delivery queues.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Queue depth by job kind and by delivery host, oldest pending, failures, unavailable hosts.
    Stats,
    /// Make failed and scheduled deliveries due now (failed ones get a fresh retry budget).
    Retry {
        /// Only the deliveries to this host; also ends its unavailability.
        #[arg(long)]
        host: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsCommand {
    /// Create a local account (its password is generated and printed when not given).
    Create {
        /// Username: letters, digits and underscores, at most 30 characters.
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long, default_value = "user", value_parser = ["user", "moderator", "admin"])]
        role: String,
        /// Succeed without changes when the username is already taken.
        #[arg(long)]
        if_missing: bool,
    },
    /// Set a new password (generated and printed when not given) and sign the member out
    /// everywhere: browsers and apps.
    ResetPassword {
        /// Username of the local account.
        name: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Change a member's sign-in: role, address, confirmation, login, two-factor sign-in.
    Modify {
        /// Username of the local account.
        name: String,
        #[arg(long, value_parser = ["user", "moderator", "admin"])]
        role: Option<String>,
        /// A new address, taken as confirmed.
        #[arg(long)]
        email: Option<String>,
        /// Mark the address confirmed.
        #[arg(long)]
        confirm: bool,
        /// Disable the login (no sign-in, no app access) until --enable.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Enable a disabled login.
        #[arg(long)]
        enable: bool,
        /// Turn two-factor sign-in off (for a member who lost their phone and recovery codes).
        #[arg(long)]
        disable_two_factor: bool,
    },
    /// Approve an account that signed up while registrations needed approval.
    Approve {
        /// Username of the local account.
        name: String,
    },
    /// Delete a local account: other servers are sent Delete(Person) (by the server's delivery
    /// worker), its posts, follows and sign-in go; the name stays reserved.
    Delete {
        /// Username of the local account.
        name: String,
    },
    /// Add an alias (`alsoKnownAs`) to a local account, so the account HANDLE may move to it.
    Alias {
        /// Username of the local account (the move's destination).
        name: String,
        /// The account that will move here: `user@domain` (or a local `user`).
        handle: String,
    },
    /// Move a local account to HANDLE (which must name it as an alias): followers move along.
    Move {
        /// Username of the local account that moves away.
        name: String,
        /// The new account: `user@domain` (or a local `user`).
        handle: String,
    },
}

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    let default_filter = match cli.command {
        Command::Serve { .. } => "info,sqlx=warn",
        _ => "warn",
    };
    telemetry::init(cli.log_format, default_filter);
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { role } => ferrodon::app::run(config, started, role).await,
            Command::Migrate => migrate(config).await,
            Command::Accounts { command } => run_accounts(config, command).await,
            Command::Jobs { command } => run_jobs(config, command).await,
            Command::Domains { command } => cli::domains::run(config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = database.migrate().await;
    database.close().await?;
    result?;
    println!("migrations are up to date");
    Ok(())
}

async fn run_accounts(config: Config, command: AccountsCommand) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = async {
        database.migrate().await?;
        match command {
            AccountsCommand::Create {
                name,
                email,
                password,
                role,
                if_missing,
            } => create_account(&database, &name, &email, password, &role, if_missing).await,
            AccountsCommand::Delete { name } => {
                let account = local_account(&database, &name).await?;
                accounts::delete_local(
                    &database.pool,
                    &config.base_url(),
                    &ferrodon::media::store::MediaStore::local(&config.server.data_dir),
                    account,
                )
                    .await?;
                println!("deleted {name}: other servers are told by the running server's delivery worker");
                Ok(())
            }
            AccountsCommand::Alias { name, handle } => {
                let state = cli_state(&config, &database).await?;
                let account = local_account(&database, &name).await?;
                let uri = ferrodon::actions::account_moves::add_alias(&state, account, &handle).await?;
                println!("{name} is also known as {uri}: that account may move here now");
                Ok(())
            }
            AccountsCommand::Move { name, handle } => {
                let state = cli_state(&config, &database).await?;
                let account = local_account(&database, &name).await?;
                let moved = ferrodon::actions::account_moves::move_to(&state, account, &handle).await?;
                println!("{name} moved to {handle}: {moved} local followers follow the new account; other servers are told by the running server's delivery worker");
                Ok(())
            }
            AccountsCommand::ResetPassword { name, password } => {
                let account = local_account(&database, &name).await?;
                let generated = password.is_none();
                let password = match password {
                    Some(password) => password,
                    None => generate_password()?,
                };
                ferrodon::actions::operator_accounts::reset_password(&database.pool, account, &password)
                    .await
                    .map_err(people_error)?;
                println!("new password for {name}; they were signed out everywhere");
                if generated {
                    println!("password: {password}");
                    println!("(shown only this once)");
                }
                Ok(())
            }
            AccountsCommand::Modify {
                name,
                role,
                email,
                confirm,
                disable,
                enable,
                disable_two_factor,
            } => {
                let account = local_account(&database, &name).await?;
                let role = role
                    .map(|r| r.parse::<accounts::Role>())
                    .transpose()
                    .map_err(anyhow::Error::msg)?;
                let change = ferrodon::actions::operator_accounts::Modification {
                    role,
                    email: email.as_deref(),
                    confirm,
                    disabled: (disable || enable).then_some(disable),
                    disable_two_factor,
                };
                ferrodon::actions::operator_accounts::modify(&database.pool, account, &change)
                    .await
                    .map_err(people_error)?;
                println!("modified {name}");
                Ok(())
            }
            AccountsCommand::Approve { name } => {
                match accounts::approve(&database.pool, &name).await? {
                    true => println!("approved {name}: they can sign in now"),
                    false => println!("{name} was already approved"),
                }
                Ok(())
            }
        }
    }
    .await;
    database.close().await?;
    result
}

/// The state a command needs to resolve remote accounts (the federation client and rules).
async fn cli_state(config: &Config, database: &Database) -> anyhow::Result<ferrodon::app::AppState> {
    let state = ferrodon::app::AppState::new(config.clone(), database.pool.clone())?;
    state.federation.policy.reload(&state.db).await?;
    Ok(state)
}

async fn local_account(database: &Database, name: &str) -> anyhow::Result<i64> {
    Ok(db::accounts::find_local_by_username(&database.pool, name)
        .await?
        .with_context(|| format!("there is no local account {name}"))?
        .id)
}

async fn run_jobs(config: Config, command: JobsCommand) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = async {
        database.migrate().await?;
        match command {
            JobsCommand::Stats => print_stats(&database).await,
            JobsCommand::Retry { host } => {
                let host = host.map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase());
                let mut connection = database.pool.acquire().await?;
                let touched = db::deliveries::retry_now(&mut connection, host.as_deref()).await?;
                match host {
                    Some(host) => println!("{touched} deliveries to {host} are due now; {host} is available"),
                    None => println!("{touched} deliveries are due now"),
                }
                Ok(())
            }
        }
    }
    .await;
    database.close().await?;
    result
}

/// Hosts listed by `jobs stats`, busiest first.
const STATS_HOSTS: i64 = 50;

async fn print_stats(database: &Database) -> anyhow::Result<()> {
    let age = |seconds: Option<f64>| seconds.map_or("-".to_owned(), |s| format!("{}s", s.round()));
    println!("jobs by kind:");
    println!(
        "  {:<28} {:>9} {:>9} {:>9} {:>12}  last reason given up",
        "kind", "pending", "failing", "given up", "oldest"
    );
    for kind in db::jobs::stats_by_kind(&database.pool).await? {
        println!(
            "  {:<28} {:>9} {:>9} {:>9} {:>12}  {}",
            kind.kind,
            kind.pending,
            kind.failing,
            kind.given_up,
            age(kind.oldest_pending_seconds),
            kind.last_reason.as_deref().unwrap_or("-")
        );
    }
    let totals = db::deliveries::totals(&database.pool).await?;
    println!(
        "deliveries: {} pending ({} due now) to {} hosts, {} given up, oldest pending {}",
        totals.pending,
        totals.due,
        totals.hosts,
        totals.failed,
        age(totals.oldest_pending_seconds)
    );
    println!("deliveries by host:");
    println!(
        "  {:<40} {:>9} {:>9} {:>12}  status",
        "host", "pending", "failed", "oldest"
    );
    for host in db::deliveries::stats_by_host(&database.pool, STATS_HOSTS).await? {
        println!(
            "  {:<40} {:>9} {:>9} {:>12}  {}",
            host.host,
            host.pending,
            host.failed,
            age(host.oldest_pending_seconds),
            if host.unavailable_since.is_some() {
                "unavailable"
            } else {
                "ok"
            }
        );
    }
    let unavailable = db::deliveries::list_unavailable_hosts(&database.pool).await?;
    println!("unavailable hosts: {}", unavailable.len());
    for (host, since) in unavailable {
        println!("  {host} since {}", since.to_rfc3339());
    }
    Ok(())
}

async fn create_account(
    database: &Database,
    name: &str,
    email: &str,
    password: Option<String>,
    role: &str,
    if_missing: bool,
) -> anyhow::Result<()> {
    if if_missing && db::accounts::exists_local_username(&database.pool, name.trim()).await? {
        println!("account {name} already exists; nothing to do");
        return Ok(());
    }
    let role: accounts::Role = role.parse().map_err(anyhow::Error::msg)?;
    let generated = password.is_none();
    let password = match password {
        Some(password) => password,
        None => generate_password()?,
    };
    let created = accounts::create_local(
        &database.pool,
        NewAccount {
            username: name,
            email,
            password: &password,
            role,
            approved: true,
            creator: Creator::Operator,
            locale: "en",
            reason: None,
        },
    )
    .await
    .map_err(people_error)?;
    println!(
        "created account {name} (id {}, role {})",
        created.account_id,
        role.as_str()
    );
    if generated {
        println!("password: {password}");
        println!("(shown only this once: keep it somewhere safe)");
    }
    Ok(())
}

/// Validation messages are for people: shown without the "Validation failed" prefix.
fn people_error(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation { description, .. } => anyhow::anyhow!("{description}"),
        other => anyhow::Error::new(other),
    }
}

/// A random password of 24 characters from an alphabet without look-alikes.
fn generate_password() -> anyhow::Result<String> {
    ferrodon::secrets::readable(24)
}
