//! The browser client's state, shared by the `FlagClient` handle and the
//! callbacks of its fetches, timers and stream. Listener and promise
//! callbacks are always called with no borrow held, so they may call back
//! into the client.

use super::browser;
use crate::store::{Outcome, Store};
use js_sys::{Array, Function};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

pub type Shared = Rc<RefCell<Inner>>;

fn next_member_id() -> u32 {
    thread_local! {
        static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    NEXT.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No flags yet.
    Loading,
    /// Flags from a snapshot, kept current by the stream.
    Ready,
    /// Flags usable but possibly out of date (cache, bootstrap, disconnected).
    Stale,
    /// The server answered 401; call `identify()` after signing in.
    Unauthorized,
    /// No flags and the server cannot be reached or answered badly.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Stale => "stale",
            Status::Unauthorized => "unauthorized",
            Status::Error => "error",
        }
    }
}

pub struct Options {
    pub base: String,
    pub credentials: RequestCredentials,
    pub with_credentials: bool,
    pub streaming: bool,
    pub cache: bool,
    pub resync_debounce_ms: u32,
    pub hidden_close_ms: u32,
    pub request_timeout_ms: u32,
    pub stream_timeout_ms: u32,
}

pub struct Inner {
    pub opts: Options,
    pub store: Store,
    pub status: Status,
    pub last_error: Option<String>,
    listeners: Vec<(u32, Function)>,
    next_listener: u32,
    /// Changed flag names since the last flush (deduplicated at flush).
    pending: Vec<String>,
    pending_config: bool,
    /// The status listeners were last told of.
    notified_status: Status,
    flush_scheduled: bool,
    ready_waiters: Vec<(Function, Function)>,
    identify_waiters: Vec<(u32, Function, Function)>,
    /// Bumped by `identify()`: results of older requests are dropped.
    pub generation: u32,
    pub etag: Option<String>,
    pub fetching: Option<u32>,
    pub fetch_queued: bool,
    pub fetch_failures: u32,
    pub retry_timer: Option<i32>,
    pub resync_timer: Option<i32>,
    /// A debounced write of the current state to the offline cache.
    pub cache_timer: Option<i32>,
    /// The shared stream this client is a member of.
    pub source: Option<super::source::SharedSource>,
    /// This client's identity among a source's members.
    pub member_id: u32,
    pub hidden_timer: Option<i32>,
    pub closed_for_hidden: bool,
    pub visibility: Option<Closure<dyn FnMut()>>,
    pub closed: bool,
}

impl Inner {
    pub fn new(opts: Options) -> Inner {
        Inner {
            opts,
            store: Store::new(),
            status: Status::Loading,
            last_error: None,
            listeners: Vec::new(),
            next_listener: 0,
            pending: Vec::new(),
            pending_config: false,
            notified_status: Status::Loading,
            flush_scheduled: false,
            ready_waiters: Vec::new(),
            identify_waiters: Vec::new(),
            generation: 0,
            etag: None,
            fetching: None,
            fetch_queued: false,
            fetch_failures: 0,
            retry_timer: None,
            resync_timer: None,
            cache_timer: None,
            source: None,
            member_id: next_member_id(),
            hidden_timer: None,
            closed_for_hidden: false,
            visibility: None,
            closed: false,
        }
    }

    pub fn add_listener(&mut self, f: Function) -> u32 {
        self.next_listener += 1;
        self.listeners.push((self.next_listener, f));
        self.next_listener
    }

    pub fn remove_listener(&mut self, id: u32) {
        self.listeners.retain(|(i, _)| *i != id);
    }

    pub fn add_ready_waiter(&mut self, resolve: Function, reject: Function) {
        self.ready_waiters.push((resolve, reject));
    }

    pub fn add_identify_waiter(&mut self, generation: u32, resolve: Function, reject: Function) {
        self.identify_waiters.push((generation, resolve, reject));
    }

    /// Forgets queued notifications (an identity switch: nothing of the old
    /// identity may be reported after it).
    pub fn drop_pending(&mut self) {
        self.pending.clear();
        self.pending_config = false;
    }

    pub fn fail(&mut self, status: Status, message: &str) {
        self.status = status;
        self.last_error = Some(message.to_owned());
    }
}

/// Queues what changed and schedules one notification for the burst.
pub fn record(shared: &Shared, outcome: &Outcome) {
    let schedule = {
        let mut s = shared.borrow_mut();
        s.pending.extend(outcome.changed.iter().cloned());
        s.pending_config |= outcome.config_changed;
        let due = (!s.pending.is_empty() || s.pending_config || s.status != s.notified_status) && !s.flush_scheduled;
        s.flush_scheduled |= due;
        due
    };
    if schedule {
        let shared = shared.clone();
        browser::microtask(move || flush(&shared));
    }
}

/// Tells listeners about a status change (with no flag changes), once per burst.
pub fn status_may_have_changed(shared: &Shared) {
    record(shared, &crate::store::Outcome::default());
}

/// Calls every listener once per burst: `listener(changedNames, { config,
/// status })`, `config` true when the configuration changed, `status` the
/// new status when it changed (else `undefined`).
fn flush(shared: &Shared) {
    let (names, config, status, listeners) = {
        let mut s = shared.borrow_mut();
        s.flush_scheduled = false;
        if s.closed {
            return;
        }
        let mut pending = std::mem::take(&mut s.pending);
        pending.sort_unstable();
        pending.dedup();
        let names: Array = pending.into_iter().map(|n| JsValue::from_str(&n)).collect();
        let config = std::mem::take(&mut s.pending_config);
        let status = (s.status != s.notified_status).then_some(s.status);
        s.notified_status = s.status;
        (names, config, status, s.listeners.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>())
    };
    if names.length() == 0 && !config && status.is_none() {
        return;
    }
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"config".into(), &JsValue::from_bool(config));
    if let Some(status) = status {
        let _ = js_sys::Reflect::set(&detail, &"status".into(), &JsValue::from_str(status.as_str()));
    }
    for listener in listeners {
        // A throwing listener must not stop the others.
        let _ = listener.call2(&JsValue::NULL, &names, &detail);
    }
}

/// Settles waiting `ready()` and `identify()` promises after a fetch of
/// `generation` ended.
pub fn settle(shared: &Shared, generation: u32) {
    let (resolve, reject, error) = {
        let mut s = shared.borrow_mut();
        let loaded = s.store.is_loaded();
        let failed = matches!(s.status, Status::Unauthorized | Status::Error);
        let error = js_sys::Error::new(s.last_error.as_deref().unwrap_or("flaglive: flags are not available"));
        let mut resolve = Vec::new();
        let mut reject = Vec::new();
        if loaded || failed {
            for (ok, err) in s.ready_waiters.drain(..) {
                if loaded { resolve.push(ok) } else { reject.push(err) }
            }
        }
        let (done, waiting): (Vec<_>, Vec<_>) = s.identify_waiters.drain(..).partition(|(g, ..)| *g <= generation);
        s.identify_waiters = waiting;
        let ok_now = s.status == Status::Ready;
        for (_, ok, err) in done {
            if ok_now { resolve.push(ok) } else { reject.push(err) }
        }
        (resolve, reject, error)
    };
    for f in resolve {
        let _ = f.call0(&JsValue::NULL);
    }
    for f in reject {
        let _ = f.call1(&JsValue::NULL, &error);
    }
}
