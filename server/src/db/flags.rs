//! Flags and their user and role targets.

use flaglive::{Flag, RoleTarget, Strategy, UserTarget};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::HashMap;

const COLUMNS: &str =
    "id, flag_name, description, enabled, rollout_strategy, rollout_percentage, metadata, created_at, updated_at";

fn row_to_flag(r: &Row) -> rusqlite::Result<Flag> {
    Ok(Flag {
        id: Some(r.get(0)?),
        flag_name: r.get(1)?,
        description: r.get(2)?,
        enabled: r.get(3)?,
        rollout_strategy: Strategy::parse(&r.get::<_, String>(4)?),
        rollout_percentage: r.get(5)?,
        metadata: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        user_target: None,
        role_targets: Vec::new(),
    })
}

/// A flag without targets, by name.
pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<Flag>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM flags WHERE flag_name = ?1"), [name], row_to_flag)
        .optional()
}

/// Every flag without targets, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Flag>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM flags ORDER BY flag_name"))?;
    let rows = stmt.query_map([], row_to_flag)?;
    rows.collect()
}

pub fn insert(conn: &Connection, f: &Flag) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO flags ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            f.id, f.flag_name, f.description, f.enabled, f.rollout_strategy.as_str(),
            f.rollout_percentage, f.metadata, f.created_at, f.updated_at
        ],
    )?;
    Ok(())
}

/// Writes every stored field of `f` (matched by id).
pub fn update(conn: &Connection, f: &Flag) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE flags SET description = ?2, enabled = ?3, rollout_strategy = ?4,
             rollout_percentage = ?5, metadata = ?6, updated_at = ?7 WHERE id = ?1",
        params![
            f.id, f.description, f.enabled, f.rollout_strategy.as_str(),
            f.rollout_percentage, f.metadata, f.updated_at
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM flags WHERE id = ?1", [id])?;
    Ok(())
}

/// Sets a user target; returns the previous value.
pub fn set_user_target(conn: &Connection, flag_id: &str, user_id: &str, enabled: bool) -> rusqlite::Result<Option<bool>> {
    let previous = user_target(conn, flag_id, user_id)?;
    conn.execute(
        "INSERT INTO user_targets (flag_id, user_id, enabled) VALUES (?1, ?2, ?3)
         ON CONFLICT (flag_id, user_id) DO UPDATE SET enabled = excluded.enabled",
        params![flag_id, user_id, enabled],
    )?;
    Ok(previous)
}

fn user_target(conn: &Connection, flag_id: &str, user_id: &str) -> rusqlite::Result<Option<bool>> {
    conn.query_row(
        "SELECT enabled FROM user_targets WHERE flag_id = ?1 AND user_id = ?2",
        [flag_id, user_id],
        |r| r.get(0),
    )
    .optional()
}

/// Removes a user target; returns whether there was one.
pub fn remove_user_target(conn: &Connection, flag_id: &str, user_id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM user_targets WHERE flag_id = ?1 AND user_id = ?2", [flag_id, user_id])? > 0)
}

/// Sets a role target; returns the previous value.
pub fn set_role_target(conn: &Connection, flag_id: &str, role: &str, enabled: bool) -> rusqlite::Result<Option<bool>> {
    let previous = conn
        .query_row("SELECT enabled FROM role_targets WHERE flag_id = ?1 AND role = ?2", [flag_id, role], |r| r.get(0))
        .optional()?;
    conn.execute(
        "INSERT INTO role_targets (flag_id, role, enabled) VALUES (?1, ?2, ?3)
         ON CONFLICT (flag_id, role) DO UPDATE SET enabled = excluded.enabled",
        params![flag_id, role, enabled],
    )?;
    Ok(previous)
}

pub fn remove_role_target(conn: &Connection, flag_id: &str, role: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM role_targets WHERE flag_id = ?1 AND role = ?2", [flag_id, role])? > 0)
}

/// Role targets of every flag, by flag id, in role order.
pub fn role_targets(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<RoleTarget>>> {
    let mut stmt = conn.prepare_cached("SELECT flag_id, role, enabled FROM role_targets ORDER BY flag_id, role")?;
    let mut map: HashMap<String, Vec<RoleTarget>> = HashMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, RoleTarget { role: r.get(1)?, enabled: r.get(2)? })))?;
    for row in rows {
        let (flag_id, target) = row?;
        map.entry(flag_id).or_default().push(target);
    }
    Ok(map)
}

/// One user's targets, by flag id.
pub fn user_targets_of(conn: &Connection, user_id: &str) -> rusqlite::Result<HashMap<String, bool>> {
    let mut stmt = conn.prepare_cached("SELECT flag_id, enabled FROM user_targets WHERE user_id = ?1")?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Every user target, by flag id (admin listing).
pub fn all_user_targets(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<(String, bool)>>> {
    let mut stmt = conn.prepare_cached("SELECT flag_id, user_id, enabled FROM user_targets ORDER BY flag_id, user_id")?;
    let mut map: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
    for row in rows {
        let (flag_id, user_id, enabled) = row?;
        map.entry(flag_id).or_default().push((user_id, enabled));
    }
    Ok(map)
}

/// Every flag in the snapshot shape (PROTOCOL.md part C) for `user_id`:
/// all role targets, and only this user's own target.
pub fn snapshot_flags(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Flag>> {
    let mut roles = role_targets(conn)?;
    let own = user_targets_of(conn, user_id)?;
    let mut flags = list(conn)?;
    for f in &mut flags {
        let id = f.id.as_deref().unwrap_or_default();
        f.role_targets = roles.remove(id).unwrap_or_default();
        f.user_target = own.get(id).map(|&enabled| UserTarget { enabled });
    }
    Ok(flags)
}
