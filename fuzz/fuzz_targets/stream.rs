//! A snapshot (first line) and stream messages (one per further line)
//! applied to a store. Must never panic; whenever the store says no
//! resync is due, every flag evaluates as the core says for its user.
#![no_main]
use flaglive::event::StreamMessage;
use flaglive::store::{Resync, Store};
use flaglive::{evaluate, Context, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let mut store = Store::new();
    if let Some(Ok(snapshot)) = lines.next().map(Snapshot::from_json) {
        store.apply_snapshot(snapshot);
    }
    for line in lines {
        let Ok(message) = StreamMessage::from_json(line) else { continue };
        let outcome = store.apply_message(message);
        if outcome.resync != Resync::No {
            continue;
        }
        let user = store.user().cloned().unwrap_or_default();
        let ctx = Context::new(user.id.as_deref(), user.role.as_deref());
        for name in &outcome.changed {
            assert_eq!(store.evaluation(name), evaluate(store.flag(name), &ctx), "{name}");
        }
    }
});
