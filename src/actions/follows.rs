//! Relationships: follows (and requests to locked accounts), blocks, mutes and notes.

use chrono::{Duration, Utc};
use sqlx::PgPool;

use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::{AppError, AppResult};
use crate::federation::events;

/// Whether a follow took effect or waits for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    Following,
    Requested,
}

/// Follows `target` (a locked account gets a request instead); following again changes the
/// options. Blocked either way: 403. A remote target is sent a Follow.
pub async fn follow(
    pool: &PgPool,
    base_url: &str,
    viewer: i64,
    target: i64,
    options: &FollowOptions,
) -> AppResult<FollowOutcome> {
    record_follow(pool, base_url, viewer, target, options, Asked::ByMember).await
}

/// Who asked for a follow.
#[derive(Debug, Clone, Copy)]
enum Asked<'a> {
    /// A member, through the API: a remote target is sent a Follow.
    ByMember,
    /// A remote account's Follow, with its id when it had one: answered with an Accept.
    ByRemote(Option<&'a str>),
}

/// A remote account's Follow of a member, keeping the Follow's id (`uri`): when it takes
/// effect at once, the member's server answers with an Accept.
pub async fn remote_follow(
    pool: &PgPool,
    base_url: &str,
    follower: i64,
    target: i64,
    options: &FollowOptions,
    uri: Option<&str>,
) -> AppResult<FollowOutcome> {
    record_follow(pool, base_url, follower, target, options, Asked::ByRemote(uri)).await
}

async fn record_follow(
    pool: &PgPool,
    base_url: &str,
    viewer: i64,
    target: i64,
    options: &FollowOptions,
    asked: Asked<'_>,
) -> AppResult<FollowOutcome> {
    if viewer == target {
        return Err(AppError::Forbidden("You cannot follow yourself".into()));
    }
    let account = db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    // A suspended account (or domain) cannot be followed and cannot follow anyone here.
    let follower = db::account_moderation::sanctions(pool, viewer).await?;
    if follower.suspended || db::account_moderation::sanctions(pool, target).await?.suspended {
        return Err(AppError::NotFound);
    }
    let mut tx = crate::db::begin(pool).await?;
    if db::follows::blocked_between(&mut *tx, viewer, target).await? {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    let already = db::follows::exists_follow(&mut *tx, viewer, target).await?;
    // A remote account is followed once its server accepts, so until then it is a request. A
    // limited account's follow always needs the member's approval.
    let needs_approval = account.locked || account.domain.is_some() || follower.limited;
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
    match asked {
        Asked::ByRemote(uri) => {
            // A Follow without an id clears the one an earlier Follow left: the answer embeds
            // the Follow as it came this time.
            db::follows::set_follow_uri(&mut *tx, viewer, target, uri).await?;
            // A remote follower hears back at once when the follow took effect (again, too: its
            // server may have lost our first answer).
            if outcome == FollowOutcome::Following {
                events::follow_accepted(&mut tx, base_url, target, viewer).await?;
            }
        }
        Asked::ByMember => {
            if outcome == FollowOutcome::Requested {
                events::followed(&mut tx, base_url, viewer, target).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Stops following `target` (or withdraws the request) and takes it off the viewer's lists; a
/// remote target is sent an Undo(Follow).
pub async fn unfollow(pool: &PgPool, base_url: &str, viewer: i64, target: i64) -> AppResult<()> {
    remove_follow(pool, Some(base_url), viewer, target).await
}

/// Ends a follow its remote side ended (an Undo from the follower, a Reject from the target):
/// nothing is sent back.
pub async fn end_follow(pool: &PgPool, follower: i64, target: i64) -> AppResult<()> {
    remove_follow(pool, None, follower, target).await
}

async fn remove_follow(pool: &PgPool, base_url: Option<&str>, viewer: i64, target: i64) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = crate::db::begin(pool).await?;
    if let Some(base_url) = base_url {
        events::unfollowed(&mut tx, base_url, viewer, target).await?;
    }
    db::follows::delete_follow(&mut *tx, viewer, target).await?;
    db::follows::take_request(&mut *tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, viewer, target).await?;
    db::featured::set_endorsement(&mut *tx, viewer, target, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Accepts a follow request made to the viewer (a remote requester is sent an Accept).
pub async fn authorize_request(pool: &PgPool, base_url: &str, viewer: i64, requester: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    let follow_uri = db::follows::find_follow_ref(&mut *tx, requester, viewer)
        .await?
        .and_then(|(_, uri)| uri);
    let options = db::follows::take_request(&mut *tx, requester, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    db::follows::upsert_follow(&mut *tx, requester, viewer, &options).await?;
    // The follow keeps its Follow's id: an Undo or a later answer names it.
    db::follows::set_follow_uri(&mut *tx, requester, viewer, follow_uri.as_deref()).await?;
    events::follow_accepted(&mut tx, base_url, viewer, requester).await?;
    db::notifications::delete_follow_request(&mut *tx, viewer, requester).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns a follow request down (a remote requester is sent a Reject).
pub async fn reject_request(pool: &PgPool, base_url: &str, viewer: i64, requester: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    events::follow_rejected(&mut tx, base_url, viewer, requester).await?;
    db::follows::take_request(&mut *tx, requester, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    db::notifications::delete_follow_request(&mut *tx, viewer, requester).await?;
    tx.commit().await?;
    Ok(())
}

/// Blocks `target`: follows and requests both ways end, and each is hidden from the other; a
/// remote target is sent Undo(Follow) and Reject(Follow) for the follows that ended, and Block.
pub async fn block(pool: &PgPool, base_url: &str, viewer: i64, target: i64) -> AppResult<()> {
    record_block(pool, Some(base_url), viewer, target, None).await
}

/// A remote account's block, keeping the id of its Block (an Undo may name only that id).
pub async fn remote_block(pool: &PgPool, account: i64, target: i64, block_uri: &str) -> AppResult<()> {
    record_block(pool, None, account, target, Some(block_uri)).await
}

async fn record_block(
    pool: &PgPool,
    base_url: Option<&str>,
    viewer: i64,
    target: i64,
    uri: Option<&str>,
) -> AppResult<()> {
    if viewer == target {
        return Err(AppError::Forbidden("You cannot block yourself".into()));
    }
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = crate::db::begin(pool).await?;
    if let Some(base_url) = base_url {
        // A member's block of a remote account ends the follows both ways there too, as Mastodon
        // does: Undo of the member's own follow (or request), Reject of the other's, then Block.
        events::unfollowed(&mut tx, base_url, viewer, target).await?;
        events::follow_rejected(&mut tx, base_url, viewer, target).await?;
    }
    db::follows::sever(&mut *tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, viewer, target).await?;
    crate::actions::lists::remove_unfollowed(&mut tx, target, viewer).await?;
    db::featured::set_endorsement(&mut *tx, viewer, target, false).await?;
    db::featured::set_endorsement(&mut *tx, target, viewer, false).await?;
    db::follows::insert_block(&mut *tx, viewer, target, uri).await?;
    if let Some(base_url) = base_url {
        events::blocked(&mut tx, base_url, viewer, target).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Lifts a block (a remote target is sent an Undo(Block) when a member lifts it).
pub async fn unblock(pool: &PgPool, base_url: &str, viewer: i64, target: i64) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = crate::db::begin(pool).await?;
    events::unblocked(&mut tx, base_url, viewer, target).await?;
    db::follows::delete_block(&mut *tx, viewer, target).await?;
    tx.commit().await?;
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
