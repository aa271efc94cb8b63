//! The `filters` and `filter_keywords` tables: members' content filters.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A filter row.
#[derive(Debug, Clone)]
pub struct Filter {
    pub id: i64,
    pub title: String,
    pub context: Vec<String>,
    pub action: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A keyword row.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

/// An account's filters, oldest first.
pub async fn list_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Filter>> {
    sqlx::query_as!(
        Filter,
        "select id, title, context, action, expires_at from filters where account_id = $1 order by id",
        account_id,
    )
    .fetch_all(db)
    .await
}

/// The keywords of an account's filters.
pub async fn list_keywords_by_owner(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Keyword>> {
    sqlx::query_as!(
        Keyword,
        "select k.id, k.filter_id, k.keyword, k.whole_word from filter_keywords k
         join filters f on f.id = k.filter_id where f.account_id = $1 order by k.id",
        account_id,
    )
    .fetch_all(db)
    .await
}
