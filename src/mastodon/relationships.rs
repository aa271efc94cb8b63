//! Relationships: follow, unfollow, block, mute, note; followers and following; follow
//! requests; the relationship between the viewer and other accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::actions;
use crate::app::AppState;
use crate::db;
use crate::db::follows::FollowOptions;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::mastodon::auth::Auth;
use crate::mastodon::entities::{Account, Relationship, format_id};
use crate::mastodon::pagination::{PageParams, link_headers};
use crate::mastodon::params::Params;
use crate::mastodon::present;

fn account_id(text: &str) -> AppResult<i64> {
    ids::parse(text).ok_or(AppError::NotFound)
}

/// The relationships between `viewer` and `targets`, in the order of `targets`.
pub async fn relationships(state: &AppState, viewer: i64, targets: &[i64]) -> AppResult<Vec<Relationship>> {
    let rows = db::follows::list_relationships(&state.db, viewer, targets).await?;
    Ok(targets
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.target == *id))
        .map(|r| Relationship {
            id: format_id(r.target),
            following: r.following,
            showing_reblogs: r.showing_reblogs,
            notifying: r.notifying,
            languages: r.languages.clone(),
            followed_by: r.followed_by,
            blocking: r.blocking,
            blocked_by: r.blocked_by,
            muting: r.muting,
            muting_notifications: r.muting_notifications,
            requested: r.requested,
            requested_by: r.requested_by,
            domain_blocking: r.domain_blocking,
            endorsed: r.endorsed,
            note: r.note.clone(),
        })
        .collect())
}

async fn one(state: &AppState, viewer: i64, target: i64) -> AppResult<Json<Relationship>> {
    relationships(state, viewer, &[target])
        .await?
        .into_iter()
        .next()
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct RelationshipsQuery {
    #[serde(default)]
    id: Vec<String>,
}

/// GET /api/v1/accounts/relationships
pub async fn get_relationships(
    State(state): State<AppState>,
    auth: Auth,
    Params(params): Params<RelationshipsQuery>,
) -> AppResult<Json<Vec<Relationship>>> {
    let viewer = auth.require_user(&["read:follows"])?.account_id;
    let wanted: Vec<i64> = params.id.iter().filter_map(|id| ids::parse(id)).collect();
    Ok(Json(relationships(&state, viewer, &wanted).await?))
}

#[derive(Debug, Deserialize)]
pub struct FollowParams {
    #[serde(default = "yes")]
    reblogs: bool,
    #[serde(default)]
    notify: bool,
    languages: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

/// POST /api/v1/accounts/:id/follow
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<FollowParams>,
) -> AppResult<Json<Relationship>> {
    let viewer = auth.require_user(&["write:follows"])?.account_id;
    let target = account_id(&id)?;
    let options = FollowOptions {
        show_reblogs: params.reblogs,
        notify: params.notify,
        languages: params.languages.filter(|l| !l.is_empty()),
    };
    actions::follows::follow(&state.db, &state.base_url, viewer, target, &options).await?;
    one(&state, viewer, target).await
}

/// What the single-account relationship endpoints do.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Unfollow,
    Block,
    Unblock,
    Unmute,
}

/// POST /api/v1/accounts/:id/{unfollow,block,unblock,unmute}
pub async fn change(
    state: AppState,
    auth: Auth,
    id: String,
    change: Change,
) -> AppResult<Json<Relationship>> {
    let scope = match change {
        Change::Unfollow => "write:follows",
        Change::Block | Change::Unblock => "write:blocks",
        Change::Unmute => "write:mutes",
    };
    let viewer = auth.require_user(&[scope])?.account_id;
    let target = account_id(&id)?;
    match change {
        Change::Unfollow => actions::follows::unfollow(&state.db, &state.base_url, viewer, target).await?,
        Change::Block => actions::follows::block(&state.db, &state.base_url, viewer, target).await?,
        Change::Unblock => actions::follows::unblock(&state.db, &state.base_url, viewer, target).await?,
        Change::Unmute => actions::follows::unmute(&state.db, viewer, target).await?,
    }
    one(&state, viewer, target).await
}

#[derive(Debug, Deserialize)]
pub struct MuteParams {
    #[serde(default = "yes")]
    notifications: bool,
    #[serde(default)]
    duration: i64,
}

/// POST /api/v1/accounts/:id/mute
pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<MuteParams>,
) -> AppResult<Json<Relationship>> {
    let viewer = auth.require_user(&["write:mutes"])?.account_id;
    let target = account_id(&id)?;
    actions::follows::mute(
        &state.db,
        viewer,
        target,
        params.notifications,
        params.duration.max(0),
    )
    .await?;
    one(&state, viewer, target).await
}

#[derive(Debug, Deserialize)]
pub struct NoteParams {
    #[serde(default)]
    comment: String,
}

/// POST /api/v1/accounts/:id/note
pub async fn set_note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(params): Params<NoteParams>,
) -> AppResult<Json<Relationship>> {
    let viewer = auth.require_user(&["write:accounts"])?.account_id;
    let target = account_id(&id)?;
    actions::follows::set_note(&state.db, viewer, target, &params.comment).await?;
    one(&state, viewer, target).await
}

/// GET /api/v1/accounts/:id/followers and /following
pub async fn follow_list(
    state: AppState,
    auth: Option<Auth>,
    id: String,
    page: PageParams,
    followers: bool,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let viewer = crate::mastodon::auth::viewer(&auth, &["read:accounts"])?;
    let target = account_id(&id)?;
    let account = db::accounts::find(&state.db, target)
        .await?
        .ok_or(AppError::NotFound)?;
    // Hidden collections are shown only to their owner.
    if account.hide_collections && viewer != Some(target) {
        return Ok((HeaderMap::new(), Json(Vec::new())));
    }
    let pairs = if followers {
        db::follows::list_followers(&state.db, target, &page.page()).await?
    } else {
        db::follows::list_following(&state.db, target, &page.page()).await?
    };
    let account_ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = present::accounts_in_order(&state, &account_ids).await?;
    let paging: Vec<i64> = pairs.iter().map(|(p, _)| *p).collect();
    let path = format!(
        "/api/v1/accounts/{target}/{}",
        if followers { "followers" } else { "following" }
    );
    let headers = link_headers(&state.base_url, &path, &paging, page.limit());
    Ok((headers, Json(accounts)))
}

/// POST /api/v1/follow_requests/:id/authorize and /reject
pub async fn answer_request(
    state: AppState,
    auth: Auth,
    id: String,
    accept: bool,
) -> AppResult<Json<Relationship>> {
    let viewer = auth.require_user(&["write:follows"])?.account_id;
    let requester = account_id(&id)?;
    if accept {
        actions::follows::authorize_request(&state.db, &state.base_url, viewer, requester).await?;
    } else {
        actions::follows::reject_request(&state.db, &state.base_url, viewer, requester).await?;
    }
    one(&state, viewer, requester).await
}

/// GET /api/v1/blocks and /api/v1/mutes
pub async fn blocked_or_muted(
    state: AppState,
    auth: Auth,
    page: PageParams,
    mutes: bool,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    let viewer = auth
        .require_user(&[if mutes { "read:mutes" } else { "read:blocks" }])?
        .account_id;
    let pairs = db::follows::list_blocked_or_muted(&state.db, viewer, mutes, &page.page()).await?;
    let account_ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = present::accounts_in_order(&state, &account_ids).await?;
    let paging: Vec<i64> = pairs.iter().map(|(p, _)| *p).collect();
    let path = if mutes { "/api/v1/mutes" } else { "/api/v1/blocks" };
    let headers = link_headers(&state.base_url, path, &paging, page.limit());
    Ok((headers, Json(accounts)))
}
