//! A serde `Deserializer` over JS values, so the core's serde-derived wire
//! types are read straight from what `JSON.parse` / `Response.json()` gave.
//!
//! Why not serde-wasm-bindgen: its errors are built with `format!`, which
//! links `core::fmt` and float printing (about 15 KB of the 70 KB module we
//! measured with it). Here every error is assembled from static pieces (the
//! field, what was wrong, what was found), so no formatting code is linked,
//! and messages stay specific: "field `enabled`: wrong type, found a string".
//!
//! Structs read only the fields they declare (one `Reflect.get` each), so
//! unknown fields cost nothing.

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor};
use wasm_bindgen::{JsCast, JsValue};

/// What went wrong, in static pieces; joined into a message only on request.
#[derive(Debug)]
pub struct DeError {
    field: Option<&'static str>,
    problem: &'static str,
    found: Option<&'static str>,
}

impl DeError {
    fn new(problem: &'static str, found: Option<&'static str>) -> DeError {
        DeError { field: None, problem, found }
    }

    /// Attributes the error to `field` unless a nested field already claimed it.
    fn in_field(mut self, field: &'static str) -> DeError {
        self.field.get_or_insert(field);
        self
    }

    /// `field \`x\`: problem, found y`.
    pub fn message(&self) -> String {
        let mut m = String::new();
        if let Some(field) = self.field {
            m.push_str("field `");
            m.push_str(field);
            m.push_str("`: ");
        }
        m.push_str(self.problem);
        if let Some(found) = self.found {
            m.push_str(", found ");
            m.push_str(found);
        }
        m
    }
}

fn describe(u: &Unexpected) -> &'static str {
    match u {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "an array",
        Unexpected::Map => "an object",
        _ => "an unsupported value",
    }
}

impl core::fmt::Display for DeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    // Every constructor serde's derive uses is overridden so that none of
    // the formatting defaults is ever instantiated.
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        DeError::new("invalid value", None)
    }
    fn invalid_type(unexp: Unexpected, _: &dyn Expected) -> Self {
        DeError::new("wrong type", Some(describe(&unexp)))
    }
    fn invalid_value(unexp: Unexpected, _: &dyn Expected) -> Self {
        DeError::new("value out of range", Some(describe(&unexp)))
    }
    fn invalid_length(_: usize, _: &dyn Expected) -> Self {
        DeError::new("wrong number of elements", None)
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        DeError::new("unknown value", None)
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        DeError::new("unknown field", None)
    }
    fn missing_field(field: &'static str) -> Self {
        DeError::new("missing", None).in_field(field)
    }
    fn duplicate_field(field: &'static str) -> Self {
        DeError::new("duplicate", None).in_field(field)
    }
}

/// Reads a `T` from a JS value.
pub fn from_js<T: de::DeserializeOwned>(value: JsValue) -> Result<T, DeError> {
    T::deserialize(JsDeserializer(value))
}

pub struct JsDeserializer(JsValue);

/// Numbers that are exact integers go to `visit_i64` so integer fields
/// accept them; anything else to `visit_f64`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// What a JS value is, found by non-generic code: every generic method
/// below is a thin dispatch on this, so the per-type copies serde's derive
/// makes stay small.
enum Shape {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Array),
    Object(JsValue),
    Unsupported,
}

#[inline(never)]
fn shape(value: JsValue) -> Shape {
    if value.is_null() || value.is_undefined() {
        Shape::Null
    } else if let Some(b) = value.as_bool() {
        Shape::Bool(b)
    } else if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
            Shape::Int(n as i64)
        } else {
            Shape::Float(n)
        }
    } else if let Some(s) = value.as_string() {
        Shape::Str(s)
    } else if Array::is_array(&value) {
        Shape::Array(value.unchecked_into())
    } else if value.is_object() {
        Shape::Object(value)
    } else {
        Shape::Unsupported
    }
}

#[inline(never)]
fn is_nullish(value: &JsValue) -> bool {
    value.is_null() || value.is_undefined()
}

/// `Ok(())` when `value` can be read as a struct (a plain object).
#[inline(never)]
fn check_struct(value: &JsValue) -> Result<(), DeError> {
    if value.is_object() && !Array::is_array(value) {
        Ok(())
    } else {
        let found = if value.is_object() { "an array" } else { kind_of(value) };
        Err(DeError::new("expected an object", Some(found)))
    }
}

impl<'de> de::Deserializer<'de> for JsDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match shape(self.0) {
            Shape::Null => v.visit_unit(),
            Shape::Bool(b) => v.visit_bool(b),
            Shape::Int(n) => v.visit_i64(n),
            Shape::Float(n) => v.visit_f64(n),
            Shape::Str(s) => v.visit_string(s),
            Shape::Array(array) => v.visit_seq(Elements { array, next: 0 }),
            Shape::Object(object) => v.visit_map(Entries::new(object)),
            Shape::Unsupported => Err(DeError::new("wrong type", Some("an unsupported value"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        if is_nullish(&self.0) {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        // Arrays are objects too, but never a struct on this wire.
        check_struct(&self.0)?;
        v.visit_map(Fields { object: self.0, fields, next: 0, pending: None })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        // Nothing to skip over in a JS value: no need to walk it.
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map enum identifier
    }
}

fn kind_of(value: &JsValue) -> &'static str {
    if value.is_null() || value.is_undefined() {
        "null"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_string() {
        "a string"
    } else {
        "an unsupported value"
    }
}

/// The JS string for a field name, made once per name rather than once per
/// object read (110 000 times for a 10 000-flag snapshot). Names are
/// `'static`, so their address identifies them; there are a few dozen.
fn field_key(field: &'static str) -> JsValue {
    thread_local! {
        static KEYS: core::cell::RefCell<Vec<((usize, usize), JsValue)>> = const { core::cell::RefCell::new(Vec::new()) };
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        let id = (field.as_ptr() as usize, field.len());
        if let Some((_, key)) = keys.iter().find(|(k, _)| *k == id) {
            return key.clone();
        }
        let key = JsValue::from_str(field);
        keys.push((id, key.clone()));
        key
    })
}

/// The declared fields of a struct, read by name; absent ones are skipped so
/// serde applies the field's default (or reports it missing).
struct Fields {
    object: JsValue,
    fields: &'static [&'static str],
    next: usize,
    pending: Option<(&'static str, JsValue)>,
}

impl Fields {
    /// The next declared field present on the object (non-generic).
    #[inline(never)]
    fn advance(&mut self) -> Result<Option<&'static str>, DeError> {
        while let Some(&field) = self.fields.get(self.next) {
            self.next += 1;
            let value = Reflect::get(&self.object, &field_key(field))
                .map_err(|_| DeError::new("unreadable", None).in_field(field))?;
            if !value.is_undefined() {
                self.pending = Some((field, value));
                return Ok(Some(field));
            }
        }
        Ok(None)
    }

    #[inline(never)]
    fn take(&mut self) -> Result<(&'static str, JsValue), DeError> {
        self.pending.take().ok_or_else(|| DeError::new("internal: value before key", None))
    }
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.advance()? {
            Some(field) => seed.deserialize(field.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let (field, value) = self.take()?;
        seed.deserialize(JsDeserializer(value)).map_err(|e| e.in_field(field))
    }
}

/// Every own enumerable property of an object, for maps and for serde
/// machinery that reads structs through `deserialize_any`.
struct Entries {
    object: JsValue,
    keys: Array,
    next: u32,
    pending: Option<JsValue>,
}

impl Entries {
    #[inline(never)]
    fn new(object: JsValue) -> Entries {
        let keys = Object::keys(object.unchecked_ref::<Object>());
        Entries { object, keys, next: 0, pending: None }
    }

    /// The next key, remembering its value (non-generic).
    #[inline(never)]
    fn advance(&mut self) -> Result<Option<JsValue>, DeError> {
        if self.next >= self.keys.length() {
            return Ok(None);
        }
        let key = self.keys.get(self.next);
        self.next += 1;
        let value = Reflect::get(&self.object, &key).map_err(|_| DeError::new("unreadable property", None))?;
        self.pending = Some(value);
        Ok(Some(key))
    }

    #[inline(never)]
    fn take(&mut self) -> Result<JsValue, DeError> {
        self.pending.take().ok_or_else(|| DeError::new("internal: value before key", None))
    }
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.advance()? {
            Some(key) => seed.deserialize(JsDeserializer(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let value = self.take()?;
        seed.deserialize(JsDeserializer(value))
    }
}

struct Elements {
    array: Array,
    next: u32,
}

impl Elements {
    #[inline(never)]
    fn advance(&mut self) -> Option<JsValue> {
        if self.next >= self.array.length() {
            return None;
        }
        self.next += 1;
        Some(self.array.get(self.next - 1))
    }
}

impl<'de> de::SeqAccess<'de> for Elements {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        match self.advance() {
            Some(item) => seed.deserialize(JsDeserializer(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.array.length().saturating_sub(self.next) as usize)
    }
}
