//! Favourites, boosts, bookmarks, pins and conversation mutes, with their counters and
//! notifications.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db;
use crate::db::statuses::Counter;
use crate::error::{AppError, AppResult};
use crate::federation::events;

/// Most statuses a member may pin.
pub const MAX_PINS: i64 = 5;

async fn visible(pool: &PgPool, viewer: i64, status_id: i64) -> AppResult<db::statuses::Status> {
    db::statuses::find_visible(pool, status_id, Some(viewer))
        .await?
        .ok_or(AppError::NotFound)
}

/// Favourites a status (once); notifies its author, and sends a remote one a Like.
pub async fn favourite(pool: &PgPool, base_url: &str, viewer: i64, status_id: i64) -> AppResult<()> {
    record_favourite(pool, Some(base_url), viewer, status_id, None).await
}

/// A remote account's favourite, keeping the id of its Like (an Undo may name only that id).
pub async fn remote_favourite(pool: &PgPool, account: i64, status_id: i64, like_uri: &str) -> AppResult<()> {
    record_favourite(pool, None, account, status_id, Some(like_uri)).await
}

async fn record_favourite(
    pool: &PgPool,
    base_url: Option<&str>,
    viewer: i64,
    status_id: i64,
    uri: Option<&str>,
) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    let target = status.reblog_of_id.unwrap_or(status.id);
    let mut tx = crate::db::begin(pool).await?;
    if db::interactions::insert_favourite(&mut *tx, viewer, target, uri).await? {
        db::statuses::adjust_counter(&mut *tx, target, Counter::Favourites, 1).await?;
        let author = db::statuses::find(&mut *tx, target).await?.map(|s| s.account_id);
        if let Some(author) = author {
            db::notifications::insert(&mut *tx, author, viewer, "favourite", Some(target)).await?;
        }
        if let Some(base_url) = base_url {
            events::favourited(&mut tx, base_url, viewer, target).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Takes a favourite back (a remote author is sent an Undo(Like)).
pub async fn unfavourite(pool: &PgPool, base_url: &str, viewer: i64, status_id: i64) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    take_favourite(pool, Some(base_url), viewer, status.id).await
}

/// Takes a favourite back without asking whether the status is still visible to its giver (a
/// remote Undo: a block since the Like must not keep the favourite in place).
pub async fn remove_favourite(pool: &PgPool, account: i64, status_id: i64) -> AppResult<()> {
    take_favourite(pool, None, account, status_id).await
}

async fn take_favourite(
    pool: &PgPool,
    base_url: Option<&str>,
    account: i64,
    status_id: i64,
) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    if let Some(base_url) = base_url {
        events::unfavourited(&mut tx, base_url, account, status_id).await?;
    }
    if db::interactions::delete_favourite(&mut *tx, account, status_id).await? {
        db::statuses::adjust_counter(&mut *tx, status_id, Counter::Favourites, -1).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Boosts a status with a visibility (public, unlisted or private); returns the boost's id.
/// Private and direct statuses cannot be boosted, except private ones by their own author.
pub async fn reblog(
    pool: &PgPool,
    base_url: &str,
    viewer: i64,
    status_id: i64,
    visibility: &str,
) -> AppResult<i64> {
    let original = boostable_original(pool, viewer, status_id).await?;
    check_boost_visibility(visibility)?;
    let boost = NewReblog {
        account_id: viewer,
        visibility,
        uri: None,
        created_at: Utc::now(),
    };
    insert_reblog(pool, Some(base_url), &original, &boost).await
}

/// A boost made on another server.
#[derive(Debug)]
pub struct RemoteReblog<'a> {
    pub account_id: i64,
    pub status_id: i64,
    /// The boost's URI at its origin.
    pub uri: &'a str,
    /// public, unlisted or private, as its server addressed it.
    pub visibility: &'a str,
    pub published: DateTime<Utc>,
}

/// Stores a remote account's boost under the rules of a local one (same visibility checks, one
/// boost per status, counter and notification); returns the boost's id.
pub async fn remote_reblog(pool: &PgPool, reblog: &RemoteReblog<'_>) -> AppResult<i64> {
    let original = boostable_original(pool, reblog.account_id, reblog.status_id).await?;
    check_boost_visibility(reblog.visibility)?;
    let boost = NewReblog {
        account_id: reblog.account_id,
        visibility: reblog.visibility,
        uri: Some(reblog.uri),
        // A boost from the future keeps today's time, so it cannot sit atop timelines.
        created_at: reblog.published.min(Utc::now()),
    };
    insert_reblog(pool, None, &original, &boost).await
}

/// The original behind `status_id` (a boost's, or itself), if `account` may see and boost it.
async fn boostable_original(pool: &PgPool, account: i64, status_id: i64) -> AppResult<db::statuses::Status> {
    let status = visible(pool, account, status_id).await?;
    let original = match status.reblog_of_id {
        Some(id) => db::statuses::find(pool, id).await?.ok_or(AppError::NotFound)?,
        None => status,
    };
    let boostable = matches!(original.visibility.as_str(), "public" | "unlisted")
        || (original.visibility == "private" && original.account_id == account);
    if !boostable {
        return Err(AppError::Invalid(
            "Validation failed: This status cannot be boosted".into(),
        ));
    }
    Ok(original)
}

fn check_boost_visibility(visibility: &str) -> AppResult<()> {
    if !matches!(visibility, "public" | "unlisted" | "private") {
        return Err(AppError::Invalid(
            "Validation failed: Visibility is not one of public, unlisted or private".into(),
        ));
    }
    Ok(())
}

/// How a boost is stored: by whom, seen by whom, and for a remote one its URI and time.
struct NewReblog<'a> {
    account_id: i64,
    visibility: &'a str,
    uri: Option<&'a str>,
    created_at: DateTime<Utc>,
}

/// Stores a boost of `original` (once per account), counts it and tells the author; with a
/// `base_url` (a member's boost) it is announced to other servers.
async fn insert_reblog(
    pool: &PgPool,
    base_url: Option<&str>,
    original: &db::statuses::Status,
    boost: &NewReblog<'_>,
) -> AppResult<i64> {
    let account = boost.account_id;
    if let Some(existing) = db::statuses::find_reblog(pool, account, original.id).await? {
        return Ok(existing.id);
    }
    let mut tx = crate::db::begin(pool).await?;
    // A boost of a private status stays private.
    let visibility = if original.visibility == "private" {
        "private"
    } else {
        boost.visibility
    };
    let id = db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            account_id: account,
            local: boost.uri.is_none(),
            uri: boost.uri,
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
            created_at: boost.created_at,
        },
    )
    .await;
    let id = match id {
        Ok(id) => id,
        // A boost made meanwhile by a racing request (a double tap): that one stands.
        Err(error) if db::is_unique_violation(&error, "statuses_reblog_key") => {
            drop(tx);
            let existing = db::statuses::find_reblog(pool, account, original.id).await?;
            return existing.map(|boost| boost.id).ok_or(AppError::NotFound);
        }
        // Another status already has this URI: a remote server reusing an id.
        Err(error) if db::is_unique_violation(&error, "statuses_uri_key") => {
            return Err(AppError::Conflict("a status with this URI exists".into()));
        }
        Err(error) => return Err(error.into()),
    };
    db::statuses::adjust_counter(&mut *tx, original.id, Counter::Reblogs, 1).await?;
    db::notifications::insert(
        &mut *tx,
        original.account_id,
        account,
        "reblog",
        Some(original.id),
    )
    .await?;
    if let Some(base_url) = base_url {
        events::reblogged(&mut tx, base_url, id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Takes a boost back (announcing the Undo); returns the original status's id.
pub async fn unreblog(pool: &PgPool, base_url: &str, viewer: i64, status_id: i64) -> AppResult<i64> {
    let status = visible(pool, viewer, status_id).await?;
    let original = status.reblog_of_id.unwrap_or(status.id);
    if let Some(boost) = db::statuses::find_reblog(pool, viewer, original).await? {
        let mut tx = crate::db::begin(pool).await?;
        events::unreblogged(&mut tx, base_url, boost.id).await?;
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

/// Pins or unpins one of the member's own public or unlisted statuses (at most five); the
/// member's followers hear of it (Add or Remove on the featured collection).
pub async fn set_pin(pool: &PgPool, base_url: &str, viewer: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    check_pinnable(&status, viewer, on)?;
    let mut tx = crate::db::begin(pool).await?;
    let marks = db::statuses::list_viewer_marks(&mut *tx, viewer, &[status.id]).await?;
    if marks.first().is_some_and(|m| m.pinned) == on {
        return Ok(());
    }
    if on && db::interactions::count_pins(&mut *tx, viewer).await? >= MAX_PINS {
        return Err(AppError::Invalid(format!(
            "Validation failed: You have already pinned the maximum number of statuses ({MAX_PINS})"
        )));
    }
    db::interactions::set_pin(&mut *tx, viewer, status.id, on).await?;
    events::pin_changed(&mut tx, base_url, viewer, status.id, on).await?;
    tx.commit().await?;
    Ok(())
}

/// Pins or unpins a remote account's own status as its server's featured collection says. The
/// five-pin limit is for our members: a remote server keeps its own.
pub async fn set_remote_pin(pool: &PgPool, account: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = db::statuses::find(pool, status_id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_pinnable(&status, account, on)?;
    db::interactions::set_pin(pool, account, status.id, on).await?;
    Ok(())
}

/// Only one's own statuses (not boosts) are pinned, and only public or unlisted ones.
fn check_pinnable(status: &db::statuses::Status, account: i64, on: bool) -> AppResult<()> {
    if status.account_id != account || status.reblog_of_id.is_some() {
        return Err(AppError::Invalid(
            "Validation failed: Only your own statuses can be pinned".into(),
        ));
    }
    if on && !matches!(status.visibility.as_str(), "public" | "unlisted") {
        return Err(AppError::Invalid(
            "Validation failed: Only public or unlisted statuses can be pinned".into(),
        ));
    }
    Ok(())
}

/// Mutes or unmutes the conversation a status belongs to (the member must take part in it).
pub async fn set_conversation_mute(pool: &PgPool, viewer: i64, status_id: i64, on: bool) -> AppResult<()> {
    let status = visible(pool, viewer, status_id).await?;
    db::interactions::set_conversation_mute(pool, viewer, status.conversation_id, on).await?;
    Ok(())
}
