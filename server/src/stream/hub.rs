//! Fan-out of committed changes to every open stream, and the bounded
//! in-memory replay log behind `Last-Event-ID`.
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
    removed: AtomicU64,
    restarts: AtomicU64,
}

struct State {
    log: VecDeque<Change>,
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
        let mut log: VecDeque<Change> = recent.into_iter().map(Arc::new).collect();
        while log.len() > log_capacity {
            log.pop_front();
        }
        Hub {
            state: Mutex::new(State { log, version, subscribers: Vec::new(), closed: false }),
            queue_capacity: queue_capacity.max(1),
            log_capacity,
            removed: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
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
                    Replay::Changes(s.log.iter().filter(|c| c.version > v).cloned().collect())
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
        s.log.push_back(change.clone());
        while s.log.len() > self.log_capacity {
            s.log.pop_front();
        }
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
