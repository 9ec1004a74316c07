//! The browser client: the state machine around [`FlagState`], with its
//! I/O on gloo-net (the snapshot), web-sys (the shared stream, storage,
//! visibility, timers) and wasm-bindgen-futures (tasks, and the promises
//! `ready()` and `identify()` wait on). It follows the JS client
//! (`pkg-template/client.js`) step for step, where its comments say why.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::{Rc, Weak};

use gloo_net::http::Request;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{AbortController, RequestCredentials, VisibilityState};

use crate::options::{backoff_ms, Options, CACHE_WRITE_MS, REPLAY_MAX};
use crate::state::{Change, FlagState, FlagValue, Override};
use crate::stream::{Member, SharedStream};
use crate::timer::Timer;
use crate::status::Status;
use crate::storage;

/// A value the app used (`expose`, `variant`, flag reads with
/// `expose_flag_reads`), or an event of its own (`track`), for the
/// exposure listeners.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Exposure {
    /// `"flag"`, `"variant"` or `"track"`.
    pub kind: &'static str,
    pub name: String,
    pub variant: Option<String>,
    pub enabled: Option<bool>,
    pub reason: Option<&'static str>,
    #[serde(rename = "userId")]
    pub user_id: Option<String>,
    pub version: Option<u64>,
    /// Milliseconds since the epoch.
    pub timestamp: f64,
}

type Listener = Rc<dyn Fn(&Change, Option<Status>)>;
type Waiter = (u64, js_sys::Function, js_sys::Function);

#[derive(Default)]
struct Timers {
    retry: Option<Timer>,
    resync: Option<Timer>,
    cache: Option<Timer>,
    hidden: Option<Timer>,
}

struct State {
    flags: FlagState,
    status: Status,
    error: Option<String>,
    told_status: Status,
    etag: Option<String>,
    generation: u64,
    fetching: Option<u64>,
    fetch_queued: bool,
    /// Stream messages that came while a snapshot request was out: applied
    /// again over its answer (docs/protocol.md part D).
    missed: Vec<String>,
    failures: u32,
    /// The generation a session was made for from `Options::token`.
    session: Option<u64>,
    closed: bool,
    hidden_closed: bool,
    stream: Option<Rc<SharedStream>>,
    timers: Timers,
    request: Option<AbortController>,
    listeners: Vec<(u64, Listener)>,
    next_listener: u64,
    exposure_listeners: Vec<(u64, Rc<dyn Fn(&Exposure)>)>,
    exposed: HashSet<String>,
    /// ready() waiters (generation 0) and identify() waiters (their generation).
    waiters: Vec<Waiter>,
    on_visibility: Option<Closure<dyn FnMut()>>,
}

impl State {
    /// An id for a listener of either kind (`unsubscribe`, `remove_exposure_listener`).
    fn next_id(&mut self) -> u64 {
        self.next_listener += 1;
        self.next_listener
    }
}

pub struct Inner {
    o: Options,
    st: RefCell<State>,
}

/// A flag client for a Rust frontend. Cheap to clone (one shared state);
/// every clone is the same client. Reads are a lookup in the core's store.
#[derive(Clone)]
pub struct FlagClient(Rc<Inner>);

impl FlagClient {
    /// Creates the client and sends its snapshot request; a bootstrap or the
    /// offline cache is shown (`Stale`) until the network answers.
    pub fn new(options: Options) -> FlagClient {
        let st = State {
            flags: FlagState::default(),
            status: Status::Loading,
            error: None,
            told_status: Status::Loading,
            etag: None,
            generation: 0,
            fetching: None,
            fetch_queued: false,
            missed: Vec::new(),
            failures: 0,
            session: None,
            closed: false,
            hidden_closed: false,
            stream: None,
            timers: Timers::default(),
            request: None,
            listeners: Vec::new(),
            next_listener: 0,
            exposure_listeners: Vec::new(),
            exposed: HashSet::new(),
            waiters: Vec::new(),
            on_visibility: None,
        };
        let inner = Rc::new(Inner { o: options, st: RefCell::new(st) });
        {
            let mut st = inner.st.borrow_mut();
            let o = &inner.o;
            let shown = match &o.bootstrap {
                Some(text) => st.flags.take_snapshot(text).is_ok(),
                None if o.cache => storage::load(&o.base_url, o.user_id.as_deref()).is_some_and(|(snapshot, messages)| {
                    st.flags.take_snapshot(&snapshot).is_ok() && {
                        for m in &messages {
                            st.flags.apply_message(m);
                        }
                        true
                    }
                }),
                None => false,
            };
            if shown {
                st.status = Status::Stale;
                let user = st.flags.user_id();
                let overrides = storage::load_overrides(&o.base_url, user.as_deref());
                st.flags.set_overrides(overrides);
                st.flags.changes(); // what a listener subscribing now starts from
                st.told_status = Status::Stale;
            }
        }
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let weak = Rc::downgrade(&inner);
            let on_visibility = Closure::<dyn FnMut()>::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.visibility();
                }
            });
            let _ = document.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
            inner.st.borrow_mut().on_visibility = Some(on_visibility);
        }
        inner.refresh();
        FlagClient(inner)
    }

    pub fn status(&self) -> Status {
        self.0.st.borrow().status
    }

    pub fn last_error(&self) -> Option<String> {
        self.0.st.borrow().error.clone()
    }

    /// The snapshot version the flags are at, if the server sends versions.
    pub fn version(&self) -> Option<u64> {
        self.0.st.borrow().flags.store().version()
    }

    /// How many times the shared stream was reopened.
    pub fn reconnects(&self) -> u32 {
        self.0.st.borrow().stream.as_ref().map_or(0, |s| s.opened.get().saturating_sub(1))
    }

    /// Everything reads answer, at this moment (`Send + Sync`, cheap to share).
    pub fn reads(&self) -> crate::state::Reads {
        self.0.st.borrow().flags.reads().clone()
    }

    /// Whether the flags are loaded (from the network, a bootstrap or the cache).
    pub fn is_loaded(&self) -> bool {
        self.0.st.borrow().flags.is_loaded()
    }

    /// The flag's value; `false` before flags are loaded and for a flag that does not exist.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.evaluate(name).enabled
    }

    /// `{ enabled, reason }` of a flag (reported as an exposure with `expose_flag_reads`).
    pub fn evaluate(&self, name: &str) -> FlagValue {
        if self.0.o.expose_flag_reads {
            self.expose_flag(name);
        }
        self.detail(name)
    }

    /// The flag's value without reporting an exposure.
    pub fn detail(&self, name: &str) -> FlagValue {
        self.0.st.borrow().flags.value(name)
    }

    pub fn all_flags(&self) -> BTreeMap<String, FlagValue> {
        self.0.st.borrow().flags.values()
    }

    /// The A/B variant (docs/protocol.md part A), reported as an exposure.
    pub fn variant(&self, test: &str, variants: &[&str], default: Option<&str>) -> Option<String> {
        let chosen = self.choose_variant(test, variants, default);
        if let Some(v) = &chosen {
            self.expose_variant(test, v);
        }
        chosen
    }

    /// The variant, without reporting an exposure.
    pub fn choose_variant(&self, test: &str, variants: &[&str], default: Option<&str>) -> Option<String> {
        self.0.st.borrow().flags.variant(test, variants, default).map(str::to_owned)
    }

    /// The configuration at the dotted `path` (`""`: all of it), as `T`.
    pub fn config<T: DeserializeOwned>(&self, path: &str) -> Option<T> {
        self.0.st.borrow().flags.config(path)
    }

    /// The configuration at `path` as a JS value (serde-wasm-bindgen).
    pub fn config_js(&self, path: &str) -> JsValue {
        self.config::<serde_json::Value>(path)
            .and_then(|v| v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok())
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Where the configuration came from (`"DEFAULT"`, ...).
    pub fn config_source(&self) -> Option<String> {
        self.0.st.borrow().flags.config_source()
    }

    /// Calls `listener` after each change with the flags whose value changed
    /// (sorted), whether the configuration did, and the new status if it
    /// changed. Returns its id for [`FlagClient::unsubscribe`].
    pub fn subscribe(&self, listener: impl Fn(&Change, Option<Status>) + 'static) -> u64 {
        let mut st = self.0.st.borrow_mut();
        let id = st.next_id();
        st.listeners.push((id, Rc::new(listener)));
        id
    }

    pub fn unsubscribe(&self, id: u64) {
        self.0.st.borrow_mut().listeners.retain(|(i, _)| *i != id);
    }

    /// Resolves once flags are loaded; fails with the cause if the client gave up.
    pub async fn ready(&self) -> Result<(), String> {
        self.wait(0).await
    }

    /// Re-reads the snapshot after a sign-in change; the last call wins.
    pub async fn identify(&self) -> Result<(), String> {
        let generation = {
            let mut st = self.0.st.borrow_mut();
            st.generation += 1;
            st.etag = None;
            st.fetch_queued = false;
            st.generation
        };
        let (unauthorized, loaded, error) = {
            let st = self.0.st.borrow();
            (st.status == Status::Unauthorized, st.flags.is_loaded(), st.error.clone())
        };
        if unauthorized {
            self.0.become_(if loaded { Status::Stale } else { Status::Loading }, error);
        }
        let stream = self.0.st.borrow().stream.clone();
        if let Some(s) = stream {
            s.restart(); // the page's other clients see the new identity and re-read too
        }
        self.0.notify();
        let done = self.wait(generation);
        self.0.refresh();
        done.await
    }

    async fn wait(&self, generation: u64) -> Result<(), String> {
        {
            let st = self.0.st.borrow();
            if generation == 0 && st.flags.is_loaded() {
                return Ok(());
            }
            if generation == 0 && st.fetching.is_none() && matches!(st.status, Status::Unauthorized | Status::Error) {
                return Err(st.error.clone().unwrap_or_default());
            }
        }
        let inner = self.0.clone();
        let promise = js_sys::Promise::new(&mut |resolve, reject| inner.st.borrow_mut().waiters.push((generation, resolve, reject)));
        JsFuture::from(promise).await.map(|_| ()).map_err(|e| e.as_string().unwrap_or_default())
    }

    /// Listens for exposures; returns its id for [`FlagClient::remove_exposure_listener`].
    pub fn on_exposure(&self, listener: impl Fn(&Exposure) + 'static) -> u64 {
        let mut st = self.0.st.borrow_mut();
        let id = st.next_id();
        st.exposure_listeners.push((id, Rc::new(listener)));
        id
    }

    pub fn remove_exposure_listener(&self, id: u64) {
        self.0.st.borrow_mut().exposure_listeners.retain(|(i, _)| *i != id);
    }

    /// Reports that the app showed a flag's value.
    pub fn expose_flag(&self, name: &str) {
        let value = self.detail(name);
        self.0.expose("flag", name, None, value);
    }

    /// Reports that the app showed variant `variant` of test `test`.
    pub fn expose_variant(&self, test: &str, variant: &str) {
        let forced = self.0.st.borrow().flags.overrides().get(test) == Some(&Override::Variant(variant.to_owned()));
        let value = if forced { FlagValue { enabled: true, reason: "override" } } else { self.detail(&format!("{test}_{variant}")) };
        self.0.expose("variant", test, Some(variant), value);
    }

    /// An event of the app's own (a conversion, say) to the exposure listeners.
    pub fn track(&self, name: &str) {
        self.0.report(Exposure { kind: "track", name: name.to_owned(), variant: None, enabled: None, reason: None, user_id: None, version: None, timestamp: 0.0 });
    }

    /// Forces a flag on or off, or an A/B test to a variant (`None` clears
    /// it): reads answer it with reason `override`, listeners hear it, and
    /// it is kept in this tab's sessionStorage. It never leaves the browser.
    pub fn set_override(&self, name: &str, value: Option<Override>) {
        {
            let mut st = self.0.st.borrow_mut();
            let mut all = st.flags.overrides().clone();
            match value {
                Some(v) => all.insert(name.to_owned(), v),
                None => all.remove(name),
            };
            let user = st.flags.user_id();
            storage::save_overrides(&self.0.o.base_url, user.as_deref(), &all);
            st.flags.set_overrides(all);
        }
        self.0.notify();
    }

    pub fn overrides(&self) -> BTreeMap<String, Override> {
        self.0.st.borrow().flags.overrides().clone()
    }

    /// Stops: no request, no stream, no timer, no listener call after this.
    pub fn close(&self) {
        let inner = &self.0;
        let (request, listener) = {
            let mut st = inner.st.borrow_mut();
            st.closed = true;
            if st.timers.cache.take().is_some() {
                drop(st);
                inner.write_cache();
                st = inner.st.borrow_mut();
            }
            st.timers = Timers::default();
            (st.request.take(), st.on_visibility.take())
        };
        if let Some(r) = request {
            r.abort();
        }
        inner.leave_stream();
        if let (Some(listener), Some(document)) = (listener, web_sys::window().and_then(|w| w.document())) {
            let _ = document.remove_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
        }
    }
}

impl Inner {
    /// The one status transition after start-up: `status` and its `last_error`.
    fn become_(&self, status: Status, error: Option<String>) {
        let mut st = self.st.borrow_mut();
        st.status = status;
        st.error = error;
    }

    fn expose(&self, kind: &'static str, name: &str, variant: Option<&str>, value: FlagValue) {
        let key = {
            let st = self.st.borrow();
            if !st.flags.is_loaded() || st.exposure_listeners.is_empty() {
                return;
            }
            let user = st.flags.user_id().unwrap_or_default();
            let shown = variant.unwrap_or(if value.enabled { "true" } else { "false" });
            [user.as_str(), kind, name, shown].join("\n")
        };
        {
            let mut st = self.st.borrow_mut();
            if self.o.dedupe_exposures && !st.exposed.insert(key) {
                return;
            }
        }
        self.report(Exposure {
            kind,
            name: name.to_owned(),
            variant: variant.map(str::to_owned),
            enabled: Some(value.enabled),
            reason: Some(value.reason),
            user_id: None,
            version: None,
            timestamp: 0.0,
        });
    }

    fn report(&self, mut event: Exposure) {
        let listeners: Vec<_> = {
            let st = self.st.borrow();
            event.user_id = st.flags.user_id();
            event.version = st.flags.store().version();
            event.timestamp = js_sys::Date::now();
            st.exposure_listeners.iter().map(|(_, l)| l.clone()).collect()
        };
        for l in listeners {
            l(&event);
        }
    }

    /// Tells listeners what changed since they last heard, if anything.
    fn notify(&self) {
        let (change, status, listeners) = {
            let mut st = self.st.borrow_mut();
            if st.closed {
                return;
            }
            let change = st.flags.changes();
            let status = (st.status != st.told_status).then_some(st.status);
            st.told_status = st.status;
            if change.names.is_empty() && !change.config && status.is_none() {
                return;
            }
            (change, status, st.listeners.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>())
        };
        for l in listeners {
            l(&change, status);
        }
    }

    /// Settles ready() and identify() waiters after a read of `generation` ended.
    fn settle(&self, generation: u64, ok: bool) {
        let (done, error, loaded) = {
            let mut st = self.st.borrow_mut();
            let loaded = st.flags.is_loaded();
            let failed = matches!(st.status, Status::Unauthorized | Status::Error);
            let error = JsValue::from_str(st.error.as_deref().unwrap_or("flaglive: flags are not available"));
            let (done, wait): (Vec<Waiter>, Vec<Waiter>) = st
                .waiters
                .drain(..)
                .partition(|(g, _, _)| if *g == 0 { loaded || failed } else { *g <= generation });
            st.waiters = wait;
            (done, error, loaded)
        };
        for (g, resolve, reject) in done {
            let fine = if g == 0 { loaded } else { ok };
            let _ = if fine { resolve.call0(&JsValue::NULL) } else { reject.call1(&JsValue::NULL, &error) };
        }
    }

    fn write_cache(&self) {
        let st = self.st.borrow();
        let user = st.flags.user_id();
        if let (true, Some(user), Some(text)) = (self.o.cache, user, st.flags.snapshot_text.as_deref()) {
            storage::save(&self.o.base_url, &user, text, &st.flags.replay);
        }
    }

    fn schedule_cache_write(self: &Rc<Self>) {
        if !self.o.cache || self.st.borrow().timers.cache.is_some() {
            return;
        }
        let weak = Rc::downgrade(self);
        let timer = Timer::new(CACHE_WRITE_MS, move || {
            if let Some(inner) = weak.upgrade() {
                inner.st.borrow_mut().timers.cache.take();
                inner.write_cache();
            }
        });
        self.st.borrow_mut().timers.cache = Some(timer);
    }

    /// Re-reads the snapshot now (queued behind a read of the same identity).
    fn refresh(self: &Rc<Self>) {
        let generation = {
            let mut st = self.st.borrow_mut();
            if st.closed {
                return;
            }
            st.timers.retry.take();
            if st.fetching == Some(st.generation) {
                st.fetch_queued = true;
                return;
            }
            st.fetching = Some(st.generation);
            st.missed.clear();
            st.generation
        };
        // Another client's stream, open already, brings no `connection` to
        // re-read on: hear it from now on, or a change while the snapshot
        // travels is lost.
        self.join_stream(true);
        let inner = self.clone();
        spawn_local(async move { inner.fetch(generation).await });
    }

    async fn fetch(self: Rc<Self>, generation: u64) {
        if self.st.borrow().closed {
            return; // closed before the task ran: no request
        }
        let o = &self.o;
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        let etag = {
            let mut st = self.st.borrow_mut();
            st.request = controller.clone();
            st.etag.clone()
        };
        let abort = controller.clone();
        let timeout = Timer::new(o.request_timeout_ms, move || {
            if let Some(c) = abort {
                c.abort();
            }
        });
        let credentials = if o.with_credentials { RequestCredentials::Include } else { RequestCredentials::SameOrigin };
        let read = || {
            let mut request = Request::get(&format!("{}/api/feature-flags/snapshot", o.base_url)).credentials(credentials).abort_signal(signal.as_ref());
            if let Some(etag) = &etag {
                request = request.header("If-None-Match", etag);
            }
            request.send()
        };
        // None: a 401 not asked for (no session from the token yet).
        let needs_session = o.token.is_some() && self.st.borrow().session != Some(generation);
        let mut answer = if needs_session { None } else { Some(read().await) };
        let refused = match &answer {
            None => true,
            Some(Ok(r)) => r.status() == 401,
            Some(Err(_)) => false,
        };
        if let (true, Some(token)) = (refused, &o.token) {
            // The app's identity: its JWT becomes a session cookie, before
            // the first snapshot of each identify() and again after any 401.
            // No token is a signed-out user.
            if let Some(jwt) = (token.0)().await {
                let exchanged = Request::post(&format!("{}/api/auth/session", o.base_url))
                    .credentials(credentials)
                    .abort_signal(signal.as_ref())
                    .header("Authorization", &format!("Bearer {jwt}"))
                    .send()
                    .await;
                answer = Some(if exchanged.as_ref().is_ok_and(|r| r.ok()) {
                    self.st.borrow_mut().session = Some(generation);
                    read().await
                } else {
                    exchanged
                });
            }
        }
        // (status, text, etag); status 0: no answer.
        let result = match answer {
            None => (401, None, None), // no session and no token: signed out
            Some(Ok(r)) if r.status() == 200 => {
                let etag = r.headers().get("ETag");
                match r.text().await {
                    Ok(text) => (200, Some(text), etag),
                    Err(_) => (0, None, None),
                }
            }
            Some(Ok(r)) => (r.status(), None, None),
            Some(Err(_)) => (0, None, None),
        };
        drop(timeout);
        {
            let mut st = self.st.borrow_mut();
            if st.closed || st.generation != generation {
                return; // a newer identity took over
            }
            st.fetching = None;
            st.request = None;
        }
        let loaded = self.st.borrow().flags.is_loaded();
        let mut ok = false;
        match result {
            (200, Some(text), etag) => {
                let user_before = loaded.then(|| self.st.borrow().flags.user_id());
                let taken = self.st.borrow_mut().flags.take_snapshot(&text);
                match taken {
                    Ok(older) => {
                        ok = true;
                        let missed = std::mem::take(&mut self.st.borrow_mut().missed);
                        {
                            let mut st = self.st.borrow_mut();
                            // Part B cannot tell whether the messages that came
                            // meanwhile are in the answer: read it again in full.
                            let mixed = !missed.is_empty() && st.flags.store().version().is_none();
                            st.etag = if mixed { None } else { etag };
                            st.fetch_queued |= mixed || older;
                            let user = st.flags.user_id();
                            // This tab's overrides of the user the flags are
                            // now for: read again only when that user changed,
                            // with any set before the first flags kept over them.
                            if user_before.as_ref() != Some(&user) {
                                let mut overrides = storage::load_overrides(&o.base_url, user.as_deref());
                                if user_before.is_none() {
                                    overrides.extend(st.flags.overrides().clone());
                                    storage::save_overrides(&o.base_url, user.as_deref(), &overrides);
                                }
                                st.flags.set_overrides(overrides);
                            }
                            if o.cache {
                                if let Some(user) = user {
                                    storage::save(&o.base_url, &user, &text, &[]);
                                }
                            }
                        }
                        for m in &missed {
                            self.take_message(m, loaded);
                        }
                    }
                    Err(_) => self.become_(if loaded { Status::Stale } else { Status::Error }, Some("flaglive: the snapshot answer is not a snapshot".into())),
                }
            }
            (304, _, _) => ok = true,
            (401, _, _) => {
                self.become_(Status::Unauthorized, Some("flaglive: 401 Unauthorized: sign in, then call identify()".into()));
                self.leave_stream();
            }
            (status, _, _) => {
                let why = if status == 0 { "flaglive: the flag server cannot be reached".to_owned() } else { format!("flaglive: the snapshot request failed: HTTP {status}") };
                self.become_(if loaded { Status::Stale } else { Status::Error }, Some(why));
            }
        }
        let unauthorized = self.st.borrow().status == Status::Unauthorized;
        if ok {
            // Fresh flags, but without a working stream they are not live.
            let held = self.st.borrow().stream.as_ref().and_then(|s| s.blocked.borrow().clone());
            self.become_(if held.is_some() { Status::Stale } else { Status::Ready }, held);
            self.st.borrow_mut().failures = 0;
        } else if !unauthorized {
            let weak = Rc::downgrade(&self);
            let mut st = self.st.borrow_mut();
            let wait = backoff_ms(st.failures, js_sys::Math::random());
            st.failures += 1;
            st.timers.retry = Some(Timer::new(wait, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.refresh();
                }
            }));
        }
        let again = {
            let mut st = self.st.borrow_mut();
            let again = st.fetch_queued && !unauthorized;
            st.fetch_queued = false;
            again
        };
        self.notify();
        self.settle(generation, ok);
        if ok {
            self.join_stream(false);
        }
        if again {
            self.refresh();
        }
    }

    /// A stream message; `again`: one replayed over a fresher snapshot,
    /// applied and followed (its advice to re-read) when it first came.
    fn take_message(self: &Rc<Self>, data: &str, again: bool) {
        let (outcome, hello) = {
            let mut st = self.st.borrow_mut();
            if st.closed {
                return;
            }
            if st.fetching.is_some() {
                st.missed.push(data.to_owned());
            }
            if !st.flags.is_loaded() {
                return; // no flags yet: all of it once they are in
            }
            let Some(applied) = st.flags.apply_message(data) else { return };
            applied
        };
        use flaglive::store::Resync;
        if hello && outcome.resync == Resync::No && self.st.borrow().status == Status::Stale {
            self.become_(Status::Ready, None); // reconnected and up to date
        }
        let changed = !outcome.changed.is_empty() || outcome.config_changed;
        if changed {
            self.schedule_cache_write();
            let mut st = self.st.borrow_mut();
            // Part B cannot tell a late message from a new one: the state is
            // no longer the ETag's, so the next re-read is in full.
            if st.flags.store().version().is_none() {
                st.etag = None;
            }
        }
        self.notify();
        if again {
            return;
        }
        let (replay, resync_armed) = {
            let st = self.st.borrow();
            (st.flags.replay.len(), st.timers.resync.is_some())
        };
        if outcome.resync == Resync::Now || replay > REPLAY_MAX {
            self.refresh();
        } else if outcome.resync == Resync::Soon && !resync_armed {
            let weak = Rc::downgrade(self);
            self.st.borrow_mut().timers.resync = Some(Timer::new(self.o.resync_debounce_ms, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.st.borrow_mut().timers.resync.take();
                    inner.refresh();
                }
            }));
        }
    }

    /// The stream is held by a proxy: say so, and re-read on each reopening.
    fn stream_held(self: &Rc<Self>, why: &str) {
        if self.st.borrow().flags.is_loaded() {
            self.become_(Status::Stale, Some(why.to_owned()));
        }
        self.notify();
        self.refresh();
    }

    fn stream_down(self: &Rc<Self>) {
        // A session from the token ends with the token, and a stream refused
        // for it looks like any drop: re-read, so a 401 exchanges a fresh one.
        if self.o.token.is_some() {
            self.refresh();
        }
        if self.st.borrow().status != Status::Ready {
            return;
        }
        self.become_(Status::Stale, Some("flaglive: the live stream was interrupted; reconnecting".into()));
        self.notify();
    }

    /// Joins this base URL's stream, opening it unless `existing_only`.
    fn join_stream(self: &Rc<Self>, existing_only: bool) {
        let o = &self.o;
        {
            let st = self.st.borrow();
            if !o.streaming || st.closed || st.status == Status::Unauthorized || st.hidden_closed || st.stream.is_some() {
                return;
            }
        }
        let url = format!("{}/api/feature-flags/sse", o.base_url);
        let Some(stream) = SharedStream::get(&url, o.with_credentials, o.stream_timeout_ms, o.stream_start_timeout_ms, existing_only) else { return };
        // Joining after its snapshot a stream another client opened: part B
        // has no versions to show what it carried before, so re-read once.
        let late = !existing_only && stream.is_open() && self.st.borrow().flags.store().version().is_none();
        self.st.borrow_mut().stream = Some(stream.clone());
        let member: Weak<dyn Member> = Rc::downgrade(self) as Weak<dyn Member>;
        stream.join(member, o.stream_timeout_ms, o.stream_start_timeout_ms);
        if late {
            self.refresh();
        }
    }

    fn leave_stream(self: &Rc<Self>) {
        let stream = self.st.borrow_mut().stream.take();
        if let Some(s) = stream {
            let member: Weak<dyn Member> = Rc::downgrade(self) as Weak<dyn Member>;
            s.leave(&member);
        }
    }

    /// Hidden for hidden_close_ms: close the stream. Visible again: re-read.
    fn visibility(self: &Rc<Self>) {
        if self.st.borrow().closed {
            return;
        }
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.visibility_state() == VisibilityState::Hidden);
        if hidden {
            let mut st = self.st.borrow_mut();
            if st.timers.hidden.is_none() && st.stream.is_some() {
                let weak = Rc::downgrade(self);
                st.timers.hidden = Some(Timer::new(self.o.hidden_close_ms, move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.st.borrow_mut().hidden_closed = true;
                        inner.leave_stream();
                    }
                }));
            }
        } else {
            let reopen = {
                let mut st = self.st.borrow_mut();
                st.timers.hidden.take();
                std::mem::replace(&mut st.hidden_closed, false)
            };
            if reopen {
                self.refresh(); // reopens the stream once the snapshot is in
            }
        }
    }
}

impl Member for Inner {
    fn on_message(self: Rc<Self>, data: &str) {
        self.take_message(data, false);
    }

    fn on_stream_held(self: Rc<Self>, why: &str) {
        self.stream_held(why);
    }

    fn on_stream_down(self: Rc<Self>) {
        self.stream_down();
    }
}
