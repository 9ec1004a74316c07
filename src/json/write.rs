//! Writing JSON text by hand: strings escaped as `JSON.stringify` does,
//! whole numbers, and [`Value`]s. Why not serde: in the browser this is a
//! few hundred bytes of wasm, where serde's serializer costs kilobytes.

use super::value::{is_integer, Value};

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

/// Appends an object member's `"key":`, after a `,` unless it is the
/// object's first (`out` then ends with its `{`).
pub fn key(out: &mut String, k: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    string(out, k);
    out.push(':');
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
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Appends a number as `JSON.stringify` would for the values that occur in
/// configuration (non-finite numbers become `null`, as in JS).
fn number(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if is_integer(n) {
        integer(out, n as i64);
    } else {
        shortest(out, n);
    }
}

/// The shortest text that reads back as `n`, by Rust's float formatting.
#[cfg(not(all(target_arch = "wasm32", any(feature = "js-host", feature = "host-floats"))))]
fn shortest(out: &mut String, n: f64) {
    use core::fmt::Write;
    let _ = write!(out, "{n:?}");
}

/// The npm package's wasm asks its JS host (`String(n)`, the same shortest
/// round-trip text): Rust's float formatting would cost about 10 KB of it.
/// (`host-floats`: a Rust host defines the two functions, flaglive-web.)
#[cfg(all(target_arch = "wasm32", any(feature = "js-host", feature = "host-floats")))]
fn shortest(out: &mut String, n: f64) {
    // An import of the npm package's JS host; with only `host-floats`, a
    // function of the Rust host, which the linker finds.
    #[cfg_attr(feature = "js-host", link(wasm_import_module = "env"))]
    extern "C" {
        /// Writes `String(n)` (ASCII, at most 25 bytes) at `to`; its length.
        fn fl_format_float(n: f64, to: *mut u8) -> usize;
    }
    let mut text = [0u8; 32];
    // SAFETY: the host writes at most 25 bytes into the 32 given.
    let len = unsafe { fl_format_float(n, text.as_mut_ptr()) }.min(text.len());
    // ASCII by the host's contract; a byte at a time needs no UTF-8 check.
    for &b in &text[..len] {
        out.push(char::from(b));
    }
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
            for (k, item) in map.iter() {
                key(out, k);
                value(out, item);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
        use super::*;

    #[test]
    fn strings_escape_like_json_stringify() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}é\u{2028}😀");
        assert_eq!(out, r#""a\"b\\c\nd\u0001é\u{2028}😀""#.replace("\\u{2028}", "\u{2028}"));
        assert_eq!(super::super::parse::parse(&out).unwrap(), Value::from("a\"b\\c\nd\u{1}é\u{2028}😀"));
    }

    #[test]
    fn integers_and_numbers() {
        for (n, text) in [(0i64, "0"), (-7, "-7"), (i64::MAX, "9223372036854775807"), (i64::MIN, "-9223372036854775808")] {
            let mut out = String::new();
            integer(&mut out, n);
            assert_eq!(out, text);
        }
        let mut out = String::new();
        value(&mut out, &super::super::parse::parse(r#"[1.5,-0.25,1e300,3,null,true,{"k":"v"}]"#).unwrap());
        assert_eq!(out, r#"[1.5,-0.25,1e300,3,null,true,{"k":"v"}]"#);
    }

    /// serde's writer and the core's own follow one integer rule.
    #[test]
    fn both_writers_print_the_same_integers() {
        for n in [0.0, -0.0, 30.0, -7.0, 9.0e15, 9_007_199_254_740_991.0, 9_007_199_254_740_992.0, 1.5] {
            let mut ours = String::new();
            value(&mut ours, &Value::Number(n));
            assert_eq!(serde_json::to_string(&Value::Number(n)).unwrap(), ours, "{n}");
        }
        assert!(crate::json::value::is_integer(9.0e15) && !crate::json::value::is_integer(9_007_199_254_740_992.0));
    }
}
