//! A JSON value, owned: what configuration layers hold (docs/protocol.md,
//! part E). The core cannot use `serde_json::Value`: the browser build
//! ships without serde_json. Objects keep their keys in document order.

use crate::name_index::NameIndex;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    /// A JS number: JSON integers beyond 2^53 lose precision, as in the browser.
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// An object's entries in document order; keys are unique (a duplicate key
/// in a document keeps its last value, as `JSON.parse` does).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    pub fn new() -> Map {
        Map(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, keeping its position when it already exists.
    pub fn insert(&mut self, key: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Map {
    /// A map of parsed entries, where a repeated key keeps its last value in
    /// its first position. Deduplicated through a [`NameIndex`], so a huge
    /// object costs O(n), not O(n^2) (small ones too: a second way for them
    /// was 90 bytes of the module).
    pub fn from_entries(entries: Vec<(String, Value)>) -> Map {
        let mut index = NameIndex::with_room(entries.len());
        let mut kept: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match index.find(&k, &|i| &kept[i].0) {
                Ok(i) => kept[i].1 = v,
                Err(slot) => {
                    index.set(slot, kept.len());
                    kept.push((k, v));
                }
            }
        }
        Map(kept)
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        Map::from_entries(iter.into_iter().collect())
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The value at a dotted path (`"a.b.c"`); the empty path is the value itself.
    pub fn pointer(&self, dotted: &str) -> Option<&Value> {
        if dotted.is_empty() {
            return Some(self);
        }
        dotted.split('.').try_fold(self, |v, key| v.as_object()?.get(key))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// The one rule for writing a number as an integer ("30", not "30.0"),
/// which every writer of JSON here follows: whole and within 2^53, where
/// every integer is exact in an f64 (beyond it `JSON.stringify` still
/// prints digits, but they are no longer the integer that was meant).
/// `-0` is `0`, as `JSON.stringify` writes it. A test, not an
/// `Option<i64>`: the module's number writer is 5 bytes smaller this way.
#[inline(always)]
pub fn is_integer(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) if is_integer(*n) => s.serialize_i64(*n as i64),
            Value::Number(n) if n.is_finite() => s.serialize_f64(*n),
            // JSON has no NaN or infinity; JSON.stringify writes null.
            Value::Number(_) => s.serialize_unit(),
            Value::String(v) => s.serialize_str(v),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map.iter() {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Value, D2::Error> {
                Value::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
                Ok(Value::Number(n as f64))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
                Ok(Value::Number(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
                Ok(Value::Number(n))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                Ok(Value::String(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
                Ok(Value::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = access.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Value::Object(Map::from_entries(entries)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json_text_in_key_order() {
        let text = r#"{"z":1,"a":[true,null,"s",2.5],"m":{"k":-3}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
        assert_eq!(v.pointer("m.k"), Some(&Value::Number(-3.0)));
        assert_eq!(v.pointer("m.missing"), None);
        assert_eq!(v.pointer("a.0"), None, "arrays are leaves, not paths");
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_in_the_first_place() {
        let v: Value = serde_json::from_str(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn large_objects_deduplicate_like_small_ones() {
        let mut entries: Vec<(String, Value)> = (0..40).map(|i| (format!("k{}", i % 25), Value::from(i as f64))).collect();
        entries.push(("k3".into(), Value::from("last")));
        let map = Map::from_entries(entries);
        assert_eq!(map.len(), 25);
        let keys: Vec<&str> = map.iter().map(|(k, _)| k).collect();
        assert_eq!(keys[..4], ["k0", "k1", "k2", "k3"], "first positions kept");
        assert_eq!(map.get("k3"), Some(&Value::from("last")));
        assert_eq!(map.get("k24"), Some(&Value::from(24.0)));
        assert_eq!(map.get("k0"), Some(&Value::from(25.0)));
    }
}
