//! Relationships: follows (and requests to locked accounts), blocks, mutes and notes.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::{AppError, AppResult};

/// Whether a follow took effect or waits for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    Following,
    Requested,
}

/// Follows `target` (a locked account gets a request instead); following again changes the
/// options. Blocked either way: 403.
pub async fn follow(
    pool: &PgPool,
    viewer: i64,
    target: i64,
    options: &FollowOptions,
) -> AppResult<FollowOutcome> {
    if viewer == target {
        return Err(AppError::Forbidden("You cannot follow yourself".into()));
    }
    let account = db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = pool.begin().await?;
    if db::follows::blocked_between(&mut *tx, viewer, target).await? {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    let already = db::follows::exists_follow(&mut *tx, viewer, target).await?;
    // A remote account is followed once its server accepts, so until then it is a request.
    let needs_approval = account.locked || account.domain.is_some();
    let outcome = if already || !needs_approval {
        db::follows::upsert_follow(&mut *tx, viewer, target, options).await?;
        if !already {
            db::notifications::insert(&mut *tx, target, viewer, "follow", None).await?;
        }
        FollowOutcome::Following
    } else {
        db::follows::upsert_request(&mut *tx, viewer, target, options).await?;
        db::notifications::insert(&mut *tx, target, viewer, "follow_request", None).await?;
        FollowOutcome::Requested
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Stops following `target` (or withdraws the request) and takes it off the viewer's lists.
pub async fn unfollow(pool: &PgPool, viewer: i64, target: i64) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = pool.begin().await?;
    db::follows::delete_follow(&mut *tx, viewer, target).await?;
    db::follows::take_request(&mut *tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, viewer, target).await?;
    db::featured::set_endorsement(&mut *tx, viewer, target, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Accepts a follow request made to the viewer.
pub async fn authorize_request(pool: &PgPool, viewer: i64, requester: i64) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let options = db::follows::take_request(&mut *tx, requester, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    db::follows::upsert_follow(&mut *tx, requester, viewer, &options).await?;
    db::notifications::delete_follow_request(&mut *tx, viewer, requester).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns a follow request down.
pub async fn reject_request(pool: &PgPool, viewer: i64, requester: i64) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    db::follows::take_request(&mut *tx, requester, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    db::notifications::delete_follow_request(&mut *tx, viewer, requester).await?;
    tx.commit().await?;
    Ok(())
}

/// Blocks `target`: follows and requests both ways end, and each is hidden from the other.
pub async fn block(pool: &PgPool, viewer: i64, target: i64) -> AppResult<()> {
    record_block(pool, viewer, target, None).await
}

/// A remote account's block, keeping the id of its Block (an Undo may name only that id).
pub async fn remote_block(pool: &PgPool, account: i64, target: i64, block_uri: &str) -> AppResult<()> {
    record_block(pool, account, target, Some(block_uri)).await
}

async fn record_block(pool: &PgPool, viewer: i64, target: i64, uri: Option<&str>) -> AppResult<()> {
    if viewer == target {
        return Err(AppError::Forbidden("You cannot block yourself".into()));
    }
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = pool.begin().await?;
    db::follows::sever(&mut *tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, target, viewer).await?;
    db::featured::set_endorsement(&mut *tx, viewer, target, false).await?;
    db::featured::set_endorsement(&mut *tx, target, viewer, false).await?;
    db::follows::insert_block(&mut *tx, viewer, target, uri).await?;
    tx.commit().await?;
    Ok(())
}

/// Lifts a block.
pub async fn unblock(pool: &PgPool, viewer: i64, target: i64) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    db::follows::delete_block(pool, viewer, target).await?;
    Ok(())
}

/// Mutes `target`, hiding their notifications too unless told otherwise, for `duration`
/// seconds (0: until lifted).
pub async fn mute(
    pool: &PgPool,
    viewer: i64,
    target: i64,
    notifications: bool,
    duration: i64,
) -> AppResult<()> {
    if viewer == target {
        return Err(AppError::Forbidden("You cannot mute yourself".into()));
    }
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let expires_at = match duration {
        0 => None,
        seconds => Some(
            Duration::try_seconds(seconds)
                .and_then(|d| Utc::now().checked_add_signed(d))
                .ok_or_else(|| AppError::Invalid("Validation failed: Duration is too long".into()))?,
        ),
    };
    db::follows::upsert_mute(pool, viewer, target, notifications, expires_at).await?;
    Ok(())
}

/// Lifts a mute.
pub async fn unmute(pool: &PgPool, viewer: i64, target: i64) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    db::follows::delete_mute(pool, viewer, target).await?;
    Ok(())
}

/// Sets the viewer's private note on `target` (empty clears it).
pub async fn set_note(pool: &PgPool, viewer: i64, target: i64, comment: &str) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    if comment.chars().count() > 2000 {
        return Err(AppError::Invalid(
            "Validation failed: Comment is too long (maximum is 2000 characters)".into(),
        ));
    }
    db::follows::set_note(pool, viewer, target, comment).await?;
    Ok(())
}
