//! A status as the member pages show it, read from the API's own presentation (so a page and an
//! app always agree on what a viewer may see, and on every count and mark).

use serde_json::Value;

use crate::mastodon::entities::{Account, Status};

/// An account as a line on a page: name, handle, picture and where its page is.
#[derive(Debug, Clone)]
pub struct AccountLine {
    pub id: String,
    pub display_name: String,
    /// `@name` for local accounts, `@name@domain` for remote ones.
    pub handle: String,
    pub avatar: String,
    /// The account's page on this site.
    pub page: String,
    pub bot: bool,
    pub locked: bool,
}

impl AccountLine {
    pub fn new(account: &Account) -> Self {
        AccountLine {
            id: account.id.clone(),
            display_name: if account.display_name.trim().is_empty() {
                account.username.clone()
            } else {
                account.display_name.clone()
            },
            handle: format!("@{}", account.acct),
            avatar: account.avatar.clone(),
            page: format!("/accounts/{}", account.id),
            bot: account.bot,
            locked: account.locked,
        }
    }
}

/// A picture, video or other file attached to a post.
#[derive(Debug, Clone)]
pub struct MediaLine {
    pub kind: String,
    pub url: String,
    pub preview_url: String,
    pub description: String,
}

/// A poll option with its votes and share.
#[derive(Debug, Clone)]
pub struct PollOption {
    pub index: usize,
    pub title: String,
    pub votes: Option<i64>,
    pub percent: i64,
    pub chosen: bool,
}

/// A poll as a page shows it: a form while the member may vote, results otherwise.
#[derive(Debug, Clone)]
pub struct PollLine {
    pub id: String,
    pub multiple: bool,
    pub options: Vec<PollOption>,
    pub voters_count: i64,
    pub closed: bool,
    pub voted: bool,
    pub ends: Option<String>,
}

impl PollLine {
    /// Whether the page offers the voting form.
    pub fn votable(&self, signed_in: &bool) -> bool {
        *signed_in && !self.closed && !self.voted
    }
}

/// One status on a page. `content_html` is sanitized HTML (ours from `text/`, remote text
/// sanitized when it arrived); everything else is escaped by the templates.
#[derive(Debug, Clone)]
pub struct PostView {
    pub id: String,
    pub author: AccountLine,
    /// Who boosted it, when the line is a boost.
    pub boosted_by: Option<AccountLine>,
    pub content_html: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub created_at: String,
    pub shown_time: String,
    pub edited: bool,
    pub in_reply_to_id: Option<String>,
    pub media: Vec<MediaLine>,
    pub poll: Option<PollLine>,
    pub replies_count: i32,
    pub reblogs_count: i32,
    pub favourites_count: i32,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    /// The viewer wrote it (so may edit and delete it).
    pub own: bool,
    /// Public or unlisted: others may boost it.
    pub boostable: bool,
    /// Where the original lives (remote posts), for "open on its server".
    pub url: Option<String>,
    /// The names of filters that ask for a warning before it.
    pub filtered: Vec<String>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `2026-10-14T19:03:00.000Z` as `2026-10-14 19:03 UTC`.
pub fn shown_time(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(at) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => iso.to_owned(),
    }
}

fn poll_line(poll: &Value) -> Option<PollLine> {
    let options = poll.get("options")?.as_array()?;
    let own: Vec<i64> = poll
        .get("own_votes")
        .and_then(Value::as_array)
        .map(|votes| votes.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let total = poll.get("votes_count").and_then(Value::as_i64).unwrap_or(0);
    Some(PollLine {
        id: text(poll, "id"),
        multiple: poll.get("multiple").and_then(Value::as_bool).unwrap_or(false),
        options: options
            .iter()
            .enumerate()
            .map(|(index, option)| {
                let votes = option.get("votes_count").and_then(Value::as_i64);
                PollOption {
                    index,
                    title: text(option, "title"),
                    votes,
                    percent: match votes {
                        Some(votes) if total > 0 => votes * 100 / total,
                        _ => 0,
                    },
                    chosen: own.contains(&(index as i64)),
                }
            })
            .collect(),
        voters_count: poll.get("voters_count").and_then(Value::as_i64).unwrap_or(0),
        closed: poll.get("expired").and_then(Value::as_bool).unwrap_or(false),
        voted: poll.get("voted").and_then(Value::as_bool).unwrap_or(false),
        ends: poll.get("expires_at").and_then(Value::as_str).map(shown_time),
    })
}

impl PostView {
    /// The line for `status` as `viewer` sees it; a boost shows its original, marked as boosted.
    pub fn new(status: &Status, viewer: Option<&str>) -> Self {
        let (shown, boosted_by) = match &status.reblog {
            Some(original) => (original.as_ref(), Some(AccountLine::new(&status.account))),
            None => (status, None),
        };
        PostView {
            id: shown.id.clone(),
            author: AccountLine::new(&shown.account),
            boosted_by,
            content_html: shown.content.clone(),
            spoiler_text: shown.spoiler_text.clone(),
            sensitive: shown.sensitive,
            visibility: shown.visibility.clone(),
            language: shown.language.clone(),
            created_at: shown.created_at.clone(),
            shown_time: shown_time(&shown.created_at),
            edited: shown.edited_at.is_some(),
            in_reply_to_id: shown.in_reply_to_id.clone(),
            media: shown
                .media_attachments
                .iter()
                .map(|media| MediaLine {
                    kind: text(media, "type"),
                    url: text(media, "url"),
                    preview_url: {
                        let preview = text(media, "preview_url");
                        if preview.is_empty() {
                            text(media, "url")
                        } else {
                            preview
                        }
                    },
                    description: text(media, "description"),
                })
                .collect(),
            poll: shown.poll.as_ref().and_then(poll_line),
            replies_count: shown.replies_count,
            reblogs_count: shown.reblogs_count,
            favourites_count: shown.favourites_count,
            favourited: shown.favourited.unwrap_or(false),
            reblogged: shown.reblogged.unwrap_or(false),
            bookmarked: shown.bookmarked.unwrap_or(false),
            own: viewer.is_some_and(|viewer| viewer == shown.account.id),
            boostable: matches!(shown.visibility.as_str(), "public" | "unlisted"),
            url: shown.url.clone().filter(|url| url.starts_with("http")),
            filtered: shown
                .filtered
                .iter()
                .filter_map(|result| result.get("filter")?.get("title")?.as_str().map(str::to_owned))
                .collect(),
        }
    }

    /// "1 reply", "2 replies": counts as a sentence says them.
    pub fn count(n: &i32, one: &str, many: &str) -> String {
        format!("{n} {}", if *n == 1 { one } else { many })
    }
}
