//! Gets every committed change to this instance's hub exactly once and in
//! version order, whether it was committed here or by another instance on
//! the same PostgreSQL database.
//!
//! Commits reach the relay in two ways: [`Relay::deliver`] right after a
//! local commit, and (PostgreSQL only) [`super::listener`]'s thread, which
//! hears each commit's `NOTIFY`. A change that does not follow the hub's version
//! directly shows a gap (a notification not yet heard, or lost while the
//! listening connection was down); the gap is filled from the change log
//! before anything newer is published. An instance that fell behind
//! further than the log reaches restarts its hub, so its clients resync.

use super::hub::Hub;
use crate::db::changes::{self, LoggedChange};
use crate::db::sql::DbError;
use crate::db::Db;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Changes read from the log per query while catching up.
const BATCH: u64 = 512;

#[derive(Default)]
pub struct Relay {
    /// Held while publishing, so publications from both paths take turns.
    turn: Mutex<()>,
    stopped: AtomicBool,
}

impl Relay {
    /// Publishes changes just committed here (oldest first). Blocking.
    pub fn deliver(&self, db: &Db, hub: &Hub, committed: Vec<LoggedChange>) {
        let _turn = self.turn.lock().unwrap_or_else(|p| p.into_inner());
        for change in committed {
            if change.version > hub.version() + 1 {
                if let Err(e) = catch_up(db, hub) {
                    eprintln!("flaglive-server: cannot read the change log: {e}");
                }
            }
            if change.version <= hub.version() {
                continue; // already published from the log
            }
            if change.version > hub.version() + 1 {
                // The log could not be read: better a resync than a gap.
                hub.restart_at(change.version - 1);
            }
            hub.publish(change);
        }
    }

    /// Publishes whatever the change log has after the hub's version; an
    /// unreadable log is logged and left for the next attempt. Blocking.
    pub fn catch_up(&self, db: &Db, hub: &Hub) {
        let _turn = self.turn.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = catch_up(db, hub) {
            eprintln!("flaglive-server: cannot read the change log: {e}");
        }
    }

    /// Brings the hub up to the newest committed version, if it is behind
    /// (a notification not heard yet). The version is read without taking
    /// turns, so the usual case (up to date) costs one small query. Blocking.
    pub fn catch_up_if_behind(&self, db: &Db, hub: &Hub) {
        match db.read(changes::current_version) {
            Ok(newest) if newest > hub.version() => self.catch_up(db, hub),
            Ok(_) => {}
            Err(e) => eprintln!("flaglive-server: cannot read the change version: {e}"),
        }
    }

    /// Stops the listener (server shutdown).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

fn catch_up(db: &Db, hub: &Hub) -> Result<(), DbError> {
    loop {
        let from = hub.version();
        // The log and the version in one read (`Db::read` is one consistent
        // snapshot): read apart, a commit landing between the two made an
        // empty batch look like a log emptied past us, and every stream of
        // this instance was ended for nothing.
        let (batch, current) = db.read(|c| {
            let batch = changes::after(c, from, BATCH)?;
            // The version matters only when nothing follows us in the log.
            let current = if batch.is_empty() { changes::current_version(c)? } else { from };
            Ok((batch, current))
        })?;
        let Some(first) = batch.first() else {
            // Nothing logged after us, yet a newer version: the log was
            // emptied past us (a tiny `--replay-log`).
            if current > from {
                hub.restart_at(current);
            }
            return Ok(());
        };
        if first.version != from + 1 {
            hub.restart_at(first.version - 1);
        }
        let full = batch.len() as u64 == BATCH;
        for change in batch {
            hub.publish(change);
        }
        if !full {
            return Ok(());
        }
    }
}
