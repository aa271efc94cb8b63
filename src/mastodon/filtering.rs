//! Applying a member's filters to the statuses they read: matches are reported in `filtered`,
//! and statuses matching a `hide` filter are left out, per context (home, notifications,
//! public, thread, account).

use std::sync::Arc;

use chrono::Utc;
use regex::RegexBuilder;
use serde_json::json;

use crate::app::AppState;
use crate::caches::Ticket;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::entities::{FilterV2, Status};

/// Plain text of HTML content: tags removed, the common entities decoded.
fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn keyword_matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if whole_word {
        RegexBuilder::new(&format!(r"\b{}\b", regex::escape(keyword)))
            .case_insensitive(true)
            .build()
            .is_ok_and(|pattern| pattern.is_match(text))
    } else {
        text.to_lowercase().contains(&keyword.to_lowercase())
    }
}

/// Applies `viewer`'s active filters for `context` to rendered statuses.
pub async fn apply(
    state: &AppState,
    viewer: Option<i64>,
    context: &str,
    statuses: Vec<Status>,
) -> AppResult<Vec<Status>> {
    apply_under(state, viewer, context, statuses, None).await
}

/// `viewer`'s filters, kept in the caches under `ticket` (read each time without one).
async fn filters_of(
    state: &AppState,
    viewer: i64,
    ticket: Option<Ticket>,
) -> AppResult<Arc<Vec<db::filters::Filter>>> {
    let Some(ticket) = ticket else {
        return Ok(Arc::new(db::filters::list_by_owner(&state.db, viewer).await?));
    };
    if let Some(kept) = state.caches.with(|caches| caches.members.filters(viewer)) {
        return Ok(kept);
    }
    let filters = Arc::new(db::filters::list_by_owner(&state.db, viewer).await?);
    state.caches.with(|caches| {
        if caches.may_keep(ticket, |event| event.kind == b'f' && event.target == viewer) {
            caches.members.insert_filters(viewer, filters.clone());
        }
    });
    Ok(filters)
}

/// As [`apply`], for a request holding a ticket for the caches.
pub async fn apply_under(
    state: &AppState,
    viewer: Option<i64>,
    context: &str,
    statuses: Vec<Status>,
    ticket: Option<Ticket>,
) -> AppResult<Vec<Status>> {
    let Some(viewer) = viewer else {
        return Ok(statuses);
    };
    let now = Utc::now();
    let filters: Vec<db::filters::Filter> = filters_of(state, viewer, ticket)
        .await?
        .iter()
        .filter(|f| f.expires_at.is_none_or(|at| at > now) && f.context.iter().any(|c| c == context))
        .cloned()
        .collect();
    if filters.is_empty() {
        return Ok(statuses);
    }
    let keywords = db::filters::list_keywords_by_owner(&state.db, viewer).await?;
    let filtered_statuses = db::filters::list_statuses_by_owner(&state.db, viewer).await?;
    let mut kept = Vec::with_capacity(statuses.len());
    'statuses: for mut status in statuses {
        let subject = status.reblog.as_deref().unwrap_or(&status);
        if subject.account.id == viewer.to_string() {
            kept.push(status);
            continue;
        }
        let text = format!("{} {}", plain_text(&subject.content), subject.spoiler_text);
        let subject_id = subject.id.clone();
        let mut results = Vec::new();
        for filter in &filters {
            let keyword_hits: Vec<String> = keywords
                .iter()
                .filter(|k| k.filter_id == filter.id && keyword_matches(&text, &k.keyword, k.whole_word))
                .map(|k| k.keyword.clone())
                .collect();
            let status_hits: Vec<String> = filtered_statuses
                .iter()
                .filter(|s| s.filter_id == filter.id && s.status_id.to_string() == subject_id)
                .map(|s| s.status_id.to_string())
                .collect();
            if keyword_hits.is_empty() && status_hits.is_empty() {
                continue;
            }
            if filter.action == "hide" {
                continue 'statuses;
            }
            results.push(json!({
                "filter": FilterV2::from_rows(filter, &keywords, &filtered_statuses),
                "keyword_matches": (!keyword_hits.is_empty()).then_some(keyword_hits),
                "status_matches": (!status_hits.is_empty()).then_some(status_hits),
            }));
        }
        status.filtered = results;
        kept.push(status);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_whole_words_or_anywhere() {
        let text = plain_text("<p>The <b>finale</b> aired &amp; spoiled</p>");
        assert!(keyword_matches(&text, "Finale", true));
        assert!(!keyword_matches(&text, "final", true));
        assert!(keyword_matches(&text, "final", false));
        assert!(keyword_matches(&text, "& spoiled", false));
    }
}
