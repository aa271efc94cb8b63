//! What a member's CSV exports read: follows, lists, mutes, blocks, domain blocks, bookmarks.
//! Accounts come as `username@domain` (ours with `local_domain`).

use sqlx::PgExecutor;

/// A followed account with the follow's options.
#[derive(Debug, Clone)]
pub struct FollowRow {
    pub target_id: i64,
    pub handle: String,
    pub show_reblogs: bool,
    pub notify: bool,
    pub languages: Option<Vec<String>>,
}

/// The accounts a member follows, oldest follow first.
pub async fn follows(
    db: impl PgExecutor<'_>,
    account_id: i64,
    local_domain: &str,
) -> sqlx::Result<Vec<FollowRow>> {
    sqlx::query_as!(
        FollowRow,
        r#"select a.id as target_id, a.username || '@' || coalesce(a.domain, $2) as "handle!", f.show_reblogs,
                  f.notify, f.languages
           from follows f join accounts a on a.id = f.target_account_id
           where f.account_id = $1 order by f.id"#,
        account_id,
        local_domain,
    )
    .fetch_all(db)
    .await
}

/// An account on a list.
#[derive(Debug, Clone)]
pub struct ListMember {
    pub list_id: i64,
    pub title: String,
    pub target_id: i64,
    pub handle: String,
}

/// Each list's title and the handles on it.
pub async fn list_members(
    db: impl PgExecutor<'_>,
    account_id: i64,
    local_domain: &str,
) -> sqlx::Result<Vec<ListMember>> {
    sqlx::query_as!(
        ListMember,
        r#"select l.id as list_id, l.title, a.id as target_id, a.username || '@' || coalesce(a.domain, $2) as "handle!"
           from lists l join list_accounts la on la.list_id = l.id join accounts a on a.id = la.account_id
           where l.account_id = $1 order by l.id, a.id"#,
        account_id,
        local_domain,
    )
    .fetch_all(db)
    .await
}

/// An account muted or blocked.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub target_id: i64,
    pub handle: String,
    /// Mutes: whether notifications are hidden too.
    pub hide_notifications: bool,
}

/// Muted accounts and whether their notifications are hidden (lapsed mutes left out).
pub async fn mutes(
    db: impl PgExecutor<'_>,
    account_id: i64,
    local_domain: &str,
) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as!(
        AccountRow,
        r#"select a.id as target_id, a.username || '@' || coalesce(a.domain, $2) as "handle!", m.hide_notifications
           from mutes m join accounts a on a.id = m.target_account_id
           where m.account_id = $1 and (m.expires_at is null or m.expires_at > now()) order by m.id"#,
        account_id,
        local_domain,
    )
    .fetch_all(db)
    .await
}

/// Blocked accounts.
pub async fn blocks(
    db: impl PgExecutor<'_>,
    account_id: i64,
    local_domain: &str,
) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as!(
        AccountRow,
        r#"select a.id as target_id, a.username || '@' || coalesce(a.domain, $2) as "handle!",
                  false as "hide_notifications!"
           from blocks b join accounts a on a.id = b.target_account_id
           where b.account_id = $1 order by b.id"#,
        account_id,
        local_domain,
    )
    .fetch_all(db)
    .await
}

/// Domains the member blocked.
pub async fn domain_blocks(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "select domain from account_domain_blocks where account_id = $1 order by id",
        account_id
    )
    .fetch_all(db)
    .await
}

/// A bookmarked status: its URI when remote, its id and author when ours.
#[derive(Debug, Clone)]
pub struct BookmarkRow {
    pub status_id: i64,
    pub uri: Option<String>,
    pub username: String,
    pub local: bool,
}

/// Bookmarked statuses, oldest bookmark first.
pub async fn bookmarks(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<BookmarkRow>> {
    sqlx::query_as!(
        BookmarkRow,
        r#"select s.id as status_id, s.uri, a.username, a.domain is null as "local!"
           from bookmarks b join statuses s on s.id = b.status_id join accounts a on a.id = s.account_id
           where b.account_id = $1 order by b.id"#,
        account_id
    )
    .fetch_all(db)
    .await
}
