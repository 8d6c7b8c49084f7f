//! Estimates: for each stored estimate run (one per stratum), the documented count
//! beside every method's estimate and interval, as a chart and as a table, with the
//! method named beside every figure. A run the guard rails refused shows the documented
//! count and the reason, never a number it did not produce.

use aman_store::{EstimateRun, PageRequest};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};

use crate::error::{blocking, AppError};
use crate::permissions::Caller;
use crate::ui::{layout, page, when, Ctx, PageError};
use crate::AppState;

/// Runs shown (newest first).
const RUNS: u32 = 50;

/// One method's answer for one stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub method: &'static str,
    pub estimate: f64,
    pub lower: f64,
    /// Absent when the interval has no finite upper end.
    pub upper: Option<f64>,
    pub level: f64,
}

/// What one run says: the stratum, the documented count, and either the figures or
/// the refusal.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub stratum: String,
    pub documented: u64,
    pub figures: Vec<Figure>,
    pub refused: Option<String>,
}

/// Reads the stored report (the estimator's own JSON) of a run.
pub fn summarise(run: &EstimateRun) -> Summary {
    let r = &run.result;
    let documented = r["input"]["observed"]
        .as_u64()
        .or_else(|| r["refused"]["documented_count"].as_u64())
        .unwrap_or(0);
    let mut figures = Vec::new();
    let ll = &r["loglinear"];
    if let (Some(est), Some(lower)) = (ll["chosen"]["n_hat"].as_f64(), ll["lower"].as_f64()) {
        figures.push(Figure {
            method: "loglinear",
            estimate: est,
            lower,
            upper: ll["upper"].as_f64(),
            level: ll["level"].as_f64().unwrap_or(0.95),
        });
    }
    for (method, summary) in [
        ("dga", &r["dga"]["averaged"]),
        ("lcmcr", &r["lcmcr"]["summary"]),
    ] {
        if let (Some(est), Some(lower)) = (summary["median"].as_f64(), summary["lower"].as_f64()) {
            figures.push(Figure {
                method,
                estimate: est,
                lower,
                upper: summary["upper"].as_f64(),
                level: summary["level"].as_f64().unwrap_or(0.95),
            });
        }
    }
    Summary {
        stratum: run.stratum.clone(),
        documented,
        figures,
        refused: r["refused"]["reason"].as_str().map(str::to_string),
    }
}

/// Documented count and estimates with intervals, one row per stratum and method.
/// Hidden from screen readers: the table under it gives every number.
fn chart(ctx: &Ctx, rows: &[Summary]) -> Markup {
    let lines: usize = rows.iter().map(|s| 1 + s.figures.len()).sum();
    let (w, label_w, row) = (760.0, 300.0, 20.0);
    let h = row * lines.max(1) as f64 + 30.0;
    let max = rows
        .iter()
        .flat_map(|s| {
            s.figures
                .iter()
                .map(|f| f.upper.unwrap_or(f.estimate * 2.0).max(f.estimate))
                .chain(std::iter::once(s.documented as f64))
        })
        .fold(1.0f64, f64::max);
    // Room on the right for the figure written after each bar or interval.
    let x = |v: f64| label_w + (v / max).min(1.0) * (w - label_w - 70.0);
    let mut y = 6.0;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w) " " (h) } role="img" aria-label=(ctx.t("est.chart")) {
            @for s in rows {
                @let y0 = { let v = y; y += row; v };
                text.label x=(label_w - 6.0) y=(y0 + 13.0) text-anchor="end" { (s.stratum) ": " (ctx.t("est.documented")) }
                rect.documented x=(label_w) y=(y0 + 4.0) width=(format!("{:.1}", x(s.documented as f64) - label_w)) height="10" {}
                text.value x=(format!("{:.1}", x(s.documented as f64) + 4.0)) y=(y0 + 13.0) { (s.documented) }
                @for f in &s.figures {
                    @let yf = { let v = y; y += row; v };
                    @let hi = f.upper.map(&x).unwrap_or(w - 70.0);
                    text.label x=(label_w - 6.0) y=(yf + 13.0) text-anchor="end" { (f.method) }
                    line.interval x1=(format!("{:.1}", x(f.lower))) y1=(yf + 9.0) x2=(format!("{hi:.1}")) y2=(yf + 9.0) {}
                    line.interval x1=(format!("{:.1}", x(f.lower))) y1=(yf + 4.0) x2=(format!("{:.1}", x(f.lower))) y2=(yf + 14.0) {}
                    circle.estimate cx=(format!("{:.1}", x(f.estimate))) cy=(yf + 9.0) r="4.5" {}
                    text.value x=(format!("{:.1}", hi + 4.0)) y=(yf + 13.0) { (format!("{:.0}", f.estimate)) }
                }
            }
        }
    }
}

fn interval(ctx: &Ctx, f: &Figure) -> String {
    match f.upper {
        Some(u) => format!("{:.0}–{:.0}", f.lower, u),
        None => format!("{:.0}–{}", f.lower, ctx.t("est.unbounded")),
    }
}

/// Documented vs estimated victims per stratum, with the method beside every figure.
#[utoipa::path(
    get,
    path = "/estimates",
    tag = "ui",
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn estimates(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let store = state.store().clone();
    let runs = blocking(move || {
        store
            .list_estimate_runs(PageRequest::first(RUNS))
            .map_err(AppError::from)
    })
    .await?
    .items;
    // The newest run of each stratum.
    let mut latest: Vec<&EstimateRun> = Vec::new();
    for run in &runs {
        if !latest.iter().any(|r| r.stratum == run.stratum) {
            latest.push(run);
        }
    }
    let rows: Vec<Summary> = latest.iter().map(|r| summarise(r)).collect();
    let body = html! {
        p { (ctx.t("est.intro")) }
        @if rows.is_empty() {
            p { (ctx.t("est.none")) }
        } @else {
            section.panel aria-labelledby="est-chart" {
                h2 id="est-chart" { (ctx.t("est.chart")) }
                (chart(&ctx, &rows))
                table {
                    caption { (ctx.t("est.table")) }
                    thead { tr {
                        th scope="col" { (ctx.t("est.stratum")) }
                        th scope="col" { (ctx.t("est.method")) }
                        th.num scope="col" { (ctx.t("est.figure")) }
                        th.num scope="col" { (ctx.t("est.interval")) }
                    } }
                    tbody {
                        @for s in &rows {
                            tr {
                                th scope="row" { (s.stratum) }
                                td { (ctx.t("est.documented")) }
                                td.num { (s.documented) }
                                td.num { "—" }
                            }
                            @if let Some(why) = &s.refused {
                                tr {
                                    th scope="row" { (s.stratum) }
                                    td { (ctx.t("est.refused")) }
                                    td colspan="2" { (why) }
                                }
                            }
                            @for f in &s.figures {
                                tr {
                                    th scope="row" { (s.stratum) }
                                    td { (f.method) " — " (ctx.t(&format!("est.method_{}", f.method))) }
                                    td.num { (format!("{:.0}", f.estimate)) }
                                    td.num { (interval(&ctx, f)) " (" (format!("{:.0}%", f.level * 100.0)) ")" }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="est-runs" {
                h2 id="est-runs" { (ctx.t("est.runs")) }
                table {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (ctx.t("est.stratum")) }
                        th scope="col" { (ctx.t("est.input")) }
                        th scope="col" { (ctx.t("est.software")) }
                        th.num scope="col" { (ctx.t("est.seed")) }
                        th scope="col" { (ctx.t("incident.when")) }
                    } }
                    tbody {
                        @for r in &runs {
                            tr {
                                td { (r.id) }
                                td { (r.stratum) }
                                td { (r.input_kind) }
                                td { (r.software_version) }
                                td.num { (r.seed) }
                                td { (when(r.created_at)) " · " (r.created_by) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(layout(
        &ctx,
        ctx.t("nav.estimates"),
        "/estimates",
        body,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(result: Value) -> EstimateRun {
        EstimateRun {
            id: 1,
            stratum: "all".into(),
            input_kind: "linked_persons".into(),
            capture_table: json!({}),
            options: json!({}),
            seed: 7,
            software_version: "aman-estimate 0.1.0".into(),
            result,
            created_by: "analyst".into(),
            created_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    #[test]
    fn figures_come_from_each_method_and_refusals_keep_the_documented_count() {
        let s = summarise(&run(json!({
            "input": {"observed": 320},
            "loglinear": {"chosen": {"n_hat": 410.2}, "lower": 380.0, "upper": null, "level": 0.95},
            "dga": {"averaged": {"median": 430.0, "lower": 390.0, "upper": 520.0, "level": 0.95}},
            "lcmcr": null,
        })));
        assert_eq!(s.documented, 320);
        assert_eq!(s.figures.len(), 2);
        assert_eq!(s.figures[0].method, "loglinear");
        assert_eq!(s.figures[0].upper, None);
        assert_eq!(s.figures[1].upper, Some(520.0));
        let refused = summarise(&run(json!({
            "input": {"observed": 12},
            "refused": {"documented_count": 12, "reason": "too little overlap"},
        })));
        assert!(refused.figures.is_empty());
        assert_eq!(refused.refused.as_deref(), Some("too little overlap"));
        assert_eq!(refused.documented, 12);
    }
}
