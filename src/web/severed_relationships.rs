//! The page where members see the follow relationships a suspension or block ended, and download
//! them as CSV in Mastodon's follow-import format (to follow again if the block is ever lifted).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::session::Browser;
use crate::app::AppState;
use crate::db;
use crate::error::PageError;

/// One event as the member sees it.
pub struct EventRow {
    id: i64,
    when: String,
    cause: &'static str,
    target: String,
    followers: i64,
    following: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "severed_relationships.html")]
pub struct SeveredRelationshipsPage {
    nav: crate::web::nav::Nav,
    title: String,
    events: Vec<EventRow>,
}

/// GET /severed_relationships
pub async fn show_severed_relationships(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<SeveredRelationshipsPage, PageError> {
    let user = browser.signed_in()?;
    let events = db::severances::list_for_account(&state.db, user.account_id)
        .await?
        .into_iter()
        .map(|event| EventRow {
            id: event.id,
            when: event.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            cause: match event.r#type.as_str() {
                "domain_block" => "This server suspended",
                "user_domain_block" => "You blocked",
                _ => "This server suspended the account",
            },
            target: crate::moderation::domain_name::to_unicode(&event.target_name),
            followers: event.followers_count,
            following: event.following_count,
        })
        .collect();
    Ok(SeveredRelationshipsPage {
        nav: crate::web::nav::Nav::of(&browser),
        title: state.config.title().to_owned(),
        events,
    })
}

/// GET /severed_relationships/{id}/following.csv and /followers.csv
pub async fn get_severed_list(
    State(state): State<AppState>,
    browser: Browser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let user = browser.signed_in()?;
    let not_found = || PageError::new(StatusCode::NOT_FOUND, "There is no such list.");
    let event_id: i64 = id.parse().map_err(|_| not_found())?;
    let (direction, header_line) = match file.as_str() {
        "following.csv" => (
            "following",
            "Account address,Show boosts,Notify on new posts,Languages\n",
        ),
        "followers.csv" => ("follower", "Account address\n"),
        _ => return Err(not_found()),
    };
    db::severances::find_for_account(&state.db, event_id, user.account_id)
        .await?
        .ok_or_else(not_found)?;
    let handles = db::severances::list_handles(&state.db, event_id, user.account_id, direction).await?;
    let mut csv = String::from(header_line);
    for handle in handles {
        csv.push_str(&handle);
        if direction == "following" {
            csv.push_str(",true,false,");
        }
        csv.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"severed-{event_id}-{file}\""),
            ),
        ],
        csv,
    )
        .into_response())
}
