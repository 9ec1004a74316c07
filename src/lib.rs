//! flaglive: feature flags evaluated in the browser exactly as the server
//! evaluates them.
//!
//! The core (everything but [`wasm`]) is pure Rust with no web dependency, so
//! the reference server and native tests use the very same rules. The `wasm`
//! module is the npm package's thin browser binding (feature `raw-exports`);
//! Rust frontends use the `flaglive-web` crate instead.

pub mod config;
pub mod decode;
pub mod engine;
pub mod event;
pub mod flag;
pub mod flag_table;
pub mod hash;
pub mod json;
pub mod name_index;
pub mod rules;
pub mod snapshot;
pub mod store;
pub mod variant;

#[cfg(all(target_arch = "wasm32", feature = "raw-exports"))]
pub mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "js-host"))]
mod wasm_alloc;

pub use flag::{Flag, RoleTarget, Strategy, UserTarget};
pub use hash::bucket;
pub use rules::{evaluate, Context, Evaluation, Reason};
pub use snapshot::{Snapshot, SnapshotError, SnapshotUser};
pub use variant::choose_variant;
