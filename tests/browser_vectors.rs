//! The production server's vectors inside headless Chromium, through the
//! JS-facing exports (`evaluate`, `bucket`, `chooseVariant` take and return
//! JS values exactly as a page calls them). Run by `scripts/test`.
#![cfg(target_arch = "wasm32")]

use flaglive::wasm::{bucket_js, choose_variant_js, evaluate_js};
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn vectors(section: &str) -> Array {
    let all = JSON::parse(include_str!("data/evaluation-vectors.json")).expect("vectors parse");
    get(&all, section).dyn_into().expect("section is an array")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("readable")
}

fn set(v: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(v, &JsValue::from_str(key), value).expect("writable");
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

fn error_message(e: JsValue) -> String {
    assert!(e.is_instance_of::<js_sys::TypeError>(), "a TypeError");
    get(&e, "message").as_string().expect("message")
}

#[wasm_bindgen_test]
fn every_hash_vector_in_the_browser() {
    let cases = vectors("hashes");
    assert!(cases.length() > 500);
    for c in cases.iter() {
        let got = bucket_js(get(&c, "userId"), get(&c, "flagName")).expect("bucket");
        assert_eq!(f64::from(got), get(&c, "bucket").as_f64().unwrap(), "{:?}", c);
    }
}

/// The vectors hold the server's storage model (all user targets); the
/// export takes the part C snapshot shape, in which the flag carries only the
/// calling user's own target (the first match) plus all role targets.
fn snapshot_flag(c: &JsValue) -> JsValue {
    let stored = get(c, "flag");
    if stored.is_null() {
        return JsValue::NULL;
    }
    let flag: JsValue = Object::assign(&Object::new(), stored.unchecked_ref()).into();
    set(&flag, "roleTargets", &get(c, "roleTargets"));
    let user_id = get(&get(c, "context"), "userId");
    let targets: Array = get(c, "userTargets").dyn_into().unwrap();
    if let Some(t) = targets.iter().find(|t| user_id.is_string() && get(t, "userId") == user_id) {
        set(&flag, "userTarget", &obj(&[("enabled", get(&t, "enabled"))]));
    }
    flag
}

#[wasm_bindgen_test]
fn every_evaluation_vector_in_the_browser() {
    let cases = vectors("evaluations");
    assert!(cases.length() > 500);
    for c in cases.iter() {
        let got = evaluate_js(snapshot_flag(&c), get(&c, "context")).expect("evaluate");
        let want = get(&c, "expected");
        assert_eq!(get(&got, "enabled"), get(&want, "enabled"), "{:?}", c);
        assert_eq!(get(&got, "reason"), get(&want, "reason"), "{:?}", c);
    }
}

#[wasm_bindgen_test]
fn every_ab_vector_in_the_browser() {
    let cases = vectors("abTests");
    assert!(cases.length() > 100);
    for c in cases.iter() {
        let got = choose_variant_js(
            get(&c, "testName"),
            get(&c, "variants"),
            get(&c, "enabledFlags"),
            get(&c, "defaultVariant"),
        )
        .expect("chooseVariant");
        assert_eq!(got, get(&c, "expected").as_string(), "{:?}", c);
    }
}

#[wasm_bindgen_test]
fn bad_input_is_a_type_error_never_a_crash() {
    let msg = error_message(evaluate_js(obj(&[]), JsValue::UNDEFINED).unwrap_err());
    assert!(msg.starts_with("flaglive.evaluate: invalid flag: ") && msg.contains("flagName"), "{msg}");
    let flag = obj(&[("flagName", "f".into()), ("enabled", JsValue::TRUE)]);
    let msg = error_message(evaluate_js(flag.clone(), obj(&[("userId", 42.into())])).unwrap_err());
    assert!(msg.starts_with("flaglive.evaluate: invalid context: "), "{msg}");
    assert!(evaluate_js(JsValue::from_str("flag"), JsValue::NULL).is_err());
    let msg = error_message(bucket_js(JsValue::from(5), "f".into()).unwrap_err());
    assert_eq!(msg, "flaglive.bucket: userId must be a string");
    assert!(choose_variant_js("t".into(), "a,b".into(), Array::new().into(), JsValue::NULL).is_err());
    assert!(choose_variant_js("t".into(), Array::of1(&5.into()).into(), Array::new().into(), JsValue::NULL).is_err());
    assert!(choose_variant_js("t".into(), Array::new().into(), Array::new().into(), 7.into()).is_err());
    // And the module still works afterwards.
    let ok = evaluate_js(flag, JsValue::NULL).unwrap();
    assert_eq!(get(&ok, "reason"), JsValue::from_str("default"));
}

#[wasm_bindgen_test]
fn missing_flag_and_missing_context() {
    let got = evaluate_js(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    assert_eq!(get(&got, "reason"), JsValue::from_str("flag_not_found"));
    assert_eq!(get(&got, "enabled"), JsValue::FALSE);
    let none = choose_variant_js("t".into(), Array::new().into(), Array::new().into(), JsValue::UNDEFINED);
    assert_eq!(none.unwrap(), None);
}
