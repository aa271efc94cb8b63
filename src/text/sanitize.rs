//! Placeholder until the sanitize branch lands (replaced by it).

pub fn remote_html(html: &str) -> String {
    crate::text::escape_html(html)
}

pub fn remote_plain(text_or_html: &str) -> String {
    text_or_html.to_owned()
}

pub fn remote_field_value(html: &str) -> String {
    crate::text::escape_html(html)
}

pub fn to_plain_text(html: &str) -> String {
    html.to_owned()
}
