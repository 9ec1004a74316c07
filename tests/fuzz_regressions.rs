//! Inputs the fuzzers (fuzz/) found, kept as ordinary tests.

use flaglive::config::{deep_merge, diff};
use flaglive::json::parse;

fn halves(bytes: &[u8]) -> (String, String) {
    let text = std::str::from_utf8(bytes).unwrap();
    let (a, b) = text.split_once('\0').unwrap_or((text, "{}"));
    (a.to_owned(), b.to_owned())
}

#[test]
fn config_merge_of_an_object_with_repeated_keys_is_stable() {
    let (a, b) = halves(include_bytes!("data/fuzz-config-crash.bin"));
    let (base, over) = (parse(&a).unwrap(), parse(&b).unwrap());
    let merged = deep_merge(&base, &over);
    let keys: Vec<&str> = merged.as_object().unwrap().iter().map(|(k, _)| k).collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(keys.len(), unique.len(), "parsed objects have unique keys");
    assert!(diff(&merged, &merged).is_empty());
    assert_eq!(deep_merge(&merged, &merged), merged);
}

#[test]
fn a_key_with_a_dot_is_not_the_nested_key() {
    let v = parse(r#"{"a.b": 1, "a": {"b": 2}}"#).unwrap();
    assert!(diff(&v, &v).is_empty());
    let w = parse(r#"{"a.b": 1, "a": {"b": 3}}"#).unwrap();
    let changes = diff(&v, &w);
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].path.as_str(), changes[0].new.clone()), ("a.b", Some(parse("3").unwrap())));
}
