//! Incidents: the filtered list, one incident with its reports side by side, and the
//! forms that link and unlink reports and move it through verification.

use aman_core::{Incident, IncidentSummary, VerificationStatus};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};

use super::reports::report_facts;
use super::{field, page_id, reason};
use crate::error::{blocking, AppError, QueryPairs};
use crate::handlers::who;
use crate::permissions::Caller;
use crate::ui::filters::{self, status_label, type_label, Filters, PAGE_SIZE};
use crate::ui::{check_csrf, layout, page, percent, see_other, when, Ctx, PageError};
use crate::AppState;

fn status_badge(ctx: &Ctx, s: VerificationStatus) -> Markup {
    html! { span class={ "badge st-" (s.code()) } { (status_label(ctx, s)) } }
}

fn place(i: &IncidentSummary) -> String {
    [
        i.place_name.as_deref(),
        i.admin2_name.as_deref(),
        i.admin1_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

fn incident_table(ctx: &Ctx, items: &[IncidentSummary]) -> Markup {
    html! {
        @if items.is_empty() {
            p { (ctx.t("incidents.none")) }
        } @else {
            table {
                thead {
                    tr {
                        th scope="col" { (ctx.t("reports.id")) }
                        th scope="col" { (ctx.t("incident.title_field")) }
                        th scope="col" { (ctx.t("filter.status")) }
                        th.num scope="col" { (ctx.t("incident.confidence")) }
                        th scope="col" { (ctx.t("reports.event_time")) }
                        th scope="col" { (ctx.t("reports.place")) }
                        th.num scope="col" { (ctx.t("incident.reports_sources")) }
                        th.num scope="col" { (ctx.t("count.killed")) }
                    }
                }
                tbody {
                    @for i in items {
                        tr {
                            td { a href={ "/incidents/" (i.id) } { "#" (i.id) } }
                            td { a href={ "/incidents/" (i.id) } { (i.title) } }
                            td { (status_badge(ctx, i.status)) }
                            td.num { (percent(i.confidence)) }
                            td { (i.start.format("%Y-%m-%d")) }
                            td { (place(i)) }
                            td.num { (i.report_count) " / " (i.source_count) }
                            td.num { @if let Some(k) = i.killed { (k) } @else { "—" } }
                        }
                    }
                }
            }
        }
    }
}

/// The incident list with the shared filters and keyset pages.
#[utoipa::path(
    get,
    path = "/incidents",
    tag = "ui",
    params(("before" = Option<i64>, Query, description = "Cursor of the next page")),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let f = Filters::parse(pairs)?;
    let (filter, page_req) = f.incidents(PAGE_SIZE)?;
    let store = state.store().clone();
    let found = blocking(move || {
        store
            .list_incidents(&filter, page_req)
            .map_err(AppError::from)
    })
    .await?;
    let body = html! {
        (filters::form(&ctx, state.geocoder(), &f, "/incidents", false))
        (incident_table(&ctx, &found.items))
        nav.pager aria-label=(ctx.t("pager.label")) {
            @if f.get("before").is_some() {
                a href={ "/incidents" (f.query(&["before"], &[])) } { (ctx.t("pager.newest")) }
            }
            @if let Some(next) = found.next_before {
                a href={ "/incidents" (f.query(&["before"], &[("before", &next.to_string())])) } rel="next" { (ctx.t("pager.older")) }
            }
        }
    };
    Ok(page(layout(
        &ctx,
        ctx.t("nav.incidents"),
        "/incidents",
        body,
    )))
}

/// One incident: its facts, its reports side by side, its verification history and,
/// for curators, the forms that change it.
#[utoipa::path(
    get,
    path = "/incidents/{id}",
    tag = "ui",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html", body = String),
        (status = 404, description = "No such incident", content_type = "text/html", body = String),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let id = page_id(&id)?;
    let store = state.store().clone();
    let (incident, sources, persons, evidence) = blocking(move || {
        Ok((
            store.get_incident(id)?,
            store.list_sources()?,
            store.identities_for_incident(id)?,
            store.evidence_for_incident(id)?,
        ))
    })
    .await?;
    let inc: Incident =
        incident.ok_or_else(|| AppError::not_found(format!("incident {id} not found")))?;
    let s = &inc.summary;
    let curator = ctx.can("POST", "/incidents/{id}/status");
    let next: Vec<_> = VerificationStatus::ALL
        .into_iter()
        .filter(|to| s.status.can_become(*to))
        .collect();
    let title = format!("#{} {}", s.id, s.title);
    let body = html! {
        dl.facts {
            dt { (ctx.t("filter.status")) }
            dd { (status_badge(&ctx, s.status)) }
            dt { (ctx.t("incident.confidence")) }
            dd { strong { (percent(s.confidence)) } " — " (ctx.t("incident.confidence_note")) }
            dt { (ctx.t("reports.event_time")) }
            dd { (when(s.start)) @if s.end != s.start { " – " (when(s.end)) } }
            dt { (ctx.t("reports.place")) }
            dd {
                (place(s))
                @if let (Some(lat), Some(lon)) = (s.latitude, s.longitude) { " (" (format!("{lat:.4}, {lon:.4}")) ")" }
            }
            dt { (ctx.t("reports.types")) }
            dd { (s.event_types.iter().map(|t| type_label(&ctx, *t)).collect::<Vec<_>>().join(", ")) }
            dt { (ctx.t("count.killed")) }
            dd { @if let Some(k) = s.killed { (k) " " (ctx.t("incident.killed_note")) } @else { "—" } }
            dt { (ctx.t("incident.reports_sources")) }
            dd { (s.report_count) " / " (s.source_count) }
        }
        section aria-labelledby="side-by-side" {
            h2 id="side-by-side" { (ctx.t("incident.reports")) }
            div.reports-side {
                @for r in &inc.reports {
                    article.report-card aria-labelledby={ "r" (r.id) } {
                        h3 id={ "r" (r.id) } { a href={ "/reports/" (r.id) } { (ctx.t("reports.report")) " #" (r.id) } }
                        (report_facts(&ctx, r, sources.iter().find(|x| x.id == r.input.source_id)))
                        @if curator {
                            form method="post" action={ "/incidents/" (s.id) "/unlink" } {
                                (ctx.csrf_field())
                                input type="hidden" name="report_id" value=(r.id);
                                div.field {
                                    label for={ "unlink-reason-" (r.id) } { (ctx.t("incident.unlink_reason")) }
                                    input id={ "unlink-reason-" (r.id) } name="reason" required;
                                }
                                p { button.secondary type="submit" { (ctx.t("incident.unlink")) } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="persons-evidence" {
            h2 id="persons-evidence" { (ctx.t("incident.persons_evidence")) }
            p { (ctx.t("incident.persons_note")) }
            @if persons.is_empty() {
                p { (ctx.t("incident.no_persons")) }
            } @else {
                ul.persons { @for p in &persons { li { code { (p) } } } }
            }
            @if evidence.is_empty() {
                p { (ctx.t("incident.no_evidence")) }
            } @else {
                table {
                    caption { (ctx.t("incident.evidence")) }
                    thead { tr {
                        th scope="col" { "SHA-256" }
                        th scope="col" { (ctx.t("evidence.type")) }
                        th.num scope="col" { (ctx.t("evidence.size")) }
                        th scope="col" { (ctx.t("evidence.collected")) }
                        th scope="col" { (ctx.t("reports.place")) }
                    } }
                    tbody {
                        @for e in &evidence {
                            tr {
                                td { code title=(e.sha256) { (e.sha256.get(..16).unwrap_or(&e.sha256)) "…" } }
                                td { (e.media_type) }
                                td.num { (e.size) }
                                td { (e.collected_by) ", " (when(e.collected_at)) }
                                td { (e.place.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="history" {
            h2 id="history" { (ctx.t("incident.history")) }
            table {
                thead { tr {
                    th scope="col" { (ctx.t("incident.when")) }
                    th scope="col" { (ctx.t("incident.change")) }
                    th scope="col" { (ctx.t("incident.by")) }
                    th scope="col" { (ctx.t("incident.reason")) }
                } }
                tbody {
                    @for h in &inc.history {
                        tr {
                            td { (when(h.at)) }
                            td {
                                @if let Some(from) = h.from { (status_label(&ctx, from)) " → " }
                                (status_label(&ctx, h.to))
                            }
                            td { (h.by) }
                            td { (h.reason) }
                        }
                    }
                }
            }
        }
        @if curator {
            section.actions aria-label=(ctx.t("incident.actions")) {
                @if !next.is_empty() {
                    form.panel method="post" action={ "/incidents/" (s.id) "/status" } {
                        h2 { (ctx.t("incident.change_status")) }
                        (ctx.csrf_field())
                        div.field {
                            label for="status" { (ctx.t("incident.new_status")) }
                            select id="status" name="status" {
                                @for to in &next { option value=(to.code()) { (status_label(&ctx, *to)) } }
                            }
                        }
                        div.field {
                            label for="status-reason" { (ctx.t("incident.reason")) }
                            textarea id="status-reason" name="reason" required {}
                        }
                        p { button type="submit" { (ctx.t("incident.save_status")) } }
                    }
                }
                form.panel method="post" action={ "/incidents/" (s.id) "/link" } {
                    h2 { (ctx.t("incident.link")) }
                    (ctx.csrf_field())
                    div.field {
                        label for="link-report" { (ctx.t("incident.report_id")) }
                        input id="link-report" name="report_id" type="number" min="1" required;
                    }
                    div.field {
                        label for="link-reason" { (ctx.t("incident.reason")) }
                        input id="link-reason" name="reason" required;
                    }
                    p { button type="submit" { (ctx.t("incident.link_button")) } }
                }
            }
        }
    };
    Ok(page(layout(&ctx, &title, "/incidents", body)))
}

fn report_id(form: &[(String, String)]) -> Result<i64, PageError> {
    field(form, "report_id").trim().parse().map_err(|_| {
        PageError(AppError::invalid(
            "report_id",
            "give the number of a report",
        ))
    })
}

/// Move the incident to another verification status, with a reason.
#[utoipa::path(
    post,
    path = "/incidents/{id}/status",
    tag = "ui",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 303, description = "Changed; back to the incident"),
        (status = 409, description = "Not allowed from the current status", content_type = "text/html", body = String),
    )
)]
pub async fn change_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let id = page_id(&id)?;
    let to = VerificationStatus::from_code(field(&form, "status"))
        .ok_or_else(|| PageError(AppError::invalid("status", "choose a status")))?;
    let reason = reason(&form)?;
    let store = state.store().clone();
    let by = who(&caller);
    blocking(move || {
        store
            .change_status(&by, id, to, &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(see_other(&format!("/incidents/{id}")))
}

/// Link a report to the incident, with a reason.
#[utoipa::path(
    post,
    path = "/incidents/{id}/link",
    tag = "ui",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 303, description = "Linked; back to the incident"),
        (status = 409, description = "The report belongs to another incident", content_type = "text/html", body = String),
    )
)]
pub async fn link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let id = page_id(&id)?;
    let report = report_id(&form)?;
    let reason = reason(&form)?;
    let store = state.store().clone();
    let by = who(&caller);
    blocking(move || {
        store
            .link_report(&by, id, report, &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(see_other(&format!("/incidents/{id}")))
}

/// Unlink a report from the incident, with a reason.
#[utoipa::path(
    post,
    path = "/incidents/{id}/unlink",
    tag = "ui",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 303, description = "Unlinked; back to the incident"),
        (status = 404, description = "The report is not linked here", content_type = "text/html", body = String),
    )
)]
pub async fn unlink(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let id = page_id(&id)?;
    let report = report_id(&form)?;
    let reason = reason(&form)?;
    let store = state.store().clone();
    let by = who(&caller);
    blocking(move || {
        store
            .unlink_report(&by, id, report, &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(see_other(&format!("/incidents/{id}")))
}
