//! What a client shows, without I/O (every target): the core's [`Store`]
//! with the tester's overrides over it, and what listeners last heard, so
//! that they hear exactly the flags whose shown value changed. A server
//! render uses it alone; the browser client (`client.rs`) feeds it.

use std::collections::BTreeMap;

use flaglive::event::{EventKind, StreamMessage};
use flaglive::store::{Outcome, Store};
use flaglive::{Evaluation, Snapshot, SnapshotError};
use serde::de::DeserializeOwned;

/// A tester's value for a flag or an A/B test (`set_override`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Override {
    Flag(bool),
    Variant(String),
}

/// A flag's value as shown: the core's evaluation, or `"override"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagValue {
    pub enabled: bool,
    /// The core's reason (`"percentage_rollout"`, ...), or `"override"`.
    pub reason: &'static str,
}

impl From<Evaluation> for FlagValue {
    fn from(e: Evaluation) -> FlagValue {
        FlagValue { enabled: e.enabled, reason: e.reason.as_str() }
    }
}

/// What changed since listeners last heard (see [`FlagState::changes`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Flags whose shown value changed, sorted.
    pub names: Vec<String>,
    /// The resolved configuration changed.
    pub config: bool,
}

/// The reads of a client at one moment: the core's store and the
/// overrides over it. Cheap to share (`Send + Sync`): the Leptos bindings
/// hold one per change in a signal.
#[derive(Clone, Debug, Default)]
pub struct Reads {
    store: Store,
    overrides: BTreeMap<String, Override>,
}

impl Reads {
    pub fn is_loaded(&self) -> bool {
        self.store.is_loaded()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The id of the user the flags are for.
    pub fn user_id(&self) -> Option<String> {
        self.store.user().and_then(|u| u.id.clone())
    }

    /// A flag as shown: its override, else the core's evaluation.
    pub fn value(&self, name: &str) -> FlagValue {
        match self.overrides.get(name) {
            Some(Override::Flag(on)) => FlagValue { enabled: *on, reason: "override" },
            _ => self.store.evaluation(name).into(),
        }
    }

    /// Every flag as shown, by name.
    pub fn values(&self) -> BTreeMap<String, FlagValue> {
        let mut all: BTreeMap<String, FlagValue> = self.store.evaluations().map(|(n, e)| (n.to_owned(), e.into())).collect();
        for (name, o) in &self.overrides {
            if let Override::Flag(on) = o {
                all.insert(name.clone(), FlagValue { enabled: *on, reason: "override" });
            }
        }
        all
    }

    /// The A/B rule (docs/protocol.md part A) over the core's evaluations
    /// (a flag's override does not pick a variant); an override of the test
    /// itself wins when it is one of `variants`.
    pub fn variant<'a, V: AsRef<str>>(&self, test: &str, variants: &'a [V], default: Option<&'a str>) -> Option<&'a str> {
        if let Some(Override::Variant(v)) = self.overrides.get(test) {
            if let Some(found) = variants.iter().find(|x| x.as_ref() == v) {
                return Some(found.as_ref());
            }
        }
        self.store.variant(test, variants, default)
    }

    /// The configuration at the dotted `path` (`""`: all of it) as `T`;
    /// `None` when there is none there or it is not a `T`.
    pub fn config<T: DeserializeOwned>(&self, path: &str) -> Option<T> {
        let resolved: serde_json::Value = serde_json::from_str(self.store.config_json()?).ok()?;
        let mut value = resolved.get("value")?;
        for key in path.split('.').filter(|k| !k.is_empty()) {
            value = value.as_object()?.get(key)?;
        }
        T::deserialize(value).ok()
    }

    /// Where the configuration came from (`"DEFAULT"`, ...), if there is one.
    pub fn config_source(&self) -> Option<String> {
        self.store.config().map(|(_, source)| source.as_str().to_owned())
    }

    pub fn overrides(&self) -> &BTreeMap<String, Override> {
        &self.overrides
    }
}

#[derive(Default)]
pub struct FlagState {
    reads: Reads,
    told: BTreeMap<String, FlagValue>,
    told_config: Option<String>,
    /// The last snapshot's text and the messages applied over it: the
    /// offline cache holds exactly these, as the JS client's does.
    pub(crate) snapshot_text: Option<String>,
    pub(crate) replay: Vec<String>,
}

impl std::ops::Deref for FlagState {
    type Target = Reads;
    fn deref(&self) -> &Reads {
        &self.reads
    }
}

impl FlagState {
    pub fn reads(&self) -> &Reads {
        &self.reads
    }

    /// Takes a snapshot's text; `Ok(true)` when it is older than what the
    /// stream already brought (read it again).
    pub fn take_snapshot(&mut self, text: &str) -> Result<bool, SnapshotError> {
        let outcome = self.reads.store.apply_snapshot(Snapshot::from_json(text)?);
        self.snapshot_text = Some(text.to_owned());
        self.replay.clear();
        Ok(outcome.resync != flaglive::store::Resync::No)
    }

    /// Applies one stream message; `None` when it is not one (ignored).
    /// The flag says whether it was a `connection`.
    pub fn apply_message(&mut self, text: &str) -> Option<(Outcome, bool)> {
        let message = StreamMessage::from_json(text).ok()?;
        let hello = message.kind() == Some(EventKind::Connection);
        let before = self.reads.store.version();
        let outcome = self.reads.store.apply_message(message);
        if !outcome.changed.is_empty() || outcome.config_changed || self.reads.store.version() != before {
            self.replay.push(text.to_owned());
        }
        Some((outcome, hello))
    }

    pub fn set_overrides(&mut self, overrides: BTreeMap<String, Override>) {
        self.reads.overrides = overrides;
    }

    /// What changed since the last call: the flags whose shown value is
    /// not what listeners last heard (a flag that went and came back to the
    /// same value is no change), and whether the configuration did.
    pub fn changes(&mut self) -> Change {
        let now = self.reads.values();
        // Both maps are in name order: one merge, no sort.
        let changed = now.iter().filter(|(n, v)| self.told.get(*n) != Some(v)).map(|(n, _)| n);
        let gone: Vec<&String> = self.told.keys().filter(|n| !now.contains_key(*n)).collect();
        let mut names = Vec::new();
        let mut gone = gone.into_iter().peekable();
        for n in changed {
            while let Some(g) = gone.next_if(|g| *g < n) {
                names.push(g.clone());
            }
            names.push(n.clone());
        }
        names.extend(gone.cloned());
        self.told = now;
        let config_now = self.reads.store.config_json().map(str::to_owned);
        let config = config_now != self.told_config;
        self.told_config = config_now;
        Change { names, config }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(version: u64, flags: &str) -> String {
        format!(r#"{{"version":{version},"user":{{"id":"u1","role":"md"}},"flags":[{flags}],"config":{{"defaults":{{"theme":{{"dark":true}},"n":2}}}}}}"#)
    }
    const A_ON: &str = r#"{"id":"f1","flagName":"a","enabled":true,"rolloutStrategy":"all","rolloutPercentage":0}"#;
    const T_X: &str = r#"{"id":"f2","flagName":"t_x","enabled":true,"rolloutStrategy":"all","rolloutPercentage":0}"#;

    #[test]
    fn listeners_hear_exactly_what_changed() {
        let mut s = FlagState::default();
        s.take_snapshot(&snapshot(1, A_ON)).unwrap();
        assert_eq!(s.changes(), Change { names: vec!["a".into()], config: true });
        let off = r#"{"type":"flag.toggled","flagId":"f1","flagName":"a","version":2,"payload":{"enabled":false,"newState":{"id":"f1","flagName":"a","enabled":false,"rolloutStrategy":"all","rolloutPercentage":0}}}"#;
        s.apply_message(off).unwrap();
        assert_eq!(s.changes().names, vec!["a"]);
        // The same value again (an older snapshot, then its message): nothing to tell.
        s.take_snapshot(&snapshot(1, A_ON)).unwrap();
        s.apply_message(off).unwrap();
        assert_eq!(s.changes(), Change::default());
        assert_eq!(s.replay.len(), 1, "the message is kept for the cache");
        assert!(s.apply_message("not json").is_none(), "not a message: ignored");
    }

    #[test]
    fn overrides_variants_and_typed_config() {
        let mut s = FlagState::default();
        s.take_snapshot(&snapshot(1, &format!("{A_ON},{T_X}"))).unwrap();
        assert_eq!(s.variant("t", &["y", "x"], None), Some("x"));
        s.set_overrides(BTreeMap::from([("a".into(), Override::Flag(false)), ("t".into(), Override::Variant("y".into()))]));
        assert_eq!(s.value("a"), FlagValue { enabled: false, reason: "override" });
        assert_eq!(s.variant("t", &["y", "x"], None), Some("y"));
        assert_eq!(s.variant("t", &["x", "z"], None), Some("x"), "an override that is not a variant is ignored");
        assert_eq!(s.config::<bool>("theme.dark"), Some(true));
        assert_eq!(s.config::<u32>("n"), Some(2));
        assert_eq!(s.config::<String>("n"), None, "not a String");
        assert_eq!(s.config::<bool>("theme.missing"), None);
        assert_eq!(s.config_source().as_deref(), Some("DEFAULT"));
    }
}
