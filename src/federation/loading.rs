//! Loads what publishing renders: local statuses with their parts, in a few batched queries.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};

use super::render::{self, Host, LocalStatus, SELF_REPLIES_SHOWN};
use crate::db;
use crate::error::AppResult;

/// These statuses in the order of `ids` (unknown ids left out).
pub async fn statuses_in_order(db: &PgPool, ids: &[i64]) -> AppResult<Vec<db::statuses::Status>> {
    let mut by_id: HashMap<i64, db::statuses::Status> = db::statuses::list_by_ids(db, ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Original statuses of the local account `author`, each with what its Note is made of, in the
/// order given. Boosts and other authors' statuses are left out.
pub async fn local_statuses(
    db: &mut PgConnection,
    host: Host<'_>,
    author: &db::accounts::Account,
    rows: Vec<db::statuses::Status>,
) -> AppResult<Vec<LocalStatus>> {
    let rows: Vec<db::statuses::Status> = rows
        .into_iter()
        .filter(|s| s.local && s.account_id == author.id && s.reblog_of_id.is_none())
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let parent_ids: Vec<i64> = rows.iter().filter_map(|s| s.in_reply_to_id).collect();
    let parents: HashMap<i64, Option<String>> = db::statuses::list_refs(&mut *db, &parent_ids)
        .await?
        .iter()
        .map(|parent| (parent.id, render::status_uri(host, parent)))
        .collect();
    let mentions = db::statuses::list_mentions(&mut *db, &ids).await?;
    let tags = db::statuses::list_tags(&mut *db, &ids).await?;
    let media = db::media::list_by_status_ids(&mut *db, &ids).await?;
    let polls = db::polls::list_by_status_ids(&mut *db, &ids).await?;
    let self_replies =
        db::statuses::list_self_reply_ids(&mut *db, &ids, i64::try_from(SELF_REPLIES_SHOWN).unwrap_or(5))
            .await?;
    let mut shortcodes: Vec<String> = Vec::new();
    for row in &rows {
        for text in [&row.text, &row.spoiler_text] {
            shortcodes.extend(render::emoji_shortcodes(text));
        }
    }
    let emojis = emojis_named(&mut *db, shortcodes).await?;
    Ok(rows
        .into_iter()
        .map(|status| {
            let id = status.id;
            let used: Vec<String> = [&status.text, &status.spoiler_text]
                .into_iter()
                .flat_map(|text| render::emoji_shortcodes(text))
                .collect();
            LocalStatus {
                in_reply_to: status
                    .in_reply_to_id
                    .and_then(|parent| parents.get(&parent).cloned().flatten()),
                author: author.username.clone(),
                mentions: mentions.iter().filter(|m| m.status_id == id).cloned().collect(),
                tags: tags
                    .iter()
                    .filter(|(status_id, _)| *status_id == id)
                    .map(|(_, name)| name.clone())
                    .collect(),
                media: media
                    .iter()
                    .filter(|m| m.status_id == Some(id))
                    .cloned()
                    .collect(),
                poll: polls.iter().find(|p| p.status_id == id).cloned(),
                emojis: emojis
                    .iter()
                    .filter(|e| used.contains(&e.shortcode))
                    .cloned()
                    .collect(),
                self_replies: self_replies
                    .iter()
                    .filter(|(parent, _)| *parent == id)
                    .map(|(_, reply)| *reply)
                    .collect(),
                status,
            }
        })
        .collect())
}

/// A local account's `alsoKnownAs` and `movedTo`, as URIs, and whether it is suspended.
pub async fn actor_links(
    db: &mut PgConnection,
    base_url: &str,
    account_id: i64,
) -> AppResult<render::ActorLinks> {
    let facts = db::accounts::find_actor_facts(&mut *db, account_id).await?;
    Ok(render::ActorLinks {
        suspended: facts.suspended,
        also_known_as: facts.also_known_as,
        moved_to: facts.moved_to.map(|target| match target.uri {
            Some(uri) if target.domain.is_some() => uri,
            _ => super::urls::actor(base_url, &target.username),
        }),
    })
}

/// The custom emoji a local account's name, bio and field values use.
pub async fn account_emojis(
    db: &mut PgConnection,
    account: &db::accounts::Account,
) -> AppResult<Vec<db::custom_emojis::LocalEmoji>> {
    let mut shortcodes = render::emoji_shortcodes(&account.display_name);
    shortcodes.extend(render::emoji_shortcodes(&account.note));
    for field in account.fields.as_array().map(Vec::as_slice).unwrap_or_default() {
        for key in ["name", "value"] {
            if let Some(text) = field.get(key).and_then(serde_json::Value::as_str) {
                shortcodes.extend(render::emoji_shortcodes(text));
            }
        }
    }
    emojis_named(&mut *db, shortcodes).await
}

async fn emojis_named(
    db: &mut PgConnection,
    mut shortcodes: Vec<String>,
) -> AppResult<Vec<db::custom_emojis::LocalEmoji>> {
    shortcodes.sort_unstable();
    shortcodes.dedup();
    if shortcodes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db::custom_emojis::list_local_by_shortcodes(&mut *db, &shortcodes).await?)
}
