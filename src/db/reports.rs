//! The `reports` table: complaints about an account, from a member or a remote server.

use sqlx::PgExecutor;

/// What a new report is made of.
#[derive(Debug)]
pub struct NewReport<'a> {
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    /// The id of the remote Flag it came from.
    pub uri: Option<&'a str>,
}

/// Inserts a report; returns its id, or `None` when a report with this `uri` exists already.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewReport<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into reports (account_id, target_account_id, status_ids, comment, uri)
         values ($1, $2, $3, $4, $5) on conflict (uri) do nothing returning id",
        new.account_id,
        new.target_account_id,
        new.status_ids,
        new.comment,
        new.uri,
    )
    .fetch_optional(db)
    .await
}
