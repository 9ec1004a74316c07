//! Every state change of the server. A mutation runs in one transaction
//! with its version bump and change-log row; after commit its changes go to
//! the hub through `stream::relay`, which publishes in version order
//! whatever the order in which commits (here, or on another instance)
//! come to its notice.

use crate::db::sql::{DbError, Sql};
use crate::db::{self, changes::LoggedChange, Db};
pub use crate::db::audit::Actor;
use crate::error::ApiError;
use crate::stream::hub::Hub;
use crate::stream::relay::Relay;
use crate::time;
use flaglive::config::Layer;
use flaglive::event::{EventKind, FlagState, Payload, StreamMessage};
use flaglive::json::Value;
use flaglive::Flag;
use std::sync::Arc;

pub struct Service {
    db: Db,
    hub: Hub,
    relay: Relay,
    /// How many changes the persisted log keeps.
    log_keep: u64,
}

/// Who sees a change in part D mode.
pub enum Audience {
    All,
    User(String),
    Organization(String),
    Customer(String),
}

/// A change before it has a version.
pub struct Draft {
    audience: Audience,
    /// Part D message (full state); its `version` is filled in at commit.
    message: StreamMessage,
    /// Part B message, or `None` where the production stream has no event.
    compat: Option<StreamMessage>,
    /// What the audit log says was changed, and how.
    target: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}


fn to_json(m: &StreamMessage) -> String {
    serde_json::to_string(m).expect("stream messages always serialize")
}

impl Service {
    pub fn new(db: Db, hub: Hub, log_keep: u64) -> Service {
        Service { db, hub, relay: Relay::default(), log_keep }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Publishes whatever the change log has after the hub's version. Blocking.
    pub fn catch_up(&self) {
        self.relay.catch_up(&self.db, &self.hub);
    }

    /// Brings the hub up to the newest committed version if it is behind
    /// (another instance's commit not heard yet). Blocking.
    pub fn catch_up_if_behind(&self) {
        self.relay.catch_up_if_behind(&self.db, &self.hub);
    }

    /// Server shutdown: the listener stops and every stream ends.
    pub fn stop(&self) {
        self.relay.stop();
        self.hub.close();
    }

    pub fn is_stopped(&self) -> bool {
        self.relay.is_stopped()
    }

    /// Runs `f` on the database from a blocking thread.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Sql) -> Result<T, DbError> + Send + 'static,
    {
        let svc = self.clone();
        Ok(tokio::task::spawn_blocking(move || svc.db().read(f)).await??)
    }

    /// Runs a mutation by `actor` from a blocking thread (see the module comment).
    pub async fn write<T, F>(self: &Arc<Self>, actor: Actor, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Sql) -> Result<(T, Vec<Draft>), ApiError> + Send + 'static,
    {
        let svc = self.clone();
        tokio::task::spawn_blocking(move || svc.write_now(&actor, f)).await?
    }

    /// Blocking. Each change gets its version, its change-log row and its
    /// audit entry in the one transaction.
    pub fn write_now<T>(&self, actor: &Actor, f: impl FnOnce(&mut dyn Sql) -> Result<(T, Vec<Draft>), ApiError>) -> Result<T, ApiError> {
        let (out, logged) = self.db.transaction(|tx| {
            let (out, drafts) = f(tx)?;
            let mut logged = Vec::with_capacity(drafts.len());
            let at = time::now_ms();
            for mut d in drafts {
                let version = db::changes::bump_version(tx)?;
                let action = d.message.kind().map_or("unknown", |k| k.as_str());
                db::audit::record(tx, &db::audit::Entry {
                    version,
                    at,
                    actor: actor.clone(),
                    action: action.to_owned(),
                    target: std::mem::take(&mut d.target),
                    before: d.before.take(),
                    after: d.after.take(),
                })?;
                d.message.version = Some(version);
                let (audience, audience_id) = match d.audience {
                    Audience::All => ("all", None),
                    Audience::User(id) => ("user", Some(id)),
                    Audience::Organization(id) => ("organization", Some(id)),
                    Audience::Customer(id) => ("customer", Some(id)),
                };
                let change = LoggedChange {
                    version,
                    audience: audience.into(),
                    audience_id,
                    message: to_json(&d.message),
                    compat: d.compat.as_ref().map(to_json),
                };
                db::changes::record(tx, &change, self.log_keep)?;
                logged.push(change);
            }
            Ok::<_, ApiError>((out, logged))
        })?;
        // Committed: a failure to publish now must not turn into an error
        // response (the change is made); the relay repairs from the log.
        self.relay.deliver(&self.db, &self.hub, logged);
        Ok(out)
    }
}

// ---- drafting events ------------------------------------------------------

fn flag_message(kind: EventKind, flag: &Flag) -> StreamMessage {
    let mut m = StreamMessage::new(kind);
    m.flag_id = flag.id.clone();
    m.flag_name = Some(flag.flag_name.clone());
    m.timestamp = Some(time::now_ms());
    m
}

fn with_payload(mut m: StreamMessage, payload: Payload) -> StreamMessage {
    m.payload = Some(payload);
    m
}

pub fn created(flag: &Flag) -> Draft {
    let m = with_payload(flag_message(EventKind::FlagCreated, flag), Payload {
        new_state: Some(FlagState::full(flag)),
        ..Payload::default()
    });
    Draft { audience: Audience::All, compat: Some(m.clone()), message: m, target: flag.flag_name.clone(), before: None, after: Some(state_json(flag)) }
}

/// A flag's whole state, as the audit log shows it.
fn state_json(flag: &Flag) -> serde_json::Value {
    serde_json::to_value(FlagState::full(flag)).expect("flag states always serialize")
}

/// A flag update, classified as the production service does: a change of
/// `enabled` is `flag.toggled` (even when the rollout changed too), else a
/// change of `rolloutPercentage` is `flag.rollout_changed`, else
/// `flag.updated`. `None` when nothing changed.
pub fn updated(prev: &Flag, new: &Flag) -> Option<Draft> {
    if prev == new {
        return None;
    }
    let full = Payload {
        previous_state: Some(FlagState::full(prev)),
        new_state: Some(FlagState::full(new)),
        ..Payload::default()
    };
    let (kind, compat_payload, enabled) = if prev.enabled != new.enabled {
        let partial = |e| FlagState { enabled: Some(e), ..FlagState::default() };
        let p = Payload {
            previous_state: Some(partial(prev.enabled)),
            new_state: Some(partial(new.enabled)),
            enabled: Some(new.enabled),
            ..Payload::default()
        };
        (EventKind::FlagToggled, p, Some(new.enabled))
    } else if prev.rollout_percentage != new.rollout_percentage {
        let partial = |p| FlagState { rollout_percentage: Some(p), ..FlagState::default() };
        let p = Payload {
            previous_state: Some(partial(prev.rollout_percentage)),
            new_state: Some(partial(new.rollout_percentage)),
            ..Payload::default()
        };
        (EventKind::FlagRolloutChanged, p, None)
    } else {
        (EventKind::FlagUpdated, full.clone(), None)
    };
    Some(Draft {
        audience: Audience::All,
        message: with_payload(flag_message(kind, new), Payload { enabled, ..full }),
        compat: Some(with_payload(flag_message(kind, new), compat_payload)),
        target: new.flag_name.clone(),
        before: Some(state_json(prev)),
        after: Some(state_json(new)),
    })
}

pub fn deleted(prev: &Flag) -> Draft {
    let m = flag_message(EventKind::FlagDeleted, prev);
    Draft { audience: Audience::All, compat: Some(m.clone()), message: m, target: prev.flag_name.clone(), before: Some(state_json(prev)), after: None }
}

/// A target as the audit log shows it: `{"userId": .., "enabled": ..}`,
/// `enabled: null` when removed.
fn target_json(key: &str, id: &str, enabled: Option<bool>) -> Option<serde_json::Value> {
    Some(serde_json::json!({ key: id, "enabled": enabled }))
}

/// User-target events go only to that user in part D; part B broadcasts them.
/// `before` is the target's previous value (`None`: there was none).
pub fn user_target(flag: &Flag, user_id: &str, before: Option<bool>, enabled: Option<bool>) -> Draft {
    let kind = if enabled.is_some() { EventKind::UserTargetAdded } else { EventKind::UserTargetRemoved };
    let wire = Payload { user_id: Some(user_id.to_owned()), enabled, ..Payload::default() };
    Draft {
        audience: Audience::User(user_id.to_owned()),
        message: with_payload(flag_message(kind, flag), Payload { new_state: Some(FlagState::full(flag)), ..wire.clone() }),
        compat: Some(with_payload(flag_message(kind, flag), wire)),
        target: flag.flag_name.clone(),
        before: target_json("userId", user_id, before),
        after: target_json("userId", user_id, enabled),
    }
}

pub fn role_target(flag: &Flag, role: &str, before: Option<bool>, enabled: Option<bool>) -> Draft {
    let kind = if enabled.is_some() { EventKind::RoleTargetAdded } else { EventKind::RoleTargetRemoved };
    let wire = Payload { role: Some(role.to_owned()), enabled, ..Payload::default() };
    Draft {
        audience: Audience::All,
        message: with_payload(flag_message(kind, flag), Payload { new_state: Some(FlagState::full(flag)), ..wire.clone() }),
        compat: Some(with_payload(flag_message(kind, flag), wire)),
        target: flag.flag_name.clone(),
        before: target_json("role", role, before),
        after: target_json("role", role, enabled),
    }
}

/// Part E: a layer replaced (`value: null` when removed). Not in part B.
/// `previous` is the layer's content before (for the audit log).
pub fn config_changed(layer: Layer, scope: &str, previous: Option<&Value>, value: Option<&Value>, changed_by: &str, reason: Option<String>) -> Draft {
    let mut m = StreamMessage::new(EventKind::ConfigChanged);
    m.timestamp = Some(time::now_ms());
    m.layer = Some(layer.as_str().to_owned());
    m.value = Some(value.cloned().unwrap_or(Value::Null));
    m.changed_by = Some(changed_by.to_owned());
    m.reason = reason;
    let audience = match layer {
        Layer::Defaults | Layer::Environment => Audience::All,
        Layer::Organization => Audience::Organization(scope.to_owned()),
        Layer::Customer => Audience::Customer(scope.to_owned()),
    };
    let target = if scope.is_empty() { layer.as_str().to_owned() } else { format!("{}/{scope}", layer.as_str()) };
    let json = |v: Option<&Value>| v.map(|v| serde_json::to_value(v).expect("config values always serialize"));
    Draft { audience, message: m, compat: None, target, before: json(previous), after: json(value) }
}
