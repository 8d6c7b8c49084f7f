//! Sources, reports and place look-ups.

use aman_core::{Report, ReportInput, Source, SourceInput};
use aman_store::ReportJson;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;

use super::{path_id, who};
use crate::error::{blocking, ApiJson, AppError, QueryPairs};
use crate::permissions::Caller;
use crate::query::{PlaceParams, ReportParams};
use crate::AppState;

/// One page of reports, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportPage {
    /// Written from the stored JSON as it is, not parsed and written again.
    #[schema(value_type = Vec<Report>)]
    pub items: Vec<ReportJson>,
    /// Pass as `before` to get the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Registered sources.
#[utoipa::path(
    get,
    path = "/api/v1/sources",
    tag = "sources",
    responses((status = 200, body = Vec<Source>))
)]
pub async fn list_sources(State(state): State<AppState>) -> Result<Json<Vec<Source>>, AppError> {
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.list_sources().map_err(AppError::from)).await?,
    ))
}

/// Register a source.
#[utoipa::path(
    post,
    path = "/api/v1/sources",
    tag = "sources",
    request_body = SourceInput,
    responses(
        (status = 201, body = Source),
        (status = 409, description = "A source with this name exists", body = crate::ErrorBody),
        (status = 422, description = "A field was refused", body = crate::ErrorBody),
    )
)]
pub async fn create_source(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(input): ApiJson<SourceInput>,
) -> Result<(StatusCode, Json<Source>), AppError> {
    let input = input.validate()?;
    let store = state.store.clone();
    let source = blocking(move || {
        store
            .create_source(&who(&caller), input)
            .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(source)))
}

/// Reports matching the filters, newest first, with keyset pagination.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, body = ReportPage),
        (status = 400, description = "A parameter was refused", body = crate::ErrorBody),
    )
)]
pub async fn list_reports(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<ReportPage>, AppError> {
    let (filter, page) = ReportParams::parse(pairs)?.filter()?;
    let store = state.store.clone();
    let page = blocking(move || {
        store
            .list_reports_json(&filter, page)
            .map_err(AppError::from)
    })
    .await?;
    Ok(Json(ReportPage {
        items: page.items,
        next_before: page.next_before,
    }))
}

/// Take in a report: validate it, resolve its place with the offline geocoder, store it,
/// and score it against the open incidents near it in time: linked when the match is
/// clear (`incident_id` set), queued for review when unsure, else a new incident.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    request_body = ReportInput,
    responses(
        (status = 201, description = "Stored, with the resolved place (or its flag)", body = Report),
        (status = 400, description = "Not JSON", body = crate::ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = crate::ErrorBody),
        (status = 422, description = "Fields refused, each named", body = crate::ErrorBody),
    )
)]
pub async fn create_report(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<Report>), AppError> {
    let intake = state.intake.clone();
    let (report, _) = blocking(move || {
        intake
            .submit_and_link(&who(&caller), input)
            .map_err(AppError::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(report)))
}

/// One report.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",
    tag = "reports",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, body = Report),
        (status = 404, body = crate::ErrorBody),
    )
)]
pub async fn get_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Report>, AppError> {
    let id = path_id("id", &id)?;
    let store = state.store.clone();
    blocking(move || store.get_report(id).map_err(AppError::from))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("report {id} not found")))
}

/// A gazetteer candidate for a place text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaceCandidate {
    pub place_id: String,
    pub name: String,
    /// town, village, neighbourhood, landmark, checkpoint, displacement_site, district, region…
    pub kind: String,
    pub latitude: f64,
    pub longitude: f64,
    /// point, settlement, district or region.
    pub precision: String,
    pub admin1_code: Option<String>,
    pub admin1_name: Option<String>,
    pub admin2_code: Option<String>,
    pub admin2_name: Option<String>,
    /// The gazetteer name that matched the text.
    pub matched_name: String,
    /// exact, loose, stem or fuzzy.
    pub match_kind: String,
    /// The text said "near" this place.
    pub near: bool,
    /// 0–1.
    pub confidence: f64,
}

fn code<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

impl From<aman_geo::Candidate> for PlaceCandidate {
    fn from(c: aman_geo::Candidate) -> PlaceCandidate {
        PlaceCandidate {
            kind: code(&c.kind),
            precision: c.precision.code().to_string(),
            match_kind: code(&c.match_kind),
            place_id: c.place_id,
            name: c.name,
            latitude: c.lat,
            longitude: c.lon,
            admin1_code: c.admin1_code,
            admin1_name: c.admin1_name,
            admin2_code: c.admin2_code,
            admin2_name: c.admin2_name,
            matched_name: c.matched_name,
            near: c.near,
            confidence: c.confidence,
        }
    }
}

/// Ranked gazetteer candidates for a place as people write it (any script, offline).
#[utoipa::path(
    get,
    path = "/api/v1/places",
    tag = "places",
    params(PlaceParams),
    responses(
        (status = 200, body = Vec<PlaceCandidate>),
        (status = 400, description = "Missing or bad q/limit", body = crate::ErrorBody),
    )
)]
pub async fn places(
    State(state): State<AppState>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<Vec<PlaceCandidate>>, AppError> {
    let params = PlaceParams::parse(pairs)?;
    let geocoder = state.geocoder().clone();
    let limit = params.limit.unwrap_or(10) as usize;
    let found = blocking(move || Ok(geocoder.geocode(&params.q, limit))).await?;
    Ok(Json(found.into_iter().map(PlaceCandidate::from).collect()))
}
