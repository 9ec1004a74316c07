//! Snapshot text -> parse -> store. Must never panic; every stored flag
//! evaluates exactly as the core's `evaluate` says for the snapshot's user.
#![no_main]
use flaglive::store::Store;
use flaglive::{evaluate, Context, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(snapshot) = Snapshot::from_json(text) else { return };
    let mut store = Store::new();
    store.apply_snapshot(snapshot);
    let user = store.user().cloned().unwrap_or_default();
    let ctx = Context::new(user.id.as_deref(), user.role.as_deref());
    let names: Vec<String> = store.evaluations().map(|(n, _)| n.to_owned()).collect();
    for name in names {
        assert_eq!(store.evaluation(&name), evaluate(store.flag(&name), &ctx), "{name}");
    }
});
