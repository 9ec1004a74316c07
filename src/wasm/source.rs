//! One EventSource per base URL (and credentials mode), shared by every
//! `FlagClient` on the page that uses it: browsers allow about six
//! connections per origin over HTTP/1.1, and React's StrictMode mounts
//! twice. The source owns reconnecting (own backoff with jitter, reset after
//! a minute healthy, so neither errors nor an instantly closing stream can
//! loop hot); each member applies every message to its own store. A stream
//! silent for longer than the members' `streamTimeoutMs` (servers ping every
//! 30 s) is stalled, e.g. by a proxy: it is dropped and reopened.

use super::browser;
use super::state::{Inner, Shared};
use super::sync;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit, MessageEvent};

/// A stream open this long counts as healthy: its backoff starts over.
const HEALTHY_MS: f64 = 60_000.0;

pub type SharedSource = Rc<RefCell<Source>>;

pub struct Source {
    url: String,
    with_credentials: bool,
    open: Option<Open>,
    members: Vec<(u32, Weak<RefCell<Inner>>)>,
    failures: u32,
    reconnect_timer: Option<i32>,
    opened: u32,
    last_event_id: Option<String>,
    /// The shortest `streamTimeoutMs` of the members.
    idle_ms: u32,
    last_seen: f64,
    watchdog: Option<i32>,
}

struct Open {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut()>,
    opened_at: f64,
}

thread_local! {
    static SOURCES: RefCell<Vec<SharedSource>> = const { RefCell::new(Vec::new()) };
}

/// Makes the client a member of its base URL's source, opening it if needed.
pub fn join(shared: &Shared) {
    let (url, with_credentials, id, idle_ms) = {
        let s = shared.borrow();
        if s.source.is_some() {
            return;
        }
        let mut url = s.opts.base.clone();
        url.push_str("/api/feature-flags/sse");
        (url, s.opts.with_credentials, s.member_id, s.opts.stream_timeout_ms)
    };
    let src = SOURCES.with(|all| {
        let mut all = all.borrow_mut();
        if let Some(found) = all.iter().find(|s| {
            let s = s.borrow();
            s.url == url && s.with_credentials == with_credentials
        }) {
            return found.clone();
        }
        let created = Rc::new(RefCell::new(Source {
            url,
            with_credentials,
            open: None,
            members: Vec::new(),
            failures: 0,
            reconnect_timer: None,
            opened: 0,
            last_event_id: None,
            idle_ms,
            last_seen: 0.0,
            watchdog: None,
        }));
        all.push(created.clone());
        created
    });
    {
        let mut s = src.borrow_mut();
        s.members.push((id, Rc::downgrade(shared)));
        s.idle_ms = s.idle_ms.min(idle_ms);
    }
    shared.borrow_mut().source = Some(src.clone());
    let idle = {
        let s = src.borrow();
        s.open.is_none() && s.reconnect_timer.is_none()
    };
    if idle {
        open(&src);
    }
}

/// Leaves the source; the last member to leave closes it.
pub fn leave(inner: &mut Inner) {
    let Some(src) = inner.source.take() else { return };
    let empty = {
        let mut s = src.borrow_mut();
        s.members.retain(|(id, _)| *id != inner.member_id);
        s.members.is_empty()
    };
    if empty {
        shut(&mut src.borrow_mut());
        SOURCES.with(|all| all.borrow_mut().retain(|s| !Rc::ptr_eq(s, &src)));
    }
}

/// Reconnects now (after a sign-in change: the stream must carry the new
/// session); the other members see the new identity and re-read.
pub fn restart(src: &SharedSource) {
    {
        let mut s = src.borrow_mut();
        shut(&mut s);
        s.failures = 0;
        s.last_event_id = None;
    }
    open(src);
}

/// Times the stream was opened again after the first time.
pub fn reconnects(src: &SharedSource) -> u32 {
    src.borrow().opened.saturating_sub(1)
}

fn shut(s: &mut Source) {
    if let Some(open) = s.open.take() {
        open.source.set_onmessage(None);
        open.source.set_onerror(None);
        open.source.close();
    }
    for t in [s.reconnect_timer.take(), s.watchdog.take()].into_iter().flatten() {
        browser::cancel(t);
    }
}

fn open(src: &SharedSource) {
    let mut s = src.borrow_mut();
    // A reopened stream loses the browser's Last-Event-ID; send it along.
    let mut url = s.url.clone();
    if let Some(id) = &s.last_event_id {
        url.push_str(if url.contains('?') { "&lastEventId=" } else { "?lastEventId=" });
        url.push_str(&String::from(js_sys::encode_uri_component(id)));
    }
    let init = EventSourceInit::new();
    init.set_with_credentials(s.with_credentials);
    let Ok(source) = EventSource::new_with_event_source_init_dict(&url, &init) else { return };
    let weak = Rc::downgrade(src);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(src) = weak.upgrade() {
            on_message(&src, e);
        }
    });
    let weak = Rc::downgrade(src);
    let on_error_cb = Closure::<dyn FnMut()>::new(move || {
        if let Some(src) = weak.upgrade() {
            on_error(&src);
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error_cb.as_ref().unchecked_ref()));
    s.opened += 1;
    s.last_seen = browser::now_ms();
    s.open = Some(Open { source, _on_message: on_message, _on_error: on_error_cb, opened_at: s.last_seen });
    let idle_ms = s.idle_ms;
    drop(s);
    watch(src, idle_ms);
}

/// Checks after `ms` that something arrived within the idle limit; a stream
/// that went silent is treated as broken.
fn watch(src: &SharedSource, ms: u32) {
    let weak = Rc::downgrade(src);
    let timer = browser::after(ms, move || {
        let Some(src) = weak.upgrade() else { return };
        let left = {
            let mut s = src.borrow_mut();
            s.watchdog = None;
            if s.open.is_none() {
                return;
            }
            f64::from(s.idle_ms) - (browser::now_ms() - s.last_seen)
        };
        if left > 0.0 {
            watch(&src, left as u32 + 1);
        } else {
            on_error(&src);
        }
    });
    src.borrow_mut().watchdog = Some(timer);
}

/// The live members, collected so no borrow of the source is held while
/// they run.
fn members(src: &SharedSource) -> Vec<Shared> {
    src.borrow().members.iter().filter_map(|(_, m)| m.upgrade()).collect()
}

fn on_message(src: &SharedSource, event: MessageEvent) {
    let id = event.last_event_id();
    {
        let mut s = src.borrow_mut();
        s.last_seen = browser::now_ms();
        if !id.is_empty() {
            s.last_event_id = Some(id);
        }
    }
    let Some(text) = event.data().as_string() else { return };
    // Malformed data and unknown messages are ignored, never fatal.
    let Some(message) = sync::parse_message(&text) else { return };
    for member in members(src) {
        sync::on_stream_message(&member, &message);
    }
}

fn on_error(src: &SharedSource) {
    {
        let mut s = src.borrow_mut();
        let healthy = s.open.as_ref().is_some_and(|o| browser::now_ms() - o.opened_at > HEALTHY_MS);
        shut(&mut s);
        if healthy {
            s.failures = 0;
        }
        let delay = sync::backoff_ms(s.failures);
        s.failures = s.failures.saturating_add(1);
        let weak = Rc::downgrade(src);
        s.reconnect_timer = Some(browser::after(delay, move || {
            if let Some(src) = weak.upgrade() {
                src.borrow_mut().reconnect_timer = None;
                open(&src);
            }
        }));
    }
    for member in members(src) {
        sync::on_stream_down(&member);
    }
}
