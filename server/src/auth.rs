//! Login sessions: `POST /api/auth/login` sets an HTTP-only cookie, and the
//! extractors here turn that cookie into the signed-in user.

use crate::db::sql::DbErrorKind;
use crate::db::users::{self, IdentityError, User};
use crate::db::tokens;
use crate::service::Actor;
use crate::db::Db;
use crate::error::{ApiError, Body};
use crate::state::AppState;
use crate::{ids, time};
use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::net::SocketAddr;

pub const COOKIE_NAME: &str = "flaglive_session";
const SESSION_DAYS: i64 = 30;

/// An argon2id PHC string with a random salt and the crate's default cost.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source is available");
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with a 16-byte salt")
        .to_string()
}

/// The most argon2 memory a stored hash may ask for (256 MiB).
const MAX_BLOCKS: usize = 256 * 1024;

/// Checks `password` against a PHC `hash`, with `memory` as argon2's
/// working memory, grown as needed and kept by the caller (argon2's own
/// `verify_password` allocates it each time). Why: it is ~19 MiB per check,
/// and the allocator kept most of each of those (a flood of 115 checks on two
/// threads left 369 MB resident); a login thread that reuses one buffer
/// holds 19 MiB, whatever comes.
pub fn verify_password_in(memory: &mut Vec<argon2::Block>, password: &str, hash: &str) -> bool {
    use argon2::password_hash::phc::Output;
    use argon2::{Algorithm, Params, PasswordHash, Version};
    let Ok(hash) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&hash), Algorithm::try_from(hash.algorithm.as_str())) else {
        return false;
    };
    let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::new());
    }
    let mut out = vec![0u8; expected.as_bytes().len()];
    let argon = Argon2::new(algorithm, version, params);
    // `Output`'s equality is constant-time.
    argon.hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, &mut memory[..blocks]).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// Admin API tokens begin with this; anything else after `Bearer` is taken
/// for the app's JWT (which cannot: its first part is base64 of `{`).
pub const API_TOKEN_PREFIX: &str = "flt_";

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The user a JWT names, stored (created, or updated to the token's role,
/// organization and customer), and when its sessions must end: when the
/// token does, at most 30 days on. `session(c, user, expires_ms)` runs in
/// the same transaction.
async fn token_user<T: Send + 'static>(
    app: &AppState,
    jwt: &str,
    session: impl FnOnce(&mut dyn crate::db::sql::Sql, &User, i64) -> Result<T, crate::db::sql::DbError> + Send + 'static,
) -> Result<(User, i64, T), ApiError> {
    let Some(verifier) = app.settings.jwt.clone() else {
        return Err(ApiError::invalid_token("this server takes no JWTs: start it with --jwt-secret-file, --jwt-public-key-file or --jwks-url"));
    };
    let identity = verifier.verify(jwt).await.map_err(|why| ApiError::invalid_token(why.0))?;
    let now = time::now_ms();
    let expires = identity.exp.saturating_mul(1000).min(now + SESSION_DAYS * 86_400_000);
    if expires <= now {
        // Inside the 60 s leeway: valid, but a session would be over at once.
        return Err(ApiError::invalid_token("token expired"));
    }
    let wanted = User {
        id: identity.sub.clone(),
        username: identity.sub,
        role: identity.role,
        organization_id: identity.organization_id,
        customer_id: identity.customer_id,
    };
    let svc = app.service.clone();
    tokio::task::spawn_blocking(move || {
        svc.db().transaction(|c| {
            let user = users::upsert_identity(c, &wanted).map_err(|e| match e {
                IdentityError::UsernameTaken => ApiError::invalid_token(
                    "the token's sub is the username of another flaglive-server user; give that user this id, or rename it",
                ),
                IdentityError::Db(e) => e.into(),
            })?;
            let made = session(c, &user, expires)?;
            Ok((user, expires, made))
        })
    })
    .await?
}

/// The user a bearer JWT names, with a session under the token's own hash
/// (one per token, however often it is shown; it ends when the token does),
/// for the snapshot and the stream of server renders and non-browser clients.
async fn bearer_user(app: &AppState, jwt: &str) -> Result<(User, String), ApiError> {
    let hash = ids::token_hash(jwt);
    let key = hash.clone();
    let (user, ..) = token_user(app, jwt, move |c, user, expires| users::ensure_session(c, &key, &user.id, expires, time::now_ms())).await?;
    Ok((user, hash))
}

/// The signed-in user (a session cookie, or the app's JWT as a bearer
/// token), and the hash of the session's token.
async fn current_user(parts: &Parts, app: &AppState) -> Result<Option<(User, String)>, ApiError> {
    if let Some(token) = bearer(&parts.headers) {
        if token.starts_with(API_TOKEN_PREFIX) {
            return Ok(None); // an admin API token names no user
        }
        return bearer_user(app, token).await.map(Some);
    }
    let Some(token) = session_token(&parts.headers) else { return Ok(None) };
    let life = users::SessionLife::now(app.settings.session_idle_timeout);
    let hash = ids::token_hash(&token);
    let key = hash.clone();
    let found = app.service.read(move |c| users::session_user(c, &key, life)).await?;
    let Some((user, stale)) = found else { return Ok(None) };
    if stale {
        // Marked as seen on the side: a failure here must not fail the request.
        let (service, key) = (app.service.clone(), hash.clone());
        tokio::spawn(async move {
            let _ = service.read(move |c| users::touch_sessions(c, &[key], life.now_ms)).await;
        });
    }
    Ok(Some((user, hash)))
}

/// The signed-in user; 401 JSON otherwise.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        current_user(parts, app).await?.map(|(user, _)| CurrentUser(user)).ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}

/// A signed-in admin, or an admin API token (scope `read`: GET only);
/// 401 or 403 JSON otherwise. Holds who it is, for the audit log.
pub struct AdminUser(pub Actor);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(&parts.headers).filter(|t| t.starts_with(API_TOKEN_PREFIX)) {
            let hash = ids::token_hash(token);
            let found = app.service.read(move |c| tokens::by_hash(c, &hash)).await?;
            let token = found.ok_or_else(|| ApiError::invalid_token("unknown or revoked API token"))?;
            let reading = parts.method == Method::GET || parts.method == Method::HEAD;
            if token.scope != "admin" && !reading {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this API token's scope is read: GET only"));
            }
            return Ok(AdminUser(Actor::token(&token.name)));
        }
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, app).await?;
        if user.role == "admin" {
            Ok(AdminUser(Actor::user(&user.username)))
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The signed-in user for the snapshot and the stream, which answer a
/// missing session as the production service does: 401, body `Unauthorized`.
/// The second field is the hash of the session's token (a stream lives by
/// its session).
pub struct StreamUser(pub User, pub String);

pub struct Unauthorized;

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        (StatusCode::UNAUTHORIZED, "Unauthorized").into_response()
    }
}

impl FromRequestParts<AppState> for StreamUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        match current_user(parts, app).await {
            Ok(Some((user, token_hash))) => Ok(StreamUser(user, token_hash)),
            Ok(None) => Err(Unauthorized.into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

/// A hash to check unknown usernames against, so they cost what known ones do.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash_password("no such user"));
    &DUMMY
}

/// The client's address, where the server knows it (not behind a test harness).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // An IPv6 client usually holds a whole /64: it counts as one address.
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| crate::connections::counted_as(c.0.ip()).to_string());
        Ok(ClientAddress(addr.unwrap_or_default()))
    }
}

fn too_many(retry_after_secs: u64) -> Response {
    let body = serde_json::json!({
        "error": "too_many_attempts",
        "message": "too many sign-in attempts; try again after the Retry-After delay",
    });
    (StatusCode::TOO_MANY_REQUESTS, [(RETRY_AFTER, retry_after_secs.to_string())], Json(body)).into_response()
}

pub async fn login(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(login): Body<Login>,
) -> Result<Response, ApiError> {
    let guard = &app.logins;
    let admission = match guard.admit(&login.username, &address, time::now_ms()) {
        Ok(admission) => admission,
        Err(too) => return Ok(too_many(too.retry_after_secs)),
    };
    let username = login.username.clone();
    let found = app.service.read(move |c| users::find_for_login(c, &username)).await?;
    let password = login.password;
    // Off the async threads (argon2 is deliberately slow), one per CPU.
    let user = guard
        .check(&admission, move |memory| match found {
            Some((user, hash)) => verify_password_in(memory, &password, &hash).then_some(user),
            None => {
                verify_password_in(memory, &password, dummy_hash());
                None
            }
        })
        .await;
    drop(admission);
    guard.record(&login.username, &address, user.is_some(), time::now_ms());
    let user = user.ok_or_else(|| ApiError::unauthorized("wrong username or password"))?;
    let user_id = user.id.clone();
    let expires = time::now_ms() + SESSION_DAYS * 86_400_000;
    let life = users::SessionLife::now(app.settings.session_idle_timeout);
    let token = app.service.read(move |c| users::create_session(c, &user_id, expires, life)).await?;
    Ok(([(SET_COOKIE, session_cookie(&app, &token, SESSION_DAYS * 86_400))], Json(user)).into_response())
}

/// `POST /api/auth/session` with `Authorization: Bearer <the app's JWT>`:
/// signs in as the user the token names (made in flaglive-server if new)
/// and sets the session cookie, which ends when the token does.
pub async fn session(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(jwt) = bearer(&headers).filter(|t| !t.starts_with(API_TOKEN_PREFIX)) else {
        return Err(ApiError::invalid_token("send the app's JWT as Authorization: Bearer <token>"));
    };
    let life = users::SessionLife::now(app.settings.session_idle_timeout);
    let (user, expires, token) =
        token_user(&app, jwt, move |c, user, expires| users::create_session(c, &user.id, expires, life)).await?;
    Ok(([(SET_COOKIE, session_cookie(&app, &token, (expires - time::now_ms()) / 1000))], Json(user)).into_response())
}

fn session_cookie(app: &AppState, token: &str, max_age_secs: i64) -> String {
    let secure = if app.settings.secure_cookies { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}", max_age_secs.max(1))
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    // JSON only, like every other change: a form or a text/plain body is
    // what another site can post with this user's cookie ("simple"
    // requests need no CORS preflight), and would sign them out.
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "logout takes Content-Type: application/json (an empty body or {})",
        ));
    }
    if let Some(token) = session_token(&headers) {
        app.service.read(move |c| users::delete_session(c, &token)).await?;
    }
    let cookie = format!("{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

pub async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

/// Input of `POST /api/admin/users`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: String,
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Defaults to a random id.
    #[serde(default)]
    pub id: Option<String>,
}

/// Creates a user (admin API and demo seeding). Blocking.
pub fn create_user(db: &Db, new: NewUser) -> Result<User, ApiError> {
    crate::validate::key("username", &new.username)?;
    crate::validate::key("role", &new.role)?;
    for (what, id) in [("organizationId", &new.organization_id), ("customerId", &new.customer_id)] {
        if let Some(id) = id {
            crate::validate::key(what, id)?;
        }
    }
    if new.password.len() < 4 {
        return Err(ApiError::invalid("password must be at least 4 characters"));
    }
    let user = User {
        id: new.id.unwrap_or_else(ids::new_id),
        username: new.username,
        role: new.role,
        organization_id: new.organization_id,
        customer_id: new.customer_id,
    };
    crate::validate::key("id", &user.id)?;
    // Hashing is slow on purpose; done before taking the write lock.
    let hash = hash_password(&new.password);
    db.transaction(|c| {
        if users::find_for_login(c, &user.username)?.is_some() {
            return Err(ApiError::conflict("a user with this username exists"));
        }
        users::insert(c, &user, &hash).map_err(|e| match e.kind {
            DbErrorKind::Constraint => ApiError::conflict("a user with this id exists"),
            _ => e.into(),
        })
    })?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    #[test]
    fn checking_in_kept_memory_agrees_with_the_library() {
        let hash = hash_password("right");
        let mut memory = Vec::new();
        for _ in 0..2 {
            assert!(verify_password_in(&mut memory, "right", &hash));
            assert!(!verify_password_in(&mut memory, "wrong", &hash));
        }
        let library = |password: &str| Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok();
        assert!(library("right") && !library("wrong"));
        assert_eq!(memory.len(), 19 * 1024, "argon2's default: 19 MiB of 1 KiB blocks, kept");
        for junk in ["", "$argon2id$v=19$m=1,t=1,p=1$", "not a hash", "$argon2id$v=19$m=9999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA"] {
            assert!(!verify_password_in(&mut memory, "right", junk), "{junk}");
        }
    }
}
