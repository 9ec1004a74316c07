//! The live stream: the hub fans changes out to connections; `sse` renders
//! them for one connection (part D or part B compat); `relay` brings
//! committed changes (this instance's and other instances') to the hub.

pub mod hub;
pub mod relay;
pub mod sessions;
pub mod sse;
