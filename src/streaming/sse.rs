//! The streaming API as server-sent events: `/api/v1/streaming/user`, `/public/local`,
//! `/hashtag?tag=`, `/list?list=` and the rest, one stream per connection, with a heartbeat
//! comment every 15 seconds.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use super::socket::{media, query_of};
use super::streams::Stream;
use super::{allowed, identify, viewer_of};
use crate::app::AppState;
use crate::error::AppError;
use crate::mastodon::auth::Auth;

/// GET /api/v1/streaming/:name (`user`, `user/notification`, `public/local`, ...)
pub async fn named_stream(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (auth, _) = match identify(&state, &headers, raw.as_deref()).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let query = query_of(raw.as_deref());
    let name = name.replace('/', ":");
    serve(
        state,
        auth,
        &name,
        query.tag.as_deref(),
        query.list.as_deref(),
        media(&query),
    )
    .await
}

/// Serves stream `name` to `auth` as events until the client goes away.
pub async fn serve(
    state: AppState,
    auth: Option<Auth>,
    name: &str,
    tag: Option<&str>,
    list: Option<&str>,
    only_media: bool,
) -> Response {
    let stream = match Stream::parse(name, tag, list, only_media) {
        Ok(stream) => stream,
        Err(refusal) => return AppError::BadRequest(refusal.message()).into_response(),
    };
    if let Err(error) = allowed(&state, &auth, &stream).await {
        return error.into_response();
    }
    let registration = state.streaming.register(&state, viewer_of(&auth));
    state.streaming.subscribe(registration.id, stream);
    // The registration lives as long as the response's body: the client leaving ends it.
    let events = futures_util::stream::unfold(registration, |mut registration| async move {
        let frame = registration.frames.recv().await?;
        let event = Event::default().event(frame.event).data(&*frame.payload);
        Some((Ok::<_, Infallible>(event), registration))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("thump"))
        .into_response()
}
