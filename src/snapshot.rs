//! The snapshot document (docs/protocol.md part C): everything needed to evaluate
//! every flag locally for the user who fetched it.

use crate::config::ConfigLayers;
use crate::flag::Flag;
use crate::json::Json;
use crate::decode::{deserialize_via_value, Fields, Decode, DecodeError};
use serde::Serialize;

/// The user the snapshot was made for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SnapshotUser {
    pub id: Option<String>,
    pub role: Option<String>,
}

/// A parsed snapshot. Unknown fields are ignored. A flag entry that is not a
/// valid flag is left out and counted in `skipped_flags` instead of costing
/// the client every other flag; a document without the snapshot's shape is a
/// [`SnapshotError`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Servers without change versions omit it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<SnapshotUser>,
    pub flags: Vec<Flag>,
    /// Part E configuration layers for this user's customer and organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigLayers>,
    /// How many entries of `flags` on the wire were malformed and left out.
    #[serde(skip)]
    pub skipped_flags: usize,
    /// Why the first of them was left out.
    #[serde(skip)]
    pub skip_reason: Option<DecodeError>,
}

impl Decode for SnapshotUser {
    fn decode(v: Json) -> Result<SnapshotUser, DecodeError> {
        let f = Fields::of(v)?;
        Ok(SnapshotUser { id: f.opt_string("id")?, role: f.opt_string("role")? })
    }
}

impl Decode for Snapshot {
    #[inline(always)] // one caller: fewer bytes inlined (measured)
    fn decode(v: Json) -> Result<Snapshot, DecodeError> {
        let f = Fields::of(v)?;
        let entries = match f.get("flags") {
            Some(v) if v.is_array() => v.items(),
            Some(other) => return Err(DecodeError::wrong_type(other).in_field("flags")),
            None => return Err(DecodeError::missing("flags")),
        };
        let (mut flags, mut skipped, mut skip_reason) = (Vec::new(), 0, None);
        for entry in entries {
            match Flag::decode(entry) {
                Ok(flag) => flags.push(flag),
                Err(e) => {
                    skipped += 1;
                    skip_reason.get_or_insert(e);
                }
            }
        }
        Ok(Snapshot {
            version: f.version("version")?,
            generated_at: f.descriptive("generatedAt"),
            user: f.opt("user")?,
            skipped_flags: skipped,
            skip_reason,
            flags,
            // A malformed `config` is dropped rather than costing the flags.
            config: f.opt("config").ok().flatten(),
        })
    }
}

deserialize_via_value!(SnapshotUser, Snapshot);

/// Why a document could not be read as a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not JSON, or not an object with a `flags` array (the parser's words).
    Malformed(String),
}

impl core::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SnapshotError::Malformed(why) => write!(f, "malformed flag snapshot: {why}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl Snapshot {
    /// Parses a snapshot from JSON text.
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        // Matches rather than `map_err`: a snapshot is large, and at
        // opt-level "z" moving it through the combinator costs code.
        let doc = match crate::json::parse_doc(text) {
            Ok(doc) => doc,
            Err(e) => return Err(SnapshotError::Malformed(e.message().to_owned())),
        };
        match Snapshot::decode(doc.root()) {
            Ok(snapshot) => Ok(snapshot),
            Err(e) => Err(SnapshotError::Malformed(e.message())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flag::Strategy;

    const PART_C_EXAMPLE: &str = r#"{
      "version": 1842,
      "generatedAt": "2026-11-21T10:00:00.000Z",
      "user": { "id": "user-123", "role": "admin" },
      "flags": [
        {
          "id": "f1", "flagName": "new_dashboard", "description": null,
          "enabled": true, "rolloutStrategy": "percentage", "rolloutPercentage": 30,
          "metadata": null, "updatedAt": "2026-11-20T09:00:00.000Z",
          "userTarget": { "enabled": true },
          "roleTargets": [ { "role": "admin", "enabled": false } ]
        }
      ]
    }"#;

    #[test]
    fn reads_the_protocol_example() {
        let s = Snapshot::from_json(PART_C_EXAMPLE).unwrap();
        assert_eq!(s.version, Some(1842));
        assert_eq!(s.user.as_ref().unwrap().id.as_deref(), Some("user-123"));
        let f = &s.flags[0];
        assert_eq!(f.flag_name, "new_dashboard");
        assert_eq!(f.rollout_strategy, Strategy::Percentage);
        assert_eq!(f.rollout_percentage, 30);
        assert!(f.user_target.as_ref().unwrap().enabled);
        assert_eq!(f.role_targets[0].role, "admin");
        assert_eq!(s.skipped_flags, 0);
    }

    #[test]
    fn minimal_flags_and_unknown_fields_are_fine() {
        let s = Snapshot::from_json(
            r#"{"flags":[{"flagName":"a","enabled":true,"extra":{"x":[1]}}],"future":1}"#,
        )
        .unwrap();
        let f = &s.flags[0];
        assert_eq!(f.rollout_strategy, Strategy::Other(String::new()));
        assert_eq!(f.rollout_percentage, 0);
        assert!(f.role_targets.is_empty() && f.user_target.is_none());
        assert_eq!(s.version, None);
    }

    #[test]
    fn nulls_and_odd_types_in_descriptive_fields_are_tolerated() {
        let s = Snapshot::from_json(
            r#"{"flags":[{"flagName":"a","enabled":true,"rolloutStrategy":null,
                "rolloutPercentage":null,"roleTargets":null,"metadata":{"k":"v"},
                "description":7,"updatedAt":false,"id":3}]}"#,
        )
        .unwrap();
        let f = &s.flags[0];
        assert_eq!((f.rollout_percentage, f.metadata.as_deref(), f.id.as_deref()), (0, None, None));
        assert_eq!(s.skipped_flags, 0);
    }

    #[test]
    fn percentages_are_read_like_js_numbers() {
        let read = |p: &str| {
            let doc = format!(r#"{{"flags":[{{"flagName":"a","enabled":true,"rolloutPercentage":{p}}}]}}"#);
            Snapshot::from_json(&doc).unwrap().flags[0].rollout_percentage
        };
        assert_eq!(read("-5"), -5);
        assert_eq!(read("250"), 250);
        assert_eq!(read("50.5"), 51); // bucket 50 < 50.5, like bucket 50 < 51
        assert_eq!(read("-0.5"), 0);
        assert_eq!(read("1e300"), i64::MAX);
        assert_eq!(read("-1e300"), i64::MIN);
        assert_eq!(read("18446744073709551615"), i64::MAX);
    }

    #[test]
    fn a_malformed_flag_is_skipped_not_fatal() {
        let s = Snapshot::from_json(
            r#"{"flags":[{"flagName":"ok","enabled":true},{"flagName":5},"junk",null,
                {"enabled":true},{"flagName":"bad-pct","enabled":true,"rolloutPercentage":"50"},
                {"flagName":"ok2","enabled":false}]}"#,
        )
        .unwrap();
        let names: Vec<_> = s.flags.iter().map(|f| f.flag_name.as_str()).collect();
        assert_eq!(names, ["ok", "ok2"]);
        assert_eq!(s.skipped_flags, 5);
        assert_eq!(s.skip_reason.unwrap().message(), "field `flagName`: wrong type, found a number", "the first one's");
    }

    #[test]
    fn malformed_documents_are_typed_errors() {
        for doc in [
            "", "not json", "[]", "null", "{}", r#"{"flags":{}}"#, r#"{"flags":null}"#,
            r#"{"flags":[],"version":"12"}"#, r#"{"flags":[],"user":"bob"}"#, r#"{"flags":[{"#,
        ] {
            match Snapshot::from_json(doc) {
                Err(SnapshotError::Malformed(why)) => assert!(!why.is_empty(), "{doc}"),
                Ok(s) => panic!("accepted {doc:?} as {s:?}"),
            }
        }
    }

    #[test]
    fn config_layers_travel_in_the_snapshot() {
        let s = Snapshot::from_json(
            r#"{"flags":[],"config":{"defaults":{"theme":"light"},"customer":{"theme":"dark"}}}"#,
        )
        .unwrap();
        let c = s.config.unwrap();
        assert!(c.defaults.is_some() && c.customer.is_some() && c.environment.is_none());
        let bad = Snapshot::from_json(r#"{"flags":[{"flagName":"a","enabled":true}],"config":"oops"}"#).unwrap();
        assert_eq!((bad.config, bad.flags.len()), (None, 1));
    }

    #[test]
    fn serializes_back_to_the_part_c_shape() {
        let s = Snapshot::from_json(PART_C_EXAMPLE).unwrap();
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(v["flags"][0]["rolloutStrategy"], "percentage");
        assert_eq!(v["flags"][0]["userTarget"]["enabled"], true);
        assert!(v.get("skippedFlags").is_none());
        assert_eq!(Snapshot::from_json(&v.to_string()).unwrap(), s);
    }
}
