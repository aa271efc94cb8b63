//! Timeline queries: home, public, hashtag, account, bookmarks, favourites. Each applies the
//! visibility rules, blocks and mutes, pages by id (newest first, or the page just above
//! `min_id`), and returns status ids in order.

use sqlx::PgExecutor;

pub use super::paging::Page;

fn ordered(mut ids: Vec<i64>, page: &Page) -> Vec<i64> {
    if page.min_id.is_some() {
        ids.reverse();
    }
    ids
}

/// Home: the member's own statuses and those of accounts they follow (boosts unless turned off,
/// replies only to people they follow), minus muted accounts, and public statuses carrying a
/// hashtag they follow (migration 0034). The query is SQL function
/// `home_timeline` (migration 0025), planned once per connection rather than per request.
pub async fn home(db: impl PgExecutor<'_>, viewer: i64, page: &Page) -> sqlx::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"select id as "id!" from home_timeline($1, $2, $3, $4, $5) as id"#,
        viewer,
        page.max_id,
        page.min_id.or(page.since_id),
        page.limit,
        page.min_id.is_some(),
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(ids, page))
}

/// What the home timeline cache keeps of a member: the newest `length` ids of their home
/// (newest first), whose statuses can enter it (themselves and whom they follow), which tags'
/// statuses can (those they follow), and when the first of their timed mutes ends (the cached
/// timeline holds only until then).
#[derive(Debug, Clone)]
pub struct HomeHead {
    pub ids: Vec<i64>,
    pub authors: Vec<i64>,
    pub tags: Vec<i64>,
    pub mutes_change_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The head of `viewer`'s home timeline, for the cache (see [`HomeHead`]).
pub async fn home_head(db: impl PgExecutor<'_>, viewer: i64, length: i64) -> sqlx::Result<HomeHead> {
    let row = sqlx::query!(
        r#"select array(select id from home_timeline($1, null, null, $2, false) as id) as "ids!",
                  array(select f.target_account_id from follows f where f.account_id = $1) as "authors!",
                  array(select f.tag_id from tag_follows f where f.account_id = $1) as "tags!",
                  (select min(u.expires_at) from mutes u where u.account_id = $1 and u.expires_at > now())
                      as mutes_change_at"#,
        viewer,
        length,
    )
    .fetch_one(db)
    .await?;
    let mut authors = row.authors;
    authors.push(viewer);
    Ok(HomeHead {
        ids: row.ids,
        authors,
        tags: row.tags,
        mutes_change_at: row.mutes_change_at,
    })
}

/// Which public statuses: all, this server's, or other servers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Local,
    Remote,
}

/// Public: public original statuses (no boosts; replies only within a thread's own author),
/// only those with media when `only_media`.
pub async fn public(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    scope: Scope,
    only_media: bool,
    page: &Page,
) -> sqlx::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"select s.id from statuses s
           where s.visibility = 'public' and s.reblog_of_id is null
             and (s.in_reply_to_account_id is null or s.in_reply_to_account_id = s.account_id)
             and ($1 <> 'local' or s.local) and ($1 <> 'remote' or not s.local)
             and ($2::bigint is null or (not blocked_between(s.account_id, $2) and not muting($2, s.account_id)))
             and not hidden_from_public(s.account_id, $2)
             and not domain_blocked_by($2, (select a.domain from accounts a where a.id = s.account_id))
             and ($3::bigint is null or s.id < $3)
             and (coalesce($5::bigint, $4::bigint) is null or s.id > coalesce($5::bigint, $4::bigint))
             and (not $7 or exists (select 1 from media_attachments m where m.status_id = s.id))
           order by case when $5::bigint is null then -s.id else s.id end
           limit $6"#,
        match scope {
            Scope::All => "all",
            Scope::Local => "local",
            Scope::Remote => "remote",
        },
        viewer,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit,
        only_media,
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(ids, page))
}

/// Hashtag: public statuses tagged with any of `any` (and all of `all`, none of `none`), only
/// those with media when `only_media`.
#[allow(clippy::too_many_arguments)]
pub async fn hashtag(
    db: impl PgExecutor<'_>,
    viewer: Option<i64>,
    any: &[String],
    all: &[String],
    none: &[String],
    scope: Scope,
    only_media: bool,
    page: &Page,
) -> sqlx::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"select s.id from statuses s
           where s.visibility = 'public' and s.reblog_of_id is null
             and exists (select 1 from status_tags st join tags t on t.id = st.tag_id
                         where st.status_id = s.id and lower(t.name) = any(select lower(x) from unnest($1::text[]) x))
             and not exists (select 1 from unnest($2::text[]) want where not exists (
                         select 1 from status_tags st join tags t on t.id = st.tag_id
                         where st.status_id = s.id and lower(t.name) = lower(want)))
             and not exists (select 1 from status_tags st join tags t on t.id = st.tag_id
                         where st.status_id = s.id and lower(t.name) = any(select lower(x) from unnest($3::text[]) x))
             and ($4 <> 'local' or s.local) and ($4 <> 'remote' or not s.local)
             and ($5::bigint is null or (not blocked_between(s.account_id, $5) and not muting($5, s.account_id)))
             and not hidden_from_public(s.account_id, $5)
             and not domain_blocked_by($5, (select a.domain from accounts a where a.id = s.account_id))
             and ($6::bigint is null or s.id < $6)
             and (coalesce($8::bigint, $7::bigint) is null or s.id > coalesce($8::bigint, $7::bigint))
             and (not $10 or exists (select 1 from media_attachments m where m.status_id = s.id))
           order by case when $8::bigint is null then -s.id else s.id end
           limit $9"#,
        any,
        all,
        none,
        match scope {
            Scope::All => "all",
            Scope::Local => "local",
            Scope::Remote => "remote",
        },
        viewer,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit,
        only_media,
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(ids, page))
}

/// What an account timeline leaves out or keeps.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub pinned: bool,
    pub tagged: Option<String>,
    /// Only statuses with media attachments (so no boosts).
    pub only_media: bool,
}

/// An account's statuses that `viewer` may see.
pub async fn account(
    db: impl PgExecutor<'_>,
    account_id: i64,
    viewer: Option<i64>,
    filter: &AccountFilter,
    page: &Page,
) -> sqlx::Result<Vec<i64>> {
    let ids = sqlx::query_scalar!(
        r#"select s.id from statuses s
           where s.account_id = $1 and status_visible_to(s, $2)
             and ($2::bigint is null or not blocked_between(s.account_id, $2))
             and (s.reblog_of_id is null or exists (
                  select 1 from statuses o where o.id = s.reblog_of_id and status_visible_to(o, $2)
                    and ($2::bigint is null or not blocked_between(o.account_id, $2))))
             and (not $3 or s.in_reply_to_id is null or s.in_reply_to_account_id = s.account_id)
             and (not $4 or s.reblog_of_id is null)
             and (not $5 or exists (select 1 from status_pins p where p.status_id = s.id and p.account_id = $1))
             and ($6::text is null or exists (select 1 from status_tags st join tags t on t.id = st.tag_id
                                              where st.status_id = s.id and lower(t.name) = lower($6)))
             and ($7::bigint is null or s.id < $7)
             and (coalesce($9::bigint, $8::bigint) is null or s.id > coalesce($9::bigint, $8::bigint))
             and (not $11 or exists (select 1 from media_attachments m where m.status_id = s.id))
           order by case when $9::bigint is null then -s.id else s.id end
           limit $10"#,
        account_id,
        viewer,
        filter.exclude_replies,
        filter.exclude_reblogs,
        filter.pinned,
        filter.tagged,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit,
        filter.only_media,
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(ids, page))
}

/// A member's bookmarks or favourites, as (bookmark or favourite id, status id), newest first.
pub async fn marked(
    db: impl PgExecutor<'_>,
    viewer: i64,
    favourites: bool,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"select m.id as "id!", m.status_id as "status_id!" from (
               select id, status_id from bookmarks where account_id = $1 and not $2
               union all
               select id, status_id from favourites where account_id = $1 and $2
           ) m join statuses s on s.id = m.status_id
           where status_visible_to(s, $1) and not blocked_between(s.account_id, $1)
             and ($3::bigint is null or m.id < $3)
             and (coalesce($5::bigint, $4::bigint) is null or m.id > coalesce($5::bigint, $4::bigint))
           order by case when $5::bigint is null then -m.id else m.id end
           limit $6"#,
        viewer,
        favourites,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit,
    )
    .fetch_all(db)
    .await?;
    let mut pairs: Vec<(i64, i64)> = rows.into_iter().map(|r| (r.id, r.status_id)).collect();
    if page.min_id.is_some() {
        pairs.reverse();
    }
    Ok(pairs)
}

/// Accounts that favourited or boosted a status, newest first, as (paging id, account id).
pub async fn interactors(
    db: impl PgExecutor<'_>,
    status_id: i64,
    reblogs: bool,
    viewer: Option<i64>,
    page: &Page,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query!(
        r#"select id as "id!", account_id as "account_id!" from (
             select m.id, m.account_id from (
                 select id, account_id from favourites where status_id = $1 and not $2
                 union all
                 select id, account_id from statuses where reblog_of_id = $1 and $2
             ) m
             where ($3::bigint is null or not blocked_between(m.account_id, $3))
               and ($4::bigint is null or m.id < $4) and ($5::bigint is null or m.id > $5)
             order by case when $7 then m.id end, m.id desc limit $6
           ) page order by id desc"#,
        status_id,
        reblogs,
        viewer,
        page.max_id,
        page.lower(),
        page.limit,
        page.upward(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.account_id)).collect())
}

/// A list's timeline: statuses of the list's accounts, as home shows them. `None` when the list
/// is not the viewer's.
pub async fn list(
    db: &sqlx::PgPool,
    viewer: i64,
    list_id: i64,
    page: &Page,
) -> sqlx::Result<Option<Vec<i64>>> {
    let owned = sqlx::query_scalar!(
        "select exists(select 1 from lists where id = $1 and account_id = $2)",
        list_id,
        viewer
    )
    .fetch_one(db)
    .await?
    .unwrap_or(false);
    if !owned {
        return Ok(None);
    }
    let ids = sqlx::query_scalar!(
        r#"select s.id from statuses s
           where s.account_id in (select account_id from list_accounts where list_id = $2)
             and status_visible_to(s, $1) and not muting($1, s.account_id)
             and not blocked_between(s.account_id, $1)
             and (s.reblog_of_id is null or exists (select 1 from statuses o where o.id = s.reblog_of_id
                  and status_visible_to(o, $1) and not blocked_between(o.account_id, $1)
                  and not muting($1, o.account_id)))
             and ($3::bigint is null or s.id < $3)
             and (coalesce($5::bigint, $4::bigint) is null or s.id > coalesce($5::bigint, $4::bigint))
           order by case when $5::bigint is null then -s.id else s.id end
           limit $6"#,
        viewer,
        list_id,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit,
    )
    .fetch_all(db)
    .await?;
    Ok(Some(ordered(ids, page)))
}
