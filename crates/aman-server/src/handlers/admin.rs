//! Aggregates for everyone, and the admin-only audit log and user accounts.

use aman_core::{AuditEntry, Role, User, VerificationStatus, SYNTHETIC_LABEL};
use aman_service::auth;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::{holds_synthetic, who};
use crate::error::{blocking, ApiJson, AppError, QueryPairs};
use crate::permissions::Caller;
use crate::query::AuditParams;
use crate::AppState;

/// Incidents in one verification status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusCount {
    pub status: VerificationStatus,
    pub count: u64,
}

/// Counts only: nothing here identifies a person, a source or a place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub reports: u64,
    pub incidents: u64,
    pub incidents_by_status: Vec<StatusCount>,
    pub unlinked_reports: u64,
    pub ambiguous_places: u64,
    /// Present when the store holds the synthetic demo scenario.
    pub data_label: Option<String>,
}

/// Sanitised aggregate counts (safe to share with partners).
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "stats",
    responses((status = 200, body = Stats))
)]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, AppError> {
    let store = state.store.clone();
    let (counts, synthetic) =
        blocking(move || Ok((store.counts()?, holds_synthetic(store.as_ref())?))).await?;
    Ok(Json(Stats {
        reports: counts.reports,
        incidents: counts.incidents,
        incidents_by_status: counts
            .incidents_by_status
            .into_iter()
            .map(|(status, count)| StatusCount { status, count })
            .collect(),
        unlinked_reports: counts.unlinked_reports,
        ambiguous_places: counts.ambiguous_places,
        data_label: synthetic.then(|| SYNTHETIC_LABEL.to_string()),
    }))
}

/// Audit entries after a sequence number, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>))
)]
pub async fn audit(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let (after, limit) = AuditParams::parse(pairs)?;
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.audit_page(after, limit).map_err(AppError::from)).await?,
    ))
}

/// Result of walking the audit hash chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditVerification {
    /// True when every entry's hash and link check out.
    pub intact: bool,
    /// Entries checked (when intact).
    pub entries: Option<u64>,
    /// The first broken entry and what is wrong with it.
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Verify the whole audit chain.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    responses((status = 200, body = AuditVerification))
)]
pub async fn verify_audit(
    State(state): State<AppState>,
) -> Result<Json<AuditVerification>, AppError> {
    let store = state.store.clone();
    let result = blocking(move || store.verify_audit().map_err(AppError::from)).await?;
    Ok(Json(match result {
        Ok(n) => AuditVerification {
            intact: true,
            entries: Some(n),
            broken_at: None,
            problem: None,
        },
        Err(b) => {
            tracing::warn!(seq = b.seq, problem = %b.problem, "audit chain broken");
            AuditVerification {
                intact: false,
                entries: None,
                broken_at: Some(b.seq),
                problem: Some(b.problem),
            }
        }
    }))
}

/// User accounts.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    responses((status = 200, body = Vec<User>))
)]
pub async fn list_users(State(state): State<AppState>) -> Result<Json<Vec<User>>, AppError> {
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.list_users().map_err(AppError::from)).await?,
    ))
}

/// A new account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    /// At least 10 characters.
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    // The password never reaches a log, even through a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Create an account.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = NewUser,
    responses(
        (status = 201, body = User),
        (status = 409, description = "The username is taken", body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), AppError> {
    aman_core::user::validate_username(&body.username)
        .map_err(|m| AppError::invalid("username", m))?;
    let store = state.store.clone();
    let user = blocking(move || {
        let hash = auth::hash_password(&body.password)?;
        store
            .create_user(&who(&caller), &body.username, body.role, &hash)
            .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}
