//! `GET /api/admin/audit?before=VERSION&limit=N`: who changed what, newest
//! first, a page at a time (the next page: `before` = the last entry's version).

use crate::auth::AdminUser;
use crate::db::audit::{self, Entry};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default)]
    before: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
}

#[derive(Serialize)]
pub struct Entries {
    entries: Vec<Entry>,
}

pub async fn list(State(app): State<AppState>, _: AdminUser, page: Result<Query<Page>, axum::extract::rejection::QueryRejection>) -> Result<Json<Entries>, ApiError> {
    let Query(page) = page.map_err(|e| ApiError::invalid(format!("before and limit are whole numbers: {}", e.body_text())))?;
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let entries = app.service.read(move |c| audit::page(c, page.before, limit)).await?;
    Ok(Json(Entries { entries }))
}
