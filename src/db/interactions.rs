//! Favourites, bookmarks, pins and conversation mutes.

use sqlx::PgExecutor;

/// Favourites a status (`uri`: the id of the remote Like behind it); true when it was not
/// favourited before.
pub async fn insert_favourite(
    db: impl PgExecutor<'_>,
    account_id: i64,
    status_id: i64,
    uri: Option<&str>,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "insert into favourites (account_id, status_id, uri) values ($1, $2, $3) on conflict do nothing",
        account_id,
        status_id,
        uri
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Removes a favourite; true when there was one.
pub async fn delete_favourite(
    db: impl PgExecutor<'_>,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from favourites where account_id = $1 and status_id = $2",
        account_id,
        status_id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// The account and status of the favourite a remote Like with this id made.
pub async fn find_favourite_by_uri(db: impl PgExecutor<'_>, uri: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(
        sqlx::query!("select account_id, status_id from favourites where uri = $1", uri)
            .fetch_optional(db)
            .await?
            .map(|r| (r.account_id, r.status_id)),
    )
}

/// Adds or removes a bookmark.
pub async fn set_bookmark(
    db: impl PgExecutor<'_>,
    account_id: i64,
    status_id: i64,
    on: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from bookmarks where account_id = $1 and status_id = $2 and not $3)
         insert into bookmarks (account_id, status_id) select $1, $2 where $3 on conflict do nothing",
        account_id,
        status_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many statuses a member has pinned.
pub async fn count_pins(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from status_pins where account_id = $1",
        account_id
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}

/// Pins or unpins a status.
pub async fn set_pin(db: impl PgExecutor<'_>, account_id: i64, status_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from status_pins where account_id = $1 and status_id = $2 and not $3)
         insert into status_pins (account_id, status_id) select $1, $2 where $3 on conflict do nothing",
        account_id,
        status_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Mutes or unmutes a conversation.
pub async fn set_conversation_mute(
    db: impl PgExecutor<'_>,
    account_id: i64,
    conversation_id: i64,
    on: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from conversation_mutes where account_id = $1 and conversation_id = $2 and not $3)
         insert into conversation_mutes (account_id, conversation_id) select $1, $2 where $3 on conflict do nothing",
        account_id,
        conversation_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The favourite of `account_id` on `status_id`: its row id and the id of the Like behind it.
pub async fn find_favourite_ref(
    db: impl PgExecutor<'_>,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<Option<(i64, Option<String>)>> {
    Ok(sqlx::query!(
        "select id, uri from favourites where account_id = $1 and status_id = $2",
        account_id,
        status_id
    )
    .fetch_optional(db)
    .await?
    .map(|r| (r.id, r.uri)))
}
