//! `/health`: 200 when the database answers, 503 when it does not.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::app::AppState;

/// How long the database may take to answer a health check.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

/// GET /health
pub async fn get_health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let round_trip = crate::db::ping(&state.db);
    match tokio::time::timeout(DATABASE_TIMEOUT, round_trip).await {
        Ok(Ok(_)) => (StatusCode::OK, "OK"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
