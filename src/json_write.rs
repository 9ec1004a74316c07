//! Writing JSON text by hand: strings escaped as `JSON.stringify` does,
//! [`Value`]s, and the snapshot shape (PROTOCOL.md part C) for the offline
//! cache. Why not serde: in the browser this is a few hundred bytes of
//! wasm, where serde's serializer and a value tree cost kilobytes.

use crate::config::ConfigLayers;
use crate::flag::Flag;
use crate::json::Value;
use crate::snapshot::Snapshot;

/// Appends `s` as a JSON string literal.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends a whole number (what versions, percentages and codes are).
pub fn integer(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    out.push_str(core::str::from_utf8(&digits[i..]).expect("ASCII digits"));
}

/// Appends a number as `JSON.stringify` would for the values that occur in
/// configuration (non-finite numbers become `null`, as in JS).
fn number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        integer(out, n as i64);
    } else {
        shortest(out, n);
    }
}

/// The shortest text that reads back as `n`, by Rust's float formatting.
#[cfg(not(all(target_arch = "wasm32", feature = "js-host")))]
fn shortest(out: &mut String, n: f64) {
    use core::fmt::Write;
    let _ = write!(out, "{n:?}");
}

/// The npm package's wasm asks its JS host (`String(n)`, the same shortest
/// round-trip text): Rust's float formatting would cost about 10 KB of it.
#[cfg(all(target_arch = "wasm32", feature = "js-host"))]
fn shortest(out: &mut String, n: f64) {
    #[link(wasm_import_module = "env")]
    extern "C" {
        /// Writes `String(n)` (ASCII, at most 25 bytes) at `to`; its length.
        fn fl_format_float(n: f64, to: *mut u8) -> usize;
    }
    let mut text = [0u8; 32];
    // SAFETY: the host writes at most 25 bytes into the 32 given.
    let len = unsafe { fl_format_float(n, text.as_mut_ptr()) }.min(text.len());
    out.push_str(core::str::from_utf8(&text[..len]).unwrap_or("null"));
}

pub fn value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => number(out, *n),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                value(out, item);
            }
            out.push('}');
        }
    }
}

/// Writes `"key":` after a comma unless it opens the object.
fn key(out: &mut String, first: &mut bool, k: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    string(out, k);
    out.push(':');
}

fn opt_string(out: &mut String, first: &mut bool, k: &str, v: &Option<String>) {
    if let Some(s) = v {
        key(out, first, k);
        string(out, s);
    }
}

fn flag(out: &mut String, f: &Flag) {
    let first = &mut true;
    out.push('{');
    opt_string(out, first, "id", &f.id);
    key(out, first, "flagName");
    string(out, &f.flag_name);
    opt_string(out, first, "description", &f.description);
    key(out, first, "enabled");
    out.push_str(if f.enabled { "true" } else { "false" });
    key(out, first, "rolloutStrategy");
    string(out, f.rollout_strategy.as_str());
    key(out, first, "rolloutPercentage");
    integer(out, f.rollout_percentage);
    opt_string(out, first, "metadata", &f.metadata);
    opt_string(out, first, "createdAt", &f.created_at);
    opt_string(out, first, "updatedAt", &f.updated_at);
    if let Some(t) = &f.user_target {
        key(out, first, "userTarget");
        out.push_str(if t.enabled { "{\"enabled\":true}" } else { "{\"enabled\":false}" });
    }
    key(out, first, "roleTargets");
    out.push('[');
    for (i, t) in f.role_targets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"role\":");
        string(out, &t.role);
        out.push_str(if t.enabled { ",\"enabled\":true}" } else { ",\"enabled\":false}" });
    }
    out.push_str("]}");
}

fn layers(out: &mut String, l: &ConfigLayers) {
    let first = &mut true;
    out.push('{');
    for (k, v) in [("defaults", &l.defaults), ("environment", &l.environment), ("organization", &l.organization), ("customer", &l.customer)] {
        if let Some(v) = v {
            key(out, first, k);
            value(out, v);
        }
    }
    out.push('}');
}

/// The snapshot document (part C), which [`Snapshot::from_json`] reads back
/// unchanged.
pub fn snapshot(out: &mut String, s: &Snapshot) {
    let first = &mut true;
    out.push('{');
    if let Some(v) = s.version {
        key(out, first, "version");
        integer(out, v as i64);
    }
    opt_string(out, first, "generatedAt", &s.generated_at);
    if let Some(u) = &s.user {
        key(out, first, "user");
        let inner = &mut true;
        out.push('{');
        opt_string(out, inner, "id", &u.id);
        opt_string(out, inner, "role", &u.role);
        out.push('}');
    }
    key(out, first, "flags");
    out.push('[');
    for (i, f) in s.flags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        flag(out, f);
    }
    out.push(']');
    if let Some(l) = &s.config {
        key(out, first, "config");
        layers(out, l);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_text;

    #[test]
    fn strings_escape_like_json_stringify() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}é\u{2028}😀");
        assert_eq!(out, r#""a\"b\\c\nd\u0001é\u{2028}😀""#.replace("\\u{2028}", "\u{2028}"));
        assert_eq!(json_text::parse(&out).unwrap(), Value::from("a\"b\\c\nd\u{1}é\u{2028}😀"));
    }

    #[test]
    fn integers_and_numbers() {
        for (n, text) in [(0i64, "0"), (-7, "-7"), (i64::MAX, "9223372036854775807"), (i64::MIN, "-9223372036854775808")] {
            let mut out = String::new();
            integer(&mut out, n);
            assert_eq!(out, text);
        }
        let mut out = String::new();
        value(&mut out, &json_text::parse(r#"[1.5,-0.25,1e300,3,null,true,{"k":"v"}]"#).unwrap());
        assert_eq!(out, r#"[1.5,-0.25,1e300,3,null,true,{"k":"v"}]"#);
    }

    #[test]
    fn a_snapshot_reads_back_equal() {
        let text = r#"{"version":7,"generatedAt":"t","user":{"id":"u\"1","role":"md"},
            "flags":[{"id":"f1","flagName":"a\nb","description":"d","enabled":true,"rolloutStrategy":"percentage",
            "rolloutPercentage":-5,"metadata":"{}","createdAt":"c","updatedAt":"u",
            "userTarget":{"enabled":false},"roleTargets":[{"role":"md","enabled":true}]},
            {"flagName":"b","enabled":false,"rolloutStrategy":"weird"}],
            "config":{"defaults":{"x":[1,{"y":null}]},"customer":{"x":2}}}"#;
        let s = Snapshot::from_json(text).unwrap();
        let mut out = String::new();
        snapshot(&mut out, &s);
        assert_eq!(Snapshot::from_json(&out).unwrap(), s);
    }
}
