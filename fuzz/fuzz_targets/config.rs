//! Layered config (part E): two JSON values (split at the first NUL) as
//! base and override. Merge and diff must never panic, and: merging onto
//! itself changes nothing; a diff of a value with itself is empty; a merge
//! with an empty override is the base; the browser's resolution written
//! straight to text is the same as resolving and then writing.
#![no_main]
use flaglive::config::{deep_merge, diff, resolve, resolved_json, ConfigLayers};
use flaglive::json::{Map, Value};
use flaglive::json::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once('\0').unwrap_or((text, "{}"));
    let (Ok(base), Ok(over)) = (parse(a), parse(b)) else { return };
    let merged = deep_merge(&base, &over);
    assert!(diff(&merged, &merged).is_empty());
    assert_eq!(deep_merge(&merged, &merged), merged);
    if base.as_object().is_some() {
        assert_eq!(deep_merge(&base, &Value::Object(Map::new())), base);
    }
    let _ = diff(&base, &merged);
    let layers = ConfigLayers { defaults: Some(base), customer: Some(over), ..ConfigLayers::default() };
    // The oracle: `resolve`'s result as the object `{value, source}`, written by the general writer.
    let written = resolve(&layers).map(|(value, source)| {
        let object: Map = [("value".to_owned(), value), ("source".to_owned(), Value::from(source.as_str()))].into_iter().collect();
        let mut out = String::new();
        flaglive::json::write::value(&mut out, &Value::Object(object));
        out
    });
    assert_eq!(resolved_json(&layers), written);
});
