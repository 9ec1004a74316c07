//! The live stream: the hub fans changes out to connections; `sse` renders
//! them for one connection (part D or part B compat); `relay` brings
//! committed changes (this instance's and other instances') to the hub;
//! `listener` hears other instances' commits (PostgreSQL).

pub mod hub;
pub mod listener;
pub mod relay;
pub mod sessions;
pub mod sse;
