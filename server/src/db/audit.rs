//! The audit log: who changed what, one entry per change version, written
//! in the change's own transaction (so an entry exists exactly when its
//! change does). Kept for good, unlike the replay log.

use super::sql::{Result, Row, Sql};
use crate::params;
use serde::Serialize;

/// Who made a change: the audit log's `actor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// `"user"` (a session or a token from the app), `"token"` (an admin
    /// API token), or `"server"` (the demo seed).
    pub kind: &'static str,
    pub name: String,
}

impl Actor {
    pub fn user(name: &str) -> Actor {
        Actor { kind: "user", name: name.to_owned() }
    }
    pub fn token(name: &str) -> Actor {
        Actor { kind: "token", name: name.to_owned() }
    }
    pub fn server() -> Actor {
        Actor { kind: "server", name: "flaglive-server".to_owned() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub version: u64,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub actor: Actor,
    /// The change's event type, e.g. `flag.toggled`, `config.changed`.
    pub action: String,
    /// A flag's name, or a config layer (`customer/c-17` when scoped).
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

pub fn record(c: &mut dyn Sql, e: &Entry) -> Result<()> {
    let (before, after) = (json_text(&e.before), json_text(&e.after));
    c.exec(
        "INSERT INTO audit (version, at, actor_kind, actor_name, action, target, before_json, after_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![e.version as i64, e.at, e.actor.kind, &e.actor.name, &e.action, &e.target, &before, &after],
    )?;
    Ok(())
}

fn actor_kind(kind: &str) -> &'static str {
    match kind {
        "user" => "user",
        "token" => "token",
        _ => "server",
    }
}

fn to_entry(r: &Row) -> Result<Entry> {
    let json = |i| -> Result<Option<serde_json::Value>> { Ok(r.opt_text(i)?.and_then(|t| serde_json::from_str(&t).ok())) };
    Ok(Entry {
        version: r.int(0)? as u64,
        at: r.int(1)?,
        actor: Actor { kind: actor_kind(&r.text(2)?), name: r.text(3)? },
        action: r.text(4)?,
        target: r.text(5)?,
        before: json(6)?,
        after: json(7)?,
    })
}

/// Up to `limit` entries older than version `before` (all, if `None`), newest first.
pub fn page(c: &mut dyn Sql, before: Option<u64>, limit: u64) -> Result<Vec<Entry>> {
    let before = before.map_or(i64::MAX, |v| v.min(i64::MAX as u64) as i64);
    let sql = "SELECT version, at, actor_kind, actor_name, action, target, before_json, after_json FROM audit WHERE version < ?1 ORDER BY version DESC LIMIT ?2";
    c.rows(sql, params![before, limit as i64])?.iter().map(to_entry).collect()
}
