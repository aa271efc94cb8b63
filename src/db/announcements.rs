//! The `announcements` table: notices from the staff.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// An announcement with whether this member dismissed it.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub id: i64,
    pub text: String,
    pub all_day: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub read: bool,
}

/// Published announcements in force now, newest first, as `user_id` (none: nobody in
/// particular) sees them; only announcement `only` when given.
async fn in_force(
    db: impl PgExecutor<'_>,
    user_id: Option<i64>,
    only: Option<i64>,
) -> sqlx::Result<Vec<Announcement>> {
    sqlx::query_as!(
        Announcement,
        r#"select a.id, a.text, a.all_day, a.starts_at, a.ends_at,
                  coalesce(a.published_at, a.created_at) as "published_at!", a.updated_at,
                  exists(select 1 from announcement_dismissals d
                         where d.announcement_id = a.id and d.user_id = $1) as "read!"
           from announcements a
           where a.published and (a.starts_at is null or a.starts_at <= now())
             and (a.ends_at is null or a.ends_at > now())
             and ($2::bigint is null or a.id = $2)
           order by a.id desc"#,
        user_id,
        only,
    )
    .fetch_all(db)
    .await
}

/// Published announcements in force now, newest first.
pub async fn list_active(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<Announcement>> {
    in_force(db, Some(user_id), None).await
}

/// A published announcement in force now, as `user_id` (none: nobody in particular) sees it.
pub async fn find_active(
    db: impl PgExecutor<'_>,
    id: i64,
    user_id: Option<i64>,
) -> sqlx::Result<Option<Announcement>> {
    Ok(in_force(db, user_id, Some(id)).await?.into_iter().next())
}

/// An announcement as the staff manage it.
#[derive(Debug, Clone)]
pub struct Managed {
    pub id: i64,
    pub text: String,
    pub published: bool,
    pub all_day: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Every announcement, newest first (the admin page).
pub async fn list_all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Managed>> {
    sqlx::query_as!(
        Managed,
        "select id, text, published, all_day, starts_at, ends_at, created_at
         from announcements order by id desc"
    )
    .fetch_all(db)
    .await
}

/// What the staff write.
#[derive(Debug, Clone)]
pub struct Draft {
    pub text: String,
    pub all_day: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub published: bool,
}

/// Stores a new announcement; returns its id. A published one is told to streaming clients.
pub async fn insert(db: &mut sqlx::PgConnection, draft: &Draft) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "insert into announcements (text, all_day, starts_at, ends_at, published, published_at)
         values ($1, $2, $3, $4, $5, case when $5 then now() end) returning id",
        draft.text,
        draft.all_day,
        draft.starts_at,
        draft.ends_at,
        draft.published,
    )
    .fetch_one(&mut *db)
    .await?;
    if draft.published {
        crate::db::cache_events::record(&mut *db, b'A', id, None).await?;
    }
    Ok(id)
}

/// Publishes or withdraws announcement `id`; false when there is none.
pub async fn set_published(db: &mut sqlx::PgConnection, id: i64, published: bool) -> sqlx::Result<bool> {
    let changed = sqlx::query!(
        "update announcements set published = $2, updated_at = now(),
             published_at = case when $2 and not published then now() else published_at end
         where id = $1",
        id,
        published,
    )
    .execute(&mut *db)
    .await?
    .rows_affected()
        > 0;
    if changed {
        crate::db::cache_events::record(&mut *db, if published { b'A' } else { b'X' }, id, None).await?;
    }
    Ok(changed)
}

/// Deletes announcement `id` (its dismissals and reactions with it); false when there is none.
pub async fn delete(db: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<bool> {
    let deleted = sqlx::query!("delete from announcements where id = $1", id)
        .execute(&mut *db)
        .await?
        .rows_affected()
        > 0;
    if deleted {
        crate::db::cache_events::record(&mut *db, b'X', id, None).await?;
    }
    Ok(deleted)
}

/// Marks announcement `id` read for `user_id`.
pub async fn dismiss(db: impl PgExecutor<'_>, id: i64, user_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into announcement_dismissals (announcement_id, user_id) values ($1, $2)
         on conflict do nothing",
        id,
        user_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds or removes `user_id`'s reaction `name` on announcement `id`; a change is told to
/// streaming clients.
pub async fn set_reaction(
    db: &mut sqlx::PgConnection,
    id: i64,
    user_id: i64,
    name: &str,
    reacting: bool,
) -> sqlx::Result<()> {
    let changed = if reacting {
        sqlx::query!(
            "insert into announcement_reactions (announcement_id, user_id, name) values ($1, $2, $3)
             on conflict do nothing",
            id,
            user_id,
            name,
        )
        .execute(&mut *db)
        .await?
    } else {
        sqlx::query!(
            "delete from announcement_reactions where announcement_id = $1 and user_id = $2 and name = $3",
            id,
            user_id,
            name,
        )
        .execute(&mut *db)
        .await?
    }
    .rows_affected()
        > 0;
    if changed {
        crate::db::cache_events::record(&mut *db, b'R', id, Some(name)).await?;
    }
    Ok(())
}

/// How many different reactions `user_id` has on announcement `id` (Mastodon allows a few).
pub async fn count_own_reactions(db: impl PgExecutor<'_>, id: i64, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from announcement_reactions where announcement_id = $1 and user_id = $2"#,
        id,
        user_id,
    )
    .fetch_one(db)
    .await
}

/// One emoji's reactions on an announcement.
#[derive(Debug, Clone)]
pub struct Reaction {
    pub announcement_id: i64,
    pub name: String,
    pub count: i64,
    /// Whether the viewer is among those who reacted.
    pub me: bool,
}

/// The reactions on `ids`, each emoji once, in the order first used; `me` for `user_id`.
pub async fn list_reactions(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    user_id: Option<i64>,
) -> sqlx::Result<Vec<Reaction>> {
    sqlx::query_as!(
        Reaction,
        r#"select announcement_id, name, count(*) as "count!", bool_or(user_id = $2) as "me!"
           from announcement_reactions where announcement_id = any($1::bigint[])
           group by announcement_id, name order by announcement_id, min(created_at), name"#,
        ids,
        user_id,
    )
    .fetch_all(db)
    .await
}

/// How many reacted to announcement `id` with `name`.
pub async fn count_reaction(db: impl PgExecutor<'_>, id: i64, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"select count(*) as "count!" from announcement_reactions where announcement_id = $1 and name = $2"#,
        id,
        name,
    )
    .fetch_one(db)
    .await
}
