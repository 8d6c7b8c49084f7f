//! Estimates: every multiple systems estimation run Aman has stored, with its capture
//! table, options, seed and software version, and new runs over the victim lists
//! linked in the database.

use aman_estimate::{EstimateOptions, Method};
use aman_service::estimation::{self, StratumVariable};
use aman_store::EstimateRun;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::{path_id, who};
use crate::error::{blocking, ApiJson, AppError, QueryPairs};
use crate::permissions::Caller;
use crate::query::EstimateParams;
use crate::AppState;

/// One page of estimate runs, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EstimatePage {
    pub items: Vec<EstimateRun>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A new estimate over the victim lists linked in the database.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateRequest {
    /// Stratify by these: `sex`, `period` (week of death), `area`, `age_group`.
    #[serde(default)]
    pub by: Vec<String>,
    /// `loglinear`, `dga`, `lcmcr` (default: all three).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Seed of the LCMCR chains (default 1); the same seed reproduces the figures.
    pub seed: Option<u64>,
}

/// Stored estimate runs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/estimates",
    tag = "estimates",
    params(EstimateParams),
    responses(
        (status = 200, body = EstimatePage),
        (status = 400, description = "A parameter was refused", body = crate::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<EstimatePage>, AppError> {
    let page = EstimateParams::parse(pairs)?;
    let store = state.store.clone();
    let page = blocking(move || store.list_estimate_runs(page).map_err(AppError::from)).await?;
    Ok(Json(EstimatePage {
        items: page.items,
        next_before: page.next_before,
    }))
}

/// One stored estimate run: input, options, seed, version and result.
#[utoipa::path(
    get,
    path = "/api/v1/estimates/{id}",
    tag = "estimates",
    params(("id" = i64, Path, description = "Estimate run id")),
    responses((status = 200, body = EstimateRun), (status = 404, body = crate::ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EstimateRun>, AppError> {
    let id = path_id("id", &id)?;
    let store = state.store.clone();
    blocking(move || store.get_estimate_run(id).map_err(AppError::from))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("estimate run {id} not found")))
}

/// Estimate from the victim lists linked in the database, one stored run per stratum.
#[utoipa::path(
    post,
    path = "/api/v1/estimates",
    tag = "estimates",
    request_body = EstimateRequest,
    responses(
        (status = 201, description = "The stored runs, one per stratum", body = Vec<EstimateRun>),
        (status = 422, description = "Bad option, or no linked victim lists", body = crate::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<EstimateRequest>,
) -> Result<(StatusCode, Json<Vec<EstimateRun>>), AppError> {
    let by = body
        .by
        .iter()
        .map(|v| {
            StratumVariable::parse(v).ok_or_else(|| {
                AppError::invalid(
                    "by",
                    format!("unknown stratum '{v}'; use sex, period, area or age_group"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut options = EstimateOptions {
        sensitivity: false,
        ..EstimateOptions::default()
    };
    if !body.methods.is_empty() {
        options.methods = body
            .methods
            .iter()
            .map(|m| {
                Method::parse(m).ok_or_else(|| {
                    AppError::invalid(
                        "methods",
                        format!("unknown method '{m}'; use loglinear, dga or lcmcr"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(seed) = body.seed {
        options.seed = seed;
    }
    let store = state.store.clone();
    let runs = blocking(move || {
        estimation::estimate_linked_persons(store.as_ref(), &who(&caller), &by, &options)
            .map_err(AppError::from)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(runs.into_iter().map(|(run, _)| run).collect()),
    ))
}
