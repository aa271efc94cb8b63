//! Remote accounts' own changes: deletion at their origin, and moves to a new account.

use sqlx::PgPool;

use crate::actions::follows::{self, FollowOutcome};
use crate::db;
use crate::error::{AppError, AppResult};

/// A remote actor deleted itself: its statuses, follows both ways, and what it sent go; the row
/// stays (marked gone) so its name is never taken by someone else.
pub async fn delete_actor(pool: &PgPool, account_id: i64) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    db::remote_accounts::mark_gone(&mut *tx, account_id).await?;
    // A remote account's attachments are links to its server: no files to remove.
    db::remote_accounts::purge_content(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// A remote account moved to `target`, which must name it among its aliases (`alsoKnownAs`, as
/// last fetched): the move is recorded, and each local follower follows the new account
/// instead (a request until a remote target's server accepts). A follower who cannot follow the
/// target (a block between them) keeps the old follow. Local members' blocks, mutes and notes
/// on the old account are given to the new one. Returns how many followers moved.
pub async fn record_move(pool: &PgPool, base_url: &str, account_id: i64, target: i64) -> AppResult<usize> {
    let account = db::accounts::find(pool, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(uri) = account.uri.as_deref().filter(|_| account.domain.is_some()) else {
        return Err(AppError::Forbidden("only remote accounts move this way".into()));
    };
    if target == account_id {
        return Err(AppError::Forbidden("an account cannot move to itself".into()));
    }
    // The alias proves the target's owner agreed: otherwise anyone could take others' followers.
    let aliases = db::remote_accounts::also_known_as(pool, target).await?;
    if !aliases.iter().any(|alias| alias == uri) {
        return Err(AppError::Forbidden(format!(
            "the target does not name {uri} as an alias"
        )));
    }
    db::remote_accounts::set_moved_to(pool, account_id, target).await?;
    let mut moved = 0;
    for (follower, options) in db::follows::list_local_followers(pool, account_id).await? {
        match follows::follow(pool, base_url, follower, target, &options).await {
            Ok(FollowOutcome::Following | FollowOutcome::Requested) => {
                follows::unfollow(pool, base_url, follower, account_id).await?;
                moved += 1;
            }
            Err(AppError::Forbidden(reason)) => {
                tracing::info!(follower, target, %reason, "follower not moved");
            }
            Err(other) => return Err(other),
        }
    }
    // What local members set on the old account carries over, as Mastodon does: their blocks
    // (the new account's server is sent each Block), mutes and private notes.
    // Only a refusal is passed over; any other failure fails the Move, which is retried (a
    // block already carried is not made twice), so no member's block is silently lost.
    for blocker in db::follows::list_local_blockers(pool, account_id).await? {
        match follows::block(pool, base_url, blocker, target).await {
            Ok(()) => {}
            Err(error @ (AppError::Forbidden(_) | AppError::NotFound)) => {
                tracing::info!(blocker, target, %error, "block not carried over");
            }
            Err(other) => return Err(other),
        }
    }
    let mut tx = db::begin(pool).await?;
    let (mutes, notes) = db::follows::copy_local_mutes_and_notes(&mut tx, account_id, target).await?;
    tx.commit().await?;
    tracing::debug!(mutes, notes, "mutes and notes carried over");
    Ok(moved)
}
