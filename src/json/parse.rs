//! JSON text to a parsed document ([`Doc`]), with `JSON.parse`'s semantics
//! (RFC 8259, numbers as f64, a duplicate key counts with its last value).
//!
//! Why our own parser: the browser build ships without serde_json, and
//! parsing the snapshot's text in wasm is several times faster than walking
//! the object `JSON.parse` builds one property at a time across the JS
//! boundary. Why a flat document instead of a [`Value`] tree: a snapshot of
//! 10 000 flags is ~100 000 strings; here they stay slices of the text (only
//! strings with escapes are copied), and the whole document is one `Vec`, so
//! reading it costs no allocation per field. The decoders ([`crate::decode`])
//! take what they keep straight from it. Errors are static strings (no
//! formatting code in the wasm).

use super::doc::{key_bit, Doc, Node, ANY_KEYS};
use super::value::Value;

/// Deeper documents are rejected instead of overflowing the stack.
const MAX_DEPTH: usize = 128;

/// Why a text is not JSON. One byte: every parser result carries it, and
/// a wider error (it was a `&'static str`) made the module larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ParseError {
    UnexpectedEnd,
    TextAfterValue,
    InvalidLiteral,
    UnexpectedCharacter,
    TooDeep,
    ExpectedKey,
    ExpectedColon,
    ExpectedObjectSeparator,
    ExpectedArraySeparator,
    ControlCharacter,
    Unterminated,
    InvalidEscape,
    InvalidUnicodeEscape,
    InvalidNumber,
}

impl ParseError {
    pub const ALL: [ParseError; 14] = [
        ParseError::UnexpectedEnd,
        ParseError::TextAfterValue,
        ParseError::InvalidLiteral,
        ParseError::UnexpectedCharacter,
        ParseError::TooDeep,
        ParseError::ExpectedKey,
        ParseError::ExpectedColon,
        ParseError::ExpectedObjectSeparator,
        ParseError::ExpectedArraySeparator,
        ParseError::ControlCharacter,
        ParseError::Unterminated,
        ParseError::InvalidEscape,
        ParseError::InvalidUnicodeEscape,
        ParseError::InvalidNumber,
    ];

    pub fn message(self) -> &'static str {
        ParseError::message_of(self as u32)
    }

    /// The message of the error whose discriminant is `code` ("" for none):
    /// what [`crate::decode::DecodeError`] keeps of a parse error is its
    /// number, and a match on it needs no table of the variants (14 bytes).
    pub fn message_of(code: u32) -> &'static str {
        match code {
            0 => "unexpected end of JSON input",
            1 => "unexpected text after the JSON value",
            2 => "invalid literal",
            3 => "unexpected character",
            4 => "nesting too deep",
            5 => "expected a string key in an object",
            6 => "expected `:` after an object key",
            7 => "expected `,` or `}` in an object",
            8 => "expected `,` or `]` in an array",
            9 => "control character in a string",
            10 => "unterminated string",
            11 => "invalid escape in a string",
            12 => "invalid \\u escape",
            13 => "invalid number",
            _ => "",
        }
    }
}

impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

/// Parses a complete JSON document.
pub fn parse_doc(text: &str) -> Result<Doc<'_>, ParseError> {
    // About one value per 9 bytes in a compact snapshot: room for one per
    // 8 is one allocation, where growing the list was a tenth of the parse.
    let nodes = Vec::with_capacity(text.len() / 8 + 1);
    let mut p = Parser { bytes: text.as_bytes(), text, pos: 0, doc: Doc { nodes, owned: String::new() } };
    p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(ParseError::TextAfterValue);
    }
    Ok(p.doc)
}

/// Parses a complete JSON document into an owned [`Value`].
pub fn parse(text: &str) -> Result<Value, ParseError> {
    Ok(parse_doc(text)?.root().to_value())
}

/// `peek`, `eat` and the test of `skip_ws` are `#[inline(always)]` (see
/// [`super::doc`]); forcing `push` inline too measured no faster.
struct Parser<'a> {
    /// `text`'s bytes; the parser only stops at ASCII bytes, so every
    /// slice it takes of `text` is at a character boundary.
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    doc: Doc<'a>,
}

impl<'a> Parser<'a> {
    /// The text from `start` to the current position.
    fn slice(&self, start: usize) -> &'a str {
        // SAFETY: both ends are positions the parser stopped at, which are
        // always at ASCII bytes or the end (see `bytes`), so at character
        // boundaries, with `start <= pos <= len`. Checking that again was
        // code in every slice.
        debug_assert!(start <= self.pos && self.text.is_char_boundary(start) && self.text.is_char_boundary(self.pos));
        unsafe { self.text.get_unchecked(start..self.pos) }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Whitespace is rare between tokens (servers send compact JSON), so
    /// the test for it is inline and the loop is not.
    #[inline(always)]
    fn skip_ws(&mut self) {
        if self.peek().is_some_and(|b| b <= b' ') {
            self.skip_ws_loop();
        }
    }

    fn skip_ws_loop(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    #[inline]
    fn push(&mut self, node: Node<'a>) {
        self.doc.nodes.push(node);
    }

    fn literal(&mut self, word: &[u8], node: Node<'a>) -> Result<(), ParseError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.push(node);
            Ok(())
        } else {
            Err(ParseError::InvalidLiteral)
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), ParseError> {
        self.skip_ws();
        match self.peek() {
            None => Err(ParseError::UnexpectedEnd),
            Some(b'{') => self.container(depth + 1, true),
            Some(b'[') => self.container(depth + 1, false),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b'-' | b'0'..=b'9') => {
                let n = self.number()?;
                self.push(Node::Number(n));
                Ok(())
            }
            Some(_) => Err(ParseError::UnexpectedCharacter),
        }
    }

    /// An object (keys and values alternate) or an array.
    fn container(&mut self, depth: usize, object: bool) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        self.pos += 1;
        let at = self.doc.nodes.len();
        self.push(Node::Null); // becomes the container once its end is known
        let close = if object { b'}' } else { b']' };
        let mut keys = 0;
        self.skip_ws();
        if !self.eat(close) {
            loop {
                if object {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(ParseError::ExpectedKey);
                    }
                    self.string()?;
                    let bit = match self.doc.nodes.last() {
                        Some(Node::Str(key)) => key_bit(key),
                        _ => ANY_KEYS,
                    };
                    keys = if keys & bit == 0 { keys | bit } else { ANY_KEYS };
                    self.skip_ws();
                    if !self.eat(b':') {
                        return Err(ParseError::ExpectedColon);
                    }
                }
                self.value(depth)?;
                self.skip_ws();
                if self.eat(close) {
                    break;
                }
                if !self.eat(b',') {
                    return Err(if object { ParseError::ExpectedObjectSeparator } else { ParseError::ExpectedArraySeparator });
                }
            }
        }
        let end = self.doc.nodes.len() as u32;
        self.doc.nodes[at] = if object { Node::Object(end, keys) } else { Node::Array(end) };
        Ok(())
    }

    /// A string starting at the opening quote: a slice of the text when it
    /// has no escapes, else decoded into [`Doc::owned`]. A lone surrogate
    /// escape (which a Rust string cannot hold) becomes U+FFFD, as it would
    /// crossing into Rust from JS.
    fn string(&mut self) -> Result<(), ParseError> {
        self.pos += 1;
        let first = self.pos;
        // Where this string's decoded text starts in `owned`, once it has an escape.
        let mut decoded: Option<usize> = None;
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            match self.peek() {
                Some(b'"') => {
                    let node = match decoded {
                        None => Node::Str(self.slice(first)),
                        Some(at) => {
                            self.doc.owned.push_str(self.slice(start));
                            Node::Owned(at as u32, self.doc.owned.len() as u32)
                        }
                    };
                    self.pos += 1;
                    self.push(node);
                    return Ok(());
                }
                Some(b'\\') => {
                    decoded.get_or_insert(self.doc.owned.len());
                    self.doc.owned.push_str(self.slice(start));
                    self.pos += 1;
                    let c = self.escape()?;
                    self.doc.owned.push(c);
                }
                Some(_) => return Err(ParseError::ControlCharacter),
                None => return Err(ParseError::Unterminated),
            }
        }
    }

    /// The character an escape (after its backslash) stands for.
    fn escape(&mut self) -> Result<char, ParseError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&unit) && self.bytes[self.pos..].starts_with(b"\\u") {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                    } else {
                        self.pos = save; // not a pair: the next escape stands alone
                        None
                    }
                } else {
                    char::from_u32(unit)
                };
                return Ok(c.unwrap_or('\u{FFFD}'));
            }
            _ => return Err(ParseError::InvalidEscape),
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or(ParseError::InvalidUnicodeEscape)?;
        let mut unit = 0;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or(ParseError::InvalidUnicodeEscape)?;
            unit = unit * 16 + v;
        }
        self.pos += 4;
        Ok(unit)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, read as the nearest
    /// f64 like JS. Short integers (almost every number in a snapshot) are
    /// exact in i64 and skip the general decimal conversion.
    fn number(&mut self) -> Result<f64, ParseError> {
        let start = self.pos;
        self.eat(b'-');
        let int_start = self.pos;
        if !self.eat(b'0') && self.digits() == 0 {
            return Err(ParseError::InvalidNumber);
        }
        let int_digits = self.pos - int_start;
        let mut simple = int_digits <= 15;
        if self.eat(b'.') {
            simple = false;
            if self.digits() == 0 {
                return Err(ParseError::InvalidNumber);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            simple = false;
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(ParseError::InvalidNumber);
            }
        }
        let text = &self.bytes[start..self.pos];
        if simple {
            let magnitude = text[int_start - start..].iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
            let n = magnitude as f64;
            return Ok(if int_start > start { -n } else { n });
        }
        // Only ASCII digits, signs, '.' and 'e' were accepted above.
        let text = self.slice(start);
        decimal_to_f64(text).ok_or(ParseError::InvalidNumber)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }
}

/// The nearest f64 to a valid JSON number that is not a short integer
/// (those, nearly every number on the wire, `Parser::number` reads itself).
#[cfg(not(all(target_arch = "wasm32", any(feature = "js-host", feature = "host-floats"))))]
fn decimal_to_f64(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// The npm package's wasm asks its JS host: JS's conversion is correctly
/// rounded like Rust's (so the same result), and Rust's own decimal-to-float
/// code would be several KB of the package.
#[cfg(all(target_arch = "wasm32", any(feature = "js-host", feature = "host-floats")))]
fn decimal_to_f64(text: &str) -> Option<f64> {
    // An import of the npm package's JS host; with only `host-floats`, a
    // function of the Rust host, which the linker finds.
    #[cfg_attr(feature = "js-host", link(wasm_import_module = "env"))]
    extern "C" {
        /// `parseFloat` of the UTF-8 text at `ptr` (pkg-template/wasm.js).
        fn fl_parse_float(ptr: *const u8, len: usize) -> f64;
    }
    // SAFETY: the host only reads `len` bytes at `ptr`.
    Some(unsafe { fl_parse_float(text.as_ptr(), text.len()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Value {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// The keys of each wire object a snapshot is made of (docs/protocol.md
    /// part C) have distinct [`key_bit`]s, so reading one stops at the
    /// first match and skips absent fields at once.
    #[test]
    fn key_bits_tell_wire_fields_apart() {
        let objects: [&[&str]; 4] = [
            &[
                "id", "flagName", "description", "enabled", "rolloutStrategy", "rolloutPercentage", "metadata",
                "createdAt", "updatedAt", "userTarget", "roleTargets",
            ],
            &["version", "generatedAt", "user", "flags", "config"],
            &["id", "role"],
            &["role", "enabled"],
        ];
        for keys in objects {
            let mut bits = 0;
            for key in keys {
                assert_eq!(bits & key_bit(key), 0, "{key} shares a bit in {keys:?}");
                bits |= key_bit(key);
            }
        }
    }

    /// Whatever the bits say, a lookup answers as `JSON.parse` would.
    #[test]
    fn object_lookups_agree_with_json_parse() {
        assert_eq!(key_bit("a"), key_bit("kxx"), "the pair below shares a bit");
        let doc = parse_doc(r#"{"a":1,"kxx":2,"b":3,"b":4,"fl\u0061g":5}"#).unwrap();
        let get = |k: &str| doc.root().get(k).and_then(|v| v.as_f64());
        assert_eq!((get("a"), get("kxx"), get("b"), get("flag")), (Some(1.0), Some(2.0), Some(4.0), Some(5.0)));
        assert_eq!((get("c"), get("")), (None, None));
        // Distinct bits: the first match is the only one.
        let doc = parse_doc(r#"{ "id" : "x" , "enabled":true,"role":null, "b":2 }"#).unwrap();
        assert_eq!(doc.root().get("enabled").and_then(|v| v.as_bool()), Some(true));
        assert!(doc.root().get("role").is_some_and(|v| v.is_null()) && doc.root().get("flags").is_none());
        assert_eq!(key_bit("lxx"), key_bit("b"));
        assert!(doc.root().get("lxx").is_none(), "absent, with a present key's bit");
        let doc = parse_doc(r#"{"enabled":false,"enabled":true}"#).unwrap();
        assert_eq!(doc.root().get("enabled").and_then(|v| v.as_bool()), Some(true), "a repeated key: the last");
    }

    #[test]
    fn reads_every_kind_of_value() {
        let v = ok(r#" {"a":[true,false,null,"s",-0,12,1.5e2,-3.25E-1],"o":{}, "e":[] } "#);
        let a = match v.as_object().unwrap().get("a").unwrap() {
            Value::Array(items) => items.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            a,
            [
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
                Value::from("s"),
                Value::Number(0.0),
                Value::Number(12.0),
                Value::Number(150.0),
                Value::Number(-0.325)
            ]
        );
    }

    #[test]
    fn numbers_round_like_js() {
        assert_eq!(ok("9007199254740993"), Value::Number(9007199254740992.0));
        assert_eq!(ok("123456789012345"), Value::Number(123456789012345.0));
        assert_eq!(ok("0.1"), Value::Number(0.1));
        assert_eq!(ok("1e400"), Value::Number(f64::INFINITY));
        assert_eq!(ok("-0").clone(), Value::Number(-0.0));
        match ok("-0") {
            Value::Number(n) => assert!(n.is_sign_negative()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(ok(r#""a\"\\\/\b\f\n\r\t\u00e9\u20AC""#), Value::from("a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{20ac}"));
        assert_eq!(ok(r#""\ud83d\ude00 ok""#), Value::from("\u{1F600} ok"));
        assert_eq!(ok(r#""\ud800x""#), Value::from("\u{FFFD}x"), "lone high surrogate");
        assert_eq!(ok(r#""\udc00""#), Value::from("\u{FFFD}"), "lone low surrogate");
        assert_eq!(ok(r#""\ud800\u0041""#), Value::from("\u{FFFD}A"), "high surrogate then a non-surrogate");
        assert_eq!(ok("\"h\u{e9}llo \u{1F600}\""), Value::from("h\u{e9}llo \u{1F600}"));
        // Decoded strings share one buffer: each keeps its own bounds.
        let list = ok(r#"["a\nb","plain","\u00e9\u00e9","",{"k\"ey":"v\/"},"\"q\""]"#);
        let Value::Array(items) = list else { panic!("{list:?}") };
        let strings: Vec<_> = items.iter().filter_map(Value::as_str).collect();
        assert_eq!(strings, ["a\nb", "plain", "\u{e9}\u{e9}", "", "\"q\""]);
        let entry = items[4].as_object().unwrap().iter().next().map(|(k, v)| (k.to_owned(), v.clone()));
        assert_eq!(entry, Some(("k\"ey".to_owned(), Value::from("v/"))));
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let v = ok(r#"{"a":1,"b":2,"a":3}"#);
        let keys: Vec<_> = v.as_object().unwrap().iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        assert_eq!(keys, [("a".to_owned(), Value::Number(3.0)), ("b".to_owned(), Value::Number(2.0))]);
    }

    #[test]
    fn rejects_what_json_parse_rejects() {
        for bad in [
            "", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "'s'", "01", "1.", ".5", "-", "1e", "+1", "NaN", "tru",
            "nul", "\"\\x\"", "\"\\u12\"", "\"unterminated", "\"tab\there\"", "[1] 2", "{\"a\" 1}", "[1 2]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    /// `message_of` matches on numbers: each variant keeps its own words
    /// whatever order the variants are in.
    #[test]
    fn each_error_has_its_own_words() {
        use ParseError::*;
        let words = [
            (UnexpectedEnd, "unexpected end of JSON input"),
            (TextAfterValue, "unexpected text after the JSON value"),
            (InvalidLiteral, "invalid literal"),
            (UnexpectedCharacter, "unexpected character"),
            (TooDeep, "nesting too deep"),
            (ExpectedKey, "expected a string key in an object"),
            (ExpectedColon, "expected `:` after an object key"),
            (ExpectedObjectSeparator, "expected `,` or `}` in an object"),
            (ExpectedArraySeparator, "expected `,` or `]` in an array"),
            (ControlCharacter, "control character in a string"),
            (Unterminated, "unterminated string"),
            (InvalidEscape, "invalid escape in a string"),
            (InvalidUnicodeEscape, "invalid \\u escape"),
            (InvalidNumber, "invalid number"),
        ];
        assert_eq!(words.len(), ParseError::ALL.len());
        for (e, text) in words {
            assert_eq!(e.message(), text, "{e:?}");
        }
        assert_eq!(ParseError::message_of(14), "");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(parse(&deep), Err(ParseError::TooDeep));
        let fine = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&fine).is_ok());
    }

        #[test]
    fn agrees_with_serde_json_on_a_snapshot() {
        let text = include_str!("../../tests/data/evaluation-vectors.json");
        let ours = parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
    }
}
