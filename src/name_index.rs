//! An open-addressing index from names to positions in a list the caller
//! keeps (the store's flags, a large JSON object's keys): FNV-1a over the
//! name, linear probing, at most half full. Why not `HashMap`: in the
//! browser package hashbrown and SipHash cost about 9 KB of wasm (a copy per
//! value type); this is one small type, and FNV-1a is fast on short names.

/// A slot holds `1 + position`; 0 is empty, so a new index is zeroed memory
/// (no fill loop in the module).
const EMPTY: u32 = 0;

#[derive(Clone, Debug, Default)]
pub struct NameIndex {
    /// `1 + position`, at slot `hash & (len - 1)` or after it; empty or a power of two long.
    slots: Vec<u32>,
}

fn hash(name: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    // An index loop: at opt-level "z" a byte iterator is a call per byte.
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ u32::from(bytes[i])).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h as usize
}

impl NameIndex {
    /// An index with room for `len` names; add them with [`NameIndex::find`]
    /// and [`NameIndex::set`], or all at once with [`NameIndex::rebuild`].
    pub fn with_room(len: usize) -> NameIndex {
        NameIndex { slots: vec![EMPTY; (len * 2).next_power_of_two().max(8)] }
    }

    /// Whether one more name keeps the index at most half full.
    pub fn has_room(&self, len: usize) -> bool {
        (len + 1) * 2 <= self.slots.len()
    }

    /// `Ok(position)` of `name`, or `Err(slot)` where it would go.
    /// `name_at(position)` gives the name at a position of the caller's list.
    /// (A `dyn` callback: one copy of this in the module instead of one per caller.)
    pub fn find<'a>(&self, name: &str, name_at: &dyn Fn(usize) -> &'a str) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(usize::MAX);
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(name) & mask;
        loop {
            match self.slots[i] {
                EMPTY => return Err(i),
                at if name_at(at as usize - 1) == name => return Ok(at as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Records `position` at a `slot` that [`NameIndex::find`] returned.
    pub fn set(&mut self, slot: usize, position: usize) {
        self.slots[slot] = position as u32 + 1;
    }

    /// Indexes the `len` names of the caller's list (all distinct).
    pub fn rebuild<'a>(&mut self, len: usize, name_at: &dyn Fn(usize) -> &'a str) {
        *self = NameIndex::with_room(len);
        for position in 0..len {
            if let Err(slot) = self.find(name_at(position), name_at) {
                self.set(slot, position);
            }
        }
    }
}
