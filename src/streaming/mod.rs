//! The streaming API: `/api/v1/streaming` over WebSocket (multiplexed subscriptions) and as
//! server-sent events, fed by the change log every process reads (so an event made in any
//! process reaches clients of every process), decided by the timelines' own rules.

mod fanout;
pub mod hub;
mod socket;
mod sse;
pub mod streams;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::routing::get;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::mastodon::auth::{Auth, authenticate};
use hub::Viewer;
use streams::{Refusal, Stream};

/// The streaming routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/streaming", get(socket::stream))
        .route("/api/v1/streaming/health", get(|| async { "OK" }))
        .route("/api/v1/streaming/{*name}", get(sse::named_stream))
}

/// The token a streaming request presents: the `Authorization` header, the `access_token`
/// parameter, or the WebSocket protocol header (browsers cannot set the others on a socket).
fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<(String, bool)> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some((scheme, token)) = value.trim().split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
        && !token.trim().is_empty()
    {
        return Some((token.trim().to_owned(), false));
    }
    if let Some(token) = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(key, _)| key == "access_token")
            .map(|(_, value)| value.into_owned())
            .filter(|t| !t.is_empty())
    }) {
        return Some((token, false));
    }
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or_default().trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(|token| (token, true))
}

/// Who a streaming request speaks for (none: anonymous), and whether the token came as the
/// WebSocket protocol (to be echoed back).
async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> AppResult<(Option<Auth>, bool)> {
    match presented_token(headers, query) {
        None => Ok((None, false)),
        Some((token, in_protocol)) => Ok((Some(authenticate(state, &token).await?), in_protocol)),
    }
}

fn viewer_of(auth: &Option<Auth>) -> Option<Viewer> {
    auth.as_ref().and_then(|auth| {
        auth.user().ok().map(|user| Viewer {
            account_id: user.account_id,
            token_id: auth.token_id,
        })
    })
}

/// Whether `auth` may have `stream` (and a list stream only of the member's own list).
async fn allowed(state: &AppState, auth: &Option<Auth>, stream: &Stream) -> AppResult<()> {
    match auth {
        None if stream.needs_user() => Err(AppError::Unauthorized(Refusal::NeedsUser.message())),
        None => Ok(()),
        Some(auth) => {
            auth.require(stream.scopes())?;
            if stream.needs_user() {
                let user = auth.user()?;
                if let Stream::List(id) = stream
                    && crate::db::lists::find_owned(&state.db, user.account_id, *id)
                        .await?
                        .is_none()
                {
                    return Err(AppError::NotFound);
                }
            }
            Ok(())
        }
    }
}
