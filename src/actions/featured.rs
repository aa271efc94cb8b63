//! Featuring hashtags and endorsing accounts on one's profile.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// Most hashtags a profile features (Mastodon's limit).
pub const MAX_FEATURED_TAGS: i64 = 10;

/// Features a hashtag on the member's profile; returns the featured tag's id.
pub async fn feature_tag(pool: &PgPool, account_id: i64, name: &str) -> AppResult<i64> {
    let name = name.trim().trim_start_matches('#');
    if !crate::text::compose::is_hashtag_name(name) {
        return Err(AppError::Invalid("Validation failed: Tag is invalid".into()));
    }
    let mut tx = crate::db::begin(pool).await?;
    let tag = db::tags::find_or_create(&mut tx, name).await?;
    let id = db::featured::insert_tag(&mut *tx, account_id, tag.id, MAX_FEATURED_TAGS)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!(
                "Validation failed: You can feature at most {MAX_FEATURED_TAGS} hashtags"
            ))
        })?;
    tx.commit().await?;
    Ok(id)
}

/// Stops featuring the member's featured tag `id`.
pub async fn unfeature_tag(pool: &PgPool, account_id: i64, id: i64) -> AppResult<()> {
    if !db::featured::delete_tag(pool, account_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Endorses an account the member follows, or stops endorsing it.
pub async fn endorse(pool: &PgPool, account_id: i64, target: i64, on: bool) -> AppResult<()> {
    db::accounts::find(pool, target)
        .await?
        .ok_or(AppError::NotFound)?;
    if on && !db::follows::exists_follow(pool, account_id, target).await? {
        return Err(AppError::Invalid(
            "Validation failed: You must be already following the account you want to endorse".into(),
        ));
    }
    db::featured::set_endorsement(pool, account_id, target, on).await?;
    Ok(())
}
