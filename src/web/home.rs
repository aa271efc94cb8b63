//! The front page: what this server is and the ways in; a signed-in member goes to their home.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::nav::Nav;
use super::session::Browser;
use crate::app::AppState;
use crate::db;
use crate::error::PageError;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    nav: Nav,
    title: String,
    domain: String,
    description: String,
    members: i64,
    registrations_open: bool,
}

/// GET /
pub async fn show_home(State(state): State<AppState>, browser: Browser) -> Result<Response, PageError> {
    if browser.user.is_some() {
        return Ok(Redirect::to("/home").into_response());
    }
    let page = HomePage {
        nav: Nav::of(&browser),
        title: state.config.title().to_owned(),
        domain: state.config.server.domain.clone(),
        description: state.config.instance.description.clone(),
        members: db::accounts::count_local(&state.db).await?,
        registrations_open: state.config.registrations.mode.open_to_all(),
    };
    Ok((browser.jar, page).into_response())
}
