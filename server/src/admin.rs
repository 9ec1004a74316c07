//! Admin REST API (admin role only): flags, targets, config layers, users,
//! and server-side evaluation for parity checks.

use crate::auth::{self, AdminUser, CurrentUser, NewUser};
use crate::db::{self, users::User};
use crate::error::{ApiError, Body};
use crate::service::{self, Actor, Draft};
use crate::validate;
use crate::state::AppState;
use crate::{ids, time};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use flaglive::config::Layer;
use flaglive::json::Value;
use flaglive::{Flag, Strategy};
use crate::db::sql::Sql;
use serde::{Deserialize, Deserializer, Serialize};

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFlag {
    flag_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    rollout_strategy: Option<String>,
    #[serde(default)]
    rollout_percentage: i64,
    #[serde(default)]
    metadata: Option<String>,
}

/// Fields to change; absent ones stay as they are.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFlag {
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    rollout_strategy: Option<String>,
    #[serde(default)]
    rollout_percentage: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    metadata: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toggle {
    #[serde(default)]
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollout {
    rollout_percentage: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetValue {
    enabled: bool,
}

fn find(tx: &mut dyn Sql, name: &str) -> Result<Flag, ApiError> {
    db::flags::get(tx, name)?.ok_or_else(|| ApiError::not_found(format!("no flag named {name:?}")))
}

/// Applies `patch` to flag `name` and drafts the event (none if nothing changed).
fn apply_update(tx: &mut dyn Sql, name: &str, patch: UpdateFlag) -> Result<(Flag, Vec<Draft>), ApiError> {
    let prev = find(tx, name)?;
    let mut new = prev.clone();
    if let Some(d) = patch.description {
        new.description = d;
    }
    if let Some(e) = patch.enabled {
        new.enabled = e;
    }
    if let Some(s) = patch.rollout_strategy {
        new.rollout_strategy = Strategy::parse(&s);
        validate::strategy(&new.rollout_strategy)?;
    }
    if let Some(p) = patch.rollout_percentage {
        new.rollout_percentage = p;
    }
    if let Some(m) = patch.metadata {
        new.metadata = m;
    }
    validate::text("description", new.description.as_deref())?;
    validate::text("metadata", new.metadata.as_deref())?;
    if new == prev {
        return Ok((prev, Vec::new()));
    }
    new.updated_at = Some(time::now_iso());
    db::flags::update(tx, &new)?;
    Ok((new.clone(), service::updated(&prev, &new).into_iter().collect()))
}

/// A flag with every target, for the admin view.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminFlag {
    #[serde(flatten)]
    flag: Flag,
    user_targets: Vec<AdminUserTarget>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserTarget {
    user_id: String,
    enabled: bool,
}

pub async fn list_flags(State(app): State<AppState>, _: AdminUser) -> Result<Json<Vec<AdminFlag>>, ApiError> {
    let flags = app
        .service
        .read(|c| {
            let mut roles = db::flags::role_targets(c)?;
            let mut users = db::flags::all_user_targets(c)?;
            let flags = db::flags::list(c)?;
            Ok(flags
                .into_iter()
                .map(|mut flag| {
                    let id = flag.id.clone().unwrap_or_default();
                    flag.role_targets = roles.remove(&id).unwrap_or_default();
                    let user_targets = users.remove(&id).unwrap_or_default();
                    let user_targets = user_targets.into_iter().map(|(user_id, enabled)| AdminUserTarget { user_id, enabled }).collect();
                    AdminFlag { flag, user_targets }
                })
                .collect())
        })
        .await?;
    Ok(Json(flags))
}

pub async fn create_flag(State(app): State<AppState>, AdminUser(actor): AdminUser, Body(input): Body<CreateFlag>) -> Result<Response, ApiError> {
    validate::flag_name(&input.flag_name)?;
    let strategy = Strategy::parse(input.rollout_strategy.as_deref().unwrap_or("all"));
    validate::strategy(&strategy)?;
    validate::text("description", input.description.as_deref())?;
    validate::text("metadata", input.metadata.as_deref())?;
    let now = time::now_iso();
    let flag = Flag {
        id: Some(ids::new_id()),
        flag_name: input.flag_name,
        description: input.description,
        enabled: input.enabled,
        rollout_strategy: strategy,
        rollout_percentage: input.rollout_percentage,
        metadata: input.metadata,
        created_at: Some(now.clone()),
        updated_at: Some(now),
        user_target: None,
        role_targets: Vec::new(),
    };
    let flag = app
        .service
        .write(actor, move |tx| {
            if db::flags::get(tx, &flag.flag_name)?.is_some() {
                return Err(ApiError::conflict(format!("a flag named {:?} exists", flag.flag_name)));
            }
            db::flags::insert(tx, &flag)?;
            let draft = service::created(&flag);
            Ok((flag, vec![draft]))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(flag)).into_response())
}

pub async fn update_flag(
    State(app): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(name): Path<String>,
    Body(patch): Body<UpdateFlag>,
) -> Result<Json<Flag>, ApiError> {
    Ok(Json(app.service.write(actor, move |tx| apply_update(tx, &name, patch)).await?))
}

/// `{ "enabled": bool }` sets; an empty body object flips.
pub async fn toggle_flag(
    State(app): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(name): Path<String>,
    Body(t): Body<Toggle>,
) -> Result<Json<Flag>, ApiError> {
    let flag = app
        .service
        .write(actor, move |tx| {
            let enabled = match t.enabled {
                Some(e) => e,
                None => !find(tx, &name)?.enabled,
            };
            apply_update(tx, &name, UpdateFlag { enabled: Some(enabled), ..UpdateFlag::default() })
        })
        .await?;
    Ok(Json(flag))
}

pub async fn set_rollout(
    State(app): State<AppState>,
    AdminUser(actor): AdminUser,
    Path(name): Path<String>,
    Body(r): Body<Rollout>,
) -> Result<Json<Flag>, ApiError> {
    let patch = UpdateFlag { rollout_percentage: Some(r.rollout_percentage), ..UpdateFlag::default() };
    Ok(Json(app.service.write(actor, move |tx| apply_update(tx, &name, patch)).await?))
}

pub async fn delete_flag(State(app): State<AppState>, AdminUser(actor): AdminUser, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    app.service
        .write(actor, move |tx| {
            let flag = find(tx, &name)?;
            db::flags::delete(tx, flag.id.as_deref().unwrap_or_default())?;
            Ok(((), vec![service::deleted(&flag)]))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Clone, Copy)]
enum TargetKind {
    User,
    Role,
}

/// Sets (`Some`) or removes (`None`) a user or role target; an unchanged
/// value emits no event, removing a missing target is 404.
async fn write_target(app: AppState, actor: Actor, kind: TargetKind, name: String, key: String, enabled: Option<bool>) -> Result<StatusCode, ApiError> {
    let label = match kind {
        TargetKind::User => "userId",
        TargetKind::Role => "role",
    };
    validate::key(label, &key)?;
    app.service
        .write(actor, move |tx| {
            let flag = find(tx, &name)?;
            let flag_id = flag.id.as_deref().unwrap_or_default();
            let before = match (kind, enabled) {
                (TargetKind::User, Some(e)) => db::flags::set_user_target(tx, flag_id, &key, e)?,
                (TargetKind::Role, Some(e)) => db::flags::set_role_target(tx, flag_id, &key, e)?,
                (TargetKind::User, None) => db::flags::remove_user_target(tx, flag_id, &key)?,
                (TargetKind::Role, None) => db::flags::remove_role_target(tx, flag_id, &key)?,
            };
            if enabled.is_none() && before.is_none() {
                return Err(ApiError::not_found(format!("no such {label} target")));
            }
            let draft = match kind {
                TargetKind::User => service::user_target(&flag, &key, before, enabled),
                TargetKind::Role => service::role_target(&flag, &key, before, enabled),
            };
            Ok(((), if before != enabled { vec![draft] } else { vec![] }))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_user_target(
    State(app): State<AppState>,
    AdminUser(actor): AdminUser,
    Path((name, user_id)): Path<(String, String)>,
    Body(v): Body<TargetValue>,
) -> Result<StatusCode, ApiError> {
    write_target(app, actor, TargetKind::User, name, user_id, Some(v.enabled)).await
}

pub async fn remove_user_target(State(app): State<AppState>, AdminUser(actor): AdminUser, Path((name, user_id)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    write_target(app, actor, TargetKind::User, name, user_id, None).await
}

pub async fn set_role_target(
    State(app): State<AppState>,
    AdminUser(actor): AdminUser,
    Path((name, role)): Path<(String, String)>,
    Body(v): Body<TargetValue>,
) -> Result<StatusCode, ApiError> {
    write_target(app, actor, TargetKind::Role, name, role, Some(v.enabled)).await
}

pub async fn remove_role_target(State(app): State<AppState>, AdminUser(actor): AdminUser, Path((name, role)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    write_target(app, actor, TargetKind::Role, name, role, None).await
}

// ---- config layers ------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLayer {
    /// The layer's new content: a JSON object.
    value: Value,
    #[serde(default)]
    reason: Option<String>,
}

/// `/api/admin/config/{layer}` for defaults and environment;
/// `/api/admin/config/{layer}/{scope}` for an organization or customer id.
fn layer_and_scope(layer: &str, scope: Option<String>) -> Result<(Layer, String), ApiError> {
    let layer = Layer::parse(layer)
        .ok_or_else(|| ApiError::not_found("layers are defaults, environment, organization, customer"))?;
    match (layer, scope) {
        (Layer::Defaults | Layer::Environment, None) => Ok((layer, String::new())),
        (Layer::Organization | Layer::Customer, Some(s)) => {
            validate::key("scope", &s)?;
            Ok((layer, s))
        }
        (Layer::Defaults | Layer::Environment, Some(_)) => Err(ApiError::not_found("this layer is global; drop the id")),
        (_, None) => Err(ApiError::not_found("this layer needs an organization or customer id")),
    }
}

async fn write_layer(app: AppState, admin: Actor, layer: Layer, scope: String, set: Option<SetLayer>) -> Result<StatusCode, ApiError> {
    let (value, reason) = match set {
        Some(SetLayer { value: v @ Value::Object(_), reason }) => (Some(v), reason),
        Some(_) => return Err(ApiError::invalid("value must be a JSON object")),
        None => (None, None),
    };
    let removing = value.is_none();
    app.service
        .write(admin.clone(), move |tx| {
            let previous = db::config::set(tx, layer, &scope, value.as_ref(), &time::now_iso())?;
            if removing && previous.is_none() {
                return Err(ApiError::not_found("no such config layer"));
            }
            if previous == value {
                return Ok(((), vec![]));
            }
            Ok(((), vec![service::config_changed(layer, &scope, previous.as_ref(), value.as_ref(), &admin.name, reason)]))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn put_global_layer(State(app): State<AppState>, AdminUser(admin): AdminUser, Path(layer): Path<String>, Body(set): Body<SetLayer>) -> Result<StatusCode, ApiError> {
    let (layer, scope) = layer_and_scope(&layer, None)?;
    write_layer(app, admin, layer, scope, Some(set)).await
}

pub async fn put_scoped_layer(State(app): State<AppState>, AdminUser(admin): AdminUser, Path((layer, scope)): Path<(String, String)>, Body(set): Body<SetLayer>) -> Result<StatusCode, ApiError> {
    let (layer, scope) = layer_and_scope(&layer, Some(scope))?;
    write_layer(app, admin, layer, scope, Some(set)).await
}

pub async fn delete_global_layer(State(app): State<AppState>, AdminUser(admin): AdminUser, Path(layer): Path<String>) -> Result<StatusCode, ApiError> {
    let (layer, scope) = layer_and_scope(&layer, None)?;
    write_layer(app, admin, layer, scope, None).await
}

pub async fn delete_scoped_layer(State(app): State<AppState>, AdminUser(admin): AdminUser, Path((layer, scope)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    let (layer, scope) = layer_and_scope(&layer, Some(scope))?;
    write_layer(app, admin, layer, scope, None).await
}

#[derive(Serialize)]
pub struct StoredLayer {
    layer: String,
    scope: Option<String>,
    value: Value,
}

pub async fn list_layers(State(app): State<AppState>, _: AdminUser) -> Result<Json<Vec<StoredLayer>>, ApiError> {
    let rows = app.service.read(db::config::list).await?;
    let layers = rows
        .into_iter()
        .map(|(layer, scope, value)| StoredLayer { layer, scope: Some(scope).filter(|s| !s.is_empty()), value })
        .collect();
    Ok(Json(layers))
}

// ---- users and evaluation -------------------------------------------------------

pub async fn list_users(State(app): State<AppState>, _: AdminUser) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(app.service.read(db::users::list).await?))
}

pub async fn create_user(State(app): State<AppState>, _: AdminUser, Body(new): Body<NewUser>) -> Result<Response, ApiError> {
    // No event: users are not flag state. Hashing is slow, so off the async threads.
    let svc = app.service.clone();
    let user = tokio::task::spawn_blocking(move || auth::create_user(svc.db(), new)).await??;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateRequest {
    #[serde(default)]
    flag_name: Option<String>,
    #[serde(default)]
    flag_names: Option<Vec<String>>,
    /// Defaults to the calling admin.
    #[serde(default)]
    context: Option<flaglive::Context>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateResult {
    flag_name: String,
    #[serde(flatten)]
    evaluation: flaglive::Evaluation,
}

/// `POST /api/feature-flags/evaluate`: the server's own answer, from the
/// same core rules the SDK runs. Any signed-in user may ask about itself
/// (this is the request-per-flag-set call of docs/protocol.md part F, which the
/// benchmarks compare against); only admins may pass another `context`,
/// for parity checks.
pub async fn evaluate(State(app): State<AppState>, CurrentUser(user): CurrentUser, Body(req): Body<EvaluateRequest>) -> Result<Response, ApiError> {
    let ctx = match req.context {
        Some(_) if user.role != "admin" => return Err(ApiError::forbidden()),
        Some(ctx) => ctx,
        None => flaglive::Context::new(Some(&user.id), Some(&user.role)),
    };
    let single = req.flag_name.is_some();
    let mut names: Vec<String> = match (req.flag_name, req.flag_names) {
        (Some(n), None) => vec![n],
        (None, Some(ns)) => ns,
        _ => return Err(ApiError::invalid("give exactly one of flagName or flagNames")),
    };
    // Each name once, in the order asked, and a bound on the answer: 260 KB
    // of names gave a 3.84 MB answer and held the async workers (probe F4).
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    if names.len() > MAX_EVALUATE_NAMES {
        return Err(ApiError::invalid(format!("at most {MAX_EVALUATE_NAMES} distinct flagNames per request")));
    }
    let user_id = ctx.user_id.clone().unwrap_or_default();
    // Read and evaluated on a blocking thread, each name found by a lookup.
    let results = app
        .service
        .read(move |c| {
            let flags = db::flags::snapshot_flags(c, &user_id)?;
            let by_name: std::collections::HashMap<&str, &flaglive::Flag> = flags.iter().map(|f| (f.flag_name.as_str(), f)).collect();
            Ok(names
                .into_iter()
                .map(|name| {
                    let evaluation = flaglive::evaluate(by_name.get(name.as_str()).copied(), &ctx);
                    EvaluateResult { flag_name: name, evaluation }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(if single { Json(&results[0]).into_response() } else { Json(results).into_response() })
}

/// Distinct names one `evaluate` request may ask about.
pub const MAX_EVALUATE_NAMES: usize = 1_000;
