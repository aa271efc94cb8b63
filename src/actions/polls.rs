//! Voting in polls, and telling voters and the author when a poll ends.

use chrono::Utc;
use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

/// Votes in a poll of a status the voter may see: once, before it ends, with valid choices.
/// A vote in a remote poll is sent to its author.
pub async fn vote(pool: &PgPool, base_url: &str, voter: i64, poll_id: i64, choices: &[i32]) -> AppResult<()> {
    let (poll, status) = open_poll(pool, voter, poll_id).await?;
    cast(pool, Some(base_url), &poll, status.local, voter, choices).await
}

/// Records a voter's choices in an open poll, once; with a `base_url` (a member's vote) it is
/// sent to a remote poll's author.
async fn cast(
    pool: &PgPool,
    base_url: Option<&str>,
    poll: &db::polls::Poll,
    local_poll: bool,
    voter: i64,
    choices: &[i32],
) -> AppResult<()> {
    let mut choices = choices.to_vec();
    choices.sort_unstable();
    choices.dedup();
    if choices.is_empty() {
        return Err(invalid("Choices can't be blank"));
    }
    if !poll.multiple && choices.len() > 1 {
        return Err(invalid("This poll allows one choice only"));
    }
    check_choices(poll, &choices)?;
    // Racing votes of one member (two single choices at once) are serialized on the poll's row.
    let mut tx = crate::db::begin(pool).await?;
    db::polls::lock(&mut *tx, poll.id).await?;
    if !db::polls::insert_votes(&mut *tx, poll.id, voter, &choices).await? {
        return Err(invalid("You have already voted on this poll"));
    }
    if let Some(base_url) = base_url {
        crate::federation::events::voted(&mut tx, base_url, voter, poll).await?;
    }
    if local_poll {
        counts_changed(&mut *tx, poll).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How long after a vote in a member's poll its counts go out: the votes of that while travel
/// in one Update (Mastodon waits three minutes).
pub const POLL_COUNTS_DELAY_SECONDS: i64 = 60;

/// Queues the sending of a member's poll counts, unless a sending already waits. Counts hidden
/// until the end are sent only then.
async fn counts_changed(db: impl sqlx::PgExecutor<'_>, poll: &db::polls::Poll) -> AppResult<()> {
    if poll.hide_totals {
        return Ok(());
    }
    let job = crate::jobs::Job::SendPollCounts { poll_id: poll.id };
    let at = Utc::now() + chrono::Duration::seconds(POLL_COUNTS_DELAY_SECONDS);
    crate::jobs::enqueue_once(db, &job, at).await?;
    Ok(())
}

/// Sends a member's poll, with its counts now, to the servers that hold a copy of its status
/// and to the remote voters' servers: Update(Question).
pub async fn send_counts(pool: &PgPool, base_url: &str, poll_id: i64) -> AppResult<()> {
    let Some(poll) = db::polls::find(pool, poll_id).await? else {
        return Ok(());
    };
    let mut tx = crate::db::begin(pool).await?;
    crate::federation::events::poll_counts(&mut tx, base_url, &poll).await?;
    tx.commit().await?;
    Ok(())
}

/// Records one choice of a remote voter, whose server sends one vote per chosen option: a
/// single-choice poll takes one vote per account (a second is refused), a multiple-choice poll
/// adds each choice to the voter's others (the same choice twice counts once).
pub async fn remote_vote(pool: &PgPool, voter: i64, poll_id: i64, choice: i32) -> AppResult<()> {
    let (poll, status) = open_poll(pool, voter, poll_id).await?;
    // Votes in other servers' polls are counted there; we show the counts they publish.
    if !status.local {
        return Err(invalid("Votes are counted by the poll's own server"));
    }
    if !poll.multiple {
        return cast(pool, None, &poll, true, voter, &[choice]).await;
    }
    check_choices(&poll, &[choice])?;
    let mut tx = crate::db::begin(pool).await?;
    db::polls::insert_choice(&mut *tx, poll.id, voter, choice).await?;
    counts_changed(&mut *tx, &poll).await?;
    tx.commit().await?;
    Ok(())
}

/// The poll and its status, if the voter may see the status and the poll has not ended.
async fn open_poll(
    pool: &PgPool,
    voter: i64,
    poll_id: i64,
) -> AppResult<(db::polls::Poll, db::statuses::Status)> {
    let poll = db::polls::find(pool, poll_id).await?.ok_or(AppError::NotFound)?;
    let status = db::statuses::find_visible(pool, poll.status_id, Some(voter))
        .await?
        .ok_or(AppError::NotFound)?;
    if poll.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(invalid("The poll has already ended"));
    }
    Ok((poll, status))
}

fn check_choices(poll: &db::polls::Poll, choices: &[i32]) -> AppResult<()> {
    if choices
        .iter()
        .any(|c| *c < 0 || *c as usize >= poll.options.len())
    {
        return Err(invalid("Choice is not one of the options"));
    }
    Ok(())
}

/// Tells the author and the local voters that a poll has ended, and the servers that hold a
/// copy of a member's poll its final counts (the job run when it ends).
pub async fn notify_ended(pool: &PgPool, base_url: &str, poll_id: i64) -> AppResult<()> {
    let Some(poll) = db::polls::find(pool, poll_id).await? else {
        return Ok(());
    };
    // A remote poll's end may have moved later since this job was queued; a job for the new
    // end is queued too.
    if poll.expires_at.is_some_and(|at| at > Utc::now()) {
        return Ok(());
    }
    let mut tx = crate::db::begin(pool).await?;
    let mut recipients = db::polls::list_local_voters(&mut *tx, poll.id).await?;
    recipients.push(poll.account_id);
    for account in recipients {
        // The author hears of their own poll: the sender is the author, so it is sent as such.
        db::notifications::insert_from_self_allowed(
            &mut *tx,
            account,
            poll.account_id,
            "poll",
            Some(poll.status_id),
        )
        .await?;
    }
    // The final counts, closed, to the servers holding a copy (a remote poll: nothing to send);
    // a sending still waiting for the last votes is made redundant by this one.
    crate::jobs::cancel(&mut *tx, &crate::jobs::Job::SendPollCounts { poll_id: poll.id }).await?;
    crate::federation::events::poll_counts(&mut tx, base_url, &poll).await?;
    tx.commit().await?;
    Ok(())
}
