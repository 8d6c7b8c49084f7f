//! Reports: the filtered, searchable list (keyset pages), one report, the intake form
//! of a field monitor, and starting an incident from a report.

use aman_core::{
    CountRange, Counts, Credibility, EventTime, EventType, FieldError, Narrative, Report,
    ReportInput, ReportKind, Source, TimePrecision,
};
use aman_service::intake::IntakeError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use maud::{html, Markup};

use super::{field, page_id, reason};
use crate::error::{blocking, AppError, QueryPairs};
use crate::handlers::who;
use crate::permissions::Caller;
use crate::ui::filters::{self, type_label, Filters, PAGE_SIZE};
use crate::ui::{check_csrf, layout, page, see_other, when, Ctx, PageError};
use crate::AppState;

/// Languages offered for a narrative (any ISO 639 code is accepted by the API).
const NARRATIVE_LANGUAGES: &[(&str, &str)] = &[
    ("ru", "Русский"),
    ("ky", "Кыргызча"),
    ("uz", "Oʻzbekcha"),
    ("en", "English"),
];
const COUNT_FIELDS: [&str; 4] = ["killed", "injured", "displaced", "detained"];

fn place_label(ctx: &Ctx, r: &Report) -> Markup {
    let status = r.place_status.code();
    html! {
        (r.input.place_text)
        @if let Some(p) = &r.place {
            " → " (p.name.as_deref().unwrap_or("")) @if let Some(a) = &p.admin1_name { " (" (a) ")" }
        }
        " " span class={ "badge place-" (status) } { (ctx.t(&format!("place.{status}"))) }
    }
}

/// Reports as a table: who said what, where, when, with which grade.
pub fn report_table(ctx: &Ctx, reports: &[Report], source_name: &dyn Fn(i64) -> String) -> Markup {
    html! {
        @if reports.is_empty() {
            p { (ctx.t("reports.none")) }
        } @else {
            table {
                thead {
                    tr {
                        th scope="col" { (ctx.t("reports.id")) }
                        th scope="col" { (ctx.t("reports.event_time")) }
                        th scope="col" { (ctx.t("reports.place")) }
                        th scope="col" { (ctx.t("reports.types")) }
                        th scope="col" { (ctx.t("reports.source")) }
                        th.num scope="col" { (ctx.t("reports.credibility")) }
                        th scope="col" { (ctx.t("reports.incident")) }
                    }
                }
                tbody {
                    @for r in reports {
                        tr {
                            td { a href={ "/reports/" (r.id) } { "#" (r.id) } }
                            td { (r.input.event_time.start.format("%Y-%m-%d %H:%M")) }
                            td { (place_label(ctx, r)) }
                            td { (types(ctx, &r.input.event_types)) }
                            td { (source_name(r.input.source_id)) }
                            td.num { (r.input.credibility.grade()) }
                            td {
                                @if let Some(i) = r.incident_id { a href={ "/incidents/" (i) } { "#" (i) } } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn types(ctx: &Ctx, t: &[EventType]) -> String {
    t.iter()
        .map(|t| type_label(ctx, *t))
        .collect::<Vec<_>>()
        .join(", ")
}

fn namer(sources: Vec<Source>) -> impl Fn(i64) -> String {
    move |id| {
        sources.iter().find(|s| s.id == id).map_or_else(
            || format!("#{id}"),
            |s| format!("{} ({})", s.name, s.reliability.letter()),
        )
    }
}

/// The report list with the shared filters, full-text search and keyset pages.
#[utoipa::path(
    get,
    path = "/reports",
    tag = "ui",
    params(
        ("q" = Option<String>, Query, description = "Full-text search"),
        ("before" = Option<i64>, Query, description = "Cursor of the next page"),
    ),
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
    let (filter, page_req) = f.reports(PAGE_SIZE)?;
    let store = state.store().clone();
    let (found, sources) = blocking(move || {
        Ok((
            store.list_reports(&filter, page_req)?,
            store.list_sources()?,
        ))
    })
    .await?;
    let name = namer(sources);
    let body = html! {
        @if ctx.can("GET", "/reports/new") {
            p { a href="/reports/new" { (ctx.t("nav.new_report")) } }
        }
        (filters::form(&ctx, state.geocoder(), &f, "/reports", true))
        (report_table(&ctx, &found.items, &name))
        nav.pager aria-label=(ctx.t("pager.label")) {
            @if f.get("before").is_some() {
                a href={ "/reports" (f.query(&["before"], &[])) } { (ctx.t("pager.newest")) }
            }
            @if let Some(next) = found.next_before {
                a href={ "/reports" (f.query(&["before"], &[("before", &next.to_string())])) } rel="next" { (ctx.t("pager.older")) }
            }
        }
    };
    Ok(page(layout(&ctx, ctx.t("nav.reports"), "/reports", body)))
}

/// One report as received, with its place resolution.
#[utoipa::path(
    get,
    path = "/reports/{id}",
    tag = "ui",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html", body = String),
        (status = 404, description = "No such report", content_type = "text/html", body = String),
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
    let (report, sources) =
        blocking(move || Ok((store.get_report(id)?, store.list_sources()?))).await?;
    let report = report.ok_or_else(|| AppError::not_found(format!("report {id} not found")))?;
    let source = sources.iter().find(|s| s.id == report.input.source_id);
    let title = format!("{} #{}", ctx.t("reports.report"), report.id);
    let body = html! {
        (report_facts(&ctx, &report, source))
        @if report.incident_id.is_none() && ctx.can("POST", "/reports/{id}/incident") {
            section.panel aria-labelledby="new-incident" {
                h2 id="new-incident" { (ctx.t("reports.new_incident")) }
                form method="post" action={ "/reports/" (report.id) "/incident" } {
                    (ctx.csrf_field())
                    div.form-grid {
                        div.field {
                            label for="title" { (ctx.t("incident.title_field")) }
                            input id="title" name="title" required maxlength="300"
                                value=(format!("{} — {}", types(&ctx, &report.input.event_types), report.input.place_text));
                        }
                        div.field {
                            label for="reason" { (ctx.t("incident.reason")) }
                            input id="reason" name="reason" required;
                        }
                    }
                    p { button type="submit" { (ctx.t("reports.create_incident")) } }
                }
            }
        }
    };
    Ok(page(layout(&ctx, &title, "/reports", body)))
}

/// The facts of one report (also used side by side on the incident page).
pub fn report_facts(ctx: &Ctx, r: &Report, source: Option<&Source>) -> Markup {
    let i = &r.input;
    html! {
        dl.facts {
            dt { (ctx.t("reports.source")) }
            dd {
                @if let Some(s) = source {
                    (s.name) " · " (s.organisation) " · " (ctx.t("reports.reliability")) " " strong { (s.reliability.letter()) }
                } @else { "#" (i.source_id) }
            }
            dt { (ctx.t("reports.credibility")) }
            dd { strong { (i.credibility.grade()) } " / 6" }
            dt { (ctx.t("reports.kind")) }
            dd {
                (ctx.t(&format!("kind.{}", i.kind.code())))
                @if let Some(to) = i.refers_to { " → " a href={ "/reports/" (to) } { "#" (to) } }
            }
            dt { (ctx.t("reports.event_time")) }
            dd {
                (when(i.event_time.start))
                @if i.event_time.end != i.event_time.start { " – " (when(i.event_time.end)) }
                " (" (ctx.t(&format!("precision.{}", i.event_time.precision.code()))) ")"
            }
            dt { (ctx.t("reports.received")) }
            dd { (when(r.received_at)) " · " (r.created_by) }
            dt { (ctx.t("reports.place")) }
            dd { (place_label(ctx, r)) }
            dt { (ctx.t("reports.types")) }
            dd { (types(ctx, &i.event_types)) }
            @for (name, c) in [("killed", i.counts.killed), ("injured", i.counts.injured), ("displaced", i.counts.displaced), ("detained", i.counts.detained)] {
                @if let Some(c) = c {
                    dt { (ctx.t(&format!("count.{name}"))) }
                    dd { (c) }
                }
            }
            @if !i.actors.is_empty() {
                dt { (ctx.t("reports.actors")) }
                dd {
                    @for (n, a) in i.actors.iter().enumerate() {
                        @if n > 0 { ", " }
                        (a.name)
                    }
                }
            }
            @if let Some(inc) = r.incident_id {
                dt { (ctx.t("reports.incident")) }
                dd { a href={ "/incidents/" (inc) } { "#" (inc) } }
            }
        }
        blockquote lang=(i.narrative.language) { (i.narrative.text) }
    }
}

/// What the intake form holds, as typed, so a refused form comes back filled in.
#[derive(Debug, Default)]
struct Draft {
    values: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl Draft {
    fn get(&self, key: &str) -> &str {
        field(&self.values, key)
    }

    fn has(&self, key: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == key && v == value)
    }

    fn error(&self, id: &str) -> Option<String> {
        let msgs: Vec<_> = self
            .errors
            .iter()
            .filter(|e| form_field(&e.field) == id)
            .map(|e| e.message.clone())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }
}

/// A refused field's message in the page's language: the catalog's text for the rule's
/// code, else the English message the rule gave.
fn field_error_text(ctx: &Ctx, e: &FieldError) -> String {
    ctx.lookup(&format!("field_error.{}", e.code))
        .map_or_else(|| e.message.clone(), str::to_string)
}

/// The form field a core validation path belongs to.
fn form_field(path: &str) -> &str {
    match path {
        "event_time.start" => "start",
        "event_time.end" => "end",
        "event_types" => "types",
        "narrative.text" => "narrative",
        "narrative.language" => "language",
        "longitude" => "latitude",
        p if p.starts_with("counts.") => p
            .trim_start_matches("counts.")
            .split('.')
            .next()
            .unwrap_or(p),
        p => p,
    }
}

/// One labelled input with its hint and its error beside it.
fn input(ctx: &Ctx, d: &Draft, id: &str, kind: &str, required: bool, hint: Option<&str>) -> Markup {
    let err = d.error(id);
    let hint_id = format!("{id}-hint");
    let err_id = format!("{id}-error");
    let described = [
        hint.map(|_| hint_id.clone()),
        err.as_ref().map(|_| err_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    html! {
        div.field {
            label for=(id) { (ctx.t(&format!("intake.{id}"))) @if required { " *" } }
            @if let Some(h) = hint { p.hint id=(hint_id) { (h) } }
            input id=(id) name=(id) type=(kind) value=(d.get(id)) required[required]
                aria-invalid=[err.as_ref().map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
            @if let Some(e) = &err { p.error id=(err_id) { (e) } }
        }
    }
}

fn error_beside(d: &Draft, id: &str) -> Markup {
    html! { @if let Some(e) = d.error(id) { p.error id={ (id) "-error" } { (e) } } }
}

fn intake_form(ctx: &Ctx, sources: &[Source], d: &Draft) -> Markup {
    let precision = if d.get("precision").is_empty() {
        "day"
    } else {
        d.get("precision")
    };
    let language = if d.get("language").is_empty() {
        ctx.lang.code()
    } else {
        d.get("language")
    };
    let credibility = if d.get("credibility").is_empty() {
        "3"
    } else {
        d.get("credibility")
    };
    html! {
        @if !d.errors.is_empty() {
            div.error-summary role="alert" {
                p { strong { (ctx.t("intake.fix")) } }
                ul {
                    @for e in &d.errors {
                        li {
                            a href={ "#" (form_field(&e.field)) } {
                                (ctx.t(&format!("intake.{}", form_field(&e.field))))
                            }
                            ": " (e.message)
                        }
                    }
                }
            }
        }
        form method="post" action="/reports" novalidate {
            (ctx.csrf_field())
            fieldset {
                legend { (ctx.t("intake.source_legend")) }
                div.form-grid {
                    div.field {
                        label for="source_id" { (ctx.t("intake.source_id")) " *" }
                        select id="source_id" name="source_id" required
                            aria-invalid=[d.error("source_id").map(|_| "true")]
                            aria-describedby=[d.error("source_id").map(|_| "source_id-error")] {
                            option value="" { (ctx.t("intake.choose")) }
                            @for s in sources {
                                option value=(s.id) selected[d.has("source_id", &s.id.to_string())] {
                                    (s.name) " — " (s.organisation) " (" (ctx.t("reports.reliability")) " " (s.reliability.letter()) ")"
                                }
                            }
                        }
                        (error_beside(d, "source_id"))
                    }
                    div.field {
                        label for="credibility" { (ctx.t("intake.credibility")) " *" }
                        select id="credibility" name="credibility" aria-describedby="credibility-hint" {
                            @for g in 1..=6u8 {
                                option value=(g) selected[credibility == g.to_string()] { (g) " — " (ctx.t(&format!("credibility.{g}"))) }
                            }
                        }
                        p.hint id="credibility-hint" { (ctx.t("intake.credibility_hint")) }
                        (error_beside(d, "credibility"))
                    }
                    (input(ctx, d, "external_ref", "text", false, None))
                    div.field {
                        label for="kind" { (ctx.t("intake.kind")) }
                        select id="kind" name="kind" {
                            @for k in [ReportKind::Original, ReportKind::Correction, ReportKind::Retraction] {
                                option value=(k.code()) selected[d.has("kind", k.code())] { (ctx.t(&format!("kind.{}", k.code()))) }
                            }
                        }
                    }
                    (input(ctx, d, "refers_to", "number", false, Some(ctx.t("intake.refers_to_hint"))))
                }
            }
            fieldset {
                legend { (ctx.t("intake.when_legend")) }
                div.form-grid {
                    (input(ctx, d, "start", "datetime-local", true, None))
                    (input(ctx, d, "end", "datetime-local", false, Some(ctx.t("intake.end_hint"))))
                    div.field {
                        label for="precision" { (ctx.t("intake.precision")) }
                        select id="precision" name="precision" {
                            @for p in [TimePrecision::Minute, TimePrecision::Hour, TimePrecision::Day, TimePrecision::Week, TimePrecision::Month] {
                                option value=(p.code()) selected[precision == p.code()] { (ctx.t(&format!("precision.{}", p.code()))) }
                            }
                        }
                    }
                }
            }
            fieldset {
                legend { (ctx.t("intake.where_legend")) }
                div.form-grid {
                    div.field {
                        label for="place_text" { (ctx.t("intake.place_text")) " *" }
                        p.hint id="place_text-hint" { (ctx.t("intake.place_hint")) }
                        @let place_described = if d.error("place_text").is_some() { "place_text-hint place_text-error" } else { "place_text-hint" };
                        input id="place_text" name="place_text" value=(d.get("place_text")) list="place-suggestions"
                            data-suggest autocomplete="off"
                            aria-invalid=[d.error("place_text").map(|_| "true")]
                            aria-describedby=(place_described);
                        datalist id="place-suggestions" {}
                        (error_beside(d, "place_text"))
                    }
                    (input(ctx, d, "latitude", "text", false, Some(ctx.t("intake.coords_hint"))))
                    (input(ctx, d, "longitude", "text", false, None))
                }
            }
            fieldset aria-describedby=[d.error("types").map(|_| "types-error")] {
                legend { (ctx.t("intake.types")) " *" }
                div.checks id="types" {
                    @for t in EventType::ALL {
                        label {
                            input type="checkbox" name="type" value=(t.code()) checked[d.has("type", t.code())];
                            " " (type_label(ctx, t))
                        }
                    }
                }
                (error_beside(d, "types"))
            }
            fieldset {
                legend { (ctx.t("intake.counts_legend")) }
                p.hint { (ctx.t("intake.counts_hint")) }
                div.form-grid {
                    @for name in COUNT_FIELDS { (input(ctx, d, name, "text", false, None)) }
                }
            }
            fieldset {
                legend { (ctx.t("intake.narrative_legend")) }
                div.field {
                    label for="narrative" { (ctx.t("intake.narrative")) }
                    textarea id="narrative" name="narrative"
                        aria-invalid=[d.error("narrative").map(|_| "true")]
                        aria-describedby=[d.error("narrative").map(|_| "narrative-error")] { (d.get("narrative")) }
                    (error_beside(d, "narrative"))
                }
                div.field {
                    label for="language" { (ctx.t("intake.language")) }
                    select id="language" name="language" {
                        @for (code, name) in NARRATIVE_LANGUAGES {
                            option value=(code) lang=(code) selected[language == *code] { (name) }
                        }
                    }
                    (error_beside(d, "language"))
                }
            }
            p { button type="submit" { (ctx.t("intake.submit")) } }
        }
    }
}

/// The intake form of a field monitor.
#[utoipa::path(
    get,
    path = "/reports/new",
    tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let store = state.store().clone();
    let sources = blocking(move || store.list_sources().map_err(AppError::from)).await?;
    let body = intake_form(&ctx, &sources, &Draft::default());
    Ok(page(layout(
        &ctx,
        ctx.t("nav.new_report"),
        "/reports/new",
        body,
    )))
}

/// A `datetime-local` value (or a plain date) as UTC.
fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim();
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Turns the form into a `ReportInput`, naming every field that cannot even be read
/// (the rest is judged by `ReportInput::validate`); every refusal carries its rule's code,
/// which the page shows in its own language.
fn read_form(
    form: &[(String, String)],
    sources: &[Source],
) -> Result<ReportInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, code: &'static str, message: String| {
        errors.push(FieldError {
            field: field.to_string(),
            code,
            message,
        })
    };
    let text = |k: &str| field(form, k).trim().to_string();
    let optional = |k: &str| Some(text(k)).filter(|v| !v.is_empty());

    let source_id = text("source_id")
        .parse::<i64>()
        .ok()
        .filter(|id| sources.iter().any(|s| s.id == *id));
    if source_id.is_none() {
        fail(
            "source_id",
            "unknown_source",
            "choose a registered source".to_string(),
        );
    }
    let credibility = text("credibility")
        .parse::<u8>()
        .ok()
        .and_then(Credibility::new);
    if credibility.is_none() {
        fail(
            "credibility",
            "credibility_range",
            "must be 1–6".to_string(),
        );
    }
    let start = parse_time(&text("start"));
    if start.is_none() {
        fail(
            "event_time.start",
            "time_format",
            "give a date and time (YYYY-MM-DD HH:MM)".to_string(),
        );
    }
    let end = match optional("end") {
        None => start,
        Some(v) => {
            let t = parse_time(&v);
            if t.is_none() {
                fail(
                    "event_time.end",
                    "time_format",
                    "give a date and time (YYYY-MM-DD HH:MM)".to_string(),
                );
            }
            t
        }
    };
    let precision = TimePrecision::from_code(&text("precision")).unwrap_or(TimePrecision::Day);
    let coord = |k: &str, fail: &mut dyn FnMut(&str, &'static str, String)| -> Option<f64> {
        let v = optional(k)?.replace(',', ".");
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                fail(k, "not_a_number", format!("'{v}' is not a number"));
                None
            }
        }
    };
    let latitude = coord("latitude", &mut fail);
    let longitude = coord("longitude", &mut fail);
    let mut event_types = Vec::new();
    for (k, v) in form {
        if k == "type" {
            match EventType::from_code(v) {
                Some(t) => event_types.push(t),
                None => fail(
                    "event_types",
                    "unknown_event_type",
                    format!("unknown event type '{v}'"),
                ),
            }
        }
    }
    let mut counts = Counts::default();
    for name in COUNT_FIELDS {
        let Some(v) = optional(name) else { continue };
        match CountRange::parse(&v) {
            Ok(c) => match name {
                "killed" => counts.killed = Some(c),
                "injured" => counts.injured = Some(c),
                "displaced" => counts.displaced = Some(c),
                _ => counts.detained = Some(c),
            },
            Err(m) => fail(&format!("counts.{name}"), "count_format", m),
        }
    }
    let kind = ReportKind::from_code(&text("kind")).unwrap_or_default();
    let refers_to = match optional("refers_to") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                fail(
                    "refers_to",
                    "not_a_report_number",
                    format!("'{v}' is not a report number"),
                );
                None
            }
        },
    };
    let (Some(source_id), Some(credibility), Some(start), Some(end)) =
        (source_id, credibility, start, end)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ReportInput {
        source_id,
        external_ref: optional("external_ref"),
        event_time: EventTime {
            start,
            end,
            precision,
        },
        received_at: None,
        place_text: text("place_text"),
        latitude,
        longitude,
        event_types,
        counts,
        actors: Vec::new(),
        narrative: Narrative {
            text: field(form, "narrative").to_string(),
            language: text("language"),
        },
        credibility,
        kind,
        refers_to,
        synthetic: false,
    })
}

/// Take in a report from the form: validated by the core rules, the place resolved by
/// the offline geocoder, then linked as the API links it; refused fields come back with
/// the message beside each.
#[utoipa::path(
    post,
    path = "/reports",
    tag = "ui",
    responses(
        (status = 303, description = "Stored; to the new report's page"),
        (status = 422, description = "The form again, each refused field marked", content_type = "text/html", body = String),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let store = state.store().clone();
    let sources = blocking(move || store.list_sources().map_err(AppError::from)).await?;
    let refused = |errors: Vec<FieldError>, form: Vec<(String, String)>| {
        let errors = errors
            .into_iter()
            .map(|e| FieldError {
                message: field_error_text(&ctx, &e),
                ..e
            })
            .collect();
        let d = Draft {
            values: form,
            errors,
        };
        let body = intake_form(&ctx, &sources, &d);
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(layout(&ctx, ctx.t("nav.new_report"), "/reports/new", body)),
        )
            .into_response()
    };
    let input = match read_form(&form, &sources) {
        Ok(input) => input,
        Err(errors) => return Ok(refused(errors, form)),
    };
    let intake = state.intake().clone();
    let by = who(&caller);
    // As through the API: stored, then linked to an incident, queued for review, or
    // the start of a new incident.
    let result = blocking(move || Ok(intake.submit_and_link(&by, input))).await?;
    match result {
        Ok((report, _)) => Ok(see_other(&format!("/reports/{}", report.id))),
        Err(IntakeError::Invalid(v)) => Ok(refused(v.0, form)),
        Err(e) => Err(PageError(e.into())),
    }
}

/// Start an incident resting on this report (investigators and admins).
#[utoipa::path(
    post,
    path = "/reports/{id}/incident",
    tag = "ui",
    params(("id" = i64, Path, description = "Report id")),
    responses(
        (status = 303, description = "Created; to the incident"),
        (status = 409, description = "The report already belongs to an incident", content_type = "text/html", body = String),
        (status = 422, description = "No title or reason", content_type = "text/html", body = String),
    )
)]
pub async fn create_incident(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let id = page_id(&id)?;
    let title = field(&form, "title").trim().to_string();
    let reason = reason(&form)?;
    let store = state.store().clone();
    let by = who(&caller);
    let incident = blocking(move || {
        store
            .create_incident(&by, &title, &[id], &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(see_other(&format!("/incidents/{incident}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_field_paths_map_to_form_fields() {
        assert_eq!(form_field("event_time.start"), "start");
        assert_eq!(form_field("counts.killed"), "killed");
        assert_eq!(form_field("counts.killed.max"), "killed");
        assert_eq!(form_field("place_text"), "place_text");
        assert_eq!(form_field("longitude"), "latitude");
    }

    #[test]
    fn form_times_are_read_as_utc() {
        assert_eq!(
            parse_time("2010-06-11T14:30").map(|t| t.to_rfc3339()),
            Some("2010-06-11T14:30:00+00:00".into())
        );
        assert!(parse_time("2010-06-11").is_some());
        assert!(parse_time("June").is_none());
    }

    #[test]
    fn place_status_codes_have_catalog_text() {
        use aman_core::PlaceStatus;
        for s in [
            PlaceStatus::Resolved,
            PlaceStatus::Ambiguous,
            PlaceStatus::Unresolved,
        ] {
            assert_ne!(crate::ui::Lang::Ru.t(&format!("place.{}", s.code())), "?");
        }
    }
}
