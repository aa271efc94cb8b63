//! Following hashtags: a followed tag's public statuses come into the member's home timeline.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::text::compose::is_hashtag_name;

/// Most hashtags a member follows (Mastodon sets none; this keeps the home query bounded).
pub const MAX_FOLLOWED_TAGS: i64 = 1_000;

/// Makes the member follow the hashtag `name` (created when no status has used it yet);
/// following it again changes nothing. Returns the tag.
pub async fn follow(pool: &PgPool, account_id: i64, name: &str) -> AppResult<db::tags::Tag> {
    let name = checked_name(name)?;
    let mut tx = db::begin(pool).await?;
    let tag = db::tags::find_or_create(&mut tx, name).await?;
    if !db::tags::is_followed(&mut *tx, account_id, tag.id).await?
        && db::tags::count_followed(&mut *tx, account_id).await? >= MAX_FOLLOWED_TAGS
    {
        return Err(AppError::Invalid(format!(
            "Validation failed: You can follow at most {MAX_FOLLOWED_TAGS} hashtags"
        )));
    }
    db::tags::follow(&mut *tx, account_id, tag.id).await?;
    tx.commit().await?;
    Ok(tag)
}

/// Stops the member following the hashtag `name`; not following it is not an error. Returns the
/// tag, or `None` when no such tag exists.
pub async fn unfollow(pool: &PgPool, account_id: i64, name: &str) -> AppResult<Option<db::tags::Tag>> {
    let name = checked_name(name)?;
    let Some(tag) = db::tags::find_by_name(pool, name).await? else {
        return Ok(None);
    };
    db::tags::unfollow(pool, account_id, tag.id).await?;
    Ok(Some(tag))
}

/// The name without a leading `#`, or 404 when it cannot be a hashtag (as Mastodon answers).
pub fn checked_name(name: &str) -> AppResult<&str> {
    let name = name.strip_prefix('#').unwrap_or(name);
    if is_hashtag_name(name) {
        Ok(name)
    } else {
        Err(AppError::NotFound)
    }
}
