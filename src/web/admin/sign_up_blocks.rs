//! The admin page for sign-up blocks: mail providers and client addresses sign-ups may not come
//! from (or that wait for approval), added and lifted here as through the admin API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Refused, admin_form, not_found, parse_id, require_admin, shown_time};
use crate::actions::sign_up_blocks::{self as blocks, IpBlockRequest};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::web::session::Browser;

const PAGE_PATH: &str = "/admin/sign_up_blocks";

struct EmailLine {
    id: i64,
    domain: String,
    created_at: String,
}

struct IpLine {
    id: i64,
    ip: String,
    severity: String,
    comment: String,
    expires_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_sign_up_blocks.html")]
struct BlocksPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    email_domains: Vec<EmailLine>,
    ips: Vec<IpLine>,
    error: Option<String>,
}

async fn page(state: &AppState, browser: &Browser, error: Option<String>) -> Result<BlocksPage, Refused> {
    Ok(BlocksPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "sign_up_blocks",
        email_domains: db::sign_up_blocks::list_email_domains(&state.db)
            .await?
            .into_iter()
            .map(|b| EmailLine {
                id: b.id,
                domain: b.domain,
                created_at: shown_time(b.created_at),
            })
            .collect(),
        ips: db::sign_up_blocks::list_ips(&state.db, false)
            .await?
            .into_iter()
            .map(|b| IpLine {
                id: b.id,
                ip: b.ip,
                severity: b.severity.replace('_', " "),
                comment: b.comment,
                expires_at: b.expires_at.map(shown_time).unwrap_or_else(|| "never".into()),
            })
            .collect(),
        error,
    })
}

/// GET /admin/sign_up_blocks
pub async fn show(State(state): State<AppState>, browser: Browser) -> Result<Response, Refused> {
    require_admin(&browser, PAGE_PATH)?;
    let page = page(&state, &browser, None).await?;
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct BlockForm {
    #[serde(default)]
    authenticity_token: String,
    /// `email_domain` or `ip`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    comment: String,
    /// Days the address block lasts; empty: until lifted.
    #[serde(default)]
    days: String,
}

/// POST /admin/sign_up_blocks: adds a block; a refusal is shown on the page.
pub async fn add(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<BlockForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, PAGE_PATH)?;
    let done = match form.kind.as_str() {
        "email_domain" => blocks::block_email_domain(&state.db, &form.domain)
            .await
            .map(|_| ()),
        "ip" => {
            let expires_in = match form.days.trim() {
                "" => Ok(None),
                days => days
                    .parse::<i64>()
                    .map(|d| Some(d.saturating_mul(86_400)))
                    .map_err(|_| AppError::Invalid("Validation failed: Days must be a number".into())),
            };
            match expires_in {
                Ok(expires_in) => {
                    let request = IpBlockRequest {
                        ip: &form.ip,
                        severity: &form.severity,
                        comment: &form.comment,
                        expires_in,
                    };
                    blocks::block_ip(&state.db, &request).await.map(|_| ())
                }
                Err(error) => Err(error),
            }
        }
        _ => Err(AppError::Invalid("Choose a kind of block".into())),
    };
    match done {
        Ok(()) => Ok(Redirect::to(PAGE_PATH).into_response()),
        Err(AppError::Invalid(reason)) => {
            let message = reason.trim_start_matches("Validation failed: ").to_owned();
            let page = page(&state, &browser, Some(message)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(PageError::from(error).into()),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct LiftForm {
    #[serde(default)]
    authenticity_token: String,
}

/// POST /admin/sign_up_blocks/{kind}/{id}/delete
pub async fn lift(
    State(state): State<AppState>,
    browser: Browser,
    Path((kind, id)): Path<(String, String)>,
    Params(form): Params<LiftForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, PAGE_PATH)?;
    let id = parse_id(&id)?;
    let done = match kind.as_str() {
        "email_domain" => blocks::unblock_email_domain(&state.db, id).await,
        "ip" => blocks::unblock_ip(&state.db, id).await,
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => Ok(Redirect::to(PAGE_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}
