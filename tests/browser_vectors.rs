//! The production server's vectors inside headless Chromium, through the
//! core's text interface exactly as the npm package's JS host calls it
//! (`engine::bucket`, and `Engine::snapshot` / `Engine::variant` for
//! `evaluate` and `chooseVariant`). Run by `scripts/test`. (Built without the `js-host` feature:
//! number conversions are Rust's here, the JS host's in the package, whose
//! own Chromium tests run the same vectors through it.)
#![cfg(target_arch = "wasm32")]

use flaglive::engine;
use serde_json::{json, Value};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn vectors(section: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("data/evaluation-vectors.json")).expect("vectors parse");
    all[section].as_array().expect("section is an array").clone()
}

const REASONS: [&str; 9] = ["flag_not_found", "flag_disabled", "user_targeted", "role_targeted", "strategy_all",
    "strategy_none", "strategy_targeted", "percentage_rollout", "default"];

#[wasm_bindgen_test]
fn every_hash_vector_in_the_browser() {
    let cases = vectors("hashes");
    assert!(cases.len() > 500);
    for c in cases {
        let got = engine::bucket(&json!([c["userId"], c["flagName"]]).to_string()).expect("bucket");
        assert_eq!(Some(u64::from(got)), c["bucket"].as_u64(), "{c}");
    }
}

/// The vectors hold the server's storage model (all user targets); the
/// core takes the part C snapshot shape, in which the flag carries only the
/// calling user's own target (the first match) plus all role targets.
fn snapshot_flag(c: &Value) -> Value {
    if c["flag"].is_null() {
        return Value::Null;
    }
    let mut flag = c["flag"].clone();
    flag["roleTargets"] = c["roleTargets"].clone();
    let user_id = &c["context"]["userId"];
    let own = c["userTargets"].as_array().unwrap().iter().find(|t| user_id.is_string() && t["userId"] == *user_id);
    if let Some(t) = own {
        flag["userTarget"] = json!({ "enabled": t["enabled"] });
    }
    flag
}

#[wasm_bindgen_test]
fn every_evaluation_vector_in_the_browser() {
    let cases = vectors("evaluations");
    assert!(cases.len() > 500);
    for c in cases {
        let code = evaluate(&snapshot_flag(&c), &c["context"]).expect("evaluate");
        let want = &c["expected"];
        assert_eq!(Some(code % 2 == 1), want["enabled"].as_bool(), "{c}");
        assert_eq!(Some(REASONS[usize::from(code / 2)]), want["reason"].as_str(), "{c}");
    }
}

#[wasm_bindgen_test]
fn every_ab_vector_in_the_browser() {
    let cases = vectors("abTests");
    assert!(cases.len() > 100);
    for c in cases {
        let out = choose(&c["testName"], &c["variants"], &c["enabledFlags"], &c["defaultVariant"]).expect("chooseVariant");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), c["expected"], "{c}");
    }
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_never_a_crash() {
    let err = evaluate(&json!({}), &Value::Null).unwrap_err();
    assert!(err.contains("flagName"), "{err}");
    assert!(evaluate(&json!("flag"), &Value::Null).is_err());
    assert!(engine::Engine::new().snapshot("not json", &mut String::new()).is_err());
    assert!(engine::bucket(r#"[5,"f"]"#).is_err());
    assert!(choose(&json!("t"), &json!({"a": 1}), &json!([]), &Value::Null).is_err());
    assert!(choose(&json!("t"), &json!([5]), &json!([]), &Value::Null).is_err());
    assert!(choose(&json!("t"), &json!([]), &json!([]), &json!(7)).is_err());
    // And the core still works afterwards.
    assert_eq!(evaluate(&json!({"flagName":"f","enabled":true}), &Value::Null).map(|c| REASONS[usize::from(c / 2)]), Ok("default"));
}

#[wasm_bindgen_test]
fn missing_flag_and_missing_context() {
    assert_eq!(evaluate(&Value::Null, &Value::Null), Ok(0), "flag_not_found, false");
    assert_eq!(choose(&json!("t"), &json!([]), &json!([]), &Value::Null).as_deref(), Ok("null"));
}

/// `evaluate(flag, context)` as the package runs it: a snapshot of that one
/// flag for that user; its code, or why the flag was left out.
fn evaluate(flag: &Value, context: &Value) -> Result<u8, String> {
    let flags = if flag.is_null() { json!([]) } else { json!([flag]) };
    let user = json!({ "id": context["userId"], "role": context["userRole"] });
    let mut out = String::new();
    engine::Engine::new().snapshot(&json!({ "user": user, "flags": flags }).to_string(), &mut out).map_err(|e| e.to_string())?;
    let out: Value = serde_json::from_str(&out).unwrap();
    if let Some(why) = out["s"].as_str() {
        return Err(why.to_owned());
    }
    Ok(out["f"].as_object().unwrap().values().next().map_or(0, |c| c.as_u64().unwrap() as u8))
}

/// `chooseVariant` as the package runs it: the engine's variant choice over
/// a snapshot in which exactly `enabled` flags are on.
fn choose(test: &Value, variants: &Value, enabled: &Value, default: &Value) -> Result<String, &'static str> {
    let flags: Vec<Value> = enabled.as_array().unwrap().iter().map(|n| json!({"flagName": n, "enabled": true, "rolloutStrategy": "all"})).collect();
    let mut e = engine::Engine::new();
    e.snapshot(&json!({ "flags": flags }).to_string(), &mut String::new()).unwrap();
    // The package's argument order: [testName, defaultVariant|null, ...variants].
    let mut args = vec![test.clone(), default.clone()];
    match variants.as_array() {
        Some(list) => args.extend(list.iter().cloned()),
        None => args.push(variants.clone()),
    }
    let mut out = String::new();
    e.variant(&Value::Array(args).to_string(), &mut out).map(|()| out)
}
