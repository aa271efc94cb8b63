//! Uploading media and changing an upload's description and focus.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::media;
use crate::media::storage;
use crate::media::store::{Collection, MediaStore};

/// Longest description (alt text), in characters.
pub const MAX_DESCRIPTION: usize = 1500;

/// An upload as the client sent it.
#[derive(Debug, Default)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub description: String,
    pub focus: (f64, f64),
}

/// Refuses a description over the limit.
pub fn check_description(description: &str) -> AppResult<()> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::Invalid(format!(
            "Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)"
        )));
    }
    Ok(())
}

/// Checks, re-encodes and stores an upload for `account_id`; returns its row.
pub async fn upload(
    pool: &PgPool,
    store: &MediaStore,
    account_id: i64,
    upload: Upload,
) -> AppResult<db::media::Media> {
    check_description(&upload.description)?;
    let processed = media::processing::process_off_runtime(upload.bytes).await?;
    let extension = storage::extension(processed.content_type)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no extension for {}", processed.content_type)))?;
    let id = db::media::next_id(pool).await?;
    let key = storage::new_key()?;
    let files = [
        storage::file_name(id, &key, false, extension),
        storage::file_name(id, &key, true, extension),
    ];
    for (name, bytes) in files.iter().zip([&processed.original, &processed.small]) {
        if let Err(error) = store.put(Collection::Attachments, name, bytes).await {
            store.delete(Collection::Attachments, &files).await;
            return Err(AppError::Internal(error));
        }
    }
    let inserted = db::media::insert(
        pool,
        &db::media::NewMedia {
            id,
            account_id,
            content_type: processed.content_type,
            file_key: &key,
            file_size: processed.original.len() as i64,
            width: processed.width as i32,
            height: processed.height as i32,
            small_width: processed.small_width as i32,
            small_height: processed.small_height as i32,
            blurhash: processed.blurhash.as_deref(),
            description: upload.description.trim(),
            focus_x: upload.focus.0,
            focus_y: upload.focus.1,
        },
    )
    .await;
    if let Err(error) = inserted {
        store.delete(Collection::Attachments, &files).await;
        return Err(error.into());
    }
    db::media::find(pool, id).await?.ok_or(AppError::NotFound)
}

/// Changes the description and focus of the account's own upload while it is not attached to
/// a status (afterwards, as in Mastodon, it is not found here: a status edit changes it).
pub async fn update(
    pool: &PgPool,
    account_id: i64,
    id: i64,
    description: Option<&str>,
    focus: Option<(f64, f64)>,
) -> AppResult<db::media::Media> {
    let current = db::media::find(pool, id)
        .await?
        .filter(|m| m.account_id == account_id && m.status_id.is_none())
        .ok_or(AppError::NotFound)?;
    let description = description.map(str::trim).unwrap_or(&current.description);
    check_description(description)?;
    let focus = focus.unwrap_or((current.focus_x, current.focus_y));
    db::media::update_details(pool, id, description, focus).await?;
    db::media::find(pool, id).await?.ok_or(AppError::NotFound)
}

/// Uploads unattached for this long are removed, as Mastodon does after a day: long enough to
/// write the post they were for (or to redraft a deleted one at once).
pub const UNATTACHED_KEPT_HOURS: i32 = 24;

/// Removes uploads left unattached for [`UNATTACHED_KEPT_HOURS`], rows and files; returns how
/// many went.
pub async fn prune_unattached(pool: &PgPool, store: &MediaStore) -> AppResult<usize> {
    let uploads = db::media::delete_unattached(pool, UNATTACHED_KEPT_HOURS).await?;
    store
        .delete(Collection::Attachments, &storage::files_of(&uploads))
        .await;
    Ok(uploads.len())
}
