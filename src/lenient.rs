//! Deserialization helpers that make the wire types tolerant without making
//! them vague: fields that do not affect evaluation accept anything (a wrong
//! type there is dropped), and numbers are read the way the JS server reads
//! them. Every helper works with any self-describing deserializer
//! (serde_json natively, serde-wasm-bindgen in the browser).

use core::fmt;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// `null` (or a missing field, with `#[serde(default)]`) becomes `T::default()`.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A value read without type errors: strings and numbers are kept, anything
/// else (null, booleans, arrays, objects) is consumed and reported as `Other`.
enum Loose {
    Str(String),
    Num(f64),
    Other,
}

fn loose<'de, D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Loose;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
            Ok(Loose::Str(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
            Ok(Loose::Str(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
            Ok(Loose::Num(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
            Ok(Loose::Num(v as f64))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
            Ok(Loose::Num(v))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose, E> {
            Ok(Loose::Other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
            Ok(Loose::Other)
        }
        fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
            Ok(Loose::Other)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Loose, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Loose::Other)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Loose::Other)
        }
    }
    d.deserialize_any(V)
}

/// A string, or `None` for anything else (null, number, object, ...).
/// For descriptive fields (description, metadata, timestamps) whose shape
/// must never cost the client a flag.
pub fn any_as_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match loose(d)? {
        Loose::Str(s) => Some(s),
        _ => None,
    })
}

/// For a field with `#[serde(default)]`: present (even as `null` or of the
/// wrong type) is `Some`, so absence and `null` stay distinguishable.
pub fn present_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    any_as_opt_string(d).map(Some)
}

/// A rollout percentage. The server compares `bucket < rolloutPercentage`
/// with JS numbers, so any number must work: integers beyond `i64` saturate,
/// and a fraction is rounded up (for an integer bucket `b`, `b < x` exactly
/// when `b < ceil(x)`). `null` compares like 0 in JS, so it becomes 0.
pub fn percentage<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            Ok(i64::try_from(v).unwrap_or(i64::MAX))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            Ok(percentage_of_number(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<i64, E> {
            Ok(0)
        }
        fn visit_none<E: de::Error>(self) -> Result<i64, E> {
            Ok(0)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<i64, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V)
}

/// For an integer bucket `b`, `b < x` exactly when `b < ceil(x)`; `as`
/// saturates at the i64 bounds (and maps +-inf to them); `b < NaN` is false
/// for every bucket, like `b < i64::MIN`.
fn percentage_of_number(v: f64) -> i64 {
    if v.is_nan() {
        i64::MIN
    } else {
        v.ceil() as i64
    }
}

/// One element of a list that must survive a bad neighbour: a malformed
/// element becomes `Invalid` instead of failing the whole list.
#[derive(Debug)]
pub enum Lenient<T> {
    Valid(T),
    Invalid,
}

/// Natively: an untagged enum buffers the element (serde's `Content`) and
/// tries `T` first; the `IgnoredAny` arm accepts whatever is left. Exact
/// with every deserializer, streaming ones included.
#[cfg(not(target_arch = "wasm32"))]
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Valid(T),
            Invalid(IgnoredAny),
        }
        Ok(match Either::<T>::deserialize(d)? {
            Either::Valid(v) => Lenient::Valid(v),
            Either::Invalid(_) => Lenient::Invalid,
        })
    }
}

/// In the browser, values come from the JS-value deserializer, where every
/// element is a self-contained JS value: trying `T` and dropping its error
/// leaves nothing half-read, so no buffering is needed. (The buffering costs
/// about 22 KB of wasm.)
#[cfg(target_arch = "wasm32")]
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(T::deserialize(d).map_or(Lenient::Invalid, Lenient::Valid))
    }
}

/// An optional percentage: absent or `null` is `None`, any number as in
/// [`percentage`], anything else `None`.
pub fn opt_percentage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(opt_number(d)?.map(percentage_of_number))
}

/// Any number, truncated (and saturated) to `i64`; `None` otherwise.
pub fn opt_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(opt_number(d)?.filter(|n| !n.is_nan()).map(|n| n as i64))
}

/// Any number as `f64`; `None` for null or a value of another type.
pub fn opt_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match loose(d)? {
        Loose::Num(n) => Some(n),
        _ => None,
    })
}
