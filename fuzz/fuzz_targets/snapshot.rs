//! Snapshot text -> parse -> store. Must never panic; every stored flag
//! evaluates exactly as the core's `evaluate` says for the snapshot's user;
//! and wherever serde_json reads the text too, every object lookup of the
//! core's parser agrees with it (the key bits of `json::doc` only make
//! lookups faster, never different).
#![no_main]
use flaglive::json::parse_doc;
use flaglive::json::Json;
use flaglive::store::Store;
use flaglive::{evaluate, Context, Snapshot};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Fields the readers ask for: absent in serde_json's object, absent here.
const WIRE_KEYS: [&str; 8] = ["id", "flagName", "enabled", "rolloutStrategy", "rolloutPercentage", "userTarget", "roleTargets", "role"];

fn agree(ours: Json, theirs: &Value) {
    match theirs {
        Value::Object(map) => {
            for (k, v) in map {
                agree(ours.get(k).unwrap_or_else(|| panic!("key {k:?} not found")), v);
            }
            for k in WIRE_KEYS {
                assert_eq!(ours.get(k).is_some(), map.contains_key(k), "{k}");
            }
        }
        Value::Array(items) => {
            assert_eq!(ours.items().count(), items.len());
            for (o, t) in ours.items().zip(items) {
                agree(o, t);
            }
        }
        Value::String(s) => assert_eq!(ours.as_str(), Some(s.as_str())),
        Value::Bool(b) => assert_eq!(ours.as_bool(), Some(*b)),
        Value::Null => assert!(ours.is_null()),
        Value::Number(_) => assert!(ours.as_f64().is_some()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let (Ok(doc), Ok(theirs)) = (parse_doc(text), serde_json::from_str::<Value>(text)) {
        agree(doc.root(), &theirs);
    }
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
