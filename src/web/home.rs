//! The front page: what this server is and how to reach it from an app.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    domain: String,
    members: i64,
}

/// GET /
pub async fn show_home(State(state): State<AppState>) -> AppResult<HomePage> {
    Ok(HomePage {
        domain: state.config.server.domain.clone(),
        members: db::accounts::count_local(&state.db).await?,
    })
}
