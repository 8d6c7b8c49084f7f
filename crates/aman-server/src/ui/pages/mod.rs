//! Page handlers, one module per area. Each is annotated with `#[utoipa::path]` (tag
//! `ui`) so the route appears in the OpenAPI document and the role × route test walks
//! it like every API route.

pub mod audit;
pub mod dashboard;
pub mod estimates;
pub mod incidents;
pub mod map;
pub mod reports;
pub mod review;
pub mod session;

use axum::http::StatusCode;

use crate::error::AppError;

/// A form's value for `key` (the first one), or empty.
fn field<'a>(form: &'a [(String, String)], key: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

/// The form's `reason`, trimmed; a blank one is refused beside its field.
fn reason(form: &[(String, String)]) -> Result<String, AppError> {
    let r = field(form, "reason").trim().to_string();
    crate::handlers::require_reason(&r)?;
    Ok(r)
}

/// A path id, or a 404 page (an id that is not a number names nothing).
fn page_id(value: &str) -> Result<i64, AppError> {
    value.parse().map_err(|_| {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no record '{value}'"),
        )
    })
}
