//! The review queue: pairs the linker was unsure about, with its per-field reasons,
//! and reviewers' decisions (audited, reversible by a later decision, and used as
//! training labels and constraints the next time everything is re-linked).

use aman_store::{ReviewCandidate, ReviewDecision};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::{path_id, require_reason, who};
use crate::error::{blocking, ApiJson, AppError, QueryPairs};
use crate::permissions::Caller;
use crate::query::ReviewParams;
use crate::AppState;

/// One page of review candidates, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewPage {
    pub items: Vec<ReviewCandidate>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// A reviewer's decision on a candidate pair.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: ReviewDecision,
    /// Why (kept in the audit log and the candidate's history).
    pub reason: String,
}

/// Candidate pairs waiting for (or given) a decision, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/review",
    tag = "review",
    params(ReviewParams),
    responses(
        (status = 200, body = ReviewPage),
        (status = 400, description = "A parameter was refused", body = crate::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ReviewPage>, AppError> {
    let (filter, page) = ReviewParams::parse(pairs)?;
    let store = state.store.clone();
    let page = blocking(move || {
        store
            .list_review_candidates(filter, page)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(ReviewPage {
        items: page.items,
        next_before: page.next_before,
    }))
}

/// One candidate pair with the linker's explanation and every decision so far.
#[utoipa::path(
    get,
    path = "/api/v1/review/{id}",
    tag = "review",
    params(("id" = i64, Path, description = "Review candidate id")),
    responses((status = 200, body = ReviewCandidate), (status = 404, body = crate::ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ReviewCandidate>, AppError> {
    let id = path_id("id", &id)?;
    let store = state.store.clone();
    blocking(move || store.get_review_candidate(id).map_err(AppError::from))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("review candidate {id} not found")))
}

/// Decide a pair: `match`, `not_a_match` or `unsure`. For a report–incident pair a
/// match links the report to the incident, and a later contrary decision unlinks it.
#[utoipa::path(
    post,
    path = "/api/v1/review/{id}/decision",
    tag = "review",
    params(("id" = i64, Path, description = "Review candidate id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "The candidate with its history", body = ReviewCandidate),
        (status = 404, body = crate::ErrorBody),
        (status = 409, description = "The report is in another incident", body = crate::ErrorBody),
        (status = 422, description = "No reason given", body = crate::ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<ReviewCandidate>, AppError> {
    let id = path_id("id", &id)?;
    require_reason(&body.reason)?;
    let store = state.store.clone();
    let candidate = blocking(move || {
        store
            .decide_review(&who(&caller), id, body.decision, &body.reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(candidate))
}
