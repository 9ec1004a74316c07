//! Open streams by login session, so that a stream ends within a second of
//! its session ending: logout, expiry, or the user deleted — on this instance
//! or on another one sharing the database. Once a second, the sessions of
//! all open streams are looked up (one point query each, in one read);
//! streams whose session is gone are ended.

use crate::db::{users, Db};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How often sessions of open streams are checked.
pub const SWEEP_EVERY: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct StreamSessions {
    open: Mutex<Registry>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Registry {
    /// By stream: its session's token hash, and how to end it.
    streams: HashMap<u64, (String, oneshot::Sender<()>)>,
    /// Open streams by session.
    per_session: HashMap<String, usize>,
}

impl Registry {
    fn remove(&mut self, id: u64) -> Option<oneshot::Sender<()>> {
        let (hash, end) = self.streams.remove(&id)?;
        if let Some(n) = self.per_session.get_mut(&hash) {
            *n -= 1;
            if *n == 0 {
                self.per_session.remove(&hash);
            }
        }
        Some(end)
    }
}

/// A registered stream; dropping it (the stream ended) unregisters it.
pub struct Ticket {
    sessions: Arc<StreamSessions>,
    id: u64,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.sessions.open.lock().expect("not poisoned").remove(self.id);
    }
}

impl StreamSessions {
    /// Registers a stream of the session with `token_hash`; the receiver
    /// completes when that session has ended. `None` when the session has
    /// `max` streams open already.
    pub fn register(self: &Arc<Self>, token_hash: String, max: usize) -> Option<(Ticket, oneshot::Receiver<()>)> {
        let mut open = self.open.lock().expect("not poisoned");
        let count = open.per_session.entry(token_hash.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        let id = self.next_id.fetch_add(1, Relaxed);
        let (end, ended) = oneshot::channel();
        open.streams.insert(id, (token_hash, end));
        Some((Ticket { sessions: self.clone(), id }, ended))
    }

    /// Distinct sessions with open streams.
    fn sessions(&self) -> Vec<String> {
        self.open.lock().expect("not poisoned").per_session.keys().cloned().collect()
    }

    /// Ends every stream of a session not in `live`.
    fn end_all_but(&self, checked: &[String], live: &HashSet<String>) {
        let ended: HashSet<&String> = checked.iter().filter(|h| !live.contains(*h)).collect();
        if ended.is_empty() {
            return;
        }
        let mut open = self.open.lock().expect("not poisoned");
        let ids: Vec<u64> = open.streams.iter().filter(|(_, (hash, _))| ended.contains(hash)).map(|(id, _)| *id).collect();
        for id in ids {
            if let Some(end) = open.remove(id) {
                let _ = end.send(());
            }
        }
    }

    /// One check of every open stream's session; an open stream keeps its
    /// session from going idle.
    pub fn sweep(&self, db: &Db, idle: Duration) {
        let checked = self.sessions();
        if checked.is_empty() {
            return;
        }
        let life = users::SessionLife { now_ms: crate::time::now_ms(), idle_ms: idle.as_millis() as i64 };
        let hashes = checked.clone();
        match db.read(move |c| users::live_sessions(c, &hashes, life)) {
            Ok((live, stale)) => {
                self.end_all_but(&checked, &live);
                if !stale.is_empty() {
                    // Best effort: the next sweep tries again.
                    let _ = db.read(move |c| users::touch_sessions(c, &stale, life.now_ms));
                }
            }
            // The database is away: keep the streams; the next sweep retries.
            Err(e) => eprintln!("flaglive-server: checking stream sessions: {}", e.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_only_the_streams_of_ended_sessions() {
        let s = Arc::new(StreamSessions::default());
        let (a1, mut a1_ended) = s.register("a".into(), 2).unwrap();
        let (_a2, mut a2_ended) = s.register("a".into(), 2).unwrap();
        assert!(s.register("a".into(), 2).is_none(), "a third stream of one session is refused");
        let (_b, mut b_ended) = s.register("b".into(), 2).unwrap();
        let mut sessions = s.sessions();
        sessions.sort();
        assert_eq!(sessions, ["a", "b"]);
        drop(a1);
        assert!(a1_ended.try_recv().is_err(), "a dropped ticket just unregisters");
        s.end_all_but(&["a".into(), "b".into()], &HashSet::from(["b".to_string()]));
        assert!(a2_ended.try_recv().is_ok());
        assert!(b_ended.try_recv().is_err());
        assert_eq!(s.sessions(), ["b"]);
    }
}
