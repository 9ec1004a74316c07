//! Messages of the live stream (docs/protocol.md parts B, D and E), as one flat
//! wire type used in both directions: the reference server writes it, the
//! client reads it. Every field is optional so that any message, including
//! one of an unknown type or with missing fields, reads without error; what
//! a message means is decided by [`EventKind`] and the fields present.

use crate::flag::{Flag, Strategy};
use crate::json::Value;
use crate::json::Json;
use crate::decode::{self, deserialize_via_value, percentage_of_number, Fields, Decode, DecodeError};
use serde::Serialize;

/// The `type` of a stream message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Connection,
    Ping,
    FlagCreated,
    FlagUpdated,
    FlagToggled,
    FlagRolloutChanged,
    FlagDeleted,
    UserTargetAdded,
    UserTargetRemoved,
    RoleTargetAdded,
    RoleTargetRemoved,
    /// Part D: re-read the snapshot.
    Resync,
    /// Part E: one config layer replaced.
    ConfigChanged,
    /// Part D (reference server): the change with this `version` concerns
    /// other users; it keeps the version sequence gap-free for this one.
    Version,
}

impl EventKind {
    pub const ALL: [EventKind; 14] = [
        EventKind::Connection,
        EventKind::Ping,
        EventKind::FlagCreated,
        EventKind::FlagUpdated,
        EventKind::FlagToggled,
        EventKind::FlagRolloutChanged,
        EventKind::FlagDeleted,
        EventKind::UserTargetAdded,
        EventKind::UserTargetRemoved,
        EventKind::RoleTargetAdded,
        EventKind::RoleTargetRemoved,
        EventKind::Resync,
        EventKind::ConfigChanged,
        EventKind::Version,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Connection => "connection",
            EventKind::Ping => "ping",
            EventKind::FlagCreated => "flag.created",
            EventKind::FlagUpdated => "flag.updated",
            EventKind::FlagToggled => "flag.toggled",
            EventKind::FlagRolloutChanged => "flag.rollout_changed",
            EventKind::FlagDeleted => "flag.deleted",
            EventKind::UserTargetAdded => "flag.user_target_added",
            EventKind::UserTargetRemoved => "flag.user_target_removed",
            EventKind::RoleTargetAdded => "flag.role_target_added",
            EventKind::RoleTargetRemoved => "flag.role_target_removed",
            EventKind::Resync => "resync",
            EventKind::ConfigChanged => "config.changed",
            EventKind::Version => "version",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Flag fields as events carry them: the full flag (`flag.created`,
/// `flag.updated`, and every event of a part D server) or only the changed
/// field (`{enabled}` or `{rolloutPercentage}` in part B).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagState {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag_name: Option<String>,
    /// `None`: not in this state; `Some(None)`: `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_strategy: Option<Strategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_percentage: Option<i64>,
    /// `None`: not in this state; `Some(None)`: `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl FlagState {
    /// Every stored field of `flag` (targets travel in their own events).
    pub fn full(flag: &Flag) -> FlagState {
        FlagState {
            id: flag.id.clone(),
            flag_name: Some(flag.flag_name.clone()),
            description: Some(flag.description.clone()),
            enabled: Some(flag.enabled),
            rollout_strategy: Some(flag.rollout_strategy.clone()),
            rollout_percentage: Some(flag.rollout_percentage),
            metadata: Some(flag.metadata.clone()),
            created_at: flag.created_at.clone(),
            updated_at: flag.updated_at.clone(),
        }
    }
}

/// `payload` of a flag event; which fields are present depends on the type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<FlagState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_state: Option<FlagState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// One message of the stream, exactly as it travels in a `data:` line.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMessage {
    /// The wire `type`; see [`StreamMessage::kind`].
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
    /// Part D: the server's change version after this change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// Part E `config.changed`: the layer and its new value (`null`: removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Part E: who changed a config layer and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Decode for FlagState {
    #[inline(always)] // one caller in the browser build: 20-40 bytes less each
    fn decode(v: Json) -> Result<FlagState, DecodeError> {
        let f = Fields::of(v)?;
        Ok(FlagState {
            id: f.loose_string("id"),
            flag_name: f.loose_string("flagName"),
            description: f.present_descriptive("description"),
            enabled: f.opt_bool("enabled")?,
            rollout_strategy: f.get("rolloutStrategy").map(Strategy::from_loose),
            rollout_percentage: f.loose_number("rolloutPercentage").map(percentage_of_number),
            metadata: f.present_descriptive("metadata"),
            created_at: f.descriptive("createdAt"),
            updated_at: f.descriptive("updatedAt"),
        })
    }
}

impl Decode for Payload {
    #[inline(always)] // one caller in the browser build: 20-40 bytes less each
    fn decode(v: Json) -> Result<Payload, DecodeError> {
        let f = Fields::of(v)?;
        Ok(Payload {
            // Descriptive too (the store reads only the new state): in the
            // browser package not read, so not checked either.
            previous_state: if decode::KEEP_DESCRIPTIVE { f.opt("previousState")? } else { None },
            new_state: f.opt("newState")?,
            enabled: f.opt_bool("enabled")?,
            user_id: f.opt_string("userId")?,
            role: f.opt_string("role")?,
        })
    }
}

impl Decode for StreamMessage {
    /// Fails only where a flag event's meaning would be unclear (a payload
    /// or state of the wrong shape); such a message is ignored whole.
    fn decode(v: Json) -> Result<StreamMessage, DecodeError> {
        let f = Fields::of(v)?;
        Ok(StreamMessage {
            type_name: f.loose_string("type"),
            timestamp: f.loose_number("timestamp").filter(|n| decode::KEEP_DESCRIPTIVE && !n.is_nan()).map(|n| n as i64),
            user_id: f.loose_string("userId"),
            flag_id: f.loose_string("flagId"),
            flag_name: f.loose_string("flagName"),
            payload: f.opt("payload")?,
            version: f.version("version")?,
            layer: f.loose_string("layer"),
            value: f.value("value"),
            changed_by: f.descriptive("changedBy"),
            reason: f.descriptive("reason"),
        })
    }
}

deserialize_via_value!(FlagState, Payload, StreamMessage);

impl StreamMessage {
    /// Reads one `data:` line of the stream.
    pub fn from_json(text: &str) -> Result<StreamMessage, DecodeError> {
        crate::decode::decode_text(text)
    }

    pub fn new(kind: EventKind) -> StreamMessage {
        StreamMessage { type_name: Some(kind.as_str().to_owned()), ..StreamMessage::default() }
    }

    /// `None` for a missing or unknown type: such messages are ignored.
    pub fn kind(&self) -> Option<EventKind> {
        self.type_name.as_deref().and_then(EventKind::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> StreamMessage {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn reads_part_b_messages() {
        let m = read(r#"{"type":"flag.toggled","flagId":"f1","flagName":"x","timestamp":1700000000000,
            "payload":{"previousState":{"enabled":false},"newState":{"enabled":true},"enabled":true}}"#);
        assert_eq!(m.kind(), Some(EventKind::FlagToggled));
        let p = m.payload.unwrap();
        assert_eq!(p.new_state.unwrap().enabled, Some(true));
        assert_eq!(p.enabled, Some(true));
        let t = read(r#"{"type":"flag.user_target_added","flagId":"f","flagName":"x","timestamp":1,"payload":{"userId":"u","enabled":false}}"#);
        assert_eq!(t.payload.unwrap().user_id.as_deref(), Some("u"));
        let c = read(r#"{"type":"connection","timestamp":5,"userId":"u"}"#);
        assert_eq!((c.kind(), c.user_id.as_deref()), (Some(EventKind::Connection), Some("u")));
    }

    #[test]
    fn unknown_types_and_odd_fields_read_without_error() {
        assert_eq!(read(r#"{"type":"flag.exploded"}"#).kind(), None);
        assert_eq!(read(r#"{}"#).kind(), None);
        let odd = read(r#"{"type":7,"timestamp":"soon","flagName":null,"payload":null,"extra":[1]}"#);
        assert_eq!((odd.kind(), odd.timestamp, odd.payload), (None, None, None));
    }

    #[test]
    fn writes_only_present_fields() {
        let mut m = StreamMessage::new(EventKind::FlagRolloutChanged);
        m.flag_name = Some("x".into());
        m.payload = Some(Payload {
            new_state: Some(FlagState { rollout_percentage: Some(40), ..FlagState::default() }),
            ..Payload::default()
        });
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"type":"flag.rollout_changed","flagName":"x","payload":{"newState":{"rolloutPercentage":40}}}"#
        );
    }

    #[test]
    fn null_and_absent_descriptions_differ() {
        let null: FlagState = serde_json::from_str(r#"{"description":null}"#).unwrap();
        let absent: FlagState = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!((null.description, absent.description), (Some(None), None));
        let flag = Flag { flag_name: "f".into(), ..Flag::default() };
        let text = serde_json::to_string(&FlagState::full(&flag)).unwrap();
        assert!(text.contains(r#""description":null"#) && text.contains(r#""metadata":null"#), "{text}");
    }

    #[test]
    fn kinds_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }
}
