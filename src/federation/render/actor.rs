//! Actors: a local account as a Person (or Service), and the instance actor as an Application.

use serde_json::{Value, json};

use super::{Host, emoji, time};
use crate::db;
use crate::federation::urls;
use crate::media::profile_images::{self, Picture};
use crate::text;

/// What a local account's actor says beyond its profile: where it also lives (`alsoKnownAs`:
/// the accounts it moved from, which name it as their target), where it moved to (`movedTo`),
/// and whether the staff suspended it.
#[derive(Debug, Clone, Default)]
pub struct ActorLinks {
    pub also_known_as: Vec<String>,
    pub moved_to: Option<String>,
    pub suspended: bool,
}

/// A local account as its actor document's object (without `@context`; see `render::document`).
///
/// The bio and field values are plain text for local accounts and become HTML here, as the
/// client API shows them; `emojis` are the custom emoji its name, bio and fields use.
pub fn actor(
    host: Host<'_>,
    account: &db::accounts::Account,
    emojis: &[db::custom_emojis::LocalEmoji],
    links: &ActorLinks,
) -> Value {
    let base = host.base_url;
    let name = account.username.as_str();
    let id = urls::actor(base, name);
    let fields: Vec<Value> = account
        .fields
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|field| {
            let label = field.get("name")?.as_str()?;
            let value = field.get("value").and_then(Value::as_str).unwrap_or_default();
            Some(json!({
                "type": "PropertyValue",
                "name": label,
                "value": text::linkify_line(value),
            }))
        })
        .collect();
    // Mastodon publishes the day an account was made, not the moment.
    let created_day = account
        .created_at
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(account.created_at, |t| t.and_utc());
    let mut actor = json!({
        "id": id,
        "type": if account.bot { "Service" } else { "Person" },
        "following": urls::actor_path(base, name, "following"),
        "followers": urls::actor_path(base, name, "followers"),
        "inbox": urls::actor_path(base, name, "inbox"),
        "outbox": urls::actor_path(base, name, "outbox"),
        "featured": urls::actor_path(base, name, "collections/featured"),
        "featuredTags": urls::actor_path(base, name, "collections/tags"),
        "preferredUsername": name,
        "name": account.display_name,
        "summary": text::plain_to_html(&account.note),
        "url": urls::profile(base, name),
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable.unwrap_or(false),
        "indexable": account.indexable,
        "published": time(created_day),
        "memorial": false,
        "publicKey": {
            "id": urls::key_id(base, name),
            "owner": id,
            "publicKeyPem": account.public_key_pem,
        },
        "tag": emojis.iter().map(emoji).collect::<Vec<_>>(),
        "attachment": fields,
        "endpoints": { "sharedInbox": urls::shared_inbox(base) },
        "icon": picture(base, account, Picture::Avatar),
        "image": picture(base, account, Picture::Header),
    });
    if !links.also_known_as.is_empty() {
        actor["alsoKnownAs"] = json!(links.also_known_as);
    }
    if let Some(moved_to) = &links.moved_to {
        actor["movedTo"] = json!(moved_to);
    }
    if links.suspended {
        // As Mastodon: the profile is withheld and `suspended` tells other servers to hide
        // the account; the key stays, so what the account signed can still be checked.
        actor["suspended"] = json!(true);
        actor["name"] = json!("");
        actor["summary"] = json!("");
        actor["attachment"] = json!([]);
        actor["tag"] = json!([]);
        actor["discoverable"] = json!(false);
        actor["indexable"] = json!(false);
        if let Some(fields) = actor.as_object_mut() {
            fields.remove("icon");
            fields.remove("image");
        }
    }
    actor
}

/// A member's avatar or header as an `Image`: their upload, or the instance's default picture.
fn picture(base: &str, account: &db::accounts::Account, picture: Picture) -> Value {
    let (file, url) = match picture {
        Picture::Avatar => (&account.avatar_file, profile_images::avatar_url(base, account)),
        Picture::Header => (&account.header_file, profile_images::header_url(base, account)),
    };
    json!({
        "type": "Image",
        "mediaType": file.as_deref().map_or("image/png", profile_images::content_type),
        "url": url,
    })
}

/// The instance actor (`/actor`): an Application named for the domain, which signs our fetches.
/// It approves no followers and publishes nothing.
pub fn instance_actor(host: Host<'_>, public_key_pem: &str) -> Value {
    let base = host.base_url;
    let id = urls::instance_actor(base);
    json!({
        "id": id,
        "type": "Application",
        "inbox": urls::instance_inbox(base),
        "outbox": urls::instance_outbox(base),
        "preferredUsername": host.domain,
        "url": urls::about(base),
        "manuallyApprovesFollowers": true,
        "publicKey": {
            "id": urls::instance_key_id(base),
            "owner": id,
            "publicKeyPem": public_key_pem,
        },
        "endpoints": { "sharedInbox": urls::shared_inbox(base) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HOST: Host<'static> = Host {
        base_url: "https://ferro.test",
        domain: "ferro.test",
    };

    fn account() -> db::accounts::Account {
        db::accounts::Account {
            id: 1,
            username: "alice".into(),
            domain: None,
            display_name: "Alice <3".into(),
            note: "Hi & welcome\n\nsee https://example.com".into(),
            uri: None,
            url: None,
            public_key_pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into(),
            locked: true,
            bot: false,
            discoverable: Some(true),
            indexable: false,
            hide_collections: false,
            fields: json!([{ "name": "Site", "value": "https://alice.example" }]),
            created_at: chrono::Utc.with_ymd_and_hms(2025, 3, 4, 15, 16, 17).unwrap(),
            avatar_remote_url: None,
            header_remote_url: None,
            avatar_file: None,
            header_file: None,
            emojis: json!([]),
            actor_type: "Person".into(),
            moved_to_account_id: None,
        }
    }

    #[test]
    fn a_local_account_is_a_person_with_its_endpoints_key_and_fields() {
        let actor = actor(HOST, &account(), &[], &ActorLinks::default());
        assert_eq!(actor["id"], "https://ferro.test/users/alice");
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["url"], "https://ferro.test/@alice");
        assert_eq!(actor["inbox"], "https://ferro.test/users/alice/inbox");
        assert_eq!(actor["endpoints"]["sharedInbox"], "https://ferro.test/inbox");
        assert_eq!(
            actor["publicKey"]["id"],
            "https://ferro.test/users/alice#main-key"
        );
        assert_eq!(actor["publicKey"]["owner"], actor["id"]);
        assert_eq!(actor["manuallyApprovesFollowers"], true);
        assert_eq!(actor["published"], "2025-03-04T00:00:00Z");
        assert_eq!(
            actor["summary"],
            "<p>Hi &amp; welcome</p><p>see <a href=\"https://example.com\" target=\"_blank\" \
             rel=\"nofollow noopener\" translate=\"no\">example.com</a></p>"
        );
        assert_eq!(actor["attachment"][0]["type"], "PropertyValue");
        assert_eq!(actor["attachment"][0]["name"], "Site");
        assert!(
            actor["attachment"][0]["value"]
                .as_str()
                .unwrap()
                .contains("href=\"https://alice.example\"")
        );
    }

    #[test]
    fn bots_are_services() {
        let mut bot = account();
        bot.bot = true;
        assert_eq!(actor(HOST, &bot, &[], &ActorLinks::default())["type"], "Service");
    }

    #[test]
    fn the_instance_actor_is_an_application_named_for_the_domain() {
        let actor = instance_actor(HOST, "PEM");
        assert_eq!(actor["type"], "Application");
        assert_eq!(actor["preferredUsername"], "ferro.test");
        assert_eq!(actor["inbox"], "https://ferro.test/actor/inbox");
        assert_eq!(actor["publicKey"]["id"], "https://ferro.test/actor#main-key");
        assert_eq!(actor["url"], "https://ferro.test/about/more");
    }
}
