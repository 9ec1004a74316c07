//! Flags and their user and role targets.

use super::sql::{Result, Row, Sql};
use crate::params;
use flaglive::{Flag, RoleTarget, Strategy, UserTarget};
use std::collections::HashMap;

const COLUMNS: &str =
    "id, flag_name, description, enabled, rollout_strategy, rollout_percentage, metadata, created_at, updated_at";

fn to_flag(r: &Row) -> Result<Flag> {
    Ok(Flag {
        id: Some(r.text(0)?),
        flag_name: r.text(1)?,
        description: r.opt_text(2)?,
        enabled: r.bool(3)?,
        rollout_strategy: Strategy::parse(&r.text(4)?),
        rollout_percentage: r.int(5)?,
        metadata: r.opt_text(6)?,
        created_at: r.opt_text(7)?,
        updated_at: r.opt_text(8)?,
        user_target: None,
        role_targets: Vec::new(),
    })
}

/// A flag without targets, by name.
pub fn get(c: &mut dyn Sql, name: &str) -> Result<Option<Flag>> {
    if name.chars().any(char::is_control) {
        return Ok(None); // `validate_flag_name` never stored such a name
    }
    c.row(&format!("SELECT {COLUMNS} FROM flags WHERE flag_name = ?1"), params![name])?.as_ref().map(to_flag).transpose()
}

/// Every flag without targets, by name.
pub fn list(c: &mut dyn Sql) -> Result<Vec<Flag>> {
    c.rows(&format!("SELECT {COLUMNS} FROM flags ORDER BY flag_name"), &[])?.iter().map(to_flag).collect()
}

pub fn insert(c: &mut dyn Sql, f: &Flag) -> Result<()> {
    c.exec(
        &format!("INSERT INTO flags ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            &f.id, &f.flag_name, &f.description, f.enabled, f.rollout_strategy.as_str(),
            f.rollout_percentage, &f.metadata, &f.created_at, &f.updated_at
        ],
    )?;
    Ok(())
}

/// Writes every stored field of `f` (matched by id).
pub fn update(c: &mut dyn Sql, f: &Flag) -> Result<()> {
    c.exec(
        "UPDATE flags SET description = ?2, enabled = ?3, rollout_strategy = ?4,
             rollout_percentage = ?5, metadata = ?6, updated_at = ?7 WHERE id = ?1",
        params![
            &f.id, &f.description, f.enabled, f.rollout_strategy.as_str(),
            f.rollout_percentage, &f.metadata, &f.updated_at
        ],
    )?;
    Ok(())
}

pub fn delete(c: &mut dyn Sql, id: &str) -> Result<()> {
    c.exec("DELETE FROM flags WHERE id = ?1", params![id])?;
    Ok(())
}

/// Sets a user target; returns the previous value.
pub fn set_user_target(c: &mut dyn Sql, flag_id: &str, user_id: &str, enabled: bool) -> Result<Option<bool>> {
    let previous = c.row("SELECT enabled FROM user_targets WHERE flag_id = ?1 AND user_id = ?2", params![flag_id, user_id])?;
    c.exec(
        "INSERT INTO user_targets (flag_id, user_id, enabled) VALUES (?1, ?2, ?3)
         ON CONFLICT (flag_id, user_id) DO UPDATE SET enabled = excluded.enabled",
        params![flag_id, user_id, enabled],
    )?;
    previous.map(|r| r.bool(0)).transpose()
}

/// Removes a user target; returns its value (`None`: there was none).
pub fn remove_user_target(c: &mut dyn Sql, flag_id: &str, user_id: &str) -> Result<Option<bool>> {
    let removed = c.row("DELETE FROM user_targets WHERE flag_id = ?1 AND user_id = ?2 RETURNING enabled", params![flag_id, user_id])?;
    removed.map(|r| r.bool(0)).transpose()
}

/// Sets a role target; returns the previous value.
pub fn set_role_target(c: &mut dyn Sql, flag_id: &str, role: &str, enabled: bool) -> Result<Option<bool>> {
    let previous = c.row("SELECT enabled FROM role_targets WHERE flag_id = ?1 AND role = ?2", params![flag_id, role])?;
    c.exec(
        "INSERT INTO role_targets (flag_id, role, enabled) VALUES (?1, ?2, ?3)
         ON CONFLICT (flag_id, role) DO UPDATE SET enabled = excluded.enabled",
        params![flag_id, role, enabled],
    )?;
    previous.map(|r| r.bool(0)).transpose()
}

/// Removes a role target; returns its value (`None`: there was none).
pub fn remove_role_target(c: &mut dyn Sql, flag_id: &str, role: &str) -> Result<Option<bool>> {
    let removed = c.row("DELETE FROM role_targets WHERE flag_id = ?1 AND role = ?2 RETURNING enabled", params![flag_id, role])?;
    removed.map(|r| r.bool(0)).transpose()
}

/// Role targets of every flag, by flag id, in role order.
pub fn role_targets(c: &mut dyn Sql) -> Result<HashMap<String, Vec<RoleTarget>>> {
    let mut map: HashMap<String, Vec<RoleTarget>> = HashMap::new();
    for r in c.rows("SELECT flag_id, role, enabled FROM role_targets ORDER BY flag_id, role", &[])? {
        map.entry(r.text(0)?).or_default().push(RoleTarget { role: r.text(1)?, enabled: r.bool(2)? });
    }
    Ok(map)
}

/// One user's targets, by flag id.
pub fn user_targets_of(c: &mut dyn Sql, user_id: &str) -> Result<HashMap<String, bool>> {
    if user_id.chars().any(char::is_control) {
        // Stored ids have no control characters (`validate_key`), and
        // PostgreSQL could not even be asked about a NUL: no targets. The
        // evaluate endpoint takes any context, so this does happen.
        return Ok(HashMap::new());
    }
    let rows = c.rows("SELECT flag_id, enabled FROM user_targets WHERE user_id = ?1", params![user_id])?;
    rows.iter().map(|r| Ok((r.text(0)?, r.bool(1)?))).collect()
}

/// Every user target, by flag id (admin listing).
pub fn all_user_targets(c: &mut dyn Sql) -> Result<HashMap<String, Vec<(String, bool)>>> {
    let mut map: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for r in c.rows("SELECT flag_id, user_id, enabled FROM user_targets ORDER BY flag_id, user_id", &[])? {
        map.entry(r.text(0)?).or_default().push((r.text(1)?, r.bool(2)?));
    }
    Ok(map)
}

/// Every flag in the snapshot shape (docs/protocol.md part C) for `user_id`:
/// all role targets, and only this user's own target.
pub fn snapshot_flags(c: &mut dyn Sql, user_id: &str) -> Result<Vec<Flag>> {
    let mut roles = role_targets(c)?;
    let own = user_targets_of(c, user_id)?;
    let mut flags = list(c)?;
    for f in &mut flags {
        let id = f.id.as_deref().unwrap_or_default();
        f.role_targets = roles.remove(id).unwrap_or_default();
        f.user_target = own.get(id).map(|&enabled| UserTarget { enabled });
    }
    Ok(flags)
}
