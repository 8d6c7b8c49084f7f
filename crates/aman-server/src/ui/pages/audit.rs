//! The audit log (admins): the hash-chain check first, then the entries page by page.

use aman_core::AuditEntry;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use maud::html;

use crate::error::{blocking, AppError, QueryPairs};
use crate::permissions::Caller;
use crate::ui::{layout, page, when, Ctx, PageError};
use crate::AppState;

const PER_PAGE: u32 = 100;

/// The audit log and the result of verifying its chain.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "ui",
    params(("after" = Option<i64>, Query, description = "Entries after this sequence number; default: the latest page")),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String))
)]
pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(caller): Extension<Caller>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Response, PageError> {
    let ctx = Ctx::new(&state, &headers, Some(&caller)).await?;
    let mut after = None;
    for (k, v) in pairs {
        match k.as_str() {
            "after" => {
                after = Some(v.trim().parse::<i64>().map_err(|_| {
                    AppError::bad_query("after", format!("'{v}' is not a whole number"))
                })?)
            }
            _ => {
                return Err(PageError(AppError::bad_query(
                    &k,
                    "unknown parameter; known: after",
                )))
            }
        }
    }
    let store = state.store().clone();
    let (check, entries): (Result<u64, aman_core::ChainBreak>, Vec<AuditEntry>) =
        blocking(move || {
            let check = store.verify_audit()?;
            // Without a cursor show the latest page: the count is known when the chain is
            // intact, and sequence numbers start at 1 without gaps.
            let start = after.unwrap_or_else(|| match &check {
                Ok(n) => (*n as i64 - PER_PAGE as i64).max(0),
                Err(_) => 0,
            });
            Ok((check, store.audit_page(start, PER_PAGE)?))
        })
        .await?;
    let first = entries.first().map(|e| e.seq);
    let last = entries.last().map(|e| e.seq);
    let body = html! {
        section.panel aria-labelledby="chain" {
            h2 id="chain" { (ctx.t("audit.chain")) }
            @match &check {
                Ok(n) => {
                    p { span.ok { (ctx.t("audit.intact")) } " — " (n) " " (ctx.t("audit.entries_checked")) }
                },
                Err(b) => {
                    p role="alert" {
                        span.bad { (ctx.t("audit.broken")) } " — " (ctx.t("audit.first_broken")) " "
                        a href={ "/audit?after=" ((b.seq - 1).max(0)) } { "#" (b.seq) } ": " (b.problem)
                    }
                },
            }
        }
        nav.pager aria-label=(ctx.t("pager.label")) {
            a href="/audit?after=0" { (ctx.t("audit.oldest")) }
            @if let Some(f) = first {
                @if f > 1 { a href={ "/audit?after=" ((f - 1 - PER_PAGE as i64).max(0)) } { (ctx.t("audit.earlier")) } }
            }
            @if let Some(l) = last { a href={ "/audit?after=" (l) } { (ctx.t("audit.later")) } }
            a href="/audit" { (ctx.t("audit.latest")) }
        }
        table {
            caption { (ctx.t("audit.entries")) }
            thead { tr {
                th.num scope="col" { "#" }
                th scope="col" { (ctx.t("incident.when")) }
                th scope="col" { (ctx.t("audit.actor")) }
                th scope="col" { (ctx.t("audit.action")) }
                th scope="col" { (ctx.t("audit.entity")) }
                th scope="col" { (ctx.t("incident.reason")) }
                th scope="col" { (ctx.t("audit.details")) }
                th scope="col" { (ctx.t("audit.hash")) }
            } }
            tbody {
                @for e in &entries {
                    tr {
                        td.num { (e.seq) }
                        td { (when(e.record.at)) }
                        td { (e.record.actor) }
                        td { (e.record.action) }
                        td { (e.record.entity) " " (e.record.entity_id) }
                        td { (e.record.reason.as_deref().unwrap_or("")) }
                        td.mono { (e.record.details) }
                        td.mono { (&e.entry_hash[..16.min(e.entry_hash.len())]) "…" }
                    }
                }
            }
        }
    };
    Ok(page(layout(&ctx, ctx.t("nav.audit"), "/audit", body)))
}
