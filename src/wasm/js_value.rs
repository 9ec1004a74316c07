//! JS values to the core's JSON [`Value`], so arguments and options are read
//! by the same hand-written readers (`crate::read`) as wire data.

use crate::json::{Map, Value};
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

/// Deeper (or cyclic) structures end in `null` here instead of recursing
/// forever; no flag, context or option nests anywhere near this deep.
const MAX_DEPTH: u32 = 64;

/// Like `JSON.parse(JSON.stringify(v))`, but numbers keep `NaN` and
/// infinities (a rollout percentage of `Infinity` means everyone, as in JS),
/// and cycles cannot throw. `undefined` properties are left out; functions,
/// symbols and bigints read as `null`.
pub fn to_value(v: &JsValue) -> Value {
    walk(v, 0)
}

fn walk(v: &JsValue, depth: u32) -> Value {
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Value::Number(n);
    }
    if let Some(s) = v.as_string() {
        return Value::String(s);
    }
    if depth >= MAX_DEPTH || !v.is_object() {
        return Value::Null;
    }
    if let Some(array) = v.dyn_ref::<Array>() {
        return Value::Array(array.iter().map(|item| walk(&item, depth + 1)).collect());
    }
    let entries = Object::entries(v.unchecked_ref())
        .iter()
        .filter_map(|pair| {
            let pair: Array = pair.unchecked_into();
            let value = pair.get(1);
            if value.is_undefined() {
                return None;
            }
            Some((pair.get(0).as_string()?, walk(&value, depth + 1)))
        })
        .collect();
    Value::Object(Map::from_entries(entries))
}
