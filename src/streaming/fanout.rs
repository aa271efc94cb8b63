//! From the change log to the connections: each live event of this process's log reader is
//! decided once per event for every connected candidate (the timelines' rules, in `db::streaming`),
//! rendered once, filtered per viewer, and handed to the connections' buffers.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use super::hub::{Frame, Hub, Subscriber};
use super::streams::{Origin, Stream};
use crate::app::AppState;
use crate::caches::LiveEvent;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::mastodon::entities::Status;
use crate::mastodon::{filtering, present};

/// Reads this process's live events for as long as it runs, retrying when the log is unreadable.
pub async fn run(state: AppState, hub: Arc<Hub>) {
    loop {
        let Some(mut events) = state.caches.live().await else {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        };
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(error) = deliver(&state, &hub, event.clone()).await {
                        tracing::warn!(%error, ?event, "streaming: an event could not be sent");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "streaming fell behind the change log");
                    crate::metrics::streaming_drop("lagged");
                }
                Err(RecvError::Closed) => break,
            }
        }
    }
}

/// Sends one event to every connection entitled to it.
pub async fn deliver(state: &AppState, hub: &Hub, event: LiveEvent) -> AppResult<()> {
    let subscribers = hub.subscribers();
    if subscribers.is_empty() {
        return Ok(());
    }
    match event {
        LiveEvent::Notification(id) => notification(state, hub, &subscribers, id).await,
        LiveEvent::Posted(id) => status(state, hub, &subscribers, id, "update").await,
        LiveEvent::Edited(id) => status(state, hub, &subscribers, id, "status.update").await,
        LiveEvent::Deleted {
            status,
            author,
            public,
        } => deleted(state, hub, &subscribers, status, author, public).await,
        LiveEvent::FiltersChanged(account) => {
            to_member(hub, &subscribers, account, "filters_changed");
            Ok(())
        }
        LiveEvent::NotificationsMerged(account) => {
            to_member(hub, &subscribers, account, "notifications_merged");
            Ok(())
        }
        LiveEvent::Announced(id) => announced(state, hub, &subscribers, id).await,
        LiveEvent::AnnouncementWithdrawn(id) => {
            to_every_member(hub, &subscribers, "announcement.delete", id.to_string().into());
            Ok(())
        }
        LiveEvent::AnnouncementReaction { announcement, name } => {
            let count = db::announcements::count_reaction(&state.db, announcement, &name).await?;
            let payload = serde_json::json!({
                "name": name,
                "count": count,
                "announcement_id": announcement.to_string(),
            });
            to_every_member(
                hub,
                &subscribers,
                "announcement.reaction",
                payload.to_string().into(),
            );
            Ok(())
        }
    }
}

/// Tells every member's user streams of an announcement published or changed (one in force
/// now; as nobody in particular sees it: unread, their own reactions unmarked).
async fn announced(state: &AppState, hub: &Hub, subscribers: &[Subscriber], id: i64) -> AppResult<()> {
    let Some(row) = db::announcements::find_active(&state.db, id, None).await? else {
        return Ok(());
    };
    let Some(rendered) = crate::mastodon::announcements::render(state, &[row], None)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let payload = serde_json::to_string(&rendered).map_err(anyhow::Error::from)?;
    to_every_member(hub, subscribers, "announcement", payload.into());
    Ok(())
}

/// Sends `event` to the user stream of every signed-in connection (announcements concern all).
fn to_every_member(hub: &Hub, subscribers: &[Subscriber], event: &'static str, payload: Arc<str>) {
    let frame = Frame::new(Stream::User.names(), event, payload);
    for subscriber in subscribers
        .iter()
        .filter(|s| s.viewer.is_some() && s.streams.contains(&Stream::User))
    {
        hub.send(subscriber.id, frame.clone());
    }
}

/// An event without payload to one member's `user` streams: `filters_changed` (clients fetch
/// their filters again), `notifications_merged` (clients reload notifications).
fn to_member(hub: &Hub, subscribers: &[Subscriber], account: i64, event: &'static str) {
    for subscriber in subscribers.iter().filter(|s| account_of(s) == Some(account)) {
        if subscriber.streams.contains(&Stream::User) {
            hub.send(subscriber.id, Frame::new(Stream::User.names(), event, "".into()));
        }
    }
}

fn account_of(subscriber: &Subscriber) -> Option<i64> {
    subscriber.viewer.map(|v| v.account_id)
}

/// The accounts among `subscribers` with a stream `wanted` says yes to.
fn accounts_with(subscribers: &[Subscriber], wanted: impl Fn(&Stream) -> bool) -> Vec<i64> {
    let mut ids: Vec<i64> = subscribers
        .iter()
        .filter(|s| s.streams.iter().any(&wanted))
        .filter_map(account_of)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn notification(state: &AppState, hub: &Hub, subscribers: &[Subscriber], id: i64) -> AppResult<()> {
    let Some(owner) = db::notifications::find_owner(&state.db, id).await? else {
        return Ok(());
    };
    let wants = |s: &Stream| matches!(s, Stream::User | Stream::UserNotification);
    if !subscribers
        .iter()
        .any(|s| account_of(s) == Some(owner) && s.streams.iter().any(wants))
    {
        return Ok(());
    }
    let Some(row) = db::notifications::find(&state.db, owner, id).await? else {
        return Ok(());
    };
    // Kept as a request: the member sees it only by opening their requests.
    if row.filtered {
        return Ok(());
    }
    // Rendered as the API lists it (a notification whose status the owner may not see is none).
    let Some(rendered) = crate::mastodon::notifications::render(state, owner, &[row])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let payload: Arc<str> = serde_json::to_string(&rendered)
        .map_err(anyhow::Error::from)?
        .into();
    for subscriber in subscribers.iter().filter(|s| account_of(s) == Some(owner)) {
        for stream in subscriber.streams.iter().filter(|s| wants(s)) {
            hub.send(
                subscriber.id,
                Frame::new(stream.names(), "notification", payload.clone()),
            );
        }
    }
    Ok(())
}

/// Whether a public or hashtag stream carries `status` (the rule for the viewer is applied apart).
fn carries(stream: &Stream, status: &Status, local: bool) -> bool {
    let from = |origin: &Origin| match origin {
        Origin::All => true,
        Origin::Local => local,
        Origin::Remote => !local,
    };
    match stream {
        Stream::Public { origin, only_media } => {
            from(origin) && (!only_media || !status.media_attachments.is_empty())
        }
        Stream::Hashtag {
            tag,
            local: only_local,
        } => (!only_local || local) && status.tags.iter().any(|t| t.name.eq_ignore_ascii_case(tag)),
        _ => false,
    }
}

async fn status(
    state: &AppState,
    hub: &Hub,
    subscribers: &[Subscriber],
    id: i64,
    event: &'static str,
) -> AppResult<()> {
    let started = std::time::Instant::now();
    let db = &state.db;
    let home_candidates = accounts_with(subscribers, |s| matches!(s, Stream::User));
    let public_candidates: Vec<i64> = {
        let publicly = |s: &Stream| matches!(s, Stream::Public { .. } | Stream::Hashtag { .. });
        let mut ids: Vec<i64> = subscribers
            .iter()
            .filter(|s| s.streams.iter().any(publicly))
            .map(|s| account_of(s).unwrap_or(0))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let list_ids: Vec<i64> = {
        let mut ids: Vec<i64> = subscribers
            .iter()
            .flat_map(|s| s.streams.iter())
            .filter_map(|s| match s {
                Stream::List(id) => Some(*id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    // Who may have it, stream kind by stream kind, by the timelines' rules: the questions asked
    // side by side (each on its own connection), as they do not depend on each other.
    let home_members = accounts_with(subscribers, |s| matches!(s, Stream::User | Stream::List(_)));
    let public_members: Vec<i64> = public_candidates.iter().copied().filter(|v| *v != 0).collect();
    let (row, rendered, home, public, lists, filtering_home, filtering_public) = tokio::try_join!(
        async { Ok::<_, AppError>(db::statuses::find(db, id).await?) },
        present::status_for_recipients(state, id),
        async {
            Ok::<_, AppError>(if home_candidates.is_empty() {
                Vec::new()
            } else {
                db::streaming::home_viewers(db, id, &home_candidates).await?
            })
        },
        async {
            Ok::<_, AppError>(if public_candidates.is_empty() {
                Vec::new()
            } else {
                db::streaming::public_viewers(db, id, &public_candidates).await?
            })
        },
        async {
            Ok::<_, AppError>(if list_ids.is_empty() {
                Vec::new()
            } else {
                db::streaming::list_matches(db, id, &list_ids).await?
            })
        },
        // Who among them filters at all: the others share the one rendering.
        owners_filtering(db, &home_members, "home"),
        owners_filtering(db, &public_members, "public"),
    )?;
    let (Some(row), Some(rendered)) = (row, rendered) else {
        return Ok(());
    };
    let home: HashSet<i64> = home.into_iter().collect();
    let public: HashSet<i64> = public.into_iter().collect();
    let lists: HashSet<i64> = lists.into_iter().collect();
    let filtering_home: HashSet<i64> = filtering_home.into_iter().collect();
    let filtering_public: HashSet<i64> = filtering_public.into_iter().collect();
    let decided = started.elapsed();
    let shared: Arc<str> = serde_json::to_string(&rendered)
        .map_err(anyhow::Error::from)?
        .into();
    let mut shared_frames: HashMap<Vec<String>, Frame> = HashMap::new();
    // A read of the change log (for the filters kept in the caches) only when someone filters:
    // most events need none, and it would wait for a database round trip.
    let ticket = if filtering_home.is_empty() && filtering_public.is_empty() {
        None
    } else {
        state.caches.fresh().await
    };
    for subscriber in subscribers {
        let viewer = account_of(subscriber);
        for stream in &subscriber.streams {
            let (entitled, context) = match stream {
                Stream::User => (viewer.is_some_and(|v| home.contains(&v)), "home"),
                Stream::List(list) => (lists.contains(list), "home"),
                Stream::Public { .. } | Stream::Hashtag { .. } => (
                    public.contains(&viewer.unwrap_or(0)) && carries(stream, &rendered, row.local),
                    "public",
                ),
                _ => (false, ""),
            };
            if !entitled {
                continue;
            }
            let filters = viewer.is_some_and(|v| {
                if context == "home" {
                    filtering_home.contains(&v)
                } else {
                    filtering_public.contains(&v)
                }
            });
            let outcome = if filters {
                filtered_payload(state, (viewer, ticket), context, &rendered).await?
            } else {
                Filtered::Unchanged
            };
            let frame = match outcome {
                Filtered::Hidden => continue,
                // Most recipients share one frame per stream, made once.
                Filtered::Unchanged => shared_frames
                    .entry(stream.names())
                    .or_insert_with_key(|names| Frame::new(names.clone(), event, shared.clone()))
                    .clone(),
                Filtered::Marked(own) => Frame::new(stream.names(), event, own.into()),
            };
            hub.send(subscriber.id, frame);
        }
    }
    tracing::debug!(
        status = id,
        event,
        home = home.len(),
        public = public.len(),
        decided_ms = decided.as_secs_f64() * 1000.0,
        took_ms = started.elapsed().as_secs_f64() * 1000.0,
        "streaming: status fanned out"
    );
    if row.visibility == "direct" && event == "update" {
        conversation(state, hub, subscribers, id).await?;
    }
    Ok(())
}

/// Of `members`, those with filters for `context`.
async fn owners_filtering(db: &sqlx::PgPool, members: &[i64], context: &str) -> AppResult<Vec<i64>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db::filters::list_owners_filtering(db, members, context).await?)
}

/// What a member's filters make of a status.
enum Filtered {
    /// A `hide` filter drops it.
    Hidden,
    /// No filter matched: the shared rendering.
    Unchanged,
    /// A `warn` filter matched: its own rendering, with `filtered` filled.
    Marked(String),
}

/// The status as the filters of `viewer` (who has some for `context`) leave it.
async fn filtered_payload(
    state: &AppState,
    (viewer, ticket): (Option<i64>, Option<crate::caches::Ticket>),
    context: &str,
    rendered: &Status,
) -> AppResult<Filtered> {
    let Some(viewer) = viewer else {
        return Ok(Filtered::Unchanged);
    };
    let kept = filtering::apply_under(state, Some(viewer), context, vec![rendered.clone()], ticket).await?;
    Ok(match kept.into_iter().next() {
        None => Filtered::Hidden,
        Some(status) if status.filtered.is_empty() => Filtered::Unchanged,
        Some(status) => Filtered::Marked(serde_json::to_string(&status).map_err(anyhow::Error::from)?),
    })
}

/// A direct status, as the `conversation` event of each participant's `direct` stream.
async fn conversation(state: &AppState, hub: &Hub, subscribers: &[Subscriber], id: i64) -> AppResult<()> {
    let candidates = accounts_with(subscribers, |s| matches!(s, Stream::Direct));
    if candidates.is_empty() {
        return Ok(());
    }
    let entitled = db::streaming::visible_to(&state.db, id, &candidates).await?;
    let rows = db::conversations::list_by_last_status(&state.db, id, &entitled).await?;
    for (account_id, row) in rows {
        let Some(conversation) = crate::mastodon::conversations::render(state, account_id, &[row])
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let payload: Arc<str> = serde_json::to_string(&conversation)
            .map_err(anyhow::Error::from)?
            .into();
        for subscriber in subscribers
            .iter()
            .filter(|s| account_of(s) == Some(account_id) && s.streams.contains(&Stream::Direct))
        {
            hub.send(
                subscriber.id,
                Frame::new(Stream::Direct.names(), "conversation", payload.clone()),
            );
        }
    }
    Ok(())
}

/// A deletion: to public and hashtag streams when the status was public or unlisted, and to the
/// user streams of the author and their followers (a deleted status's id says nothing more).
async fn deleted(
    state: &AppState,
    hub: &Hub,
    subscribers: &[Subscriber],
    status: i64,
    author: i64,
    public: bool,
) -> AppResult<()> {
    let candidates = accounts_with(subscribers, |s| matches!(s, Stream::User | Stream::List(_)));
    let followers: HashSet<i64> = if candidates.is_empty() {
        HashSet::new()
    } else {
        db::streaming::followers_among(&state.db, author, &candidates)
            .await?
            .into_iter()
            .collect()
    };
    let payload: Arc<str> = status.to_string().into();
    let mut frames: HashMap<Vec<String>, Frame> = HashMap::new();
    for subscriber in subscribers {
        let viewer = account_of(subscriber);
        for stream in &subscriber.streams {
            let entitled = match stream {
                Stream::User | Stream::List(_) => viewer.is_some_and(|v| followers.contains(&v)),
                Stream::Public { .. } | Stream::Hashtag { .. } => public,
                _ => false,
            };
            if entitled {
                hub.send(
                    subscriber.id,
                    frames
                        .entry(stream.names())
                        .or_insert_with_key(|names| Frame::new(names.clone(), "delete", payload.clone()))
                        .clone(),
                );
            }
        }
    }
    Ok(())
}
