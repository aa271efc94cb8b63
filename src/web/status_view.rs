//! A local status as the public HTML pages show it (profile and status pages).

use chrono::{DateTime, Utc};

use crate::federation::render::{Host, LocalStatus};
use crate::federation::urls;
use crate::media::storage;

/// A media attachment on a page.
#[derive(Debug, Clone)]
pub struct MediaView {
    pub url: String,
    pub preview_url: String,
    pub description: String,
    pub width: i32,
    pub height: i32,
}

/// A poll option with its votes (None while totals are hidden).
#[derive(Debug, Clone)]
pub struct OptionView {
    pub title: String,
    pub votes: Option<i64>,
}

/// A poll on a page.
#[derive(Debug, Clone)]
pub struct PollView {
    pub options: Vec<OptionView>,
    pub voters_count: i64,
    pub closed: bool,
    /// The end, as shown.
    pub ends: Option<String>,
}

/// A status on a page. `content_html` is our own rendering of the member's text (stored in
/// `statuses.content`); everything else is escaped by the templates.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub page_url: String,
    pub content_html: String,
    /// The text as typed (for descriptions).
    pub text: String,
    pub spoiler_text: String,
    pub published_iso: String,
    pub published: String,
    pub edited: Option<String>,
    pub in_reply_to: Option<String>,
    pub media: Vec<MediaView>,
    pub poll: Option<PollView>,
    pub replies_count: i32,
    pub reblogs_count: i32,
    pub favourites_count: i32,
}

/// A time as pages show it: `2026-10-14 19:03 UTC`.
pub fn shown_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl StatusView {
    /// The view of a loaded local status (`now` tells whether its poll has ended).
    pub fn new(host: Host<'_>, local: &LocalStatus, now: DateTime<Utc>) -> Self {
        let status = &local.status;
        let media_url = |media: &crate::db::media::Media, small: bool| {
            let extension = storage::extension(&media.content_type).unwrap_or("bin");
            urls::media_file(
                host.base_url,
                &storage::file_name(media.id, &media.file_key, small, extension),
            )
        };
        let poll = local.poll.as_ref().map(|poll| {
            let closed = poll.expires_at.is_some_and(|end| end <= now);
            let show_totals = closed || !poll.hide_totals;
            PollView {
                options: poll
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, title)| OptionView {
                        title: title.clone(),
                        votes: show_totals.then(|| poll.tallies.get(i).copied().unwrap_or(0)),
                    })
                    .collect(),
                voters_count: poll.voters_count,
                closed,
                ends: poll.expires_at.map(shown_time),
            }
        });
        StatusView {
            page_url: urls::status_page(host.base_url, &local.author, status.id),
            content_html: status.content.clone(),
            text: status.text.clone(),
            spoiler_text: status.spoiler_text.clone(),
            published_iso: crate::federation::render::time(status.created_at),
            published: shown_time(status.created_at),
            edited: status.edited_at.map(shown_time),
            in_reply_to: local.in_reply_to.clone(),
            media: local
                .media
                .iter()
                .map(|media| MediaView {
                    url: media_url(media, false),
                    preview_url: media_url(media, true),
                    description: media.description.clone(),
                    width: media.small_width,
                    height: media.small_height,
                })
                .collect(),
            poll,
            replies_count: status.replies_count,
            reblogs_count: status.reblogs_count,
            favourites_count: status.favourites_count,
        }
    }

    /// Plain text for a preview (`og:description`): the content warning when there is one
    /// (the text stays behind it), else the text and the poll's options.
    pub fn description(&self) -> String {
        if !self.spoiler_text.is_empty() {
            return format!("Content warning: {}", self.spoiler_text);
        }
        let mut text = self.text.clone();
        if let Some(poll) = &self.poll {
            for option in &poll.options {
                text.push_str(&format!("\n[ ] {}", option.title));
            }
        }
        shorten(&text, 300)
    }
}

/// Text cut to at most `limit` characters, with an ellipsis when cut.
pub fn shorten(text: &str, limit: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("  short  ", 10), "short");
        assert_eq!(shorten("abcdefghijk", 5), "abcd…");
    }
}
