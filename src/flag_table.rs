//! The store's flags by name, each with its current evaluation: entries in
//! insertion order and a [`NameIndex`] over them.

use crate::name_index::NameIndex;
use crate::rules::Evaluation;
use crate::Flag;

/// A flag and its evaluation for the store's user.
#[derive(Clone, Debug)]
pub struct Entry {
    pub flag: Flag,
    pub evaluation: Evaluation,
}

#[derive(Clone, Debug, Default)]
pub struct FlagTable {
    entries: Vec<Entry>,
    index: NameIndex,
}

impl FlagTable {
    /// A table that takes `len` flags without growing (a snapshot's: no
    /// re-indexing and no copying of entries while it is read in).
    pub fn with_room(len: usize) -> FlagTable {
        FlagTable { entries: Vec::with_capacity(len), index: NameIndex::with_room(len) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// In insertion order (a removal moves the last entry into the gap).
    pub fn iter(&self) -> core::slice::Iter<'_, Entry> {
        self.entries.iter()
    }

    /// The entry named `name`, looked for first at `at` (a table read
    /// again from the same snapshot has every name where it was).
    pub fn get_near(&self, at: usize, name: &str) -> Option<&Entry> {
        match self.entries.get(at) {
            Some(e) if e.flag.flag_name == name => Some(e),
            _ => self.get(name),
        }
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        let entries = &self.entries;
        self.index.find(name, &|i| &entries[i].flag.flag_name)
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.find(name).ok().map(|i| &self.entries[i])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Entry> {
        self.find(name).ok().map(|i| &mut self.entries[i])
    }

    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Adds `entry` under its flag's name unless that name is taken (then
    /// `entry` is dropped and the result is false).
    pub fn insert_new(&mut self, entry: Entry) -> bool {
        match self.find(&entry.flag.flag_name) {
            Ok(_) => return false,
            Err(slot) if self.index.has_room(self.entries.len()) => {
                self.index.set(slot, self.entries.len());
                self.entries.push(entry);
            }
            Err(_) => {
                self.entries.push(entry);
                self.reindex();
            }
        }
        true
    }

    /// Removes and returns the entry of `name`.
    pub fn remove(&mut self, name: &str) -> Option<Entry> {
        let i = self.find(name).ok()?;
        let entry = self.entries.swap_remove(i);
        // Rare (a deleted or renamed flag): rebuilding keeps probing simple.
        self.reindex();
        Some(entry)
    }

    fn reindex(&mut self) {
        let entries = &self.entries;
        self.index.rebuild(entries.len(), &|i| &entries[i].flag.flag_name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Reason;

    fn entry(name: &str, enabled: bool) -> Entry {
        let flag = Flag { flag_name: name.into(), enabled, ..Flag::default() };
        Entry { flag, evaluation: Evaluation { enabled, reason: Reason::Default } }
    }

    #[test]
    fn inserts_finds_and_removes_by_name() {
        let mut t = FlagTable::default();
        assert!(t.get("a").is_none() && t.is_empty());
        for i in 0..1000 {
            assert!(t.insert_new(entry(&format!("flag_{i}"), i % 2 == 0)));
        }
        assert!(!t.insert_new(entry("flag_7", true)), "the first one stays");
        assert_eq!(t.len(), 1000);
        assert!(!t.get("flag_7").unwrap().flag.enabled);
        assert_eq!(t.remove("flag_0").unwrap().flag.flag_name, "flag_0");
        assert!(t.remove("flag_0").is_none());
        for i in 1..1000 {
            assert_eq!(t.get(&format!("flag_{i}")).unwrap().flag.enabled, i % 2 == 0, "{i}");
        }
        t.get_mut("flag_3").unwrap().flag.enabled = true;
        assert!(t.get("flag_3").unwrap().flag.enabled);
        assert_eq!(t.iter().count(), 999);
    }
}
