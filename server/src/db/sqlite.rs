//! SQLite, the embedded default: one connection behind a mutex (SQLite
//! writes one transaction at a time anyway), WAL journal, migrations
//! counted in `PRAGMA user_version`.

use super::sql::{Cell, DbError, DbErrorKind, Param, Row, Sql};
use super::migrations::MIGRATIONS;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Mutex;

pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Sqlite, DbError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn)?;
        Ok(Sqlite { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open
        // (it rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        f(&mut &*conn)
    }

    pub fn transaction<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.lock();
        // Take the write lock first: a lock held elsewhere (a backup, another
        // tool) is waited for up to the busy timeout (5 s) instead of failing
        // at once when this transaction upgrades from reading to writing.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(DbError::from)?;
        // An error drops `tx`, which rolls everything back.
        let out = f(&mut &*tx)?;
        tx.commit().map_err(DbError::from)?;
        Ok(out)
    }
}

type Result<T, E = DbError> = std::result::Result<T, E>;

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

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(v)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl Sql for &Connection {
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        let mut stmt = self.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let mut stmt = self.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    other => return Err(DbError::other(format!("unexpected column type {:?}", other.data_type()))),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        use rusqlite::ErrorCode::*;
        let kind = match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => DbErrorKind::Busy,
            Some(DiskFull) => DbErrorKind::Full,
            Some(ReadOnly | CannotOpen | PermissionDenied) => DbErrorKind::ReadOnly,
            Some(ConstraintViolation) => DbErrorKind::Constraint,
            _ => DbErrorKind::Other,
        };
        DbError::new(kind, e.to_string())
    }
}
