//! A parsed document ([`Doc`], made by [`super::parse`]) and reading it: a
//! [`Json`] is one value of it, copied freely; strings come back borrowed.
//!
//! The hottest accessors (`node`, `after`, `as_str`) are `#[inline(always)]`:
//! the package is built at opt-level "z", which calls them instead, and
//! reading a 10 000-flag snapshot took 1.7x as long that way. Forcing the
//! other small ones inline too made the module larger and reading slower
//! (measured: 170 bytes gzipped, 9 %).

use super::value::{Map, Value};

/// One value of a parsed document, in document order: a container is
/// followed by its contents (an object's as key, value, key, value, ...).
#[derive(Clone, Copy, Debug)]
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Number(f64),
    /// A string without escapes, borrowed from the text.
    Str(&'a str),
    /// A string with escapes, decoded: where it starts and ends in [`Doc::owned`].
    Owned(u32, u32),
    /// The index just past the container's last descendant.
    Array(u32),
    /// The same, and which [`key_bit`]s its keys have; [`ANY_KEYS`] when
    /// two keys share one (maybe the same key twice) or a key has escapes.
    Object(u32, u32),
}

/// An object whose keys [`key_bit`] does not tell apart.
pub(super) const ANY_KEYS: u32 = u32::MAX;

/// One of 32 bits for a key. Why: a reader looks up each field by name, and
/// scanning every key of an object for each was the hottest loop of taking
/// in a snapshot. With the bits an absent field costs one test, and in an
/// object whose keys have distinct bits (so no key repeats) the scan stops
/// at the first match. This function gives the keys of the wire's flag,
/// snapshot, user and role target objects distinct bits
/// (`key_bits_tell_wire_fields_apart`).
pub(super) fn key_bit(key: &str) -> u32 {
    let first = key.as_bytes().first().copied().unwrap_or(0) as usize;
    1 << ((key.len() + 3 * first) & 31)
}

/// A parsed JSON document; [`Doc::root`] reads it.
pub struct Doc<'a> {
    pub(super) nodes: Vec<Node<'a>>,
    /// Every decoded string, one after another (one buffer, not a `String` each).
    pub(super) owned: String,
}

impl<'a> Doc<'a> {
    pub fn root(&self) -> Json<'_> {
        Json::new(self, 0)
    }
}

/// The kinds of JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// "a string", "an array", ...
    pub fn described(self) -> &'static str {
        Kind::described_of(self as u32)
    }

    /// The words for the kind whose discriminant is `code` ("" for none),
    /// without a table of the variants (see `ParseError::message_of`).
    pub fn described_of(code: u32) -> &'static str {
        match code {
            0 => "null",
            1 => "a boolean",
            2 => "a number",
            3 => "a string",
            4 => "an array",
            5 => "an object",
            _ => "",
        }
    }
}

/// One value of a parsed document.
#[derive(Clone, Copy)]
pub struct Json<'d> {
    doc: &'d Doc<'d>,
    at: usize,
}

impl<'d> Json<'d> {
    #[inline(always)]
    pub(super) fn new(doc: &'d Doc<'d>, at: usize) -> Json<'d> {
        Json { doc, at }
    }

    #[inline(always)]
    fn node(self) -> Node<'d> {
        debug_assert!(self.at < self.doc.nodes.len());
        // SAFETY: every `Json` is at a node of its document: the root (a
        // parsed document has one), an item before its container's end, or
        // an object's value after its key (the parser writes them in pairs).
        // The bounds check was code at each of the many inlined reads.
        unsafe { *self.doc.nodes.get_unchecked(self.at) }
    }

    /// Where the value after this one (its next sibling) starts.
    #[inline(always)]
    fn after(self) -> usize {
        match self.node() {
            Node::Array(end) | Node::Object(end, _) => end as usize,
            _ => self.at + 1,
        }
    }

    #[inline]
    pub fn is_null(self) -> bool {
        matches!(self.node(), Node::Null)
    }

    #[inline]
    pub fn as_bool(self) -> Option<bool> {
        match self.node() {
            Node::Bool(b) => Some(b),
            _ => None,
        }
    }

    #[inline]
    pub fn as_f64(self) -> Option<f64> {
        match self.node() {
            Node::Number(n) => Some(n),
            _ => None,
        }
    }

    #[inline(always)]
    pub fn as_str(self) -> Option<&'d str> {
        match self.node() {
            Node::Str(s) => Some(s),
            // SAFETY: the parser's own bounds of what it appended to
            // `owned`, so in range and at character boundaries.
            Node::Owned(start, end) => Some(unsafe { self.doc.owned.get_unchecked(start as usize..end as usize) }),
            _ => None,
        }
    }

    #[inline]
    pub fn is_array(self) -> bool {
        matches!(self.node(), Node::Array(_))
    }

    #[inline]
    pub fn is_object(self) -> bool {
        matches!(self.node(), Node::Object(..))
    }

    /// What kind of value this is (for error messages).
    pub fn kind(self) -> Kind {
        match self.node() {
            Node::Null => Kind::Null,
            Node::Bool(_) => Kind::Bool,
            Node::Number(_) => Kind::Number,
            Node::Str(_) | Node::Owned(..) => Kind::String,
            Node::Array(_) => Kind::Array,
            Node::Object(..) => Kind::Object,
        }
    }

    /// An array's items (nothing for anything else).
    pub fn items(self) -> Items<'d> {
        if self.is_array() {
            self.children()
        } else {
            Items { doc: self.doc, next: 0, end: 0 }
        }
    }

    /// A container's children (an object's: key, value, key, value, ...).
    fn children(self) -> Items<'d> {
        Items { doc: self.doc, next: self.at + 1, end: self.after() }
    }

    /// An object's value for `key`; the last one when the key repeats, as
    /// `JSON.parse` keeps it.
    pub fn get(self, key: &str) -> Option<Json<'d>> {
        let Node::Object(end, keys) = self.node() else { return None };
        if keys & key_bit(key) == 0 {
            return None; // no key of this object has its bit
        }
        let (mut at, mut found) = (self.at + 1, None);
        // The hottest loop of reading a snapshot: keys are compared by
        // length first, and bytes only when that matches. Distinct bits:
        // no key repeats, so the first match is the one.
        while at < end as usize {
            let k = Json::new(self.doc, at).as_str().unwrap_or_default();
            let value = Json::new(self.doc, at + 1);
            if k.len() == key.len() && k.as_bytes() == key.as_bytes() {
                found = Some(value);
                if keys != ANY_KEYS {
                    break;
                }
            }
            at = value.after();
        }
        found
    }

    /// The value as an owned tree (configuration values are kept).
    pub fn to_value(self) -> Value {
        match self.node() {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::Str(_) | Node::Owned(..) => Value::String(self.as_str().unwrap_or_default().to_owned()),
            Node::Array(_) => {
                let mut items = Vec::new();
                for item in self.items() {
                    items.push(item.to_value());
                }
                Value::Array(items)
            }
            Node::Object(..) => {
                // Keys and values alternate among the object's children.
                let (mut entries, mut children) = (Vec::new(), self.children());
                while let (Some(key), Some(value)) = (children.next(), children.next()) {
                    entries.push((key.as_str().unwrap_or_default().to_owned(), value.to_value()));
                }
                Value::Object(Map::from_entries(entries))
            }
        }
    }
}

/// The values from one position to an end, sibling by sibling.
pub struct Items<'d> {
    doc: &'d Doc<'d>,
    next: usize,
    end: usize,
}

impl<'d> Iterator for Items<'d> {
    type Item = Json<'d>;

    fn next(&mut self) -> Option<Json<'d>> {
        if self.next >= self.end {
            return None;
        }
        let item = Json::new(self.doc, self.next);
        self.next = item.after();
        Some(item)
    }
}
