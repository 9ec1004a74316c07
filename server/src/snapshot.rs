//! `GET /api/feature-flags/snapshot` (docs/protocol.md part C): every flag in the
//! calling user's evaluation shape, plus the config layers of part E. With
//! `?prepared=1` the same snapshot comes as a prepared answer (the core's
//! [`flaglive::engine::prepared`]): a browser reads its flags from the
//! evaluation in it while its wasm is still loading.

use crate::auth::StreamUser;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use crate::time;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use flaglive::{Snapshot, SnapshotUser};

/// FNV-1a, to fold the user's identity into the ETag: the same version
/// looks different to different users (their targets, their config).
fn fnv1a(parts: &[&str]) -> u64 {
    parts.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, p| {
        p.bytes().chain([0xff]).fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    })
}

pub async fn snapshot(
    State(app): State<AppState>,
    StreamUser(user, _): StreamUser,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let org = user.organization_id.clone();
    let customer = user.customer_id.clone();
    let user_id = user.id.clone();
    // Version and content read under one lock: they always match.
    let (version, flags, config) = app
        .service
        .read(move |c| {
            let version = db::changes::current_version(c)?;
            let flags = db::flags::snapshot_flags(c, &user_id)?;
            let config = db::config::layers_for(c, org.as_deref(), customer.as_deref())?;
            Ok((version, flags, config))
        })
        .await?;
    let who = fnv1a(&[&user.id, &user.role, user.organization_id.as_deref().unwrap_or(""), user.customer_id.as_deref().unwrap_or("")]);
    let etag = format!("\"{version}-{who:016x}\"");
    let etag_value = HeaderValue::from_str(&etag).expect("an ETag of digits and hex is a valid header");
    let matches = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| {
            // Weak comparison (RFC 9110): a proxy that compresses the
            // answer may hand the client `W/"…"` for our tag.
            let t = t.trim();
            t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
        }));
    if matches {
        let revalidate = HeaderValue::from_static("private, no-cache");
        return Ok((StatusCode::NOT_MODIFIED, [(ETAG, etag_value), (CACHE_CONTROL, revalidate)]).into_response());
    }
    let empty = config == Default::default();
    let snapshot = Snapshot {
        version: Some(version),
        generated_at: Some(time::now_iso()),
        user: Some(SnapshotUser { id: Some(user.id), role: Some(user.role) }),
        flags,
        config: if empty { None } else { Some(config) },
        skipped_flags: 0,
        skip_reason: None,
    };
    let headers = [(ETAG, etag_value), (CACHE_CONTROL, HeaderValue::from_static("private, no-cache"))];
    // The same ETag either way: both carry this snapshot, and a client that
    // holds either has its text.
    if query.as_deref().is_some_and(|q| q.split('&').any(|p| p == "prepared=1")) {
        let text = serde_json::to_string(&snapshot).map_err(|e| ApiError::internal(e.to_string()))?;
        let answer = flaglive::engine::prepared(&text).map_err(|e| ApiError::internal(format!("{e:?}")))?;
        return Ok((headers, [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], answer).into_response());
    }
    Ok((headers, axum::Json(snapshot)).into_response())
}
