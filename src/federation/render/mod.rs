//! Ours -> ActivityStreams: pure functions from database rows to the JSON remote servers read.
//!
//! Nothing here touches the database or HTTP: handlers load rows (see `federation::loading`)
//! and pass them in, so every shape can be checked in a unit test. Documents served on their
//! own get the `@context` through [`document`]; objects embedded in others do not repeat it.

pub mod activities;
mod actor;
pub mod flag;
mod note;

pub use actor::{ActorLinks, actor, instance_actor};
pub use note::{
    LocalStatus, SELF_REPLIES_SHOWN, addressing, announce, conversation, create, note, replies, status_uri,
};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::urls;
use crate::db;

/// Where the instance lives: its base URL (`https://social.example`) and the domain in handles.
#[derive(Debug, Clone, Copy)]
pub struct Host<'a> {
    pub base_url: &'a str,
    pub domain: &'a str,
}

/// The JSON-LD context Mastodon publishes with, so its readers (and everyone reading like it)
/// find each extension term where they expect it.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "featuredTags": { "@id": "toot:featuredTags", "@type": "@id" },
            "Emoji": "toot:Emoji",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "blurhash": "toot:blurhash",
            "votersCount": "toot:votersCount",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "suspended": "toot:suspended",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "ostatus": "http://ostatus.org#",
            "conversation": "ostatus:conversation"
        }
    ])
}

/// An object as a document of its own: the same object with `@context` added.
pub fn document(object: Value) -> Value {
    match object {
        Value::Object(fields) => {
            let mut with_context = Map::with_capacity(fields.len() + 1);
            with_context.insert("@context".to_owned(), context());
            with_context.extend(fields);
            Value::Object(with_context)
        }
        other => other,
    }
}

/// A time as Mastodon publishes it: UTC, whole seconds, `2026-10-14T19:03:26Z`.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A hashtag as a `tag` entry: `#name` linking to the tag's page.
pub fn hashtag(host: Host<'_>, name: &str) -> Value {
    json!({
        "type": "Hashtag",
        "href": urls::tag(host.base_url, name),
        "name": format!("#{}", name.to_lowercase()),
    })
}

/// A custom emoji as a `tag` entry.
pub fn emoji(emoji: &db::custom_emojis::LocalEmoji) -> Value {
    let mut icon = json!({ "type": "Image", "url": emoji.image_url });
    if let Some(media_type) = image_type_of(&emoji.image_url) {
        icon["mediaType"] = json!(media_type);
    }
    json!({
        "type": "Emoji",
        "name": format!(":{}:", emoji.shortcode),
        "updated": time(emoji.updated_at),
        "icon": icon,
    })
}

/// The image type a URL's extension names, if it is one we know.
fn image_type_of(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    match extension.as_str() {
        "png" => Some("image/png"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

/// The `:shortcode:`s a text uses, each once, in order of first use (custom emoji candidates).
pub fn emoji_shortcodes(text: &str) -> Vec<String> {
    let pieces: Vec<&str> = text.split(':').collect();
    let mut found: Vec<String> = Vec::new();
    // Only pieces with a colon on both sides can be shortcodes: not the first, not the last.
    for piece in pieces.iter().skip(1).take(pieces.len().saturating_sub(2)) {
        let valid =
            (2..=64).contains(&piece.len()) && piece.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if valid && !found.iter().any(|f| f == piece) {
            found.push((*piece).to_owned());
        }
    }
    found
}

/// An OrderedCollection that names its size and, unless hidden, its first and last pages.
pub fn ordered_collection(id: &str, total_items: i64, first: Option<String>, last: Option<String>) -> Value {
    let mut collection = json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total_items,
    });
    if let Some(first) = first {
        collection["first"] = json!(first);
    }
    if let Some(last) = last {
        collection["last"] = json!(last);
    }
    collection
}

/// A page of an OrderedCollection, newest first, with its neighbours when there are any.
pub fn ordered_collection_page(
    id: &str,
    part_of: &str,
    items: Vec<Value>,
    next: Option<String>,
    prev: Option<String>,
) -> Value {
    let mut page = json!({
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        page["next"] = json!(next);
    }
    if let Some(prev) = prev {
        page["prev"] = json!(prev);
    }
    page
}

/// A small OrderedCollection given whole (the featured statuses).
pub fn ordered_collection_of(id: &str, items: Vec<Value>) -> Value {
    json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

/// A small unordered Collection given whole (the featured hashtags, as Mastodon publishes them).
pub fn collection_of(id: &str, items: Vec<Value>) -> Value {
    json!({
        "id": id,
        "type": "Collection",
        "totalItems": items.len(),
        "items": items,
    })
}

/// A page of an unordered Collection (the replies of a status).
pub fn collection_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut page = json!({
        "id": id,
        "type": "CollectionPage",
        "partOf": part_of,
        "items": items,
    });
    if let Some(next) = next {
        page["next"] = json!(next);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_carry_the_context_first_and_keep_their_fields() {
        let doc = document(json!({ "id": "https://ferro.test/x", "type": "Note" }));
        assert_eq!(doc["@context"][0], "https://www.w3.org/ns/activitystreams");
        assert_eq!(doc["@context"][2]["toot"], "http://joinmastodon.org/ns#");
        assert_eq!(doc["id"], "https://ferro.test/x");
    }

    #[test]
    fn shortcodes_are_found_between_colons() {
        assert_eq!(
            emoji_shortcodes("hi :blob_cat: and :blob_cat::party: at 10:30"),
            vec!["blob_cat", "party"]
        );
        assert!(emoji_shortcodes(":a: :not valid: ::").is_empty());
    }

    #[test]
    fn times_are_whole_seconds_in_utc() {
        let at = DateTime::parse_from_rfc3339("2026-10-14T19:03:26.588+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time(at), "2026-10-14T17:03:26Z");
    }

    #[test]
    fn hidden_collections_name_no_pages() {
        let hidden = ordered_collection("https://ferro.test/users/a/followers", 3, None, None);
        assert_eq!(hidden["totalItems"], 3);
        assert!(hidden.get("first").is_none());
    }
}
