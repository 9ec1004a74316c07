//! Flag evaluation: the seven rules of docs/protocol.md part A, in order; the
//! first rule that applies wins.

use crate::flag::{Flag, Strategy};
use crate::hash::bucket;
use crate::json::Json;
use crate::decode::{deserialize_via_value, Fields, Decode, DecodeError};
use serde::Serialize;

/// Who a flag is evaluated for. An empty string counts as absent, because the
/// production server tests truthiness.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub user_id: Option<String>,
    pub user_role: Option<String>,
}

impl Decode for Context {
    fn decode(v: Json) -> Result<Context, DecodeError> {
        let f = Fields::of(v)?;
        Ok(Context { user_id: f.opt_string("userId")?, user_role: f.opt_string("userRole")? })
    }
}

deserialize_via_value!(Context);

impl Context {
    pub fn new(user_id: Option<&str>, user_role: Option<&str>) -> Context {
        Context { user_id: user_id.map(str::to_owned), user_role: user_role.map(str::to_owned) }
    }

    fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref().filter(|s| !s.is_empty())
    }

    fn user_role(&self) -> Option<&str> {
        self.user_role.as_deref().filter(|s| !s.is_empty())
    }
}

/// Why a flag evaluated the way it did; the strings are the server's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    FlagNotFound,
    FlagDisabled,
    UserTargeted,
    RoleTargeted,
    StrategyAll,
    StrategyNone,
    StrategyTargeted,
    PercentageRollout,
    Default,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::FlagNotFound,
        Reason::FlagDisabled,
        Reason::UserTargeted,
        Reason::RoleTargeted,
        Reason::StrategyAll,
        Reason::StrategyNone,
        Reason::StrategyTargeted,
        Reason::PercentageRollout,
        Reason::Default,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::FlagNotFound => "flag_not_found",
            Reason::FlagDisabled => "flag_disabled",
            Reason::UserTargeted => "user_targeted",
            Reason::RoleTargeted => "role_targeted",
            Reason::StrategyAll => "strategy_all",
            Reason::StrategyNone => "strategy_none",
            Reason::StrategyTargeted => "strategy_targeted",
            Reason::PercentageRollout => "percentage_rollout",
            Reason::Default => "default",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The result of evaluating one flag for one context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub enabled: bool,
    pub reason: Reason,
}

const fn result(enabled: bool, reason: Reason) -> Evaluation {
    Evaluation { enabled, reason }
}

/// Evaluates `flag` (`None`: no flag of that name) for `ctx`.
///
/// `flag.user_target` is taken to be the target of `ctx`'s user, as in a
/// snapshot fetched by that user; it applies only when `ctx` has a user id.
pub fn evaluate(flag: Option<&Flag>, ctx: &Context) -> Evaluation {
    // Rule 1.
    let Some(flag) = flag else {
        return result(false, Reason::FlagNotFound);
    };
    // Rule 2: a disabled flag is off before any target is looked at, except
    // with the `targeted` strategy, which still honours targets.
    if !flag.enabled && flag.rollout_strategy != Strategy::Targeted {
        return result(false, Reason::FlagDisabled);
    }
    let user_id = ctx.user_id();
    // Rule 3.
    if let (Some(_), Some(target)) = (user_id, &flag.user_target) {
        return result(target.enabled, Reason::UserTargeted);
    }
    // Rule 4.
    if let Some(target) = ctx.user_role().and_then(|role| flag.role_target(role)) {
        return result(target.enabled, Reason::RoleTargeted);
    }
    match &flag.rollout_strategy {
        // Rule 5. `enabled` is always true here; the server returns the
        // field, not a constant, so we do too.
        Strategy::All => result(flag.enabled, Reason::StrategyAll),
        Strategy::None => result(false, Reason::StrategyNone),
        Strategy::Targeted => result(false, Reason::StrategyTargeted),
        // Rule 6.
        Strategy::Percentage => match user_id {
            None => result(flag.enabled, Reason::Default),
            Some(user_id) => result(
                i64::from(bucket(user_id, &flag.flag_name)) < flag.rollout_percentage,
                Reason::PercentageRollout,
            ),
        },
        // Rule 7.
        Strategy::Other(_) => result(flag.enabled, Reason::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flag::{RoleTarget, UserTarget};

    fn flag(strategy: &str, enabled: bool, pct: i64) -> Flag {
        Flag {
            flag_name: "f".into(),
            enabled,
            rollout_strategy: Strategy::parse(strategy),
            rollout_percentage: pct,
            ..Flag::default()
        }
    }

    fn ctx(user: &str, role: &str) -> Context {
        Context::new(Some(user), Some(role))
    }

    #[test]
    fn missing_flag_is_not_found() {
        assert_eq!(evaluate(None, &ctx("u", "admin")), result(false, Reason::FlagNotFound));
    }

    #[test]
    fn disabled_beats_targets_except_for_targeted_strategy() {
        let mut f = flag("all", false, 100);
        f.user_target = Some(UserTarget { enabled: true });
        f.role_targets.push(RoleTarget { role: "admin".into(), enabled: true });
        assert_eq!(evaluate(Some(&f), &ctx("u", "admin")), result(false, Reason::FlagDisabled));
        f.rollout_strategy = Strategy::Targeted;
        assert_eq!(evaluate(Some(&f), &ctx("u", "admin")), result(true, Reason::UserTargeted));
        assert_eq!(evaluate(Some(&f), &ctx("", "admin")), result(true, Reason::RoleTargeted));
        assert_eq!(evaluate(Some(&f), &ctx("", "")), result(false, Reason::StrategyTargeted));
    }

    #[test]
    fn empty_strings_in_the_context_count_as_absent() {
        let mut f = flag("percentage", true, 50);
        f.user_target = Some(UserTarget { enabled: false });
        f.role_targets.push(RoleTarget { role: String::new(), enabled: false });
        // No user id: the user target and the bucket are both skipped, and
        // an empty role never matches a target for the empty role.
        assert_eq!(evaluate(Some(&f), &ctx("", "")), result(true, Reason::Default));
        assert_eq!(evaluate(Some(&f), &Context::default()), result(true, Reason::Default));
    }

    #[test]
    fn percentages_outside_0_to_100() {
        for user in ["a", "b", "c", "user-123", "\u{1F680}"] {
            let c = ctx(user, "");
            let below = evaluate(Some(&flag("percentage", true, -5)), &c);
            assert_eq!(below, result(false, Reason::PercentageRollout));
            let above = evaluate(Some(&flag("percentage", true, 101)), &c);
            assert_eq!(above, result(true, Reason::PercentageRollout));
            let extreme = evaluate(Some(&flag("percentage", true, i64::MIN)), &c);
            assert_eq!(extreme, result(false, Reason::PercentageRollout));
            let zero = evaluate(Some(&flag("percentage", true, 0)), &c);
            assert_eq!(zero, result(false, Reason::PercentageRollout));
        }
    }

    #[test]
    fn percentage_uses_the_bucket_strictly_below() {
        let b = i64::from(bucket("user-123", "f"));
        let c = ctx("user-123", "");
        assert!(!evaluate(Some(&flag("percentage", true, b)), &c).enabled);
        assert!(evaluate(Some(&flag("percentage", true, b + 1)), &c).enabled);
    }

    #[test]
    fn unknown_and_missing_strategies_follow_enabled() {
        assert_eq!(evaluate(Some(&flag("gradual", true, 0)), &ctx("u", "")), result(true, Reason::Default));
        assert_eq!(evaluate(Some(&flag("", true, 0)), &ctx("u", "")), result(true, Reason::Default));
        assert_eq!(evaluate(Some(&flag("ALL", false, 0)), &ctx("u", "")), result(false, Reason::FlagDisabled));
    }

    #[test]
    fn strategy_none_and_all() {
        assert_eq!(evaluate(Some(&flag("none", true, 100)), &ctx("u", "")), result(false, Reason::StrategyNone));
        assert_eq!(evaluate(Some(&flag("all", true, 0)), &ctx("u", "")), result(true, Reason::StrategyAll));
    }

    #[test]
    fn first_duplicate_role_target_wins() {
        let mut f = flag("all", true, 0);
        f.role_targets.push(RoleTarget { role: "md".into(), enabled: false });
        f.role_targets.push(RoleTarget { role: "md".into(), enabled: true });
        assert_eq!(evaluate(Some(&f), &ctx("u", "md")), result(false, Reason::RoleTargeted));
    }

    #[test]
    fn reasons_round_trip_through_their_strings() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reason::parse("nope"), None);
    }
}
