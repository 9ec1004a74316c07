//! Leptos bindings (feature `leptos`, Leptos 0.8): the client's reads as
//! signals. `provide_flags` creates the client (in the browser) and keeps
//! one [`Reads`] of it and its status in signals, renewed on every change;
//! the hooks derive from them, so a component re-renders when, and only
//! when, what it read changed.
//!
//! Server rendering: off the browser the client only shows the snapshot text
//! given as `Options::bootstrap` (no fetch). Pass the browser the same text
//! (the app's own serialized props) and it renders the same values while
//! hydrating; the client then reads the network and follows the stream.
//!
//! ```ignore
//! #[component]
//! fn App() -> impl IntoView {
//!     provide_flags(Options::new(""));
//!     let promo = use_flag("promo_banner");
//!     let pricing = use_variant("pricing_page", &["control", "annual"]);
//!     view! { <Show when=move || promo.get()><p>"Spring sale"</p></Show><p>{pricing}</p> }
//! }
//! ```

use std::sync::Arc;

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::options::Options;
use crate::state::Reads;
use crate::status::Status;
use crate::FlagClient;

/// What `provide_flags` puts in context: the client's reads and status.
#[derive(Clone, Copy)]
pub struct Flags {
    pub reads: RwSignal<Arc<Reads>>,
    pub status: RwSignal<Status>,
}

/// Creates a flag client for this part of the tree and provides its values;
/// the client closes when the owner is cleaned up. Returns the signals.
pub fn provide_flags(options: Options) -> Flags {
    let client = FlagClient::new(options);
    let flags = Flags { reads: RwSignal::new(Arc::new(client.reads())), status: RwSignal::new(client.status()) };
    provide_context(flags);
    // The client is not Send (browser objects): it lives on this thread,
    // which is the only one a browser app has.
    let reader = send_wrapper::SendWrapper::new(client.clone());
    client.subscribe(move |_, status| {
        flags.reads.try_set(Arc::new(reader.reads()));
        if let Some(s) = status {
            flags.status.try_set(s);
        }
    });
    let closer = send_wrapper::SendWrapper::new(client);
    on_cleanup(move || closer.close());
    flags
}

fn flags() -> Flags {
    use_context::<Flags>().expect("flaglive: call provide_flags() in a component above this one")
}

/// Whether a flag is on (false before flags load, or if it does not exist).
pub fn use_flag(name: impl Into<String>) -> Signal<bool> {
    let name = name.into();
    let reads = flags().reads;
    Signal::derive(move || reads.with(|r| r.value(&name).enabled))
}

/// The variant of A/B test `test` (docs/protocol.md part A): the first of
/// `variants` whose flag `test_variant` is on, else the first.
pub fn use_variant(test: impl Into<String>, variants: &[&str]) -> Signal<String> {
    let test = test.into();
    let variants: Vec<String> = variants.iter().map(|v| (*v).to_owned()).collect();
    let reads = flags().reads;
    Signal::derive(move || reads.with(|r| r.variant(&test, &variants, None).map(str::to_owned).unwrap_or_default()))
}

/// The configuration at the dotted `path` as `T` (`None`: none there, or not a `T`).
pub fn use_config<T>(path: impl Into<String>) -> Signal<Option<T>>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    let path = path.into();
    let reads = flags().reads;
    Signal::derive(move || reads.with(|r| r.config::<T>(&path)))
}

/// The client's status: `Loading` until flags are in, `Ready` when live.
pub fn use_flags_status() -> Signal<Status> {
    flags().status.into()
}
