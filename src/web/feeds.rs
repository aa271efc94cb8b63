//! RSS 2.0 feeds of public posts: a profile's (`/@NAME.rss`) and a hashtag's (`/tags/NAME.rss`).

use super::member::post_view::PostView;
use crate::text::escape_html;

/// A feed: its channel and the posts in it, newest first.
pub struct Feed<'a> {
    pub title: String,
    pub link: String,
    pub description: String,
    pub posts: &'a [PostView],
}

fn rfc2822(iso: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|at| at.to_rfc2822())
        .unwrap_or_default()
}

impl Feed<'_> {
    /// The feed as XML. A post behind a content warning shows only the warning.
    pub fn render(&self) -> String {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n",
        );
        xml.push_str(&format!(
            "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<generator>ferrodon</generator>\n",
            escape_html(&self.title),
            escape_html(&self.link),
            escape_html(&self.description),
        ));
        for post in self.posts {
            let link = post.url.clone().unwrap_or_default();
            let body = if post.spoiler_text.is_empty() {
                post.content_html.clone()
            } else {
                format!("<p>Content warning: {}</p>", escape_html(&post.spoiler_text))
            };
            xml.push_str("<item>\n");
            xml.push_str(&format!(
                "<guid isPermaLink=\"true\">{0}</guid>\n<link>{0}</link>\n<pubDate>{1}</pubDate>\n<description>{2}</description>\n",
                escape_html(&link),
                rfc2822(&post.created_at),
                escape_html(&body),
            ));
            if post.spoiler_text.is_empty() && !post.sensitive {
                for media in post.media.iter().filter(|m| m.kind == "image") {
                    xml.push_str(&format!(
                        "<media:content url=\"{}\" medium=\"image\"><media:description type=\"plain\">{}</media:description></media:content>\n",
                        escape_html(&media.url),
                        escape_html(&media.description),
                    ));
                }
            }
            xml.push_str("</item>\n");
        }
        xml.push_str("</channel>\n</rss>\n");
        xml
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_escapes_what_it_carries() {
        let feed = Feed {
            title: "#a & <b>".into(),
            link: "https://x.test/tags/a".into(),
            description: "d".into(),
            posts: &[],
        };
        let xml = feed.render();
        assert!(xml.contains("<title>#a &amp; &lt;b&gt;</title>"), "{xml}");
        assert!(xml.ends_with("</rss>\n"));
    }
}
