//! Reading the wire types out of a parsed document ([`Json`]): the one
//! place that decides how tolerant each field is.
//!
//! The rules: fields that take part in evaluation are strict (a wrong type
//! is an error that costs only the enclosing item, e.g. one flag of a
//! snapshot); descriptive fields (description, metadata, timestamps) accept
//! anything and drop what is not a string; numbers are read the way the JS
//! server compares them. Every type implements [`FromValue`] by hand instead
//! of deriving serde's `Deserialize`: in the browser that is about 40 KB of
//! wasm less, and errors are static pieces ("field `enabled`: wrong type,
//! found a string") assembled without formatting code. Natively the same
//! readers back serde's `Deserialize` (see [`deserialize_via_value`]).

use crate::json::Value;
use crate::json_view::Json;

/// What was wrong, in static pieces; joined into a message only on request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The innermost named field the problem was found in.
    pub field: Option<&'static str>,
    pub problem: &'static str,
    pub found: Option<&'static str>,
}

impl ReadError {
    pub fn wrong_type(v: Json) -> ReadError {
        ReadError { field: None, problem: "wrong type", found: Some(v.kind()) }
    }

    pub fn expected_object(v: Json) -> ReadError {
        ReadError { field: None, problem: "expected an object", found: Some(v.kind()) }
    }

    pub fn missing(field: &'static str) -> ReadError {
        ReadError { field: Some(field), problem: "missing", found: None }
    }

    /// Attributes the error to `field` unless a nested field already claimed it.
    pub fn in_field(mut self, field: &'static str) -> ReadError {
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

/// Text that is not JSON at all.
impl From<crate::json_text::ParseError> for ReadError {
    fn from(e: crate::json_text::ParseError) -> ReadError {
        ReadError { field: None, problem: e.0, found: None }
    }
}

impl core::fmt::Display for ReadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ReadError {}

/// A type read from a value of a parsed JSON document.
pub trait FromValue: Sized {
    fn from_value(v: Json) -> Result<Self, ReadError>;
}

/// A string, or `None` for anything else (null, number, object, ...).
pub fn loose_string(v: Json) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// A rollout percentage from a JS number. The server compares
/// `bucket < rolloutPercentage`; for an integer bucket `b`, `b < x` exactly
/// when `b < ceil(x)`; `as` saturates at the i64 bounds (and maps +-inf to
/// them); `b < NaN` is false for every bucket, like `b < i64::MIN`.
pub fn percentage_of_number(v: f64) -> i64 {
    if v.is_nan() {
        i64::MIN
    } else {
        v.ceil() as i64
    }
}

/// The fields of a JSON object, read by name. A missing field and one whose
/// value is `null` are treated alike unless a reader says otherwise.
pub struct Fields<'a>(Json<'a>);

impl<'a> Fields<'a> {
    pub fn of(v: Json<'a>) -> Result<Fields<'a>, ReadError> {
        if v.is_object() {
            Ok(Fields(v))
        } else {
            Err(ReadError::expected_object(v))
        }
    }

    /// The field's value, even `null`; `None` when it is absent.
    pub fn raw(&self, key: &str) -> Option<Json<'a>> {
        self.0.get(key)
    }

    /// The field's value; `None` when it is absent or `null`.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        self.raw(key).filter(|v| !v.is_null())
    }

    /// A required string.
    pub fn string(&self, key: &'static str) -> Result<String, ReadError> {
        let v = self.raw(key).ok_or(ReadError::missing(key))?;
        v.as_str().map(str::to_owned).ok_or_else(|| ReadError::wrong_type(v).in_field(key))
    }

    /// A required boolean.
    pub fn bool(&self, key: &'static str) -> Result<bool, ReadError> {
        let v = self.raw(key).ok_or(ReadError::missing(key))?;
        v.as_bool().ok_or_else(|| ReadError::wrong_type(v).in_field(key))
    }

    /// An optional string: absent or `null` is `None`, another type an error.
    pub fn opt_string(&self, key: &'static str) -> Result<Option<String>, ReadError> {
        self.opt_with(key, |v| v.as_str().map(str::to_owned).ok_or_else(|| ReadError::wrong_type(v)))
    }

    /// An optional boolean: absent or `null` is `None`, another type an error.
    pub fn opt_bool(&self, key: &'static str) -> Result<Option<bool>, ReadError> {
        self.opt_with(key, |v| v.as_bool().ok_or_else(|| ReadError::wrong_type(v)))
    }

    /// A descriptive string: anything but a string is `None`, never an error.
    pub fn loose_string(&self, key: &str) -> Option<String> {
        self.raw(key).and_then(loose_string)
    }

    /// Like [`Fields::loose_string`], but a present field (even `null` or of
    /// the wrong type) is `Some`, so absence and `null` stay distinguishable.
    pub fn present_string(&self, key: &str) -> Option<Option<String>> {
        self.raw(key).map(loose_string)
    }

    /// A rollout percentage: absent or `null` (which compares like 0 in JS)
    /// is 0, any number as [`percentage_of_number`], anything else an error.
    pub fn percentage(&self, key: &'static str) -> Result<i64, ReadError> {
        match self.get(key) {
            None => Ok(0),
            Some(v) => v.as_f64().map(percentage_of_number).ok_or_else(|| ReadError::wrong_type(v).in_field(key)),
        }
    }

    /// Any number as `f64`; `None` for anything else.
    pub fn loose_number(&self, key: &str) -> Option<f64> {
        self.raw(key).and_then(Json::as_f64)
    }

    /// A change version: a non-negative whole number, `None` when absent or
    /// `null`, an error otherwise.
    pub fn version(&self, key: &'static str) -> Result<Option<u64>, ReadError> {
        self.opt_with(key, |v| match v.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 1.8e19 => Ok(n as u64),
            _ => Err(ReadError::wrong_type(v)),
        })
    }

    /// A nested item; absent or `null` is `None`.
    pub fn opt<T: FromValue>(&self, key: &'static str) -> Result<Option<T>, ReadError> {
        self.opt_with(key, T::from_value)
    }

    /// A list of items; absent or `null` is empty, a bad item an error.
    pub fn list<T: FromValue>(&self, key: &'static str) -> Result<Vec<T>, ReadError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(v) if v.is_array() => {
                let mut list = Vec::new();
                for item in v.items() {
                    list.push(T::from_value(item).map_err(|e| e.in_field(key))?);
                }
                Ok(list)
            }
            Some(other) => Err(ReadError::wrong_type(other).in_field(key)),
        }
    }

    /// Any JSON value, owned; `None` when absent or `null`.
    pub fn value(&self, key: &str) -> Option<Value> {
        self.get(key).map(Json::to_value)
    }

    fn opt_with<T>(&self, key: &'static str, read: impl FnOnce(Json<'a>) -> Result<T, ReadError>) -> Result<Option<T>, ReadError> {
        self.get(key).map(read).transpose().map_err(|e| e.in_field(key))
    }
}

/// Implements serde's `Deserialize` for types read with [`FromValue`], so
/// native code (the server, tests) can use serde_json and still get exactly
/// the rules above: the value is taken as a [`Value`], written back as text
/// and read like the wire. Generic, so the browser build links none of it.
macro_rules! deserialize_via_value {
    ($($t:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <crate::json::Value as serde::Deserialize>::deserialize(d)?;
                crate::read::read_value(&value).map_err(|e| <D::Error as serde::de::Error>::custom(e.message()))
            }
        }
    )*};
}
pub(crate) use deserialize_via_value;

/// Reads `T` from an owned [`Value`] (see [`deserialize_via_value`]).
pub fn read_value<T: FromValue>(value: &Value) -> Result<T, ReadError> {
    let mut text = String::new();
    crate::json_write::value(&mut text, value);
    read_text(&text)
}

/// Reads `T` from JSON text.
pub fn read_text<T: FromValue>(text: &str) -> Result<T, ReadError> {
    T::from_value(crate::json_text::parse_doc(text)?.root())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_text::parse_doc;

    #[test]
    fn messages_name_the_innermost_field() {
        let doc = parse_doc(r#"{"a":"x","n":null,"list":[1]}"#).unwrap();
        let f = Fields::of(doc.root()).unwrap();
        assert_eq!(f.bool("a").unwrap_err().message(), "field `a`: wrong type, found a string");
        assert_eq!(f.bool("zz").unwrap_err().message(), "field `zz`: missing");
        assert_eq!(f.opt_string("n"), Ok(None));
        assert_eq!(f.list::<Probe>("list").unwrap_err().message(), "field `list`: expected an object, found a number");
        assert_eq!(f.list::<Probe>("n"), Ok(vec![]));
        let nested = parse_doc(r#"{"list":[{"inner":3}]}"#).unwrap();
        let e = Fields::of(nested.root()).unwrap().list::<Probe>("list").unwrap_err();
        assert_eq!(e.message(), "field `inner`: wrong type, found a number");
        assert_eq!(Fields::of(parse_doc("[]").unwrap().root()).err().unwrap().message(), "expected an object, found an array");
        let repeated = parse_doc(r#"{"a":1,"a":true}"#).unwrap();
        assert_eq!(Fields::of(repeated.root()).unwrap().bool("a"), Ok(true), "a repeated key counts with its last value");
    }

    #[test]
    fn loose_and_numeric_readers() {
        let doc = parse_doc(r#"{"s":"x","n":3,"nul":null,"p":29.2,"neg":-1,"big":1e300,"frac":1.5,"str":"5"}"#).unwrap();
        let f = Fields::of(doc.root()).unwrap();
        assert_eq!((f.loose_string("s"), f.loose_string("n")), (Some("x".into()), None));
        assert_eq!((f.present_string("nul"), f.present_string("absent")), (Some(None), None));
        assert_eq!((f.percentage("p"), f.percentage("nul"), f.percentage("big")), (Ok(30), Ok(0), Ok(i64::MAX)));
        assert!(f.percentage("str").is_err());
        assert_eq!((f.version("n"), f.version("absent")), (Ok(Some(3)), Ok(None)));
        assert!(f.version("neg").is_err() && f.version("frac").is_err() && f.version("str").is_err());
        assert_eq!(percentage_of_number(f64::NAN), i64::MIN);
    }

    struct Probe;
    impl FromValue for Probe {
        fn from_value(v: Json) -> Result<Probe, ReadError> {
            Fields::of(v)?.opt_bool("inner").map(|_| Probe)
        }
    }
    impl PartialEq for Probe {
        fn eq(&self, _: &Probe) -> bool {
            true
        }
    }
    impl core::fmt::Debug for Probe {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("Probe")
        }
    }
}
