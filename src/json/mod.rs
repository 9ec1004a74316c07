//! JSON for the core, without serde_json (the browser build has none).
//! Its parts depend in one direction: [`value`] (an owned value) <-
//! [`doc`] (a parsed document and reading it) <- [`parse`] (text to a
//! document); [`write`] (text out) uses only [`value`]. Every number is
//! written by one rule, [`value::is_integer`].

pub mod doc;
pub mod parse;
pub mod value;
pub mod write;

pub use doc::{Doc, Json, Kind};
pub use parse::{parse, parse_doc, ParseError};
pub use value::{Map, Value};
