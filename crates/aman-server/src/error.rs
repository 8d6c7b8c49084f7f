//! The one error envelope every failure is answered with, and the JSON/query
//! extractors that turn malformed input into it.
//!
//! `{"error": {"code": "<stable_code>", "message": "...", "fields": [...]}}`. Codes are
//! stable for clients; messages are for people. A 5xx answer says only "internal error;
//! reference <id>" while the detail is logged once under that reference, so nothing about
//! the database or the code leaks to a caller.

use aman_core::{FieldError, ValidationErrors};
use aman_service::auth::AuthError;
use aman_service::estimation::EstimationError;
use aman_service::intake::IntakeError;
use aman_service::linking::LinkingError;
use aman_store::StoreError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The JSON body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a readable message, and the fields at fault.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: bad_json, bad_query, invalid, not_found, conflict,
    /// unauthorized, forbidden, payload_too_large, unsupported_media_type, bad_path,
    /// method_not_allowed, duplicate_import, internal, no_permission_rule, grant_required,
    /// vault_locked; and on UI pages stale_form.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// The part of an [`AppError`] a caller may see.
#[derive(Clone, Debug)]
pub struct PublicError {
    pub status: StatusCode,
    pub code: &'static str,
    /// In English; for a 5xx only "internal error; reference …".
    pub message: String,
    pub fields: Vec<FieldError>,
}

/// A failed request, turned into the envelope by [`IntoResponse`].
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    /// For 5xx only: what actually went wrong, logged and never sent.
    detail: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            detail: None,
        }
    }

    /// A server-side failure: `detail` goes to the log only.
    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError {
            detail: Some(detail.into()),
            ..AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
        }
    }

    pub fn with_code(mut self, code: &'static str) -> AppError {
        self.code = code;
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// One field was refused.
    pub fn field(
        status: StatusCode,
        code: &'static str,
        field: &str,
        message: impl Into<String>,
    ) -> AppError {
        let message = message.into();
        AppError {
            fields: vec![FieldError {
                field: field.to_string(),
                code,
                message: message.clone(),
            }],
            ..AppError::new(status, code, format!("{field}: {message}"))
        }
    }

    /// A query parameter was refused.
    pub fn bad_query(field: &str, message: impl Into<String>) -> AppError {
        AppError::field(StatusCode::BAD_REQUEST, "bad_query", field, message)
    }

    /// A body field was refused by validation.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid", field, message)
    }
}

impl AppError {
    /// What a caller may see: a 5xx's detail is logged here under a reference and
    /// only the reference is returned.
    pub fn into_public(self) -> PublicError {
        let (status, code, message, fields) = self.into_parts();
        PublicError {
            status,
            code,
            message,
            fields,
        }
    }

    fn into_parts(self) -> (StatusCode, &'static str, String, Vec<FieldError>) {
        let message = if self.status.is_server_error() {
            let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            tracing::error!(
                reference = %reference,
                code = self.code,
                detail = self.detail.as_deref().unwrap_or(&self.message),
                "request failed"
            );
            format!("internal error; reference {reference}")
        } else {
            self.message
        };
        (self.status, self.code, message, self.fields)
    }

    /// The fields at fault (validation failures name each one).
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = self.into_parts();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                fields,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> AppError {
        AppError {
            fields: e.0.clone(),
            ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound { .. } => AppError::not_found(e.to_string()),
            StoreError::Conflict(m) => AppError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::DuplicateImport { .. } => {
                AppError::new(StatusCode::CONFLICT, "duplicate_import", e.to_string())
            }
            StoreError::Invalid(m) => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            StoreError::Backend(_) | StoreError::Corrupt(_) => AppError::internal(e.to_string()),
        }
    }
}

impl From<IntakeError> for AppError {
    fn from(e: IntakeError) -> AppError {
        match e {
            IntakeError::Invalid(v) => v.into(),
            IntakeError::Store(s) => s.into(),
            IntakeError::Linking(l) => l.into(),
        }
    }
}

impl From<LinkingError> for AppError {
    fn from(e: LinkingError) -> AppError {
        match e {
            LinkingError::Store(s) => s.into(),
            LinkingError::Linkage(_) => AppError::internal(e.to_string()),
        }
    }
}

impl From<EstimationError> for AppError {
    fn from(e: EstimationError) -> AppError {
        match e {
            EstimationError::Store(s) => s.into(),
            EstimationError::Estimate(_) | EstimationError::Input(_) => {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
            }
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> AppError {
        match e {
            AuthError::BadCredentials => AppError::unauthorized(e.to_string()),
            AuthError::WeakPassword => AppError::invalid("password", e.to_string()),
            AuthError::Store(s) => s.into(),
        }
    }
}

/// Runs synchronous store work off the async threads.
pub async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

/// A JSON body whose every failure (syntax, unknown or mistyped field, too large,
/// wrong content type) becomes the envelope, naming the field where serde knows it.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn is_json(parts_ct: Option<&axum::http::HeaderValue>) -> bool {
    match parts_ct.and_then(|v| v.to_str().ok()) {
        // A missing type is accepted: the body is still parsed strictly as JSON.
        None => true,
        Some(ct) => {
            let essence = ct.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("application/json")
                || essence.to_ascii_lowercase().ends_with("+json")
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_error(r.status()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: empty means `None`, anything else is parsed like [`ApiJson`].
#[derive(Debug)]
pub struct MaybeJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for MaybeJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let json_type = is_json(req.headers().get(header::CONTENT_TYPE));
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_error(r.status()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeJson(None));
        }
        if !json_type {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        parse_json(&bytes).map(|v| MaybeJson(Some(v)))
    }
}

fn body_error(status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the body is larger than {} bytes; long testimony belongs in evidence files",
                crate::BODY_LIMIT_BYTES
            ),
        )
    } else {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            "the request body could not be read",
        )
    }
}

/// Parses a JSON body, keeping the path of the field serde refused.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            let message = inner.to_string();
            let field = field_path(&path, &message);
            AppError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &field,
                strip_position(&message),
            )
        } else {
            not_json(&inner)
        }
    })?;
    de.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(e: &serde_json::Error) -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "bad_json",
        format!("the body is not valid JSON: {e}"),
    )
}

/// The dotted path of the refused field. For a missing or unknown field serde's path
/// stops at the enclosing object, so the field's name is taken from the message.
fn field_path(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
        (path, _) => path.to_string(),
    }
}

/// serde_json appends " at line L column C" to data errors; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The query string as ordered key/value pairs, so repeated keys (`type=a&type=b`)
/// survive and every parameter can be checked by name.
#[derive(Debug, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|q| QueryPairs(q.0))
            .map_err(|e| AppError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text()))
    }
}
