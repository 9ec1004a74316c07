//! Thin typed wrappers over the browser APIs the client uses: fetch, timers,
//! localStorage, visibility. Every failure becomes a value, never a panic.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

/// The global scope's `fetch`/`setTimeout` live on `globalThis` in windows
/// and workers alike.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: i32);
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Promise;
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Runs `f` once after `ms`; returns the timer id for [`cancel`].
pub fn after(ms: u32, f: impl FnOnce() + 'static) -> i32 {
    let handler = Closure::once_into_js(f);
    set_timeout(handler.unchecked_ref(), ms.min(i32::MAX as u32) as i32)
}

pub fn cancel(timer: i32) {
    clear_timeout(timer);
}

/// Runs `f` in a microtask: after the current JS task, before rendering.
pub fn microtask(f: impl FnOnce() + 'static) {
    wasm_bindgen_futures::spawn_local(async move { f() });
}

/// What a snapshot request ended with.
pub enum Fetched {
    Body { text: String, etag: Option<String> },
    NotModified,
    Unauthorized,
    /// Any other HTTP status.
    HttpError,
    /// No response at all (server down, CORS, offline).
    Network,
}

pub fn credentials_mode(name: &str) -> RequestCredentials {
    match name {
        "omit" => RequestCredentials::Omit,
        "same-origin" => RequestCredentials::SameOrigin,
        _ => RequestCredentials::Include,
    }
}

/// `GET url` as text, with `If-None-Match` when an ETag is known. Aborted
/// (as `Network`) when headers and body take longer than `timeout_ms`.
pub async fn get_text(url: &str, etag: Option<&str>, credentials: RequestCredentials, timeout_ms: u32) -> Fetched {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_credentials(credentials);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(timeout_ms)));
    if let Ok(headers) = web_sys::Headers::new() {
        let _ = headers.set("Accept", "application/json");
        if let Some(tag) = etag {
            let _ = headers.set("If-None-Match", tag);
        }
        init.set_headers(&headers);
    }
    let Ok(response) = JsFuture::from(fetch_with_init(url, &init)).await else { return Fetched::Network };
    let Ok(response) = response.dyn_into::<Response>() else { return Fetched::Network };
    match response.status() {
        200 => {
            let etag = response.headers().get("ETag").ok().flatten();
            let Ok(text) = response.text() else { return Fetched::Network };
            match JsFuture::from(text).await.ok().and_then(|t| t.as_string()) {
                Some(text) => Fetched::Body { text, etag },
                None => Fetched::Network,
            }
        }
        304 => Fetched::NotModified,
        401 => Fetched::Unauthorized,
        _ => Fetched::HttpError,
    }
}

/// localStorage, when the page has it and it works (private modes may
/// throw on access or on write).
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn storage_get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// False when the write failed (quota, disabled storage).
pub fn storage_set(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

pub fn storage_remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

pub fn document_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

/// Calls `f` on every `visibilitychange`; returns the closure to keep alive.
pub fn on_visibility_change(f: impl FnMut() + 'static) -> Option<Closure<dyn FnMut()>> {
    let document = web_sys::window()?.document()?;
    let closure = Closure::<dyn FnMut()>::new(f);
    document.add_event_listener_with_callback("visibilitychange", closure.as_ref().unchecked_ref()).ok()?;
    Some(closure)
}

pub fn remove_visibility_listener(closure: &Closure<dyn FnMut()>) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        let _ = d.remove_event_listener_with_callback("visibilitychange", closure.as_ref().unchecked_ref());
    }
}
