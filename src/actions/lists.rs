//! Members' lists: making, changing and deleting them, and who is on them.

use sqlx::{PgConnection, PgPool};

use crate::db;
use crate::error::{AppError, AppResult};

/// How many lists a member may own (Mastodon's limit).
pub const MAX_LISTS_PER_ACCOUNT: i64 = 50;
/// Longest list title, in characters (Mastodon's limit).
pub const MAX_TITLE_LENGTH: usize = 256;
/// Which replies a list shows: to anyone followed, to list members, or none.
pub const REPLIES_POLICIES: [&str; 3] = ["followed", "list", "none"];

/// A list's attributes as given; `None` leaves one as it is (or at its default, for a new list).
#[derive(Debug, Default)]
pub struct ListAttributes<'a> {
    pub title: Option<&'a str>,
    pub replies_policy: Option<&'a str>,
    pub exclusive: Option<bool>,
}

fn validate(attributes: &ListAttributes<'_>) -> AppResult<()> {
    if let Some(title) = attributes.title {
        if title.trim().is_empty() {
            return Err(AppError::Invalid(
                "Validation failed: Title can't be blank".into(),
            ));
        }
        if title.chars().count() > MAX_TITLE_LENGTH {
            return Err(AppError::Invalid(format!(
                "Validation failed: Title is too long (maximum is {MAX_TITLE_LENGTH} characters)"
            )));
        }
    }
    if let Some(policy) = attributes.replies_policy
        && !REPLIES_POLICIES.contains(&policy)
    {
        return Err(AppError::Invalid(
            "Validation failed: Replies policy is not included in the list".into(),
        ));
    }
    Ok(())
}

/// Makes a list for `owner_id` (a title is required); returns it.
pub async fn create(
    pool: &PgPool,
    owner_id: i64,
    attributes: &ListAttributes<'_>,
) -> AppResult<db::lists::List> {
    let Some(title) = attributes.title else {
        return Err(AppError::Invalid(
            "Validation failed: Title can't be blank".into(),
        ));
    };
    validate(attributes)?;
    db::lists::insert_within_limit(
        pool,
        owner_id,
        title,
        attributes.replies_policy.unwrap_or("list"),
        attributes.exclusive.unwrap_or(false),
        MAX_LISTS_PER_ACCOUNT,
    )
    .await?
    .ok_or_else(|| {
        AppError::Invalid("Validation failed: You have reached the maximum number of lists".into())
    })
}

/// Changes the given attributes of one of `owner_id`'s lists; returns it as changed.
pub async fn update(
    pool: &PgPool,
    owner_id: i64,
    list_id: i64,
    attributes: &ListAttributes<'_>,
) -> AppResult<db::lists::List> {
    validate(attributes)?;
    db::lists::update_owned(
        pool,
        owner_id,
        list_id,
        attributes.title,
        attributes.replies_policy,
        attributes.exclusive,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// Deletes one of `owner_id`'s lists.
pub async fn delete(pool: &PgPool, owner_id: i64, list_id: i64) -> AppResult<()> {
    if db::lists::delete_owned(pool, owner_id, list_id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Puts accounts on one of `owner_id`'s lists, all or none: each must exist (404) and be followed
/// by the owner or be the owner (422). Accounts already on the list stay there.
pub async fn add_accounts(pool: &PgPool, owner_id: i64, list_id: i64, account_ids: &[i64]) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    db::lists::find_owned(&mut *tx, owner_id, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let known = db::accounts::list_by_ids(&mut *tx, account_ids).await?;
    if account_ids.iter().any(|id| !known.iter().any(|a| a.id == *id)) {
        return Err(AppError::NotFound);
    }
    let addable = db::lists::list_addable(&mut *tx, owner_id, account_ids).await?;
    if account_ids.iter().any(|id| !addable.contains(id)) {
        return Err(AppError::Invalid(
            "Validation failed: Account has not been followed".into(),
        ));
    }
    db::lists::insert_accounts(&mut *tx, list_id, account_ids).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes accounts off one of `owner_id`'s lists (those not on it are ignored).
pub async fn remove_accounts(
    pool: &PgPool,
    owner_id: i64,
    list_id: i64,
    account_ids: &[i64],
) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    db::lists::find_owned(&mut *tx, owner_id, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::lists::delete_accounts(&mut *tx, list_id, account_ids).await?;
    tx.commit().await?;
    Ok(())
}

/// After `account_id` stops following `target_account_id`: takes the target off every list the
/// account owns, as Mastodon does. Runs on the caller's connection, inside the unfollow's
/// transaction; returns how many list memberships went.
pub async fn remove_unfollowed(
    conn: &mut PgConnection,
    account_id: i64,
    target_account_id: i64,
) -> AppResult<u64> {
    Ok(db::lists::delete_account_from_owned(conn, account_id, target_account_id).await?)
}
