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

/// How long a session lives: at most until `expires_at`, and only while it
/// is used at least every `idle_ms`.
#[derive(Clone, Copy, Debug)]
pub struct SessionLife {
    pub now_ms: i64,
    pub idle_ms: i64,
}

impl SessionLife {
    /// Now, with sessions going idle after `idle`.
    pub fn now(idle: std::time::Duration) -> SessionLife {
        SessionLife { now_ms: crate::time::now_ms(), idle_ms: idle.as_millis() as i64 }
    }

    /// Sessions last seen before this are over.
    fn idle_since(self) -> i64 {
        self.now_ms - self.idle_ms
    }

    /// Whether a session last seen at `last_seen` should be marked as seen
    /// now (not on every request: at most once a minute, or a quarter of the
    /// idle timeout).
    pub fn stale(self, last_seen: i64) -> bool {
        last_seen < self.now_ms - (self.idle_ms / 4).min(60_000)
    }
}

/// Starts a session; returns the token for the cookie (only its hash is
/// stored). Sessions that are over (expired or idle) are deleted meanwhile.
pub fn create_session(c: &mut dyn Sql, user_id: &str, expires_at_ms: i64, life: SessionLife) -> Result<String> {
    let token = ids::new_token();
    c.exec(
        "INSERT INTO sessions (token_hash, user_id, expires_at, last_seen) VALUES (?1, ?2, ?3, ?4)",
        params![&ids::token_hash(&token), user_id, expires_at_ms, life.now_ms],
    )?;
    c.exec("DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen <= ?2", params![life.now_ms, life.idle_since()])?;
    Ok(token)
}

/// The user of a live session (by its token's hash), and whether to mark
/// the session as seen ([`touch_sessions`]).
pub fn session_user(c: &mut dyn Sql, token_hash: &str, life: SessionLife) -> Result<Option<(User, bool)>> {
    let sql = "SELECT u.id, u.username, u.role, u.organization_id, u.customer_id, s.last_seen
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen > ?3";
    let Some(row) = c.row(sql, params![token_hash, life.now_ms, life.idle_since()])? else { return Ok(None) };
    let stale = life.stale(row.int(5)?);
    Ok(Some((to_user(&row)?, stale)))
}

/// Marks sessions (by token hash) as seen now.
pub fn touch_sessions(c: &mut dyn Sql, token_hashes: &[String], now_ms: i64) -> Result<()> {
    for hash in token_hashes {
        c.exec("UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1 AND last_seen < ?2", params![hash.as_str(), now_ms])?;
    }
    Ok(())
}

/// What a stream's messages depend on: who the user is, and the role,
/// organization and customer its targets and config are chosen by.
pub fn audience_key(u: &User) -> String {
    let or_none = |s: &Option<String>| s.clone().unwrap_or_default();
    [u.id.clone(), u.role.clone(), or_none(&u.organization_id), or_none(&u.customer_id)].join("\n")
}

/// Of `token_hashes`, the live sessions with their user's [`audience_key`]
/// now, and which of them to mark as seen (point queries: the streams of
/// one instance have few distinct sessions).
pub fn live_sessions(
    c: &mut dyn Sql,
    token_hashes: &[String],
    life: SessionLife,
) -> Result<(std::collections::HashMap<String, String>, Vec<String>)> {
    let (mut live, mut stale) = (std::collections::HashMap::new(), Vec::new());
    for hash in token_hashes {
        if let Some((user, is_stale)) = session_user(c, hash, life)? {
            if is_stale {
                stale.push(hash.clone());
            }
            live.insert(hash.clone(), audience_key(&user));
        }
    }
    Ok((live, stale))
}

pub fn delete_session(c: &mut dyn Sql, token: &str) -> Result<()> {
    c.exec("DELETE FROM sessions WHERE token_hash = ?1", params![&ids::token_hash(token)])?;
    c.exec("DELETE FROM sessions WHERE expires_at <= ?1", params![crate::time::now_ms()])?;
    Ok(())
}

/// The password hash of users known only from tokens: no password matches it.
pub const NO_PASSWORD: &str = "!token-only";

/// Why a token's user cannot be stored.
#[derive(Debug)]
pub enum IdentityError {
    /// Another user (another id) has the token's `sub` as username.
    UsernameTaken,
    Db(super::sql::DbError),
}

impl From<super::sql::DbError> for IdentityError {
    fn from(e: super::sql::DbError) -> Self {
        IdentityError::Db(e)
    }
}

/// The user a token names, created (username = id, no password) or
/// brought up to the token's role, organization and customer: the app that
/// signs the token is where users live. Run in a transaction.
pub fn upsert_identity(c: &mut dyn Sql, wanted: &User) -> std::result::Result<User, IdentityError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    match c.row(&sql, params![&wanted.id])? {
        Some(row) => {
            let mut user = to_user(&row)?;
            if (&user.role, &user.organization_id, &user.customer_id) != (&wanted.role, &wanted.organization_id, &wanted.customer_id) {
                c.exec(
                    "UPDATE users SET role = ?2, organization_id = ?3, customer_id = ?4 WHERE id = ?1",
                    params![&wanted.id, &wanted.role, &wanted.organization_id, &wanted.customer_id],
                )?;
                user.role.clone_from(&wanted.role);
                user.organization_id.clone_from(&wanted.organization_id);
                user.customer_id.clone_from(&wanted.customer_id);
            }
            Ok(user)
        }
        None => {
            if find_for_login(c, &wanted.username)?.is_some() {
                return Err(IdentityError::UsernameTaken);
            }
            insert(c, wanted, NO_PASSWORD)?;
            Ok(wanted.clone())
        }
    }
}

/// A session under a given token hash (a bearer token's own, so that each
/// token is one session however often it is shown), made if missing and
/// marked as seen.
pub fn ensure_session(c: &mut dyn Sql, token_hash: &str, user_id: &str, expires_at_ms: i64, now_ms: i64) -> Result<()> {
    c.exec(
        "INSERT INTO sessions (token_hash, user_id, expires_at, last_seen) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (token_hash) DO UPDATE SET last_seen = ?4",
        params![token_hash, user_id, expires_at_ms, now_ms],
    )?;
    Ok(())
}
