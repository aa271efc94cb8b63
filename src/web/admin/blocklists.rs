//! The admin pages for block lists: importing a file (previewed as a dry run first) and the
//! subscribed lists (add, remove, refresh now).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Refused, admin_form, require_admin, shown_time};
use crate::actions::{blocklist_import, blocklist_subscriptions};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::moderation::blocklist;
use crate::moderation::domain_name::to_unicode;
use crate::web::session::Browser;

const IMPORT_PATH: &str = "/admin/domain_blocks/import";
const SUBSCRIPTIONS_PATH: &str = "/admin/blocklist_subscriptions";
/// Domains listed per group in a plan (the counts are always whole).
const SHOWN_PER_GROUP: usize = 50;
/// The largest file the import form takes.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// One group of a plan: how many, and the first few domains.
struct PlanGroup {
    label: &'static str,
    count: usize,
    domains: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_import.html")]
struct ImportPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    /// What the file would do (a preview) or did (after importing).
    applied: bool,
    format: String,
    groups: Vec<PlanGroup>,
    skipped: Vec<String>,
    obfuscated: usize,
    /// The list, carried from the preview to the import.
    text: String,
    error: Option<String>,
}

fn import_page(state: &AppState, browser: &Browser) -> ImportPage {
    ImportPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "import",
        applied: false,
        format: String::new(),
        groups: Vec::new(),
        skipped: Vec::new(),
        obfuscated: 0,
        text: String::new(),
        error: None,
    }
}

/// GET /admin/domain_blocks/import
pub async fn show_import(State(state): State<AppState>, browser: Browser) -> Result<Response, Refused> {
    require_admin(&browser, IMPORT_PATH)?;
    let page = import_page(&state, &browser);
    Ok((browser.jar, page).into_response())
}

fn group(label: &'static str, domains: impl Iterator<Item = String>) -> PlanGroup {
    let all: Vec<String> = domains.collect();
    PlanGroup {
        label,
        count: all.len(),
        domains: all.iter().take(SHOWN_PER_GROUP).map(|d| to_unicode(d)).collect(),
    }
}

/// POST /admin/domain_blocks/import: a file or pasted text; `mode=preview` (the default) shows
/// the dry run, `mode=import` applies it.
pub async fn post_import(
    State(state): State<AppState>,
    browser: Browser,
    mut form: Multipart,
) -> Result<Response, Refused> {
    let (mut token, mut mode, mut text, mut file) = (String::new(), String::new(), String::new(), Vec::new());
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        Refused::Page(PageError::new(
            StatusCode::BAD_REQUEST,
            format!("The form could not be read: {e}"),
        ))
    };
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        match field.name().unwrap_or_default() {
            "authenticity_token" => token = field.text().await.map_err(bad_form)?,
            "mode" => mode = field.text().await.map_err(bad_form)?,
            "text" => text = field.text().await.map_err(bad_form)?,
            "file" => file = field.bytes().await.map_err(bad_form)?.to_vec(),
            _ => {}
        }
    }
    admin_form(&browser, &token, IMPORT_PATH)?;
    let bytes = if file.is_empty() { text.into_bytes() } else { file };
    let mut page = import_page(&state, &browser);
    let parsed = match blocklist::parse(&bytes) {
        Ok(parsed) => parsed,
        Err(error) => {
            page.error = Some(error.to_string());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let applied = mode == "import";
    let plan = if applied {
        blocklist_import::import(&state, &parsed.entries, |_, _| {}).await
    } else {
        blocklist_import::dry_run(&state, &parsed.entries).await
    }
    .map_err(PageError::from)?;
    page.applied = applied;
    page.format = parsed.format.as_str().to_owned();
    page.groups = vec![
        group("Added", plan.added.iter().map(|r| r.domain.clone())),
        group("Upgraded", plan.upgraded.iter().map(|c| c.after.domain.clone())),
        group(
            "Kept from subscriptions",
            plan.adopted.iter().map(|c| c.after.domain.clone()),
        ),
        group(
            "Left alone",
            plan.left_alone.iter().map(|l| l.entry.domain.clone()),
        ),
        group("Refused (this server)", plan.refused.iter().cloned()),
    ];
    page.skipped = parsed
        .skipped
        .iter()
        .take(SHOWN_PER_GROUP)
        .map(|s| format!("line {}: {}", s.line, s.reason))
        .collect();
    page.obfuscated = parsed.obfuscated;
    if !applied {
        page.text = String::from_utf8_lossy(&bytes).into_owned();
    }
    Ok(page.into_response())
}

/// GET /admin/domain_blocks/export.csv: every rule as Mastodon's CSV export.
pub async fn get_export(State(state): State<AppState>, browser: Browser) -> Result<Response, Refused> {
    require_admin(&browser, "/admin/domain_blocks")?;
    let csv = blocklist_import::export(&state).await.map_err(PageError::from)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"domain_blocks.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

struct SubscriptionRow {
    url: String,
    priority: i32,
    refreshed_at: String,
    last_error: String,
    entries: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_subscriptions.html")]
struct SubscriptionsPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    min_agreement: u32,
    refresh_minutes: u32,
    subscriptions: Vec<SubscriptionRow>,
    error: Option<String>,
}

async fn subscriptions_page(
    state: &AppState,
    browser: &Browser,
    error: Option<String>,
) -> Result<SubscriptionsPage, PageError> {
    let subscriptions = db::blocklists::list_subscriptions(&state.db)
        .await?
        .into_iter()
        .map(|s| SubscriptionRow {
            url: s.url,
            priority: s.priority,
            refreshed_at: s.refreshed_at.map(shown_time).unwrap_or_else(|| "never".into()),
            last_error: s.last_error.unwrap_or_default(),
            entries: s.entries,
        })
        .collect();
    Ok(SubscriptionsPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "subscriptions",
        min_agreement: state.config.federation.blocklists.min_agreement,
        refresh_minutes: state.config.federation.blocklists.refresh_minutes,
        subscriptions,
        error,
    })
}

/// GET /admin/blocklist_subscriptions
pub async fn show_subscriptions(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<Response, Refused> {
    require_admin(&browser, SUBSCRIPTIONS_PATH)?;
    let page = subscriptions_page(&state, &browser, None).await?;
    Ok((browser.jar, page).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct SubscriptionForm {
    #[serde(default)]
    authenticity_token: String,
    /// subscribe, unsubscribe or refresh.
    #[serde(default)]
    action: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    priority: String,
}

/// POST /admin/blocklist_subscriptions
pub async fn post_subscriptions(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<SubscriptionForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, SUBSCRIPTIONS_PATH)?;
    let done = match form.action.as_str() {
        "subscribe" => match form.priority.trim() {
            "" => Ok(0),
            given => given
                .parse::<i32>()
                .map_err(|_| AppError::Invalid(format!("priority {given:?} is not a whole number"))),
        }
        .map(|priority| (form.url.clone(), priority)),
        "unsubscribe" | "refresh" => Ok((form.url.clone(), 0)),
        other => Err(AppError::Invalid(format!(
            "{other:?} is not something done with a list"
        ))),
    };
    let result = match (form.action.as_str(), done) {
        (_, Err(error)) => Err(error),
        ("subscribe", Ok((url, priority))) => blocklist_subscriptions::subscribe(&state, &url, priority)
            .await
            .map(|_| ()),
        ("unsubscribe", Ok((url, _))) => blocklist_subscriptions::unsubscribe(&state, &url)
            .await
            .map(|_| ()),
        (_, Ok(_)) => blocklist_subscriptions::refresh_all(&state).await.map(|_| ()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(SUBSCRIPTIONS_PATH).into_response()),
        Err(error @ (AppError::Invalid(_) | AppError::NotFound)) => {
            let message = match error {
                AppError::NotFound => "There is no subscription to that list.".to_owned(),
                other => other.public_message(),
            };
            let page = subscriptions_page(&state, &browser, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(PageError::from(error).into()),
    }
}
