//! Request handlers, one module per area of the API. Each is annotated with
//! `#[utoipa::path]` so its route, parameters, bodies and answers appear in the
//! generated OpenAPI document.

pub mod admin;
pub mod estimates;
pub mod incidents;
pub mod records;
pub mod review;
pub mod session;
pub mod site;
pub mod vault;

use aman_store::Who;

use crate::permissions::Caller;

/// The audit-log identity of the signed-in caller.
pub(crate) fn who(caller: &Caller) -> Who {
    Who::user(caller.user.username.clone())
}

/// Does the store hold the synthetic demo scenario? Then every page says so.
pub(crate) fn holds_synthetic(store: &dyn aman_store::Store) -> Result<bool, crate::AppError> {
    Ok(store.list_sources()?.iter().any(|s| s.synthetic))
}

/// A path id, refused by name when it is not a number.
pub(crate) fn path_id(name: &str, value: &str) -> Result<i64, crate::AppError> {
    value.parse().map_err(|_| {
        crate::AppError::field(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_path",
            name,
            format!("'{value}' is not a whole number"),
        )
    })
}

/// Every change carries a reason for the audit log; a blank one is refused by name.
pub(crate) fn require_reason(reason: &str) -> Result<(), crate::AppError> {
    if reason.trim().is_empty() {
        return Err(crate::AppError::invalid(
            "reason",
            "say why: the reason is kept in the audit log",
        ));
    }
    Ok(())
}
