//! The `account_conversations` table: direct-message threads per local participant.

use sqlx::PgExecutor;

use crate::db::paging::Page;

/// A conversation as one participant sees it.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    pub participant_ids: Vec<i64>,
    pub last_status_id: Option<i64>,
    pub unread: bool,
}

/// Records a direct status in the thread of each local participant (unread for all but its author).
pub async fn record_direct_status(
    db: impl PgExecutor<'_>,
    conversation_id: i64,
    author: i64,
    participants: &[i64],
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into account_conversations (account_id, conversation_id, participant_ids, last_status_id, unread)
         select p, $1, array(select q from unnest($3::bigint[]) q where q <> p), $4, p <> $2
         from unnest($3::bigint[]) p join accounts a on a.id = p and a.domain is null
         where not blocked_between(p, $2)
         on conflict (account_id, conversation_id) do update
            set participant_ids = excluded.participant_ids, last_status_id = excluded.last_status_id,
                unread = excluded.unread, updated_at = now()",
        conversation_id,
        author,
        participants,
        status_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A member's conversations, most recent first, paged by the latest status's id.
pub async fn list(db: impl PgExecutor<'_>, account_id: i64, page: &Page) -> sqlx::Result<Vec<Conversation>> {
    // A member's conversations are few: one sort of them, in the page's direction.
    sqlx::query_as!(
        Conversation,
        r#"select id as "id!", participant_ids as "participant_ids!", last_status_id, unread as "unread!" from (
             select id, participant_ids, last_status_id, unread from account_conversations
             where account_id = $1 and last_status_id is not null
               and ($2::bigint is null or last_status_id < $2) and ($3::bigint is null or last_status_id > $3)
             order by case when $5 then last_status_id end, last_status_id desc limit $4
           ) page order by last_status_id desc"#,
        account_id,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await
}

/// One of a member's conversations.
pub async fn find(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<Option<Conversation>> {
    sqlx::query_as!(
        Conversation,
        "select id, participant_ids, last_status_id, unread from account_conversations
         where account_id = $1 and id = $2",
        account_id,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Marks a conversation read; false when there is none.
pub async fn mark_read(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "update account_conversations set unread = false where account_id = $1 and id = $2",
        account_id,
        id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Removes a conversation from a member's list; false when there is none.
pub async fn delete(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from account_conversations where account_id = $1 and id = $2",
        account_id,
        id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// The conversations whose latest status is `status_id`, by participant, for `account_ids`.
pub async fn list_by_last_status(
    db: impl PgExecutor<'_>,
    status_id: i64,
    account_ids: &[i64],
) -> sqlx::Result<Vec<(i64, Conversation)>> {
    let rows = sqlx::query!(
        "select account_id, id, participant_ids, last_status_id, unread from account_conversations
         where last_status_id = $1 and account_id = any($2::bigint[])",
        status_id,
        account_ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.account_id,
                Conversation {
                    id: r.id,
                    participant_ids: r.participant_ids,
                    last_status_id: r.last_status_id,
                    unread: r.unread,
                },
            )
        })
        .collect())
}
