//! Open streams by login session, so that a stream ends within a second of
//! its session ending (logout, expiry, idleness, the user deleted) or of its
//! user changing (role, organization, customer: what the stream filters
//! by) — on this instance or on another one sharing the database. Twice a
//! second, the sessions of all open streams are looked up (one point query
//! each, in one read); streams whose session is gone or whose user changed
//! are ended, and their clients reconnect as who they are now.

use crate::db::{users, Db};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Why a stream ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Logout, expiry, idleness, the user deleted: its client must sign in.
    Session,
    /// The user's role, organization or customer changed: its client
    /// re-reads the snapshot (which now differs) and reconnects.
    UserChanged,
}

/// How often sessions of open streams are checked.
pub const SWEEP_EVERY: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct StreamSessions {
    open: Mutex<Registry>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Registry {
    /// By stream: its session's token hash, its user as [`users::audience_key`]
    /// says, and how to end it.
    streams: HashMap<u64, (String, String, oneshot::Sender<Ended>)>,
    /// Open streams by session.
    per_session: HashMap<String, usize>,
}

impl Registry {
    fn remove(&mut self, id: u64) -> Option<oneshot::Sender<Ended>> {
        let (hash, _, end) = self.streams.remove(&id)?;
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
    /// Registers a stream of the session with `token_hash`, for the user
    /// `audience_key` describes; the receiver completes when the session
    /// has ended or the user changed. `None` when the session has `max`
    /// streams open already.
    pub fn register(self: &Arc<Self>, token_hash: String, audience_key: String, max: usize) -> Option<(Ticket, oneshot::Receiver<Ended>)> {
        let mut open = self.open.lock().expect("not poisoned");
        let count = open.per_session.entry(token_hash.clone()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        let id = self.next_id.fetch_add(1, Relaxed);
        let (end, ended) = oneshot::channel();
        open.streams.insert(id, (token_hash, audience_key, end));
        Some((Ticket { sessions: self.clone(), id }, ended))
    }

    /// Distinct sessions with open streams.
    fn sessions(&self) -> Vec<String> {
        self.open.lock().expect("not poisoned").per_session.keys().cloned().collect()
    }

    /// Ends every stream whose session is not in `live` (token hash → the
    /// user's audience key now) or whose user changed.
    fn end_changed(&self, live: &HashMap<String, String>) {
        let mut open = self.open.lock().expect("not poisoned");
        let ended: Vec<(u64, Ended)> = open
            .streams
            .iter()
            .filter_map(|(id, (hash, key, _))| match live.get(hash) {
                None => Some((*id, Ended::Session)),
                Some(now) if now != key => Some((*id, Ended::UserChanged)),
                Some(_) => None,
            })
            .collect();
        for (id, why) in ended {
            if let Some(end) = open.remove(id) {
                let _ = end.send(why);
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
        let life = users::SessionLife::now(idle);
        match db.read(move |c| users::live_sessions(c, &checked, life)) {
            Ok((live, stale)) => {
                self.end_changed(&live);
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
    fn ends_only_the_streams_of_ended_sessions_and_changed_users() {
        let s = Arc::new(StreamSessions::default());
        let (a1, mut a1_ended) = s.register("a".into(), "alice".into(), 2).unwrap();
        let (_a2, mut a2_ended) = s.register("a".into(), "alice".into(), 2).unwrap();
        assert!(s.register("a".into(), "alice".into(), 2).is_none(), "a third stream of one session is refused");
        let (_b, mut b_ended) = s.register("b".into(), "bob".into(), 2).unwrap();
        let (_c, mut c_ended) = s.register("c".into(), "carol".into(), 2).unwrap();
        let mut sessions = s.sessions();
        sessions.sort();
        assert_eq!(sessions, ["a", "b", "c"]);
        drop(a1);
        assert!(a1_ended.try_recv().is_err(), "a dropped ticket just unregisters");
        // Session a is gone, b unchanged, c's user has another role now.
        let live = HashMap::from([("b".to_string(), "bob".to_string()), ("c".to_string(), "carol, now admin".to_string())]);
        s.end_changed(&live);
        assert_eq!(a2_ended.try_recv(), Ok(Ended::Session));
        assert_eq!(c_ended.try_recv(), Ok(Ended::UserChanged));
        assert!(b_ended.try_recv().is_err());
        assert_eq!(s.sessions(), ["b"]);
    }
}
