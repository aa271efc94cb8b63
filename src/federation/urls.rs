//! The URLs of local objects as remote servers see them: one place decides the scheme.
//!
//! Actors live at `/users/NAME` (HTML profile at `/@NAME`), statuses at
//! `/users/NAME/statuses/ID` (page at `/@NAME/ID`), the shared inbox at `/inbox` and the
//! instance actor at `/actor`, as on Mastodon, so links other servers stored keep working.

/// The actor of a local account.
pub fn actor(base: &str, username: &str) -> String {
    format!("{base}/users/{username}")
}

/// The key id local accounts sign with.
pub fn key_id(base: &str, username: &str) -> String {
    format!("{base}/users/{username}#main-key")
}

/// The HTML profile of a local account.
pub fn profile(base: &str, username: &str) -> String {
    format!("{base}/@{username}")
}

/// A local account's collection or endpoint (`inbox`, `outbox`, `followers`, `following`,
/// `collections/featured`, `collections/tags`).
pub fn actor_path(base: &str, username: &str, path: &str) -> String {
    format!("{base}/users/{username}/{path}")
}

/// The shared inbox.
pub fn shared_inbox(base: &str) -> String {
    format!("{base}/inbox")
}

/// The instance actor, which signs our fetches.
pub fn instance_actor(base: &str) -> String {
    format!("{base}/actor")
}

/// The instance actor's inbox.
pub fn instance_inbox(base: &str) -> String {
    format!("{base}/actor/inbox")
}

/// The instance actor's outbox (always empty).
pub fn instance_outbox(base: &str) -> String {
    format!("{base}/actor/outbox")
}

/// The instance actor's key id.
pub fn instance_key_id(base: &str) -> String {
    format!("{base}/actor#main-key")
}

/// A local status as an object.
pub fn status(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}/statuses/{id}")
}

/// A local status's HTML page.
pub fn status_page(base: &str, username: &str, id: i64) -> String {
    format!("{base}/@{username}/{id}")
}

/// The activity that published a local status (Create, or Announce for a boost).
pub fn status_activity(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}/statuses/{id}/activity")
}

/// The Update of an edited local status (one per edit, named by its time).
pub fn status_update(base: &str, username: &str, id: i64, at: i64) -> String {
    format!("{base}/users/{username}/statuses/{id}#updates/{at}")
}

/// An Update sending a poll's counts (`at`: milliseconds), apart from the status's edits.
pub fn poll_counts_update(base: &str, username: &str, id: i64, at: i64) -> String {
    format!("{base}/users/{username}/statuses/{id}#counts/{at}")
}

/// A member's Follow of a remote actor (`id`: the follow request's).
pub fn follow(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}#follows/{id}")
}

/// A member's Like (`id`: the favourite's).
pub fn like(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}#likes/{id}")
}

/// A member's Block (`id`: the block's).
pub fn block(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}#blocks/{id}")
}

/// A member's answer (`what`: accepts or rejects) to a remote follower's Follow.
pub fn answer(base: &str, username: &str, what: &str, follower_id: i64) -> String {
    format!("{base}/users/{username}#{what}/follows/{follower_id}")
}

/// An Update(Person) of a member's profile, named by its time in milliseconds.
pub fn actor_update(base: &str, username: &str, at: i64) -> String {
    format!("{base}/users/{username}#updates/{at}")
}

/// An Add or Remove on a member's featured collection, named by its time in milliseconds.
pub fn featured_change(base: &str, username: &str, kind: &str, at: i64) -> String {
    format!("{base}/users/{username}#featured/{}/{at}", kind.to_lowercase())
}

/// One choice of a member's vote in a remote poll (`id`: the vote's).
pub fn vote(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}#votes/{id}")
}

/// The replies collection of a local status.
pub fn status_replies(base: &str, username: &str, id: i64) -> String {
    format!("{base}/users/{username}/statuses/{id}/replies")
}

/// A stored media file (`name` as `media::storage::file_name` makes it).
pub fn media_file(base: &str, name: &str) -> String {
    crate::media::store::MediaStore::url(base, crate::media::store::Collection::Attachments, name)
}

/// The About page the instance actor points people to.
pub fn about(base: &str) -> String {
    format!("{base}/about/more")
}

/// A static image the instance serves (`avatar.png`, `header.png`).
pub fn static_file(base: &str, name: &str) -> String {
    format!("{base}/static/{name}")
}

/// A hashtag's page.
pub fn tag(base: &str, name: &str) -> String {
    format!("{base}/tags/{}", name.to_lowercase())
}

/// What a URL names on this instance, if it is one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalObject {
    Actor { username: String },
    Status { username: String, id: i64 },
    InstanceActor,
}

/// Recognizes the URLs of local actors and statuses (object and page forms).
pub fn local_object(base: &str, url: &str) -> Option<LocalObject> {
    let rest = url.strip_prefix(base)?;
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['#', '?']).next().unwrap_or_default();
    if rest == "/actor" {
        return Some(LocalObject::InstanceActor);
    }
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let valid_name =
        |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match segments.as_slice() {
        ["users", name] if valid_name(name) => Some(LocalObject::Actor {
            username: (*name).to_owned(),
        }),
        ["users", name, "statuses", id] | ["users", name, "statuses", id, "activity"] if valid_name(name) => {
            Some(LocalObject::Status {
                username: (*name).to_owned(),
                id: id.parse().ok()?,
            })
        }
        [at_name] => {
            let name = at_name.strip_prefix('@')?;
            valid_name(name).then(|| LocalObject::Actor {
                username: name.to_owned(),
            })
        }
        [at_name, id] => {
            let name = at_name.strip_prefix('@')?;
            valid_name(name).then_some(())?;
            Some(LocalObject::Status {
                username: name.to_owned(),
                id: id.parse().ok()?,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://ferro.test";

    #[test]
    fn local_urls_are_recognized_in_both_forms() {
        assert_eq!(
            local_object(BASE, &actor(BASE, "alice")),
            Some(LocalObject::Actor {
                username: "alice".into()
            })
        );
        assert_eq!(
            local_object(BASE, &key_id(BASE, "alice")),
            Some(LocalObject::Actor {
                username: "alice".into()
            })
        );
        assert_eq!(
            local_object(BASE, &profile(BASE, "alice")),
            Some(LocalObject::Actor {
                username: "alice".into()
            })
        );
        assert_eq!(
            local_object(BASE, &status(BASE, "alice", 42)),
            Some(LocalObject::Status {
                username: "alice".into(),
                id: 42
            })
        );
        assert_eq!(
            local_object(BASE, &status_page(BASE, "alice", 42)),
            Some(LocalObject::Status {
                username: "alice".into(),
                id: 42
            })
        );
        assert_eq!(
            local_object(BASE, &instance_actor(BASE)),
            Some(LocalObject::InstanceActor)
        );
        for other in [
            "https://other.test/users/alice",
            "https://ferro.test/users/al%20ice",
            "https://ferro.test/users/alice/statuses/x",
            "https://ferro.test/tags/rust",
            "https://ferro.testx/users/alice",
            "https://ferro.test@evil.test/users/alice",
        ] {
            assert_eq!(local_object(BASE, other), None, "{other}");
        }
    }
}
