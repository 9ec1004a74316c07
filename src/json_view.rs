//! Reading a parsed document ([`crate::json_text::Doc`]): a [`Json`] is one
//! value of it, copied freely; strings come back borrowed.
//!
//! The hottest accessors (`node`, `after`, `as_str`) are `#[inline(always)]`:
//! the package is built at opt-level "z", which calls them instead, and
//! reading a 10 000-flag snapshot took 1.7x as long that way. Forcing the
//! other small ones inline too made the module larger and reading slower
//! (measured: 170 bytes gzipped, 9 %).

use crate::json::{Map, Value};
use crate::json_text::{key_bit, Doc, Node, ANY_KEYS};

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
    pub const ALL: [Kind; 6] = [Kind::Null, Kind::Bool, Kind::Number, Kind::String, Kind::Array, Kind::Object];

    /// "a string", "an array", ...
    pub fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
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
    pub(crate) fn new(doc: &'d Doc<'d>, at: usize) -> Json<'d> {
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
