//! Login sessions: `POST /api/auth/login` sets an HTTP-only cookie, and the
//! extractors here turn that cookie into the signed-in user.

use crate::db::sql::DbErrorKind;
use crate::db::users::{self, User};
use crate::db::Db;
use crate::error::{ApiError, Body};
use crate::{ids, time, AppState};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

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

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
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

async fn current_user(parts: &Parts, app: &AppState) -> Result<Option<User>, ApiError> {
    let Some(token) = session_token(&parts.headers) else { return Ok(None) };
    app.service.read(move |c| users::session_user(c, &token, time::now_ms())).await
}

/// The signed-in user; 401 JSON otherwise.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        current_user(parts, app).await?.map(CurrentUser).ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}

/// A signed-in admin; 401 or 403 JSON otherwise.
pub struct AdminUser(pub User);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, app).await?;
        if user.role == "admin" {
            Ok(AdminUser(user))
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The signed-in user for the snapshot and the stream, which answer a
/// missing session as the production service does: 401, body `Unauthorized`.
pub struct StreamUser(pub User);

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
            Ok(Some(user)) => Ok(StreamUser(user)),
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

pub async fn login(State(app): State<AppState>, Body(login): Body<Login>) -> Result<Response, ApiError> {
    let username = login.username.clone();
    let found = app.service.read(move |c| users::find_for_login(c, &username)).await?;
    // Verify off the async threads: argon2 is deliberately slow.
    let user = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) if verify_password(&login.password, &hash) => Some(user),
        _ => None,
    })
    .await?
    .ok_or_else(|| ApiError::unauthorized("wrong username or password"))?;
    let user_id = user.id.clone();
    let expires = time::now_ms() + SESSION_DAYS * 86_400_000;
    let token = app.service.read(move |c| users::create_session(c, &user_id, expires)).await?;
    let secure = if app.settings.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        SESSION_DAYS * 86_400
    );
    Ok(([(SET_COOKIE, cookie)], Json(user)).into_response())
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
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
    crate::service::validate_key("username", &new.username)?;
    crate::service::validate_key("role", &new.role)?;
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
    crate::service::validate_key("id", &user.id)?;
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
