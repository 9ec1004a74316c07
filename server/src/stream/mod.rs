//! The live stream: the hub fans changes out to connections; `sse` renders
//! them for one connection (part D or part B compat).

pub mod hub;
pub mod sse;
