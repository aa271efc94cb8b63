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

/// Published announcements in force now, newest first.
pub async fn list_active(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<Announcement>> {
    sqlx::query_as!(
        Announcement,
        r#"select a.id, a.text, a.all_day, a.starts_at, a.ends_at,
                  coalesce(a.published_at, a.created_at) as "published_at!", a.updated_at,
                  exists(select 1 from announcement_dismissals d
                         where d.announcement_id = a.id and d.user_id = $1) as "read!"
           from announcements a
           where a.published and (a.starts_at is null or a.starts_at <= now())
             and (a.ends_at is null or a.ends_at > now())
           order by a.id desc"#,
        user_id,
    )
    .fetch_all(db)
    .await
}
