//! The identity vault, grants, evidence custody and the Merkle audit log over HTTP.
//!
//! Identity fields travel only in request and response bodies (never in paths or query
//! strings, which the request log records). Reading an identity needs a live grant for
//! the caller whatever their role, and a purpose; both the read and a refusal are audited.
//! Routes that need the key-encryption key answer 409 `vault_locked` when the server was
//! started without it.

use std::sync::Arc;

use aman_service::vault::{
    self, EvidenceView, IdentityFields, IdentityQuery, InclusionProof, Vault, VaultError,
};
use aman_store::{GrantRecord, GrantTarget};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{path_id, who};
use crate::error::{blocking, ApiJson, AppError};
use crate::permissions::Caller;
use crate::AppState;

impl From<VaultError> for AppError {
    fn from(e: VaultError) -> AppError {
        match e {
            VaultError::Store(s) => s.into(),
            VaultError::Denied(d) => {
                AppError::new(StatusCode::FORBIDDEN, "grant_required", d.to_string())
            }
            VaultError::Forbidden(m) => AppError::forbidden(m),
            VaultError::NotFound { .. } => AppError::not_found(e.to_string()),
            VaultError::Invalid(_) | VaultError::Grant(_) => {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
            }
            VaultError::NotInitialised | VaultError::NoKey | VaultError::NotCurrentKey { .. } => {
                locked()
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

fn locked() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "vault_locked",
        "the identity vault is locked: start the server with AMAN_VAULT_PASSPHRASE or the vault key file",
    )
}

fn unlocked(state: &AppState) -> Result<Arc<Vault>, AppError> {
    state.vault().cloned().ok_or_else(locked)
}

/// A person's identity to seal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdentity {
    pub role: aman_core::PersonRole,
    pub incident_id: Option<i64>,
    pub fields: IdentityFields,
    /// Whom the person allows their identity to be shared with: nobody, ohchr,
    /// prosecutors or partner:NAME.
    #[serde(default)]
    pub consent: Vec<String>,
}

/// The pseudonymous id a sealed identity was filed under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdentityCreated {
    pub person_id: String,
}

/// Seal a person's identity under a new pseudonymous id (fields are never stored or
/// logged in plaintext).
#[utoipa::path(
    post,
    path = "/api/v1/identities",
    tag = "vault",
    request_body = NewIdentity,
    responses(
        (status = 201, body = IdentityCreated),
        (status = 409, description = "Vault locked", body = crate::ErrorBody),
    )
)]
pub async fn create_identity(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewIdentity>,
) -> Result<(StatusCode, Json<IdentityCreated>), AppError> {
    let vault = unlocked(&state)?;
    let person_id = blocking(move || {
        {
            let consent = body
                .consent
                .iter()
                .map(|c| vault::parse_consent(c.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            let by = who(&caller);
            let person = vault.add_identity(&by, body.role, body.incident_id, &body.fields)?;
            if !consent.is_empty() {
                vault.set_consent(&by, person.as_str(), &consent)?;
            }
            Ok::<_, VaultError>(person.as_str().to_string())
        }
        .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(IdentityCreated { person_id })))
}

/// Why the caller needs to see an identity (recorded in the audit log).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeBody {
    pub purpose: String,
}

/// Pseudonymous ids of matching persons.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdentityMatches {
    pub person_ids: Vec<String>,
}

/// Exact-match lookup by name, phone or ID number through blind indexes; decrypts nothing.
#[utoipa::path(
    post,
    path = "/api/v1/identities/search",
    tag = "vault",
    request_body = IdentityQuery,
    responses(
        (status = 200, body = IdentityMatches),
        (status = 409, description = "Vault locked", body = crate::ErrorBody),
    )
)]
pub async fn search_identities(
    State(state): State<AppState>,
    ApiJson(query): ApiJson<IdentityQuery>,
) -> Result<Json<IdentityMatches>, AppError> {
    let vault = unlocked(&state)?;
    let person_ids = blocking(move || vault.find(&query).map_err(AppError::from)).await?;
    Ok(Json(IdentityMatches { person_ids }))
}

/// Decrypt one person's identity: needs a live grant for the caller (no role bypasses
/// it) and a purpose; the read is audited with the purpose.
#[utoipa::path(
    post,
    path = "/api/v1/identities/{id}/read",
    tag = "vault",
    params(("id" = String, Path, description = "Pseudonymous person id")),
    request_body = PurposeBody,
    responses(
        (status = 200, body = IdentityFields),
        (status = 403, description = "No live grant (code grant_required)", body = crate::ErrorBody),
        (status = 409, description = "Vault locked", body = crate::ErrorBody),
    )
)]
pub async fn read_identity(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PurposeBody>,
) -> Result<Json<IdentityFields>, AppError> {
    let vault = unlocked(&state)?;
    let user = caller.user.username.clone();
    Ok(Json(
        blocking(move || {
            vault
                .read_identity(&user, &id, &body.purpose)
                .map_err(AppError::from)
        })
        .await?,
    ))
}

/// A grant to give.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub username: String,
    pub target: GrantTarget,
    pub purpose: String,
    pub expires_at: DateTime<Utc>,
}

/// All need-to-know grants, live and past.
#[utoipa::path(
    get,
    path = "/api/v1/grants",
    tag = "vault",
    responses((status = 200, body = Vec<GrantRecord>))
)]
pub async fn list_grants(
    State(state): State<AppState>,
) -> Result<Json<Vec<GrantRecord>>, AppError> {
    let store = state.store().clone();
    Ok(Json(
        blocking(move || store.list_grants().map_err(AppError::from)).await?,
    ))
}

/// Give a user need-to-know access to a person or a case (never to oneself).
#[utoipa::path(
    post,
    path = "/api/v1/grants",
    tag = "vault",
    request_body = NewGrant,
    responses(
        (status = 201, body = GrantRecord),
        (status = 422, description = "No purpose, a self-grant or a past expiry", body = crate::ErrorBody),
    )
)]
pub async fn create_grant(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewGrant>,
) -> Result<(StatusCode, Json<GrantRecord>), AppError> {
    let store = state.store().clone();
    let grant = blocking(move || {
        vault::grant(
            store.as_ref(),
            &caller.user,
            &body.username,
            body.target,
            &body.purpose,
            body.expires_at,
        )
        .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

/// Why a grant is revoked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
}

/// Revoke a grant, with a reason.
#[utoipa::path(
    post,
    path = "/api/v1/grants/{id}/revoke",
    tag = "vault",
    params(("id" = i64, Path, description = "Grant id")),
    request_body = RevokeBody,
    responses((status = 200, body = GrantRecord))
)]
pub async fn revoke_grant(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> Result<Json<GrantRecord>, AppError> {
    let id = path_id("id", &id)?;
    let store = state.store().clone();
    Ok(Json(
        blocking(move || {
            vault::revoke(store.as_ref(), &caller.user, id, &body.reason).map_err(AppError::from)
        })
        .await?,
    ))
}

/// An evidence item's metadata and signed custody history, with whether it verifies.
#[utoipa::path(
    get,
    path = "/api/v1/evidence/{id}",
    tag = "vault",
    params(("id" = String, Path, description = "SHA-256 of the file (hex)")),
    responses((status = 200, body = EvidenceView))
)]
pub async fn get_evidence(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EvidenceView>, AppError> {
    let store = state.store().clone();
    Ok(Json(
        blocking(move || vault::evidence_view(store.as_ref(), &id).map_err(AppError::from)).await?,
    ))
}

/// A signed tree head in JSON and in its publishable text form.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Checkpoint {
    pub tree_size: u64,
    pub root_hash: String,
    pub key_id: String,
    /// The text to publish or hand to a partner.
    pub text: String,
}

/// Sign and store a tree head over the audit log as it is now.
#[utoipa::path(
    post,
    path = "/api/v1/audit/checkpoint",
    tag = "audit",
    responses(
        (status = 201, body = Checkpoint),
        (status = 409, description = "Vault locked", body = crate::ErrorBody),
    )
)]
pub async fn checkpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<(StatusCode, Json<Checkpoint>), AppError> {
    let vault = unlocked(&state)?;
    let head = blocking(move || {
        vault
            .checkpoint(&who(&caller), "aman")
            .map_err(AppError::from)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Checkpoint {
            tree_size: head.head.tree_size,
            root_hash: head.head.root_hash.to_hex(),
            key_id: head.key_id.to_string(),
            text: head.to_text(),
        }),
    ))
}

/// Merkle inclusion proof of audit entry `id` (its seq) in the log as it is now.
#[utoipa::path(
    get,
    path = "/api/v1/audit/proof/{id}",
    tag = "audit",
    params(("id" = u64, Path, description = "Audit entry seq")),
    responses((status = 200, body = InclusionProof))
)]
pub async fn inclusion_proof(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<InclusionProof>, AppError> {
    let seq = path_id("id", &id)?;
    if seq < 1 {
        return Err(AppError::not_found(format!("audit entry {seq} not found")));
    }
    let tree = state.audit_tree().clone();
    Ok(Json(
        blocking(move || tree.inclusion_proof(seq as u64).map_err(AppError::from)).await?,
    ))
}
