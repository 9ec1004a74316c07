//! Storage: SQLite (embedded, the default) or PostgreSQL (several server
//! instances on one database). Every query is written once, against
//! [`sql::Sql`]; every mutation runs in one transaction together with its
//! version bump and change-log row (see `service`).

pub mod audit;
pub mod changes;
pub mod config;
pub mod flags;
pub mod migrations;
pub mod postgres;
pub mod sql;
pub mod sqlite;
pub mod tokens;
pub mod users;

use sql::{DbError, Sql};
use std::path::PathBuf;

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
