//! What remote servers and browsers fetch: actors and statuses, as AS2 JSON or HTML by `Accept`.
//!
//! `/users/NAME` and `/@NAME`, `/users/NAME/statuses/ID` and `/@NAME/ID` answer
//! `application/activity+json` to a request that accepts AS2 (`application/activity+json` or
//! `application/ld+json`, with or without a profile), and HTML otherwise (the `/users/` forms
//! redirect to their pages). Public and unlisted statuses are served to anyone (`may_serve`), private
//! and direct ones only as AS2 to a request signed by an actor entitled to see them.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde_json::Value;

use super::render::{self, Host};
use super::{instance_actor, loading, signers, urls};
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, AppResult, PageError};
use crate::web;

/// The media type of every AS2 answer.
pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

/// Whether a status may be served to anyone, unsigned requests and browsers included: public and
/// unlisted ones.
pub fn may_serve(status: &db::statuses::Status) -> bool {
    matches!(status.visibility.as_str(), "public" | "unlisted")
}

/// Who an AS2 answer about a status is for, and so how it may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Public or unlisted: anyone, and any cache.
    Anyone,
    /// Private or direct, asked for by a signed request of someone who may see it.
    Requester,
}

impl Audience {
    /// Marks an answer only its requester may have, so that no shared cache keeps it for others.
    fn answer(self, mut response: Response) -> Response {
        if self == Audience::Requester {
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        response
    }
}

/// Who may be answered about a status: anyone if public or unlisted, else only a request signed
/// by a remote actor who may see it as a member would (a follower for private, a mentioned
/// account for direct, no block between them); 404 for everyone else. The signature is checked
/// only when it matters.
async fn audience(
    state: &AppState,
    status: &db::statuses::Status,
    uri: &Uri,
    headers: &HeaderMap,
) -> AppResult<Audience> {
    if may_serve(status) {
        return Ok(Audience::Anyone);
    }
    let Some(signer) = signers::signed_fetcher(state, uri, headers).await else {
        return Err(AppError::NotFound);
    };
    db::statuses::find_visible(&state.db, status.id, Some(signer.account_id))
        .await?
        .map(|_| Audience::Requester)
        .ok_or(AppError::NotFound)
}

/// Whether the request asks for ActivityStreams JSON.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("application/activity+json") || value.contains("application/ld+json")
        })
}

/// An AS2 document answered with its media type; `Vary: Accept` because the same URL has an
/// HTML form.
pub fn activity_json(document: Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ACTIVITY_JSON)),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        document.to_string(),
    )
        .into_response()
}

/// The instance's host, for rendering.
pub fn host(state: &AppState) -> Host<'_> {
    Host {
        base_url: &state.base_url,
        domain: &state.config.server.domain,
    }
}

/// Whether a path segment can be a local username (anything else is not worth a query).
pub fn plausible_username(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The local account the public may see under this name.
pub async fn public_account(state: &AppState, name: &str) -> AppResult<db::accounts::Account> {
    local_account_named(state, name, false).await
}

/// The local account whose actor document this name serves: a suspended one too.
async fn actor_account(state: &AppState, name: &str) -> AppResult<db::accounts::Account> {
    local_account_named(state, name, true).await
}

async fn local_account_named(
    state: &AppState,
    name: &str,
    suspended_too: bool,
) -> AppResult<db::accounts::Account> {
    if !plausible_username(name) {
        return Err(AppError::NotFound);
    }
    match db::accounts::find_local_public_by_username(&state.db, name, suspended_too).await? {
        Some(account) => Ok(account),
        // As Mastodon: a deleted member's actor, profile and WebFinger answer 410, which tells
        // other servers the account is gone for good, not merely unknown.
        None if db::accounts::is_deleted_local(&state.db, name).await? => Err(AppError::Gone),
        None => Err(AppError::NotFound),
    }
}

/// A status `account` wrote (an original, not a boost), whoever may see it.
async fn original_status(
    state: &AppState,
    account: &db::accounts::Account,
    id: &str,
) -> AppResult<db::statuses::Status> {
    let id = crate::ids::parse(id).ok_or(AppError::NotFound)?;
    db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.local && s.account_id == account.id && s.reblog_of_id.is_none())
        .ok_or(AppError::NotFound)
}

/// A status of `account` that may be served to an unsigned request (an original, not a boost).
pub async fn servable_status(
    state: &AppState,
    account: &db::accounts::Account,
    id: &str,
) -> AppResult<db::statuses::Status> {
    Some(original_status(state, account, id).await?)
        .filter(may_serve)
        .ok_or(AppError::NotFound)
}

/// The answer of a negotiated URL: errors in the form asked for (JSON, or a page), and
/// `Vary: Accept` on every answer so that caches keep the two forms apart.
fn negotiated(as_json: bool, answer: AppResult<Response>) -> Response {
    let mut response = match answer {
        Ok(response) => response,
        Err(AppError::NotFound) if !as_json => web::not_found_page().into_response(),
        Err(error) if !as_json => PageError::from(error).into_response(),
        Err(error) => error.into_response(),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

async fn actor_document(state: &AppState, account: &db::accounts::Account) -> AppResult<Response> {
    let mut connection = state.db.acquire().await?;
    let emojis = loading::account_emojis(&mut connection, account).await?;
    let links = loading::actor_links(&mut connection, &state.base_url, account.id).await?;
    Ok(activity_json(render::document(render::actor(
        host(state),
        account,
        &emojis,
        &links,
    ))))
}

/// The Note (or Question) of a status, for anyone or, if private or direct, for a signed request
/// by someone who may see it.
async fn note_document(
    state: &AppState,
    account: &db::accounts::Account,
    id: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let status = original_status(state, account, id).await?;
    let audience = audience(state, &status, uri, headers).await?;
    let local = loading::local_statuses(
        &mut *state.db.acquire().await?,
        host(state),
        account,
        vec![status],
    )
    .await?
    .into_iter()
    .next()
    .ok_or(AppError::NotFound)?;
    let note = render::note(host(state), &local, Utc::now());
    Ok(audience.answer(activity_json(render::document(note))))
}

/// GET /users/{name}
pub async fn get_actor(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let as_json = wants_activity_json(&headers);
    let answer = async {
        if !as_json {
            if !plausible_username(&name) {
                return Err(AppError::NotFound);
            }
            return Ok(Redirect::to(&urls::profile(&state.base_url, &name)).into_response());
        }
        let account = actor_account(&state, &name).await?;
        actor_document(&state, &account).await
    };
    negotiated(as_json, answer.await)
}

/// GET /@{name}
pub async fn get_profile(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let as_json = wants_activity_json(&headers);
    let answer = async {
        if as_json {
            let account = actor_account(&state, &name).await?;
            return actor_document(&state, &account).await;
        }
        if let Some(name) = name.strip_suffix(".rss") {
            let account = public_account(&state, name).await?;
            return web::profile::feed(&state, &account).await;
        }
        let account = public_account(&state, &name).await?;
        let max_id = query.as_deref().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(key, _)| key == "max_id")
                .and_then(|(_, value)| crate::ids::parse(&value))
        });
        let nav = web::nav::Nav::peek(&state, &headers).await;
        web::profile::show(&state, &account, max_id, nav).await
    };
    negotiated(as_json, answer.await)
}

/// GET /users/{name}/statuses/{id}
pub async fn get_status(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let as_json = wants_activity_json(&headers);
    let answer = async {
        if !as_json {
            return match (plausible_username(&name), crate::ids::parse(&id)) {
                (true, Some(id)) => {
                    Ok(Redirect::to(&urls::status_page(&state.base_url, &name, id)).into_response())
                }
                _ => Err(AppError::NotFound),
            };
        }
        let account = public_account(&state, &name).await?;
        note_document(&state, &account, &id, &uri, &headers).await
    };
    negotiated(as_json, answer.await)
}

/// GET /@{name}/{id}
pub async fn get_status_page(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let as_json = wants_activity_json(&headers);
    let answer = async {
        let account = public_account(&state, &name).await?;
        if as_json {
            return note_document(&state, &account, &id, &uri, &headers).await;
        }
        let nav = web::nav::Nav::peek(&state, &headers).await;
        web::status_page::show(&state, &account, &id, nav).await
    };
    negotiated(as_json, answer.await)
}

/// GET /users/{name}/statuses/{id}/activity
pub async fn get_status_activity(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let account = public_account(&state, &name).await?;
    let id = crate::ids::parse(&id).ok_or(AppError::NotFound)?;
    let status = db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.local && s.account_id == account.id)
        .ok_or(AppError::NotFound)?;
    let audience = audience(&state, &status, &uri, &headers).await?;
    let host = host(&state);
    let activity = match status.reblog_of_id {
        None => {
            let local =
                loading::local_statuses(&mut *state.db.acquire().await?, host, &account, vec![status])
                    .await?
                    .into_iter()
                    .next()
                    .ok_or(AppError::NotFound)?;
            render::create(host, &local, Utc::now())
        }
        Some(original_id) => {
            // Served to a requester, the boost was found visible with its original (a member's
            // boost of their own private status); served to anyone, the original must be public.
            let original_visible = match audience {
                Audience::Requester => true,
                Audience::Anyone => db::statuses::find(&state.db, original_id)
                    .await?
                    .is_some_and(|original| may_serve(&original)),
            };
            let original = db::statuses::list_refs(&state.db, &[original_id])
                .await?
                .into_iter()
                .next()
                .filter(|_| original_visible)
                .ok_or(AppError::NotFound)?;
            render::announce(host, &account.username, &status, &original).ok_or(AppError::NotFound)?
        }
    };
    Ok(audience.answer(activity_json(render::document(activity))))
}

/// GET /actor
pub async fn get_instance_actor(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let asks_for_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if asks_for_html && !wants_activity_json(&headers) {
        return Ok(Redirect::to(&urls::about(&state.base_url)).into_response());
    }
    let keys = instance_actor::key_pair(&state.db).await?;
    Ok(activity_json(render::document(render::instance_actor(
        host(&state),
        &keys.public_pem,
    ))))
}

/// GET /actor/outbox
pub async fn get_instance_outbox(State(state): State<AppState>) -> Response {
    let id = urls::instance_outbox(&state.base_url);
    activity_json(render::document(render::ordered_collection(&id, 0, None, None)))
}
