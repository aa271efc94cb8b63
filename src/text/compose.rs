//! Local status text as Mastodon renders it: links, `@mentions` and `#hashtags` found, the rest
//! escaped, paragraphs and line breaks kept; and the length the character limit counts.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

use super::escape_html;

/// Characters a link counts as, however long it is.
pub const URL_LENGTH: usize = 23;
/// Characters of a link shown before the rest is hidden behind an ellipsis.
const LINK_DISPLAY_LENGTH: usize = 30;

/// `@user` or `@user@domain`, not inside a word or a path.
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[^/\w@])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([a-z0-9.-]+[a-z0-9]+))?")
        .unwrap_or_else(|_| unreachable!("a constant pattern"))
});

/// `#tag`: word characters with at least one that is not a digit, not inside a word or path.
static HASHTAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^/\w&#])#([\w]*[\p{Alphabetic}_·][\w·]*)")
        .unwrap_or_else(|_| unreachable!("a constant pattern"))
});

/// A whole hashtag name, as [`HASHTAG`] finds them in text.
static HASHTAG_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\w]*[\p{Alphabetic}_·][\w·]*$").unwrap_or_else(|_| unreachable!("a constant pattern"))
});

/// Longest hashtag name taken where members name one (following, featuring).
pub const MAX_HASHTAG_LENGTH: usize = 256;

/// Whether `name` (without `#`) is a hashtag a status could carry: word characters, at least
/// one of them not a digit, at most [`MAX_HASHTAG_LENGTH`].
pub fn is_hashtag_name(name: &str) -> bool {
    name.chars().count() <= MAX_HASHTAG_LENGTH && HASHTAG_NAME.is_match(name)
}

/// A piece of a status's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Text(String),
    Link(String),
    Mention {
        username: String,
        domain: Option<String>,
        raw: String,
    },
    Hashtag(String),
}

/// Splits text into plain runs, links, mentions and hashtags.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut tokens = Vec::new();
    for span in finder.spans(text) {
        let part = span.as_str();
        let web_link = span.kind().is_some() && (part.starts_with("http://") || part.starts_with("https://"));
        if web_link {
            tokens.push(Token::Link(part.to_owned()));
        } else {
            tokenize_plain(part, &mut tokens);
        }
    }
    tokens
}

fn tokenize_plain(text: &str, tokens: &mut Vec<Token>) {
    // Mentions and hashtags, whichever comes first, as (start, end, token).
    let mut found: Vec<(usize, usize, Token)> = Vec::new();
    for captures in MENTION.captures_iter(text) {
        if let (Some(whole), Some(prefix), Some(user)) = (captures.get(0), captures.get(1), captures.get(2)) {
            let start = whole.start() + prefix.len();
            let raw = text[start..whole.end()].to_owned();
            found.push((
                start,
                whole.end(),
                Token::Mention {
                    username: user.as_str().to_owned(),
                    domain: captures.get(3).map(|d| d.as_str().to_ascii_lowercase()),
                    raw,
                },
            ));
        }
    }
    for captures in HASHTAG.captures_iter(text) {
        if let (Some(whole), Some(prefix), Some(name)) = (captures.get(0), captures.get(1), captures.get(2)) {
            let start = whole.start() + prefix.len();
            if !found.iter().any(|(s, e, _)| start < *e && whole.end() > *s) {
                found.push((start, whole.end(), Token::Hashtag(name.as_str().to_owned())));
            }
        }
    }
    found.sort_by_key(|(start, _, _)| *start);
    let mut cursor = 0;
    for (start, end, token) in found {
        if start < cursor {
            continue;
        }
        if start > cursor {
            tokens.push(Token::Text(text[cursor..start].to_owned()));
        }
        tokens.push(token);
        cursor = end;
    }
    if cursor < text.len() {
        tokens.push(Token::Text(text[cursor..].to_owned()));
    }
}

/// The length the character limit counts: links as 23, `@user@domain` as `@user`.
pub fn counted_length(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .map(|token| match token {
            Token::Text(text) => text.chars().count(),
            Token::Link(_) => URL_LENGTH,
            Token::Mention { username, .. } => username.chars().count() + 1,
            Token::Hashtag(name) => name.chars().count() + 1,
        })
        .sum()
}

/// A mention that resolved to an account: where its link goes and the name it shows.
#[derive(Debug, Clone)]
pub struct MentionTarget {
    pub url: String,
    pub username: String,
}

/// Renders tokens as HTML. `resolve` finds the account a mention names (unknown ones stay text);
/// hashtags link to `{base_url}/tags/{name}`.
pub fn render(
    tokens: &[Token],
    base_url: &str,
    resolve: impl Fn(&str, Option<&str>) -> Option<MentionTarget>,
) -> String {
    let mut inline = String::new();
    for token in tokens {
        match token {
            Token::Text(text) => inline.push_str(&escape_html(text)),
            Token::Link(url) => inline.push_str(&render_link(url)),
            Token::Mention { username, domain, raw } => match resolve(username, domain.as_deref()) {
                Some(target) => inline.push_str(&format!(
                    "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                    escape_html(&target.url),
                    escape_html(&target.username)
                )),
                None => inline.push_str(&escape_html(raw)),
            },
            Token::Hashtag(name) => inline.push_str(&format!(
                "<a href=\"{}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape_html(base_url),
                escape_html(&name.to_lowercase()),
                escape_html(name)
            )),
        }
    }
    paragraphs(&inline)
}

/// Wraps rendered inline HTML into paragraphs at blank lines and `<br>` at line breaks.
fn paragraphs(inline: &str) -> String {
    inline
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect()
}

fn render_link(url: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .map(|(s, r)| (format!("{s}://"), r))
        .unwrap_or_default();
    let shown: String = rest.chars().take(LINK_DISPLAY_LENGTH).collect();
    let hidden: String = rest.chars().skip(LINK_DISPLAY_LENGTH).collect();
    let class = if hidden.is_empty() { "" } else { "ellipsis" };
    format!(
        "<a href=\"{href}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">{scheme}</span><span class=\"{class}\">{shown}</span><span class=\"invisible\">{hidden}</span></a>",
        href = escape_html(url),
        scheme = escape_html(&scheme),
        shown = escape_html(&shown),
        hidden = escape_html(&hidden),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tokens: &[Token]) -> Vec<String> {
        tokens
            .iter()
            .filter_map(|t| match t {
                Token::Mention { username, domain, .. } => Some(format!(
                    "@{username}{}",
                    domain.as_ref().map(|d| format!("@{d}")).unwrap_or_default()
                )),
                Token::Hashtag(name) => Some(format!("#{name}")),
                Token::Link(url) => Some(url.clone()),
                Token::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn mentions_hashtags_and_links_are_found() {
        let tokens = tokenize(
            "hi @alice and @Bob@Remote.Test! #Rust #2024 see https://example.com/#frag me@mail.test",
        );
        assert_eq!(
            names(&tokens),
            ["@alice", "@Bob@remote.test", "#Rust", "https://example.com/#frag"]
        );
    }

    #[test]
    fn length_counts_links_as_23_and_remote_mentions_by_username() {
        let tokens =
            tokenize("@bob@very.long.domain.example https://example.com/a/very/long/path/indeed/yes");
        assert_eq!(counted_length(&tokens), 4 + 1 + 23);
    }

    #[test]
    fn rendering_escapes_text_and_links_known_mentions() {
        let tokens =
            tokenize("<b>@alice</b> @ghost #Tag\n\nhttps://example.com/a-rather-long-path-for-the-ellipsis");
        let html = render(&tokens, "https://x.test", |user, _| {
            (user == "alice").then(|| MentionTarget {
                url: "https://x.test/@alice".into(),
                username: "alice".into(),
            })
        });
        assert!(html.starts_with("<p>&lt;b&gt;<span class=\"h-card\""), "{html}");
        assert!(html.contains("@ghost"), "{html}");
        assert!(html.contains("href=\"https://x.test/tags/tag\""), "{html}");
        assert!(
            html.contains("</p><p><a href=\"https://example.com/a-rather-long-path-for-the-ellipsis\""),
            "{html}"
        );
        assert!(html.contains("class=\"ellipsis\""), "{html}");
    }
}
