//! The `polls` and `poll_votes` tables.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A poll row with its tallies.
#[derive(Debug, Clone)]
pub struct Poll {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub options: Vec<String>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// Votes per option, in option order (a remote poll's own counts when it publishes them).
    pub tallies: Vec<i64>,
    pub voters_count: i64,
}

/// What a new poll is made of.
#[derive(Debug)]
pub struct NewPoll<'a> {
    pub status_id: i64,
    pub account_id: i64,
    pub options: &'a [String],
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: DateTime<Utc>,
}

/// Inserts a poll and returns its id.
pub async fn insert(db: impl PgExecutor<'_>, new: &NewPoll<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "insert into polls (status_id, account_id, options, multiple, hide_totals, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning id",
        new.status_id,
        new.account_id,
        new.options,
        new.multiple,
        new.hide_totals,
        new.expires_at,
    )
    .fetch_one(db)
    .await
}

/// The polls of these statuses, with tallies.
pub async fn list_by_status_ids(db: impl PgExecutor<'_>, status_ids: &[i64]) -> sqlx::Result<Vec<Poll>> {
    sqlx::query_as!(
        Poll,
        r#"select p.id, p.status_id, p.account_id, p.options, p.multiple, p.hide_totals, p.expires_at,
                  array(select coalesce(p.remote_votes[i]::bigint, count(v.id)) from generate_subscripts(p.options, 1) i
                        left join poll_votes v on v.poll_id = p.id and v.choice = i - 1
                        group by i order by i) as "tallies!",
                  coalesce(p.remote_voters_count::bigint,
                           (select count(distinct account_id) from poll_votes v where v.poll_id = p.id)) as "voters_count!"
           from polls p where p.status_id = any($1)"#,
        status_ids
    )
    .fetch_all(db)
    .await
}

/// The poll of one status, if it has one.
pub async fn find_by_status(db: impl PgExecutor<'_>, status_id: i64) -> sqlx::Result<Option<Poll>> {
    Ok(list_by_status_ids(db, &[status_id]).await?.into_iter().next())
}

/// The poll with this id.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Poll>> {
    sqlx::query_as!(
        Poll,
        r#"select p.id, p.status_id, p.account_id, p.options, p.multiple, p.hide_totals, p.expires_at,
                  array(select coalesce(p.remote_votes[i]::bigint, count(v.id)) from generate_subscripts(p.options, 1) i
                        left join poll_votes v on v.poll_id = p.id and v.choice = i - 1
                        group by i order by i) as "tallies!",
                  coalesce(p.remote_voters_count::bigint,
                           (select count(distinct account_id) from poll_votes v where v.poll_id = p.id)) as "voters_count!"
           from polls p where p.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// The choices `account_id` made in these polls, as (poll id, choice).
pub async fn list_own_votes(
    db: impl PgExecutor<'_>,
    account_id: i64,
    poll_ids: &[i64],
) -> sqlx::Result<Vec<(i64, i32)>> {
    let rows = sqlx::query!(
        "select poll_id, choice from poll_votes where account_id = $1 and poll_id = any($2) order by choice",
        account_id,
        poll_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.poll_id, r.choice)).collect())
}

/// Records votes; false when the account had voted already (nothing is recorded then).
pub async fn insert_votes(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    account_id: i64,
    choices: &[i32],
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "insert into poll_votes (poll_id, account_id, choice)
         select $1, $2, unnest($3::int[])
         where not exists (select 1 from poll_votes where poll_id = $1 and account_id = $2)",
        poll_id,
        account_id,
        choices
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Adds one choice to an account's votes in a multiple-choice poll (a remote voter sends one
/// choice at a time); false when that choice was recorded already.
pub async fn insert_choice(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    account_id: i64,
    choice: i32,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "insert into poll_votes (poll_id, account_id, choice) values ($1, $2, $3) on conflict do nothing",
        poll_id,
        account_id,
        choice
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Local accounts that voted in a poll.
pub async fn list_local_voters(db: impl PgExecutor<'_>, poll_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select distinct v.account_id as "account_id!" from poll_votes v join accounts a on a.id = v.account_id
           where v.poll_id = $1 and a.domain is null"#,
        poll_id
    )
    .fetch_all(db)
    .await
}

/// The remote accounts that voted in a poll.
pub async fn list_remote_voters(db: impl PgExecutor<'_>, poll_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"select distinct v.account_id as "account_id!" from poll_votes v join accounts a on a.id = v.account_id
           where v.poll_id = $1 and a.domain is not null"#,
        poll_id
    )
    .fetch_all(db)
    .await
}

/// Locks a poll's row until the transaction ends, so that one member's votes are recorded once.
pub async fn lock(db: impl PgExecutor<'_>, poll_id: i64) -> sqlx::Result<()> {
    sqlx::query!("select id from polls where id = $1 for update", poll_id)
        .fetch_optional(db)
        .await?;
    Ok(())
}

/// Records the counts a remote poll publishes.
pub async fn set_remote_counts(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    votes: &[i32],
    voters_count: Option<i32>,
    uri: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update polls set remote_votes = $2, remote_voters_count = $3, uri = $4 where id = $1",
        poll_id,
        votes,
        voters_count,
        uri
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives a poll other options (an edit by its author): the votes cast for the old ones go with
/// them, as they chose among options that no longer stand.
pub async fn replace_options(
    db: &mut PgConnection,
    poll_id: i64,
    options: &[String],
    multiple: bool,
) -> sqlx::Result<()> {
    sqlx::query!("delete from poll_votes where poll_id = $1", poll_id)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "update polls set options = $2, multiple = $3 where id = $1",
        poll_id,
        options,
        multiple
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Moves the end of a poll.
pub async fn set_expires_at(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "update polls set expires_at = $2 where id = $1",
        poll_id,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An account's votes in a poll: each vote's id and choice, in choice order.
pub async fn list_vote_refs(
    db: impl PgExecutor<'_>,
    poll_id: i64,
    account_id: i64,
) -> sqlx::Result<Vec<(i64, i32)>> {
    Ok(sqlx::query!(
        "select id, choice from poll_votes where poll_id = $1 and account_id = $2 order by choice",
        poll_id,
        account_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.choice))
    .collect())
}

/// Removes a poll with its votes (its status was edited into one without a poll).
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query!("delete from polls where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}
