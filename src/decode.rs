//! Reading the wire types out of a parsed document ([`Json`]): the one
//! place that decides how tolerant each field is.
//!
//! The rules: fields that take part in evaluation are strict (a wrong type
//! is an error that costs only the enclosing item, e.g. one flag of a
//! snapshot); descriptive fields (description, metadata, timestamps) accept
//! anything and drop what is not a string; numbers are read the way the JS
//! server compares them. Every type implements [`Decode`] by hand instead
//! of deriving serde's `Deserialize`: in the browser that is about 40 KB of
//! wasm less, and errors are static pieces ("field `enabled`: wrong type,
//! found a string") assembled without formatting code. Natively the same
//! readers back serde's `Deserialize` (see [`deserialize_via_value`]).

use crate::json::Value;
use crate::json::ParseError;
use crate::json::{Json, Kind};

/// What was wrong, in four bytes; worded only by [`DecodeError::message`].
/// Small on purpose: every reader's result carries it. With the words in
/// it (three `&str`, 24 bytes), moving errors around made the module 1 KB
/// larger gzipped; in three separate bytes, still as large (measured).
///
/// Packed: the field (1 + its index in [`FIELD_NAMES`], or 0), the problem
/// (see [`DecodeError::message`]) and what was found (1 + a [`Kind`], or 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(u32);

const WRONG_TYPE: u32 = 0;
const EXPECTED_OBJECT: u32 = 1;
const MISSING: u32 = 2;
/// Text that is not JSON at all: `PARSE + ParseError as u32`.
const PARSE: u32 = 3;

/// Every field name a reader of the wire types asks for, so an error can
/// name its field in one byte (`read_errors_name_every_field` checks that
/// the list is complete).
const FIELD_NAMES: [&str; 33] = [
    "id", "flagName", "description", "enabled", "rolloutStrategy", "rolloutPercentage", "metadata", "createdAt",
    "updatedAt", "userTarget", "roleTargets", "role", "version", "generatedAt", "user", "flags", "config", "userId",
    "userRole", "type", "timestamp", "flagId", "payload", "layer", "value", "changedBy", "reason", "previousState",
    "newState", "defaults", "environment", "organization", "customer",
];

impl DecodeError {
    fn new(problem: u32, found: Option<Json>) -> DecodeError {
        DecodeError(problem << 8 | found.map_or(0, |v| v.kind() as u32 + 1) << 16)
    }

    pub fn wrong_type(v: Json) -> DecodeError {
        DecodeError::new(WRONG_TYPE, Some(v))
    }

    pub fn expected_object(v: Json) -> DecodeError {
        DecodeError::new(EXPECTED_OBJECT, Some(v))
    }

    pub fn missing(field: &'static str) -> DecodeError {
        DecodeError::new(MISSING, None).in_field(field)
    }

    /// Attributes the error to `field` unless a nested field already claimed it.
    pub fn in_field(self, field: &str) -> DecodeError {
        if self.0 & 0xff != 0 {
            return self;
        }
        DecodeError(self.0 | FIELD_NAMES.iter().position(|f| *f == field).map_or(0, |i| i as u32 + 1))
    }

    /// The field the problem was found in, when it has a name.
    pub fn field(&self) -> Option<&'static str> {
        FIELD_NAMES.get(((self.0 & 0xff) as usize).checked_sub(1)?).copied()
    }

    /// `field \`x\`: problem, found y`.
    pub fn message(&self) -> String {
        let mut m = String::new();
        if let Some(field) = self.field() {
            m.push_str("field `");
            m.push_str(field);
            m.push_str("`: ");
        }
        let problem = self.0 >> 8 & 0xff;
        m.push_str(match problem {
            WRONG_TYPE => "wrong type",
            EXPECTED_OBJECT => "expected an object",
            MISSING => "missing",
            _ => ParseError::message_of(problem - PARSE),
        });
        let found = Kind::described_of((self.0 >> 16).wrapping_sub(1));
        if !found.is_empty() {
            m.push_str(", found ");
            m.push_str(found);
        }
        m
    }
}

/// Text that is not JSON at all.
impl From<ParseError> for DecodeError {
    fn from(e: ParseError) -> DecodeError {
        DecodeError::new(PARSE + e as u32, None)
    }
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for DecodeError {}

/// A type read from a value of a parsed JSON document.
pub trait Decode: Sized {
    fn decode(v: Json) -> Result<Self, DecodeError>;
}

/// Whether descriptive fields are kept: descriptions, metadata, timestamps,
/// who changed a layer and why, a change's previous state. They never take
/// part in evaluation, and the browser package (the wasm build with feature
/// `js-host`) shows none of them, so there they are skipped: no code for
/// them in the module (about 300 bytes gzipped) and no strings for them in
/// a snapshot's take-in.
pub const KEEP_DESCRIPTIVE: bool = !cfg!(all(target_arch = "wasm32", feature = "js-host"));

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
    pub fn of(v: Json<'a>) -> Result<Fields<'a>, DecodeError> {
        if v.is_object() {
            Ok(Fields(v))
        } else {
            Err(DecodeError::expected_object(v))
        }
    }

    /// The field's value, even `null`; `None` when it is absent.
    #[inline(always)] // fewer bytes inlined (measured)
    pub fn raw(&self, key: &str) -> Option<Json<'a>> {
        self.0.get(key)
    }

    /// The field's value; `None` when it is absent or `null`.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        // Matches, not `Option` combinators, here and below: at opt-level
        // "z" every closure of a chain stays a function of its own (this
        // file's readers were several hundred bytes larger that way).
        match self.raw(key) {
            Some(v) if !v.is_null() => Some(v),
            _ => None,
        }
    }

    /// A required string.
    pub fn string(&self, key: &'static str) -> Result<String, DecodeError> {
        match self.raw(key) {
            None => Err(DecodeError::missing(key)),
            Some(v) => match v.as_str() {
                Some(s) => Ok(s.to_owned()),
                None => Err(DecodeError::wrong_type(v).in_field(key)),
            },
        }
    }

    /// A required boolean.
    pub fn bool(&self, key: &'static str) -> Result<bool, DecodeError> {
        match self.raw(key) {
            None => Err(DecodeError::missing(key)),
            Some(v) => match v.as_bool() {
                Some(b) => Ok(b),
                None => Err(DecodeError::wrong_type(v).in_field(key)),
            },
        }
    }

    /// An optional string: absent or `null` is `None`, another type an error.
    pub fn opt_string(&self, key: &'static str) -> Result<Option<String>, DecodeError> {
        self.opt_with(key, |v| match v.as_str() {
            Some(s) => Ok(s.to_owned()),
            None => Err(DecodeError::wrong_type(v)),
        })
    }

    /// An optional boolean: absent or `null` is `None`, another type an error.
    pub fn opt_bool(&self, key: &'static str) -> Result<Option<bool>, DecodeError> {
        self.opt_with(key, |v| match v.as_bool() {
            Some(b) => Ok(b),
            None => Err(DecodeError::wrong_type(v)),
        })
    }

    /// A descriptive string: anything but a string is `None`, never an error.
    pub fn loose_string(&self, key: &str) -> Option<String> {
        self.raw(key).and_then(loose_string)
    }

    /// A descriptive field (see [`KEEP_DESCRIPTIVE`]), read loosely.
    pub fn descriptive(&self, key: &str) -> Option<String> {
        if KEEP_DESCRIPTIVE {
            self.loose_string(key)
        } else {
            None
        }
    }

    /// Like [`Fields::descriptive`], but a present field (even `null` or of
    /// the wrong type) is `Some`, so absence and `null` stay distinguishable.
    pub fn present_descriptive(&self, key: &str) -> Option<Option<String>> {
        if KEEP_DESCRIPTIVE {
            self.present_string(key)
        } else {
            None
        }
    }

    /// Like [`Fields::loose_string`], but a present field (even `null` or of
    /// the wrong type) is `Some`, so absence and `null` stay distinguishable.
    pub fn present_string(&self, key: &str) -> Option<Option<String>> {
        self.raw(key).map(loose_string)
    }

    /// A rollout percentage: absent or `null` (which compares like 0 in JS)
    /// is 0, any number as [`percentage_of_number`], anything else an error.
    #[inline(always)] // fewer bytes inlined (measured)
    pub fn percentage(&self, key: &'static str) -> Result<i64, DecodeError> {
        match self.get(key) {
            None => Ok(0),
            Some(v) => match v.as_f64() {
                Some(n) => Ok(percentage_of_number(n)),
                None => Err(DecodeError::wrong_type(v).in_field(key)),
            },
        }
    }

    /// Any number as `f64`; `None` for anything else.
    pub fn loose_number(&self, key: &str) -> Option<f64> {
        self.raw(key).and_then(Json::as_f64)
    }

    /// A change version: a non-negative whole number, `None` when absent or
    /// `null`, an error otherwise.
    pub fn version(&self, key: &'static str) -> Result<Option<u64>, DecodeError> {
        self.opt_with(key, |v| match v.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 1.8e19 => Ok(n as u64),
            _ => Err(DecodeError::wrong_type(v)),
        })
    }

    /// A nested item; absent or `null` is `None`.
    #[inline(always)] // into each reader: 110 bytes less (measured)
    pub fn opt<T: Decode>(&self, key: &'static str) -> Result<Option<T>, DecodeError> {
        self.opt_with(key, T::decode)
    }

    /// A list of items; absent or `null` is empty, a bad item an error.
    pub fn list<T: Decode>(&self, key: &'static str) -> Result<Vec<T>, DecodeError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(v) if v.is_array() => {
                let mut list = Vec::new();
                for item in v.items() {
                    match T::decode(item) {
                        Ok(t) => list.push(t),
                        Err(e) => return Err(e.in_field(key)),
                    }
                }
                Ok(list)
            }
            Some(other) => Err(DecodeError::wrong_type(other).in_field(key)),
        }
    }

    /// Any JSON value, owned; `None` when absent or `null`.
    pub fn value(&self, key: &str) -> Option<Value> {
        self.get(key).map(Json::to_value)
    }

    #[inline(always)] // (for `opt`; the other callers measured the same either way)
    fn opt_with<T>(&self, key: &'static str, read: impl FnOnce(Json<'a>) -> Result<T, DecodeError>) -> Result<Option<T>, DecodeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match read(v) {
                Ok(t) => Ok(Some(t)),
                Err(e) => Err(e.in_field(key)),
            },
        }
    }
}

/// Implements serde's `Deserialize` for types read with [`Decode`], so
/// native code (the server, tests) can use serde_json and still get exactly
/// the rules above: the value is taken as a [`Value`], written back as text
/// and read like the wire. Generic, so the browser build links none of it.
macro_rules! deserialize_via_value {
    ($($t:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <crate::json::Value as serde::Deserialize>::deserialize(d)?;
                crate::decode::decode_value(&value).map_err(|e| <D::Error as serde::de::Error>::custom(e.message()))
            }
        }
    )*};
}
pub(crate) use deserialize_via_value;

/// Reads `T` from an owned [`Value`] (see [`deserialize_via_value`]).
pub fn decode_value<T: Decode>(value: &Value) -> Result<T, DecodeError> {
    let mut text = String::new();
    crate::json::write::value(&mut text, value);
    decode_text(&text)
}

/// Reads `T` from JSON text.
#[inline(always)] // fewer bytes inlined (measured)
pub fn decode_text<T: Decode>(text: &str) -> Result<T, DecodeError> {
    T::decode(crate::json::parse_doc(text)?.root())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_doc;

    #[test]
    fn messages_name_the_innermost_field() {
        let doc = parse_doc(r#"{"enabled":"x","role":null,"roleTargets":[1]}"#).unwrap();
        let f = Fields::of(doc.root()).unwrap();
        assert_eq!(f.bool("enabled").unwrap_err().message(), "field `enabled`: wrong type, found a string");
        assert_eq!(f.bool("flagName").unwrap_err().message(), "field `flagName`: missing");
        assert_eq!(f.opt_string("role"), Ok(None));
        assert_eq!(f.list::<Probe>("roleTargets").unwrap_err().message(), "field `roleTargets`: expected an object, found a number");
        assert_eq!(f.list::<Probe>("role"), Ok(vec![]));
        let nested = parse_doc(r#"{"roleTargets":[{"enabled":3}]}"#).unwrap();
        let e = Fields::of(nested.root()).unwrap().list::<Probe>("roleTargets").unwrap_err();
        assert_eq!(e.message(), "field `enabled`: wrong type, found a number");
        assert_eq!(e.field(), Some("enabled"));
        assert_eq!(Fields::of(parse_doc("[]").unwrap().root()).err().unwrap().message(), "expected an object, found an array");
        let repeated = parse_doc(r#"{"enabled":1,"enabled":true}"#).unwrap();
        assert_eq!(Fields::of(repeated.root()).unwrap().bool("enabled"), Ok(true), "a repeated key counts with its last value");
        assert_eq!(decode_text::<Probe>("[").unwrap_err().message(), "unexpected end of JSON input");
        assert_eq!(Fields::of(doc.root()).unwrap().bool("unlisted").unwrap_err().message(), "missing", "a name not in the list");
    }

    #[test]
    fn every_packed_error_words_back() {
        for (i, e) in ParseError::ALL.into_iter().enumerate() {
            assert_eq!(e as usize, i);
            assert_eq!(DecodeError::from(e).message(), e.message());
        }
        let doc = parse_doc(r#"[null,true,1,"s",[],{}]"#).unwrap();
        let found: Vec<_> = doc.root().items().map(|v| DecodeError::wrong_type(v).in_field("customer").message()).collect();
        let words = ["null", "a boolean", "a number", "a string", "an array", "an object"];
        for (message, word) in found.iter().zip(words) {
            assert_eq!(*message, format!("field `customer`: wrong type, found {word}"));
        }
        for (i, name) in FIELD_NAMES.into_iter().enumerate() {
            assert_eq!(DecodeError::missing(name).field(), Some(name), "{i}");
        }
    }

    /// Every name a reader asks for is in [`FIELD_NAMES`], or its errors
    /// would not say which field they are about.
    #[test]
    fn read_errors_name_every_field() {
        let sources = [include_str!("flag.rs"), include_str!("snapshot.rs"), include_str!("event.rs"), include_str!("rules.rs"), include_str!("config.rs")];
        let mut checked = 0;
        for source in sources {
            for (i, _) in source.match_indices("(\"") {
                let before = &source[..i];
                let method = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
                let reader = ["string", "bool", "opt_string", "opt_bool", "loose_string", "present_string", "percentage", "loose_number", "version", "opt", "list", "value", "get", "raw"];
                if !before.ends_with(&format!("f.{method}")) || !reader.contains(&method) {
                    continue;
                }
                let name = source[i + 2..].split('"').next().unwrap();
                assert!(FIELD_NAMES.contains(&name), "{name} is read but not in FIELD_NAMES");
                checked += 1;
            }
        }
        assert!(checked > 30, "found only {checked} field reads");
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
    impl Decode for Probe {
        fn decode(v: Json) -> Result<Probe, DecodeError> {
            Fields::of(v)?.opt_bool("enabled").map(|_| Probe)
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
