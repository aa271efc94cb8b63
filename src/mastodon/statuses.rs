//! Statuses: posting, reading, editing, deleting, the thread around one, and interactions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::actions;
use crate::actions::statuses::{Change, Composer, Draft, MediaChange, PollDraft};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{
    Account, Context, ScheduledStatus, Status, StatusEdit, StatusSource, format_id, format_time,
};
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::{Params, empty_as_none};
use crate::mastodon::{filtering, present};

/// Parses a status id from the path; anything else is a status that does not exist.
pub fn status_id(text: &str) -> AppResult<i64> {
    ids::parse(text).ok_or(AppError::NotFound)
}

/// Parses `media_ids[]` (blank entries ignored); an id that cannot be ours is not found.
fn media_ids(texts: &[String]) -> AppResult<Vec<i64>> {
    texts
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| {
            ids::parse(t).ok_or_else(|| {
                AppError::Invalid(format!(
                    "Validation failed: Media {t} not found or already attached to another post"
                ))
            })
        })
        .collect()
}

/// Reads `media_attributes[]` (entries without a usable id are ignored, as Mastodon does).
fn media_changes(attributes: &[MediaAttributes]) -> AppResult<Vec<MediaChange>> {
    let mut changes = Vec::new();
    for attribute in attributes {
        let Some(id) = ids::parse(attribute.id.trim()) else {
            continue;
        };
        let focus = match attribute.focus.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(crate::media::processing::parse_focus(text)?),
        };
        changes.push(MediaChange {
            id,
            description: attribute.description.clone(),
            focus,
        });
    }
    Ok(changes)
}

fn composer(state: &AppState) -> Composer<'_> {
    Composer::new(&state.config, &state.base_url)
}

async fn render(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<Json<Status>> {
    present::status(state, id, viewer)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct PostStatus {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    sensitive: bool,
    visibility: Option<String>,
    language: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    in_reply_to_id: Option<i64>,
    #[serde(default)]
    media_ids: Vec<String>,
    poll: Option<PollParams>,
    scheduled_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PollParams {
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    multiple: bool,
    #[serde(default)]
    hide_totals: bool,
}

/// What `POST /api/v1/statuses` answers: the status, or the scheduled status.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Posted {
    Status(Box<Status>),
    Scheduled(ScheduledStatus),
}

/// POST /api/v1/statuses
pub async fn post_status(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Params(params): Params<PostStatus>,
) -> AppResult<Json<Posted>> {
    let user = auth.require_user(&["write:statuses"])?;
    let media_ids = media_ids(&params.media_ids)?;
    let scheduled_at = match params.scheduled_at.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    AppError::Invalid("Validation failed: Scheduled at is not an ISO 8601 time".into())
                })?
                .with_timezone(&chrono::Utc),
        ),
    };
    let preferences = db::users::find(&state.db, user.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let visibility = params
        .visibility
        .filter(|v| !v.is_empty())
        .unwrap_or(preferences.default_privacy.clone());
    let language = params
        .language
        .filter(|l| !l.is_empty())
        .or(preferences.default_language.clone());
    if let Some(language) = &language
        && !crate::mastodon::languages::is_known(language)
    {
        return Err(AppError::Invalid(
            "Validation failed: Language is not a known ISO 639-1 code".into(),
        ));
    }
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.chars().take(255).collect::<String>())
        .filter(|k| !k.is_empty());
    let draft = Draft {
        text: params.status,
        spoiler_text: params.spoiler_text,
        sensitive: params.sensitive || preferences.default_sensitive,
        visibility,
        language,
        in_reply_to_id: params.in_reply_to_id,
        application_id: Some(auth.application_id),
        idempotency_key,
        poll: params.poll.map(|p| PollDraft {
            options: p.options,
            expires_in: p.expires_in,
            multiple: p.multiple,
            hide_totals: p.hide_totals,
        }),
        media_ids,
    };
    if let Some(at) = scheduled_at {
        let id = actions::scheduled::schedule(&state.db, user.account_id, at, &draft).await?;
        let row = db::scheduled_statuses::find(&state.db, user.account_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Json(Posted::Scheduled(ScheduledStatus::from_row(&row))));
    }
    crate::federation::resolve::prepare_mentions(&state, &draft.text).await?;
    let composer = composer(&state);
    let id = actions::statuses::post(&state.db, user.account_id, &composer, &draft).await?;
    Ok(Json(Posted::Status(Box::new(
        render(&state, id, Some(user.account_id)).await?.0,
    ))))
}

/// GET /api/v1/statuses/:id
pub async fn get_status(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let id = status_id(&id)?;
    let status = db::statuses::find_visible(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    // A suspended account's statuses are gone with it.
    if db::account_moderation::sanctions(&state.db, status.account_id)
        .await?
        .suspended
    {
        return Err(AppError::NotFound);
    }
    render(&state, id, viewer).await
}

#[derive(Debug, Deserialize)]
pub struct StatusIds {
    #[serde(default)]
    id: Vec<String>,
}

/// GET /api/v1/statuses
pub async fn get_statuses(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Params(params): Params<StatusIds>,
) -> AppResult<Json<Vec<Status>>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let wanted: Vec<i64> = params
        .id
        .iter()
        .filter_map(|id| ids::parse(id))
        .take(20)
        .collect();
    // `present` leaves out what the viewer may not see.
    Ok(Json(present::statuses(&state, &wanted, viewer).await?))
}

/// DELETE /api/v1/statuses/:id
pub async fn delete_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let user = auth.require_user(&["write:statuses"])?;
    let id = status_id(&id)?;
    // Rendered before it goes, with its text, so that the client can redraft it.
    let mut rendered = present::status(&state, id, Some(user.account_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let deleted = actions::statuses::delete(&state.db, &state.base_url, user.account_id, id).await?;
    rendered.text = Some(deleted.text);
    Ok(Json(rendered))
}

#[derive(Debug, Deserialize)]
pub struct EditStatus {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    sensitive: bool,
    language: Option<String>,
    #[serde(default)]
    media_ids: Vec<String>,
    #[serde(default)]
    media_attributes: Vec<MediaAttributes>,
    poll: Option<serde_json::Value>,
}

/// One entry of `media_attributes[]` on an edit.
#[derive(Debug, Deserialize)]
pub struct MediaAttributes {
    #[serde(default)]
    id: String,
    description: Option<String>,
    focus: Option<String>,
}

/// PUT /api/v1/statuses/:id
pub async fn edit_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<EditStatus>,
) -> AppResult<Json<Status>> {
    let user = auth.require_user(&["write:statuses"])?;
    let id = status_id(&id)?;
    let media_ids = media_ids(&params.media_ids)?;
    if params.poll.is_some() {
        return Err(AppError::Invalid(
            "Validation failed: A poll cannot be changed by an edit".into(),
        ));
    }
    let change = Change {
        text: params.status,
        spoiler_text: params.spoiler_text,
        sensitive: params.sensitive,
        language: params.language.filter(|l| !l.is_empty()),
        media_ids,
        media_changes: media_changes(&params.media_attributes)?,
    };
    crate::federation::resolve::prepare_mentions(&state, &change.text).await?;
    let composer = composer(&state);
    actions::statuses::edit(&state.db, user.account_id, id, &composer, &change).await?;
    render(&state, id, Some(user.account_id)).await
}

/// GET /api/v1/statuses/:id/source
pub async fn get_source(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<StatusSource>> {
    let user = auth.require_user(&["read:statuses"])?;
    let status = db::statuses::find(&state.db, status_id(&id)?)
        .await?
        .filter(|s| s.account_id == user.account_id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(StatusSource {
        id: format_id(status.id),
        text: status.text,
        spoiler_text: status.spoiler_text,
    }))
}

/// GET /api/v1/statuses/:id/history
pub async fn get_history(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<StatusEdit>>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let status = db::statuses::find_visible(&state.db, status_id(&id)?, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let account: Account = present::account(&state, status.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let edits = db::statuses::list_edits(&state.db, status.id).await?;
    let versions = if edits.is_empty() {
        let poll = db::polls::find_by_status(&state.db, status.id).await?;
        vec![db::statuses::Edit {
            content: status.content,
            spoiler_text: status.spoiler_text,
            sensitive: status.sensitive,
            poll_options: poll.map(|poll| poll.options),
            created_at: status.created_at,
        }]
    } else {
        edits
    };
    Ok(Json(
        versions
            .into_iter()
            .map(|edit| StatusEdit {
                content: edit.content,
                spoiler_text: edit.spoiler_text,
                sensitive: edit.sensitive,
                created_at: format_time(edit.created_at),
                account: account.clone(),
                // Mastodon shows a version's poll as its option titles only.
                poll: edit.poll_options.map(|options| {
                    serde_json::json!({
                        "options": options.iter().map(|title| serde_json::json!({ "title": title })).collect::<Vec<_>>(),
                    })
                }),
                media_attachments: Vec::new(),
                emojis: Vec::new(),
            })
            .collect(),
    ))
}

/// GET /api/v1/statuses/:id/context
pub async fn get_context(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(id): Path<String>,
) -> AppResult<Json<Context>> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:statuses"])?;
    let status = db::statuses::find_visible(&state.db, status_id(&id)?, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let ancestors = db::statuses::list_ancestor_ids(&state.db, status.id, viewer).await?;
    let descendants = db::statuses::list_descendant_ids(&state.db, status.id, viewer).await?;
    let ancestors = present::statuses(&state, &ancestors, viewer).await?;
    let descendants = present::statuses(&state, &descendants, viewer).await?;
    Ok(Json(Context {
        ancestors: filtering::apply(&state, viewer, "thread", ancestors).await?,
        descendants: filtering::apply(&state, viewer, "thread", descendants).await?,
    }))
}

#[derive(Debug, Deserialize)]
pub struct ReblogParams {
    visibility: Option<String>,
}

/// A status interaction named by the last path segment.
#[derive(Debug, Clone, Copy)]
pub enum Interaction {
    Favourite,
    Unfavourite,
    Bookmark,
    Unbookmark,
    Pin,
    Unpin,
    Mute,
    Unmute,
}

/// POST /api/v1/statuses/:id/{favourite,unfavourite,bookmark,unbookmark,pin,unpin,mute,unmute}
pub async fn interact(
    state: AppState,
    auth: Auth,
    id: String,
    interaction: Interaction,
) -> AppResult<Json<Status>> {
    let scope = match interaction {
        Interaction::Favourite | Interaction::Unfavourite => "write:favourites",
        Interaction::Bookmark | Interaction::Unbookmark => "write:bookmarks",
        Interaction::Pin | Interaction::Unpin | Interaction::Mute | Interaction::Unmute => "write:accounts",
    };
    let viewer = auth.require_user(&[scope])?.account_id;
    let id = status_id(&id)?;
    let db = &state.db;
    match interaction {
        Interaction::Favourite => actions::interactions::favourite(db, &state.base_url, viewer, id).await?,
        Interaction::Unfavourite => {
            actions::interactions::unfavourite(db, &state.base_url, viewer, id).await?
        }
        Interaction::Bookmark => actions::interactions::set_bookmark(db, viewer, id, true).await?,
        Interaction::Unbookmark => actions::interactions::set_bookmark(db, viewer, id, false).await?,
        Interaction::Pin => actions::interactions::set_pin(db, &state.base_url, viewer, id, true).await?,
        Interaction::Unpin => actions::interactions::set_pin(db, &state.base_url, viewer, id, false).await?,
        Interaction::Mute => actions::interactions::set_conversation_mute(db, viewer, id, true).await?,
        Interaction::Unmute => actions::interactions::set_conversation_mute(db, viewer, id, false).await?,
    }
    render(&state, id, Some(viewer)).await
}

/// POST /api/v1/statuses/:id/reblog
pub async fn reblog_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<ReblogParams>,
) -> AppResult<Json<Status>> {
    let viewer = auth.require_user(&["write:statuses"])?.account_id;
    let visibility = params
        .visibility
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "public".into());
    let boost =
        actions::interactions::reblog(&state.db, &state.base_url, viewer, status_id(&id)?, &visibility)
            .await?;
    render(&state, boost, Some(viewer)).await
}

/// POST /api/v1/statuses/:id/unreblog
pub async fn unreblog_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Status>> {
    let viewer = auth.require_user(&["write:statuses"])?.account_id;
    let original =
        actions::interactions::unreblog(&state.db, &state.base_url, viewer, status_id(&id)?).await?;
    render(&state, original, Some(viewer)).await
}

/// GET /api/v1/statuses/:id/favourited_by and /reblogged_by
pub async fn interactors(
    state: AppState,
    auth: Option<Auth>,
    id: String,
    page: PageParams,
    reblogs: bool,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:accounts"])?;
    let status = db::statuses::find_visible(&state.db, status_id(&id)?, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let pairs = db::timelines::interactors(&state.db, status.id, reblogs, viewer, &page.page()).await?;
    let account_ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = present::accounts_in_order(&state, &account_ids).await?;
    let paging: Vec<i64> = pairs.iter().map(|(p, _)| *p).collect();
    let path = format!(
        "/api/v1/statuses/{}/{}",
        status.id,
        if reblogs { "reblogged_by" } else { "favourited_by" }
    );
    let headers = link_headers(&state.base_url, &path, &paging, page.limit());
    Ok((headers, Json(accounts)))
}
