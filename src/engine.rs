//! The core as a browser host calls it: JSON text in, compact JSON text out.
//!
//! The npm package's JS host does all I/O (fetch, EventSource, storage,
//! timers) and passes every snapshot and stream message through here as the
//! text it received, so the wire format is read only by the core. What comes
//! back is made for a cheap `JSON.parse` on the JS side: each flag's
//! evaluation as one small number ([`code`]), so that JS keeps a plain
//! object of them and a flag read never calls into wasm.
//!
//! Output shapes (absent keys mean "no change" or "nothing"):
//! - [`Engine::snapshot`] writes `{"v":version|null,"u":userId|null,"f":{name:code,…},"c":config}`
//!   with every flag in `f` the first time, later `"p":1` and only the changed ones,
//!   `"r":2` when the snapshot is older than the state (re-read it), `"s":why`
//!   when entries of its `flags` were malformed and left out (why for the first);
//! - [`Engine::message`] writes `{"v":…,"r":resync,"f":{changed name:code},"c":config,"h":1}`,
//!   `h` for a `connection` message, `c` only when the configuration changed;
//! - `config` is `{"value":…,"source":"DEFAULT"|…}` or `null`.

use crate::event::{EventKind, StreamMessage};
use crate::json::write as w;
use crate::rules::Evaluation;
use crate::snapshot::Snapshot;
use crate::store::{Outcome, Resync, Store};
use crate::json::{parse_doc, Doc};

/// An evaluation as one number: `reason index * 2 + enabled`, the index in
/// [`Reason::ALL`] order (the JS host keeps the same table).
pub fn code(e: Evaluation) -> u8 {
    e.reason as u8 * 2 + u8::from(e.enabled)
}

fn resync_code(r: Resync) -> i64 {
    match r {
        Resync::No => 0,
        Resync::Soon => 1,
        Resync::Now => 2,
    }
}

#[derive(Default)]
pub struct Engine {
    store: Store,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Replaces everything with the snapshot in `text` and writes what the
    /// host must change: every flag the first time, then (`"p":1`, a patch)
    /// only the flags whose evaluation changed, a removed one as code 0. A
    /// re-read snapshot rarely differs much, so the host's `JSON.parse` of
    /// the answer stays small. A text that is not a snapshot changes nothing
    /// and is the error.
    #[inline(always)] // one caller: fewer bytes inlined (measured)
    pub fn snapshot(&mut self, text: &str, out: &mut String) -> Result<(), crate::SnapshotError> {
        let snapshot = Snapshot::from_json(text)?;
        let skip_reason = snapshot.skip_reason.as_ref().map(crate::decode::DecodeError::message);
        let patch = self.store.is_loaded();
        let outcome = self.store.apply_snapshot(snapshot);
        out.push('{');
        self.version_and_user(out);
        if outcome.resync != Resync::No {
            out.push_str(",\"r\":2"); // older than what the stream brought: re-read
        }
        if let Some(why) = skip_reason {
            out.push_str(",\"s\":");
            w::string(out, &why);
        }
        if patch {
            out.push_str(",\"p\":1");
        }
        // The first time every flag has changed (from not found), in order.
        self.codes(out, &outcome.changed);
        self.config(out);
        out.push('}');
        Ok(())
    }

    /// Applies one stream message (its `data:` text) and writes what changed;
    /// text that is not a message is ignored (`false`, nothing written).
    #[inline(always)] // one caller: fewer bytes inlined (measured)
    pub fn message(&mut self, text: &str, out: &mut String) -> bool {
        let Ok(message) = StreamMessage::from_json(text) else { return false };
        let hello = message.kind() == Some(EventKind::Connection);
        let outcome: Outcome = self.store.apply_message(message);
        out.push('{');
        self.version_and_user(out);
        out.push_str(",\"r\":");
        w::integer(out, resync_code(outcome.resync));
        self.codes(out, &outcome.changed);
        if outcome.config_changed {
            self.config(out);
        }
        if hello {
            out.push_str(",\"h\":1");
        }
        out.push('}');
        true
    }

    /// The A/B variant (JSON `[testName, defaultVariant|null, ...variants]`
    /// in, all strings but a `null` default: the host has checked the
    /// caller's arguments and words its own errors); the chosen variant as
    /// a JSON string, or `null`.
    #[inline(always)] // one caller: fewer bytes inlined (measured)
    pub fn variant(&self, args: &str, out: &mut String) -> Result<(), &'static str> {
        let Ok(doc) = parse_doc(args) else { return Err(BAD_ARGUMENTS) };
        let args = string_args(&doc).ok_or(BAD_ARGUMENTS)?;
        let [Some(test), default, rest @ ..] = args.as_slice() else { return Err(BAD_ARGUMENTS) };
        let mut variants = Vec::new();
        for v in rest {
            variants.push(v.ok_or(BAD_ARGUMENTS)?);
        }
        opt_string(out, self.store.variant(test, &variants, *default));
        Ok(())
    }

    /// `,"f":{name:code,…}` for `names`, each with its current evaluation.
    fn codes(&self, out: &mut String, names: &[String]) {
        out.push_str(",\"f\":{");
        for name in names {
            w::key(out, name);
            w::integer(out, i64::from(code(self.store.evaluation(name))));
        }
        out.push('}');
    }

    fn version_and_user(&self, out: &mut String) {
        out.push_str("\"v\":");
        match self.store.version() {
            Some(v) => w::integer(out, v as i64),
            None => out.push_str("null"),
        }
        out.push_str(",\"u\":");
        opt_string(out, self.store.user().and_then(|u| u.id.as_deref()));
    }

    #[inline(always)] // fewer bytes inlined (measured)
    fn config(&self, out: &mut String) {
        out.push_str(",\"c\":");
        out.push_str(self.store.config_json().unwrap_or("null"));
    }
}

#[inline(always)] // fewer bytes inlined (measured)
fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => w::string(out, s),
        None => out.push_str("null"),
    }
}

/// What a call with arguments not of the documented shape answers (the JS
/// host checks the caller's and words its own errors; this is the last line).
const BAD_ARGUMENTS: &str = "invalid arguments";

/// The arguments of a call (`doc`): a JSON array of strings and `null`s.
fn string_args<'d>(doc: &'d Doc<'d>) -> Option<Vec<Option<&'d str>>> {
    let mut list = Vec::new();
    for item in doc.root().items() {
        list.push(match item.as_str() {
            Some(s) => Some(s),
            None if item.is_null() => None,
            None => return None,
        });
    }
    doc.root().is_array().then_some(list)
}

/// The format of the evaluation codes a prepared answer carries (`reason
/// index * 2 + enabled`, reasons in [`Reason::ALL`](crate::Reason::ALL)
/// order); the JS host's `CODES` is the same number, and reads a prepared
/// state only when they match. Bump it when either changes.
pub const CODES: u32 = 1;

/// The snapshot in `text` as a prepared answer:
/// `{"snapshot":text,"state":{"codes":CODES,"u":user,"f":{name:code,…},"c":config,"v":{}}}`,
/// exactly what the package's `prepareBootstrap(text)` gives. A browser
/// reads its flags and configuration from `state` before its wasm has
/// loaded; the wasm then takes `snapshot` for the stream that follows.
/// Used by servers (flaglive-server's `?prepared=1`), never by the wasm.
#[cfg(not(target_arch = "wasm32"))]
pub fn prepared(text: &str) -> Result<String, crate::SnapshotError> {
    let mut engine = Engine::new();
    let mut first = String::new();
    engine.snapshot(text, &mut first)?;
    let mut out = String::with_capacity(text.len() + first.len() + text.len() / 8 + 64);
    out.push_str("{\"snapshot\":");
    w::string(&mut out, text);
    out.push_str(",\"state\":{\"codes\":");
    w::integer(&mut out, i64::from(CODES));
    out.push_str(",\"u\":");
    opt_string(&mut out, engine.store.user().and_then(|u| u.id.as_deref()));
    // The first answer's `,"f":{…},"c":…` (every flag, then the configuration).
    let flags = first.find(",\"f\":").expect("a first snapshot answer names its flags");
    out.push_str(&first[flags..first.len() - 1]);
    out.push_str(",\"v\":{}}}");
    Ok(out)
}

/// `bucket(userId, flagName)` on JSON `[userId, flagName]`.
pub fn bucket(args: &str) -> Result<u8, &'static str> {
    let Ok(doc) = parse_doc(args) else { return Err(BAD_ARGUMENTS) };
    match string_args(&doc).as_deref() {
        Some([Some(user), Some(flag)]) => Ok(crate::hash::bucket(user, flag)),
        _ => Err(BAD_ARGUMENTS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Reason;

    const SNAPSHOT: &str = r#"{"version":3,"user":{"id":"u1","role":"md"},"flags":[
        {"flagName":"on","enabled":true,"rolloutStrategy":"all"},
        {"flagName":"off","enabled":false,"rolloutStrategy":"all"},
        {"flagName":"ab_x","enabled":true,"rolloutStrategy":"none"},
        {"flagName":"ab_y","enabled":true,"rolloutStrategy":"all"}],
        "config":{"defaults":{"a":{"b":1}},"customer":{"a":{"c":"z"}}}}"#;

    fn loaded() -> Engine {
        let mut e = Engine::new();
        e.snapshot(SNAPSHOT, &mut String::new()).unwrap();
        e
    }

    #[test]
    fn codes_pack_reason_and_value() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(code(Evaluation { enabled: true, reason: r }), i as u8 * 2 + 1);
            assert_eq!(code(Evaluation { enabled: false, reason: r }), i as u8 * 2);
        }
    }

    #[test]
    fn a_snapshot_writes_every_flag_and_the_config() {
        let mut out = String::new();
        Engine::new().snapshot(SNAPSHOT, &mut out).unwrap();
        let v = crate::json::parse(&out).unwrap();
        let f = v.pointer("f").unwrap();
        assert_eq!(f.pointer("on"), Some(&crate::json::Value::Number(9.0)), "strategy_all (4) * 2 + 1");
        assert_eq!(f.pointer("off"), Some(&crate::json::Value::Number(2.0)), "flag_disabled (1) * 2");
        assert_eq!(v.pointer("v"), Some(&crate::json::Value::Number(3.0)));
        assert_eq!(v.pointer("u").and_then(|u| u.as_str()), Some("u1"));
        assert_eq!(v.pointer("c.source").and_then(|s| s.as_str()), Some("CUSTOMER_OVERRIDE"));
        assert_eq!(v.pointer("c.value.a.c").and_then(|s| s.as_str()), Some("z"));
        assert_eq!(v.pointer("p"), None, "the first answer is whole");
    }

    #[test]
    fn later_snapshots_report_only_what_changed() {
        let mut e = loaded();
        let mut out = String::new();
        e.snapshot(SNAPSHOT, &mut out).unwrap();
        assert!(out.contains(r#""p":1,"f":{}"#), "{out}");
        out.clear();
        let changed = SNAPSHOT.replace(r#"{"flagName":"off","enabled":false,"rolloutStrategy":"all"},"#, "").replace(
            r#"{"flagName":"on","enabled":true,"rolloutStrategy":"all"}"#,
            r#"{"flagName":"on","enabled":true,"rolloutStrategy":"none"}"#,
        );
        e.snapshot(&changed, &mut out).unwrap();
        assert!(out.contains(r#""p":1,"f":{"on":10,"off":0}"#), "{out}");
    }

    #[test]
    fn a_bad_snapshot_keeps_the_last_good_state() {
        let mut e = loaded();
        for bad in ["", "{", "[]", r#"{"flags":7}"#] {
            let mut out = String::new();
            assert!(e.snapshot(bad, &mut out).is_err(), "{bad}");
            assert!(out.is_empty());
        }
        assert_eq!(e.store().is_enabled("on"), Some(true));
    }

    #[test]
    fn messages_report_changes_resync_and_hello() {
        let mut e = loaded();
        let mut out = String::new();
        assert!(e.message(r#"{"type":"flag.toggled","flagName":"on","version":4,"payload":{"enabled":false,"newState":{"enabled":false}}}"#, &mut out));
        assert_eq!(out, r#"{"v":4,"u":"u1","r":0,"f":{"on":2}}"#);
        out.clear();
        assert!(e.message(r#"{"type":"flag.deleted","flagName":"off","version":6}"#, &mut out));
        assert_eq!(out, r#"{"v":6,"u":"u1","r":2,"f":{"off":0}}"#, "a gap asks for a resync now; gone is flag_not_found");
        out.clear();
        assert!(e.message(r#"{"type":"connection","version":6,"userId":"u1"}"#, &mut out));
        assert_eq!(out, r#"{"v":6,"u":"u1","r":0,"f":{},"h":1}"#);
        out.clear();
        assert!(e.message(r#"{"type":"config.changed","layer":"customer","value":null,"version":7}"#, &mut out));
        assert_eq!(out, r#"{"v":7,"u":"u1","r":0,"f":{},"c":{"value":{"a":{"b":1}},"source":"DEFAULT"}}"#);
        for junk in ["", "nope", "[1]", "{\"type\":\"flag.toggled\",\"payload\":7}"] {
            out.clear();
            assert!(!e.message(junk, &mut out), "{junk}");
        }
    }

    #[test]
    fn variants_and_standalone_calls() {
        let e = loaded();
        let mut out = String::new();
        e.variant(r#"["ab",null,"x","y"]"#, &mut out).unwrap();
        assert_eq!(out, "\"y\"");
        for bad in [r#"["ab",["x"]]"#, r#"["ab"]"#, r#"[5,null]"#, r#"["ab",null,7]"#, "{}", "nope"] {
            assert!(e.variant(bad, &mut String::new()).is_err(), "{bad}");
        }
        out.clear();
        e.variant(r#"["nothing",null]"#, &mut out).unwrap();
        assert_eq!(out, "null");
        out.clear();
        e.variant(r#"["nothing","d"]"#, &mut out).unwrap();
        assert_eq!(out, "\"d\"");
        assert_eq!(bucket(r#"["a\u0000b","f"]"#), Ok(crate::hash::bucket("a\0b", "f")));
        assert!(bucket(r#"["a",5]"#).is_err());
    }

    #[test]
    fn a_prepared_answer_carries_the_text_and_the_first_evaluation() {
        let out = prepared(SNAPSHOT).unwrap();
        let doc = parse_doc(&out).unwrap();
        let root = doc.root();
        assert_eq!(root.get("snapshot").and_then(|s| s.as_str()), Some(SNAPSHOT));
        let mut first = String::new();
        Engine::new().snapshot(SNAPSHOT, &mut first).unwrap();
        let state = &out[out.find(",\"state\":").unwrap() + 9..out.len() - 1];
        let f = &first[first.find(",\"f\":").unwrap()..first.len() - 1];
        assert_eq!(state, format!("{{\"codes\":{CODES},\"u\":\"u1\"{f},\"v\":{{}}}}"));
        assert!(prepared("{\"flags\":7}").is_err());
    }

    #[test]
    fn a_snapshot_says_why_it_left_flags_out() {
        let mut out = String::new();
        let text = r#"{"user":{"id":"u"},"flags":[{"flagName":"a","enabled":"yes"},{"flagName":"b","enabled":true},7]}"#;
        Engine::new().snapshot(text, &mut out).unwrap();
        assert_eq!(out, r#"{"v":null,"u":"u","s":"field `enabled`: wrong type, found a string","f":{"b":17},"c":null}"#);
    }
}
