//! Fan-out of committed changes to every open stream, and the bounded
//! in-memory replay log behind `Last-Event-ID`.
//!
//! The log is bounded by count and by bytes, and a replay larger than its
//! byte bound is a `resync` instead (the snapshot is smaller than many
//! large changes): 1 100 changes of 260 KB had grown the server by 660 MB
//! (probe F5). The replay itself is only references into the log; `sse`
//! renders it as the socket drains (probe F1: rendered at once, each
//! replaying stream held 6.2 MB).
//!
//! Each connection has a bounded queue. Publishing never waits: a
//! connection whose queue is full (a slow or dead client) is dropped, its
//! stream ends, and its `EventSource` reconnects with `Last-Event-ID` and is
//! replayed from the log or told to resync. One slow client therefore never
//! delays the others.

use crate::db::changes::LoggedChange;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

pub type Change = Arc<LoggedChange>;

pub struct Hub {
    state: Mutex<State>,
    queue_capacity: usize,
    log_capacity: usize,
    /// Bytes of messages the log may hold (the newest change always stays).
    log_bytes: usize,
    /// Bytes of messages one replay may send; more: `resync`.
    replay_bytes: usize,
    removed: AtomicU64,
    restarts: AtomicU64,
}

struct State {
    log: VecDeque<Change>,
    /// The bytes of the log's messages.
    logged_bytes: usize,
    version: u64,
    subscribers: Vec<mpsc::Sender<Change>>,
    closed: bool,
}

/// What a reconnecting client missed.
#[derive(Debug)]
pub enum Replay {
    /// Up to date, or no `Last-Event-ID` given.
    Nothing,
    /// The changes after its last id, oldest first.
    Changes(Vec<Change>),
    /// Its last id is older than the log (or unknown): re-read the snapshot.
    Resync,
}

pub struct Subscription {
    pub rx: mpsc::Receiver<Change>,
    pub replay: Replay,
    /// The current version at subscription time.
    pub version: u64,
}

impl Hub {
    /// A hub at `version`, with `recent` (oldest first) as its replay log.
    pub fn new(version: u64, recent: Vec<LoggedChange>, queue_capacity: usize, log_capacity: usize) -> Hub {
        Hub::with_byte_limits(version, recent, queue_capacity, log_capacity, DEFAULT_LOG_BYTES, DEFAULT_REPLAY_BYTES)
    }

    /// The same, with the log's and a replay's bounds in bytes.
    pub fn with_byte_limits(
        version: u64,
        recent: Vec<LoggedChange>,
        queue_capacity: usize,
        log_capacity: usize,
        log_bytes: usize,
        replay_bytes: usize,
    ) -> Hub {
        let hub = Hub {
            state: Mutex::new(State { log: VecDeque::new(), logged_bytes: 0, version, subscribers: Vec::new(), closed: false }),
            queue_capacity: queue_capacity.max(1),
            log_capacity,
            log_bytes,
            replay_bytes,
            removed: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
        };
        {
            let mut s = hub.lock();
            for change in recent {
                hub.log_push(&mut s, Arc::new(change));
            }
        }
        hub
    }

    /// Appends to the log and trims it to its bounds.
    fn log_push(&self, s: &mut State, change: Change) {
        s.logged_bytes += bytes_of(&change);
        s.log.push_back(change);
        while s.log.len() > self.log_capacity || (s.logged_bytes > self.log_bytes && s.log.len() > 1) {
            if let Some(old) = s.log.pop_front() {
                s.logged_bytes -= bytes_of(&old);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a connection. Done under the lock together with the replay
    /// read, so the connection sees every change exactly once.
    pub fn subscribe(&self, last_event_id: Option<u64>) -> Subscription {
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        let mut s = self.lock();
        let replay = match last_event_id {
            None => Replay::Nothing,
            Some(v) if v == s.version => Replay::Nothing,
            Some(v) if v > s.version => Replay::Resync,
            Some(v) => match s.log.front() {
                Some(oldest) if oldest.version <= v + 1 => {
                    let missed: Vec<Change> = s.log.iter().filter(|c| c.version > v).cloned().collect();
                    let size: usize = missed.iter().map(|c| bytes_of(c)).sum();
                    if size > self.replay_bytes {
                        Replay::Resync
                    } else {
                        Replay::Changes(missed)
                    }
                }
                _ => Replay::Resync,
            },
        };
        if !s.closed {
            s.subscribers.push(tx);
        }
        Subscription { rx, replay, version: s.version }
    }

    /// Sends a committed change to every connection. Callers publish in
    /// version order, without gaps (`stream::relay` sees to it).
    pub fn publish(&self, change: LoggedChange) {
        let change = Arc::new(change);
        let mut s = self.lock();
        s.version = change.version;
        self.log_push(&mut s, change.clone());
        let before = s.subscribers.len();
        s.subscribers.retain(|tx| match tx.try_send(change.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => false,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        let gone = before - s.subscribers.len();
        if gone > 0 {
            // Closed ones are disconnects; count all, they are rare and cheap.
            self.removed.fetch_add(gone as u64, Ordering::Relaxed);
        }
    }

    /// For an instance that fell behind further than the change log reaches
    /// (another instance's changes it can no longer read): forgets its
    /// replay log, moves to `version` and ends every stream. Each client
    /// reconnects with a `Last-Event-ID` older than the log and is told to
    /// resync, so nothing it missed stays missed.
    pub fn restart_at(&self, version: u64) {
        let mut s = self.lock();
        s.version = version;
        s.log.clear();
        s.logged_bytes = 0;
        let dropped = s.subscribers.len();
        s.subscribers.clear();
        self.removed.fetch_add(dropped as u64, Ordering::Relaxed);
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// Sends `change` to every connection without logging it or moving the
    /// version (the `--test-hooks` raw broadcast).
    pub fn broadcast_unlogged(&self, change: LoggedChange) {
        let change = Arc::new(change);
        let mut s = self.lock();
        s.subscribers.retain(|tx| tx.try_send(change.clone()).is_ok());
    }

    /// Ends every stream (server shutdown), so connections can close.
    pub fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.subscribers.clear();
    }

    pub fn version(&self) -> u64 {
        self.lock().version
    }

    pub fn connections(&self) -> usize {
        self.lock().subscribers.iter().filter(|tx| !tx.is_closed()).count()
    }

    /// How often [`Hub::restart_at`] ended every stream; 0 in a healthy
    /// run (shown by `/api/health`, asserted by the multi-instance tests).
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Connections removed because their queue was full or closed.
    pub fn removed(&self) -> u64 {
        self.removed.load(Ordering::Relaxed)
    }
}

/// Default bound of the log's messages: 16 MiB.
pub const DEFAULT_LOG_BYTES: usize = 16 << 20;
/// Default bound of one replay: 1 MiB (a 10 000-flag snapshot is about as large).
pub const DEFAULT_REPLAY_BYTES: usize = 1 << 20;

/// What a change costs the log: its messages' bytes.
fn bytes_of(c: &LoggedChange) -> usize {
    c.message.len() + c.compat.as_ref().map_or(0, String::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(version: u64) -> LoggedChange {
        LoggedChange { version, audience: "all".into(), audience_id: None, message: version.to_string(), compat: None }
    }

    #[test]
    fn replays_from_the_log_or_asks_for_a_resync() {
        let hub = Hub::new(0, Vec::new(), 8, 3);
        for v in 1..=5 {
            hub.publish(change(v));
        }
        // The log holds versions 3..=5.
        let versions = |r: Replay| match r {
            Replay::Changes(c) => c.iter().map(|c| c.version).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(versions(hub.subscribe(Some(2)).replay), [3, 4, 5]);
        assert_eq!(versions(hub.subscribe(Some(4)).replay), [5]);
        assert!(matches!(hub.subscribe(Some(5)).replay, Replay::Nothing));
        assert!(matches!(hub.subscribe(None).replay, Replay::Nothing));
        assert!(matches!(hub.subscribe(Some(1)).replay, Replay::Resync), "too old");
        assert!(matches!(hub.subscribe(Some(99)).replay, Replay::Resync), "from the future");
    }

    #[test]
    fn the_log_and_a_replay_are_bounded_in_bytes() {
        let big = |version: u64| LoggedChange { message: "x".repeat(1_000), ..change(version) };
        // Room for 5 KB of log, 2.5 KB of replay.
        let hub = Hub::with_byte_limits(0, Vec::new(), 8, 1_000, 5_000, 2_500);
        for v in 1..=20 {
            hub.publish(big(v));
        }
        let s = hub.lock();
        assert_eq!((s.log.len(), s.logged_bytes), (5, 5_000), "the newest 5 KB");
        assert_eq!(s.log.front().map(|c| c.version), Some(16));
        drop(s);
        assert!(matches!(hub.subscribe(Some(18)).replay, Replay::Changes(c) if c.len() == 2), "2 KB: replayed");
        assert!(matches!(hub.subscribe(Some(17)).replay, Replay::Resync), "3 KB: re-read the snapshot instead");
        // One change larger than the whole bound stays, alone.
        hub.publish(LoggedChange { message: "y".repeat(9_000), ..change(21) });
        assert_eq!(hub.lock().log.len(), 1);
        // Loaded from the database, the same bounds.
        let hub = Hub::with_byte_limits(20, (1..=20).map(big).collect(), 8, 1_000, 5_000, 2_500);
        assert_eq!(hub.lock().log.len(), 5);
    }

    #[tokio::test]
    async fn a_full_queue_drops_only_that_connection() {
        let hub = Hub::new(0, Vec::new(), 2, 100);
        let mut fast = hub.subscribe(None);
        let slow = hub.subscribe(None);
        for v in 1..=10 {
            hub.publish(change(v));
            assert_eq!(fast.rx.recv().await.unwrap().version, v);
        }
        assert_eq!(hub.connections(), 1);
        assert_eq!(hub.removed(), 1);
        // The slow one gets what was queued, then its stream ends.
        let mut slow_rx = slow.rx;
        assert_eq!(slow_rx.recv().await.unwrap().version, 1);
        assert_eq!(slow_rx.recv().await.unwrap().version, 2);
        assert!(slow_rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn restart_at_ends_streams_and_makes_older_ids_resync() {
        let hub = Hub::new(0, Vec::new(), 8, 100);
        hub.publish(change(1));
        let mut sub = hub.subscribe(Some(1));
        hub.restart_at(40);
        assert!(sub.rx.recv().await.is_none(), "the stream ends");
        assert_eq!(hub.version(), 40);
        assert_eq!(hub.restarts(), 1);
        assert!(matches!(hub.subscribe(Some(1)).replay, Replay::Resync));
        hub.publish(change(41));
        assert!(matches!(hub.subscribe(Some(40)).replay, Replay::Changes(c) if c.len() == 1));
    }

    #[tokio::test]
    async fn close_ends_every_stream() {
        let hub = Hub::new(7, vec![change(7)], 4, 10);
        let mut sub = hub.subscribe(None);
        assert_eq!(sub.version, 7);
        hub.close();
        assert!(sub.rx.recv().await.is_none());
        assert!(hub.subscribe(None).rx.recv().await.is_none());
    }
}
