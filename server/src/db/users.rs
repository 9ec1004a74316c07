//! Users and login sessions.

use super::sql::{Result, Row, Sql};
use crate::{ids, params};
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

fn to_user(r: &Row) -> Result<User> {
    Ok(User {
        id: r.text(0)?,
        username: r.text(1)?,
        role: r.text(2)?,
        organization_id: r.opt_text(3)?,
        customer_id: r.opt_text(4)?,
    })
}

pub fn insert(c: &mut dyn Sql, user: &User, password_hash: &str) -> Result<()> {
    c.exec(
        &format!("INSERT INTO users ({COLUMNS}, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![&user.id, &user.username, &user.role, &user.organization_id, &user.customer_id, password_hash],
    )?;
    Ok(())
}

/// The user and their password hash, by username.
pub fn find_for_login(c: &mut dyn Sql, username: &str) -> Result<Option<(User, String)>> {
    if username.chars().any(char::is_control) {
        return Ok(None); // `validate_key` never stored such a name
    }
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = ?1");
    match c.row(&sql, params![username])? {
        Some(r) => Ok(Some((to_user(&r)?, r.text(5)?))),
        None => Ok(None),
    }
}

pub fn list(c: &mut dyn Sql) -> Result<Vec<User>> {
    c.rows(&format!("SELECT {COLUMNS} FROM users ORDER BY username"), &[])?.iter().map(to_user).collect()
}

pub fn count(c: &mut dyn Sql) -> Result<i64> {
    c.row("SELECT COUNT(*) FROM users", &[])?.map_or(Ok(0), |r| r.int(0))
}

/// Starts a session; returns the token for the cookie (only its hash is stored).
pub fn create_session(c: &mut dyn Sql, user_id: &str, expires_at_ms: i64) -> Result<String> {
    let token = ids::new_token();
    c.exec(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![&ids::token_hash(&token), user_id, expires_at_ms],
    )?;
    Ok(token)
}

/// The user of an unexpired session.
pub fn session_user(c: &mut dyn Sql, token: &str, now_ms: i64) -> Result<Option<User>> {
    let sql = "SELECT u.id, u.username, u.role, u.organization_id, u.customer_id
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.token_hash = ?1 AND s.expires_at > ?2";
    c.row(sql, params![&ids::token_hash(token), now_ms])?.as_ref().map(to_user).transpose()
}

pub fn delete_session(c: &mut dyn Sql, token: &str) -> Result<()> {
    c.exec("DELETE FROM sessions WHERE token_hash = ?1", params![&ids::token_hash(token)])?;
    c.exec("DELETE FROM sessions WHERE expires_at <= ?1", params![crate::time::now_ms()])?;
    Ok(())
}
