//! A flag as the snapshot carries it (PROTOCOL.md part C): the stored flag of
//! part A plus this user's own target and the role targets.

use crate::lenient;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

impl<'de> Deserialize<'de> for Strategy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A strategy of the wrong type is as unknown as an unknown string.
        Ok(lenient::any_as_opt_string(d)?.map_or_else(Strategy::default, |s| Strategy::parse(&s)))
    }
}

/// The calling user's own target on a flag (part C `userTarget`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserTarget {
    pub enabled: bool,
}

/// A role's target on a flag (part C `roleTargets[]`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct RoleTarget {
    pub role: String,
    pub enabled: bool,
}

/// A flag in the part C snapshot shape. `flagName` and `enabled` are
/// required; everything else tolerates absence, `null` and (for fields that
/// do not take part in evaluation) values of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    #[serde(default, deserialize_with = "lenient::any_as_opt_string")]
    pub id: Option<String>,
    pub flag_name: String,
    #[serde(default, deserialize_with = "lenient::any_as_opt_string")]
    pub description: Option<String>,
    pub enabled: bool,
    #[serde(default)]
    pub rollout_strategy: Strategy,
    #[serde(default, deserialize_with = "lenient::percentage")]
    pub rollout_percentage: i64,
    #[serde(default, deserialize_with = "lenient::any_as_opt_string")]
    pub metadata: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::any_as_opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient::any_as_opt_string")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_target: Option<UserTarget>,
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub role_targets: Vec<RoleTarget>,
}

impl Flag {
    /// The role target for `role`. The first one wins when a server sends
    /// duplicates, as the production server's lookup does.
    pub fn role_target(&self, role: &str) -> Option<&RoleTarget> {
        self.role_targets.iter().find(|t| t.role == role)
    }
}
