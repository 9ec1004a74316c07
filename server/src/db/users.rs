//! Users and login sessions.

use crate::ids;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: String,
    pub organization_id: Option<String>,
    pub customer_id: Option<String>,
}

const COLUMNS: &str = "id, username, role, organization_id, customer_id";

fn row_to_user(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: r.get(2)?,
        organization_id: r.get(3)?,
        customer_id: r.get(4)?,
    })
}

pub fn insert(conn: &Connection, user: &User, password_hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO users ({COLUMNS}, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![user.id, user.username, user.role, user.organization_id, user.customer_id, password_hash],
    )?;
    Ok(())
}

/// The user and their password hash, by username.
pub fn find_for_login(conn: &Connection, username: &str) -> rusqlite::Result<Option<(User, String)>> {
    conn.query_row(
        &format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1"),
        [username],
        |r| Ok((row_to_user(r)?, r.get(5)?)),
    )
    .optional()
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<User>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))?;
    let rows = stmt.query_map([], row_to_user)?;
    rows.collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
}

/// Starts a session; returns the token for the cookie (only its hash is stored).
pub fn create_session(conn: &Connection, user_id: &str, expires_at_ms: i64) -> rusqlite::Result<String> {
    let token = ids::new_token();
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![ids::token_hash(&token), user_id, expires_at_ms],
    )?;
    Ok(token)
}

/// The user of an unexpired session.
pub fn session_user(conn: &Connection, token: &str, now_ms: i64) -> rusqlite::Result<Option<User>> {
    let sql = "SELECT u.id, u.username, u.role, u.organization_id, u.customer_id
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.token_hash = ?1 AND s.expires_at > ?2";
    conn.prepare_cached(sql)?.query_row(params![ids::token_hash(token), now_ms], row_to_user).optional()
}

pub fn delete_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [ids::token_hash(token)])?;
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [crate::time::now_ms()])?;
    Ok(())
}
