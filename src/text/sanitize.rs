//! Remote HTML reduced to an allow-list with ammonia, and remote HTML flattened to plain text.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// Input beyond this many bytes is cut (at a character boundary) before parsing: no real post
/// comes near it, and it bounds the parser's memory per call. The cut may land inside a tag;
/// the parser closes whatever is left open.
pub const MAX_INPUT_BYTES: usize = 500 * 1024;
/// Input is also cut before its 2001st tag. The HTML tree builder rescans its stack of open
/// elements for many tags, so deeply nested input costs time quadratic in its tags (50 ms for
/// 3,000 nested `div`s in a release build here); 2,000 tags is a long article.
pub const MAX_TAGS: usize = 2000;
/// And before its 257th formatting tag with attributes (`<b x=1>`, `<code class=..>`): the
/// builder compares each one with every earlier one still open, so 3,000 of them took 0.65 s.
/// Bare `<b>`s cost nothing like it: the builder keeps at most three identical ones.
pub const MAX_FORMATTING_WITH_ATTRIBUTES: usize = 256;

/// HTML's formatting elements other than `a` (the parser never lets `a`s pile up).
const FORMATTING_TAGS: [&str; 13] = [
    "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

const CONTENT_TAGS: [&str; 17] = [
    "p",
    "br",
    "a",
    "span",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "blockquote",
];

/// Microformat and Mastodon classes: clients use them to shorten links and style mentions.
const ALLOWED_CLASSES: [&str; 6] = ["mention", "hashtag", "u-url", "h-card", "invisible", "ellipsis"];

/// Elements whose text is code, markup or form state rather than prose.
const DROPPED_WITH_CONTENT: [&str; 9] = [
    "script", "style", "iframe", "object", "template", "noscript", "title", "textarea", "select",
];

/// Elements that break lines in the plain-text forms; everything else is flattened into them.
const BLOCK_TAGS: [&str; 14] = [
    "p",
    "br",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];

fn base_builder(tags: &[&'static str]) -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(tags.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::new())
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(UrlRelative::Deny)
        .clean_content_tags(DROPPED_WITH_CONTENT.into_iter().collect())
        .strip_comments(true);
    builder
}

fn linking_builder(tags: &[&'static str]) -> Builder<'static> {
    let mut builder = base_builder(tags);
    builder
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "class"])),
            ("span", HashSet::from(["class"])),
        ]))
        .attribute_filter(keep_known_classes)
        .link_rel(Some("nofollow noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank");
    builder
}

/// Filters `class` here rather than with ammonia's `allowed_classes`, which leaves `class=""`
/// behind when no class survives.
fn keep_known_classes<'v>(_element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if attribute != "class" {
        return Some(Cow::Borrowed(value));
    }
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| ALLOWED_CLASSES.contains(class))
        .collect();
    (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
}

static CONTENT: LazyLock<Builder<'static>> = LazyLock::new(|| linking_builder(&CONTENT_TAGS));
static FIELD_VALUE: LazyLock<Builder<'static>> = LazyLock::new(|| linking_builder(&["a", "span"]));
/// Keeps only attribute-less block tags, so [`flatten`] can read its output with a trivial scan.
static BLOCKS_ONLY: LazyLock<Builder<'static>> = LazyLock::new(|| base_builder(&BLOCK_TAGS));

/// Cuts input at [`MAX_INPUT_BYTES`], [`MAX_TAGS`] or [`MAX_FORMATTING_WITH_ATTRIBUTES`].
fn bounded(html: &str) -> &str {
    let html = &html[..html.floor_char_boundary(MAX_INPUT_BYTES)];
    let (mut tags, mut formatting) = (0, 0);
    for (at, _) in html.match_indices('<') {
        let rest = &html.as_bytes()[at + 1..];
        let Some(&first) = rest.first() else { break };
        if !(first.is_ascii_alphabetic() || matches!(first, b'/' | b'!' | b'?')) {
            continue;
        }
        tags += 1;
        let name_len = rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = &rest[..name_len];
        if rest.get(name_len).is_some_and(|&b| b != b'>')
            && FORMATTING_TAGS
                .iter()
                .any(|tag| tag.as_bytes().eq_ignore_ascii_case(name))
        {
            formatting += 1;
        }
        if tags > MAX_TAGS || formatting > MAX_FORMATTING_WITH_ATTRIBUTES {
            return &html[..at];
        }
    }
    html
}

/// A remote post's HTML reduced to p, br, a, span, em, strong, b, i, u, s, del, ul, ol, li, code,
/// pre and blockquote. Links keep only an http(s) `href` and get `rel="nofollow noopener
/// noreferrer"` and `target="_blank"`; `a` and `span` keep the classes mention, hashtag, u-url,
/// h-card, invisible and ellipsis. Other elements are unwrapped (their text stays), except
/// scripts, styles, iframes, objects, templates and form fields, which go with their content.
/// Input is cut at [`MAX_INPUT_BYTES`], [`MAX_TAGS`] or [`MAX_FORMATTING_WITH_ATTRIBUTES`].
pub fn remote_html(html: &str) -> String {
    CONTENT.clean(bounded(html)).to_string()
}

/// A profile field value: only links (as in [`remote_html`]) and spans with the allowed classes.
pub fn remote_field_value(html: &str) -> String {
    FIELD_VALUE.clean(bounded(html)).to_string()
}

/// One line of plain text (display names, poll options, media descriptions, field names): tags
/// removed, entities decoded, whitespace collapsed to single spaces. The result is not escaped.
pub fn remote_plain(text_or_html: &str) -> String {
    flatten(&BLOCKS_ONLY.clean(bounded(text_or_html)).to_string(), true)
}

/// Post HTML as plain text for search and redrafts: `<br>` becomes a line break, paragraphs
/// and other blocks are separated by a blank line, list items start new lines, tags are removed
/// and entities decoded. Whitespace outside `pre` collapses as a browser would show it.
pub fn to_plain_text(html: &str) -> String {
    flatten(&BLOCKS_ONLY.clean(bounded(html)).to_string(), false)
}

/// Reads sanitizer output holding only attribute-less [`BLOCK_TAGS`] and escaped text.
fn flatten(clean: &str, one_line: bool) -> String {
    let mut out = String::with_capacity(clean.len());
    let mut breaks = 0usize;
    let mut space = false;
    let mut pre_depth = 0usize;
    let mut rest = clean;
    while !rest.is_empty() {
        if let Some(tag) = rest.strip_prefix('<') {
            let end = tag.find('>').unwrap_or(tag.len());
            let (closing, name) = match tag[..end].strip_prefix('/') {
                Some(name) => (true, name),
                None => (false, &tag[..end]),
            };
            rest = tag.get(end + 1..).unwrap_or_default();
            match name {
                "br" => breaks += 1,
                "li" => breaks = breaks.max(1),
                "pre" if closing => {
                    pre_depth = pre_depth.saturating_sub(1);
                    breaks = breaks.max(2);
                }
                "pre" => {
                    pre_depth += 1;
                    breaks = breaks.max(2);
                }
                _ => breaks = breaks.max(2),
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let text = decode_entities(&rest[..end]);
        rest = &rest[end..];
        let keep_whitespace = pre_depth > 0 && !one_line;
        for c in text.chars() {
            let is_space = if one_line {
                c.is_whitespace()
            } else {
                !keep_whitespace && matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
            };
            if is_space {
                space = true;
                continue;
            }
            if !out.is_empty() {
                if breaks > 0 && !one_line {
                    out.truncate(out.trim_end_matches(' ').len());
                    out.extend(std::iter::repeat_n('\n', breaks));
                } else if breaks > 0 || space {
                    out.push(' ');
                }
            }
            breaks = 0;
            space = false;
            out.push(c);
        }
    }
    out
}

/// Undoes the escaping the HTML serializer applies to text: exactly these four entities.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (decoded, length) = [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&nbsp;", '\u{a0}')]
            .into_iter()
            .find(|(entity, _)| rest.starts_with(entity))
            .map_or(('&', 1), |(entity, c)| (c, entity.len()));
        out.push(decoded);
        rest = &rest[length..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MENTION_AND_HASHTAG: &str = "<p><span class=\"h-card\"><a href=\"https://remote.test/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> hi <a href=\"https://remote.test/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>rust</span></a></p>";

    #[test]
    fn scripts_and_styles_go_with_their_content() {
        let html = remote_html("<p>a<script>alert(1)</script>b<style>p{color:red}</style>c</p>");
        assert_eq!(html, "<p>abc</p>");
        assert_eq!(remote_plain("x<script>alert(1)</script>y"), "xy");
        assert_eq!(to_plain_text("<p>x<style>p{}</style></p>"), "x");
    }

    #[test]
    fn event_handlers_and_style_attributes_are_dropped() {
        let html = remote_html(
            "<p onclick=\"alert(1)\" style=\"color:red\" class=\"evil\">hi <b onmouseover=\"x()\">there</b></p>",
        );
        assert_eq!(html, "<p>hi <b>there</b></p>");
    }

    #[test]
    fn only_web_links_keep_their_href() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "/relative/path",
            "//evil.test/x",
            "mailto:a@b.test",
            "vbscript:x",
        ] {
            let html = remote_html(&format!("<a href=\"{bad}\">x</a>"));
            assert!(!html.contains("href"), "{bad} -> {html}");
            assert!(html.contains(">x</a>"), "{html}");
        }
        let html = remote_html(
            "<a href=\"https://ok.test/a?b=1&amp;c=2\" rel=\"me\" target=\"_self\" title=\"t\">ok</a>",
        );
        assert_eq!(
            html,
            "<a href=\"https://ok.test/a?b=1&amp;c=2\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">ok</a>"
        );
    }

    #[test]
    fn iframes_images_and_forms_are_removed() {
        let html = remote_html(
            "<p>a<iframe src=\"https://evil.test\">inside</iframe><img src=\"https://x.test/i.png\" alt=\"pic\">b</p>\
             <form action=\"https://evil.test\"><input name=\"q\"><button>go</button><textarea>t</textarea></form>",
        );
        assert_eq!(html, "<p>ab</p>go");
    }

    #[test]
    fn unknown_tags_are_unwrapped_keeping_their_text() {
        let html = remote_html(
            "<div><section><custom-tag>deep <marquee>text</marquee></custom-tag></section></div><h1>title</h1>",
        );
        assert_eq!(html, "deep texttitle");
        // Foreign (SVG, MathML) content goes whole: ammonia refuses namespace tricks.
        let html = remote_html("<p><em>em <svg><text>svg</text></svg></em></p>");
        assert_eq!(html, "<p><em>em </em></p>");
    }

    #[test]
    fn mastodon_mention_and_hashtag_markup_is_kept() {
        assert_eq!(
            remote_html(MENTION_AND_HASHTAG),
            "<p><span class=\"h-card\"><a href=\"https://remote.test/@bob\" class=\"u-url mention\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">@<span>bob</span></a></span> hi \
             <a href=\"https://remote.test/tags/rust\" class=\"mention hashtag\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">#<span>rust</span></a></p>"
        );
        assert_eq!(to_plain_text(MENTION_AND_HASHTAG), "@bob hi #rust");
    }

    #[test]
    fn link_shortening_spans_are_kept() {
        let html = remote_html(
            "<a href=\"https://example.com/long/path\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/long</span><span class=\"invisible\">/path</span></a>",
        );
        assert!(html.contains("<span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/long</span><span class=\"invisible\">/path</span>"), "{html}");
        let html = remote_html("<span class=\"invisible secret\">x</span><span class=\"danger\">y</span>");
        assert_eq!(html, "<span class=\"invisible\">x</span><span>y</span>");
        assert_eq!(remote_html("<p class=\"mention\">p</p>"), "<p>p</p>");
    }

    #[test]
    fn entities_stay_escaped_in_html_and_are_decoded_in_text() {
        assert_eq!(
            remote_html("<p>a &amp; b &lt;i&gt; &quot;q&quot; &#39;s&#39;</p>"),
            "<p>a &amp; b &lt;i&gt; \"q\" 's'</p>"
        );
        assert_eq!(
            remote_plain("a &amp; b &lt;i&gt; &amp;lt; &#x1F600;"),
            "a & b <i> &lt; \u{1F600}"
        );
        assert_eq!(remote_plain("Bob <3 & friends"), "Bob <3 & friends");
        assert_eq!(to_plain_text("<p>a&nbsp;b</p>"), "a\u{a0}b");
    }

    #[test]
    fn plain_text_collapses_whitespace_on_one_line() {
        assert_eq!(
            remote_plain("  <b>Bob</b>\n\t the <i>builder</i>  "),
            "Bob the builder"
        );
        assert_eq!(
            remote_plain("<p>one</p><p>two</p>line<br>break"),
            "one two line break"
        );
        assert_eq!(remote_plain(""), "");
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_line_breaks() {
        assert_eq!(
            to_plain_text("<p>one<br>two</p><p>three</p>"),
            "one\ntwo\n\nthree"
        );
        assert_eq!(to_plain_text("<p>a<br></p><p>b</p>"), "a\n\nb");
        assert_eq!(
            to_plain_text("<p>x</p><ul><li>1</li><li>2</li></ul>"),
            "x\n\n1\n2"
        );
        assert_eq!(to_plain_text("<pre>  keep\n  this</pre>"), "  keep\n  this");
        assert_eq!(to_plain_text("<p>  spaced \n  out  </p>"), "spaced out");
    }

    #[test]
    fn field_values_keep_only_links_and_classed_spans() {
        let html = remote_field_value(
            "<p><b>bold</b> <a href=\"https://me.test\" rel=\"me\"><span class=\"invisible\">https://</span>me.test</a></p>",
        );
        assert_eq!(
            html,
            "bold <a href=\"https://me.test\" target=\"_blank\" rel=\"nofollow noopener noreferrer\"><span class=\"invisible\">https://</span>me.test</a>"
        );
        assert!(!remote_field_value("<a href=\"javascript:x\">x</a>").contains("href"));
    }

    #[test]
    fn custom_emoji_shortcodes_stay_inert() {
        let html = remote_html(
            "<p>hi :blobcat: <a href=\":x:\" title=\":x:\">:x:</a><img src=\"https://e.test/blobcat.png\" alt=\":blobcat:\" class=\"emoji\"></p>",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert!(!html.contains("title"), "{html}");
        assert!(html.starts_with("<p>hi :blobcat: <a"), "{html}");
        assert_eq!(remote_plain("hi :blobcat:"), "hi :blobcat:");
    }

    #[test]
    fn huge_and_deeply_nested_input_is_bounded() {
        let huge = "<p>".to_owned() + &"a&amp;".repeat(400_000) + "</p>";
        let html = remote_html(&huge);
        assert!(html.starts_with("<p>a&amp;a&amp;"));
        assert!(html.len() <= MAX_INPUT_BYTES + 64, "{}", html.len());
        let multibyte = "é".repeat(MAX_INPUT_BYTES);
        assert_eq!(remote_plain(&multibyte).len(), MAX_INPUT_BYTES);

        let nested = "x".to_owned() + &"<span>".repeat(50_000) + "y" + &"</span>".repeat(50_000);
        let html = remote_html(&nested);
        assert!(html.starts_with("x<span>"), "{}", &html[..20]);
        assert_eq!(html.matches("<span>").count(), MAX_TAGS);
        assert_eq!(to_plain_text(&("z".to_owned() + &"<div>".repeat(100_000))), "z");
        let many = "<p>a</p>".repeat(MAX_TAGS);
        assert_eq!(remote_html(&many).matches("<p>").count(), MAX_TAGS / 2);

        let styled: String = (0..1000).map(|i| format!("<b x={i}>")).collect();
        let html = remote_html(&(styled + "tail"));
        assert_eq!(html.matches("<b>").count(), MAX_FORMATTING_WITH_ATTRIBUTES);
        assert!(!html.contains("tail"));
        let bare = "<b>".repeat(1000) + "tail";
        assert!(remote_html(&bare).contains("tail"));
    }
}
