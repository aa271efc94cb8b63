//! The `media_attachments` table.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A media attachment row.
#[derive(Debug, Clone)]
pub struct Media {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub position: i32,
    pub content_type: String,
    pub file_key: String,
    pub file_size: i64,
    pub width: i32,
    pub height: i32,
    pub small_width: i32,
    pub small_height: i32,
    pub blurhash: Option<String>,
    pub description: String,
    pub focus_x: f64,
    pub focus_y: f64,
    pub created_at: DateTime<Utc>,
    /// A remote attachment's address at its origin (no local file).
    pub remote_url: Option<String>,
}

/// What a new upload is made of (its id was taken beforehand to name its files).
#[derive(Debug)]
pub struct NewMedia<'a> {
    pub id: i64,
    pub account_id: i64,
    pub content_type: &'a str,
    pub file_key: &'a str,
    pub file_size: i64,
    pub width: i32,
    pub height: i32,
    pub small_width: i32,
    pub small_height: i32,
    pub blurhash: Option<&'a str>,
    pub description: &'a str,
    pub focus_x: f64,
    pub focus_y: f64,
}

/// A fresh time-ordered id for an upload.
pub async fn next_id(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"select next_id() as "id!""#)
        .fetch_one(db)
        .await
}

/// Inserts an upload.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewMedia<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into media_attachments (id, account_id, content_type, file_key, file_size, width, height,
                                        small_width, small_height, blurhash, description, focus_x, focus_y)
         values ($1, $2, $3, $13, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        new.id,
        new.account_id,
        new.content_type,
        new.file_size,
        new.width,
        new.height,
        new.small_width,
        new.small_height,
        new.blurhash,
        new.description,
        new.focus_x,
        new.focus_y,
        new.file_key,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One upload by id.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Media>> {
    sqlx::query_as!(
        Media,
        "select id, account_id, status_id, position, content_type, file_key, file_size, width, height, small_width,
                small_height, blurhash, description, focus_x, focus_y, created_at, remote_url
         from media_attachments where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// The attachments of these statuses, in each status's order.
pub async fn list_by_status_ids(db: impl PgExecutor<'_>, status_ids: &[i64]) -> sqlx::Result<Vec<Media>> {
    sqlx::query_as!(
        Media,
        "select id, account_id, status_id, position, content_type, file_key, file_size, width, height, small_width,
                small_height, blurhash, description, focus_x, focus_y, created_at, remote_url
         from media_attachments where status_id = any($1)
         order by status_id, position, id",
        status_ids
    )
    .fetch_all(db)
    .await
}

/// These uploads, locked for attaching (rows of any owner; the caller checks).
pub async fn lock_by_ids(db: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<Media>> {
    sqlx::query_as!(
        Media,
        "select id, account_id, status_id, position, content_type, file_key, file_size, width, height, small_width,
                small_height, blurhash, description, focus_x, focus_y, created_at, remote_url
         from media_attachments where id = any($1) order by id for update",
        ids
    )
    .fetch_all(db)
    .await
}

/// Sets a status's attachments to `ids` in that order, detaching any others it had.
pub async fn set_for_status(db: &mut PgConnection, status_id: i64, ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query!(
        "update media_attachments set status_id = null
         where status_id = $1 and not (id = any($2))",
        status_id,
        ids
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update media_attachments m set status_id = $1, position = t.position::int
         from unnest($2::bigint[]) with ordinality as t(id, position)
         where m.id = t.id",
        status_id,
        ids
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Changes an upload's description and focus.
pub async fn update_details(
    db: impl PgExecutor<'_>,
    id: i64,
    description: &str,
    focus: (f64, f64),
) -> sqlx::Result<()> {
    sqlx::query!(
        "update media_attachments set description = $2, focus_x = $3, focus_y = $4 where id = $1",
        id,
        description,
        focus.0,
        focus.1,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A remote status's attachment, shown from its origin.
#[derive(Debug)]
pub struct NewRemoteMedia<'a> {
    pub account_id: i64,
    pub status_id: i64,
    pub position: i32,
    pub content_type: &'a str,
    pub remote_url: &'a str,
    pub width: i32,
    pub height: i32,
    pub blurhash: Option<&'a str>,
    pub description: &'a str,
}

/// Records a remote attachment.
pub async fn insert_remote(db: impl PgExecutor<'_>, new: &NewRemoteMedia<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into media_attachments (account_id, status_id, position, content_type, file_key, file_size,
                                        width, height, small_width, small_height, blurhash, description, remote_url)
         values ($1, $2, $3, $4, '', 0, $5, $6, $5, $6, $7, $8, $9)",
        new.account_id,
        new.status_id,
        new.position,
        new.content_type,
        new.width,
        new.height,
        new.blurhash,
        new.description,
        new.remote_url,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Removes a remote status's attachments (before an edit re-records them).
pub async fn delete_for_status(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from media_attachments where status_id = $1", status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Removes every attachment of an account and returns the stored files' names (id, key,
/// content type) of those that had files here, for the caller to remove once committed.
pub async fn delete_of_account(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query!(
        "delete from media_attachments where account_id = $1
         returning id, file_key, content_type, remote_url",
        account_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.remote_url.is_none() && !r.file_key.is_empty())
        .map(|r| (r.id, r.file_key, r.content_type))
        .collect())
}

/// Removes uploads left unattached for longer than `hours` (never used since their upload, or
/// since their status dropped them), except those a scheduled status will use; returns their files,
/// `(id, key, content type)`, for removal once committed.
pub async fn delete_unattached(
    db: impl PgExecutor<'_>,
    hours: i32,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query!(
        "delete from media_attachments m
         where m.status_id is null and m.remote_url is null
           and coalesce(m.unattached_since, m.created_at) < now() - make_interval(hours => $1)
           and not exists (
             select 1 from scheduled_statuses s, jsonb_array_elements_text(s.params->'media_ids') e
             where s.account_id = m.account_id and e = m.id::text)
         returning m.id, m.file_key, m.content_type",
        hours
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.file_key, r.content_type))
        .collect())
}
