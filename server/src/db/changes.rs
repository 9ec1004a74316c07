//! The change version and the persisted change log that `Last-Event-ID`
//! replay reads after a restart.

use rusqlite::{params, Connection};

pub fn current_version(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| r.get::<_, i64>(0)).map(|v| v as u64)
}

/// Increments the version and returns the new one.
pub fn bump_version(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|v| v as u64)
}

/// One logged change as stored: who it is for, and its part D and part B
/// messages as JSON text.
#[derive(Clone, Debug)]
pub struct LoggedChange {
    pub version: u64,
    pub audience: String,
    pub audience_id: Option<String>,
    pub message: String,
    pub compat: Option<String>,
}

/// Records a change and drops log rows older than `keep` versions.
pub fn record(conn: &Connection, c: &LoggedChange, keep: u64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO changes (version, audience, audience_id, message, compat) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![c.version as i64, c.audience, c.audience_id, c.message, c.compat],
    )?;
    conn.execute("DELETE FROM changes WHERE version <= ?1", [c.version.saturating_sub(keep) as i64])?;
    Ok(())
}

/// The newest `limit` changes, oldest first.
pub fn recent(conn: &Connection, limit: u64) -> rusqlite::Result<Vec<LoggedChange>> {
    let mut stmt = conn.prepare(
        "SELECT version, audience, audience_id, message, compat FROM
           (SELECT * FROM changes ORDER BY version DESC LIMIT ?1) ORDER BY version",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(LoggedChange {
            version: r.get::<_, i64>(0)? as u64,
            audience: r.get(1)?,
            audience_id: r.get(2)?,
            message: r.get(3)?,
            compat: r.get(4)?,
        })
    })?;
    rows.collect()
}
