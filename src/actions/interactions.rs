//! Favourites, boosts, bookmarks, pins and conversation mutes, with their counters and
//! notifications.

use chrono::Utc;
use sqlx::PgPool;

use crate::db;
use crate::db::statuses::Counter;
use crate::error::{AppError, AppResult};

/// Most statuses a member may pin.
pub const MAX_PINS: i64 = 5;

async fn visible(pool: &PgPool, viewer: i64, status_id: i64) -> AppResult<db::statuses::Status> {
    db::statuses::find_visible(pool, status_id, Some(viewer))
        .await?
        .ok_or(AppError::NotFound)
}

/// Favourites a status (once); notifies its author.
pub async fn favourite(pool: &PgPool, viewer: i64, status_id: i64) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    let target = status.reblog_of_id.unwrap_or(status.id);
    let mut tx = pool.begin().await?;
    if db::interactions::insert_favourite(&mut *tx, viewer, target).await? {
        db::statuses::adjust_counter(&mut *tx, target, Counter::Favourites, 1).await?;
        let author = db::statuses::find(&mut *tx, target).await?.map(|s| s.account_id);
        if let Some(author) = author {
            db::notifications::insert(&mut *tx, author, viewer, "favourite", Some(target)).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Takes a favourite back.
pub async fn unfavourite(pool: &PgPool, viewer: i64, status_id: i64) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    let mut tx = pool.begin().await?;
    if db::interactions::delete_favourite(&mut *tx, viewer, status.id).await? {
        db::statuses::adjust_counter(&mut *tx, status.id, Counter::Favourites, -1).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Boosts a status with a visibility (public, unlisted or private); returns the boost's id.
/// Private and direct statuses cannot be boosted, except private ones by their own author.
pub async fn reblog(pool: &PgPool, viewer: i64, status_id: i64, visibility: &str) -> AppResult<i64> {
    let status = visible(pool, viewer, status_id).await?;
    let original = match status.reblog_of_id {
        Some(id) => db::statuses::find(pool, id).await?.ok_or(AppError::NotFound)?,
        None => status,
    };
    let boostable = matches!(original.visibility.as_str(), "public" | "unlisted")
        || (original.visibility == "private" && original.account_id == viewer);
    if !boostable {
        return Err(AppError::Invalid(
            "Validation failed: This status cannot be boosted".into(),
        ));
    }
    if !matches!(visibility, "public" | "unlisted" | "private") {
        return Err(AppError::Invalid(
            "Validation failed: Visibility is not one of public, unlisted or private".into(),
        ));
    }
    if let Some(existing) = db::statuses::find_reblog(pool, viewer, original.id).await? {
        return Ok(existing.id);
    }
    let mut tx = pool.begin().await?;
    let visibility = if original.visibility == "private" {
        "private"
    } else {
        visibility
    };
    let id = db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            account_id: viewer,
            local: true,
            uri: None,
            url: None,
            text: "",
            content: "",
            spoiler_text: "",
            sensitive: false,
            visibility,
            language: None,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(original.id),
            conversation_id: original.conversation_id,
            application_id: None,
            created_at: Utc::now(),
        },
    )
    .await;
    let id = match id {
        Ok(id) => id,
        // A boost made meanwhile by a racing request (a double tap): that one stands.
        Err(error) if db::is_unique_violation(&error, "statuses_reblog_key") => {
            drop(tx);
            let existing = db::statuses::find_reblog(pool, viewer, original.id).await?;
            return existing.map(|boost| boost.id).ok_or(AppError::NotFound);
        }
        Err(error) => return Err(error.into()),
    };
    db::statuses::adjust_counter(&mut *tx, original.id, Counter::Reblogs, 1).await?;
    db::notifications::insert(&mut *tx, original.account_id, viewer, "reblog", Some(original.id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes a boost back; returns the original status's id.
pub async fn unreblog(pool: &PgPool, viewer: i64, status_id: i64) -> AppResult<i64> {
    let status = visible(pool, viewer, status_id).await?;
    let original = status.reblog_of_id.unwrap_or(status.id);
    if let Some(boost) = db::statuses::find_reblog(pool, viewer, original).await? {
        let mut tx = pool.begin().await?;
        if db::statuses::delete(&mut *tx, boost.id).await? {
            db::statuses::adjust_counter(&mut *tx, original, Counter::Reblogs, -1).await?;
        }
        tx.commit().await?;
    }
    Ok(original)
}

/// Bookmarks or un-bookmarks a status.
pub async fn set_bookmark(pool: &PgPool, viewer: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    let target = status.reblog_of_id.unwrap_or(status.id);
    db::interactions::set_bookmark(pool, viewer, target, on).await?;
    Ok(())
}

/// Pins or unpins one of the member's own public or unlisted statuses (at most five).
pub async fn set_pin(pool: &PgPool, viewer: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    if status.account_id != viewer || status.reblog_of_id.is_some() {
        return Err(AppError::Invalid(
            "Validation failed: Only your own statuses can be pinned".into(),
        ));
    }
    if on {
        if !matches!(status.visibility.as_str(), "public" | "unlisted") {
            return Err(AppError::Invalid(
                "Validation failed: Only public or unlisted statuses can be pinned".into(),
            ));
        }
        let mut tx = pool.begin().await?;
        let marks = db::statuses::list_viewer_marks(&mut *tx, viewer, &[status.id]).await?;
        if marks.first().is_some_and(|m| m.pinned) {
            return Ok(());
        }
        if db::interactions::count_pins(&mut *tx, viewer).await? >= MAX_PINS {
            return Err(AppError::Invalid(format!(
                "Validation failed: You have already pinned the maximum number of statuses ({MAX_PINS})"
            )));
        }
        db::interactions::set_pin(&mut *tx, viewer, status.id, true).await?;
        tx.commit().await?;
    } else {
        db::interactions::set_pin(pool, viewer, status.id, false).await?;
    }
    Ok(())
}

/// Mutes or unmutes the conversation a status belongs to (the member must take part in it).
pub async fn set_conversation_mute(pool: &PgPool, viewer: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    db::interactions::set_conversation_mute(pool, viewer, status.conversation_id, on).await?;
    Ok(())
}
