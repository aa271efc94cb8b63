//! `AppState`, router assembly, `serve()`, and the server's lifecycle from start to graceful stop.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Database;
use crate::error::{AppError, JSON_UTF8};
use crate::mastodon::rate_limit::RateLimiter;
use crate::{federation, mastodon, web};

/// How long in-flight requests may take to finish after a stop is asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: PgPool,
    pub limiter: Arc<RateLimiter>,
    /// `config.base_url()`, computed once.
    pub base_url: Arc<str>,
    pub federation: Arc<federation::Federation>,
    /// Home timeline heads and rendered statuses, kept true by the change log.
    pub caches: crate::caches::Caches,
    /// Where every media file is kept.
    pub media: crate::media::store::MediaStore,
    /// This process's streaming connections.
    pub streaming: Arc<crate::streaming::hub::Hub>,
    /// The instance's VAPID key for Web Push, loaded (or made) on first use.
    pub vapid: Arc<tokio::sync::OnceCell<Arc<crate::push::vapid::VapidKey>>>,
}

impl AppState {
    /// The instance's VAPID key (made and stored the first time any process needs it).
    pub async fn vapid_key(&self) -> crate::error::AppResult<Arc<crate::push::vapid::VapidKey>> {
        let key = self
            .vapid
            .get_or_try_init(|| async {
                crate::push::vapid::VapidKey::load_or_create(&self.db)
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(key.clone())
    }

    /// State over an open pool.
    pub fn new(config: Config, db: PgPool) -> anyhow::Result<Self> {
        Ok(Self {
            base_url: Arc::from(config.base_url()),
            federation: Arc::new(federation::Federation::new(&config)?),
            media: crate::media::store::MediaStore::local(&config.server.data_dir),
            streaming: Arc::default(),
            vapid: Arc::default(),
            config: Arc::new(config),
            caches: crate::caches::Caches::new(db.clone()),
            db,
            limiter: Arc::new(RateLimiter::default()),
        })
    }
}

/// All routes, with the layers every answer passes through.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .merge(mastodon::routes())
        .merge(crate::streaming::routes())
        .merge(federation::gated_routes(state.clone()))
        .route("/metrics", axum::routing::get(crate::metrics::get_metrics))
        .route_layer(middleware::from_fn(crate::metrics::time_requests))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(refuse_nul_in_path))
        .layer(middleware::from_fn(json_with_charset))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        // Outside the panic catcher, so that a browser client can read every error too, and
        // every answer gets the security headers.
        .layer(middleware::from_fn(crate::cross_origin::allow_cross_origin))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security_headers::add_security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// (for up to 30 seconds).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let server_config = &state.config.server;
    let limits = crate::connections::ConnectionLimits {
        header_read: Duration::from_secs(server_config.header_timeout_seconds),
        idle: Duration::from_secs(server_config.idle_timeout_seconds),
        per_address: server_config.max_connections_per_address,
        uncapped: server_config.trusted_proxies.clone(),
    };
    let streaming = state.streaming.clone();
    // Trailing slashes are trimmed before routing, so `/api/v2/instance/` is `/api/v2/instance`.
    let app = NormalizePathLayer::trim_trailing_slash().layer(router(state));
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
        // Streams never finish by themselves: end them so the requests above can.
        streaming.close_all().await;
    };
    let server = async {
        crate::connections::serve(listener, app, limits, shutdown).await;
        Ok::<(), std::io::Error>(())
    };
    let grace = async {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        () = grace => {
            tracing::warn!("in-flight requests did not finish within {SHUTDOWN_GRACE:?}; stopping anyway");
            Ok(())
        }
    }
}

/// What a `ferrodon serve` process does; several share one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Role {
    /// Serve HTTP and run the job and delivery workers.
    #[default]
    All,
    /// Serve HTTP only.
    Web,
    /// Run the job and delivery workers only (no listener).
    Worker,
}

/// `ferrodon serve`: opens the database, migrates, listens and/or works as `role` says, and
/// stops cleanly on SIGINT/SIGTERM.
pub async fn run(config: Config, started: Instant, role: Role) -> anyhow::Result<()> {
    let database = Database::open(&config).await?;
    let result = run_with_database(config, &database, started, role).await;
    let closed = database.close().await;
    result.and(closed)
}

async fn run_with_database(
    config: Config,
    database: &Database,
    started: Instant,
    role: Role,
) -> anyhow::Result<()> {
    database.migrate().await?;
    let database_ready = started.elapsed();
    let bind = config.server.bind;
    let listener = match role {
        Role::Worker => None,
        Role::All | Role::Web => Some(
            TcpListener::bind(bind)
                .await
                .with_context(|| format!("could not listen on server.bind = {bind}"))?,
        ),
    };
    let base_url = config.base_url();
    let state = AppState::new(config, database.pool.clone())?;
    state
        .federation
        .policy
        .reload(&state.db)
        .await
        .context("could not load the domain rules")?;
    tracing::info!(
        %base_url,
        ?role,
        listening = %listener.as_ref().and_then(|l| l.local_addr().ok()).map_or("-".to_owned(), |a| a.to_string()),
        ready_ms = started.elapsed().as_millis() as u64,
        database_ms = database_ready.as_millis() as u64,
        "ferrodon is ready"
    );
    let (stop_workers, workers_stopping) = tokio::sync::watch::channel(false);
    let mut workers = tokio::task::JoinSet::new();
    workers.spawn(crate::moderation::domain_policy::keep_current(
        state.federation.policy.clone(),
        state.db.clone(),
        workers_stopping.clone(),
    ));
    if role != Role::Web {
        // The configuration's rules and mode may have changed while the server was down.
        if let Err(error) = crate::actions::domain_blocks::configuration_took_effect(&state).await {
            tracing::warn!(%error, "could not bring accounts in line with the domain rules");
        }
        workers.spawn(crate::jobs::run_worker(state.clone(), workers_stopping.clone()));
        workers.spawn(crate::federation::delivery::run_delivery_threads(
            state.clone(),
            workers_stopping,
        ));
    }
    match listener {
        Some(listener) => serve(listener, state, shutdown_signal()).await?,
        None => shutdown_signal().await,
    }
    tracing::info!("stopping: finishing what is in flight");
    let _ = stop_workers.send(true);
    while workers.join_next().await.is_some() {}
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Unknown paths: Mastodon's JSON error for API paths, an HTML page for people.
async fn not_found(request: Request) -> Response {
    if wants_json(request.uri().path()) {
        AppError::NotFound.into_response()
    } else {
        web::not_found_page().into_response()
    }
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// Paths whose clients read JSON, not pages.
fn wants_json(path: &str) -> bool {
    ["/api/", "/oauth/", "/.well-known/", "/nodeinfo/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// A path naming a NUL character names nothing here (no username, id or tag holds one, and
/// PostgreSQL could not compare it): answered as an unknown path before any route reads it.
async fn refuse_nul_in_path(request: Request, next: Next) -> Response {
    if request.uri().path().contains("%00") {
        return not_found(request).await;
    }
    next.run(request).await
}

/// Every JSON answer says `charset=utf-8`, as Mastodon's do (some clients insist).
async fn json_with_charset(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_bare_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"application/json");
    if is_bare_json {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    }
    response
}
