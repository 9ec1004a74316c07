//! PostgreSQL, for several server instances sharing one database.
//!
//! A small pool of connections (each with its prepared statements). Reads
//! run in a REPEATABLE READ transaction so that a snapshot's version and
//! flags come from one moment. Writes first lock the version row
//! (`SELECT … FOR UPDATE`), so writes from every instance take turns, as
//! SQLite's immediate transactions do, and versions commit in order.
//! Each change announces its version with `pg_notify` inside the same
//! transaction (see `stream::relay` for the listening side).

use super::sql::{Cell, DbError, DbErrorKind, Param, Row, Sql};
use super::migrations::MIGRATIONS;
use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, Config, IsolationLevel, NoTls, Statement};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The `LISTEN`/`NOTIFY` channel; the payload is the new version.
pub const CHANNEL: &str = "flaglive_changes";

/// How long a statement waits for a lock before giving up with
/// `storage_busy`, like SQLite's busy timeout.
const LOCK_TIMEOUT: &str = "5s";

type Result<T, E = DbError> = std::result::Result<T, E>;

pub struct Postgres {
    config: Config,
    pool: Vec<Mutex<Option<Conn>>>,
    next: AtomicUsize,
}

/// One connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Postgres {
    /// Connects to `url`, migrating the schema if needed, with `pool_size`
    /// connections (opened as they are first needed).
    pub fn open(url: &str, pool_size: usize) -> Result<Postgres> {
        let mut config: Config = url.parse().map_err(|e| DbError::other(format!("bad database URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("flaglive-server");
        }
        let pg = Postgres {
            config,
            pool: (0..pool_size.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        let mut client = pg.connect()?;
        migrate(&mut client)?;
        *pg.pool[0].lock().unwrap_or_else(|p| p.into_inner()) = Some(Conn { client, statements: HashMap::new() });
        Ok(pg)
    }

    /// A new connection with this server's session settings.
    pub fn connect(&self) -> Result<Client> {
        let mut client = self.config.connect(NoTls)?;
        client.batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'"))?;
        Ok(client)
    }

    /// A free pooled connection, or else the next one in turn.
    fn slot(&self) -> MutexGuard<'_, Option<Conn>> {
        for slot in &self.pool {
            if let Ok(guard) = slot.try_lock() {
                return guard;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        self.pool[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a live connection. A connection that was lost (database
    /// restarted, network cut) is replaced; `f` runs again once if the loss
    /// showed before it began its transaction (so the caller's own closure
    /// still runs at most once).
    fn with_conn<T, E: From<DbError>>(&self, mut f: impl FnMut(&mut Conn) -> Result<T, Attempt<E>>) -> Result<T, E> {
        let mut slot = self.slot();
        for retry in [true, false] {
            if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
                *slot = Some(Conn { client: self.connect()?, statements: HashMap::new() });
            }
            let conn = slot.as_mut().expect("connected above");
            match f(conn) {
                Ok(v) => return Ok(v),
                Err(Attempt::NotStarted(e)) if retry && e.kind == DbErrorKind::Unavailable => *slot = None,
                Err(Attempt::NotStarted(e)) => return Err(e.into()),
                Err(Attempt::Failed(e)) => return Err(e),
            }
        }
        unreachable!("the second attempt always returns")
    }

    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        self.with_conn(|conn| {
            let Conn { client, statements } = conn;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .start()
                .map_err(|e| Attempt::NotStarted(e.into()))?;
            let mut tx = Tx { tx, statements };
            let f = f.take().expect("runs once: a retry happens only before this point");
            let out = f(&mut tx).map_err(Attempt::Failed)?;
            tx.tx.commit().map_err(|e| Attempt::Failed(e.into()))?;
            Ok(out)
        })
    }

    pub fn transaction<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, E>) -> Result<T, E> {
        let mut f = Some(f);
        self.with_conn(|conn| {
            let Conn { client, statements } = conn;
            let tx = client.transaction().map_err(|e| Attempt::NotStarted(e.into()))?;
            let mut tx = Tx { tx, statements };
            // Writers take turns on the version row (see the module comment).
            tx.rows("SELECT value FROM meta WHERE key = 'version' FOR UPDATE", &[])
                .map_err(Attempt::NotStarted)?;
            let f = f.take().expect("runs once: a retry happens only before this point");
            let out = f(&mut tx).map_err(Attempt::Failed)?;
            tx.tx.commit().map_err(|e| Attempt::Failed(DbError::from(e).into()))?;
            Ok(out)
        })
    }
}

/// Whether a failure happened before anything could have been written.
enum Attempt<E> {
    NotStarted(DbError),
    Failed(E),
}

/// Applies the migrations not yet applied, counting them in
/// `flaglive_schema`. An advisory lock makes instances that start together
/// take turns.
fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7206218);
         CREATE TABLE IF NOT EXISTS flaglive_schema (migrations BIGINT NOT NULL);",
    )?;
    let done: i64 = match tx.query_opt("SELECT migrations FROM flaglive_schema", &[])? {
        Some(row) => row.get(0),
        None => {
            tx.execute("INSERT INTO flaglive_schema (migrations) VALUES (0)", &[])?;
            0
        }
    };
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        tx.batch_execute(&postgres_ddl(sql))?;
        tx.execute("UPDATE flaglive_schema SET migrations = $1", &[&(i as i64 + 1)])?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema's SQLite DDL in PostgreSQL's words. The only differences:
/// SQLite's INTEGER is 64-bit where PostgreSQL's is 32-bit, and SQLite
/// compares text bytewise, which PostgreSQL does with the "C" collation
/// (so that names sort the same in both).
pub fn postgres_ddl(sqlite: &str) -> String {
    let mut out = String::with_capacity(sqlite.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match word.as_str() {
            "INTEGER" => out.push_str("BIGINT"),
            "TEXT" => out.push_str("TEXT COLLATE \"C\""),
            w => out.push_str(w),
        }
        word.clear();
    };
    for ch in sqlite.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `?N` placeholders as PostgreSQL's `$N`.
fn placeholders(sql: &str) -> String {
    sql.replace('?', "$")
}

/// An open transaction and its connection's statement cache.
struct Tx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl Tx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(&placeholders(sql))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn bind<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// PostgreSQL text cannot hold NUL, which SQLite's can. The API refuses
/// NUL in what it stores and treats it as "no such row" in what it looks
/// up; this is the last guard, so that a missed case is a clear 422 and
/// never a 500.
fn check_text(params: &[Param]) -> Result<()> {
    if params.iter().any(|p| matches!(p, Param::Text(s) if s.contains('\0'))) {
        return Err(DbError::new(DbErrorKind::Invalid, "text with a NUL character cannot be stored"));
    }
    Ok(())
}

impl Sql for Tx<'_> {
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        check_text(params)?;
        let stmt = self.statement(sql)?;
        Ok(self.tx.execute(&stmt, &bind(params))?)
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        check_text(params)?;
        let stmt = self.statement(sql)?;
        let rows = self.tx.query(&stmt, &bind(params))?;
        rows.iter().map(to_row).collect()
    }

    fn notify_change(&mut self, version: u64) -> Result<()> {
        self.exec("SELECT pg_notify(?1, ?2)", &[Param::Text(CHANNEL), Param::Text(&version.to_string())])?;
        Ok(())
    }
}

fn to_row(r: &postgres::Row) -> Result<Row> {
    let mut cells = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let cell = if *ty == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
        } else if *ty == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME || *ty == Type::BPCHAR {
            r.try_get::<_, Option<String>>(i)?.map(Cell::Text)
        } else if *ty == Type::VOID {
            None
        } else {
            return Err(DbError::other(format!("column {i}: unexpected type {ty}")));
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) if *ty == Type::INT8 => v.to_sql(ty, out),
            Param::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Param::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Param::Int(v) if *ty == Type::BOOL => (v != 0).to_sql(ty, out),
            Param::Text(s) if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME || *ty == Type::BPCHAR => {
                s.to_sql(ty, out)
            }
            _ => Err(format!("a {self:?} parameter cannot be sent as {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, which knows the variant.
        true
    }

    postgres::types::to_sql_checked!();
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        let kind = match e.code() {
            Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::QUERY_CANCELED =>
            {
                DbErrorKind::Busy
            }
            Some(c) if *c == SqlState::DISK_FULL => DbErrorKind::Full,
            Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => DbErrorKind::ReadOnly,
            Some(c) if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::FOREIGN_KEY_VIOLATION => DbErrorKind::Constraint,
            Some(c) if c.code().starts_with("08") || c.code().starts_with("57P") || *c == SqlState::TOO_MANY_CONNECTIONS => {
                DbErrorKind::Unavailable
            }
            Some(_) => DbErrorKind::Other,
            // No SQLSTATE: the connection itself failed (refused, closed,
            // timed out), or a value did not convert.
            None if e.is_closed() || std::error::Error::source(&e).is_some_and(|c| c.is::<std::io::Error>()) => {
                DbErrorKind::Unavailable
            }
            None => DbErrorKind::Other,
        };
        // `Display` of a server error says only "db error"; the server's
        // own message is what an operator needs.
        let detail = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => match std::error::Error::source(&e) {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            },
        };
        DbError::new(kind, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_widens_integers_and_compares_text_bytewise() {
        assert_eq!(
            postgres_ddl("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL, texts TEXT);"),
            "CREATE TABLE t (id TEXT COLLATE \"C\" PRIMARY KEY, n BIGINT NOT NULL, texts TEXT COLLATE \"C\");"
        );
        assert_eq!(placeholders("a = ?1 AND b = ?12"), "a = $1 AND b = $12");
    }
}
