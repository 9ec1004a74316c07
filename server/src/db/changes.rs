//! The change version and the persisted change log, which `Last-Event-ID`
//! replay reads after a restart and other instances read to catch up.

use super::sql::{Result, Row, Sql};
use crate::params;

pub fn current_version(c: &mut dyn Sql) -> Result<u64> {
    let row = c.row("SELECT value FROM meta WHERE key = 'version'", &[])?;
    Ok(row.map_or(Ok(0), |r| r.int(0))? as u64)
}

/// Increments the version and returns the new one.
pub fn bump_version(c: &mut dyn Sql) -> Result<u64> {
    let row = c.row("UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value", &[])?;
    Ok(row.map_or(Ok(0), |r| r.int(0))? as u64)
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

/// Records a change, announces it to other instances on commit, and drops
/// log rows older than `keep` versions.
pub fn record(c: &mut dyn Sql, change: &LoggedChange, keep: u64) -> Result<()> {
    c.exec(
        "INSERT INTO changes (version, audience, audience_id, message, compat) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![change.version as i64, &change.audience, &change.audience_id, &change.message, &change.compat],
    )?;
    c.exec("DELETE FROM changes WHERE version <= ?1", params![change.version.saturating_sub(keep) as i64])?;
    c.notify_change(change.version)
}

const COLUMNS: &str = "version, audience, audience_id, message, compat";

fn to_change(r: Row) -> Result<LoggedChange> {
    Ok(LoggedChange {
        version: r.int(0)? as u64,
        audience: r.text(1)?,
        audience_id: r.opt_text(2)?,
        message: r.text(3)?,
        compat: r.opt_text(4)?,
    })
}

/// The newest `limit` changes, oldest first.
pub fn recent(c: &mut dyn Sql, limit: u64) -> Result<Vec<LoggedChange>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM changes ORDER BY version DESC LIMIT ?1) AS newest ORDER BY version"
    );
    c.rows(&sql, params![limit as i64])?.into_iter().map(to_change).collect()
}

/// Up to `limit` changes after `version`, oldest first.
pub fn after(c: &mut dyn Sql, version: u64, limit: u64) -> Result<Vec<LoggedChange>> {
    let sql = format!("SELECT {COLUMNS} FROM changes WHERE version > ?1 ORDER BY version LIMIT ?2");
    c.rows(&sql, params![version as i64, limit as i64])?.into_iter().map(to_change).collect()
}
