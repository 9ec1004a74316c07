//! One EventSource per base URL and credentials mode, shared by the page's
//! clients (browsers allow few connections per origin), as the JS client's
//! `stream.js`: its own backoff, a watchdog for a silent stream, detection
//! of a stream a proxy holds, and Last-Event-ID carried across reopenings.
//! It hands each message's text to its members; what it means is theirs
//! (the core's) to decide.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit, MessageEvent};

use crate::options::{backoff_ms, HEALTHY_MS};
use crate::timer::{now, Timer};

/// A client on the stream: what the stream tells it.
pub trait Member {
    /// A message's text, as it arrived (`again`: false).
    fn on_message(self: Rc<Self>, data: &str);
    /// The stream is held by a proxy (`why`); it is being reopened.
    fn on_stream_held(self: Rc<Self>, why: &str);
    /// The stream broke; it is being reopened after a backoff.
    fn on_stream_down(self: Rc<Self>);
}

thread_local! {
    static STREAMS: RefCell<HashMap<String, Weak<SharedStream>>> = RefCell::new(HashMap::new());
}

type Handlers = (Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(web_sys::Event)>);

pub struct SharedStream {
    key: String,
    url: String,
    with_credentials: bool,
    idle_ms: Cell<u32>,
    start_ms: Cell<u32>,
    members: RefCell<Vec<Weak<dyn Member>>>,
    es: RefCell<Option<(EventSource, Handlers)>>,
    last_id: RefCell<Option<String>>,
    failures: Cell<u32>,
    pub opened: Cell<u32>,
    opened_at: Cell<f64>,
    last_seen: Cell<f64>,
    /// Why the stream is held by a proxy, until a message comes through.
    pub blocked: RefCell<Option<String>>,
    reconnect: RefCell<Option<Timer>>,
    watchdog: RefCell<Option<Timer>>,
    start: RefCell<Option<Timer>>,
}

impl SharedStream {
    /// The page's stream for `url`, if one is open (`existing_only`), else a new one.
    pub fn get(url: &str, with_credentials: bool, idle_ms: u32, start_ms: u32, existing_only: bool) -> Option<Rc<SharedStream>> {
        let key = format!("{with_credentials}\n{url}");
        if let Some(s) = STREAMS.with(|m| m.borrow().get(&key).and_then(Weak::upgrade)) {
            return Some(s);
        }
        if existing_only {
            return None;
        }
        let s = Rc::new(SharedStream {
            key: key.clone(),
            url: url.to_owned(),
            with_credentials,
            idle_ms: Cell::new(idle_ms),
            start_ms: Cell::new(start_ms),
            members: RefCell::new(Vec::new()),
            es: RefCell::new(None),
            last_id: RefCell::new(None),
            failures: Cell::new(0),
            opened: Cell::new(0),
            opened_at: Cell::new(0.0),
            last_seen: Cell::new(0.0),
            blocked: RefCell::new(None),
            reconnect: RefCell::new(None),
            watchdog: RefCell::new(None),
            start: RefCell::new(None),
        });
        STREAMS.with(|m| m.borrow_mut().insert(key, Rc::downgrade(&s)));
        Some(s)
    }

    pub fn is_open(&self) -> bool {
        self.es.borrow().is_some()
    }

    fn members(&self) -> Vec<Rc<dyn Member>> {
        self.members.borrow().iter().filter_map(Weak::upgrade).collect()
    }

    pub fn join(self: &Rc<Self>, member: Weak<dyn Member>, idle_ms: u32, start_ms: u32) {
        self.members.borrow_mut().push(member);
        self.idle_ms.set(self.idle_ms.get().min(idle_ms));
        self.start_ms.set(self.start_ms.get().min(start_ms));
        if !self.is_open() && self.reconnect.borrow().is_none() {
            self.open();
        }
    }

    pub fn leave(&self, member: &Weak<dyn Member>) {
        self.members.borrow_mut().retain(|m| m.strong_count() > 0 && !Weak::ptr_eq(m, member));
        if self.members.borrow().is_empty() {
            self.shut();
            STREAMS.with(|m| m.borrow_mut().remove(&self.key));
        }
    }

    /// After a sign-in change the stream must carry the new session.
    pub fn restart(self: &Rc<Self>) {
        self.shut();
        self.failures.set(0);
        *self.last_id.borrow_mut() = None;
        self.open();
    }

    fn shut(&self) {
        if let Some((es, _handlers)) = self.es.borrow_mut().take() {
            es.set_onmessage(None);
            es.set_onerror(None);
            es.close();
        }
        self.reconnect.borrow_mut().take();
        self.watchdog.borrow_mut().take();
        self.start.borrow_mut().take();
    }

    fn open(self: &Rc<Self>) {
        // A reopened stream loses the browser's Last-Event-ID; send it along.
        let url = match self.last_id.borrow().as_deref() {
            Some(id) => format!("{}{}lastEventId={}", self.url, if self.url.contains('?') { '&' } else { '?' }, js_sys::encode_uri_component(id)),
            None => self.url.clone(),
        };
        let init = EventSourceInit::new();
        init.set_with_credentials(self.with_credentials);
        let Ok(es) = EventSource::new_with_event_source_init_dict(&url, &init) else { return };
        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(s) = weak.upgrade() else { return };
            s.last_seen.set(now());
            s.start.borrow_mut().take();
            s.blocked.borrow_mut().take();
            let id = e.last_event_id();
            if !id.is_empty() {
                *s.last_id.borrow_mut() = Some(id);
            }
            let Some(data) = e.data().as_string() else { return };
            for m in s.members() {
                m.on_message(&data);
            }
        });
        let weak = Rc::downgrade(self);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(s) = weak.upgrade() {
                s.broken();
            }
        });
        es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *self.es.borrow_mut() = Some((es, (on_message, on_error)));
        self.opened.set(self.opened.get() + 1);
        self.opened_at.set(now());
        self.last_seen.set(now());
        self.watch(self.idle_ms.get());
        let weak = Rc::downgrade(self);
        *self.start.borrow_mut() = Some(Timer::new(self.start_ms.get(), move || {
            if let Some(s) = weak.upgrade() {
                s.held();
            }
        }));
    }

    /// Opened, yet not even the server's first message came through.
    fn held(self: &Rc<Self>) {
        if !self.is_open() {
            return;
        }
        let why = format!(
            "flaglive: no live stream data in {} ms: a proxy is buffering or compressing it; re-reading flags instead",
            self.start_ms.get()
        );
        *self.blocked.borrow_mut() = Some(why.clone());
        for m in self.members() {
            m.on_stream_held(&why);
        }
        self.broken();
    }

    /// A stream silent for longer than the idle limit is broken (a proxy holding it).
    fn watch(self: &Rc<Self>, ms: u32) {
        let weak = Rc::downgrade(self);
        *self.watchdog.borrow_mut() = Some(Timer::new(ms, move || {
            let Some(s) = weak.upgrade() else { return };
            if !s.is_open() {
                return;
            }
            let left = s.idle_ms.get() as f64 - (now() - s.last_seen.get());
            if left > 0.0 {
                s.watch(left as u32 + 1);
            } else {
                s.broken();
            }
        }));
    }

    fn broken(self: &Rc<Self>) {
        let healthy = self.is_open() && now() - self.opened_at.get() > HEALTHY_MS;
        self.shut();
        if healthy {
            self.failures.set(0);
        }
        let weak = Rc::downgrade(self);
        let wait = backoff_ms(self.failures.get(), js_sys::Math::random());
        self.failures.set(self.failures.get() + 1);
        *self.reconnect.borrow_mut() = Some(Timer::new(wait, move || {
            if let Some(s) = weak.upgrade() {
                s.reconnect.borrow_mut().take();
                s.open();
            }
        }));
        for m in self.members() {
            m.on_stream_down();
        }
    }
}
