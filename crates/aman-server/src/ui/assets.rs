//! The stylesheet and script, embedded in the binary and served from `/assets/`.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::PageError;
use crate::error::AppError;

const FILES: &[(&str, &str, &str)] = &[
    (
        "ui.css",
        "text/css; charset=utf-8",
        include_str!("assets/ui.css"),
    ),
    (
        "ui.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/ui.js"),
    ),
];

/// A stylesheet or script of the UI.
#[utoipa::path(
    get,
    path = "/assets/{name}",
    tag = "ui",
    params(("name" = String, Path, description = "ui.css or ui.js")),
    responses(
        (status = 200, description = "The file", content_type = "text/plain", body = String),
        (status = 404, description = "No such file", content_type = "text/html", body = String),
    )
)]
pub async fn asset(Path(name): Path<String>) -> Result<Response, PageError> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| PageError(AppError::not_found(format!("no asset {name}"))))?;
    Ok((
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        *body,
    )
        .into_response())
}
