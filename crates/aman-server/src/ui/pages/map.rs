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
    let store = state.store().clone();
    let geocoder = state.geocoder().clone();
    let focus = f.get("admin1").map(str::to_string);
    let (b, clusters, extent): (IncidentBreakdown, Vec<IncidentCluster>, Extent) =
        blocking(move || {
            let b = store.incident_breakdown(&filter)?;
            // Zoom to the chosen area, else to the areas that hold incidents.
            let codes: Vec<&str> = match &focus {
                Some(code) => vec![code.as_str()],
                None => b.by_admin1.iter().map(|a| a.code.as_str()).collect(),
            };
            let extent = Extent::for_view(&geocoder, &codes);
            let clusters = store.incident_clusters(&filter, extent.cell_deg())?;
            Ok((b, clusters, extent))
        })
        .await?;
    let cell = extent.cell_deg();
    let level = svg::map_level(state.geocoder());
    let areas = if level == 2 {
        &b.by_admin2
    } else {
        &b.by_admin1
    };
    let body = html! {
        (filters::form(&ctx, state.geocoder(), &f, "/map", false))
        p {
            (ctx.t("map.summary")) ": " strong { (b.total) } ". "
            (ctx.t("map.unlocated")) ": " (b.unlocated) ". "
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
