//! The health check, the OpenAPI document and the 404 answer (the start page `/` is
//! the web UI's, in `crate::ui`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Serialize;

use crate::error::AppError;
use crate::AppState;

/// Liveness answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    /// sqlite or postgres.
    pub backend: String,
}

/// Liveness check.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "site",
    responses((status = 200, body = Health))
)]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        backend: state.store.backend().into(),
    })
}

/// This API's OpenAPI 3 document, generated from the code.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "site",
    responses((status = 200, description = "OpenAPI 3 document", body = Object))
)]
pub async fn openapi_json(Extension(doc): Extension<OpenApiJson>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0)
}

/// The OpenAPI document serialised once at start-up.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub Bytes);

/// Any path that is not routed.
pub async fn not_found() -> AppError {
    AppError::not_found("no such route; see /api/v1/openapi.json")
}
