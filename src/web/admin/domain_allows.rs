//! The admin page for the allowlist: the list, adding and removing a domain.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain_blocks::TokenForm;
use super::{Refused, admin_form, not_found, parse_id, require_admin, shown_time};
use crate::actions;
use crate::app::AppState;
use crate::config::FederationMode;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::moderation::domain_name::to_unicode;
use crate::web::session::Browser;

const LIST_PATH: &str = "/admin/domain_allows";

struct AllowRow {
    id: i64,
    domain: String,
    created_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_domain_allows.html")]
struct DomainAllowsPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    allowlist_mode: bool,
    allows: Vec<AllowRow>,
    domain: String,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    browser: &Browser,
    domain: String,
    error: Option<String>,
) -> Result<DomainAllowsPage, PageError> {
    let allows = db::domain_blocks::list_allows(&state.db)
        .await?
        .into_iter()
        .map(|allow| AllowRow {
            id: allow.id,
            domain: to_unicode(&allow.domain),
            created_at: shown_time(allow.created_at),
        })
        .collect();
    Ok(DomainAllowsPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "domain_allows",
        allowlist_mode: state.config.federation.mode == FederationMode::Allowlist,
        allows,
        domain,
        error,
    })
}

/// GET /admin/domain_allows
pub async fn show_domain_allows(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<Response, Refused> {
    require_admin(&browser, LIST_PATH)?;
    let page = list_page(&state, &browser, String::new(), None).await?;
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct AllowForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    domain: String,
}

/// POST /admin/domain_allows
///
/// A domain already allowed stays as it is (no error: the wish is fulfilled).
pub async fn create_domain_allow(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<AllowForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, LIST_PATH)?;
    let added = match actions::domain_blocks::domain_for_rule(&state, &form.domain) {
        Ok(domain) => actions::domain_blocks::allow(&state, &domain).await,
        Err(error) => Err(error),
    };
    match added {
        Ok(_) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::Validation { .. })) => {
            let message = error.public_message();
            let message = message.trim_start_matches("Validation failed: ").to_owned();
            let page = list_page(&state, &browser, form.domain, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// POST /admin/domain_allows/{id}/delete
pub async fn delete_domain_allow(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<TokenForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, LIST_PATH)?;
    match actions::domain_blocks::disallow(&state, parse_id(&id)?).await {
        Ok(_) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}
