//! Statuses that arrive from other servers: stored, edited and deleted with the same effects as
//! local ones (mentions, notifications, reply counts, conversations, edit history).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// A remote attachment, shown from its origin.
#[derive(Debug, Clone)]
pub struct RemoteAttachment {
    pub url: String,
    pub content_type: String,
    pub description: String,
    pub blurhash: Option<String>,
    pub width: i32,
    pub height: i32,
}

/// A remote poll and the counts its server publishes.
#[derive(Debug, Clone)]
pub struct RemotePoll {
    pub options: Vec<String>,
    pub votes: Vec<i32>,
    pub multiple: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub voters_count: Option<i32>,
}

/// A remote status, already checked (origin, author) and sanitized.
#[derive(Debug, Clone)]
pub struct RemoteStatus {
    pub uri: String,
    pub url: Option<String>,
    pub author: i64,
    /// Sanitized HTML.
    pub content: String,
    /// Plain text of the content (search, redraft).
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: &'static str,
    pub language: Option<String>,
    /// The parent, when we have it.
    pub in_reply_to: Option<i64>,
    pub mentioned: Vec<i64>,
    pub tags: Vec<String>,
    pub emojis: serde_json::Value,
    pub attachments: Vec<RemoteAttachment>,
    pub poll: Option<RemotePoll>,
    pub published: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub replies_url: Option<String>,
    pub title: Option<String>,
}

/// Stores a remote status (once per URI) and notifies the local members it concerns; returns
/// its id (the existing one when it was already stored).
pub async fn receive(pool: &PgPool, status: &RemoteStatus) -> AppResult<i64> {
    if let Some(existing) = db::statuses::find_id_by_uri(pool, &status.uri).await? {
        return Ok(existing);
    }
    match insert(pool, status).await {
        // The same status arrived twice at once (a redelivery, or two replies fetching one
        // parent): the first one stored it, and that one is the answer.
        Err(AppError::Database(sqlx::Error::Database(error))) if error.code().as_deref() == Some("23505") => {
            db::statuses::find_id_by_uri(pool, &status.uri)
                .await?
                .ok_or(AppError::Database(sqlx::Error::Database(error)))
        }
        other => other,
    }
}

async fn insert(pool: &PgPool, status: &RemoteStatus) -> AppResult<i64> {
    let mut tx = crate::db::begin(pool).await?;
    let parent = match status.in_reply_to {
        Some(id) => db::statuses::find(&mut *tx, id).await?,
        None => None,
    };
    let conversation_id = match &parent {
        Some(parent) => parent.conversation_id,
        None => db::statuses::new_conversation_id(&mut *tx).await?,
    };
    // A status from the future keeps today's time, so it cannot sit atop timelines.
    // Before 2000 is a broken clock (or a trick): ids carry the time, so it is taken as 2000.
    let earliest = DateTime::from_timestamp(946_684_800, 0).unwrap_or_default();
    let published = status.published.clamp(earliest, Utc::now());
    let status_id = db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            account_id: status.author,
            local: false,
            uri: Some(&status.uri),
            url: status.url.as_deref(),
            text: &status.text,
            content: &status.content,
            spoiler_text: &status.spoiler_text,
            sensitive: status.sensitive || !status.spoiler_text.is_empty(),
            visibility: status.visibility,
            language: status.language.as_deref(),
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            reblog_of_id: None,
            conversation_id,
            application_id: None,
            created_at: published,
        },
    )
    .await?;
    db::statuses::set_remote_details(
        &mut *tx,
        status_id,
        &status.emojis,
        status.replies_url.as_deref(),
        status.title.as_deref(),
        status.edited_at,
    )
    .await?;
    db::statuses::insert_mentions(&mut tx, status_id, &status.mentioned).await?;
    db::statuses::set_tags(&mut tx, status_id, &status.tags).await?;
    store_attachments(&mut tx, status, status_id).await?;
    if let Some(poll) = &status.poll {
        store_poll(&mut tx, status, status_id, poll).await?;
    }
    if let Some(parent) = parent
        .as_ref()
        .filter(|_| matches!(status.visibility, "public" | "unlisted"))
    {
        db::statuses::adjust_counter(&mut *tx, parent.id, db::statuses::Counter::Replies, 1).await?;
    }
    for account in &status.mentioned {
        db::notifications::insert(&mut *tx, *account, status.author, "mention", Some(status_id)).await?;
    }
    if status.visibility == "direct" {
        let mut participants = status.mentioned.clone();
        participants.push(status.author);
        db::conversations::record_direct_status(
            &mut *tx,
            conversation_id,
            status.author,
            &participants,
            status_id,
        )
        .await?;
    } else {
        for follower in db::follows::list_notified_followers(&mut *tx, status.author).await? {
            if !status.mentioned.contains(&follower) {
                db::notifications::insert(&mut *tx, follower, status.author, "status", Some(status_id))
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(status_id)
}

/// Applies a remote edit: the earlier version goes into the history, and those who boosted,
/// favourited or voted are told. An edit never changes visibility (as on Mastodon). A poll
/// whose options or kind changed is an edit too, and its votes go (as on Mastodon); new counts
/// or a new end alone are not an edit. An object that no longer has options (a Note now) takes
/// the poll away, votes and all: an edit too.
pub async fn update(pool: &PgPool, status_id: i64, status: &RemoteStatus) -> AppResult<()> {
    let mut tx = crate::db::begin(pool).await?;
    let Some(current) = db::statuses::find(&mut *tx, status_id).await? else {
        return Ok(());
    };
    let existing_poll = db::polls::find_by_status(&mut *tx, status_id).await?;
    let changed_poll = match (&existing_poll, &status.poll) {
        (Some(existing), Some(poll)) => {
            existing.options != poll.options || existing.multiple != poll.multiple
        }
        (None, Some(_)) | (Some(_), None) => true,
        (None, None) => false,
    };
    let edited = changed_poll
        || current.content != status.content
        || current.spoiler_text != status.spoiler_text
        || current.sensitive != status.sensitive;
    if edited {
        if current.edited_at.is_none() {
            let original = db::statuses::Revision {
                text: &current.text,
                content: &current.content,
                spoiler_text: &current.spoiler_text,
                sensitive: current.sensitive,
                language: current.language.as_deref(),
            };
            let options = existing_poll.as_ref().map(|poll| poll.options.as_slice());
            db::statuses::insert_edit(&mut *tx, status_id, &original, options, current.created_at).await?;
        }
        let revision = db::statuses::Revision {
            text: &status.text,
            content: &status.content,
            spoiler_text: &status.spoiler_text,
            sensitive: status.sensitive || !status.spoiler_text.is_empty(),
            language: status.language.as_deref(),
        };
        db::statuses::update_revision(&mut *tx, status_id, &revision).await?;
        let edited_at = status.edited_at.unwrap_or_else(Utc::now).min(Utc::now());
        let options = status.poll.as_ref().map(|poll| poll.options.as_slice());
        db::statuses::insert_edit(&mut *tx, status_id, &revision, options, edited_at).await?;
        // Told before the poll changes: its voters are among those told, and their votes go.
        for account in db::statuses::list_interacted_account_ids(&mut *tx, status_id).await? {
            db::notifications::insert(&mut *tx, account, status.author, "update", Some(status_id)).await?;
        }
    }
    db::statuses::set_remote_details(
        &mut *tx,
        status_id,
        &status.emojis,
        status.replies_url.as_deref(),
        status.title.as_deref(),
        if edited {
            status.edited_at.or(Some(Utc::now()))
        } else {
            current.edited_at
        },
    )
    .await?;
    db::statuses::delete_mentions(&mut tx, status_id).await?;
    db::statuses::insert_mentions(&mut tx, status_id, &status.mentioned).await?;
    db::statuses::set_tags(&mut tx, status_id, &status.tags).await?;
    db::media::delete_for_status(&mut *tx, status_id).await?;
    store_attachments(&mut tx, status, status_id).await?;
    match (&existing_poll, &status.poll) {
        (Some(existing), Some(poll)) => update_poll(&mut tx, status, existing, poll, changed_poll).await?,
        (None, Some(poll)) => store_poll(&mut tx, status, status_id, poll).await?,
        (Some(existing), None) => db::polls::delete(&mut *tx, existing.id).await?,
        (None, None) => {}
    }
    tx.commit().await?;
    Ok(())
}

/// Brings a stored remote poll up to date: options and kind when `changed` (its votes go),
/// its end when that moved (the job that tells of the end moves with it), and its counts.
async fn update_poll(
    tx: &mut sqlx::PgConnection,
    status: &RemoteStatus,
    existing: &db::polls::Poll,
    poll: &RemotePoll,
    changed: bool,
) -> AppResult<()> {
    if changed {
        db::polls::replace_options(&mut *tx, existing.id, &poll.options, poll.multiple).await?;
    }
    // Compared as the database keeps them (microseconds), so a finer `endTime` is no change.
    let moved = |end: &DateTime<Utc>| {
        existing.expires_at.map(|at| at.timestamp_micros()) != Some(end.timestamp_micros())
    };
    if let Some(end) = poll.expires_at.filter(moved) {
        db::polls::set_expires_at(&mut *tx, existing.id, end).await?;
        let job = crate::jobs::Job::EndPoll { poll_id: existing.id };
        crate::jobs::cancel(&mut *tx, &job).await?;
        let now = Utc::now();
        // An end moved into the past ends the poll now, unless it had ended already (and its
        // voters were told).
        if end > now || existing.expires_at.is_some_and(|at| at > now) {
            crate::jobs::enqueue(&mut *tx, &job, end.max(now)).await?;
        }
    }
    db::polls::set_remote_counts(&mut *tx, existing.id, &poll.votes, poll.voters_count, &status.uri).await?;
    Ok(())
}

async fn store_attachments(
    tx: &mut sqlx::PgConnection,
    status: &RemoteStatus,
    status_id: i64,
) -> AppResult<()> {
    for (position, media) in status.attachments.iter().enumerate() {
        db::media::insert_remote(
            &mut *tx,
            &db::media::NewRemoteMedia {
                account_id: status.author,
                status_id,
                position: i32::try_from(position).unwrap_or(0),
                content_type: &media.content_type,
                remote_url: &media.url,
                width: media.width,
                height: media.height,
                blurhash: media.blurhash.as_deref(),
                description: &media.description,
            },
        )
        .await?;
    }
    Ok(())
}

async fn store_poll(
    tx: &mut sqlx::PgConnection,
    status: &RemoteStatus,
    status_id: i64,
    poll: &RemotePoll,
) -> AppResult<()> {
    // A poll without an end stays open; Mastodon shows it with no expiry.
    let expires_at = poll
        .expires_at
        .unwrap_or_else(|| Utc::now() + chrono::Duration::days(3650));
    let poll_id = db::polls::insert(
        &mut *tx,
        &db::polls::NewPoll {
            status_id,
            account_id: status.author,
            options: &poll.options,
            multiple: poll.multiple,
            hide_totals: false,
            expires_at,
        },
    )
    .await?;
    db::polls::set_remote_counts(&mut *tx, poll_id, &poll.votes, poll.voters_count, &status.uri).await?;
    if expires_at > Utc::now() {
        crate::jobs::enqueue(&mut *tx, &crate::jobs::Job::EndPoll { poll_id }, expires_at).await?;
    }
    Ok(())
}
