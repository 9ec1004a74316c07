//! SQLite storage. One connection behind a mutex: every mutation runs in a
//! transaction together with its version bump and change-log row, and the
//! lock also orders event publication (see `service`).

pub mod changes;
pub mod config;
pub mod flags;
pub mod users;

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many ran. Append only.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('version', 0);
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        organization_id TEXT,
        customer_id TEXT
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE flags (
        id TEXT PRIMARY KEY,
        flag_name TEXT NOT NULL UNIQUE,
        description TEXT,
        enabled INTEGER NOT NULL,
        rollout_strategy TEXT NOT NULL,
        rollout_percentage INTEGER NOT NULL,
        metadata TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE user_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, user_id)
    );
    CREATE INDEX user_targets_by_user ON user_targets (user_id);
    CREATE TABLE role_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, role)
    );
    CREATE TABLE config_layers (
        layer TEXT NOT NULL,
        scope TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (layer, scope)
    );
    CREATE TABLE changes (
        version INTEGER PRIMARY KEY,
        audience TEXT NOT NULL,
        audience_id TEXT,
        message TEXT NOT NULL,
        compat TEXT
    );
"#];

pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Db> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn)?;
        Ok(Db { conn: Mutex::new(conn) })
    }

    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open
        // (it rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
