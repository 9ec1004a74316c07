//! Crossing between JS values and core types, with clear `TypeError`s.

use super::js_value::to_value;
use crate::json::Value;
use crate::read::FromValue;
use crate::rules::Evaluation;
use js_sys::{Array, Object, Reflect, TypeError};
use wasm_bindgen::{JsCast, JsValue};

fn type_error(message: &str) -> JsValue {
    TypeError::new(message).into()
}

/// Reads a core type from a JS value; on failure a `TypeError` whose message
/// is `prefix` followed by the reader's explanation.
pub fn read<T: FromValue>(value: &JsValue, prefix: &str) -> Result<T, JsValue> {
    T::from_value(&to_value(value)).map_err(|e| {
        let mut message = String::from(prefix);
        message.push_str(&e.message());
        type_error(&message)
    })
}

pub fn string_arg(value: &JsValue, message: &str) -> Result<String, JsValue> {
    value.as_string().ok_or_else(|| type_error(message))
}

pub fn optional_string_arg(value: &JsValue, message: &str) -> Result<Option<String>, JsValue> {
    if value.is_null() || value.is_undefined() {
        Ok(None)
    } else {
        string_arg(value, message).map(Some)
    }
}

pub fn string_list_arg(value: &JsValue, message: &str) -> Result<Vec<String>, JsValue> {
    let array = value.dyn_ref::<Array>().ok_or_else(|| type_error(message))?;
    array.iter().map(|item| string_arg(&item, message)).collect()
}

/// `{ enabled, reason }` as a plain JS object.
pub fn evaluation_to_js(e: Evaluation) -> JsValue {
    let obj = Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(&obj, &JsValue::from_str("enabled"), &JsValue::from_bool(e.enabled));
    let _ = Reflect::set(&obj, &JsValue::from_str("reason"), &JsValue::from_str(e.reason.as_str()));
    obj.into()
}

/// A configuration value as a plain JS value.
pub fn value_to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(value_to_js).collect::<Array>().into(),
        Value::Object(map) => {
            let obj = Object::new();
            for (k, v) in map.iter() {
                let _ = Reflect::set(&obj, &JsValue::from_str(k), &value_to_js(v));
            }
            obj.into()
        }
    }
}
