//! The dashboard (casework roles) and the partners' overview (aggregates only).

use aman_core::{Report, Source, VerificationStatus};
use aman_store::{
    Counts, IncidentBreakdown, IncidentCluster, IncidentFilter, PageRequest, ReportFilter,
};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};

use crate::error::blocking;
use crate::permissions::Caller;
use crate::ui::filters::{status_label, type_label, Filters};
use crate::ui::svg::{self, Bar, Extent, MapData};
use crate::ui::{layout, page, Ctx, PageError};
use crate::AppState;

/// How many recent reports the dashboard lists.
const RECENT: u32 = 8;

struct Data {
    counts: Counts,
    pending_review: u64,
    extent: Extent,
    cell: f64,
    breakdown: IncidentBreakdown,
    clusters: Vec<IncidentCluster>,
    recent: Vec<Report>,
    sources: Vec<Source>,
}

/// A table of labelled counts with a total row.
pub fn count_table(ctx: &Ctx, caption: &str, head: &str, rows: &[Bar]) -> Markup {
    let total: u64 = rows.iter().map(|r| r.value).sum();
    html! {
        table {
            caption { (caption) }
            thead { tr { th scope="col" { (head) } th.num scope="col" { (ctx.t("table.count")) } } }
            tbody {
                @for r in rows {
                    tr {
                        th scope="row" {
                            @if let Some(h) = &r.href { a href=(h) { (r.label) } } @else { (r.label) }
                        }
                        td.num { (r.value) }
                    }
                }
            }
            tfoot { tr { th scope="row" { (ctx.t("table.total")) } td.num { (total) } } }
        }
    }
}

pub fn status_bars(ctx: &Ctx, b: &IncidentBreakdown) -> Vec<Bar> {
    b.by_status
        .iter()
        .map(|(s, n)| Bar {
            label: status_label(ctx, *s).to_string(),
            value: *n,
            href: Some(format!("/incidents?status={}", s.code())),
        })
        .collect()
}

pub fn type_bars(ctx: &Ctx, b: &IncidentBreakdown) -> Vec<Bar> {
    b.by_type
        .iter()
        .map(|(t, n)| Bar {
            label: type_label(ctx, *t).to_string(),
            value: *n,
            href: Some(format!("/incidents?type={}", t.code())),
        })
        .collect()
}

/// A chart and its table side by side.
pub fn figure(ctx: &Ctx, title: &str, head: &str, bars: &[Bar]) -> Markup {
    html! {
        section.panel aria-label=(title) {
            h2 { (title) }
            div.figure {
                (svg::hbars(title, bars))
                (count_table(ctx, title, head, bars))
            }
        }
    }
}

/// Incidents over time: the chart and, under it, its numbers.
pub fn over_time(ctx: &Ctx, b: &IncidentBreakdown) -> Markup {
    let (unit, buckets) = svg::time_buckets(&b.by_day);
    let title = ctx.t("dash.over_time");
    let unit_label = ctx.t(&format!("time.{unit}"));
    html! {
        section.panel aria-label=(title) {
            h2 { (title) " (" (unit_label) ")" }
            @if buckets.is_empty() {
                p { (ctx.t("dash.no_incidents")) }
            } @else {
                div.figure {
                    (svg::time_chart(title, &buckets))
                    table {
                        caption { (title) }
                        thead { tr { th scope="col" { (unit_label) } th.num scope="col" { (ctx.t("table.count")) } } }
                        tbody {
                            @for (d, n) in buckets.iter().filter(|(_, n)| *n > 0) {
                                tr { th scope="row" { (d) } td.num { (n) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The dashboard: counts, charts, a small map, recent reports and what needs attention.
#[utoipa::path(
    get,
    path = "/dashboard",
    tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let store = state.store().clone();
    let geocoder = state.geocoder().clone();
    let data = blocking(move || {
        let all = IncidentFilter::default();
        let breakdown = store.incident_breakdown(&all)?;
        let codes: Vec<&str> = breakdown
            .by_admin1
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        let extent = Extent::for_view(&geocoder, &codes);
        // The small map draws coarser clusters.
        let cell = extent.cell_deg() * 1.6;
        Ok(Data {
            counts: store.counts()?,
            pending_review: store.pending_review_count()?,
            clusters: store.incident_clusters(&all, cell)?,
            extent,
            cell,
            breakdown,
            recent: store
                .list_reports(&ReportFilter::default(), PageRequest::first(RECENT))?
                .items,
            sources: store.list_sources()?,
        })
    })
    .await
    .map_err(PageError)?;
    let b = &data.breakdown;
    let no_filters = Filters::default();
    let level = svg::map_level(state.geocoder());
    let areas = if level == 2 {
        &b.by_admin2
    } else {
        &b.by_admin1
    };
    let reported = count_of(b, VerificationStatus::Reported);
    let disputed = count_of(b, VerificationStatus::Disputed);
    let source_name = |id: i64| {
        data.sources
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| format!("#{id}"), |s| s.name.clone())
    };
    let body = html! {
        ul.cards aria-label=(ctx.t("dash.totals")) {
            li { span.n { (data.counts.reports) } (ctx.t("dash.reports")) }
            li { span.n { (data.counts.incidents) } (ctx.t("dash.incidents")) }
            li { span.n { (b.unlocated) } (ctx.t("dash.unlocated")) }
        }
        section.panel aria-labelledby="attention" {
            h2 id="attention" { (ctx.t("dash.attention")) }
            ul {
                li { a href="/incidents?status=reported" { (ctx.t("dash.unverified")) ": " (reported) } }
                li { a href="/incidents?status=disputed" { (ctx.t("dash.disputed")) ": " (disputed) } }
                li { a href="/reports?place_status=ambiguous" { (ctx.t("dash.ambiguous")) ": " (data.counts.ambiguous_places) } }
                li { (ctx.t("dash.unlinked")) ": " (data.counts.unlinked_reports) }
                li { a href="/review" { (ctx.t("dash.review")) ": " (data.pending_review) } }
            }
        }
        (figure(&ctx, ctx.t("dash.by_status"), ctx.t("filter.status"), &status_bars(&ctx, b)))
        (figure(&ctx, ctx.t("dash.by_type"), ctx.t("filter.type"), &type_bars(&ctx, b)))
        (over_time(&ctx, b))
        div.grid {
            section.panel aria-labelledby="small-map" {
                h2 id="small-map" { a href="/map" { (ctx.t("nav.map")) } }
                (svg::map(&ctx, state.geocoder(), &MapData {
                    extent: data.extent,
                    level,
                    areas,
                    clusters: &data.clusters,
                    cell_deg: data.cell,
                    filters: &no_filters,
                    small: true,
                }))
            }
            section.panel aria-labelledby="by-area" {
                h2 id="by-area" { (ctx.t("map.by_area")) }
                (area_table(&ctx, areas, &no_filters, level))
            }
        }
        section aria-labelledby="recent" {
            h2 id="recent" { (ctx.t("dash.recent")) }
            (super::reports::report_table(&ctx, &data.recent, &source_name))
            p { a href="/reports" { (ctx.t("dash.all_reports")) } }
        }
    };
    Ok(page(layout(
        &ctx,
        ctx.t("nav.dashboard"),
        "/dashboard",
        body,
    )))
}

fn count_of(b: &IncidentBreakdown, s: VerificationStatus) -> u64 {
    b.by_status
        .iter()
        .find(|(t, _)| *t == s)
        .map_or(0, |(_, n)| *n)
}

/// Incidents per admin area, each area linking to its list.
pub fn area_table(ctx: &Ctx, areas: &[aman_store::AreaCount], f: &Filters, level: u8) -> Markup {
    let key = if level == 2 { "admin2" } else { "admin1" };
    let rows: Vec<Bar> = areas
        .iter()
        .map(|a| Bar {
            label: a.name.clone().unwrap_or_else(|| a.code.clone()),
            value: a.count,
            href: Some(format!(
                "/incidents{}",
                f.query(
                    &["before", "q", "place_status", "bbox", "admin1", "admin2"],
                    &[(key, &a.code)]
                )
            )),
        })
        .collect();
    count_table(ctx, ctx.t("map.by_area"), ctx.t("filter.area"), &rows)
}

/// What partners may see: counts by status and type, nothing that names a place, a
/// source or a person.
#[utoipa::path(
    get,
    path = "/overview",
    tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let store = state.store().clone();
    let (counts, b) = blocking(move || {
        Ok((
            store.counts()?,
            store.incident_breakdown(&IncidentFilter::default())?,
        ))
    })
    .await
    .map_err(PageError)?;
    let strip = |bars: Vec<crate::ui::svg::Bar>| -> Vec<Bar> {
        bars.into_iter().map(|b| Bar { href: None, ..b }).collect()
    };
    let body = html! {
        p { (ctx.t("overview.intro")) }
        ul.cards aria-label=(ctx.t("dash.totals")) {
            li { span.n { (counts.reports) } (ctx.t("dash.reports")) }
            li { span.n { (counts.incidents) } (ctx.t("dash.incidents")) }
        }
        (figure(&ctx, ctx.t("dash.by_status"), ctx.t("filter.status"), &strip(status_bars(&ctx, &b))))
        (figure(&ctx, ctx.t("dash.by_type"), ctx.t("filter.type"), &strip(type_bars(&ctx, &b))))
    };
    Ok(page(layout(&ctx, ctx.t("nav.overview"), "/overview", body)))
}
