//! Posting, editing and deleting statuses: text rendering, mentions, hashtags, replies and the
//! notifications they cause, each change in one transaction.

use chrono::Utc;
use sqlx::{PgConnection, PgPool};

use crate::db;
use crate::error::{AppError, AppResult};
use crate::text::compose::{self, MentionTarget, Token};

/// The visibilities a status may have.
pub const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// A poll a status carries.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PollDraft {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// Poll limits (Mastodon's defaults).
pub const POLL_MAX_OPTIONS: usize = 4;
pub const POLL_MAX_OPTION_CHARACTERS: usize = 50;
pub const POLL_MIN_EXPIRATION: i64 = 300;
pub const POLL_MAX_EXPIRATION: i64 = 2_629_746;

/// A status a local member writes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub application_id: Option<i64>,
    pub idempotency_key: Option<String>,
    pub poll: Option<PollDraft>,
    /// The author's unattached uploads to attach, in order.
    #[serde(default)]
    pub media_ids: Vec<i64>,
}

/// The problem with a poll, if any.
pub fn poll_problem(poll: &PollDraft) -> Option<String> {
    let options: Vec<&str> = poll.options.iter().map(|o| o.trim()).collect();
    if options.len() < 2 {
        return Some("Poll must have at least 2 options".into());
    }
    if options.len() > POLL_MAX_OPTIONS {
        return Some(format!("Poll can't have more than {POLL_MAX_OPTIONS} options"));
    }
    if options.iter().any(|o| o.is_empty()) {
        return Some("Poll options can't be blank".into());
    }
    if options
        .iter()
        .any(|o| o.chars().count() > POLL_MAX_OPTION_CHARACTERS)
    {
        return Some(format!(
            "Poll options can't be longer than {POLL_MAX_OPTION_CHARACTERS} characters"
        ));
    }
    let mut unique = options.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != options.len() {
        return Some("Poll options must be different".into());
    }
    if !(POLL_MIN_EXPIRATION..=POLL_MAX_EXPIRATION).contains(&poll.expires_in) {
        return Some(format!(
            "Poll duration must be between {POLL_MIN_EXPIRATION} and {POLL_MAX_EXPIRATION} seconds"
        ));
    }
    None
}

/// Most attachments a status may carry.
pub const MAX_MEDIA: usize = 4;

/// Checks the uploads a status is to carry and locks them: at most four, all the author's own,
/// none attached to another status (`status_id` is the status being edited, if any). Returns
/// the ids in order without repeats. A status with media may have no poll.
pub async fn check_media(
    db: &mut PgConnection,
    author: i64,
    status_id: Option<i64>,
    ids: &[i64],
    has_poll: bool,
) -> AppResult<Vec<i64>> {
    // More ids than could ever be attached are refused before any work on them.
    if ids.len() > MAX_MEDIA * 2 {
        return Err(invalid(&format!("Cannot attach more than {MAX_MEDIA} files")));
    }
    let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.is_empty() {
        return Ok(unique);
    }
    if unique.len() > MAX_MEDIA {
        return Err(invalid(&format!("Cannot attach more than {MAX_MEDIA} files")));
    }
    if has_poll {
        return Err(invalid("A status with a poll cannot carry media"));
    }
    let rows = db::media::lock_by_ids(db, &unique).await?;
    let missing: Vec<String> = unique
        .iter()
        .filter(|id| {
            !rows.iter().any(|m| {
                m.id == **id && m.account_id == author && (m.status_id.is_none() || m.status_id == status_id)
            })
        })
        .map(|id| id.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(invalid(&format!(
            "Media {} not found or already attached to another post",
            missing.join(", ")
        )));
    }
    Ok(unique)
}

/// The instance facts a post needs: where links point and how long it may be.
#[derive(Debug, Clone)]
pub struct Composer<'a> {
    pub base_url: &'a str,
    pub local_domain: &'a str,
    pub max_characters: usize,
}

impl<'a> Composer<'a> {
    /// The composer for this instance: `base_url` is `config.base_url()`, computed by the caller.
    pub fn new(config: &'a crate::config::Config, base_url: &'a str) -> Self {
        Self {
            base_url,
            local_domain: &config.server.domain,
            max_characters: config.statuses.max_characters as usize,
        }
    }
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(format!("Validation failed: {message}"))
}

/// A status's text, rendered, with the accounts and tags it names.
struct Rendered {
    content: String,
    mentioned: Vec<i64>,
    tags: Vec<String>,
}

/// Renders text, resolving mentions to local accounts and to remote accounts already known.
async fn render(db: &mut PgConnection, composer: &Composer<'_>, tokens: &[Token]) -> AppResult<Rendered> {
    let mut targets: Vec<(String, Option<String>, i64, MentionTarget)> = Vec::new();
    let mut tags = Vec::new();
    for token in tokens {
        match token {
            Token::Mention { username, domain, .. } => {
                let ours = domain.as_deref().is_none_or(|d| d == composer.local_domain);
                let row = if ours {
                    db::accounts::find_local_by_username(&mut *db, username).await?
                } else {
                    db::accounts::find_remote_by_username(
                        &mut *db,
                        username,
                        domain.as_deref().unwrap_or_default(),
                    )
                    .await?
                };
                // A suspended account cannot be mentioned: the text stays plain.
                let row = match row {
                    Some(row)
                        if !db::account_moderation::sanctions(&mut *db, row.id)
                            .await?
                            .suspended =>
                    {
                        Some(row)
                    }
                    _ => None,
                };
                if let Some(row) = row {
                    let url = match &row.domain {
                        None => format!("{}/@{}", composer.base_url, row.username),
                        Some(_) => row.url.clone().or(row.uri.clone()).unwrap_or_default(),
                    };
                    targets.push((
                        username.to_lowercase(),
                        domain.clone(),
                        row.id,
                        MentionTarget {
                            url,
                            username: row.username.clone(),
                        },
                    ));
                }
            }
            Token::Hashtag(name) if !tags.iter().any(|t: &String| t.eq_ignore_ascii_case(name)) => {
                tags.push(name.clone())
            }
            _ => {}
        }
    }
    let content = compose::render(tokens, composer.base_url, |username, domain| {
        targets
            .iter()
            .find(|(u, d, _, _)| *u == username.to_lowercase() && d.as_deref() == domain)
            .map(|(_, _, _, target)| target.clone())
    });
    let mut mentioned: Vec<i64> = targets.iter().map(|(_, _, id, _)| *id).collect();
    mentioned.sort_unstable();
    mentioned.dedup();
    Ok(Rendered {
        content,
        mentioned,
        tags,
    })
}

fn check_length(composer: &Composer<'_>, tokens: &[Token], spoiler_text: &str) -> AppResult<()> {
    let length = compose::counted_length(tokens) + spoiler_text.chars().count();
    if length > composer.max_characters {
        return Err(invalid(&format!(
            "Text character limit of {} exceeded",
            composer.max_characters
        )));
    }
    Ok(())
}

/// Posts a status for a local account; returns its id. A repeated idempotency key returns the
/// status the first request made.
pub async fn post(pool: &PgPool, author: i64, composer: &Composer<'_>, draft: &Draft) -> AppResult<i64> {
    if let Some(key) = &draft.idempotency_key
        && let Some(existing) = db::statuses::find_by_idempotency_key(pool, author, key).await?
    {
        return Ok(existing);
    }
    if !VISIBILITIES.contains(&draft.visibility.as_str()) {
        return Err(invalid(
            "Visibility is not one of public, unlisted, private or direct",
        ));
    }
    if draft.text.trim().is_empty() && draft.media_ids.is_empty() {
        return Err(invalid("Text can't be blank"));
    }
    if let Some(problem) = draft.poll.as_ref().and_then(poll_problem) {
        return Err(invalid(&problem));
    }
    let tokens = compose::tokenize(&draft.text);
    check_length(composer, &tokens, &draft.spoiler_text)?;

    let mut tx = crate::db::begin(pool).await?;
    let media_ids = check_media(&mut tx, author, None, &draft.media_ids, draft.poll.is_some()).await?;
    let parent = match draft.in_reply_to_id {
        None => None,
        Some(id) => Some(
            db::statuses::find_visible(&mut *tx, id, Some(author))
                .await?
                .filter(|p| p.reblog_of_id.is_none())
                .ok_or_else(|| {
                    invalid("The status you are replying to does not exist or is not visible to you")
                })?,
        ),
    };
    let rendered = render(&mut tx, composer, &tokens).await?;
    let conversation_id = match &parent {
        Some(parent) => parent.conversation_id,
        None => db::statuses::new_conversation_id(&mut *tx).await?,
    };
    let status_id = db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            account_id: author,
            local: true,
            uri: None,
            url: None,
            text: &draft.text,
            content: &rendered.content,
            spoiler_text: draft.spoiler_text.trim(),
            sensitive: draft.sensitive || !draft.spoiler_text.trim().is_empty(),
            visibility: &draft.visibility,
            language: draft.language.as_deref(),
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            reblog_of_id: None,
            conversation_id,
            application_id: draft.application_id,
            created_at: Utc::now(),
        },
    )
    .await?;
    db::statuses::insert_mentions(&mut tx, status_id, &rendered.mentioned).await?;
    db::statuses::set_tags(&mut tx, status_id, &rendered.tags).await?;
    if !media_ids.is_empty() {
        db::media::set_for_status(&mut tx, status_id, &media_ids).await?;
    }
    if let Some(key) = &draft.idempotency_key {
        db::statuses::insert_idempotency_key(&mut *tx, author, key, status_id).await?;
    }
    // Only replies everyone may see are counted, so a count never betrays a private reply.
    if let Some(parent) = parent.as_ref().filter(|_| is_distributable(&draft.visibility)) {
        db::statuses::adjust_counter(&mut *tx, parent.id, db::statuses::Counter::Replies, 1).await?;
    }
    if let Some(poll) = &draft.poll {
        let expires_at = Utc::now() + chrono::Duration::seconds(poll.expires_in);
        let options: Vec<String> = poll.options.iter().map(|o| o.trim().to_owned()).collect();
        let poll_id = db::polls::insert(
            &mut *tx,
            &db::polls::NewPoll {
                status_id,
                account_id: author,
                options: &options,
                multiple: poll.multiple,
                hide_totals: poll.hide_totals,
                expires_at,
            },
        )
        .await?;
        crate::jobs::enqueue(&mut *tx, &crate::jobs::Job::EndPoll { poll_id }, expires_at).await?;
    }
    for account in &rendered.mentioned {
        db::notifications::insert(&mut *tx, *account, author, "mention", Some(status_id)).await?;
    }
    if draft.visibility == "direct" {
        let mut participants = rendered.mentioned.clone();
        participants.push(author);
        db::conversations::record_direct_status(&mut *tx, conversation_id, author, &participants, status_id)
            .await?;
    }
    if matches!(draft.visibility.as_str(), "public" | "unlisted" | "private") {
        for follower in db::follows::list_notified_followers(&mut *tx, author).await? {
            if !rendered.mentioned.contains(&follower) {
                db::notifications::insert(&mut *tx, follower, author, "status", Some(status_id)).await?;
            }
        }
    }
    crate::federation::events::status_created(&mut tx, composer.base_url, status_id).await?;
    tx.commit().await?;
    Ok(status_id)
}

/// Whether a status is shown to everyone (public or unlisted), and so counted on its parent.
fn is_distributable(visibility: &str) -> bool {
    matches!(visibility, "public" | "unlisted")
}

/// A change to a status's text.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    /// The attachments the status carries after the edit, in order (as in Mastodon, an edit
    /// names them all: those left out are detached).
    pub media_ids: Vec<i64>,
    /// New descriptions and focal points for attachments the status keeps (Mastodon's
    /// `media_attributes`); entries for other media are ignored.
    pub media_changes: Vec<MediaChange>,
}

/// A change to one attachment, made by a status edit.
#[derive(Debug, Clone, Default)]
pub struct MediaChange {
    pub id: i64,
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
}

/// Edits the author's own status, keeping the earlier version in its history, and tells those
/// who boosted it.
pub async fn edit(
    pool: &PgPool,
    author: i64,
    status_id: i64,
    composer: &Composer<'_>,
    change: &Change,
) -> AppResult<()> {
    if change.text.trim().is_empty() && change.media_ids.is_empty() {
        return Err(invalid("Text can't be blank"));
    }
    let tokens = compose::tokenize(&change.text);
    check_length(composer, &tokens, &change.spoiler_text)?;
    let mut tx = crate::db::begin(pool).await?;
    let current = db::statuses::find(&mut *tx, status_id)
        .await?
        .filter(|s| s.account_id == author && s.reblog_of_id.is_none())
        .ok_or(AppError::NotFound)?;
    // A poll cannot be changed by an edit: every version carries the options it has.
    let poll_options = db::polls::find_by_status(&mut *tx, status_id)
        .await?
        .map(|poll| poll.options);
    let has_poll = poll_options.is_some();
    let media_ids = check_media(&mut tx, author, Some(status_id), &change.media_ids, has_poll).await?;
    if current.edited_at.is_none() {
        // The first edit keeps the original as the history's first version.
        let original = db::statuses::Revision {
            text: &current.text,
            content: &current.content,
            spoiler_text: &current.spoiler_text,
            sensitive: current.sensitive,
            language: current.language.as_deref(),
        };
        db::statuses::insert_edit(
            &mut *tx,
            status_id,
            &original,
            poll_options.as_deref(),
            current.created_at,
        )
        .await?;
    }
    let rendered = render(&mut tx, composer, &tokens).await?;
    let revision = db::statuses::Revision {
        text: &change.text,
        content: &rendered.content,
        spoiler_text: change.spoiler_text.trim(),
        sensitive: change.sensitive || !change.spoiler_text.trim().is_empty(),
        language: change.language.as_deref(),
    };
    db::statuses::update_revision(&mut *tx, status_id, &revision).await?;
    db::statuses::insert_edit(
        &mut *tx,
        status_id,
        &revision,
        poll_options.as_deref(),
        Utc::now(),
    )
    .await?;
    db::statuses::delete_mentions(&mut tx, status_id).await?;
    db::statuses::insert_mentions(&mut tx, status_id, &rendered.mentioned).await?;
    db::statuses::set_tags(&mut tx, status_id, &rendered.tags).await?;
    db::media::set_for_status(&mut tx, status_id, &media_ids).await?;
    for media_change in change.media_changes.iter().filter(|c| media_ids.contains(&c.id)) {
        let Some(current) = db::media::find(&mut *tx, media_change.id).await? else {
            continue;
        };
        let description = media_change
            .description
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.description);
        crate::actions::media::check_description(description)?;
        let focus = media_change.focus.unwrap_or((current.focus_x, current.focus_y));
        db::media::update_details(&mut *tx, media_change.id, description, focus).await?;
    }
    for booster in db::statuses::list_reblogger_ids(&mut *tx, status_id).await? {
        db::notifications::insert(&mut *tx, booster, author, "update", Some(status_id)).await?;
    }
    crate::federation::events::status_updated(&mut tx, composer.base_url, status_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the author's own status (its boosts go with it) and returns it as it was; a
/// member's deletion is sent where the status went.
pub async fn delete(
    pool: &PgPool,
    base_url: &str,
    author: i64,
    status_id: i64,
) -> AppResult<db::statuses::Status> {
    let mut tx = crate::db::begin(pool).await?;
    let status = db::statuses::find(&mut *tx, status_id)
        .await?
        .filter(|s| s.account_id == author)
        .ok_or(AppError::NotFound)?;
    crate::federation::events::status_deleted(&mut tx, base_url, &status).await?;
    // Counters move only when this transaction really removed the row (a racing delete did not).
    if !db::statuses::delete(&mut *tx, status_id).await? {
        return Err(AppError::NotFound);
    }
    if let Some(parent) = status
        .in_reply_to_id
        .filter(|_| is_distributable(&status.visibility))
    {
        db::statuses::adjust_counter(&mut *tx, parent, db::statuses::Counter::Replies, -1).await?;
    }
    if let Some(original) = status.reblog_of_id {
        db::statuses::adjust_counter(&mut *tx, original, db::statuses::Counter::Reblogs, -1).await?;
    }
    tx.commit().await?;
    Ok(status)
}
