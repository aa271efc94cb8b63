//! `/api/v1/tags/:name`: a hashtag, and following it (`/follow`, `/unfollow`).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{Days, NaiveDate, NaiveTime, Utc};

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::federation::urls;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Tag, TagHistory};

/// Days of use a tag shows, today included (as Mastodon shows).
const HISTORY_DAYS: u64 = 7;

/// What [`render`] needs of a tag: its id (none when it does not exist yet), its name, and
/// whether the viewer follows it (none for anonymous viewers).
#[derive(Debug, Clone)]
pub struct TagView {
    pub id: Option<i64>,
    pub name: String,
    pub following: Option<bool>,
}

impl TagView {
    /// The stored tag, or `name` when nothing has used it yet.
    fn of(tag: Option<db::tags::Tag>, name: &str, following: Option<bool>) -> Self {
        match tag {
            Some(tag) => Self {
                id: Some(tag.id),
                name: tag.name,
                following,
            },
            None => Self {
                id: None,
                name: name.to_owned(),
                following,
            },
        }
    }
}

/// Renders tags with a week of their use (one query for all of them).
pub async fn render(state: &AppState, tags: Vec<TagView>) -> AppResult<Vec<Tag>> {
    let today = Utc::now().date_naive();
    let week: Vec<NaiveDate> = (0..HISTORY_DAYS)
        .filter_map(|n| today.checked_sub_days(Days::new(n)))
        .collect();
    let ids: Vec<i64> = tags.iter().filter_map(|tag| tag.id).collect();
    let used: HashMap<(i64, NaiveDate), (i64, i64)> = match week.last() {
        Some(since) if !ids.is_empty() => db::tags::history(&state.db, &ids, *since)
            .await?
            .into_iter()
            .map(|day| ((day.tag_id, day.day), (day.uses, day.accounts)))
            .collect(),
        _ => HashMap::new(),
    };
    Ok(tags
        .into_iter()
        .map(|tag| {
            let history = week
                .iter()
                .map(|day| {
                    let (uses, accounts) = tag
                        .id
                        .and_then(|id| used.get(&(id, *day)).copied())
                        .unwrap_or_default();
                    let midnight = day.and_time(NaiveTime::MIN).and_utc().timestamp();
                    TagHistory {
                        day: midnight.to_string(),
                        uses: uses.to_string(),
                        accounts: accounts.to_string(),
                    }
                })
                .collect();
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
    let view = TagView::of(tag, name, following);
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
    let name = actions::tags::checked_name(&name)?;
    let tag = actions::tags::unfollow(&state.db, me, name).await?;
    render_one(&state, TagView::of(tag, name, Some(false))).await
}
