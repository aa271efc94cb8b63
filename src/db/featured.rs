//! Featured hashtags and endorsed accounts on profiles.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A featured tag with its use by the account.
#[derive(Debug, Clone)]
pub struct FeaturedTag {
    pub id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

/// An account's featured tags, oldest first, counting its public statuses with each.
pub async fn list_tags(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<FeaturedTag>> {
    sqlx::query_as!(
        FeaturedTag,
        r#"select f.id, t.name,
                  (select count(*) from statuses s join status_tags st on st.status_id = s.id
                   where s.account_id = f.account_id and st.tag_id = f.tag_id
                     and s.visibility in ('public', 'unlisted')) as "statuses_count!",
                  (select max(s.created_at) from statuses s join status_tags st on st.status_id = s.id
                   where s.account_id = f.account_id and st.tag_id = f.tag_id
                     and s.visibility in ('public', 'unlisted')) as last_status_at
           from featured_tags f join tags t on t.id = f.tag_id
           where f.account_id = $1 order by f.id"#,
        account_id
    )
    .fetch_all(db)
    .await
}

/// Features tag `tag_id`; returns the featured tag's id, or none at `max`.
pub async fn insert_tag(
    db: impl PgExecutor<'_>,
    account_id: i64,
    tag_id: i64,
    max: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into featured_tags (account_id, tag_id)
         select $1, $2 where (select count(*) from featured_tags where account_id = $1) < $3
         on conflict (account_id, tag_id) do update set account_id = excluded.account_id
         returning id",
        account_id,
        tag_id,
        max
    )
    .fetch_optional(db)
    .await
}

/// Stops featuring a tag; false when it was not featured.
pub async fn delete_tag(db: impl PgExecutor<'_>, account_id: i64, id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "delete from featured_tags where id = $1 and account_id = $2",
        id,
        account_id
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Tags the account used most in its recent statuses, not featured yet.
pub async fn list_tag_suggestions(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select t.name as "name!" from statuses s join status_tags st on st.status_id = s.id join tags t on t.id = st.tag_id
           where s.account_id = $1
             and not exists (select 1 from featured_tags f where f.account_id = $1 and f.tag_id = t.id)
           group by t.name order by count(*) desc, t.name limit 10"#,
        account_id
    )
    .fetch_all(db)
    .await
}

/// Endorses (or stops endorsing) an account.
pub async fn set_endorsement(
    db: impl PgExecutor<'_>,
    account_id: i64,
    target: i64,
    on: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        "with gone as (delete from endorsements where account_id = $1 and target_account_id = $2 and not $3)
         insert into endorsements (account_id, target_account_id) select $1, $2 where $3 on conflict do nothing",
        account_id,
        target,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Accounts an account endorses, oldest first.
pub async fn list_endorsed(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select target_account_id from endorsements where account_id = $1 order by created_at",
        account_id
    )
    .fetch_all(db)
    .await
}
