//! Statuses: a local status as a Note (a Question with a poll), its Create, a boost's Announce,
//! addressing per visibility, and the replies collection.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Host, emoji, hashtag, time};
use crate::db;
use crate::federation::urls;
use crate::federation::vocab::PUBLIC;
use crate::media::storage;

/// How many of its author's own replies a Note embeds in `replies` (as Mastodon: 5).
pub const SELF_REPLIES_SHOWN: usize = 5;

/// A local original status with everything its Note is made of.
#[derive(Debug, Clone)]
pub struct LocalStatus {
    pub status: db::statuses::Status,
    /// The author's username (the author is local).
    pub author: String,
    /// The URI of the status it answers, local or remote.
    pub in_reply_to: Option<String>,
    pub mentions: Vec<db::statuses::MentionRow>,
    /// Hashtag names.
    pub tags: Vec<String>,
    pub media: Vec<db::media::Media>,
    pub poll: Option<db::polls::Poll>,
    /// Custom emoji its text uses.
    pub emojis: Vec<db::custom_emojis::LocalEmoji>,
    /// Ids of the author's first public or unlisted replies to it, oldest first.
    pub self_replies: Vec<i64>,
}

/// The URI of a status: ours by the URL scheme, a remote one as stored.
pub fn status_uri(host: Host<'_>, status: &db::statuses::StatusRef) -> Option<String> {
    if status.local {
        Some(urls::status(host.base_url, &status.username, status.id))
    } else {
        status.uri.clone()
    }
}

/// `to` and `cc` as Mastodon addresses a status: public is to everyone and cc the followers;
/// unlisted to the followers and cc everyone; private to the followers; direct to the
/// mentioned alone. Mentioned actors are cc'd except on direct statuses, which are to them.
pub fn addressing(followers: &str, visibility: &str, mentioned: &[String]) -> (Vec<String>, Vec<String>) {
    let mut cc = Vec::new();
    let to = match visibility {
        "public" => {
            cc.push(followers.to_owned());
            vec![PUBLIC.to_owned()]
        }
        "unlisted" => {
            cc.push(PUBLIC.to_owned());
            vec![followers.to_owned()]
        }
        "private" => vec![followers.to_owned()],
        _ => return (mentioned.to_vec(), Vec::new()),
    };
    cc.extend(mentioned.iter().cloned());
    (to, cc)
}

/// The `conversation` of a status: a tag URI (RFC 4151) naming the conversation on this
/// instance, `tag:DOMAIN,YYYY-MM-DD:objectId=ID:objectType=Conversation`, dated by the
/// conversation id's own time, as Mastodon writes it.
pub fn conversation(host: Host<'_>, conversation_id: i64) -> String {
    let day = crate::ids::time_of(conversation_id).format("%Y-%m-%d");
    format!(
        "tag:{},{day}:objectId={conversation_id}:objectType=Conversation",
        host.domain
    )
}

/// The `replies` collection embedded in a Note: the author's first replies, then a link to
/// the rest (more of the author's, or everyone else's), as Mastodon pages it.
pub fn replies(host: Host<'_>, author: &str, status_id: i64, self_replies: &[i64]) -> Value {
    let base = host.base_url;
    let id = urls::status_replies(base, author, status_id);
    let items: Vec<String> = self_replies
        .iter()
        .map(|reply| urls::status(base, author, *reply))
        .collect();
    let next = match self_replies.last() {
        Some(last) if self_replies.len() >= SELF_REPLIES_SHOWN => format!("{id}?page=true&min_id={last}"),
        _ => format!("{id}?page=true&only_other_accounts=true"),
    };
    json!({
        "id": id,
        "type": "Collection",
        "first": {
            "type": "CollectionPage",
            "next": next,
            "partOf": id,
            "items": items,
        },
    })
}

/// A local status as a Note, or a Question when it carries a poll (`now` tells whether the
/// poll has closed). Without `@context`; see `render::document`.
pub fn note(host: Host<'_>, local: &LocalStatus, now: DateTime<Utc>) -> Value {
    let base = host.base_url;
    let status = &local.status;
    let author = local.author.as_str();
    let actor = urls::actor(base, author);
    let mentioned: Vec<String> = local
        .mentions
        .iter()
        .filter_map(|m| mention_uri(host, m))
        .collect();
    let (to, cc) = addressing(
        &urls::actor_path(base, author, "followers"),
        &status.visibility,
        &mentioned,
    );
    let mut tags: Vec<Value> = local
        .mentions
        .iter()
        .filter_map(|m| {
            Some(json!({
                "type": "Mention",
                "href": mention_uri(host, m)?,
                "name": format!("@{}@{}", m.username, m.domain.as_deref().unwrap_or(host.domain)),
            }))
        })
        .collect();
    tags.extend(local.tags.iter().map(|name| hashtag(host, name)));
    tags.extend(local.emojis.iter().map(emoji));
    let mut note = json!({
        "id": urls::status(base, author, status.id),
        "type": "Note",
        "summary": Some(&status.spoiler_text).filter(|s| !s.is_empty()),
        "inReplyTo": local.in_reply_to,
        "published": time(status.created_at),
        "url": urls::status_page(base, author, status.id),
        "attributedTo": actor,
        "to": to,
        "cc": cc,
        // A content warning hides the media too, as Mastodon's own posts do.
        "sensitive": status.sensitive || !status.spoiler_text.is_empty(),
        "conversation": conversation(host, status.conversation_id),
        "content": status.content,
        "attachment": local.media.iter().map(|m| document_of(host, m)).collect::<Vec<_>>(),
        "tag": tags,
        "replies": replies(host, author, status.id, &local.self_replies),
    });
    if let Some(edited) = status.edited_at {
        note["updated"] = json!(time(edited));
    }
    if let Some(language) = status.language.as_deref().filter(|l| !l.is_empty()) {
        note["contentMap"] = json!({ language: status.content });
    }
    if let Some(poll) = &local.poll {
        add_poll(&mut note, poll, now);
    }
    note
}

/// The Create that published a local status, with its Note embedded.
pub fn create(host: Host<'_>, local: &LocalStatus, now: DateTime<Utc>) -> Value {
    let base = host.base_url;
    let object = note(host, local, now);
    json!({
        "id": urls::status_activity(base, &local.author, local.status.id),
        "type": "Create",
        "actor": urls::actor(base, &local.author),
        "published": object["published"],
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    })
}

/// A local boost as an Announce of the original's URI, addressed like the boost (whose
/// visibility is its original's) and cc the original's author, as Mastodon does.
/// None when the original has no URI to name.
pub fn announce(
    host: Host<'_>,
    booster: &str,
    reblog: &db::statuses::Status,
    original: &db::statuses::StatusRef,
) -> Option<Value> {
    let base = host.base_url;
    let object = status_uri(host, original)?;
    let original_author = if original.local {
        Some(urls::actor(base, &original.username))
    } else {
        original.account_uri.clone()
    };
    let (to, mut cc) = addressing(
        &urls::actor_path(base, booster, "followers"),
        &reblog.visibility,
        &[],
    );
    if let Some(author) = original_author {
        cc.insert(0, author);
    }
    Some(json!({
        "id": urls::status_activity(base, booster, reblog.id),
        "type": "Announce",
        "actor": urls::actor(base, booster),
        "published": time(reblog.created_at),
        "to": to,
        "cc": cc,
        "object": object,
    }))
}

/// The actor a mention names: ours by the URL scheme, a remote one's stored URI.
fn mention_uri(host: Host<'_>, mention: &db::statuses::MentionRow) -> Option<String> {
    match mention.domain {
        None => Some(urls::actor(host.base_url, &mention.username)),
        Some(_) => mention.uri.clone(),
    }
}

/// A stored upload as a Document attachment.
fn document_of(host: Host<'_>, media: &db::media::Media) -> Value {
    let extension = storage::extension(&media.content_type).unwrap_or("bin");
    let name = storage::file_name(media.id, &media.file_key, false, extension);
    json!({
        "type": "Document",
        "mediaType": media.content_type,
        "url": urls::media_file(host.base_url, &name),
        "name": Some(&media.description).filter(|d| !d.is_empty()),
        "blurhash": media.blurhash,
        "focalPoint": [media.focus_x, media.focus_y],
        "width": media.width,
        "height": media.height,
    })
}

/// Turns a Note into a Question: options with their counts, end time, voters, and `closed`
/// once it ended. Hidden totals stay hidden (zero) until the end, as in the client API.
fn add_poll(note: &mut Value, poll: &db::polls::Poll, now: DateTime<Utc>) {
    let ended = poll.expires_at.is_some_and(|end| end <= now);
    let show_totals = ended || !poll.hide_totals;
    let options: Vec<Value> = poll
        .options
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let votes = if show_totals {
                poll.tallies.get(i).copied().unwrap_or(0)
            } else {
                0
            };
            json!({
                "type": "Note",
                "name": title,
                "replies": { "type": "Collection", "totalItems": votes },
            })
        })
        .collect();
    note["type"] = json!("Question");
    note[if poll.multiple { "anyOf" } else { "oneOf" }] = json!(options);
    note["votersCount"] = json!(poll.voters_count);
    if let Some(end) = poll.expires_at {
        note["endTime"] = json!(time(end));
        if ended {
            note["closed"] = json!(time(end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HOST: Host<'static> = Host {
        base_url: "https://ferro.test",
        domain: "ferro.test",
    };
    const FOLLOWERS: &str = "https://ferro.test/users/alice/followers";

    fn local_status(visibility: &str) -> LocalStatus {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        LocalStatus {
            status: db::statuses::Status {
                id: 7,
                account_id: 1,
                local: true,
                uri: None,
                url: None,
                text: "hi".into(),
                content: "<p>hi</p>".into(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: visibility.into(),
                language: Some("en".into()),
                in_reply_to_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: None,
                conversation_id: crate::ids::lowest_at(at),
                application_id: None,
                replies_count: 0,
                reblogs_count: 0,
                favourites_count: 0,
                created_at: at,
                edited_at: None,
                emojis: json!([]),
                replies_url: None,
                title: None,
            },
            author: "alice".into(),
            in_reply_to: None,
            mentions: vec![db::statuses::MentionRow {
                status_id: 7,
                account_id: 2,
                username: "bob".into(),
                domain: Some("remote.test".into()),
                url: None,
                uri: Some("https://remote.test/users/bob".into()),
            }],
            tags: vec!["Rust".into()],
            media: Vec::new(),
            poll: None,
            emojis: Vec::new(),
            self_replies: Vec::new(),
        }
    }

    #[test]
    fn addressing_follows_mastodon_per_visibility() {
        let bob = vec!["https://remote.test/users/bob".to_owned()];
        assert_eq!(
            addressing(FOLLOWERS, "public", &bob),
            (
                vec![PUBLIC.to_owned()],
                vec![FOLLOWERS.to_owned(), bob[0].clone()]
            )
        );
        assert_eq!(
            addressing(FOLLOWERS, "unlisted", &bob),
            (
                vec![FOLLOWERS.to_owned()],
                vec![PUBLIC.to_owned(), bob[0].clone()]
            )
        );
        assert_eq!(
            addressing(FOLLOWERS, "private", &bob),
            (vec![FOLLOWERS.to_owned()], vec![bob[0].clone()])
        );
        assert_eq!(addressing(FOLLOWERS, "direct", &bob), (bob.clone(), Vec::new()));
    }

    #[test]
    fn a_note_names_its_author_tags_language_and_conversation() {
        let note = note(HOST, &local_status("public"), Utc::now());
        assert_eq!(note["id"], "https://ferro.test/users/alice/statuses/7");
        assert_eq!(note["url"], "https://ferro.test/@alice/7");
        assert_eq!(note["attributedTo"], "https://ferro.test/users/alice");
        assert_eq!(note["summary"], Value::Null);
        assert_eq!(note["contentMap"]["en"], "<p>hi</p>");
        assert_eq!(note["published"], "2026-01-02T03:04:05Z");
        assert!(note.get("updated").is_none());
        assert_eq!(note["tag"][0]["name"], "@bob@remote.test");
        assert_eq!(
            note["tag"][1],
            json!({"type": "Hashtag", "href": "https://ferro.test/tags/rust", "name": "#rust"})
        );
        let conversation = note["conversation"].as_str().unwrap();
        assert!(
            conversation.starts_with("tag:ferro.test,2026-01-02:objectId=")
                && conversation.ends_with(":objectType=Conversation"),
            "{conversation}"
        );
        assert_eq!(
            note["replies"]["id"],
            "https://ferro.test/users/alice/statuses/7/replies"
        );
        assert_eq!(
            note["replies"]["first"]["next"],
            "https://ferro.test/users/alice/statuses/7/replies?page=true&only_other_accounts=true"
        );
    }

    #[test]
    fn a_poll_makes_a_question_that_closes_and_hides_totals_until_then() {
        let mut local = local_status("public");
        let end = Utc.with_ymd_and_hms(2026, 1, 3, 0, 0, 0).unwrap();
        local.poll = Some(db::polls::Poll {
            id: 1,
            status_id: 7,
            account_id: 1,
            options: vec!["yes".into(), "no".into()],
            multiple: false,
            hide_totals: true,
            expires_at: Some(end),
            tallies: vec![2, 1],
            voters_count: 3,
        });
        let open = note(HOST, &local, end - chrono::Duration::hours(1));
        assert_eq!(open["type"], "Question");
        assert_eq!(open["oneOf"][0]["name"], "yes");
        assert_eq!(open["oneOf"][0]["replies"]["totalItems"], 0);
        assert_eq!(open["endTime"], "2026-01-03T00:00:00Z");
        assert!(open.get("closed").is_none());
        let closed = note(HOST, &local, end);
        assert_eq!(closed["oneOf"][0]["replies"]["totalItems"], 2);
        assert_eq!(closed["votersCount"], 3);
        assert_eq!(closed["closed"], "2026-01-03T00:00:00Z");
    }

    #[test]
    fn a_boost_announces_the_original_and_ccs_its_author() {
        let reblog = local_status("public").status;
        let original = db::statuses::StatusRef {
            id: 3,
            local: false,
            uri: Some("https://remote.test/notes/3".into()),
            url: None,
            username: "bob".into(),
            domain: Some("remote.test".into()),
            account_uri: Some("https://remote.test/users/bob".into()),
        };
        let announce = announce(HOST, "alice", &reblog, &original).unwrap();
        assert_eq!(announce["type"], "Announce");
        assert_eq!(
            announce["id"],
            "https://ferro.test/users/alice/statuses/7/activity"
        );
        assert_eq!(announce["object"], "https://remote.test/notes/3");
        assert_eq!(announce["to"], json!([PUBLIC]));
        assert_eq!(
            announce["cc"],
            json!(["https://remote.test/users/bob", FOLLOWERS])
        );
    }
}
