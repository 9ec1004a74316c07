//! `/api/admin/tokens`: API tokens for automation. The secret is shown once,
//! in the answer that creates it; only its hash is stored, and a deleted
//! token is refused from the next request on (every use looks it up).

use crate::auth::{AdminUser, API_TOKEN_PREFIX};
use crate::db::tokens::{self, ApiToken};
use crate::error::{ApiError, Body};
use crate::state::AppState;
use crate::{ids, time, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    scope: String,
}

#[derive(Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    /// The secret: `Authorization: Bearer <token>`. Never shown again.
    #[serde(rename = "token")]
    secret: String,
}

pub async fn create(State(app): State<AppState>, AdminUser(actor): AdminUser, Body(new): Body<NewToken>) -> Result<Response, ApiError> {
    validate::key("name", &new.name)?;
    if new.scope != "read" && new.scope != "admin" {
        return Err(ApiError::invalid("scope must be \"read\" (GET only) or \"admin\""));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", ids::new_token());
    let token = ApiToken {
        id: ids::new_id(),
        name: new.name,
        scope: new.scope,
        created_at: time::now_ms(),
        created_by: format!("{}:{}", actor.kind, actor.name),
    };
    let (stored, hash) = (token.clone(), ids::token_hash(&secret));
    app.service.read(move |c| tokens::insert(c, &stored, &hash)).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })).into_response())
}

pub async fn list(State(app): State<AppState>, _: AdminUser) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(app.service.read(tokens::list).await?))
}

pub async fn delete(State(app): State<AppState>, _: AdminUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    if app.service.read(move |c| tokens::delete(c, &id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("no such token"))
    }
}
