//! Lenient reading of ActivityStreams documents: the fields we use, in every shape servers send.
//!
//! Servers disagree on shapes (a string or an object or an array for nearly every property;
//! `contentMap` without `content`; `url` as a Link), so documents are kept as JSON values and
//! read through small views that never fail on an unknown or oddly shaped field. A view fails
//! only when what makes the object usable (its id, its type, an actor's inbox) is missing.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The ActivityStreams public collection, in all three spellings servers use.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const PUBLIC_ALIASES: [&str; 3] = [PUBLIC, "as:Public", "Public"];

/// Deepest nesting accepted in a document (serde_json's own limit is 128; ours is lower because
/// no real activity nests deeper than a handful of levels).
pub const MAX_DEPTH: usize = 32;

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("the document nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("missing {0}")]
    Missing(&'static str),
}

/// Parses a JSON document, refusing deep nesting.
pub fn parse_json(bytes: &[u8]) -> Result<Value, VocabError> {
    if nesting_depth(bytes) > MAX_DEPTH {
        return Err(VocabError::TooDeep);
    }
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| VocabError::Json(e.to_string()))?;
    if !value.is_object() {
        return Err(VocabError::NotAnObject);
    }
    // A NUL can only come escaped (JSON forbids raw control characters in strings); no text we
    // keep may hold one (PostgreSQL cannot store it), so it is taken out of every string here.
    if bytes.windows(6).any(|w| w == b"\\u0000") {
        strip_nul(&mut value);
    }
    Ok(value)
}

/// Removes NUL characters from every string and member name of `value`.
fn strip_nul(value: &mut Value) {
    match value {
        Value::String(text) => text.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(strip_nul),
        Value::Object(map) => {
            if map.keys().any(|key| key.contains('\0')) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(key, value)| (key.replace('\0', ""), value))
                    .collect();
            }
            map.values_mut().for_each(strip_nul);
        }
        _ => {}
    }
}

/// The deepest bracket nesting outside strings, measured without building anything.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A string property.
pub fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The id a reference names: a string, or an object's `id` (or a Link's `href`).
pub fn id_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(map) => map.get("id").or_else(|| map.get("href")).and_then(Value::as_str),
        Value::Array(items) => items.first().and_then(id_of),
        _ => None,
    }
}

/// The id of property `key` (string or embedded object).
pub fn id_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(id_of)
}

/// Every id a property names (one or many, strings or objects).
pub fn ids_at(value: &Value, key: &str) -> Vec<String> {
    match value.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(id_of).map(str::to_owned).collect(),
        Some(other) => id_of(other).map(str::to_owned).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The items of a property that may be one value or an array.
pub fn many<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    match value.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

/// The types of an object (`type` may be an array).
pub fn types_of(value: &Value) -> Vec<&str> {
    match value.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the object has type `kind`.
pub fn has_type(value: &Value, kind: &str) -> bool {
    types_of(value).contains(&kind)
}

/// The first type we recognize, or the first at all.
pub fn primary_type(value: &Value) -> Option<&str> {
    types_of(value).first().copied()
}

/// A boolean property (`true`/`false`, or the strings some servers send).
pub fn bool_of(value: &Value, key: &str) -> Option<bool> {
    match value.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// A timestamp property.
pub fn time_of(value: &Value, key: &str) -> Option<DateTime<Utc>> {
    str_of(value, key)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// An `url` property: a string, a Link (`href`), or an array of those (the first text/html one
/// preferred); only a web address (see [`web_url`]).
pub fn url_of(value: &Value) -> Option<String> {
    let candidates = many(value, "url");
    let html = candidates
        .iter()
        .find(|link| str_of(link, "mediaType").is_some_and(|t| t.starts_with("text/html")));
    html.or(candidates.first())
        .and_then(|v| id_of(v))
        .and_then(web_url)
}

/// A link a remote server gives us to show or fetch (a page, an image, a medium), as we keep it:
/// an absolute http(s) URL with a host, written out again by the URL parser, so that a quote,
/// a space or an angle bracket in it is percent-encoded and can never end an HTML attribute.
/// Anything else is dropped.
pub fn web_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    let web = matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty());
    (web && url.username().is_empty() && url.password().is_none()).then(|| url.to_string())
}

/// A natural-language property: `key`, else the first value of `keyMap`.
pub fn text_of(value: &Value, key: &str) -> Option<String> {
    if let Some(text) = str_of(value, key) {
        return Some(text.to_owned());
    }
    let map = value.get(format!("{key}Map"))?.as_object()?;
    map.values().find_map(Value::as_str).map(str::to_owned)
}

/// The language of `contentMap`'s first entry, when one is given.
pub fn language_of(value: &Value) -> Option<String> {
    let map = value.get("contentMap")?.as_object()?;
    map.keys().next().filter(|k| k.len() <= 16).cloned()
}

/// Whether an address list names the public collection.
pub fn addresses_public(addresses: &[String]) -> bool {
    addresses.iter().any(|a| PUBLIC_ALIASES.contains(&a.as_str()))
}

/// The host of a URL, lower-cased, without port.
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether two URLs are on the same host (the origin rule of the inbox).
pub fn same_host(a: &str, b: &str) -> bool {
    matches!((host_of(a), host_of(b)), (Some(x), Some(y)) if x == y)
}

/// A custom emoji tag: `:shortcode:` shown as an image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Emoji {
    pub shortcode: String,
    pub url: String,
}

/// The custom emoji an object's `tag` list declares.
pub fn emojis_of(value: &Value) -> Vec<Emoji> {
    many(value, "tag")
        .into_iter()
        .filter(|tag| has_type(tag, "Emoji"))
        .filter_map(|tag| {
            let shortcode = str_of(tag, "name")?.trim_matches(':').to_owned();
            let icon = tag.get("icon")?;
            let url = str_of(icon, "url").or_else(|| id_of(icon)).and_then(web_url)?;
            let valid = !shortcode.is_empty()
                && shortcode.len() <= 64
                && shortcode.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            valid.then_some(Emoji { shortcode, url })
        })
        .take(64)
        .collect()
}

/// A remote actor, as much of it as we use.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub kind: String,
    pub preferred_username: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox: Option<String>,
    pub followers: Option<String>,
    pub following: Option<String>,
    pub featured: Option<String>,
    pub featured_tags: Option<String>,
    pub public_key_id: Option<String>,
    pub public_key_pem: Option<String>,
    pub icon: Option<String>,
    pub image: Option<String>,
    pub locked: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub published: Option<DateTime<Utc>>,
    /// Profile fields: (name, value HTML).
    pub fields: Vec<(String, String)>,
    pub emojis: Vec<Emoji>,
    pub also_known_as: Vec<String>,
    pub moved_to: Option<String>,
    /// Its own server suspended it (Mastodon's `suspended`): the profile is withheld.
    pub suspended: bool,
}

/// Actor types we accept as accounts.
pub const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Application", "Group", "Organization"];

impl Actor {
    /// Reads an actor; fails without an id, a username-like name or an inbox.
    pub fn read(value: &Value) -> Result<Self, VocabError> {
        let id = str_of(value, "id").ok_or(VocabError::Missing("id"))?.to_owned();
        let kind = types_of(value)
            .into_iter()
            .find(|t| ACTOR_TYPES.contains(t))
            .ok_or(VocabError::Missing("an actor type"))?
            .to_owned();
        let preferred_username = str_of(value, "preferredUsername")
            .filter(|s| !s.is_empty() && s.chars().count() <= MAX_USERNAME_CHARS)
            .ok_or(VocabError::Missing("a preferredUsername of 1 to 255 characters"))?
            .to_owned();
        let inbox = id_at(value, "inbox")
            .ok_or(VocabError::Missing("inbox"))?
            .to_owned();
        let key = many(value, "publicKey").into_iter().next();
        let image_url = |key: &str| {
            value.get(key).and_then(|v| {
                let first = match v {
                    Value::Array(items) => items.first()?,
                    other => other,
                };
                str_of(first, "url").or_else(|| id_of(first)).and_then(web_url)
            })
        };
        let fields = many(value, "attachment")
            .into_iter()
            .filter(|a| has_type(a, "PropertyValue"))
            .filter_map(|a| {
                Some((
                    clipped(str_of(a, "name")?.to_owned(), MAX_FIELD_NAME_CHARS),
                    clipped(
                        str_of(a, "value").unwrap_or_default().to_owned(),
                        MAX_FIELD_VALUE_CHARS,
                    ),
                ))
            })
            .take(16)
            .collect();
        Ok(Actor {
            preferred_username,
            name: text_of(value, "name").map(|name| clipped(name, MAX_DISPLAY_NAME_CHARS)),
            summary: text_of(value, "summary").map(|bio| clipped(bio, MAX_BIO_CHARS)),
            url: url_of(value),
            shared_inbox: value
                .get("endpoints")
                .and_then(|e| id_at(e, "sharedInbox"))
                .map(str::to_owned),
            inbox,
            outbox: id_at(value, "outbox").map(str::to_owned),
            followers: id_at(value, "followers").map(str::to_owned),
            following: id_at(value, "following").map(str::to_owned),
            featured: id_at(value, "featured").map(str::to_owned),
            featured_tags: id_at(value, "featuredTags").map(str::to_owned),
            public_key_id: key.and_then(|k| str_of(k, "id")).map(str::to_owned),
            public_key_pem: key.and_then(|k| str_of(k, "publicKeyPem")).map(str::to_owned),
            icon: image_url("icon"),
            image: image_url("image"),
            locked: bool_of(value, "manuallyApprovesFollowers").unwrap_or(false),
            discoverable: bool_of(value, "discoverable"),
            indexable: bool_of(value, "indexable").unwrap_or(false),
            published: time_of(value, "published"),
            fields,
            emojis: emojis_of(value),
            also_known_as: ids_at(value, "alsoKnownAs"),
            moved_to: id_at(value, "movedTo").map(str::to_owned),
            suspended: value.get("suspended").and_then(Value::as_bool).unwrap_or(false),
            kind,
            id,
        })
    }

    /// Bots are Service and Application actors.
    pub fn is_bot(&self) -> bool {
        self.kind == "Service" || self.kind == "Application"
    }
}

/// Object types shown as statuses.
pub const STATUS_TYPES: [&str; 8] = [
    "Note", "Question", "Article", "Page", "Image", "Video", "Event", "Audio",
];

/// A media attachment of a remote status.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub url: String,
    pub media_type: Option<String>,
    pub name: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// A remote poll.
#[derive(Debug, Clone)]
pub struct Poll {
    pub options: Vec<(String, i32)>,
    pub multiple: bool,
    pub end_time: Option<DateTime<Utc>>,
    pub voters_count: Option<i32>,
}

/// A mention or hashtag in `tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Mention { href: String },
    Hashtag { name: String },
}

/// A remote status-like object (Note, Question, Article, Page, media, Event).
#[derive(Debug, Clone)]
pub struct Note {
    pub id: String,
    pub kind: String,
    pub attributed_to: String,
    pub content: String,
    pub summary: Option<String>,
    pub name: Option<String>,
    pub sensitive: bool,
    pub in_reply_to: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub url: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<Emoji>,
    pub attachments: Vec<Attachment>,
    pub poll: Option<Poll>,
    pub replies: Option<String>,
    pub language: Option<String>,
}

impl Note {
    /// Reads a status-like object; fails without an id, a known type or an author.
    pub fn read(value: &Value) -> Result<Self, VocabError> {
        let id = str_of(value, "id").ok_or(VocabError::Missing("id"))?.to_owned();
        let kind = types_of(value)
            .into_iter()
            .find(|t| STATUS_TYPES.contains(t))
            .ok_or(VocabError::Missing("a status type"))?
            .to_owned();
        let attributed_to = many(value, "attributedTo")
            .into_iter()
            // Some servers list several attributions (e.g. a Group and a Person): the Person writes.
            .find(|a| a.is_string() || has_type(a, "Person") || types_of(a).is_empty())
            .or_else(|| many(value, "attributedTo").into_iter().next())
            .and_then(id_of)
            .or_else(|| id_at(value, "actor"))
            .ok_or(VocabError::Missing("attributedTo"))?
            .to_owned();
        let tags = many(value, "tag")
            .into_iter()
            .filter_map(|tag| {
                if has_type(tag, "Mention") {
                    Some(Tag::Mention {
                        href: id_of(tag)?.to_owned(),
                    })
                } else if has_type(tag, "Hashtag") {
                    let name = str_of(tag, "name")?.trim_start_matches('#').to_owned();
                    (!name.is_empty()).then_some(Tag::Hashtag { name })
                } else {
                    None
                }
            })
            .take(64)
            .collect();
        let mut attachments: Vec<Attachment> = many(value, "attachment")
            .into_iter()
            .filter(|a| !has_type(a, "PropertyValue"))
            .filter_map(|a| {
                let url = url_of(a).or_else(|| id_of(a).and_then(web_url))?;
                Some(Attachment {
                    url,
                    media_type: str_of(a, "mediaType").map(str::to_owned),
                    // Mastodon's own limit on a description.
                    name: str_of(a, "name").map(|n| clipped(n.to_owned(), 1_500)),
                    blurhash: str_of(a, "blurhash")
                        .filter(|b| b.len() <= 100)
                        .map(str::to_owned),
                    width: a
                        .get("width")
                        .and_then(Value::as_i64)
                        .and_then(|n| i32::try_from(n).ok()),
                    height: a
                        .get("height")
                        .and_then(Value::as_i64)
                        .and_then(|n| i32::try_from(n).ok()),
                })
            })
            .take(16)
            .collect();
        // Image, Video and Audio objects are themselves the medium: the first of their `url`
        // links that is one (not the HTML page, a playlist or a torrent; the other links are
        // usually the same medium in other sizes).
        if attachments.is_empty()
            && let Some(medium) = media_kind(&kind)
        {
            let media_link = many(value, "url").into_iter().find_map(|link| {
                let url = str_of(link, "href").or_else(|| link.as_str()).and_then(web_url)?;
                match str_of(link, "mediaType") {
                    None => Some((url, None)),
                    Some(t) if ["image/", "video/", "audio/"].iter().any(|m| t.starts_with(m)) => {
                        Some((url, Some(t)))
                    }
                    Some(_) => None,
                }
            });
            if let Some((url, media_type)) = media_link {
                attachments.push(Attachment {
                    url,
                    // Undeclared, the type is the object's own kind in its commonest format.
                    media_type: Some(media_type.unwrap_or(medium).to_owned()),
                    name: None,
                    blurhash: None,
                    width: None,
                    height: None,
                });
            }
        }
        let poll = (kind == "Question").then(|| read_poll(value)).flatten();
        Ok(Note {
            content: text_of(value, "content").unwrap_or_default(),
            summary: text_of(value, "summary").filter(|s| !s.is_empty()),
            name: text_of(value, "name"),
            sensitive: bool_of(value, "sensitive").unwrap_or(false),
            in_reply_to: id_at(value, "inReplyTo").map(str::to_owned),
            published: time_of(value, "published"),
            updated: time_of(value, "updated"),
            url: url_of(value),
            to: ids_at(value, "to"),
            cc: ids_at(value, "cc"),
            tags,
            emojis: emojis_of(value),
            attachments,
            poll,
            replies: id_at(value, "replies").map(str::to_owned),
            language: language_of(value),
            attributed_to,
            kind,
            id,
        })
    }
}

/// The media type an Image, Video or Audio object is taken to have when its link declares none.
fn media_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "Image" => Some("image/jpeg"),
        "Video" => Some("video/mp4"),
        "Audio" => Some("audio/mpeg"),
        _ => None,
    }
}

/// Bounds on what a remote actor's profile may store: a longer username refuses the actor, the
/// rest is cut (generous beside Mastodon's local limits of 30, 500, 255 and 255 characters).
pub const MAX_USERNAME_CHARS: usize = 255;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
pub const MAX_BIO_CHARS: usize = 10_000;
pub const MAX_FIELD_NAME_CHARS: usize = 255;
pub const MAX_FIELD_VALUE_CHARS: usize = 2_047;

/// The longest remote poll option kept (Mastodon's own are 50 characters; other servers allow
/// more, so a generous bound that still keeps a hostile one from filling the database).
pub const MAX_POLL_OPTION_CHARS: usize = 500;

/// `text` cut to its first `max` characters.
fn clipped(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
    }
    text
}

fn read_poll(value: &Value) -> Option<Poll> {
    let (key, multiple) = if value.get("anyOf").is_some() {
        ("anyOf", true)
    } else {
        ("oneOf", false)
    };
    let options: Vec<(String, i32)> = many(value, key)
        .into_iter()
        .filter_map(|option| {
            let title = clipped(text_of(option, "name")?, MAX_POLL_OPTION_CHARS);
            let votes = option
                .get("replies")
                .and_then(|r| r.get("totalItems"))
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0);
            Some((title, votes.max(0)))
        })
        .take(20)
        .collect();
    if options.is_empty() {
        return None;
    }
    Some(Poll {
        options,
        multiple,
        end_time: time_of(value, "endTime").or_else(|| time_of(value, "closed")),
        voters_count: value
            .get("votersCount")
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok()),
    })
}

/// An activity's envelope.
#[derive(Debug, Clone)]
pub struct Activity<'a> {
    pub id: Option<&'a str>,
    pub kind: &'a str,
    pub actor: &'a str,
    /// The object, as sent (an id string or an embedded object).
    pub object: Option<&'a Value>,
    pub target: Option<&'a Value>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    /// The activity's own text (a Flag's comment, a Misskey reaction on a Like).
    pub content: Option<String>,
}

impl<'a> Activity<'a> {
    /// Reads the envelope; fails without a type or an actor.
    pub fn read(value: &'a Value) -> Result<Self, VocabError> {
        Ok(Activity {
            id: str_of(value, "id"),
            kind: primary_type(value).ok_or(VocabError::Missing("type"))?,
            actor: id_at(value, "actor").ok_or(VocabError::Missing("actor"))?,
            object: value.get("object").filter(|o| !o.is_null()),
            target: value.get("target"),
            to: ids_at(value, "to"),
            cc: ids_at(value, "cc"),
            published: time_of(value, "published"),
            content: text_of(value, "content"),
        })
    }

    /// The id of the object (embedded or referenced).
    pub fn object_id(&self) -> Option<&'a str> {
        self.object.and_then(id_of)
    }

    /// The ids of every object (a Flag names several).
    pub fn object_ids(&self) -> Vec<String> {
        match self.object {
            Some(Value::Array(items)) => items.iter().filter_map(id_of).map(str::to_owned).collect(),
            Some(other) => id_of(other).map(str::to_owned).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// The id of the target (Move, Add, Remove).
    pub fn target_id(&self) -> Option<&'a str> {
        self.target.and_then(id_of)
    }

    /// The embedded object, when the activity carries one rather than a bare id.
    pub fn embedded_object(&self) -> Option<&'a Value> {
        self.object.filter(|o| o.is_object())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let doc = format!("{{\"a\":{deep}}}");
        assert!(matches!(parse_json(doc.as_bytes()), Err(VocabError::TooDeep)));
        // Brackets inside strings do not count.
        let fine = format!("{{\"a\":\"{}\"}}", "[".repeat(100));
        assert!(parse_json(fine.as_bytes()).is_ok());
        assert!(matches!(parse_json(b"[1]"), Err(VocabError::NotAnObject)));
        assert!(matches!(parse_json(b"{nope"), Err(VocabError::Json(_))));
        let nul = parse_json(br#"{"a\u0000b": ["x\u0000y", {"c": "\u0000"}]}"#).unwrap();
        assert_eq!(nul, serde_json::json!({"ab": ["xy", {"c": ""}]}));
    }

    #[test]
    fn a_remote_profile_is_kept_to_bounds() {
        let actor = |username: String| {
            json!({
                "id": "https://x.test/users/a", "type": "Person", "inbox": "https://x.test/inbox",
                "preferredUsername": username,
                "name": "n".repeat(5_000), "summary": "s".repeat(100_000),
                "attachment": [{"type": "PropertyValue", "name": "k".repeat(1_000), "value": "v".repeat(50_000)}],
            })
        };
        let read = Actor::read(&actor("a".into())).unwrap();
        assert_eq!(read.name.unwrap().chars().count(), MAX_DISPLAY_NAME_CHARS);
        assert_eq!(read.summary.unwrap().chars().count(), MAX_BIO_CHARS);
        assert_eq!(read.fields[0].0.chars().count(), MAX_FIELD_NAME_CHARS);
        assert_eq!(read.fields[0].1.chars().count(), MAX_FIELD_VALUE_CHARS);
        assert!(
            Actor::read(&actor("u".repeat(256))).is_err(),
            "a 256-character username"
        );
    }

    #[test]
    fn a_remote_poll_option_is_kept_to_a_bound() {
        let long = "é".repeat(200_000);
        let poll = read_poll(&json!({"oneOf": [{"name": long}, {"name": "short"}]})).unwrap();
        assert_eq!(poll.options[0].0.chars().count(), MAX_POLL_OPTION_CHARS);
        assert_eq!(poll.options[1].0, "short");
    }

    #[test]
    fn references_are_read_in_every_shape() {
        let doc = json!({
            "a": "https://x.test/1",
            "b": {"id": "https://x.test/2", "type": "Note"},
            "c": [{"href": "https://x.test/3"}, "https://x.test/4"],
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "cc": ["as:Public", {"id": "https://x.test/followers"}],
        });
        assert_eq!(id_at(&doc, "a"), Some("https://x.test/1"));
        assert_eq!(id_at(&doc, "b"), Some("https://x.test/2"));
        assert_eq!(ids_at(&doc, "c"), vec!["https://x.test/3", "https://x.test/4"]);
        assert!(addresses_public(&ids_at(&doc, "to")));
        assert!(addresses_public(&ids_at(&doc, "cc")));
        assert!(!addresses_public(&ids_at(&doc, "c")));
    }

    #[test]
    fn a_note_with_only_a_content_map_reads() {
        let doc = json!({
            "id": "https://x.test/n/1", "type": "Note",
            "attributedTo": [{"type": "Person", "id": "https://x.test/u/a"}],
            "contentMap": {"de": "<p>Hallo</p>"},
            "tag": [{"type": "Mention", "href": "https://y.test/u/b"}, {"type": "Hashtag", "name": "#Rust"},
                    {"type": "Emoji", "name": ":blob:", "icon": {"url": "https://x.test/e.png"}}],
            "url": [{"type": "Link", "mediaType": "text/html", "href": "https://x.test/@a/1"}],
        });
        let note = Note::read(&doc).unwrap();
        assert_eq!(note.content, "<p>Hallo</p>");
        assert_eq!(note.language.as_deref(), Some("de"));
        assert_eq!(note.attributed_to, "https://x.test/u/a");
        assert_eq!(note.url.as_deref(), Some("https://x.test/@a/1"));
        assert_eq!(note.tags.len(), 2);
        assert_eq!(note.emojis[0].shortcode, "blob");
    }
}
