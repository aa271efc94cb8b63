//! `GET /api/v1/streaming` as a WebSocket: `?stream=` on connect, then `subscribe` and
//! `unsubscribe` messages; frames `{"stream": [..], "event": .., "payload": "<json>"}`; pings
//! every 30 seconds. Without an upgrade, the same address answers as server-sent events.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::hub::Frame;
use super::streams::Stream;
use super::{allowed, identify, viewer_of};
use crate::app::AppState;
use crate::error::AppError;
use crate::mastodon::auth::Auth;

/// The read buffer of a socket.
const READ_BUFFER: usize = 4096;

/// How often an idle socket is pinged (proxies close silent connections).
const PING: Duration = Duration::from_secs(30);

/// What a streaming address's query names.
#[derive(Debug, Default)]
pub struct StreamQuery {
    pub stream: String,
    pub tag: Option<String>,
    pub list: Option<String>,
    pub only_media: Option<String>,
}

/// The query's streaming parameters (the first of each).
pub fn query_of(raw: Option<&str>) -> StreamQuery {
    let mut query = StreamQuery::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "stream" if query.stream.is_empty() => query.stream = value,
            "tag" if query.tag.is_none() => query.tag = Some(value),
            "list" if query.list.is_none() => query.list = Some(value),
            "only_media" if query.only_media.is_none() => query.only_media = Some(value),
            _ => {}
        }
    }
    query
}

/// GET /api/v1/streaming (WebSocket, or SSE with `?stream=`)
pub async fn stream(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (auth, in_protocol) = match identify(&state, &headers, raw.as_deref()).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let query = query_of(raw.as_deref());
    let Ok(upgrade) = upgrade else {
        return super::sse::serve(
            state,
            auth,
            &query.stream,
            query.tag.as_deref(),
            query.list.as_deref(),
            media(&query),
        )
        .await;
    };
    let first = if query.stream.is_empty() {
        None
    } else {
        match Stream::parse(
            &query.stream,
            query.tag.as_deref(),
            query.list.as_deref(),
            media(&query),
        ) {
            Ok(stream) => match allowed(&state, &auth, &stream).await {
                Ok(()) => Some(stream),
                Err(error) => return error.into_response(),
            },
            Err(refusal) => return AppError::BadRequest(refusal.message()).into_response(),
        }
    };
    // A token sent as the protocol is echoed back, as browsers require of the server.
    let upgrade = match (
        &auth,
        in_protocol,
        headers.get(axum::http::header::SEC_WEBSOCKET_PROTOCOL),
    ) {
        (Some(_), true, Some(value)) => match value.to_str() {
            Ok(protocols) => upgrade.protocols(protocols.split(',').map(|p| p.trim().to_owned()).take(1)),
            Err(_) => upgrade,
        },
        _ => upgrade,
    };
    // Clients send little (subscriptions): a small read buffer keeps an idle connection small
    // (tungstenite's default is 128 KiB each way).
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve_socket(state, auth, first, socket))
}

pub fn media(query: &StreamQuery) -> bool {
    matches!(query.only_media.as_deref(), Some("1" | "true"))
}

#[derive(Debug, Deserialize)]
struct Request {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    stream: String,
    tag: Option<String>,
    list: Option<serde_json::Value>,
}

fn error_frame(message: &str, status: u16) -> Message {
    Message::Text(json!({ "error": message, "status": status }).to_string().into())
}

fn text_frame(frame: &Frame) -> Message {
    Message::Text(frame.text.clone())
}

async fn serve_socket(state: AppState, auth: Option<Auth>, first: Option<Stream>, mut socket: WebSocket) {
    let mut registration = state.streaming.register(&state, viewer_of(&auth));
    if let Some(stream) = first {
        state.streaming.subscribe(registration.id, stream);
    }
    let mut ping = tokio::time::interval(PING);
    ping.reset();
    loop {
        tokio::select! {
            frame = registration.frames.recv() => match frame {
                Some(frame) => {
                    if socket.send(text_frame(&frame)).await.is_err() {
                        break;
                    }
                }
                // Dropped by the hub: the process stops, the client is too slow, or its
                // token no longer works.
                None => {
                    let close = if state.streaming.closing() {
                        CloseFrame { code: 1001, reason: "the server is restarting".into() }
                    } else {
                        CloseFrame { code: 1008, reason: "closed by the server".into() }
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    break;
                }
            },
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Some(reply) = handle(&state, &auth, registration.id, &text).await
                        && socket.send(reply).await.is_err()
                    {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// A client's message; an error frame to send back when it cannot be done.
async fn handle(state: &AppState, auth: &Option<Auth>, id: u64, text: &str) -> Option<Message> {
    let Ok(request) = serde_json::from_str::<Request>(text) else {
        return Some(error_frame("Could not parse the message", 400));
    };
    let list = request.list.as_ref().map(|l| match l {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let stream = match Stream::parse(&request.stream, request.tag.as_deref(), list.as_deref(), false) {
        Ok(stream) => stream,
        Err(refusal) => return Some(error_frame(&refusal.message(), 400)),
    };
    match request.kind.as_str() {
        "subscribe" => match allowed(state, auth, &stream).await {
            Ok(()) => {
                state.streaming.subscribe(id, stream);
                None
            }
            Err(error) => Some(error_frame(&error.public_message(), error.status().as_u16())),
        },
        "unsubscribe" => {
            state.streaming.unsubscribe(id, &stream);
            None
        }
        _ => Some(error_frame("Unknown message type", 400)),
    }
}
