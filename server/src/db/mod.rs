//! Storage: SQLite (embedded, the default) or PostgreSQL (several server
//! instances on one database). Every query is written once, against
//! [`sql::Sql`]; every mutation runs in one transaction together with its
//! version bump and change-log row (see `service`).

pub mod changes;
pub mod config;
pub mod flags;
pub mod postgres;
pub mod sql;
pub mod sqlite;
pub mod users;

use sql::{DbError, Sql};
use std::path::PathBuf;

/// Schema migrations, applied in order and counted (SQLite: `PRAGMA
/// user_version`; PostgreSQL: the `flaglive_schema` table). Written in
/// SQLite's words; `postgres::postgres_ddl` translates. Append only.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('version', 0);
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        organization_id TEXT,
        customer_id TEXT
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE flags (
        id TEXT PRIMARY KEY,
        flag_name TEXT NOT NULL UNIQUE,
        description TEXT,
        enabled INTEGER NOT NULL,
        rollout_strategy TEXT NOT NULL,
        rollout_percentage INTEGER NOT NULL,
        metadata TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE user_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, user_id)
    );
    CREATE INDEX user_targets_by_user ON user_targets (user_id);
    CREATE TABLE role_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, role)
    );
    CREATE TABLE config_layers (
        layer TEXT NOT NULL,
        scope TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (layer, scope)
    );
    CREATE TABLE changes (
        version INTEGER PRIMARY KEY,
        audience TEXT NOT NULL,
        audience_id TEXT,
        message TEXT NOT NULL,
        compat TEXT
    );
"#, r#"
    ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
    UPDATE sessions SET last_seen = expires_at - 2592000000;
"#];

/// Where the data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file, created on first start.
    Sqlite(PathBuf),
    /// A `postgres://` URL, and how many connections this instance opens.
    Postgres { url: String, pool: usize },
}

impl Location {
    /// A PostgreSQL location, if `url` is a `postgres://` or
    /// `postgresql://` URL.
    pub fn postgres(url: &str, pool: usize) -> Option<Location> {
        (url.starts_with("postgres://") || url.starts_with("postgresql://"))
            .then(|| Location::Postgres { url: url.to_owned(), pool })
    }

    /// For logs: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres { url, .. } => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let userinfo = &url[scheme + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{}{user}{}", &url[..scheme + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

pub enum Db {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Db {
    /// Opens the database, creating and migrating it if needed. Blocking:
    /// call from a blocking thread, not from async code.
    pub fn open(location: &Location) -> Result<Db, DbError> {
        Ok(match location {
            Location::Sqlite(path) => Db::Sqlite(sqlite::Sqlite::open(path)?),
            Location::Postgres { url, pool } => Db::Postgres(postgres::Postgres::open(url, *pool)?),
        })
    }

    /// Whether other server instances may share this database.
    pub fn is_shared(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Runs reads (and single-statement writes such as sessions) that need
    /// no version bump. Blocking.
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, DbError>) -> Result<T, DbError> {
        match self {
            Db::Sqlite(db) => db.read(f),
            Db::Postgres(db) => db.read(f),
        }
    }

    /// Runs `f` in a write transaction: committed if it returns `Ok`,
    /// rolled back otherwise. Writers take turns. Blocking.
    pub fn transaction<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T, E>) -> Result<T, E> {
        match self {
            Db::Sqlite(db) => db.transaction(f),
            Db::Postgres(db) => db.transaction(f),
        }
    }
}
