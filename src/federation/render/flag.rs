//! The Flag that forwards a member's report to the reported account's server.

use serde_json::{Value, json};

use crate::federation::urls;

/// A Flag from the instance actor (so the reporting member stays anonymous, as on Mastodon):
/// its objects are the reported actor and the reported statuses, its content the comment.
pub fn flag(base: &str, report_id: i64, target_uri: &str, status_uris: &[String], comment: &str) -> Value {
    let mut objects = Vec::with_capacity(status_uris.len() + 1);
    objects.push(target_uri.to_owned());
    objects.extend(status_uris.iter().cloned());
    super::document(json!({
        "id": format!("{}#reports/{report_id}", urls::instance_actor(base)),
        "type": "Flag",
        "actor": urls::instance_actor(base),
        "content": comment,
        "object": objects,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_names_the_actor_first_then_the_statuses() {
        let flag = flag(
            "https://here.example",
            7,
            "https://there.example/users/bad",
            &["https://there.example/users/bad/statuses/1".to_owned()],
            "spam",
        );
        assert_eq!(flag["type"], "Flag");
        assert_eq!(flag["actor"], "https://here.example/actor");
        assert_eq!(flag["id"], "https://here.example/actor#reports/7");
        assert_eq!(flag["object"][0], "https://there.example/users/bad");
        assert_eq!(flag["object"][1], "https://there.example/users/bad/statuses/1");
        assert_eq!(flag["content"], "spam");
        assert_eq!(flag["@context"][0], "https://www.w3.org/ns/activitystreams");
    }
}
