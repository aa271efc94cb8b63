//! Media uploads (`/api/v1/media`, `/api/v2/media`), and the stored files of uploads and pictures.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::actions;
use crate::actions::media::Upload;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::MediaAttachment;
use crate::mastodon::params::{Params, multipart_error};
use crate::media::processing::parse_focus;
use crate::media::store::Collection;
use crate::media::{MAX_SIZE, profile_images, storage};
use crate::secrets;

/// Largest request body an upload may have: the file limit plus room for the other fields, so
/// that a file just over the limit is still read and answered 413 by our own check.
pub const UPLOAD_BODY_LIMIT: usize = MAX_SIZE + 1024 * 1024;

/// Reads the upload's fields: `file` (the bytes, at most `MAX_SIZE`), `description`, `focus`.
async fn read_upload(mut multipart: Multipart) -> AppResult<Upload> {
    let mut upload = Upload::default();
    let mut has_file = false;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or_default() {
            "file" => {
                has_file = true;
                upload.bytes.clear();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if upload.bytes.len() + chunk.len() > MAX_SIZE {
                        return Err(AppError::TooLarge);
                    }
                    upload.bytes.extend_from_slice(&chunk);
                }
            }
            "description" => upload.description = field.text().await.map_err(multipart_error)?,
            "focus" => {
                let text = field.text().await.map_err(multipart_error)?;
                if !text.trim().is_empty() {
                    upload.focus = parse_focus(&text)?;
                }
            }
            // `thumbnail` (for audio and video) and anything else: not used for images.
            _ => {}
        }
    }
    if !has_file {
        return Err(AppError::Invalid("Validation failed: File can't be blank".into()));
    }
    Ok(upload)
}

async fn create(state: &AppState, auth: &Auth, multipart: Multipart) -> AppResult<Json<MediaAttachment>> {
    let user = auth.require_user(&["write:media"])?;
    let upload = read_upload(multipart).await?;
    let row = actions::media::upload(&state.db, &state.media, user.account_id, upload).await?;
    Ok(Json(MediaAttachment::from_row(&row, &state.base_url)))
}

/// POST /api/v1/media
pub async fn post_media_v1(
    State(state): State<AppState>,
    auth: Auth,
    multipart: Multipart,
) -> AppResult<Json<MediaAttachment>> {
    create(&state, &auth, multipart).await
}

/// POST /api/v2/media
///
/// Images are processed before the answer, so this answers 200 with `url` set (Mastodon does the
/// same for images it finished in time; its 202 with `url: null` is for media still processing).
pub async fn post_media_v2(
    State(state): State<AppState>,
    auth: Auth,
    multipart: Multipart,
) -> AppResult<Json<MediaAttachment>> {
    create(&state, &auth, multipart).await
}

fn media_id(text: &str) -> AppResult<i64> {
    ids::parse(text).ok_or(AppError::NotFound)
}

/// GET /api/v1/media/:id
pub async fn get_media(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<MediaAttachment>> {
    // Mastodon has no read:media scope: every media endpoint asks for write:media.
    let user = auth.require_user(&["write:media"])?;
    let row = db::media::find(&state.db, media_id(&id)?)
        .await?
        .filter(|m| m.account_id == user.account_id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(MediaAttachment::from_row(&row, &state.base_url)))
}

#[derive(Debug, Deserialize)]
pub struct UpdateMedia {
    description: Option<String>,
    focus: Option<String>,
}

/// PUT /api/v1/media/:id
pub async fn update_media(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<UpdateMedia>,
) -> AppResult<Json<MediaAttachment>> {
    let user = auth.require_user(&["write:media"])?;
    let focus = match params.focus.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(parse_focus(text)?),
    };
    let row = actions::media::update(
        &state.db,
        user.account_id,
        media_id(&id)?,
        params.description.as_deref(),
        focus,
    )
    .await?;
    Ok(Json(MediaAttachment::from_row(&row, &state.base_url)))
}

/// GET /system/media/:file
///
/// Serves a stored file by the name we gave it only (id and random key, checked against the
/// row), as `image_response` says.
pub async fn get_file(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let name = storage::parse_file_name(&file).ok_or(AppError::NotFound)?;
    let row = db::media::find(&state.db, name.id)
        .await?
        .filter(|row| {
            secrets::constant_time_eq(&row.file_key, name.key)
                && storage::extension(&row.content_type) == Some(name.extension)
        })
        .ok_or(AppError::NotFound)?;
    let stored = storage::file_name(row.id, &row.file_key, name.small, name.extension);
    let bytes = state
        .media
        .get(Collection::Attachments, &stored)
        .await
        .map_err(|error| AppError::Internal(error.into()))?
        .ok_or(AppError::NotFound)?;
    image_response(&row.content_type, bytes)
}

/// GET /system/profiles/:file
///
/// Serves a member's avatar or header by the name it was stored under, while it is theirs.
pub async fn get_profile_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let name = storage::parse_file_name(&file)
        .filter(|name| !name.small)
        .ok_or(AppError::NotFound)?;
    let current = db::accounts::find_unsuspended(&state.db, name.id)
        .await?
        .into_iter()
        .flat_map(|account| [account.avatar_file, account.header_file])
        .flatten()
        .any(|stored| secrets::constant_time_eq(&stored, &file));
    if !current {
        return Err(AppError::NotFound);
    }
    let bytes = state
        .media
        .get(Collection::Profiles, &file)
        .await
        .map_err(|error| AppError::Internal(error.into()))?
        .ok_or(AppError::NotFound)?;
    image_response(profile_images::content_type(&file), bytes)
}

/// A stored image with its content type, `nosniff` and a sandboxing CSP (an image must never
/// run as a page), cached for a year (names never change).
fn image_response(content_type: &str, bytes: Vec<u8>) -> AppResult<Response> {
    let mut headers = HeaderMap::new();
    let content_type = HeaderValue::from_str(content_type)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored content type: {e}")))?;
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok((headers, bytes).into_response())
}
