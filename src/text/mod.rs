//! Text: local plain text to HTML (links, paragraphs, line breaks) and remote HTML sanitizing.

pub mod compose;
pub mod sanitize;

use linkify::{LinkFinder, LinkKind};

/// Escapes the five characters HTML gives meaning to.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Plain text as Mastodon renders it: paragraphs at blank lines, `<br>` at single line breaks,
/// http(s) links linked (shown without their scheme), everything else escaped.
pub fn plain_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>",
                p.split('\n').map(linkify_line).collect::<Vec<_>>().join("<br>")
            )
        })
        .collect();
    paragraphs.concat()
}

/// Plain text with its links linked, on one line (profile field values).
pub fn linkify_line(line: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    let mut out = String::new();
    for span in finder.spans(line) {
        let text = span.as_str();
        let is_web_link = matches!(span.kind(), Some(LinkKind::Url))
            && (text.starts_with("http://") || text.starts_with("https://"));
        if is_web_link {
            let shown = text.trim_start_matches("https://").trim_start_matches("http://");
            out.push_str(&format!(
                "<a href=\"{href}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">{shown}</a>",
                href = escape_html(text),
                shown = escape_html(shown),
            ));
        } else {
            out.push_str(&escape_html(text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            plain_to_html("<b>hi</b> & \"you\""),
            "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &quot;you&quot;</p>"
        );
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            plain_to_html("one\ntwo\n\nthree"),
            "<p>one<br>two</p><p>three</p>"
        );
        assert_eq!(plain_to_html(""), "");
    }

    #[test]
    fn web_links_are_linked_and_others_are_not() {
        let html = plain_to_html("see https://example.com/a?b=1&c=2 and javascript:alert(1)");
        assert!(
            html.contains("<a href=\"https://example.com/a?b=1&amp;c=2\""),
            "{html}"
        );
        assert!(html.contains(">example.com/a?b=1&amp;c=2</a>"), "{html}");
        assert!(!html.contains("href=\"javascript"), "{html}");
    }
}
