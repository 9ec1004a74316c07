//! API errors: every failure leaves as JSON `{ "error", "message" }` with the
//! right status, and JSON bodies are read through [`Body`] so that a
//! malformed or mistyped body gets the same treatment.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use crate::db::sql::{DbError, DbErrorKind};
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    pub fn conflict(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", what)
    }
    pub fn invalid(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", what)
    }
    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this needs the admin role")
    }
    pub fn unauthorized(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", what)
    }
    /// A bearer token that is not accepted (RFC 6750 `invalid_token`).
    pub fn invalid_token(why: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", why)
    }
    pub fn internal(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", what)
    }
}

/// Storage failures say what an operator can do about them. Every write is
/// one transaction, so in each case nothing was changed.
impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        eprintln!("flaglive-server: storage error: {e}");
        match e.kind {
            DbErrorKind::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_busy",
                "the database is locked by another process; nothing was changed, try again",
            ),
            DbErrorKind::Full => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "the database's disk is full; nothing was changed",
            ),
            DbErrorKind::ReadOnly => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_read_only",
                "the database cannot be written (read-only file or directory); nothing was changed",
            ),
            DbErrorKind::Unavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the database cannot be reached; nothing was changed, try again",
            ),
            DbErrorKind::Invalid => ApiError::invalid("text must not contain NUL characters"),
            DbErrorKind::Constraint | DbErrorKind::Other => ApiError::internal("storage error; nothing was changed"),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        eprintln!("flaglive-server: worker failed: {e}");
        ApiError::internal("internal error; nothing was changed")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code, "message": self.message });
        let mut response = (self.status, Json(body)).into_response();
        if self.code == "invalid_token" {
            let challenge = axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\"");
            response.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// `Json<T>` with JSON errors: 400 for malformed JSON, 415 without a JSON
/// content type, 413 over the body limit, 422 for the wrong fields or types.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let code = match status {
        StatusCode::BAD_REQUEST => "malformed_json",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        _ => "bad_request",
    };
    ApiError::new(status, code, r.body_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> ApiError {
        DbError::from(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)).into()
    }

    #[test]
    fn storage_failures_map_to_clear_statuses() {
        assert_eq!((sqlite(rusqlite::ffi::SQLITE_BUSY).status, sqlite(rusqlite::ffi::SQLITE_BUSY).code), (StatusCode::SERVICE_UNAVAILABLE, "storage_busy"));
        assert_eq!(sqlite(rusqlite::ffi::SQLITE_FULL).status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(sqlite(rusqlite::ffi::SQLITE_READONLY).code, "storage_read_only");
        assert_eq!(sqlite(rusqlite::ffi::SQLITE_CORRUPT).status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(sqlite(rusqlite::ffi::SQLITE_FULL).message.contains("nothing was changed"));
        let lost = ApiError::from(DbError::new(DbErrorKind::Unavailable, "connection closed"));
        assert_eq!((lost.status, lost.code), (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"));
    }
}
