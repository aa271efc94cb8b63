//! Turns rows into the entities clients read, loading what they refer to in a few batched
//! queries (accounts, counts, mentions, tags, media, the viewer's marks, boosted originals).

use std::collections::HashMap;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::entities::{
    Account, MediaAttachment, Poll, Status, StatusApplication, StatusMention, StatusTag, format_id,
    format_time,
};

/// Accounts by id, rendered with their live counts; a suspended domain's accounts cannot be
/// found or looked up, wherever they would show, and are left out.
pub async fn accounts(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, Account>> {
    let policy = &state.federation.policy;
    let mut rows = db::accounts::list_with_stats(&state.db, ids).await?;
    rows.retain(|(row, _)| {
        row.domain
            .as_deref()
            .is_none_or(|domain| !policy.is_suspended(domain))
    });
    Ok(rendered_accounts(state, &rows))
}

/// Accounts by id, rendered with their live counts, whatever rule applies to their domain: the
/// staff moderate them.
pub async fn accounts_for_staff(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, Account>> {
    let rows = db::accounts::list_with_stats(&state.db, ids).await?;
    Ok(rendered_accounts(state, &rows))
}

fn rendered_accounts(
    state: &AppState,
    rows: &[(db::accounts::Account, db::accounts::Stats)],
) -> HashMap<i64, Account> {
    rows.iter()
        .map(|(row, stat)| {
            let mut account = Account::from_row(row, &state.config);
            account.followers_count = stat.followers_count;
            account.following_count = stat.following_count;
            account.statuses_count = stat.statuses_count;
            account.last_status_at = stat.last_status_at.map(|t| t.date_naive().to_string());
            (row.id, account)
        })
        .collect()
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

/// Statuses by id in the order given, as `viewer` sees them (unknown ids left out).
pub async fn statuses(state: &AppState, ids: &[i64], viewer: Option<i64>) -> AppResult<Vec<Status>> {
    // One query for the statuses and what they show; polls, votes and media only when some
    // status on the page has them.
    let rows = db::status_display::list(&state.db, ids, viewer).await?;
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
    let by_id: HashMap<i64, &db::status_display::DisplayRow> =
        rows.iter().map(|r| (r.status.id, r)).collect();

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
        let mark = &shown.marks;
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
            favourited: viewer.map(|_| mark.favourited),
            reblogged: viewer.map(|_| mark.reblogged),
            muted: viewer.map(|_| mark.muted),
            bookmarked: viewer.map(|_| mark.bookmarked),
            pinned: viewer.map(|_| mark.pinned),
        })
    };

    Ok(ids
        .iter()
        .filter_map(|id| by_id.get(id))
        .filter_map(|row| {
            let mut status = render_one(row)?;
            if let Some(original) = row.status.reblog_of_id {
                let original = render_one(by_id.get(&original)?)?;
                status.reblog = Some(Box::new(original));
            }
            Some(status)
        })
        .collect())
}

/// One status as `viewer` sees it.
pub async fn status(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<Option<Status>> {
    Ok(statuses(state, &[id], viewer).await?.into_iter().next())
}
