//! Turns rows into the entities clients read, loading what they refer to in a few batched
//! queries (accounts, counts, mentions, tags, media, the viewer's marks, boosted originals).

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::AppState;
use crate::caches::Ticket;
use crate::caches::rendered::RenderedStatus;
use crate::db;
use crate::db::cache_events::CacheEvent;
use crate::db::status_display::Audience;
use crate::error::AppResult;
use crate::mastodon::entities::{
    Account, MediaAttachment, Poll, Status, StatusApplication, StatusMention, StatusTag, format_id,
    format_time,
};

/// Accounts by id, rendered with their live counts; a suspended domain's accounts cannot be
/// found or looked up, wherever they would show, and are left out.
pub async fn accounts(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, Account>> {
    rendered_accounts(state, ids, Readers::Anyone).await
}

/// Accounts by id, rendered with their live counts, whatever rule applies to their domain: the
/// staff moderate them.
pub async fn accounts_for_staff(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, Account>> {
    rendered_accounts(state, ids, Readers::Staff).await
}

/// Who reads the accounts: anyone (suspended accounts and suspended domains' accounts left
/// out) or the staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readers {
    Anyone,
    Staff,
}

async fn rendered_accounts(
    state: &AppState,
    ids: &[i64],
    readers: Readers,
) -> AppResult<HashMap<i64, Account>> {
    let mut rendered = rendered_rows(state, ids, readers).await?;
    // Accounts that moved show where to (one more query, only when some did).
    let moved_to: HashMap<i64, i64> = rendered
        .iter()
        .filter_map(|(id, (_, to))| Some((*id, (*to)?)))
        .collect();
    let mut targets = HashMap::new();
    if !moved_to.is_empty() {
        let wanted: Vec<i64> = moved_to.values().copied().collect();
        targets = rendered_rows(state, &wanted, readers).await?;
    }
    Ok(rendered
        .drain()
        .map(|(id, (mut account, _))| {
            account.moved = moved_to
                .get(&id)
                .and_then(|to| targets.get(to))
                .map(|(target, _)| Box::new(target.clone()));
            (id, account)
        })
        .collect())
}

/// Accounts by id with their counts, and the account each moved to.
async fn rendered_rows(
    state: &AppState,
    ids: &[i64],
    readers: Readers,
) -> AppResult<HashMap<i64, (Account, Option<i64>)>> {
    let policy = &state.federation.policy;
    // Suspended accounts are gone for everyone but the staff, and with them their statuses
    // wherever a page is put together (context, `statuses?id[]=`, favourites, bookmarks).
    let include_suspended = readers == Readers::Staff;
    let mut rows = db::accounts::list_with_stats(&state.db, ids, include_suspended).await?;
    if readers == Readers::Anyone {
        rows.retain(|(row, _)| {
            row.domain
                .as_deref()
                .is_none_or(|domain| !policy.is_suspended(domain))
        });
    }
    Ok(rows
        .iter()
        .map(|(row, stat)| {
            let mut account = Account::from_row(row, &state.config);
            account.followers_count = stat.followers_count;
            account.following_count = stat.following_count;
            account.statuses_count = stat.statuses_count;
            account.last_status_at = stat.last_status_at.map(|t| t.date_naive().to_string());
            (row.id, (account, row.moved_to_account_id))
        })
        .collect())
}

/// Accounts in the order of `ids` (unknown ids left out).
pub async fn accounts_in_order(state: &AppState, ids: &[i64]) -> AppResult<Vec<Account>> {
    let mut found = accounts(state, ids).await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// One account, rendered with its live counts.
pub async fn account(state: &AppState, id: i64) -> AppResult<Option<Account>> {
    Ok(accounts(state, &[id]).await?.remove(&id))
}

/// Statuses by id in the order given, as `viewer` sees them, from the database. Unknown ids and
/// statuses the viewer may not see are left out: every status a client is shown passes the one
/// visibility rule here (in the display query), so a route cannot forget it. Timelines use
/// [`statuses_under`]: waiting for the change log is worth it for a page of forty, not for the
/// one status a write answers with.
pub async fn statuses(state: &AppState, ids: &[i64], viewer: Option<i64>) -> AppResult<Vec<Status>> {
    statuses_for(state, ids, viewer, None, Audience::Viewer).await
}

/// Statuses put before the staff (a report's), whatever their visibility: `staff` must be a
/// moderator or admin, checked by the caller.
pub async fn statuses_for_staff(state: &AppState, ids: &[i64], staff: i64) -> AppResult<Vec<Status>> {
    statuses_for(state, ids, Some(staff), None, Audience::Staff).await
}

/// A status for live recipients already chosen by the timelines' rules (streaming): rendered once
/// for all of them, so without any viewer's marks, whatever its visibility. The caller must have
/// applied the rule to every recipient.
pub async fn status_for_recipients(state: &AppState, id: i64) -> AppResult<Option<Status>> {
    Ok(statuses_for(state, &[id], None, None, Audience::Staff)
        .await?
        .into_iter()
        .next())
}

/// As [`statuses`], for a timeline that holds a ticket for the caches (`None`: render all from
/// the database). Statuses and accounts as everyone sees them come from the caches where kept
/// (and are kept once rendered); statuses with a poll, which differ by viewer and by the minute,
/// are always rendered afresh; the viewer's marks come from the caches too. A status found in the
/// caches is not checked again: `ids` must come from a timeline query that applied the visibility
/// rule for `viewer`.
pub async fn statuses_under(
    state: &AppState,
    ids: &[i64],
    viewer: Option<i64>,
    ticket: Option<Ticket>,
) -> AppResult<Vec<Status>> {
    statuses_for(state, ids, viewer, ticket, Audience::Viewer).await
}

async fn statuses_for(
    state: &AppState,
    ids: &[i64],
    viewer: Option<i64>,
    ticket: Option<Ticket>,
    audience: Audience,
) -> AppResult<Vec<Status>> {
    let mut parts: HashMap<i64, Arc<RenderedStatus>> = HashMap::new();
    if ticket.is_some() {
        state.caches.with(|caches| {
            for id in ids {
                if let Some(kept) = caches.rendered.status(*id) {
                    if let Some(original_id) = kept.reblog_of
                        && let Some(original) = caches.rendered.status(original_id)
                    {
                        parts.insert(original_id, original);
                    }
                    parts.insert(*id, kept);
                }
            }
        });
    }
    let mut missing: Vec<i64> = ids
        .iter()
        .copied()
        .chain(parts.values().filter_map(|p| p.reblog_of))
        .filter(|id| !parts.contains_key(id))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    // Rendering for the viewer differs only in polls (never kept) and brings the viewer's marks.
    let mut accounts: HashMap<i64, Account> = HashMap::new();
    let mut marks: HashMap<i64, db::statuses::ViewerMarks> = HashMap::new();
    if !missing.is_empty() {
        for (part, has_poll, mark) in render_rows(state, &missing, viewer, audience).await? {
            marks.insert(part.id, mark);
            accounts.insert(part.account_id, part.status.account.clone());
            let part = Arc::new(part);
            if let (Some(ticket), false) = (ticket, has_poll) {
                keep_status(state, ticket, &part);
            }
            parts.insert(part.id, part);
        }
    }
    let wanted_accounts: Vec<i64> = parts
        .values()
        .map(|p| p.account_id)
        .filter(|id| !accounts.contains_key(id))
        .collect();
    accounts.extend(kept_accounts(state, &wanted_accounts, ticket).await?);
    if let Some(viewer) = viewer {
        let unmarked: Vec<i64> = parts
            .keys()
            .copied()
            .filter(|id| !marks.contains_key(id))
            .collect();
        marks.extend(viewer_marks(state, viewer, &unmarked, ticket).await?);
    }
    let shown = Shown {
        parts: &parts,
        accounts: &accounts,
        marks: &marks,
        viewer,
        policy: &state.federation.policy,
    };
    Ok(ids
        .iter()
        .filter_map(|id| {
            let mut status = shown.one(*id)?;
            if let Some(original) = parts.get(id).and_then(|p| p.reblog_of) {
                status.reblog = Some(Box::new(shown.one(original)?));
            }
            Some(status)
        })
        .collect())
}

/// What a page of statuses is put together from.
struct Shown<'a> {
    parts: &'a HashMap<i64, Arc<RenderedStatus>>,
    accounts: &'a HashMap<i64, Account>,
    marks: &'a HashMap<i64, db::statuses::ViewerMarks>,
    viewer: Option<i64>,
    policy: &'a crate::moderation::DomainPolicy,
}

impl Shown<'_> {
    /// One status with its account and the viewer's marks (`reblog` left to the caller).
    fn one(&self, id: i64) -> Option<Status> {
        let part = self.parts.get(&id)?;
        let account = self.accounts.get(&part.account_id)?;
        if account_domain(account).is_some_and(|domain| self.policy.is_suspended(domain)) {
            return None;
        }
        let mut status = part.status.clone();
        status.account = account.clone();
        if self.viewer.is_some() {
            let mark = self.marks.get(&id).cloned().unwrap_or_default();
            status.favourited = Some(mark.favourited);
            status.reblogged = Some(mark.reblogged);
            status.muted = Some(mark.muted);
            status.bookmarked = Some(mark.bookmarked);
            status.pinned = Some(mark.pinned);
        }
        Some(status)
    }
}

/// A remote account's domain, from its `acct`.
fn account_domain(account: &Account) -> Option<&str> {
    account.acct.split_once('@').map(|(_, domain)| domain)
}

/// Keeps a status rendered for everyone, unless a change read since the request began concerns it.
fn keep_status(state: &AppState, ticket: Ticket, part: &Arc<RenderedStatus>) {
    state.caches.with(|caches| {
        let concerns = |event: &CacheEvent| match event.kind {
            b's' => event.target == part.id,
            b'c' => event.target == part.account_id,
            _ => false,
        };
        if caches.may_keep(ticket, concerns) {
            caches.rendered.insert_status(part.id, part.clone());
            caches
                .rendered
                .insert_account(part.account_id, part.status.account.clone());
        }
    });
}

/// `viewer`'s marks on `ids`: those kept, the rest read (and kept).
async fn viewer_marks(
    state: &AppState,
    viewer: i64,
    ids: &[i64],
    ticket: Option<Ticket>,
) -> AppResult<HashMap<i64, db::statuses::ViewerMarks>> {
    let (mut found, missing) = match ticket {
        Some(_) => state.caches.with(|caches| caches.members.marks(viewer, ids)),
        None => (HashMap::new(), ids.to_vec()),
    };
    if missing.is_empty() {
        return Ok(found);
    }
    let read: HashMap<i64, db::statuses::ViewerMarks> =
        db::statuses::list_viewer_marks(&state.db, viewer, &missing)
            .await?
            .into_iter()
            .map(|m| (m.status_id, m))
            .collect();
    if let Some(ticket) = ticket {
        state.caches.with(|caches| {
            if caches.may_keep(ticket, |event| event.kind == b'v' && event.target == viewer) {
                caches.members.insert_marks(viewer, &missing, &read);
            }
        });
    }
    found.extend(read);
    Ok(found)
}

/// Accounts for a page: those kept, the rest rendered from the database (and kept).
async fn kept_accounts(
    state: &AppState,
    ids: &[i64],
    ticket: Option<Ticket>,
) -> AppResult<HashMap<i64, Account>> {
    let (mut found, mut missing) = match ticket {
        Some(_) => state.caches.with(|caches| caches.rendered.accounts(ids)),
        None => (HashMap::new(), ids.to_vec()),
    };
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        return Ok(found);
    }
    let rendered = accounts(state, &missing).await?;
    if let Some(ticket) = ticket {
        state.caches.with(|caches| {
            for (id, account) in &rendered {
                if caches.may_keep(ticket, |event| event.kind == b'c' && event.target == *id) {
                    caches.rendered.insert_account(*id, account.clone());
                }
            }
        });
    }
    found.extend(rendered);
    Ok(found)
}

/// The statuses `ids` and the originals they boost, each rendered alone (`reblog` and marks left
/// empty: [`statuses_under`] adds them), as `viewer` sees them; with whether each has a poll and
/// the viewer's marks.
async fn render_rows(
    state: &AppState,
    ids: &[i64],
    viewer: Option<i64>,
    audience: Audience,
) -> AppResult<Vec<(RenderedStatus, bool, db::statuses::ViewerMarks)>> {
    // One query for the statuses and what they show; polls, votes and media only when some
    // status on the page has them.
    let rows = db::status_display::list(&state.db, ids, viewer, audience).await?;
    let all_ids: Vec<i64> = rows.iter().map(|r| r.status.id).collect();
    let mut account_ids: Vec<i64> = rows.iter().map(|r| r.status.account_id).collect();
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts = accounts(state, &account_ids).await?;
    let polls = if rows.iter().any(|r| r.has_poll) {
        db::polls::list_by_status_ids(&state.db, &all_ids).await?
    } else {
        Vec::new()
    };
    let poll_ids: Vec<i64> = polls.iter().map(|p| p.id).collect();
    let own_votes = match viewer {
        Some(viewer) if !poll_ids.is_empty() => {
            db::polls::list_own_votes(&state.db, viewer, &poll_ids).await?
        }
        _ => Vec::new(),
    };
    let media = if rows.iter().any(|r| r.has_media) {
        db::media::list_by_status_ids(&state.db, &all_ids).await?
    } else {
        Vec::new()
    };
    // Media of accounts the staff marked sensitive are shown as sensitive (asked only when
    // there are media).
    let sensitized = if media.is_empty() {
        Vec::new()
    } else {
        db::account_moderation::list_sensitized(&state.db, &account_ids).await?
    };
    let base = &state.base_url;

    let render_one = |shown: &db::status_display::DisplayRow| -> Option<Status> {
        let row = &shown.status;
        let account = accounts.get(&row.account_id)?.clone();
        let (uri, url) = if row.local {
            (
                format!("{base}/users/{}/statuses/{}", account.username, row.id),
                Some(format!("{base}/@{}/{}", account.username, row.id)),
            )
        } else {
            let uri = row.uri.clone().unwrap_or_default();
            (uri.clone(), row.url.clone().or(Some(uri)))
        };
        Some(Status {
            id: format_id(row.id),
            uri,
            url,
            created_at: format_time(row.created_at),
            edited_at: row.edited_at.map(format_time),
            account,
            content: row.content.clone(),
            text: None,
            visibility: row.visibility.clone(),
            sensitive: row.sensitive
                || (sensitized.contains(&row.account_id)
                    && media.iter().any(|m| m.status_id == Some(row.id))),
            spoiler_text: row.spoiler_text.clone(),
            language: row.language.clone(),
            media_attachments: media
                .iter()
                .filter(|m| m.status_id == Some(row.id))
                .map(|m| serde_json::to_value(MediaAttachment::from_row(m, base)).unwrap_or_default())
                .collect(),
            application: shown
                .application
                .as_ref()
                .map(|(name, website)| StatusApplication {
                    name: name.clone(),
                    website: website.clone(),
                }),
            mentions: shown
                .mentions
                .iter()
                .map(|m| {
                    let local = m.domain.is_none();
                    StatusMention {
                        id: format_id(m.account_id),
                        username: m.username.clone(),
                        url: if local {
                            format!("{base}/@{}", m.username)
                        } else {
                            m.url.clone().or_else(|| m.uri.clone()).unwrap_or_default()
                        },
                        acct: match &m.domain {
                            None => m.username.clone(),
                            Some(domain) => format!("{}@{domain}", m.username),
                        },
                    }
                })
                .collect(),
            tags: shown
                .tags
                .iter()
                .map(|name| StatusTag {
                    url: format!("{base}/tags/{}", name.to_lowercase()),
                    name: name.to_lowercase(),
                })
                .collect(),
            emojis: crate::mastodon::entities::custom_emojis(&row.emojis),
            reblogs_count: row.reblogs_count,
            favourites_count: row.favourites_count,
            replies_count: row.replies_count,
            in_reply_to_id: row.in_reply_to_id.map(format_id),
            in_reply_to_account_id: row.in_reply_to_account_id.map(format_id),
            reblog: None,
            poll: polls
                .iter()
                .find(|p| p.status_id == row.id)
                .map(|p| serde_json::to_value(Poll::from_row(p, viewer, &own_votes)).unwrap_or_default()),
            card: None,
            filtered: Vec::new(),
            favourited: None,
            reblogged: None,
            muted: None,
            bookmarked: None,
            pinned: None,
        })
    };

    Ok(rows
        .iter()
        .filter_map(|row| {
            let status = render_one(row)?;
            Some((
                RenderedStatus {
                    id: row.status.id,
                    status,
                    account_id: row.status.account_id,
                    reblog_of: row.status.reblog_of_id,
                },
                row.has_poll,
                row.marks.clone(),
            ))
        })
        .collect())
}

/// One status as `viewer` sees it.
pub async fn status(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<Option<Status>> {
    Ok(statuses(state, &[id], viewer).await?.into_iter().next())
}
