//! The activities members' actions send (besides Create and Announce), as pure JSON.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Host, LocalStatus, note, time};
use crate::federation::urls;
use crate::federation::vocab::PUBLIC;

/// The Update that carries an edited local status, addressed like the status.
pub fn update_note(host: Host<'_>, local: &LocalStatus, now: DateTime<Utc>) -> Value {
    let base = host.base_url;
    let object = note(host, local, now);
    let at = local.status.edited_at.unwrap_or(now);
    json!({
        "id": urls::status_update(base, &local.author, local.status.id, at.timestamp()),
        "type": "Update",
        "actor": urls::actor(base, &local.author),
        "published": time(at),
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    })
}

/// The Delete of a local status, its object a Tombstone, addressed as the status was.
pub fn delete_note(base: &str, author: &str, status_id: i64, to: Vec<String>, cc: Vec<String>) -> Value {
    let uri = urls::status(base, author, status_id);
    json!({
        "id": format!("{uri}#delete"),
        "type": "Delete",
        "actor": urls::actor(base, author),
        "to": to,
        "cc": cc,
        "object": { "id": uri, "type": "Tombstone", "atomUri": uri },
    })
}

/// A Like of a status, to its author.
pub fn like(base: &str, liker: &str, id: &str, status_uri: &str, author_uri: &str) -> Value {
    json!({
        "id": id,
        "type": "Like",
        "actor": urls::actor(base, liker),
        "to": [author_uri],
        "object": status_uri,
    })
}

/// A Follow of a remote actor.
pub fn follow(base: &str, follower: &str, id: &str, target_uri: &str) -> Value {
    json!({
        "id": id,
        "type": "Follow",
        "actor": urls::actor(base, follower),
        "object": target_uri,
    })
}

/// A remote actor's Follow of a local member, as an Accept or Reject embeds it. Its id is the
/// one the follower sent, when we kept it.
pub fn remote_follow(base: &str, target: &str, id: Option<&str>, follower_uri: &str) -> Value {
    let mut follow = json!({
        "type": "Follow",
        "actor": follower_uri,
        "object": urls::actor(base, target),
    });
    if let Some(id) = id {
        follow["id"] = json!(id);
    }
    follow
}

/// Accept (`accepted`) or Reject of a remote actor's Follow by the local member it named.
pub fn answer_follow(
    base: &str,
    target: &str,
    follower_id: i64,
    follower_uri: &str,
    follow: Value,
    accepted: bool,
) -> Value {
    let (kind, what) = if accepted {
        ("Accept", "accepts")
    } else {
        ("Reject", "rejects")
    };
    json!({
        "id": urls::answer(base, target, what, follower_id),
        "type": kind,
        "actor": urls::actor(base, target),
        "to": [follower_uri],
        "object": follow,
    })
}

/// A Block of a remote actor, to that actor (as Mastodon sends it).
pub fn block(base: &str, blocker: &str, id: &str, target_uri: &str) -> Value {
    json!({
        "id": id,
        "type": "Block",
        "actor": urls::actor(base, blocker),
        "to": [target_uri],
        "object": target_uri,
    })
}

/// The Undo of an activity of ours, embedding it and addressed like it.
pub fn undo(base: &str, actor: &str, activity: Value) -> Value {
    let id = activity["id"].as_str().map(|id| format!("{id}/undo"));
    json!({
        "id": id,
        "type": "Undo",
        "actor": urls::actor(base, actor),
        "to": activity.get("to").cloned().unwrap_or_else(|| json!([])),
        "cc": activity.get("cc").cloned().unwrap_or_else(|| json!([])),
        "object": activity,
    })
}

/// Update(Person) of a local profile, to everyone (delivered to the followers).
pub fn update_actor(base: &str, name: &str, actor: Value, now: DateTime<Utc>) -> Value {
    json!({
        "id": urls::actor_update(base, name, now.timestamp_millis()),
        "type": "Update",
        "actor": urls::actor(base, name),
        "to": [PUBLIC],
        "cc": [urls::actor_path(base, name, "followers")],
        "object": actor,
    })
}

/// Delete(Person): a local account is gone for good (id `/users/NAME#delete`, to everyone).
pub fn delete_actor(base: &str, name: &str) -> Value {
    let actor = urls::actor(base, name);
    json!({
        "id": format!("{actor}#delete"),
        "type": "Delete",
        "actor": actor,
        "to": [PUBLIC],
        "object": actor,
    })
}

/// Move: a local account now lives at `target` (which names it in `alsoKnownAs`).
pub fn move_actor(base: &str, name: &str, target: &str, now: DateTime<Utc>) -> Value {
    let actor = urls::actor(base, name);
    json!({
        "id": format!("{actor}#moves/{}", now.timestamp_millis()),
        "type": "Move",
        "actor": actor,
        "to": [urls::actor_path(base, name, "followers")],
        "object": actor,
        "target": target,
    })
}

/// Add (`on`) or Remove of a pinned status in the member's featured collection.
pub fn featured_change(base: &str, name: &str, status_uri: &str, on: bool, now: DateTime<Utc>) -> Value {
    let kind = if on { "Add" } else { "Remove" };
    json!({
        "id": urls::featured_change(base, name, kind, now.timestamp_millis()),
        "type": kind,
        "actor": urls::actor(base, name),
        "to": [PUBLIC],
        "cc": [urls::actor_path(base, name, "followers")],
        "object": status_uri,
        "target": urls::actor_path(base, name, "collections/featured"),
    })
}

/// One choice of a local member's vote in a remote poll: a Create of a Note named for the
/// option, answering the poll, to its author only (as Mastodon votes).
pub fn vote(base: &str, voter: &str, vote_id: i64, poll_uri: &str, author_uri: &str, option: &str) -> Value {
    let id = urls::vote(base, voter, vote_id);
    let actor = urls::actor(base, voter);
    json!({
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": [author_uri],
        "object": {
            "id": id,
            "type": "Note",
            "name": option,
            "attributedTo": actor,
            "to": [author_uri],
            "inReplyTo": poll_uri,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://ferro.test";

    #[test]
    fn undo_embeds_and_addresses_like_the_undone() {
        let like = like(
            BASE,
            "alice",
            "https://ferro.test/users/alice#likes/1",
            "https://r.test/n/1",
            "https://r.test/u/bob",
        );
        let undo = undo(BASE, "alice", like);
        assert_eq!(undo["id"], "https://ferro.test/users/alice#likes/1/undo");
        assert_eq!(undo["to"][0], "https://r.test/u/bob");
        assert_eq!(undo["object"]["type"], "Like");
    }

    #[test]
    fn a_vote_is_a_named_note_answering_the_poll() {
        let vote = vote(
            BASE,
            "alice",
            7,
            "https://r.test/q/1",
            "https://r.test/u/bob",
            "Yes",
        );
        assert_eq!(vote["object"]["name"], "Yes");
        assert_eq!(vote["object"]["inReplyTo"], "https://r.test/q/1");
        assert!(vote["object"].get("content").is_none());
    }
}
