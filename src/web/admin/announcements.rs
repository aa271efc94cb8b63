//! The admin page for announcements: writing one, publishing, withdrawing and deleting.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::domain_blocks::TokenForm;
use super::{Refused, admin_form, not_found, parse_id, require_admin, shown_time};
use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, PageError};
use crate::mastodon::params::Params;
use crate::web::session::Browser;

const LIST_PATH: &str = "/admin/announcements";

struct AnnouncementRow {
    id: i64,
    text: String,
    published: bool,
    when: String,
    created_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_announcements.html")]
struct AnnouncementsPage {
    title: String,
    nav: crate::web::nav::Nav,
    csrf_token: String,
    current: &'static str,
    announcements: Vec<AnnouncementRow>,
    form: AnnouncementForm,
    error: Option<String>,
}

/// What the form sends (times as `datetime-local` gives them, read as UTC).
#[derive(Debug, Deserialize, Default)]
pub struct AnnouncementForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    all_day: Option<String>,
    #[serde(default)]
    publish: Option<String>,
}

fn period(starts_at: Option<DateTime<Utc>>, ends_at: Option<DateTime<Utc>>) -> String {
    match (starts_at, ends_at) {
        (None, None) => "Until withdrawn".to_owned(),
        (Some(starts), None) => format!("From {}", shown_time(starts)),
        (None, Some(ends)) => format!("Until {}", shown_time(ends)),
        (Some(starts), Some(ends)) => format!("{} to {}", shown_time(starts), shown_time(ends)),
    }
}

async fn list_page(
    state: &AppState,
    browser: &Browser,
    form: AnnouncementForm,
    error: Option<String>,
) -> Result<AnnouncementsPage, PageError> {
    let announcements = db::announcements::list_all(&state.db)
        .await?
        .into_iter()
        .map(|row| AnnouncementRow {
            id: row.id,
            text: row.text,
            published: row.published,
            when: period(row.starts_at, row.ends_at),
            created_at: shown_time(row.created_at),
        })
        .collect();
    Ok(AnnouncementsPage {
        title: state.config.title().to_owned(),
        nav: crate::web::nav::Nav::of(browser),
        csrf_token: browser.csrf_token.clone(),
        current: "announcements",
        announcements,
        form,
        error,
    })
}

/// GET /admin/announcements
pub async fn show_announcements(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<Response, Refused> {
    require_admin(&browser, LIST_PATH)?;
    let page = list_page(&state, &browser, AnnouncementForm::default(), None).await?;
    Ok((browser.jar, page).into_response())
}

/// A time from a `datetime-local` field (empty: none), as UTC.
fn form_time(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|time| Some(time.and_utc()))
        .ok_or_else(|| format!("{field} is not a date and time (YYYY-MM-DDTHH:MM)."))
}

/// POST /admin/announcements
pub async fn create_announcement(
    State(state): State<AppState>,
    browser: Browser,
    Params(form): Params<AnnouncementForm>,
) -> Result<Response, Refused> {
    admin_form(&browser, &form.authenticity_token, LIST_PATH)?;
    let draft = form_time("Start", &form.starts_at).and_then(|starts_at| {
        Ok(db::announcements::Draft {
            text: form.text.trim().to_owned(),
            all_day: form.all_day.is_some(),
            starts_at,
            ends_at: form_time("End", &form.ends_at)?,
            published: form.publish.is_some(),
        })
    });
    let created = match draft {
        Ok(draft) => actions::announcements::create(&state.db, &draft)
            .await
            .map_err(|error| match error {
                AppError::Invalid(_) | AppError::Validation { .. } => Ok(error
                    .public_message()
                    .trim_start_matches("Validation failed: ")
                    .to_owned()),
                other => Err(other),
            }),
        Err(message) => Err(Ok(message)),
    };
    match created {
        Ok(_) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(Ok(message)) => {
            let page = list_page(&state, &browser, form, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(Err(error)) => Err(PageError::from(error).into()),
    }
}

async fn act(
    state: &AppState,
    browser: &Browser,
    id: &str,
    form: &TokenForm,
    action: impl AsyncFnOnce(&sqlx::PgPool, i64) -> crate::error::AppResult<()>,
) -> Result<Response, Refused> {
    admin_form(browser, &form.authenticity_token, LIST_PATH)?;
    match action(&state.db, parse_id(id)?).await {
        Ok(()) => Ok(Redirect::to(LIST_PATH).into_response()),
        Err(AppError::NotFound) => Err(not_found()),
        Err(error) => Err(PageError::from(error).into()),
    }
}

/// POST /admin/announcements/{id}/publish
pub async fn publish_announcement(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<TokenForm>,
) -> Result<Response, Refused> {
    act(&state, &browser, &id, &form, async |db, id| {
        actions::announcements::set_published(db, id, true).await
    })
    .await
}

/// POST /admin/announcements/{id}/unpublish
pub async fn unpublish_announcement(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<TokenForm>,
) -> Result<Response, Refused> {
    act(&state, &browser, &id, &form, async |db, id| {
        actions::announcements::set_published(db, id, false).await
    })
    .await
}

/// POST /admin/announcements/{id}/delete
pub async fn delete_announcement(
    State(state): State<AppState>,
    browser: Browser,
    Path(id): Path<String>,
    Params(form): Params<TokenForm>,
) -> Result<Response, Refused> {
    act(&state, &browser, &id, &form, async |db, id| {
        actions::announcements::delete(db, id).await
    })
    .await
}
