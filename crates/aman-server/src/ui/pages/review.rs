//! The review queue: pairs the linker was unsure about, the evidence for and against
//! field by field, and the reviewer's answer (match / not a match / unsure) with a
//! reason. A later decision overrides an earlier one; all stay in the history.

use aman_store::{ReviewCandidate, ReviewDecision, ReviewKind};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};

use super::{field, page_id, reason};
use crate::error::{blocking, AppError, QueryPairs};
use crate::handlers::who;
use crate::permissions::Caller;
use crate::query::ReviewParams;
use crate::ui::filters::encode;
use crate::ui::{check_csrf, layout, page, percent, see_other, when, Ctx, PageError};
use crate::AppState;

const PER_PAGE: u32 = 20;

/// Where a pair's side leads: reports and incidents have pages; victim-list records
/// are pseudonymous references only.
fn side(ctx: &Ctx, kind: ReviewKind, left: bool, reference: &str) -> Markup {
    let target = match (kind, left) {
        (ReviewKind::ReportIncident, true) | (ReviewKind::ReportPair, _) => Some("reports"),
        (ReviewKind::ReportIncident, false) => Some("incidents"),
        (ReviewKind::PersonPair, _) => None,
    };
    html! {
        @match target {
            Some(t) if reference.parse::<i64>().is_ok() => {
                a href={ "/" (t) "/" (reference) } { (ctx.t(&format!("review.side_{t}"))) " #" (reference) }
            },
            _ => { span.mono { (reference) } },
        }
    }
}

/// A compared field's name for people: the catalog's label for the linker's own
/// fields, else the name as given (a CSV column, say).
fn field_label<'a>(ctx: &Ctx, name: &'a str) -> &'a str {
    ctx.lookup(&format!("linkfield.{name}")).unwrap_or(name)
}

/// The linker's per-field reasons: each field's contribution in bits, for (positive)
/// or against (negative) a match.
fn explanation(ctx: &Ctx, e: &serde_json::Value) -> Markup {
    let fields = e["fields"].as_array();
    html! {
        @if let Some(fields) = fields {
            table {
                thead { tr {
                    th scope="col" { (ctx.t("review.field")) }
                    th scope="col" { (ctx.t("review.comparison")) }
                    th.num scope="col" { (ctx.t("review.similarity")) }
                    th.num scope="col" { (ctx.t("review.weight")) }
                } }
                tbody {
                    @for f in fields {
                        @let w = f["weight"].as_f64().unwrap_or(0.0);
                        tr {
                            th scope="row" { (field_label(ctx, f["field"].as_str().unwrap_or("?"))) }
                            td { (f["label"].as_str().unwrap_or("")) }
                            td.num { @if let Some(s) = f["similarity"].as_f64() { (format!("{s:.2}")) } @else { "—" } }
                            td class={ "num " (if w >= 0.0 { "for" } else { "against" }) } {
                                (format!("{w:+.1}")) " " (ctx.t(if w >= 0.0 { "review.for" } else { "review.against" }))
                            }
                        }
                    }
                }
                @if let Some(total) = e["match_weight"].as_f64() {
                    tfoot { tr {
                        th scope="row" colspan="3" { (ctx.t("review.total_weight")) }
                        td.num { (format!("{total:+.1}")) }
                    } }
                }
            }
        } @else {
            pre.mono { (serde_json::to_string_pretty(e).unwrap_or_default()) }
        }
    }
}

fn decision_label(ctx: &Ctx, d: ReviewDecision) -> &'static str {
    ctx.t(&format!("review.{}", d.code()))
}

fn card(ctx: &Ctx, c: &ReviewCandidate, back: &str) -> Markup {
    let can_decide = ctx.can("POST", "/review/{id}/decision");
    html! {
        article.report-card aria-labelledby={ "c" (c.id) } {
            h3 id={ "c" (c.id) } {
                (ctx.t(&format!("review.kind_{}", c.kind.code()))) " #" (c.id) " — "
                (ctx.t("review.probability")) " " (percent(c.probability))
            }
            p {
                (side(ctx, c.kind, true, &c.left_ref)) " ↔ " (side(ctx, c.kind, false, &c.right_ref))
            }
            p {
                (ctx.t("review.current")) ": "
                strong { @if let Some(d) = c.decision { (decision_label(ctx, d)) } @else { (ctx.t("review.pending")) } }
                " · " (ctx.t("review.queued")) " " (when(c.created_at)) " · " (c.created_by)
            }
            (explanation(ctx, &c.explanation))
            @if !c.history.is_empty() {
                ul {
                    @for h in &c.history {
                        li { (when(h.at)) " · " (h.by) ": " strong { (decision_label(ctx, h.decision)) } " — " (h.reason) }
                    }
                }
            }
            @if can_decide {
                form method="post" action={ "/review/" (c.id) "/decision" } {
                    (ctx.csrf_field())
                    input type="hidden" name="back" value=(back);
                    fieldset {
                        legend { (ctx.t("review.decide")) }
                        div.checks {
                            @for d in ReviewDecision::ALL {
                                label {
                                    input type="radio" name="decision" value=(d.code()) required checked[c.decision == Some(d)];
                                    " " (decision_label(ctx, d))
                                }
                            }
                        }
                        div.field {
                            label for={ "reason-" (c.id) } { (ctx.t("incident.reason")) }
                            input id={ "reason-" (c.id) } name="reason" required;
                        }
                        p { button type="submit" { (ctx.t("review.save")) } }
                    }
                }
            }
        }
    }
}

/// The review queue.
#[utoipa::path(
    get,
    path = "/review",
    tag = "ui",
    params(
        ("kind" = Option<String>, Query, description = "report_incident, report_pair or person_pair"),
        ("state" = Option<String>, Query, description = "pending (default), decided or all"),
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
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let query = |extra: Option<(&str, String)>, kept: &[(String, String)]| {
        let mut q: Vec<String> = kept
            .iter()
            .filter(|(k, _)| k != "before")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        if let Some((k, v)) = extra {
            q.push(format!("{k}={}", encode(&v)));
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    };
    let back = format!("/review{}", query(None, &kept));
    let chosen = |k: &str| {
        kept.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let kind = chosen("kind");
    let st = chosen("state").unwrap_or_else(|| "pending".into());
    kept.push(("limit".into(), PER_PAGE.to_string()));
    let (filter, page_req) = ReviewParams::parse(kept.clone())?;
    kept.pop();
    let store = state.store().clone();
    let (found, pending) = blocking(move || {
        let mut found = store.list_review_candidates(filter, page_req)?;
        // The list leaves the decision history out; each card shows it.
        for c in &mut found.items {
            if let Some(full) = store.get_review_candidate(c.id)? {
                *c = full;
            }
        }
        Ok((found, store.pending_review_count()?))
    })
    .await?;
    let body = html! {
        p { (ctx.t("review.intro")) " " strong { (pending) } " " (ctx.t("review.waiting")) }
        form.filters method="get" action="/review" aria-label=(ctx.t("filter.title")) {
            div.field {
                label for="r-kind" { (ctx.t("review.kind")) }
                select id="r-kind" name="kind" {
                    option value="" { (ctx.t("filter.any")) }
                    @for k in ReviewKind::ALL {
                        option value=(k.code()) selected[kind.as_deref() == Some(k.code())] { (ctx.t(&format!("review.kind_{}", k.code()))) }
                    }
                }
            }
            div.field {
                label for="r-state" { (ctx.t("review.state")) }
                select id="r-state" name="state" {
                    @for s in ["pending", "decided", "all"] {
                        option value=(s) selected[st == s] { (ctx.t(&format!("review.state_{s}"))) }
                    }
                }
            }
            div.buttons { button type="submit" { (ctx.t("filter.apply")) } }
        }
        @if found.items.is_empty() {
            p { (ctx.t("review.none")) }
        }
        div.review-list {
            @for c in &found.items { (card(&ctx, c, &back)) }
        }
        nav.pager aria-label=(ctx.t("pager.label")) {
            @if let Some(next) = found.next_before {
                a href={ "/review" (query(Some(("before", next.to_string())), &kept)) } rel="next" { (ctx.t("pager.older")) }
            }
        }
    };
    Ok(page(layout(&ctx, ctx.t("nav.review"), "/review", body)))
}

/// Record a decision on a pair, with a reason, and go back to the queue.
#[utoipa::path(
    post,
    path = "/review/{id}/decision",
    tag = "ui",
    params(("id" = i64, Path, description = "Review candidate id")),
    responses(
        (status = 303, description = "Recorded; back to the queue"),
        (status = 409, description = "The report is in another incident", content_type = "text/html", body = String),
        (status = 422, description = "No decision or no reason", content_type = "text/html", body = String),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&caller, &form)?;
    let id = page_id(&id)?;
    let decision = ReviewDecision::from_code(field(&form, "decision")).ok_or_else(|| {
        PageError(AppError::invalid(
            "decision",
            "choose match, not a match or unsure",
        ))
    })?;
    let reason = reason(&form)?;
    let back = field(&form, "back");
    let back = if back.starts_with("/review") && !back.starts_with("//") {
        back.to_string()
    } else {
        "/review".to_string()
    };
    let store = state.store().clone();
    let by = who(&caller);
    blocking(move || {
        store
            .decide_review(&by, id, decision, &reason)
            .map_err(AppError::from)
    })
    .await?;
    Ok(see_other(&back))
}
