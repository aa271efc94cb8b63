//! `GET /api/v1/followed_tags`: hashtags the member follows.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use crate::app::AppState;
use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::Tag;
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;
use crate::mastodon::tags::{TagView, render};

/// GET /api/v1/followed_tags
pub async fn get_followed_tags(
    State(state): State<AppState>,
    auth: Auth,
    Params(page): Params<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Tag>>)> {
    let user = auth.require_user(&["read:follows"])?;
    let rows = db::tags::list_followed(
        &state.db,
        user.account_id,
        page.max_id,
        page.since_id,
        page.min_id,
        page.limit(),
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.follow_id).collect();
    let headers = link_headers(&state.base_url, "/api/v1/followed_tags", &ids, page.limit());
    let views = rows
        .into_iter()
        .map(|row| TagView {
            id: Some(row.tag_id),
            name: row.name,
            following: Some(true),
        })
        .collect();
    let tags = render(&state, views).await?;
    Ok((headers, Json(tags)))
}
