//! `GET /api/feature-flags/sse`: one connection's stream.
//!
//! Part D (default): every message has `id:` = version and the full flag;
//! `Last-Event-ID` is replayed; changes for other users (their targets,
//! other organizations' config) are replaced by a `{"type":"version"}`
//! message so this client's version sequence stays gap-free without
//! learning anything about them.
//!
//! Part B compat (`--compat-part-b`, or `?compat=part-b` where the operator
//! allows it with `--allow-compat-query`; refused otherwise): exactly the
//! production stream: no `id:`, no `retry:`, target events broadcast to all,
//! partial `flag.toggled`, no config events, nothing replayed.

use super::hub::{Change, Replay};
use crate::auth::StreamUser;
use crate::db::users::User;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use flaglive::event::{EventKind, StreamMessage};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use super::sessions::{Ended, Ticket};
use tokio::sync::{mpsc, oneshot};

#[derive(Deserialize)]
pub struct StreamQuery {
    compat: Option<String>,
    /// For clients that reopen the stream themselves (a new `EventSource`
    /// does not send the header); the header wins when both are present.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

/// Who a connection belongs to, for deciding what it may see.
#[derive(Clone)]
struct Viewer {
    user: User,
    compat: bool,
}

impl Viewer {
    fn is_for_me(&self, c: &Change) -> bool {
        let id = c.audience_id.as_deref();
        match c.audience.as_str() {
            "user" => id == Some(self.user.id.as_str()),
            "organization" => id.is_some() && id == self.user.organization_id.as_deref(),
            "customer" => id.is_some() && id == self.user.customer_id.as_deref(),
            _ => true,
        }
    }

    /// The event this viewer gets for a change, if any.
    fn render(&self, c: &Change) -> Option<Event> {
        if c.audience == RAW {
            return Some(Event::default().data(&c.message));
        }
        if self.compat {
            // Part B broadcasts every flag event; it has no config events.
            return c.compat.as_ref().map(|json| Event::default().data(json));
        }
        let event = Event::default().id(c.version.to_string());
        Some(if self.is_for_me(c) {
            event.data(&c.message)
        } else {
            let mut filler = StreamMessage::new(EventKind::Version);
            filler.version = Some(c.version);
            event.data(json(&filler))
        })
    }
}

/// Audience of a `--test-hooks` raw message: sent as is, in both modes.
pub const RAW: &str = "raw";

fn json(m: &StreamMessage) -> String {
    serde_json::to_string(m).expect("stream messages always serialize")
}

fn simple(kind: EventKind) -> StreamMessage {
    let mut m = StreamMessage::new(kind);
    m.timestamp = Some(crate::time::now_ms());
    m
}

pub async fn stream(
    State(app): State<AppState>,
    StreamUser(user, token_hash): StreamUser,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
) -> Response {
    let asks_part_b = q.compat.as_deref() == Some("part-b");
    if asks_part_b && !app.settings.compat_part_b && !app.settings.allow_compat_query {
        // Part B would show this user everyone's targets: the operator decides.
        return ApiError::new(axum::http::StatusCode::FORBIDDEN, "part_b_disabled", "part B streams (?compat=part-b) are disabled on this server; its operator can allow them with --allow-compat-query").into_response();
    }
    let compat = app.settings.compat_part_b || asks_part_b;
    let last_event_id = if compat {
        None
    } else {
        let header = headers.get("last-event-id").and_then(|v| v.to_str().ok());
        header.or(q.last_event_id.as_deref()).and_then(|v| v.trim().parse::<u64>().ok())
    };
    let hub = app.service.hub();
    if app.service.db().is_shared() {
        // Another instance may have committed a change this one has not
        // heard of yet: read it from the log first, so the hello is never
        // older than what the client may already have seen (its snapshot,
        // or a stream on another instance), and no resync is needed.
        let svc = app.service.clone();
        let _ = tokio::task::spawn_blocking(move || svc.catch_up_if_behind()).await;
    }
    // The stream lives by its session (the extractor found it valid).
    let audience = crate::db::users::audience_key(&user);
    let Some(session) = app.stream_sessions.register(token_hash, audience, app.settings.max_streams_per_session) else {
        let limit = app.settings.max_streams_per_session;
        let message = format!("this session has {limit} streams open already (--max-streams-per-session)");
        return ApiError::new(axum::http::StatusCode::TOO_MANY_REQUESTS, "too_many_streams", message).into_response();
    };
    let sub = hub.subscribe(last_event_id);
    let viewer = Viewer { user, compat };

    let mut hello = simple(EventKind::Connection);
    hello.user_id = Some(viewer.user.id.clone());
    let mut first = Vec::new();
    let mut missed = Vec::new();
    if compat {
        first.push(Event::default().data(json(&hello)));
    } else {
        hello.version = Some(sub.version);
        first.push(
            Event::default().id(sub.version.to_string()).retry(app.settings.retry).data(json(&hello)),
        );
        match sub.replay {
            Replay::Nothing => {}
            Replay::Changes(changes) => missed = changes,
            Replay::Resync => {
                first.push(Event::default().id(sub.version.to_string()).data(json(&StreamMessage::new(EventKind::Resync))))
            }
        }
    }
    // The replay, rendered one change at a time as the socket drains: the
    // changes are shared with the log, and only what is being written is
    // copied (rendered at once, a stream replaying 1 000 changes held 6 MB
    // until its client read them).
    let replay_viewer = viewer.clone();
    let replayed = stream::iter(missed).filter_map(move |c| std::future::ready(replay_viewer.render(&c)));
    let events = stream::iter(first).chain(replayed).chain(live(sub.rx, viewer, sub.version, app.settings.ping_interval, session));
    let mut response = Sse::new(events.map(Ok::<_, Infallible>)).into_response();
    // A compressing or buffering proxy (nginx, a Next.js rewrite) would
    // otherwise hold the stream back: observed, no update ever arrived.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The stream's login session: its registration, and the signal that it ended.
type Session = (Ticket, oneshot::Receiver<Ended>);

/// Changes as they are published, with a ping message every `ping_interval`.
/// Ends when the hub drops this connection (slow client, shutdown) or when
/// the session ends (logout, expiry, the user deleted); when the user
/// changed, after a `resync` message (the client's snapshot is out of date).
///
/// A part D ping carries `version`: the last change this stream has sent
/// (from `sent`, the hello's version at first). A client behind it lost a
/// change on the way (a proxy dropped or cut an event) and re-reads within
/// one ping interval instead of at the next change. The stream's own last
/// version, not the hub's: a change published but still queued here would
/// otherwise look lost.
fn live(rx: mpsc::Receiver<Change>, viewer: Viewer, sent: u64, ping_interval: Duration, session: Session) -> impl Stream<Item = Event> {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_interval, ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = (rx, viewer, ping, session, sent, false);
    stream::unfold(state, |(mut rx, viewer, mut ping, mut session, mut sent, ending)| async move {
        if ending {
            return None;
        }
        loop {
            tokio::select! {
                change = rx.recv() => {
                    let change = change?;
                    if let Some(event) = viewer.render(&change) {
                        if change.audience != RAW {
                            sent = sent.max(change.version);
                        }
                        return Some((event, (rx, viewer, ping, session, sent, false)));
                    }
                }
                _ = ping.tick() => {
                    let mut message = simple(EventKind::Ping);
                    if !viewer.compat {
                        message.version = Some(sent);
                    }
                    let event = Event::default().data(json(&message));
                    return Some((event, (rx, viewer, ping, session, sent, false)));
                }
                ended = &mut session.1 => {
                    if ended != Ok(Ended::UserChanged) {
                        return None;
                    }
                    let event = Event::default().data(json(&StreamMessage::new(EventKind::Resync)));
                    return Some((event, (rx, viewer, ping, session, sent, true)));
                }
            }
        }
    })
}
