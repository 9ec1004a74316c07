//! flaglive for Rust frontends: the same core the npm package runs (one
//! [`flaglive::store::Store`] per client: rules, hashing, wire format),
//! with its browser I/O written on wasm-bindgen, web-sys, js-sys,
//! wasm-bindgen-futures and gloo-net, the crates a Leptos, Dioxus or Yew app
//! already ships. It behaves as the JS client (`pkg-template/`) is
//! documented to: one snapshot request with ETag, one live stream per page
//! shared by its clients, backoff, a watchdog for silent and held streams,
//! hidden-tab close, the offline cache, overrides and exposures.
//!
//! ```ignore
//! let flags = FlagClient::new(Options::new("https://flags.example.com"));
//! flags.subscribe(|change, _status| log(&change.names));
//! flags.ready().await?;
//! if flags.is_enabled("new_dashboard") { ... }
//! ```
//!
//! Off the browser (a server rendering Leptos) a client only shows the
//! snapshot text it is given (`Options::bootstrap`), with no I/O.

// Off the browser the I/O tunables and message handling go unused.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod options;
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod state;
mod status;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod floats;
#[cfg(target_arch = "wasm32")]
mod storage;
#[cfg(target_arch = "wasm32")]
mod stream;
#[cfg(target_arch = "wasm32")]
mod timer;
#[cfg(not(target_arch = "wasm32"))]
mod offline;

#[cfg(feature = "leptos")]
pub mod leptos;

#[cfg(target_arch = "wasm32")]
pub use client::{Exposure, FlagClient};
#[cfg(not(target_arch = "wasm32"))]
pub use offline::{Exposure, FlagClient};
pub use options::{Options, Token};
pub use state::{Change, FlagValue, Override, Reads};
pub use status::Status;
