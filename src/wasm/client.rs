//! `FlagClient`, the class a page creates once. Reads are local and
//! synchronous; the network work lives in `sync`.

use super::browser;
use super::cache;
use super::convert::{evaluation_to_js, optional_string_arg, string_list_arg, value_to_js};
use super::source;
use super::state::{Inner, Options, Shared, Status};
use super::sync;
use crate::json::Value;
use crate::read::{Fields, FromValue, ReadError};
use crate::Snapshot;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Options as JS passes them (`new FlagClient({ baseUrl, ... })`).
struct JsOptions {
    base_url: String,
    credentials: Option<String>,
    bootstrap: Option<Snapshot>,
    cache: Option<bool>,
    /// Whose cached flags to show at start; default: the last user seen.
    user_id: Option<String>,
    streaming: Option<bool>,
    resync_debounce_ms: Option<u32>,
    hidden_close_ms: Option<u32>,
    request_timeout_ms: Option<u32>,
    stream_timeout_ms: Option<u32>,
}

impl FromValue for JsOptions {
    fn from_value(v: &Value) -> Result<JsOptions, ReadError> {
        let f = Fields::of(v)?;
        Ok(JsOptions {
            base_url: f.opt_string("baseUrl")?.unwrap_or_default(),
            credentials: f.opt_string("credentials")?,
            // A snapshot object, or its JSON text (e.g. embedded by the server).
            bootstrap: match f.get("bootstrap") {
                None => None,
                Some(Value::String(text)) => Some(
                    crate::json_text::parse(text)
                        .map_err(ReadError::from)
                        .and_then(|v| Snapshot::from_value(&v))
                        .map_err(|e| e.in_field("bootstrap"))?,
                ),
                Some(v) => Some(Snapshot::from_value(v).map_err(|e| e.in_field("bootstrap"))?),
            },
            cache: f.opt_bool("cache")?,
            user_id: f.opt_string("userId")?,
            streaming: f.opt_bool("streaming")?,
            resync_debounce_ms: millis(&f, "resyncDebounceMs")?,
            hidden_close_ms: millis(&f, "hiddenCloseMs")?,
            request_timeout_ms: millis(&f, "requestTimeoutMs")?,
            stream_timeout_ms: millis(&f, "streamTimeoutMs")?,
        })
    }
}

/// A whole, non-negative number of milliseconds (absent or `null`: `None`).
fn millis(f: &Fields, key: &'static str) -> Result<Option<u32>, ReadError> {
    match f.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) if *n >= 0.0 && *n <= f64::from(u32::MAX) && n.fract() == 0.0 => Ok(Some(*n as u32)),
        Some(_) => Err(ReadError { field: Some(key), problem: "must be a whole number of milliseconds", found: None }),
    }
}

#[wasm_bindgen]
pub struct FlagClient {
    shared: Shared,
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

#[wasm_bindgen]
impl FlagClient {
    /// Starts loading at once: bootstrap or cache first (status `stale`),
    /// then the snapshot, then the live stream.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<FlagClient, JsValue> {
        let o = JsOptions::from_value(&super::js_value::to_value(&options)).map_err(|e| {
            let mut m = String::from("flaglive.FlagClient: invalid options: ");
            m.push_str(&e.message());
            type_error(&m)
        })?;
        let base = o.base_url.trim_end_matches('/').to_owned();
        let credentials = o.credentials.as_deref().unwrap_or("include");
        let shared: Shared = Rc::new(RefCell::new(Inner::new(Options {
            credentials: browser::credentials_mode(credentials),
            with_credentials: credentials == "include",
            streaming: o.streaming.unwrap_or(true),
            cache: o.cache.unwrap_or(true),
            resync_debounce_ms: o.resync_debounce_ms.unwrap_or(300),
            hidden_close_ms: o.hidden_close_ms.unwrap_or(60_000),
            // A stalled proxy must not hold the snapshot request forever.
            request_timeout_ms: o.request_timeout_ms.unwrap_or(10_000).max(1),
            // Servers ping every 30 s (PROTOCOL.md): 75 s of silence is a
            // stalled stream, not a quiet one.
            stream_timeout_ms: o.stream_timeout_ms.unwrap_or(75_000).max(1),
            base,
        })));
        {
            let mut s = shared.borrow_mut();
            if let Some(snapshot) = o.bootstrap {
                s.store.apply_snapshot(snapshot);
                s.status = Status::Stale;
            } else if s.opts.cache {
                if let Some((user, text)) = cache::load(&s.opts.base, o.user_id.as_deref()) {
                    drop(s);
                    if sync::apply_snapshot_text(&shared, &text, false) {
                        shared.borrow_mut().status = Status::Stale;
                    } else {
                        cache::forget(&shared.borrow().opts.base, &user); // corrupt: drop it
                    }
                }
            }
        }
        let weak = Rc::downgrade(&shared);
        let listener = browser::on_visibility_change(move || {
            if let Some(shared) = weak.upgrade() {
                sync::on_visibility(&shared);
            }
        });
        shared.borrow_mut().visibility = listener;
        sync::refresh(&shared);
        Ok(FlagClient { shared })
    }

    /// Resolves when flags are usable (network, bootstrap or cache);
    /// rejects with the reason when the first attempt fails without any.
    pub fn ready(&self) -> Promise {
        let shared = self.shared.clone();
        Promise::new(&mut |resolve, reject| {
            let mut s = shared.borrow_mut();
            if s.store.is_loaded() {
                drop(s);
                let _ = resolve.call0(&JsValue::NULL);
            } else if matches!(s.status, Status::Unauthorized | Status::Error) && s.fetching.is_none() {
                let error = js_sys::Error::new(s.last_error.as_deref().unwrap_or("flaglive: flags are not available"));
                drop(s);
                let _ = reject.call1(&JsValue::NULL, &error);
            } else {
                s.add_ready_waiter(resolve, reject);
            }
        })
    }

    /// `loading`, `ready`, `stale`, `unauthorized` or `error`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.shared.borrow().status.as_str().to_owned()
    }

    /// The last problem, in words, or `undefined`.
    #[wasm_bindgen(getter, js_name = lastError)]
    pub fn last_error(&self) -> Option<String> {
        self.shared.borrow().last_error.clone()
    }

    /// The snapshot version the flags are at, if the server sends versions.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> Option<f64> {
        self.shared.borrow().store.version().map(|v| v as f64)
    }

    /// How many times the (shared) stream was opened again after the first time.
    #[wasm_bindgen(getter)]
    pub fn reconnects(&self) -> u32 {
        self.shared.borrow().source.as_ref().map_or(0, source::reconnects)
    }

    /// Whether a flag is on for this user; `fallback` until flags are loaded.
    #[wasm_bindgen(js_name = isEnabled)]
    pub fn is_enabled(&self, name: &str, fallback: Option<bool>) -> bool {
        self.shared.borrow().store.is_enabled(name).unwrap_or(fallback.unwrap_or(false))
    }

    /// `{ enabled, reason }` for this user.
    pub fn evaluate(&self, name: &str) -> JsValue {
        evaluation_to_js(self.shared.borrow().store.evaluation(name))
    }

    /// The A/B variant of `testName` (first enabled `${testName}_${v}`),
    /// else `defaultVariant`, else the first variant.
    pub fn variant(&self, test_name: &str, variants: JsValue, default_variant: JsValue) -> Result<Option<String>, JsValue> {
        let variants = string_list_arg(&variants, "flaglive.variant: variants must be an array of strings")?;
        let default = optional_string_arg(&default_variant, "flaglive.variant: defaultVariant must be a string if given")?;
        Ok(self.shared.borrow().store.variant(test_name, &variants, default.as_deref()).map(str::to_owned))
    }

    /// `{ [flagName]: { enabled, reason } }` for every flag.
    #[wasm_bindgen(js_name = allFlags)]
    pub fn all_flags(&self) -> JsValue {
        let all = Object::new();
        for (name, e) in self.shared.borrow().store.evaluations() {
            let _ = Reflect::set(&all, &JsValue::from_str(name), &evaluation_to_js(e));
        }
        all.into()
    }

    /// The resolved configuration (part E) at a dotted `path` (all of it
    /// without one) as `{ value, source }`; `undefined` when absent.
    pub fn config(&self, path: Option<String>) -> JsValue {
        let s = self.shared.borrow();
        let Some((value, source)) = s.store.config() else { return JsValue::UNDEFINED };
        let Some(at) = value.pointer(path.as_deref().unwrap_or("")) else { return JsValue::UNDEFINED };
        let result = Object::new();
        let _ = Reflect::set(&result, &"value".into(), &value_to_js(at));
        let _ = Reflect::set(&result, &"source".into(), &JsValue::from_str(source.as_str()));
        result.into()
    }

    /// Calls `listener(changedFlagNames, { config })` once per burst of
    /// changes to this user's evaluated flags; returns the unsubscribe function.
    pub fn subscribe(&self, listener: Function) -> Function {
        let id = self.shared.borrow_mut().add_listener(listener);
        let weak = Rc::downgrade(&self.shared);
        Closure::once_into_js(move || {
            if let Some(shared) = weak.upgrade() {
                shared.borrow_mut().remove_listener(id);
            }
        })
        .unchecked_into()
    }

    /// Re-reads the snapshot after a sign-in change (also reconnects the
    /// stream). With rapid calls the last one wins. Resolves when the new
    /// identity's flags are in.
    pub fn identify(&self) -> Promise {
        let (generation, stream) = {
            let mut s = self.shared.borrow_mut();
            s.generation += 1;
            s.etag = None;
            s.fetching = None;
            s.fetch_queued = false;
            s.drop_pending();
            if s.status == Status::Unauthorized {
                s.status = if s.store.is_loaded() { Status::Stale } else { Status::Loading };
            }
            (s.generation, s.source.clone())
        };
        // The shared stream must carry the new session: reconnect it (other
        // clients on it see the new identity and re-read too).
        if let Some(stream) = stream {
            source::restart(&stream);
        }
        super::state::status_may_have_changed(&self.shared);
        let shared = self.shared.clone();
        let promise = Promise::new(&mut |resolve, reject| shared.borrow_mut().add_identify_waiter(generation, resolve, reject));
        sync::refresh(&self.shared);
        promise
    }

    /// Re-reads the snapshot (same as `identify()`).
    pub fn reload(&self) -> Promise {
        self.identify()
    }

    /// Stops everything: stream, timers, listeners. Reads keep answering
    /// from the last flags.
    pub fn close(&self) {
        let mut s = self.shared.borrow_mut();
        s.closed = true;
        sync::close_stream(&mut s);
        if s.cache_timer.is_some() {
            sync::write_cache(&s); // the pending write, now
        }
        for t in [s.retry_timer.take(), s.resync_timer.take(), s.hidden_timer.take(), s.cache_timer.take()].into_iter().flatten() {
            browser::cancel(t);
        }
        if let Some(v) = s.visibility.take() {
            browser::remove_visibility_listener(&v);
        }
    }
}
