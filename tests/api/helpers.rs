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
    /// The state the server runs with (its caches included), for running jobs.
    pub state: AppState,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    /// The app with the default test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The app with configuration changed by `configure` before it starts.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::spawn_on(listener, configure).await
    }

    /// The app on a listener bound beforehand (so two apps can be told each other's address).
    pub async fn spawn_on(listener: tokio::net::TcpListener, configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::create().await;
        let address = listener.local_addr().expect("address");
        let mut config = Config::default();
        config.server.domain = format!("localhost:{}", address.port());
        config.server.bind = address;
        config.database.url = database.url.clone();
        configure(&mut config);
        let pool = database.pool().await;
        let state = AppState::new(config.clone(), pool.clone()).unwrap();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, state.clone(), async move {
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
            state,
            _shutdown: shutdown_tx,
        }
    }

    /// Runs every due background job (inbox processing included) until none is left.
    pub async fn run_jobs(&self) -> usize {
        ferrodon::jobs::run_pending_jobs(&self.state).await.expect("jobs")
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

/// A registered OAuth application.
pub struct TestClient {
    pub client_id: String,
    pub client_secret: String,
}

/// A member with a token.
pub struct TestMember {
    pub username: String,
    pub account_id: i64,
    pub user_id: i64,
    pub token: String,
}

impl TestApp {
    /// POST a form to a path.
    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.client.post(format!("{}{path}", self.base_url)).form(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// Send a form with a method to a path (PUT, DELETE, ...).
    pub async fn send_form(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .form(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// Send JSON with a method to a path.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    /// GET a path with a bearer token.
    pub async fn get_with(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Registers an app with these scopes and redirect URI.
    pub async fn register_client(&self, scopes: &str, redirect_uri: &str) -> TestClient {
        let response = self
            .post_form(
                "/api/v1/apps",
                None,
                &[
                    ("client_name", "Test app"),
                    ("redirect_uris", redirect_uri),
                    ("scopes", scopes),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        TestClient {
            client_id: body["client_id"].as_str().unwrap().to_owned(),
            client_secret: body["client_secret"].as_str().unwrap().to_owned(),
        }
    }

    /// An app-only token (client credentials) with these scopes.
    pub async fn app_token(&self, client: &TestClient, scopes: &str) -> String {
        let response = self
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client.client_id),
                    ("client_secret", &client.client_secret),
                    ("scope", scopes),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A member made directly (no HTTP), with a token of these scopes.
    pub async fn member(&self, username: &str, scopes: &str) -> TestMember {
        use ferrodon::actions::accounts::{Creator, NewAccount, Role, create_local};
        let created = create_local(
            &self.pool,
            NewAccount {
                username,
                email: &format!("{username}@example.com"),
                password: "correct horse battery",
                role: Role::User,
                approved: true,
                creator: Creator::Operator,
                locale: "en",
                reason: None,
            },
        )
        .await
        .expect("member created");
        let (app, _) = ferrodon::actions::oauth::register_application(
            &self.pool,
            "Test",
            None,
            &["urn:ietf:wg:oauth:2.0:oob".to_owned()],
            &ferrodon::mastodon::scopes::Scopes::parse("read write follow push").unwrap(),
        )
        .await
        .unwrap();
        let token = ferrodon::actions::oauth::issue_token(
            &self.pool,
            app.id,
            Some(created.user_id),
            &ferrodon::mastodon::scopes::Scopes::parse(scopes).unwrap(),
        )
        .await
        .unwrap();
        TestMember {
            username: username.to_owned(),
            account_id: created.account_id,
            user_id: created.user_id,
            token: token.access_token,
        }
    }
}

/// A browser for the HTML pages: keeps cookies, never follows redirects.
pub struct TestBrowser<'a> {
    pub app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
}

impl<'a> TestBrowser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Default::default(),
        }
    }

    fn remember(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GET a path or absolute URL; returns status, Location and body.
    pub async fn get(&mut self, path: &str) -> (u16, Option<String>, String) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.app.base_url)
        };
        let response = self
            .app
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// POST a form; returns status, Location and body.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let response = self
            .app
            .client
            .post(format!("{}{path}", self.app.base_url))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// POST a multipart form (text fields, and files as name, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> (u16, Option<String>, String) {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        for (name, file_name, bytes) in files {
            form = form.part(
                (*name).to_owned(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name((*file_name).to_owned()),
            );
        }
        let response = self
            .app
            .client
            .post(format!("{}{path}", self.app.base_url))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    async fn finish(&mut self, response: reqwest::Response) -> (u16, Option<String>, String) {
        self.remember(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// The value of a hidden or text input named `name` in a page.
    pub fn input_value(page: &str, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = page.find(&marker)? + marker.len();
        let end = page[start..].find('"')? + start;
        Some(unescape_html(&page[start..end]))
    }

    /// Signs in through the form at `/auth/sign_in`.
    pub async fn sign_in(&mut self, login: &str, password: &str) -> (u16, Option<String>, String) {
        let (_, _, page) = self.get("/auth/sign_in").await;
        let token = Self::input_value(&page, "authenticity_token").expect("csrf token");
        self.post(
            "/auth/sign_in",
            &[
                ("username", login),
                ("password", password),
                ("authenticity_token", &token),
                ("return_to", "/"),
            ],
        )
        .await
    }
}

/// Undoes HTML escaping of an attribute value (named and numeric entities askama writes).
pub fn unescape_html(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&after[..=end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A response's status and JSON body.
pub async fn json_of(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
