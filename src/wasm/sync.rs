//! Keeping the store current: snapshot fetches (ETag, backoff, last
//! identity wins), stream messages from the shared source (`source`), the
//! store's resync advice, the offline cache and hidden tabs.

use super::browser::{self, Fetched};
use super::cache;
use super::source;
use super::state::{record, settle, status_may_have_changed, Inner, Shared, Status};
use crate::event::StreamMessage;
use crate::store::Resync;
use crate::Snapshot;

/// About 1 s doubling to 30 s, with jitter so clients spread out.
pub fn backoff_ms(failures: u32) -> u32 {
    let cap = 1000u32.saturating_mul(1 << failures.min(5)).min(30_000);
    (f64::from(cap) * (0.5 + browser::random() * 0.5)) as u32
}

/// Which timer slot of the state a scheduled action owns.
type Slot = fn(&mut Inner) -> &mut Option<i32>;

/// Runs `action` after `ms`, keeping the timer id in `slot` (so it can be
/// cancelled) until it fires. The action runs with no borrow held.
fn arm(s: &mut Inner, shared: &Shared, slot: Slot, ms: u32, action: fn(&Shared)) {
    let later = shared.clone();
    *slot(s) = Some(browser::after(ms, move || {
        *slot(&mut later.borrow_mut()) = None;
        action(&later);
    }));
}

fn join(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}

/// Applies a snapshot document; false if it is not a snapshot.
pub fn apply_snapshot_text(shared: &Shared, text: &str, from_network: bool) -> bool {
    let Ok(snapshot) = Snapshot::from_json(text) else { return false };
    let user = snapshot.user.as_ref().and_then(|u| u.id.clone());
    let outcome = shared.borrow_mut().store.apply_snapshot(snapshot);
    record(shared, &outcome);
    let s = shared.borrow();
    if from_network && s.opts.cache {
        if let Some(user) = user {
            cache::save(&s.opts.base, &user, text);
        }
    }
    true
}

/// Writes the current state (live changes included) to the offline cache.
pub fn write_cache(s: &Inner) {
    if !s.opts.cache || !s.store.is_loaded() {
        return;
    }
    let Some(user) = s.store.user().and_then(|u| u.id.clone()) else { return };
    let Ok(value) = crate::json_ser::to_value(&s.store.to_snapshot()) else { return };
    let js = super::convert::value_to_js(&value);
    if let Some(text) = js_sys::JSON::stringify(&js).ok().and_then(|t| t.as_string()) {
        cache::save(&s.opts.base, &user, &text);
    }
}

/// After live changes: write the cache once things are quiet for a second.
fn schedule_cache_write(shared: &Shared) {
    let mut s = shared.borrow_mut();
    if !s.opts.cache || s.cache_timer.is_some() {
        return;
    }
    arm(&mut s, shared, |s| &mut s.cache_timer, 1000, |shared| write_cache(&shared.borrow()));
}

/// Re-reads the snapshot now (queued behind a fetch of the same identity).
pub fn refresh(shared: &Shared) {
    let generation = {
        let mut s = shared.borrow_mut();
        if s.closed {
            return;
        }
        if let Some(t) = s.retry_timer.take() {
            browser::cancel(t);
        }
        if s.fetching == Some(s.generation) {
            s.fetch_queued = true;
            return;
        }
        s.fetching = Some(s.generation);
        s.generation
    };
    let shared = shared.clone();
    wasm_bindgen_futures::spawn_local(async move { fetch(shared, generation).await });
}

async fn fetch(shared: Shared, generation: u32) {
    let (url, etag, credentials, timeout) = {
        let s = shared.borrow();
        (join(&s.opts.base, "/api/feature-flags/snapshot"), s.etag.clone(), s.opts.credentials, s.opts.request_timeout_ms)
    };
    let result = browser::get_text(&url, etag.as_deref(), credentials, timeout).await;
    {
        let s = shared.borrow();
        if s.closed || s.generation != generation {
            return; // a newer identity took over; its own fetch settles things
        }
    }
    let ok = match result {
        Fetched::Body { text, etag } => {
            let applied = apply_snapshot_text(&shared, &text, true);
            let mut s = shared.borrow_mut();
            if applied {
                s.etag = etag;
            } else {
                let status = if s.store.is_loaded() { Status::Stale } else { Status::Error };
                s.fail(status, "flaglive: the snapshot response is not a valid snapshot");
            }
            applied
        }
        Fetched::NotModified => true,
        Fetched::Unauthorized => {
            let mut s = shared.borrow_mut();
            s.fail(Status::Unauthorized, "flaglive: 401 Unauthorized: sign in, then call identify()");
            close_stream(&mut s);
            false
        }
        Fetched::HttpError | Fetched::Network => {
            let mut s = shared.borrow_mut();
            let status = if s.store.is_loaded() { Status::Stale } else { Status::Error };
            let message = if matches!(result, Fetched::Network) {
                "flaglive: the flag server cannot be reached"
            } else {
                "flaglive: the flag server answered the snapshot request with an error"
            };
            s.fail(status, message);
            false
        }
    };
    let again = {
        let mut s = shared.borrow_mut();
        s.fetching = None;
        if ok {
            s.status = Status::Ready;
            s.last_error = None;
            s.fetch_failures = 0;
        } else if s.status != Status::Unauthorized {
            // Retry with backoff; 401 waits for identify() instead.
            let delay = backoff_ms(s.fetch_failures);
            s.fetch_failures = s.fetch_failures.saturating_add(1);
            arm(&mut s, &shared, |s| &mut s.retry_timer, delay, refresh);
        }
        std::mem::take(&mut s.fetch_queued) && s.status != Status::Unauthorized
    };
    status_may_have_changed(&shared);
    settle(&shared, generation);
    if ok {
        open_stream(&shared);
    }
    if again {
        refresh(&shared);
    }
}

/// Follows the store's advice after a stream message.
fn resync(shared: &Shared, advice: Resync) {
    match advice {
        Resync::No => {}
        Resync::Now => refresh(shared),
        Resync::Soon => {
            let mut s = shared.borrow_mut();
            if s.resync_timer.is_none() {
                let delay = s.opts.resync_debounce_ms;
                arm(&mut s, shared, |s| &mut s.resync_timer, delay, refresh);
            }
        }
    }
}

/// A stream message, or `None` for data that is not one.
pub fn parse_message(text: &str) -> Option<StreamMessage> {
    StreamMessage::from_json(text).ok()
}

/// Applies one stream message to this client (called by its source).
pub fn on_stream_message(shared: &Shared, message: &StreamMessage) {
    let (outcome, advice) = {
        let mut s = shared.borrow_mut();
        if s.closed {
            return;
        }
        let outcome = s.store.apply_message(message);
        if message.kind() == Some(crate::event::EventKind::Connection) && outcome.resync == Resync::No && s.status == Status::Stale {
            s.status = Status::Ready; // reconnected and up to date
            s.last_error = None;
        }
        let advice = outcome.resync;
        (outcome, advice)
    };
    record(shared, &outcome);
    if !outcome.changed.is_empty() || outcome.config_changed {
        schedule_cache_write(shared);
    }
    resync(shared, advice);
}

/// The shared stream broke and is reconnecting: flags may be out of date.
pub fn on_stream_down(shared: &Shared) {
    {
        let mut s = shared.borrow_mut();
        if s.status != Status::Ready {
            return;
        }
        s.status = Status::Stale;
        s.last_error = Some("flaglive: the live stream was interrupted; reconnecting".to_owned());
    }
    status_may_have_changed(shared);
}

/// Joins the base URL's shared stream if streaming is on and allowed now.
pub fn open_stream(shared: &Shared) {
    {
        let s = shared.borrow();
        if !s.opts.streaming || s.closed || s.status == Status::Unauthorized || s.closed_for_hidden {
            return;
        }
    }
    source::join(shared);
}

/// Leaves the shared stream (it closes when its last client leaves).
pub fn close_stream(s: &mut Inner) {
    source::leave(s);
}

/// Hidden for `hidden_close_ms`: close the stream (browsers allow few
/// connections per origin). Visible again: reopen and re-read.
pub fn on_visibility(shared: &Shared) {
    let hidden = browser::document_hidden();
    let mut s = shared.borrow_mut();
    if s.closed {
        return;
    }
    if hidden {
        if s.hidden_timer.is_none() && s.source.is_some() {
            let delay = s.opts.hidden_close_ms;
            arm(&mut s, shared, |s| &mut s.hidden_timer, delay, |shared| {
                let mut s = shared.borrow_mut();
                s.closed_for_hidden = true;
                close_stream(&mut s);
            });
        }
    } else {
        if let Some(t) = s.hidden_timer.take() {
            browser::cancel(t);
        }
        if std::mem::take(&mut s.closed_for_hidden) {
            drop(s);
            refresh(shared); // reopens the stream once the snapshot is in
        }
    }
}
