//! Finding remote accounts and statuses: by actor or object URL, by handle through WebFinger,
//! and storing what was fetched, with the origin rules that keep servers from speaking for
//! each other.

use chrono::Utc;
use serde_json::Value;
use url::Url;

use super::fetch::FetchError;
use super::instance_actor;
use super::urls::{self, LocalObject};
use super::vocab::{self, Actor, Note, Tag};
use crate::actions::remote_statuses::{self, RemoteAttachment, RemotePoll, RemoteStatus};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::text::sanitize;

/// A remote profile older than this is fetched again when it is next needed.
pub const PROFILE_STALE_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// Parents fetched above a remote reply, at most (a thread is not followed to its root forever).
pub const MAX_ANCESTORS: u32 = 16;
/// Unknown mentioned accounts fetched for one status, at most.
const MAX_MENTION_FETCHES: usize = 10;

/// Fetches an AS2 document signed by the instance actor.
pub async fn fetch_document(state: &AppState, url: &str) -> Result<Value, FetchError> {
    let url = Url::parse(url).map_err(|e| FetchError::Refused(format!("invalid URL {url:?}: {e}")))?;
    let key = instance_actor::signing_key(state)
        .await
        .map_err(|e| FetchError::Network(format!("no signing key: {e}")))?;
    state.federation.fetcher.fetch_object(&url, Some(&key)).await
}

/// The account an actor URI names: local ones looked up, known remote ones refreshed when stale,
/// unknown ones fetched. `None` when it cannot be had.
pub async fn account_by_uri(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    Ok(find_account(state, uri).await?.0)
}

/// [`account_by_uri`], also telling whether the account was seen for the first time.
async fn find_account(state: &AppState, uri: &str) -> AppResult<(Option<i64>, bool)> {
    if let Some(local) = urls::local_object(&state.base_url, uri) {
        return match local {
            LocalObject::Actor { username } => Ok((
                db::accounts::find_local_by_username(&state.db, &username)
                    .await?
                    .map(|a| a.id),
                false,
            )),
            _ => Ok((None, false)),
        };
    }
    // A suspended domain's accounts cannot be found, even those we knew before.
    if state.federation.policy.check_url(uri).is_suspended() {
        return Ok((None, false));
    }
    let known = db::remote_accounts::find_by_uri(&state.db, uri).await?;
    if let Some(known) = &known {
        let fresh = known
            .fetched_at
            .is_some_and(|at| at > Utc::now() - PROFILE_STALE_AFTER);
        if fresh || known.gone {
            return Ok((Some(known.id), false));
        }
    }
    match fetch_document(state, uri).await {
        Ok(document) => match store_actor(state, &document).await {
            Ok(id) => Ok((Some(id), known.is_none())),
            Err(error) => {
                tracing::info!(%uri, %error, "actor not stored");
                Ok((known.map(|k| k.id), false))
            }
        },
        Err(error) => {
            if error.is_gone()
                && let Some(known) = &known
            {
                db::remote_accounts::mark_gone(&state.db, known.id).await?;
            }
            tracing::info!(%uri, %error, "actor not fetched");
            Ok((known.map(|k| k.id), false))
        }
    }
}

/// The account an actor URI names, for a member who asked for it (search, lookup, a mention):
/// an account seen for the first time also has its recent public posts read from its outbox.
/// Accounts met along the way (authors of fetched parents, mentioned accounts) do not, so one
/// activity cannot set off a crawl.
pub async fn account_on_purpose(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    let (found, new) = find_account(state, uri).await?;
    let found = unsuspended(state, found).await?;
    if let Some(id) = found.filter(|_| new) {
        crate::jobs::enqueue(
            &state.db,
            &crate::jobs::Job::BackfillOutbox { account_id: id },
            Utc::now(),
        )
        .await?;
    }
    Ok(found)
}

/// `account` unless it is suspended (by our staff, its domain's rule, or its own server, which
/// an actor document met for the first time may already say): such an account cannot be found,
/// mentioned or read on purpose.
async fn unsuspended(state: &AppState, account: Option<i64>) -> AppResult<Option<i64>> {
    let Some(id) = account else {
        return Ok(None);
    };
    let suspended = db::account_moderation::sanctions(&state.db, id).await?.suspended;
    Ok((!suspended).then_some(id))
}

/// The account an actor URI names, fetched afresh from its origin whatever we hold (a Move is
/// judged by the target's current aliases); local ones are looked up. `None` when it cannot be
/// had.
pub async fn fresh_account_by_uri(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    if urls::local_object(&state.base_url, uri).is_some()
        || state.federation.policy.check_url(uri).is_suspended()
    {
        return account_by_uri(state, uri).await;
    }
    let document = match fetch_document(state, uri).await {
        Ok(document) => document,
        Err(error) => {
            tracing::info!(%uri, %error, "actor not fetched");
            return Ok(None);
        }
    };
    match store_actor(state, &document).await {
        Ok(id) => Ok(Some(id)),
        Err(error) => {
            tracing::info!(%uri, %error, "actor not stored");
            Ok(None)
        }
    }
}

/// Stores (or refreshes) the account of an actor document that came from its origin.
pub async fn store_actor(state: &AppState, document: &Value) -> AppResult<i64> {
    let actor = Actor::read(document).map_err(|e| AppError::BadRequest(format!("unusable actor: {e}")))?;
    let domain =
        vocab::host_of(&actor.id).ok_or_else(|| AppError::BadRequest("actor id has no host".into()))?;
    if urls::local_object(&state.base_url, &actor.id).is_some() {
        return Err(AppError::BadRequest(
            "a remote actor cannot claim a local URL".into(),
        ));
    }
    let verdict = state.federation.policy.check(&domain);
    if verdict.is_suspended() {
        return Err(AppError::Forbidden(format!("{domain} is suspended")));
    }
    let key_pem = actor
        .public_key_pem
        .as_deref()
        .ok_or_else(|| AppError::BadRequest("actor has no public key".into()))?;
    // A key is the actor's only if it is published on the actor's own host.
    let key_id = actor
        .public_key_id
        .as_deref()
        .filter(|k| vocab::same_host(k, &actor.id));
    let username = actor.preferred_username.trim();
    let valid_username = username.len() <= 100 && !username.contains(['@', '/', ' ', '\n']);
    if !valid_username {
        return Err(AppError::BadRequest("unusable preferredUsername".into()));
    }
    // Deliveries go to these: they must be addresses we would fetch from (no private ones).
    let deliverable =
        |url: &str| url::Url::parse(url).is_ok_and(|u| state.federation.fetcher.check_url(&u).is_ok());
    if !deliverable(&actor.inbox) {
        return Err(AppError::BadRequest(
            "the actor's inbox is not a deliverable URL".into(),
        ));
    }
    let shared_inbox = actor.shared_inbox.as_deref().filter(|u| deliverable(u));
    let fields: Vec<Value> = actor
        .fields
        .iter()
        .map(|(name, value)| {
            let value: String = value.chars().take(2_000).collect();
            serde_json::json!({
                "name": sanitize::remote_plain(name).chars().take(255).collect::<String>(),
                "value": sanitize::remote_field_value(&value),
            })
        })
        .collect();
    let also_known_as: Vec<String> = actor
        .also_known_as
        .iter()
        .filter(|a| a.len() <= 2_000)
        .take(20)
        .cloned()
        .collect();
    let display_name: String = sanitize::remote_plain(actor.name.as_deref().unwrap_or_default())
        .chars()
        .take(100)
        .collect();
    let note = sanitize::remote_html(actor.summary.as_deref().unwrap_or_default());
    // Under reject_media nothing of the domain's media is shown: no avatar, header or emoji.
    let emojis = if verdict.reject_media {
        Value::Array(Vec::new())
    } else {
        serde_json::to_value(&actor.emojis).unwrap_or_default()
    };
    let http = |u: &Option<String>| {
        u.clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .filter(|_| !verdict.reject_media)
    };
    let id = db::remote_accounts::upsert(
        &state.db,
        &db::remote_accounts::RemoteAccount {
            uri: &actor.id,
            username,
            domain: &domain,
            display_name: &display_name,
            note: &note,
            url: http(&actor.url).as_deref(),
            inbox_url: &actor.inbox,
            shared_inbox_url: shared_inbox,
            public_key_pem: key_pem,
            key_id,
            actor_type: &actor.kind,
            locked: actor.locked,
            bot: actor.is_bot(),
            discoverable: actor.discoverable,
            indexable: actor.indexable,
            fields: Value::Array(fields),
            emojis,
            avatar_remote_url: http(&actor.icon).as_deref(),
            header_remote_url: http(&actor.image).as_deref(),
            outbox_url: actor.outbox.as_deref(),
            followers_url: actor.followers.as_deref(),
            following_url: actor.following.as_deref(),
            featured_url: actor.featured.as_deref(),
            featured_tags_url: actor.featured_tags.as_deref(),
            also_known_as: &also_known_as,
            created_at: actor.published,
            domain_limited: verdict.is_limited(),
        },
    )
    .await
    .map_err(|error| match &error {
        // Another account already holds this name or key on that host: the document is refused,
        // not retried (Mastodon keeps the first holder too).
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            AppError::BadRequest(format!("actor conflicts with a known account: {db}"))
        }
        _ => AppError::from(error),
    })?;
    if db::remote_accounts::sync_suspension(&state.db, id, actor.suspended).await? {
        tracing::info!(actor = %actor.id, suspended = actor.suspended, "suspension by its own server");
    }
    state.federation.signer_cache().forget_actor(&actor.id);
    Ok(id)
}

/// The account `username@domain`: ours, known, or found through the domain's WebFinger.
pub async fn account_by_handle(state: &AppState, username: &str, domain: &str) -> AppResult<Option<i64>> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || domain == state.config.server.domain.to_ascii_lowercase() {
        return Ok(db::accounts::find_local_by_username(&state.db, username)
            .await?
            .map(|a| a.id));
    }
    // Checked before any lookup, in any spelling (`EVIL.TEST.`, IDN or punycode).
    if state.federation.policy.is_suspended(&domain) {
        return Ok(None);
    }
    if let Some(known) = db::accounts::find_remote_by_username(&state.db, username, &domain).await? {
        // An account the staff suspended cannot be looked up or mentioned either. One its own
        // server suspended is refreshed as usual (its server may have lifted the suspension)
        // and found only if it no longer is.
        let sanctions = db::account_moderation::sanctions(&state.db, known.id).await?;
        if sanctions.suspended && !sanctions.suspended_by_its_server {
            return Ok(None);
        }
        let found = match &known.uri {
            Some(uri) => account_by_uri(state, uri).await?,
            None => Some(known.id),
        };
        if sanctions.suspended
            && db::account_moderation::sanctions(&state.db, known.id)
                .await?
                .suspended
        {
            return Ok(None);
        }
        return Ok(found);
    }
    let actor_url = match state.federation.fetcher.webfinger(username, &domain).await {
        Ok(url) => url,
        Err(error) => {
            tracing::info!(%username, %domain, %error, "WebFinger found nothing");
            return Ok(None);
        }
    };
    let Some(id) = account_on_purpose(state, actor_url.as_str()).await? else {
        return Ok(None);
    };
    // The handle must be the actor's own: same name, and the actor lives on that domain, or
    // (a handle on `example.com` for a server on `social.example.com`) the actor's own server
    // confirms through its WebFinger that the name leads to this actor.
    let Some(account) = db::accounts::find(&state.db, id).await? else {
        return Ok(None);
    };
    let (Some(actor_domain), Some(actor_uri)) = (account.domain.as_deref(), account.uri.as_deref()) else {
        return Ok(None);
    };
    if !account.username.eq_ignore_ascii_case(username) {
        return Ok(None);
    }
    if actor_domain == domain {
        return Ok(Some(id));
    }
    match state
        .federation
        .fetcher
        .webfinger(&account.username, actor_domain)
        .await
    {
        Ok(confirmed) if confirmed.as_str() == actor_uri => Ok(Some(id)),
        _ => {
            tracing::info!(%username, %domain, %actor_uri, "the actor's server does not confirm the handle");
            Ok(None)
        }
    }
}

/// The status an object URI names: local, known, or fetched (with up to `MAX_ANCESTORS`
/// missing parents).
pub async fn status_by_uri(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    // One more than the parents: the status itself is fetched at this depth, and then stands
    // where an arriving status stands (its mentions fetched, `MAX_ANCESTORS` parents above it).
    status_by_uri_within(state, uri, MAX_ANCESTORS + 1).await
}

/// The status an object URI names, if it is ours or already stored (nothing is fetched: a Like
/// or an Undo of a status we never had changes nothing here).
pub async fn known_status_by_uri(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    status_by_uri_within(state, uri, 0).await
}

async fn status_by_uri_within(state: &AppState, uri: &str, depth: u32) -> AppResult<Option<i64>> {
    if let Some(local) = urls::local_object(&state.base_url, uri) {
        return match local {
            LocalObject::Status { id, .. } => Ok(db::statuses::find(&state.db, id).await?.map(|s| s.id)),
            _ => Ok(None),
        };
    }
    if state.federation.policy.check_url(uri).is_suspended() {
        return Ok(None);
    }
    if let Some(id) = db::statuses::find_id_by_uri(&state.db, uri).await? {
        return Ok(Some(id));
    }
    if depth == 0 {
        return Ok(None);
    }
    let document = match fetch_document(state, uri).await {
        Ok(document) => document,
        Err(error) => {
            tracing::info!(%uri, %error, "status not fetched");
            return Ok(None);
        }
    };
    match store_note_within(state, &document, depth - 1).await {
        Ok(id) => Ok(id),
        Err(error) => {
            tracing::info!(%uri, %error, "status not stored");
            Ok(None)
        }
    }
}

/// Stores a status-like object that is known to come from its origin (fetched by its id, or
/// delivered by its author); returns its id, or `None` when it is not a status.
pub async fn store_note(state: &AppState, object: &Value) -> AppResult<Option<i64>> {
    store_note_within(state, object, MAX_ANCESTORS).await
}

async fn store_note_within(state: &AppState, object: &Value, depth: u32) -> AppResult<Option<i64>> {
    let Some(status) = read_status(state, object, depth).await? else {
        return Ok(None);
    };
    Ok(Some(remote_statuses::receive(&state.db, &status).await?))
}

/// Applies an Update of a status-like object (already checked to come from its author).
pub async fn update_note(state: &AppState, status_id: i64, object: &Value) -> AppResult<()> {
    if let Some(status) = read_status(state, object, 0).await? {
        remote_statuses::update(&state.db, status_id, &status).await?;
    }
    Ok(())
}

/// Reads an object into a status: author resolved, origin checked, text sanitized, parent and
/// mentions resolved.
async fn read_status(state: &AppState, object: &Value, depth: u32) -> AppResult<Option<RemoteStatus>> {
    let note = match Note::read(object) {
        Ok(note) => note,
        Err(_) => return Ok(None),
    };
    if !vocab::same_host(&note.id, &note.attributed_to) {
        return Err(AppError::BadRequest(format!(
            "{} is not on the host of its author {}",
            note.id, note.attributed_to
        )));
    }
    if urls::local_object(&state.base_url, &note.id).is_some() {
        return Ok(None);
    }
    let policy = &state.federation.policy;
    let verdict = policy.check_url(&note.id);
    if verdict.is_suspended() {
        return Err(AppError::Forbidden(format!(
            "{} is on a suspended domain",
            note.id
        )));
    }
    // A reply to a suspended domain's status is content about it: dropped with it.
    if let Some(parent) = note.in_reply_to.as_deref()
        && policy.check_url(parent).is_suspended()
    {
        return Err(AppError::Forbidden(format!(
            "{} replies to a suspended domain",
            note.id
        )));
    }
    let Some(author) = account_by_uri(state, &note.attributed_to).await? else {
        return Ok(None);
    };
    let in_reply_to = match &note.in_reply_to {
        Some(parent) => Box::pin(status_by_uri_within(state, parent, depth)).await?,
        None => None,
    };
    let mut mentioned = Vec::new();
    // Unknown mentioned accounts are fetched for the status that arrived, not for the parents
    // and outbox posts fetched around it: the work one activity can cause stays bounded.
    let fetch_limit = if depth >= MAX_ANCESTORS {
        MAX_MENTION_FETCHES
    } else {
        0
    };
    let mut fetches = 0;
    for tag in &note.tags {
        let Tag::Mention { href } = tag else { continue };
        if policy.check_url(href).is_suspended() {
            continue;
        }
        let known = match urls::local_object(&state.base_url, href) {
            Some(_) => account_by_uri(state, href).await?,
            None => match db::remote_accounts::find_by_uri(&state.db, href).await? {
                Some(known) => Some(known.id),
                None if fetches < fetch_limit => {
                    fetches += 1;
                    account_by_uri(state, href).await?
                }
                None => None,
            },
        };
        if let Some(id) = known.filter(|id| !mentioned.contains(id)) {
            mentioned.push(id);
        }
    }
    let mut tags: Vec<String> = note
        .tags
        .iter()
        .filter_map(|t| match t {
            Tag::Hashtag { name } => Some(name.to_lowercase()),
            Tag::Mention { .. } => None,
        })
        .filter(|name| name.chars().all(|c| c.is_alphanumeric() || c == '_') && name.chars().count() <= 100)
        .collect();
    tags.sort_unstable();
    tags.dedup();
    let followers = db::remote_accounts::followers_url(&state.db, author).await?;
    let visibility = visibility_of(&note, followers.as_deref(), &mentioned_uris(&note));
    let (mut content, spoiler_text) = present_content(&note);
    let linked = |a: &&vocab::Attachment| a.url.starts_with("https://") || a.url.starts_with("http://");
    if verdict.reject_media {
        content.push_str(&media_as_links(note.attachments.iter().filter(linked)));
    }
    let attachments = note
        .attachments
        .iter()
        .filter(|_| !verdict.reject_media)
        .filter(linked)
        .map(|a| RemoteAttachment {
            url: a.url.clone(),
            content_type: a.media_type.clone().unwrap_or_else(|| "image/jpeg".into()),
            description: sanitize::remote_plain(a.name.as_deref().unwrap_or_default())
                .chars()
                .take(1500)
                .collect(),
            blurhash: a.blurhash.clone().filter(|b| b.len() <= 100),
            width: a.width.unwrap_or(0).max(0),
            height: a.height.unwrap_or(0).max(0),
        })
        .collect();
    let poll = note.poll.as_ref().map(|poll| RemotePoll {
        options: poll
            .options
            .iter()
            .map(|(title, _)| sanitize::remote_plain(title))
            .collect(),
        votes: poll.options.iter().map(|(_, votes)| *votes).collect(),
        multiple: poll.multiple,
        expires_at: poll.end_time,
        voters_count: poll.voters_count,
    });
    Ok(Some(RemoteStatus {
        uri: note.id.clone(),
        url: note.url.clone(),
        author,
        text: sanitize::to_plain_text(&content),
        content,
        spoiler_text,
        sensitive: note.sensitive,
        visibility,
        language: note.language.clone(),
        in_reply_to,
        mentioned,
        tags,
        emojis: if verdict.reject_media {
            Value::Array(Vec::new())
        } else {
            serde_json::to_value(&note.emojis).unwrap_or_default()
        },
        attachments,
        poll,
        published: note.published.unwrap_or_else(Utc::now),
        edited_at: note.updated,
        replies_url: note.replies.clone(),
        title: note
            .name
            .as_deref()
            .filter(|_| note.kind != "Note" && note.kind != "Question")
            .map(|name| sanitize::remote_plain(name).chars().take(500).collect()),
    }))
}

/// Attachments of a domain whose media we reject, shown as plain links after the text.
fn media_as_links<'a>(attachments: impl Iterator<Item = &'a vocab::Attachment>) -> String {
    attachments
        .map(|a| {
            let url = crate::text::escape_html(&a.url);
            format!("<p><a href=\"{url}\" rel=\"nofollow noopener\" target=\"_blank\">{url}</a></p>")
        })
        .collect()
}

fn mentioned_uris(note: &Note) -> Vec<String> {
    note.tags
        .iter()
        .filter_map(|t| match t {
            Tag::Mention { href } => Some(href.clone()),
            Tag::Hashtag { .. } => None,
        })
        .collect()
}

/// Mastodon's reading of addressing: Public in `to` is public, in `cc` unlisted; the author's
/// followers (or anyone beyond the mentioned) is private; only the mentioned is direct.
pub fn visibility_of(note: &Note, followers_url: Option<&str>, mentioned: &[String]) -> &'static str {
    if vocab::addresses_public(&note.to) {
        return "public";
    }
    if vocab::addresses_public(&note.cc) {
        return "unlisted";
    }
    let all = note.to.iter().chain(note.cc.iter());
    let mut beyond_mentions = false;
    for address in all {
        if Some(address.as_str()) == followers_url {
            return "private";
        }
        if !mentioned.contains(address) {
            beyond_mentions = true;
        }
    }
    if beyond_mentions { "private" } else { "direct" }
}

/// The HTML and content warning a status shows. Notes and Questions show their content under
/// their summary as a content warning. Other objects (Article, Page, Event, Image, Video,
/// Audio) are made to be read where they come from: they show their name in bold, their
/// summary, their content and a link to their `url` (else their id), with no content warning.
/// An Article's or Page's summary is left out when it has content, as servers put an excerpt
/// of the text there; a summary the same as the content is shown once.
fn present_content(note: &Note) -> (String, String) {
    if note.kind == "Note" || note.kind == "Question" {
        let spoiler = sanitize::remote_plain(note.summary.as_deref().unwrap_or_default());
        return (
            sanitize::remote_html(&note.content),
            spoiler.chars().take(1000).collect(),
        );
    }
    let mut html = String::new();
    if let Some(title) = note.name.as_deref().filter(|t| !t.trim().is_empty()) {
        html.push_str("<p><strong>");
        html.push_str(&crate::text::escape_html(&sanitize::remote_plain(title)));
        html.push_str("</strong></p>");
    }
    let content = Some(note.content.as_str()).filter(|c| !c.trim().is_empty());
    let excerpt = note.kind == "Article" || note.kind == "Page";
    let summary = note
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty() && Some(*s) != content)
        .filter(|_| !(excerpt && content.is_some()));
    for text in [summary, content].into_iter().flatten() {
        html.push_str(&sanitize::remote_html(text));
    }
    let url = note.url.as_deref().unwrap_or(&note.id);
    let escaped = crate::text::escape_html(url);
    html.push_str(&format!(
        "<p><a href=\"{escaped}\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">{escaped}</a></p>"
    ));
    (html, String::new())
}

/// What a URL turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Account(i64),
    Status(i64),
}

/// The account (by handle: `user@domain`, `@user@domain` or `acct:user@domain`) or object (by
/// URL) a search or a remote interaction names, fetched when unknown.
pub async fn by_query(state: &AppState, query: &str) -> AppResult<Option<Resolved>> {
    if query.starts_with("https://") || query.starts_with("http://") {
        return object_by_url(state, query).await;
    }
    let handle = query
        .strip_prefix("acct:")
        .unwrap_or(query)
        .trim_start_matches('@');
    let Some((username, domain)) = handle.split_once('@') else {
        return Ok(None);
    };
    let plausible =
        !username.is_empty() && !domain.is_empty() && !handle.contains([' ', '/']) && domain.contains('.');
    if !plausible {
        return Ok(None);
    }
    Ok(account_by_handle(state, username, domain)
        .await?
        .map(Resolved::Account))
}

/// Finds what a URL names (a search with `resolve=true`): ours, known, or fetched.
pub async fn object_by_url(state: &AppState, url: &str) -> AppResult<Option<Resolved>> {
    if let Some(local) = urls::local_object(&state.base_url, url) {
        return Ok(match local {
            LocalObject::Actor { .. } => account_by_uri(state, url).await?.map(Resolved::Account),
            LocalObject::Status { id, .. } => db::statuses::find(&state.db, id)
                .await?
                .map(|s| Resolved::Status(s.id)),
            LocalObject::InstanceActor => None,
        });
    }
    if db::remote_accounts::find_by_uri(&state.db, url).await?.is_some() {
        // Refreshed when stale, as when it is found by its handle.
        let found = account_by_uri(state, url).await?;
        return Ok(unsuspended(state, found).await?.map(Resolved::Account));
    }
    if let Some(id) = db::statuses::find_id_by_uri(&state.db, url).await? {
        return Ok(Some(Resolved::Status(id)));
    }
    let document = match fetch_document(state, url).await {
        Ok(document) => document,
        Err(error) => {
            tracing::info!(%url, %error, "nothing found at the URL");
            return Ok(None);
        }
    };
    if vocab::types_of(&document)
        .iter()
        .any(|t| vocab::ACTOR_TYPES.contains(t))
    {
        let Ok(id) = store_actor(state, &document).await else {
            return Ok(None);
        };
        let Some(id) = unsuspended(state, Some(id)).await? else {
            return Ok(None);
        };
        crate::jobs::enqueue(
            &state.db,
            &crate::jobs::Job::BackfillOutbox { account_id: id },
            Utc::now(),
        )
        .await?;
        return Ok(Some(Resolved::Account(id)));
    }
    match store_note(state, &document).await {
        Ok(found) => Ok(found.map(Resolved::Status)),
        Err(error) => {
            tracing::info!(%url, %error, "object not stored");
            Ok(None)
        }
    }
}

/// Most remote handles looked up for one status being posted.
const MAX_MENTION_LOOKUPS: usize = 10;

/// Looks up the remote accounts `@user@domain` mentions in `text` names, so that rendering the
/// status (which reads only the database) links and addresses them. Unknown handles stay text.
pub async fn prepare_mentions(state: &AppState, text: &str) -> AppResult<()> {
    let ours = state.config.server.domain.to_ascii_lowercase();
    let handles = crate::text::compose::tokenize(text)
        .into_iter()
        .filter_map(|token| match token {
            crate::text::compose::Token::Mention {
                username,
                domain: Some(domain),
                ..
            } if domain.to_ascii_lowercase() != ours => Some((username, domain)),
            _ => None,
        })
        .take(MAX_MENTION_LOOKUPS);
    for (username, domain) in handles {
        account_by_handle(state, &username, &domain).await?;
    }
    Ok(())
}

/// Statuses read from the outbox of a newly found account.
pub const OUTBOX_BACKFILL: usize = 20;

/// Stores the newest public statuses of a remote account's outbox (first page, at most
/// [`OUTBOX_BACKFILL`]): only Creates of the account's own objects, on its host.
pub async fn backfill_outbox(state: &AppState, account_id: i64) -> AppResult<()> {
    let Some((actor, outbox)) = db::remote_accounts::outbox_of(&state.db, account_id).await? else {
        return Ok(());
    };
    if !vocab::same_host(&outbox, &actor) {
        return Ok(());
    }
    let Ok(collection) = fetch_document(state, &outbox).await else {
        return Ok(());
    };
    let page = match collection.get("first") {
        Some(Value::String(url)) if vocab::same_host(url, &actor) => match fetch_document(state, url).await {
            Ok(page) => page,
            Err(_) => return Ok(()),
        },
        Some(embedded @ Value::Object(_)) => embedded.clone(),
        _ => collection,
    };
    let mut items = vocab::many(&page, "orderedItems");
    if items.is_empty() {
        items = vocab::many(&page, "items");
    }
    for item in items.into_iter().take(OUTBOX_BACKFILL) {
        if !vocab::has_type(item, "Create") || vocab::id_at(item, "actor") != Some(actor.as_str()) {
            continue;
        }
        let Some(object) = item.get("object").filter(|o| o.is_object()) else {
            continue;
        };
        let author = vocab::id_at(object, "attributedTo");
        let own = author == Some(actor.as_str())
            && vocab::id_of(object).is_some_and(|id| vocab::same_host(id, &actor));
        if !own {
            continue;
        }
        if let Err(error) = store_note_within(state, object, 0).await {
            tracing::info!(%actor, %error, "outbox item not stored");
        }
    }
    Ok(())
}
