//! Search queries: accounts by handle and name, hashtags by prefix, statuses by full text.

use sqlx::PgExecutor;

/// An account query, already split into its parts.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// The handle's username part, lower case (`bob` of `@bob@remote.test`).
    pub username: String,
    /// The handle's domain, lower case, when one other than ours was typed: an exact match
    /// must have it, and handle matches must start with it.
    pub domain: Option<String>,
    /// Our own domain was typed (`bob@our.domain`): local accounts only.
    pub local_only: bool,
    /// The words matched by prefix against display names, usernames and domains.
    pub terms: String,
}

/// Who searches and how many results they want.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub viewer: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// `text` made literal for `like`: its `\`, `%` and `_` escaped.
fn like_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Accounts matching `query`: the exact handle first, then accounts the viewer follows, then
/// handles starting with the query, then the best name matches. Accounts blocking or blocked
/// by the viewer and local accounts awaiting approval are left out; with `following`, only
/// accounts the viewer follows are kept.
pub async fn list_accounts(
    db: impl PgExecutor<'_>,
    query: &AccountQuery,
    following: bool,
    window: Window,
) -> sqlx::Result<Vec<i64>> {
    let prefix = format!("{}%", like_literal(&query.username));
    let domain_prefix = query.domain.as_deref().map(|d| format!("{}%", like_literal(d)));
    sqlx::query_scalar!(
        r#"select a.id from accounts a
           where ((lower(a.username) like $2 and ($4::text is null or lower(a.domain) like $4))
                  or account_search_vector(a.display_name, a.username, a.domain)
                     @@ (select prefix_tsquery($5)))
             and (not $6 or a.domain is null)
             and not exists (select 1 from users u where u.account_id = a.id and not u.approved)
             and ($7::bigint is null or not blocked_between(a.id, $7))
             -- Limited accounts are found by exact handle only (or by those who follow them).
             and (not hidden_from_public(a.id, $7)
                  or (not account_suspended(a.id) and $3::text is not null
                      and lower(a.username) = $1 and lower(a.domain) = $3))
             and (not $8 or exists (select 1 from follows f where f.account_id = $7 and f.target_account_id = a.id))
           order by lower(a.username) = $1 and coalesce(lower(a.domain), '') = coalesce($3::text, '') desc,
                    exists (select 1 from follows f where f.account_id = $7 and f.target_account_id = a.id) desc,
                    lower(a.username) like $2 desc,
                    ts_rank(account_search_vector(a.display_name, a.username, a.domain),
                            (select prefix_tsquery($5))) desc nulls last,
                    a.id
           limit $9 offset $10"#,
        query.username,
        prefix,
        query.domain,
        domain_prefix,
        query.terms,
        query.local_only,
        window.viewer,
        following && window.viewer.is_some(),
        window.limit,
        window.offset,
    )
    .fetch_all(db)
    .await
}

/// A hashtag found by a search.
#[derive(Debug, Clone)]
pub struct TagHit {
    pub id: i64,
    pub name: String,
    /// Whether the viewer follows it (false for anonymous searches).
    pub following: bool,
}

/// Hashtags whose name starts with `prefix` (lower case, without `#`), shortest first, so an
/// exact match leads.
pub async fn list_tags(db: impl PgExecutor<'_>, prefix: &str, window: Window) -> sqlx::Result<Vec<TagHit>> {
    sqlx::query_as!(
        TagHit,
        r#"select t.id, t.name,
                  exists (select 1 from tag_follows f where f.tag_id = t.id and f.account_id = $2) as "following!"
           from tags t
           where lower(t.name) like $1
           order by length(t.name), lower(t.name)
           limit $3 offset $4"#,
        format!("{}%", like_literal(prefix)),
        window.viewer,
        window.limit,
        window.offset,
    )
    .fetch_all(db)
    .await
}

/// What a status search is limited to.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusFilter {
    /// Statuses by this account only.
    pub account_id: Option<i64>,
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
}

/// Statuses whose text matches `query` (web search syntax: words, `"phrases"`, `or`, `-word`),
/// newest first. Only originals (no boosts) the viewer may see, from nobody they block, are
/// blocked by or mute, and, as in Mastodon, only those the author let be found: their own, ones
/// that mention them or that they favourited, bookmarked, boosted or voted in, and public
/// statuses of accounts that opted in to search (`indexable`).
pub async fn list_statuses(
    db: impl PgExecutor<'_>,
    query: &str,
    viewer: i64,
    filter: StatusFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select s.id from statuses s join accounts author on author.id = s.account_id
           where s.reblog_of_id is null
             and status_search_vector(s.local, s.text, s.content, s.spoiler_text)
                 @@ (select websearch_to_tsquery('simple', $1))
             and status_visible_to(s, $2)
             and not hidden_from_public(s.account_id, $2)
             and (s.account_id = $2 or (not blocked_between(s.account_id, $2) and not muting($2, s.account_id)))
             and (s.account_id = $2
                  or (s.visibility = 'public' and author.indexable)
                  or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = $2)
                  or exists (select 1 from favourites f where f.status_id = s.id and f.account_id = $2)
                  or exists (select 1 from bookmarks b where b.status_id = s.id and b.account_id = $2)
                  or exists (select 1 from statuses r where r.reblog_of_id = s.id and r.account_id = $2)
                  or exists (select 1 from polls p join poll_votes v on v.poll_id = p.id
                             where p.status_id = s.id and v.account_id = $2))
             and ($3::bigint is null or s.account_id = $3)
             and ($4::bigint is null or s.id < $4)
             and ($5::bigint is null or s.id > $5)
           order by s.id desc
           limit $6 offset $7"#,
        query,
        viewer,
        filter.account_id,
        filter.max_id,
        filter.min_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(like_literal(r"a_b%c\d"), r"a\_b\%c\\d");
        assert_eq!(like_literal("alice"), "alice");
    }
}
