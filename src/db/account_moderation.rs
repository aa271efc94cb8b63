//! Account-level sanctions (silence, suspend, sensitive, disabled logins) and the staff's view
//! of an account's standing.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An account as the staff see it: its sanctions and, for a member, the sign-in side.
#[derive(Debug, Clone)]
pub struct Standing {
    pub account_id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: DateTime<Utc>,
    pub silenced_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub sensitized_at: Option<DateTime<Utc>>,
    /// The rest is the member's (`None` for a remote account).
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub role: Option<String>,
    pub approved: Option<bool>,
    pub disabled: Option<bool>,
    pub sign_up_reason: Option<String>,
}

/// The standing of one account.
pub async fn find(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Option<Standing>> {
    sqlx::query_as!(
        Standing,
        r#"select a.id as account_id, a.username, a.domain, a.created_at, a.silenced_at, a.suspended_at,
                  a.sensitized_at, u.id as "user_id?", u.email as "email?", u.locale as "locale?",
                  u.role as "role?", u.approved as "approved?", u.disabled as "disabled?",
                  u.sign_up_reason
           from accounts a left join users u on u.account_id = a.id
           where a.id = $1"#,
        account_id
    )
    .fetch_optional(db)
    .await
}

/// Which accounts a staff listing shows; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `local` or `remote`.
    pub origin: Option<String>,
    /// Exactly this domain (normalized).
    pub domain: Option<String>,
    /// active, pending, disabled, silenced, suspended or sensitized.
    pub status: Option<String>,
    /// Usernames starting with this, case-insensitively.
    pub username: Option<String>,
    /// Display names containing this, case-insensitively.
    pub display_name: Option<String>,
    /// Emails containing this, case-insensitively.
    pub email: Option<String>,
    /// Admins and moderators only.
    pub staff: bool,
}

/// One page of standings, newest account first (`min_id` pages towards newer ones).
pub async fn list(
    db: impl PgExecutor<'_>,
    filter: &Filter,
    max_id: Option<i64>,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Standing>> {
    let mut rows = sqlx::query_as!(
        Standing,
        r#"select a.id as account_id, a.username, a.domain, a.created_at, a.silenced_at, a.suspended_at,
                  a.sensitized_at, u.id as "user_id?", u.email as "email?", u.locale as "locale?",
                  u.role as "role?", u.approved as "approved?", u.disabled as "disabled?",
                  u.sign_up_reason
           from accounts a left join users u on u.account_id = a.id
           where ($1::text is null or ($1 = 'local') = (a.domain is null))
             and ($2::text is null or a.domain = $2)
             and ($3::text is null or case $3
                   when 'active' then a.suspended_at is null and (u.id is null or (u.approved and not u.disabled))
                   when 'pending' then u.id is not null and not u.approved
                   when 'disabled' then coalesce(u.disabled, false)
                   when 'silenced' then a.silenced_at is not null
                   when 'suspended' then a.suspended_at is not null
                   when 'sensitized' then a.sensitized_at is not null
                   else true end)
             and ($4::text is null or starts_with(lower(a.username), lower($4)))
             and ($5::text is null or strpos(lower(a.display_name), lower($5)) > 0)
             and ($6::text is null or strpos(lower(u.email), lower($6)) > 0)
             and (not $7 or u.role in ('admin', 'moderator'))
             and ($8::bigint is null or a.id < $8)
             and ($9::bigint is null or a.id > $9)
           order by case when $9::bigint is null then -a.id else a.id end
           limit $10"#,
        filter.origin,
        filter.domain,
        filter.status,
        filter.username,
        filter.display_name,
        filter.email,
        filter.staff,
        max_id,
        min_id,
        limit,
    )
    .fetch_all(db)
    .await?;
    if min_id.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// Sets or clears `silenced_at` (a time already set is kept).
pub async fn set_silenced(db: impl PgExecutor<'_>, account_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set silenced_at = case when $2 then coalesce(silenced_at, now()) end where id = $1",
        account_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets or clears `suspended_at` (a time already set is kept).
pub async fn set_suspended(db: impl PgExecutor<'_>, account_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set suspended_at = case when $2 then coalesce(suspended_at, now()) end,
                             suspension_origin = case when $2 then 'local' end
         where id = $1",
        account_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Sets or clears `sensitized_at` (a time already set is kept).
pub async fn set_sensitized(db: impl PgExecutor<'_>, account_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update accounts set sensitized_at = case when $2 then coalesce(sensitized_at, now()) end where id = $1",
        account_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Disables or enables the login of a local account's member.
pub async fn set_disabled(db: impl PgExecutor<'_>, account_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "update users set disabled = $2, updated_at = now() where account_id = $1",
        account_id,
        on
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records every follow between a local member and `account_id` under `event_id`; returns the
/// members affected.
pub async fn record_follows_with_account(
    db: impl PgExecutor<'_>,
    event_id: i64,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"with severed as (
               insert into severed_relationships (event_id, account_id, remote_account_id, direction)
               select $1::bigint, f.account_id, f.target_account_id, 'following'
               from follows f join accounts l on l.id = f.account_id and l.domain is null
               where f.target_account_id = $2
               union all
               select $1::bigint, f.target_account_id, f.account_id, 'follower'
               from follows f join accounts l on l.id = f.target_account_id and l.domain is null
               where f.account_id = $2
               on conflict do nothing
               returning account_id)
           select distinct account_id as "account_id!" from severed"#,
        event_id,
        account_id
    )
    .fetch_all(db)
    .await
}

/// Removes the member (sign-in side) of a local account; its tokens and sessions go with it.
pub async fn delete_user(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from users where account_id = $1", account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes an account row altogether (a rejected sign-up).
pub async fn delete_account(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from accounts where id = $1", account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether an account is limited and whether it is suspended, by its domain's rule or its own
/// sanction (a missing account is neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sanctions {
    pub limited: bool,
    pub suspended: bool,
    /// Suspended only by its own server (not by us): it may still update or delete itself.
    pub suspended_by_its_server: bool,
}

/// The account's [`Sanctions`], in one query.
pub async fn sanctions(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Sanctions> {
    let row = sqlx::query!(
        r#"select account_limited($1) as "limited!", account_suspended($1) as "suspended!",
                  exists (select 1 from accounts a where a.id = $1 and not a.domain_suspended
                          and a.suspension_origin = 'remote') as "by_its_server!""#,
        account_id
    )
    .fetch_one(db)
    .await?;
    Ok(Sanctions {
        limited: row.limited,
        suspended: row.suspended,
        suspended_by_its_server: row.by_its_server,
    })
}

/// The standings of these accounts, in no particular order.
pub async fn list_by_ids(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Standing>> {
    sqlx::query_as!(
        Standing,
        r#"select a.id as "account_id!", a.username as "username!", a.domain, a.created_at as "created_at!", a.silenced_at, a.suspended_at,
                  a.sensitized_at, u.id as "user_id?", u.email as "email?", u.locale as "locale?",
                  u.role as "role?", u.approved as "approved?", u.disabled as "disabled?",
                  u.sign_up_reason
           from accounts a left join users u on u.account_id = a.id
           where a.id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await
}

/// Of these accounts, those the staff marked sensitive.
pub async fn list_sensitized(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "select id from accounts where id = any($1) and sensitized_at is not null",
        ids
    )
    .fetch_all(db)
    .await
}
