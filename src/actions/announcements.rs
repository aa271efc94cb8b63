//! Announcements: the staff publish and withdraw them; members dismiss them and react with emoji.

use sqlx::PgPool;

use crate::db;
use crate::db::announcements::Draft;
use crate::error::{AppError, AppResult};

/// The longest announcement text, in characters.
pub const MAX_TEXT: usize = 5_000;

/// Different reactions one member may leave on one announcement (Mastodon's limit).
pub const MAX_OWN_REACTIONS: i64 = 8;

/// Stores what the staff wrote; returns the new announcement's id.
pub async fn create(pool: &PgPool, draft: &Draft) -> AppResult<i64> {
    if draft.text.trim().is_empty() {
        return Err(AppError::Invalid("Validation failed: Text can't be blank".into()));
    }
    if draft.text.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid(format!(
            "Validation failed: Text is too long (maximum is {MAX_TEXT} characters)"
        )));
    }
    if let (Some(starts), Some(ends)) = (draft.starts_at, draft.ends_at)
        && ends <= starts
    {
        return Err(AppError::Invalid(
            "Validation failed: Ends at must be after the start".into(),
        ));
    }
    let mut tx = db::begin(pool).await?;
    let id = db::announcements::insert(&mut tx, draft).await?;
    tx.commit().await?;
    Ok(id)
}

/// Publishes (clients are told at once) or withdraws an announcement.
pub async fn set_published(pool: &PgPool, id: i64, published: bool) -> AppResult<()> {
    let mut tx = db::begin(pool).await?;
    if !db::announcements::set_published(&mut tx, id, published).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes an announcement for good.
pub async fn delete(pool: &PgPool, id: i64) -> AppResult<()> {
    let mut tx = db::begin(pool).await?;
    if !db::announcements::delete(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Marks an announcement in force read for a member.
pub async fn dismiss(pool: &PgPool, id: i64, user_id: i64) -> AppResult<()> {
    db::announcements::find_active(pool, id, Some(user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    db::announcements::dismiss(pool, id, user_id).await?;
    Ok(())
}

/// Adds (or, when `reacting` is false, takes back) a member's reaction: a Unicode emoji or one
/// of this server's custom emoji by shortcode.
pub async fn react(pool: &PgPool, id: i64, user_id: i64, name: &str, reacting: bool) -> AppResult<()> {
    db::announcements::find_active(pool, id, Some(user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let name = match emojis::get(name) {
        // Stored fully qualified, so that "❤" and "❤️" count as one.
        Some(emoji) => emoji.as_str().to_owned(),
        None => {
            let local = db::custom_emojis::list_local(pool).await?;
            if !local.iter().any(|e| e.shortcode == name) {
                return Err(AppError::Invalid(
                    "Validation failed: Name is not a recognized emoji".into(),
                ));
            }
            name.to_owned()
        }
    };
    let mut tx = db::begin(pool).await?;
    if reacting && db::announcements::count_own_reactions(&mut *tx, id, user_id).await? >= MAX_OWN_REACTIONS {
        let own = db::announcements::list_reactions(&mut *tx, &[id], Some(user_id)).await?;
        if !own.iter().any(|r| r.me && r.name == name) {
            return Err(AppError::Invalid(
                "Validation failed: Maximum number of different reactions reached".into(),
            ));
        }
    }
    db::announcements::set_reaction(&mut tx, id, user_id, &name, reacting).await?;
    tx.commit().await?;
    Ok(())
}
