//! Incidents: consolidating reports, linking and unlinking them, and moving an
//! incident through verification. Every change carries a reason for the audit log.

use aman_core::{Incident, IncidentSummary, StatusChange, VerificationStatus};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::{path_id, require_reason, who};
use crate::error::{blocking, ApiJson, AppError, MaybeJson, QueryPairs};
use crate::permissions::Caller;
use crate::query::{reason_param, IncidentParams};
use crate::AppState;

/// One page of incidents, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentSummary>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A new incident resting on existing reports.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    pub report_ids: Vec<i64>,
    /// Why these reports describe one event (kept in the audit log).
    pub reason: String,
}

/// Link a report to an incident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub report_id: i64,
    pub reason: String,
}

/// Why a report is unlinked (may also be given as `?reason=`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// Move an incident to another verification status.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub status: VerificationStatus,
    pub reason: String,
}

async fn load(state: &AppState, id: i64) -> Result<Incident, AppError> {
    let store = state.store.clone();
    blocking(move || store.get_incident(id).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::not_found(format!("incident {id} not found")))
}

/// Incidents matching the filters, newest first, with keyset pagination.
#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "incidents",
    params(IncidentParams),
    responses(
        (status = 200, body = IncidentPage),
        (status = 400, description = "A parameter was refused", body = crate::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<IncidentPage>, AppError> {
    let (filter, page) = IncidentParams::parse(pairs)?.filter()?;
    let store = state.store.clone();
    let page =
        blocking(move || store.list_incidents(&filter, page).map_err(AppError::from)).await?;
    Ok(Json(IncidentPage {
        items: page.items,
        next_before: page.next_before,
    }))
}

/// Create an incident from reports.
#[utoipa::path(
    post,
    path = "/api/v1/incidents",
    tag = "incidents",
    request_body = NewIncident,
    responses(
        (status = 201, body = Incident),
        (status = 409, description = "A report already belongs to another incident", body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewIncident>,
) -> Result<(StatusCode, Json<Incident>), AppError> {
    require_reason(&body.reason)?;
    let store = state.store.clone();
    let id = blocking(move || {
        store
            .create_incident(&who(&caller), &body.title, &body.report_ids, &body.reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

/// One incident with its reports and verification history.
#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, body = Incident), (status = 404, body = crate::ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Incident>, AppError> {
    let id = path_id("id", &id)?;
    Ok(Json(load(&state, id).await?))
}

/// Link a report to the incident.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/reports",
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = LinkRequest,
    responses(
        (status = 200, description = "The incident after linking", body = Incident),
        (status = 404, body = crate::ErrorBody),
        (status = 409, description = "The report belongs to another incident", body = crate::ErrorBody),
    )
)]
pub async fn link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LinkRequest>,
) -> Result<Json<Incident>, AppError> {
    let id = path_id("id", &id)?;
    require_reason(&body.reason)?;
    let store = state.store.clone();
    blocking(move || {
        store
            .link_report(&who(&caller), id, body.report_id, &body.reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(load(&state, id).await?))
}

/// Unlink a report from the incident; the reason comes in a JSON body or as `?reason=`.
#[utoipa::path(
    delete,
    path = "/api/v1/incidents/{id}/reports/{report_id}",
    tag = "incidents",
    params(
        ("id" = i64, Path, description = "Incident id"),
        ("report_id" = i64, Path, description = "Report id"),
        ("reason" = Option<String>, Query, description = "Why (or give it in the body)"),
    ),
    request_body(content = Option<ReasonBody>, description = "Why (or give it as ?reason=)"),
    responses(
        (status = 200, description = "The incident after unlinking", body = Incident),
        (status = 404, body = crate::ErrorBody),
        (status = 422, description = "No reason given", body = crate::ErrorBody),
    )
)]
pub async fn unlink(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, report_id)): Path<(String, String)>,
    QueryPairs(pairs): QueryPairs,
    MaybeJson(body): MaybeJson<ReasonBody>,
) -> Result<Json<Incident>, AppError> {
    let id = path_id("id", &id)?;
    let report_id = path_id("report_id", &report_id)?;
    let reason = match (body, reason_param(pairs)?) {
        (Some(b), _) => b.reason,
        (None, Some(r)) => r,
        (None, None) => String::new(),
    };
    require_reason(&reason)?;
    let store = state.store.clone();
    blocking(move || {
        store
            .unlink_report(&who(&caller), id, report_id, &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(load(&state, id).await?))
}

/// Move the incident to another verification status.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/status",
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "The recorded change", body = StatusChange),
        (status = 404, body = crate::ErrorBody),
        (status = 409, description = "Transition not allowed from the current status", body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody),
    )
)]
pub async fn change_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> Result<Json<StatusChange>, AppError> {
    let id = path_id("id", &id)?;
    require_reason(&body.reason)?;
    let store = state.store.clone();
    let change = blocking(move || {
        store
            .change_status(&who(&caller), id, body.status, &body.reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(change))
}
