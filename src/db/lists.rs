//! The `lists` table: members' lists of accounts.

use sqlx::PgExecutor;

/// A list row.
#[derive(Debug, Clone)]
pub struct List {
    pub id: i64,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

/// The lists an account owns, oldest first.
pub async fn list_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<List>> {
    sqlx::query_as!(
        List,
        "select id, title, replies_policy, exclusive from lists where account_id = $1 order by id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// Takes `target` off every list `owner` has (after an unfollow or a block).
pub async fn remove_account_from_owner_lists(
    db: impl PgExecutor<'_>,
    owner: i64,
    target: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from list_accounts la using lists l
         where la.list_id = l.id and l.account_id = $1 and la.account_id = $2",
        owner,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}
