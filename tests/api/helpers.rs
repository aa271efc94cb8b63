//! The test harness: a PostgreSQL server for the run, a fresh database per test, and the real app
//! served on `127.0.0.1:0`.
//!
//! Without `DATABASE_URL`, one throwaway cluster is started per test process (the watchdog stops
//! and removes it when the process exits). With `DATABASE_URL`, that server is used; it needs the
//! CREATEDB privilege. Each test's database is a copy of a template that has the migrations
//! applied, named for the migrations' checksums, so a changed migration makes a new template.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use ferrodon::app::{self, AppState};
use ferrodon::config::Config;
use ferrodon::db::embedded::{EmbeddedOptions, EmbeddedPostgres};
use reqwest::Url;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

/// The PostgreSQL server every test in this process uses.
struct TestServer {
    /// A URL to the server; tests swap in their database's name.
    base_url: Url,
    template: String,
}

static SERVER: OnceCell<TestServer> = OnceCell::const_new();
static DATABASE_COUNTER: AtomicU32 = AtomicU32::new(0);

async fn server() -> &'static TestServer {
    SERVER
        .get_or_init(|| async {
            let base_url = match std::env::var("DATABASE_URL") {
                Ok(url) if !url.is_empty() => Url::parse(&url).expect("DATABASE_URL is a URL"),
                _ => start_throwaway_cluster().await,
            };
            let template = prepare_template(&base_url).await;
            TestServer { base_url, template }
        })
        .await
}

async fn start_throwaway_cluster() -> Url {
    let dir = tempfile::Builder::new()
        .prefix("ferrodon-test-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let cluster = tokio::task::spawn_blocking(move || {
        EmbeddedPostgres::start(&dir, EmbeddedOptions { throwaway: true })
    })
    .await
    .expect("join")
    .expect("a throwaway PostgreSQL cluster starts (is PostgreSQL installed?)");
    let url = Url::parse(&cluster.url("postgres")).expect("cluster URL");
    // Lives as long as the process; its watchdog stops and removes it at exit.
    Box::leak(Box::new(cluster));
    url
}

fn url_for(base: &Url, database: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("/{database}"));
    url
}

async fn admin_connection(base: &Url) -> PgConnection {
    let options = PgConnectOptions::from_str(url_for(base, "postgres").as_str()).expect("options");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match options.connect().await {
            Ok(connection) => return connection,
            Err(error) if std::time::Instant::now() > deadline => panic!("connecting: {error}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

/// Creates (once per migration set) a template database with every migration applied.
async fn prepare_template(base: &Url) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in ferrodon::db::MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    let name = format!("ferrodon_template_{:016x}", hasher.finish());
    let mut admin = admin_connection(base).await;
    // Test processes running side by side build the template once.
    sqlx::query("select pg_advisory_lock(4242)")
        .execute(&mut admin)
        .await
        .expect("lock");
    let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .expect("query");
    if !exists {
        let building = format!("{name}_building");
        execute(&mut admin, &format!("drop database if exists {building}")).await;
        execute(&mut admin, &format!("create database {building}")).await;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(url_for(base, &building).as_str())
            .await
            .expect("connect to template");
        ferrodon::db::MIGRATOR.run(&pool).await.expect("migrations apply");
        pool.close().await;
        execute(&mut admin, &format!("alter database {building} rename to {name}")).await;
    }
    sqlx::query("select pg_advisory_unlock(4242)")
        .execute(&mut admin)
        .await
        .expect("unlock");
    admin.close().await.expect("close");
    name
}

async fn execute(connection: &mut PgConnection, statement: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(connection)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// A database of its own for one test, dropped when it is.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    base_url: Url,
}

impl TestDatabase {
    /// A fresh database with every migration applied.
    pub async fn create() -> Self {
        let server = server().await;
        let name = format!(
            "ferrodon_test_{}_{}",
            std::process::id(),
            DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = admin_connection(&server.base_url).await;
        let statement = format!("create database {name} template {}", server.template);
        // Copying a template fails while another session briefly holds it; try again.
        let mut attempts = 0;
        loop {
            match sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&mut admin)
                .await
            {
                Ok(_) => break,
                Err(_) if attempts < 50 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(error) => panic!("{statement}: {error}"),
            }
        }
        admin.close().await.expect("close");
        Self {
            url: url_for(&server.base_url, &name).to_string(),
            name,
            base_url: server.base_url.clone(),
        }
    }

    /// A pool on this database.
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(5)
            .connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// Drops the database now, cutting every connection to it (to test outages).
    pub async fn drop_now(&self) {
        let mut admin = admin_connection(&self.base_url).await;
        execute(
            &mut admin,
            &format!("drop database if exists {} with (force)", self.name),
        )
        .await;
        admin.close().await.expect("close");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let base_url = self.base_url.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime we may block on: give the clean-up its own thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                let mut admin = admin_connection(&base_url).await;
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(&mut admin)
                .await;
                let _ = admin.close().await;
            });
        })
        .join();
    }
}

/// The real app, served on a loopback port against its own database.
pub struct TestApp {
    pub base_url: String,
    pub pool: PgPool,
    pub config: Config,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    /// The app with the default test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The app with configuration changed by `configure` before it starts.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::create().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let mut config = Config::default();
        config.server.domain = format!("localhost:{}", address.port());
        config.server.bind = address;
        config.database.url = database.url.clone();
        configure(&mut config);
        let pool = database.pool().await;
        let state = AppState::new(config.clone(), pool.clone());
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, state, async move {
            let _ = shutdown_rx.await;
        }));
        Self {
            base_url: format!("http://{address}"),
            pool,
            config,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            database,
            _shutdown: shutdown_tx,
        }
    }

    /// GET a path on the app.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("request")
    }
}

/// A free loopback port (bound, read, released) for a server started as a child process.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
