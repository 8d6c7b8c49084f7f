//! Signing in and out.

use aman_core::User;
use aman_service::auth;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{blocking, ApiJson, AppError};
use crate::permissions::{Caller, SESSION_COOKIE};
use crate::AppState;

/// Credentials for `POST /api/v1/login`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    // The password never reaches a log, even through a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A new session. The token is shown once; only its hash is stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

pub(crate) fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, AppError> {
    let secure = if state.secure_cookie { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| AppError::internal(format!("session cookie: {e}")))
}

/// Sign in with a username and password.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "session",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; also sets the HttpOnly aman_session cookie", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = crate::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let store = state.store.clone();
    let session = blocking(move || {
        auth::login(store.as_ref(), &body.username, &body.password).map_err(AppError::from)
    })
    .await?;
    let max_age = (session.expires_at - state.store.clock().now())
        .num_seconds()
        .max(0);
    let set = cookie(&state, &session.token, max_age)?;
    tracing::info!(user = %session.user.username, "signed in");
    let body = LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
        user: session.user,
    };
    Ok(([(header::SET_COOKIE, set)], Json(body)).into_response())
}

/// End the current session.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"))
)]
pub async fn logout(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, AppError> {
    let store = state.store.clone();
    let hash = auth::token_hash(&caller.token);
    blocking(move || store.delete_session(&hash).map_err(AppError::from)).await?;
    let clear = cookie(&state, "", 0)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "session",
    responses((status = 200, body = User))
)]
pub async fn me(Extension(caller): Extension<Caller>) -> Json<User> {
    Json(caller.user)
}
