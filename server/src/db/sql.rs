//! The one SQL interface the storage modules are written against, so that
//! every query exists once for SQLite and PostgreSQL alike.
//!
//! Queries use SQLite's `?N` placeholders; the PostgreSQL side rewrites
//! them to `$N`. Values are only integers, text and NULL (booleans are
//! stored as 0/1 in both databases), which is all the schema uses.

use std::fmt;

/// A query parameter.
#[derive(Clone, Copy, Debug)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(v as i64)
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Param::Null, Param::Text)
    }
}
impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// `params![a, b]`: a slice of [`Param`]s.
#[macro_export]
macro_rules! params {
    ($($p:expr),* $(,)?) => { &[$($crate::db::sql::Param::from($p)),*][..] };
}

/// One result cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// One result row, read by column index.
#[derive(Clone, Debug, Default)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell, DbError> {
        self.0.get(i).ok_or_else(|| DbError::other(format!("no column {i}")))
    }
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.cell(i)? {
            Cell::Int(v) => Ok(*v),
            other => Err(DbError::other(format!("column {i}: expected an integer, found {other:?}"))),
        }
    }
    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        self.int(i).map(|v| v != 0)
    }
    pub fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?.ok_or_else(|| DbError::other(format!("column {i}: unexpected NULL")))
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s.clone())),
            other => Err(DbError::other(format!("column {i}: expected text, found {other:?}"))),
        }
    }
}

/// A connection or an open transaction of either database.
pub trait Sql {
    /// Runs a statement; returns the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, DbError>;
    /// Runs a query; returns every row.
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, DbError>;
    /// The first row, if any.
    fn row(&mut self, sql: &str, params: &[Param]) -> Result<Option<Row>, DbError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
    /// Tells the other server instances, when this transaction commits,
    /// that `version` is committed (PostgreSQL `NOTIFY`). SQLite has a
    /// single server, so nothing to do there.
    fn notify_change(&mut self, _version: u64) -> Result<(), DbError> {
        Ok(())
    }
}

/// What went wrong, sorted by what a caller (and the API) can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// Locked by someone else for too long: try again.
    Busy,
    /// The disk is full.
    Full,
    /// The database refuses writes.
    ReadOnly,
    /// The database cannot be reached (PostgreSQL down, connection lost).
    Unavailable,
    /// A uniqueness or reference constraint.
    Constraint,
    /// A value this database cannot store (PostgreSQL: NUL in text).
    Invalid,
    Other,
}

#[derive(Clone, Debug)]
pub struct DbError {
    pub kind: DbErrorKind,
    /// The driver's own words, for the server log.
    pub detail: String,
}

impl DbError {
    pub fn new(kind: DbErrorKind, detail: impl Into<String>) -> DbError {
        DbError { kind, detail: detail.into() }
    }
    pub fn other(detail: impl Into<String>) -> DbError {
        DbError::new(DbErrorKind::Other, detail)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)
    }
}

impl std::error::Error for DbError {}

pub type Result<T, E = DbError> = std::result::Result<T, E>;
