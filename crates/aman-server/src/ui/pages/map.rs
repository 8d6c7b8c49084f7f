//! The map: admin boundaries shaded by incident counts, incidents as grid clusters,
//! the shared filters, and the numbers in a table beside it.

use aman_store::{IncidentBreakdown, IncidentCluster};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use maud::html;

use super::dashboard::area_table;
use crate::error::{blocking, QueryPairs};
use crate::permissions::Caller;
use crate::ui::filters::{self, Filters};
use crate::ui::svg::{self, Extent, MapData};
use crate::ui::{layout, page, Ctx, PageError};
use crate::AppState;

/// The map page.
#[utoipa::path(
    get,
    path = "/map",
    tag = "ui",
    params(
        ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("type" = Option<String>, Query, description = "Event type code"),
        ("status" = Option<String>, Query, description = "Verification status"),
        ("admin1" = Option<String>, Query, description = "ADM1 code: also zooms the map to it"),
    ),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn map(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let f = Filters::parse(pairs)?;
    let (filter, _) = f.incidents(1)?;
    let extent = Extent::for_view(state.geocoder(), f.get("admin1"));
    let cell = extent.cell_deg();
    let store = state.store().clone();
    let (b, clusters): (IncidentBreakdown, Vec<IncidentCluster>) = blocking(move || {
        Ok((
            store.incident_breakdown(&filter)?,
            store.incident_clusters(&filter, cell)?,
        ))
    })
    .await?;
    let level = svg::map_level(state.geocoder());
    let areas = if level == 2 { &b.by_admin2 } else { &b.by_admin1 };
    let body = html! {
        (filters::form(&ctx, state.geocoder(), &f, "/map", false))
        p {
            (ctx.t("map.summary")) ": " strong { (b.total) } ". "
            (ctx.t("dash.unlocated")) ": " (b.unlocated) ". "
            (ctx.t("map.help"))
        }
        div.figure {
            (svg::map(&ctx, state.geocoder(), &MapData {
                extent,
                level,
                areas,
                clusters: &clusters,
                cell_deg: cell,
                filters: &f,
                small: false,
            }))
            (area_table(&ctx, areas, &f, level))
        }
    };
    Ok(page(layout(&ctx, ctx.t("nav.map"), "/map", body)))
}
