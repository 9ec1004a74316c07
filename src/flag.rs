//! A flag as the snapshot carries it (docs/protocol.md part C): the stored flag of
//! part A plus this user's own target and the role targets.

use crate::json::Json;
use crate::decode::{deserialize_via_value, Fields, Decode, DecodeError};
use serde::{Serialize, Serializer};

/// `rolloutStrategy`. Strings other than the four known ones occur in the
/// wild and evaluate by rule 7; they are kept verbatim so a server that
/// stores them can round-trip them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    All,
    None,
    Targeted,
    Percentage,
    /// Any other string; a missing or `null` strategy is `Other("")`.
    Other(String),
}

impl Default for Strategy {
    fn default() -> Self {
        Strategy::Other(String::new())
    }
}

impl Strategy {
    pub fn parse(s: &str) -> Strategy {
        match s {
            "all" => Strategy::All,
            "none" => Strategy::None,
            "targeted" => Strategy::Targeted,
            "percentage" => Strategy::Percentage,
            other => Strategy::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Strategy::All => "all",
            Strategy::None => "none",
            Strategy::Targeted => "targeted",
            Strategy::Percentage => "percentage",
            Strategy::Other(s) => s,
        }
    }
}

impl Serialize for Strategy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Strategy {
    /// A strategy of the wrong type is as unknown as an unknown string.
    pub fn from_loose(v: Json) -> Strategy {
        v.as_str().map_or_else(Strategy::default, Strategy::parse)
    }
}

/// The calling user's own target on a flag (part C `userTarget`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserTarget {
    pub enabled: bool,
}

/// A role's target on a flag (part C `roleTargets[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleTarget {
    pub role: String,
    pub enabled: bool,
}

/// A flag in the part C snapshot shape. `flagName` and `enabled` are
/// required; everything else tolerates absence, `null` and (for fields that
/// do not take part in evaluation) values of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    pub id: Option<String>,
    pub flag_name: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub rollout_strategy: Strategy,
    pub rollout_percentage: i64,
    pub metadata: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_target: Option<UserTarget>,
    pub role_targets: Vec<RoleTarget>,
}

impl Decode for UserTarget {
    #[inline(always)] // one caller in the browser build: 20-40 bytes less each
    fn decode(v: Json) -> Result<UserTarget, DecodeError> {
        Ok(UserTarget { enabled: Fields::of(v)?.bool("enabled")? })
    }
}

impl Decode for RoleTarget {
    #[inline(always)] // one caller in the browser build: 20-40 bytes less each
    fn decode(v: Json) -> Result<RoleTarget, DecodeError> {
        let f = Fields::of(v)?;
        Ok(RoleTarget { role: f.string("role")?, enabled: f.bool("enabled")? })
    }
}

impl Decode for Flag {
    fn decode(v: Json) -> Result<Flag, DecodeError> {
        let f = Fields::of(v)?;
        Ok(Flag {
            id: f.loose_string("id"),
            flag_name: f.string("flagName")?,
            description: f.descriptive("description"),
            enabled: f.bool("enabled")?,
            rollout_strategy: f.get("rolloutStrategy").map_or_else(Strategy::default, Strategy::from_loose),
            rollout_percentage: f.percentage("rolloutPercentage")?,
            metadata: f.descriptive("metadata"),
            created_at: f.descriptive("createdAt"),
            updated_at: f.descriptive("updatedAt"),
            user_target: f.opt("userTarget")?,
            role_targets: f.list("roleTargets")?,
        })
    }
}

deserialize_via_value!(UserTarget, RoleTarget, Flag);

impl Flag {
    /// The role target for `role`. The first one wins when a server sends
    /// duplicates, as the production server's lookup does.
    pub fn role_target(&self, role: &str) -> Option<&RoleTarget> {
        self.role_targets.iter().find(|t| t.role == role)
    }
}
