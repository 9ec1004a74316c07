//! Admin API tokens: only their hash is stored; the secret is shown once.

use super::sql::{Result, Row, Sql};
use crate::params;
use serde::Serialize;

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    /// `"read"` (GET only) or `"admin"`.
    pub scope: String,
    pub created_at: i64,
    pub created_by: String,
}

const COLUMNS: &str = "id, name, scope, created_at, created_by";

fn to_token(r: &Row) -> Result<ApiToken> {
    Ok(ApiToken { id: r.text(0)?, name: r.text(1)?, scope: r.text(2)?, created_at: r.int(3)?, created_by: r.text(4)? })
}

pub fn insert(c: &mut dyn Sql, t: &ApiToken, token_hash: &str) -> Result<()> {
    c.exec(
        &format!("INSERT INTO api_tokens ({COLUMNS}, token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        params![&t.id, &t.name, &t.scope, t.created_at, &t.created_by, token_hash],
    )?;
    Ok(())
}

pub fn list(c: &mut dyn Sql) -> Result<Vec<ApiToken>> {
    c.rows(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY created_at, id"), &[])?.iter().map(to_token).collect()
}

pub fn by_hash(c: &mut dyn Sql, token_hash: &str) -> Result<Option<ApiToken>> {
    let row = c.row(&format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = ?1"), params![token_hash])?;
    row.as_ref().map(to_token).transpose()
}

/// Whether a token with `id` existed.
pub fn delete(c: &mut dyn Sql, id: &str) -> Result<bool> {
    Ok(c.exec("DELETE FROM api_tokens WHERE id = ?1", params![id])? > 0)
}
