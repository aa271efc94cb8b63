//! `/api/v1/tags/:name`: a hashtag, and following it (`/follow`, `/unfollow`).

use axum::Json;
use axum::extract::{Path, State};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::federation::urls;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Tag, TagHistory};

/// Days of use a tag shows, today included (as Mastodon shows).
const HISTORY_DAYS: i32 = 7;

/// What [`render`] needs of a tag: its id (none when it does not exist yet), its name, and
/// whether the viewer follows it (none for anonymous viewers).
#[derive(Debug, Clone)]
pub struct TagView {
    pub id: Option<i64>,
    pub name: String,
    pub following: Option<bool>,
}

/// Renders tags with a week of their use, in one query.
pub async fn render(state: &AppState, tags: Vec<TagView>) -> AppResult<Vec<Tag>> {
    let ids: Vec<i64> = tags.iter().filter_map(|tag| tag.id).collect();
    let days = db::tags::history(&state.db, &ids, HISTORY_DAYS).await?;
    let empty_week = empty_week(state).await?;
    Ok(tags
        .into_iter()
        .map(|tag| {
            let history = match tag.id {
                Some(id) => days
                    .iter()
                    .filter(|day| day.tag_id == id)
                    .map(|day| TagHistory {
                        day: day.day.to_string(),
                        uses: day.uses.to_string(),
                        accounts: day.accounts.to_string(),
                    })
                    .collect(),
                None => empty_week.clone(),
            };
            Tag {
                id: tag.id.map(|id| id.to_string()).unwrap_or_default(),
                url: urls::tag(&state.base_url, &tag.name),
                name: tag.name,
                history,
                following: tag.following,
            }
        })
        .collect())
}

/// A week without use, for a tag that does not exist yet.
async fn empty_week(state: &AppState) -> AppResult<Vec<TagHistory>> {
    Ok(db::tags::history(&state.db, &[0], HISTORY_DAYS)
        .await?
        .into_iter()
        .map(|day| TagHistory {
            day: day.day.to_string(),
            uses: "0".into(),
            accounts: "0".into(),
        })
        .collect())
}

async fn render_one(state: &AppState, tag: TagView) -> AppResult<Json<Tag>> {
    let mut rendered = render(state, vec![tag]).await?;
    Ok(Json(rendered.remove(0)))
}

/// GET /api/v1/tags/:name: the tag, also when nothing has used it yet (as Mastodon answers).
pub async fn get_tag(
    State(state): State<AppState>,
    auth: Option<Auth>,
    Path(name): Path<String>,
) -> AppResult<Json<Tag>> {
    // Mastodon asks no scope here: any member's token says whether they follow it.
    let viewer = auth
        .as_ref()
        .and_then(|auth| auth.user().ok())
        .map(|user| user.account_id);
    let name = actions::tags::checked_name(&name)?;
    let tag = db::tags::find_by_name(&state.db, name).await?;
    let following = match (viewer, &tag) {
        (None, _) => None,
        (Some(_), None) => Some(false),
        (Some(viewer), Some(tag)) => Some(db::tags::is_followed(&state.db, viewer, tag.id).await?),
    };
    let view = match tag {
        Some(tag) => TagView {
            id: Some(tag.id),
            name: tag.name,
            following,
        },
        None => TagView {
            id: None,
            name: name.to_owned(),
            following,
        },
    };
    render_one(&state, view).await
}

/// POST /api/v1/tags/:name/follow
pub async fn follow_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Tag>> {
    let me = auth.require_user(&["write:follows"])?.account_id;
    let tag = actions::tags::follow(&state.db, me, &name).await?;
    let view = TagView {
        id: Some(tag.id),
        name: tag.name,
        following: Some(true),
    };
    render_one(&state, view).await
}

/// POST /api/v1/tags/:name/unfollow
pub async fn unfollow_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> AppResult<Json<Tag>> {
    let me = auth.require_user(&["write:follows"])?.account_id;
    let view = match actions::tags::unfollow(&state.db, me, &name).await? {
        Some(tag) => TagView {
            id: Some(tag.id),
            name: tag.name,
            following: Some(false),
        },
        None => TagView {
            id: None,
            name: actions::tags::checked_name(&name)?.to_owned(),
            following: Some(false),
        },
    };
    render_one(&state, view).await
}
