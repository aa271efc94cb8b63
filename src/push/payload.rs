//! What a push carries: Mastodon's payload (`access_token`, `preferred_locale`, `notification_id`, `notification_type`, `icon`, `title`, `body`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::{filtering, present};
use crate::text::sanitize::to_plain_text;

/// Longest body, in characters (a phone shows two or three lines).
const BODY_CHARS: usize = 140;

/// A push ready to encrypt.
#[derive(Debug, Clone)]
pub struct Payload {
    pub json: Value,
    /// RFC 8030 §5.4: a push service keeps only the newest undelivered push of a topic, so a
    /// phone that was offline gets one push per group (the favourites of one post), not fifty.
    pub topic: Option<String>,
}

/// The payload of `notification` for `subscription`, or `None` when it must not be pushed: the
/// member can no longer see its status, or one of their filters for notifications matches it (a
/// lock screen cannot show a filter's warning).
pub async fn render(
    state: &AppState,
    subscription: &db::push::Subscription,
    notification: &db::push::PushedNotification,
) -> AppResult<Option<Payload>> {
    let recipient = notification.account_id;
    let accounts = present::accounts(state, &[notification.from_account_id]).await?;
    let Some(from) = accounts.get(&notification.from_account_id) else {
        return Ok(None);
    };
    let mut body = to_plain_text(&from.note);
    if let Some(status_id) = notification.status_id {
        let statuses = present::statuses(state, &[status_id], Some(recipient)).await?;
        let statuses = filtering::apply(state, Some(recipient), "notifications", statuses).await?;
        let Some(status) = statuses.first() else {
            return Ok(None);
        };
        if !status.filtered.is_empty() {
            return Ok(None);
        }
        body = if status.spoiler_text.is_empty() {
            to_plain_text(&status.content)
        } else {
            status.spoiler_text.clone()
        };
    }
    let name = if from.display_name.trim().is_empty() {
        from.acct.as_str()
    } else {
        from.display_name.as_str()
    };
    let json = json!({
        "access_token": subscription.access_token,
        "preferred_locale": notification.locale,
        "notification_id": notification.id.to_string(),
        "notification_type": notification.r#type,
        "icon": from.avatar_static,
        "title": title(&notification.r#type, name),
        "body": shorten(&body),
    });
    let topic = notification.group_key.as_deref().map(|key| {
        // At most 32 base64url characters (RFC 8030 §5.4): 24 bytes of the key's digest.
        let digest = Sha256::digest(key.as_bytes());
        URL_SAFE_NO_PAD.encode(&digest[..24])
    });
    Ok(Some(Payload { json, topic }))
}

/// The notification's headline, in the words of the app-independent lock screen.
fn title(kind: &str, name: &str) -> String {
    match kind {
        "mention" => format!("{name} mentioned you"),
        "status" => format!("{name} posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} followed you"),
        "follow_request" => format!("{name} asked to follow you"),
        "favourite" => format!("{name} favourited your post"),
        "poll" => "A poll has ended".to_owned(),
        "update" => format!("{name} edited a post"),
        "admin.sign_up" => format!("{name} signed up"),
        "admin.report" => format!("{name} filed a report"),
        "severed_relationships" => "Some of your connections were severed".to_owned(),
        other => format!("New notification: {other}"),
    }
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= BODY_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(BODY_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("  hi  "), "hi");
        let long = "é".repeat(300);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), BODY_CHARS);
        assert!(short.ends_with('…'));
    }
}
