//! Who a new or edited status reaches live: the timelines' own rules (the SQL functions the
//! home, public, hashtag and list queries are made of), asked once per status for every
//! connected candidate instead of once per viewer for a page.

use sqlx::PgExecutor;

/// Of `viewers`, those whose home timeline holds status `status_id` (the home rule: follows,
/// mutes, replies, boosts, direct mentions, followed hashtags; `home_candidates` and
/// `home_tag_candidates` bounded to the one id).
pub async fn home_viewers(
    db: impl PgExecutor<'_>,
    status_id: i64,
    viewers: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select v.id as "id!" from unnest($2::bigint[]) as v(id)
           where exists (select 1 from home_candidates(v.id, $1::bigint + 1, $1::bigint - 1))
              or exists (select 1 from tag_follows f
                         cross join lateral home_tag_candidates(v.id, f.tag_id, $1::bigint + 1, $1::bigint - 1) c
                         where f.account_id = v.id)"#,
        status_id,
        viewers,
    )
    .fetch_all(db)
    .await
}

/// Of `viewers` (0 standing for an anonymous reader), those the public and hashtag timelines
/// show status `status_id` to: a public original, not a reply to someone else, whose author is
/// neither blocked, muted, domain-blocked by the viewer nor hidden from the public (Limit).
pub async fn public_viewers(
    db: impl PgExecutor<'_>,
    status_id: i64,
    viewers: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select v.id as "id!" from unnest($2::bigint[]) as v(id)
           cross join statuses s
           where s.id = $1 and s.visibility = 'public' and s.reblog_of_id is null
             and (s.in_reply_to_account_id is null or s.in_reply_to_account_id = s.account_id)
             and (v.id = 0 or (not blocked_between(s.account_id, v.id) and not muting(v.id, s.account_id)))
             and not hidden_from_public(s.account_id, nullif(v.id, 0))
             and not domain_blocked_by(nullif(v.id, 0), (select a.domain from accounts a where a.id = s.account_id))"#,
        status_id,
        viewers,
    )
    .fetch_all(db)
    .await
}

/// Of `lists`, those status `status_id` belongs in: its author is on the list and the list's
/// owner may see it (the list timeline's rule).
pub async fn list_matches(db: impl PgExecutor<'_>, status_id: i64, lists: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select l.id as "id!" from lists l cross join statuses s
           where l.id = any($2::bigint[]) and s.id = $1
             and exists (select 1 from list_accounts la where la.list_id = l.id and la.account_id = s.account_id)
             and status_visible_to(s, l.account_id) and not muting(l.account_id, s.account_id)
             and not blocked_between(s.account_id, l.account_id)
             and (s.reblog_of_id is null or exists (select 1 from statuses o where o.id = s.reblog_of_id
                  and status_visible_to(o, l.account_id) and not blocked_between(o.account_id, l.account_id)
                  and not muting(l.account_id, o.account_id)))"#,
        status_id,
        lists,
    )
    .fetch_all(db)
    .await
}

/// Of `viewers`, those who may see status `status_id` at all (for edits and direct messages).
pub async fn visible_to(db: impl PgExecutor<'_>, status_id: i64, viewers: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select v.id as "id!" from unnest($2::bigint[]) as v(id) cross join statuses s
           where s.id = $1 and status_visible_to(s, v.id) and not blocked_between(s.account_id, v.id)"#,
        status_id,
        viewers,
    )
    .fetch_all(db)
    .await
}

/// Of `viewers`, those following `author` (or `author` themselves): whose home a deleted
/// status of theirs may have been in.
pub async fn followers_among(
    db: impl PgExecutor<'_>,
    author: i64,
    viewers: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select v.id as "id!" from unnest($2::bigint[]) as v(id)
           where v.id = $1 or exists (select 1 from follows f where f.account_id = v.id and f.target_account_id = $1)"#,
        author,
        viewers,
    )
    .fetch_all(db)
    .await
}

/// Of the tokens `token_ids`, those still live: unrevoked, their member neither disabled nor
/// suspended (the rule every request's token passes).
pub async fn live_tokens(db: impl PgExecutor<'_>, token_ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select t.id as "id!" from oauth_access_tokens t left join users u on u.id = t.user_id
           left join accounts a on a.id = u.account_id
           where t.id = any($1::bigint[]) and t.revoked_at is null
             and (u.id is null or (not u.disabled and a.suspended_at is null))"#,
        token_ids,
    )
    .fetch_all(db)
    .await
}
