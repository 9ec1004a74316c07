//! The client's state machine: it holds the last good snapshot, applies
//! stream messages to it, and says after each step which flags' evaluated
//! values changed and whether the snapshot must be re-read. Pure: the
//! browser layer does the I/O and follows the [`Resync`] advice.
//!
//! Convergence rules (docs/protocol.md parts B and D):
//! - part D messages carry `version`: an old or repeated version is ignored,
//!   a gap asks for a resync now; full `newState` makes patches exact.
//! - part B messages carry no version and may hide changes (one
//!   `flag.toggled` for an update of `enabled` and the rollout), so partial
//!   events are applied at once for latency and also ask for a debounced
//!   re-read.
//! - a `connection` message: part D compares its version with the
//!   snapshot's. Part B's carries none and nothing is replayed, so a change
//!   made after the snapshot was read and before the stream was subscribed
//!   (or while it was down) would be lost: re-read on every one.

use crate::config::{self, ConfigLayers, ConfigSource, Layer};
use crate::event::{EventKind, FlagState, Payload, StreamMessage};
use crate::flag_table::{Entry, FlagTable};
use crate::json::Value;
use crate::rules::{evaluate, Context, Evaluation, Reason};
use crate::snapshot::{Snapshot, SnapshotUser};
use crate::{choose_variant, Flag, RoleTarget, UserTarget};

/// Whether the snapshot must be re-read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resync {
    #[default]
    No,
    /// Soon, debounced: a part B event may have hidden other changes.
    Soon,
    /// Now: a version gap, a `resync` message, a reconnect, or a message
    /// this store could not apply.
    Now,
}

/// What one step changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Flags whose evaluation (`enabled` or `reason`) changed, once each;
    /// after a snapshot in its order, then the flags it no longer has.
    pub changed: Vec<String>,
    /// The resolved configuration changed.
    pub config_changed: bool,
    pub resync: Resync,
}

impl Outcome {
    fn resync(resync: Resync) -> Outcome {
        Outcome { resync, ..Outcome::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && !self.config_changed && self.resync == Resync::No
    }
}

#[derive(Clone, Debug, Default)]
pub struct Store {
    loaded: bool,
    user: Option<SnapshotUser>,
    ctx: Context,
    version: Option<u64>,
    /// Every flag with its evaluation as last reported.
    flags: FlagTable,
    layers: ConfigLayers,
    /// The resolved configuration as the JSON text JS is given
    /// ([`config::resolved_json`]); compared to tell a change.
    config_json: Option<String>,
}

const NOT_FOUND: Evaluation = Evaluation { enabled: false, reason: Reason::FlagNotFound };

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// A snapshot has been applied (from the network, a cache or bootstrap).
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn version(&self) -> Option<u64> {
        self.version
    }

    pub fn user(&self) -> Option<&SnapshotUser> {
        self.user.as_ref()
    }

    /// Replaces everything with `snapshot`. Duplicate flag names: the first wins.
    pub fn apply_snapshot(&mut self, snapshot: Snapshot) -> Outcome {
        // A snapshot read before changes the stream has already brought
        // (the request raced them): applied, since it is the server's word
        // for this identity, but re-read at once, or those changes are lost.
        let older = matches!((snapshot.version, self.version), (Some(theirs), Some(mine)) if theirs < mine);
        let before = std::mem::replace(&mut self.flags, FlagTable::with_room(snapshot.flags.len()));
        let user = snapshot.user.unwrap_or_default();
        self.ctx = Context { user_id: user.id.clone(), user_role: user.role.clone() };
        self.user = Some(user);
        self.version = snapshot.version;
        for flag in snapshot.flags {
            // A repeated name is dropped by `insert_new`: the first one wins.
            let evaluation = evaluate(Some(&flag), &self.ctx);
            self.flags.insert_new(Entry { flag, evaluation });
        }
        self.layers = snapshot.config.unwrap_or_default();
        self.loaded = true;
        let mut changed = Vec::new();
        for (i, e) in self.flags.iter().enumerate() {
            if before.get_near(i, &e.flag.flag_name).map(|b| b.evaluation) != Some(e.evaluation) {
                changed.push(e.flag.flag_name.clone());
            }
        }
        for (i, b) in before.iter().enumerate() {
            if self.flags.get_near(i, &b.flag.flag_name).is_none() && b.evaluation != NOT_FOUND {
                changed.push(b.flag.flag_name.clone());
            }
        }
        let config_changed = self.resolve_config();
        Outcome { changed, config_changed, resync: if older { Resync::Now } else { Resync::No } }
    }

    /// Applies one stream message. Unknown types and messages that do not
    /// concern this user change nothing. (Taken, not borrowed: a config
    /// layer's value moves into the store instead of being copied, and the
    /// module then needs no code to copy values.)
    pub fn apply_message(&mut self, mut m: StreamMessage) -> Outcome {
        let Some(kind) = m.kind() else {
            // A message of a type we do not know, with a version, is a change
            // we did not apply: re-read rather than drift.
            return Outcome::resync(if m.version.is_some() { Resync::Soon } else { Resync::No });
        };
        match kind {
            // A part D ping carries the version of the last change sent on
            // this stream: ahead of ours, a change was lost in transit
            // (dropped by a proxy, cut mid-line). Re-read now rather than
            // at the next change. Pings without one (part B) say nothing.
            EventKind::Ping => {
                let lost = matches!((m.version, self.version), (Some(sent), Some(mine)) if sent > mine);
                return Outcome::resync(if lost { Resync::Now } else { Resync::No });
            }
            EventKind::Resync => return Outcome::resync(Resync::Now),
            EventKind::Connection => return self.on_connection(&m),
            _ => {}
        }
        let gap = match self.check_version(m.version) {
            VersionCheck::Stale => return Outcome::default(),
            VersionCheck::Next => false,
            VersionCheck::Gap => true,
        };
        let mut out = match kind {
            EventKind::Version => Outcome::default(),
            EventKind::ConfigChanged => self.on_config(&mut m),
            _ => self.on_flag_event(kind, &m),
        };
        if gap {
            out.resync = Resync::Now;
        }
        out
    }

    fn on_connection(&mut self, m: &StreamMessage) -> Outcome {
        let other_user = match (&m.user_id, self.user.as_ref().and_then(|u| u.id.as_ref())) {
            (Some(stream_user), Some(mine)) => stream_user != mine,
            _ => false,
        };
        let behind = match (m.version, self.version) {
            (Some(stream), Some(mine)) => stream != mine,
            (Some(_), None) => false,
            // Part B: the stream may have started after the snapshot was
            // read (always so on a client's start), and nothing is replayed.
            (None, _) => true,
        };
        Outcome::resync(if other_user || behind || !self.loaded { Resync::Now } else { Resync::No })
    }

    fn check_version(&mut self, version: Option<u64>) -> VersionCheck {
        let Some(v) = version else { return VersionCheck::Next };
        let check = match self.version {
            Some(cur) if v <= cur => return VersionCheck::Stale,
            Some(cur) if v == cur + 1 => VersionCheck::Next,
            Some(_) => VersionCheck::Gap,
            None => VersionCheck::Next,
        };
        self.version = Some(v);
        check
    }

    fn on_config(&mut self, m: &mut StreamMessage) -> Outcome {
        let Some(layer) = m.layer.as_deref().and_then(Layer::parse) else {
            return Outcome::resync(Resync::Soon);
        };
        let value = match m.value.take() {
            Some(Value::Null) => None,
            value => value,
        };
        self.layers.set(layer, value);
        Outcome { config_changed: self.resolve_config(), ..Outcome::default() }
    }

    fn on_flag_event(&mut self, kind: EventKind, m: &StreamMessage) -> Outcome {
        let partial_part_b = m.version.is_none() && matches!(kind, EventKind::FlagToggled | EventKind::FlagRolloutChanged);
        let Some(name) = self.flag_name_of(m) else {
            return Outcome::resync(Resync::Soon);
        };
        const NO_PAYLOAD: Payload = Payload { previous_state: None, new_state: None, enabled: None, user_id: None, role: None };
        let payload = m.payload.as_ref().unwrap_or(&NO_PAYLOAD);
        let mut resync = if partial_part_b { Resync::Soon } else { Resync::No };
        // The flags this event may change (its own and, renamed, its new
        // name), each with its evaluation before it.
        let before = self.evaluation(&name);
        let mut renamed: Option<(&str, Evaluation)> = None;
        if kind == EventKind::FlagDeleted {
            self.flags.remove(&name);
        } else {
            // Bring the flag up to date from whatever state the event carries.
            match (self.flags.contains(&name), payload.new_state.as_ref()) {
                (true, Some(state)) => match state.flag_name.as_ref().filter(|n| **n != name) {
                    Some(new_name) => {
                        // Renamed: re-key it (over any flag of the new name).
                        renamed = Some((new_name, self.evaluation(new_name)));
                        let mut entry = self.flags.remove(&name).expect("present");
                        apply_state(&mut entry.flag, state);
                        self.flags.remove(new_name);
                        self.flags.insert_new(entry);
                    }
                    None => apply_state(&mut self.flags.get_mut(&name).expect("present").flag, state),
                },
                (true, None) => {}
                // An event about a flag we do not have, without its full state.
                (false, None) => return Outcome::resync(Resync::Now),
                (false, Some(state)) => match new_flag(&name, state) {
                    Some(flag) => {
                        self.flags.insert_new(Entry { flag, evaluation: NOT_FOUND });
                    }
                    None => return Outcome::resync(Resync::Now),
                },
            }
            let my_id = self.ctx.user_id.as_deref();
            let current = renamed.map_or(name.as_str(), |(n, _)| n);
            let Some(Entry { flag, .. }) = self.flags.get_mut(current) else {
                return Outcome::resync(Resync::Now);
            };
            match kind {
                EventKind::UserTargetAdded | EventKind::UserTargetRemoved => {
                    // Part B broadcasts every user's targets: only ours count.
                    match (&payload.user_id, my_id) {
                        (Some(target_user), Some(me)) if target_user == me => {
                            flag.user_target = payload.enabled.filter(|_| kind == EventKind::UserTargetAdded).map(|enabled| UserTarget { enabled });
                            if kind == EventKind::UserTargetAdded && payload.enabled.is_none() {
                                resync = Resync::Soon;
                            }
                        }
                        (None, _) => resync = Resync::Soon,
                        _ => {}
                    }
                }
                EventKind::RoleTargetAdded | EventKind::RoleTargetRemoved => match (&payload.role, payload.enabled) {
                    (Some(role), Some(enabled)) if kind == EventKind::RoleTargetAdded => {
                        match flag.role_targets.iter_mut().find(|t| t.role == *role) {
                            Some(t) => t.enabled = enabled,
                            None => flag.role_targets.push(RoleTarget { role: role.clone(), enabled }),
                        }
                    }
                    (Some(role), _) if kind == EventKind::RoleTargetRemoved => {
                        // `retain` by hand: its generic machinery was 300 bytes of the module.
                        let targets = &mut flag.role_targets;
                        let mut kept = 0;
                        for i in 0..targets.len() {
                            if targets[i].role != *role {
                                targets.swap(kept, i);
                                kept += 1;
                            }
                        }
                        targets.truncate(kept);
                    }
                    _ => resync = Resync::Soon,
                },
                EventKind::FlagToggled if payload.new_state.is_none() => match payload.enabled {
                    Some(enabled) => flag.enabled = enabled,
                    None => resync = Resync::Soon,
                },
                _ => {}
            }
        }
        let mut changed = Vec::new();
        if self.reevaluate(&name, before) {
            changed.push(name);
        }
        if let Some((new_name, before)) = renamed {
            if self.reevaluate(new_name, before) {
                changed.push(new_name.to_owned());
            }
        }
        Outcome { changed, config_changed: false, resync }
    }

    /// The stored name of the flag an event is about (by id if it moved).
    fn flag_name_of(&self, m: &StreamMessage) -> Option<String> {
        if let Some(id) = m.flag_id.as_deref() {
            if let Some(e) = self.flags.iter().find(|e| e.flag.id.as_deref() == Some(id)) {
                return Some(e.flag.flag_name.clone());
            }
        }
        m.flag_name.clone().or_else(|| m.payload.as_ref()?.new_state.as_ref()?.flag_name.clone())
    }

    /// Re-evaluates one flag; true when its evaluation is not `before`.
    #[inline(always)] // fewer bytes inlined (measured)
    fn reevaluate(&mut self, name: &str, before: Evaluation) -> bool {
        let now = match self.flags.get_mut(name) {
            Some(e) => {
                e.evaluation = evaluate(Some(&e.flag), &self.ctx);
                e.evaluation
            }
            None => NOT_FOUND,
        };
        before != now
    }

    fn resolve_config(&mut self) -> bool {
        let now = config::resolved_json(&self.layers);
        let changed = now != self.config_json;
        self.config_json = now;
        changed
    }

    /// The evaluation of a flag for this store's user.
    #[inline(always)] // fewer bytes inlined (measured)
    pub fn evaluation(&self, name: &str) -> Evaluation {
        self.flags.get(name).map_or(NOT_FOUND, |e| e.evaluation)
    }

    /// `None` until a snapshot is loaded (callers use their fallback).
    pub fn is_enabled(&self, name: &str) -> Option<bool> {
        self.loaded.then(|| self.evaluation(name).enabled)
    }

    /// Every flag's evaluation, by name.
    pub fn evaluations(&self) -> impl Iterator<Item = (&str, Evaluation)> {
        self.flags.iter().map(|e| (e.flag.flag_name.as_str(), e.evaluation))
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.get(name).map(|e| &e.flag)
    }

    /// A/B variant by the server convention; before load, the default.
    pub fn variant<'a, V: AsRef<str>>(&self, test: &str, variants: &'a [V], default: Option<&'a str>) -> Option<&'a str> {
        choose_variant(test, variants, default, |n| self.is_enabled(n) == Some(true))
    }

    /// The resolved configuration and its source (part E).
    pub fn config(&self) -> Option<(Value, ConfigSource)> {
        config::resolve(&self.layers)
    }

    /// The same as `{"value":…,"source":"…"}` (what the browser is given).
    pub fn config_json(&self) -> Option<&str> {
        self.config_json.as_deref()
    }

    /// The current state as a snapshot (for the offline cache), flags in
    /// the store's order (the snapshot's, then flags created since).
    pub fn to_snapshot(&self) -> Snapshot {
        let flags = self.flags.iter().map(|e| e.flag.clone()).collect();
        Snapshot {
            version: self.version,
            generated_at: None,
            user: self.user.clone(),
            flags,
            config: Some(self.layers.clone()).filter(|l| *l != ConfigLayers::default()),
            skipped_flags: 0,
            skip_reason: None,
        }
    }
}

enum VersionCheck {
    Next,
    Stale,
    Gap,
}

/// Overwrites the fields `state` carries.
fn apply_state(flag: &mut Flag, s: &FlagState) {
    if let Some(v) = &s.id {
        flag.id = Some(v.clone());
    }
    if let Some(v) = &s.flag_name {
        flag.flag_name = v.clone();
    }
    if let Some(v) = s.enabled {
        flag.enabled = v;
    }
    if let Some(v) = &s.rollout_strategy {
        flag.rollout_strategy = v.clone();
    }
    if let Some(v) = s.rollout_percentage {
        flag.rollout_percentage = v;
    }
    // Without descriptive fields the reader leaves these `None`; the test
    // of the constant also keeps their code out of the module.
    if crate::decode::KEEP_DESCRIPTIVE {
        if let Some(v) = &s.description {
            flag.description = v.clone();
        }
        if let Some(v) = &s.metadata {
            flag.metadata = v.clone();
        }
        if let Some(v) = &s.updated_at {
            flag.updated_at = Some(v.clone());
        }
    }
}

/// A flag from a full state; `None` when the state lacks `enabled`.
fn new_flag(name: &str, s: &FlagState) -> Option<Flag> {
    let mut flag = Flag { enabled: s.enabled?, ..Flag::default() };
    apply_state(&mut flag, s);
    // Kept under the name the event is about, whatever the state says.
    flag.flag_name = name.to_owned();
    if crate::decode::KEEP_DESCRIPTIVE {
        flag.created_at = s.created_at.clone();
    }
    Some(flag)
}
