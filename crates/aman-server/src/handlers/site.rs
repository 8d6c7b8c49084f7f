//! The landing page, the health check, the OpenAPI document and the 404 answer.

use aman_core::SYNTHETIC_LABEL;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::{Extension, Json};
use serde::Serialize;

use super::holds_synthetic;
use crate::error::{blocking, AppError};
use crate::AppState;

/// What Aman is, whether the data is synthetic, and where the API is described.
#[utoipa::path(
    get,
    path = "/",
    tag = "site",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn landing(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let store = state.store.clone();
    let synthetic = blocking(move || holds_synthetic(store.as_ref())).await?;
    let banner = if synthetic {
        format!(
            "<p class=\"synthetic\"><strong>{SYNTHETIC_LABEL}.</strong> Everything this \
             server holds was generated for demonstration; none of it describes real people \
             or events.</p>"
        )
    } else {
        String::new()
    };
    Ok(Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Aman</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;\
         padding:0 1rem;line-height:1.5}}.synthetic{{border:2px solid #b00;padding:.75rem;\
         background:#fff4f4}}</style></head><body>\
         <h1>Aman</h1>\
         <p>Aman documents incidents for a protection mission: field reports from many \
         sources are taken in, their places resolved offline, consolidated into incidents \
         and verified, with every change kept in a tamper-evident audit log.</p>\
         {banner}\
         <p>The HTTP API is described by its OpenAPI document: \
         <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. Sign in with \
         <code>POST /api/v1/login</code>.</p>\
         </body></html>\n"
    )))
}

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
