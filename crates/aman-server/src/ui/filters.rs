//! The filters shared by the map and the lists (date range, type, status, area, text),
//! read from the query string with the API's strict parsers, carried from page to page
//! in links, and shown as one form.

use aman_core::{EventType, PlaceStatus, VerificationStatus};
use aman_geo::Geocoder;
use aman_store::{IncidentFilter, PageRequest, ReportFilter};
use maud::{html, Markup};

use super::Ctx;
use crate::error::AppError;
use crate::query::{IncidentParams, ReportParams};

/// Parameters a page's query string may hold.
const KNOWN: &[&str] = &[
    "from",
    "to",
    "type",
    "status",
    "admin1",
    "admin2",
    "bbox",
    "q",
    "place_status",
    "before",
];
/// Only the report list understands these.
const REPORT_ONLY: &[&str] = &["q", "place_status"];
/// Rows per list page.
pub const PAGE_SIZE: u32 = 50;

/// The filters of one request: the non-empty query pairs (a form submits empty fields
/// for filters left blank).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pairs: Vec<(String, String)>,
}

impl Filters {
    /// Keeps the non-empty pairs; an unknown parameter is refused by name.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Filters, AppError> {
        let mut kept = Vec::new();
        for (k, v) in pairs {
            if !KNOWN.contains(&k.as_str()) {
                return Err(AppError::bad_query(
                    &k,
                    format!("unknown parameter; known: {}", KNOWN.join(", ")),
                ));
            }
            if !v.trim().is_empty() {
                kept.push((k, v.trim().to_string()));
            }
        }
        let filters = Filters { pairs: kept };
        // Check every value now, so a bad one is reported once, by name.
        filters.reports(PAGE_SIZE)?;
        Ok(filters)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, key: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == key && v == value)
    }

    fn without(&self, drop: &[&str]) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !drop.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// The incident filter and page (report-only and cursor parameters left out unless
    /// `paged`).
    pub fn incidents(&self, limit: u32) -> Result<(IncidentFilter, PageRequest), AppError> {
        let mut pairs = self.without(REPORT_ONLY);
        pairs.push(("limit".into(), limit.to_string()));
        IncidentParams::parse(pairs)?.filter()
    }

    /// The report filter and page.
    pub fn reports(&self, limit: u32) -> Result<(ReportFilter, PageRequest), AppError> {
        let mut pairs = self.pairs.clone();
        pairs.push(("limit".into(), limit.to_string()));
        ReportParams::parse(pairs)?.filter()
    }

    /// The query string (with a leading `?`, or empty) without the given keys, plus
    /// extra pairs.
    pub fn query(&self, drop: &[&str], extra: &[(&str, &str)]) -> String {
        let mut pairs = self.without(drop);
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<_> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("?{}", joined.join("&"))
    }

    /// Is any filter set (the cursor aside)?
    pub fn any(&self) -> bool {
        self.pairs.iter().any(|(k, _)| k != "before")
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The filter form. `action` is the page it submits to; `reports` adds the text search
/// and place-status fields.
pub fn form(ctx: &Ctx, geocoder: &Geocoder, f: &Filters, action: &str, reports: bool) -> Markup {
    let adm1 = geocoder.admin_index().boundaries(1);
    let mut areas: Vec<_> = adm1
        .iter()
        .map(|b| (b.code.as_str(), b.name.as_str()))
        .collect();
    areas.sort_by(|a, b| a.1.cmp(b.1));
    html! {
        form.filters method="get" action=(action) role="search" aria-label=(ctx.t("filter.title")) {
            div.field {
                label for="f-from" { (ctx.t("filter.from")) }
                input id="f-from" type="date" name="from" value=[f.get("from")];
            }
            div.field {
                label for="f-to" { (ctx.t("filter.to")) }
                input id="f-to" type="date" name="to" value=[f.get("to")];
            }
            div.field {
                label for="f-type" { (ctx.t("filter.type")) }
                select id="f-type" name="type" {
                    option value="" { (ctx.t("filter.any")) }
                    @for t in EventType::ALL {
                        option value=(t.code()) selected[f.has("type", t.code())] { (type_label(ctx, t)) }
                    }
                }
            }
            div.field {
                label for="f-status" { (ctx.t("filter.status")) }
                select id="f-status" name="status" {
                    option value="" { (ctx.t("filter.any")) }
                    @for s in VerificationStatus::ALL {
                        option value=(s.code()) selected[f.has("status", s.code())] { (status_label(ctx, s)) }
                    }
                }
            }
            div.field {
                label for="f-admin1" { (ctx.t("filter.area")) }
                select id="f-admin1" name="admin1" {
                    option value="" { (ctx.t("filter.any")) }
                    @for (code, name) in &areas {
                        option value=(code) selected[f.has("admin1", code)] { (name) }
                    }
                }
            }
            @if let Some(a2) = f.get("admin2") {
                input type="hidden" name="admin2" value=(a2);
            }
            @if let Some(b) = f.get("bbox") {
                input type="hidden" name="bbox" value=(b);
            }
            @if reports {
                div.field.wide {
                    label for="f-q" { (ctx.t("filter.text")) }
                    input id="f-q" type="search" name="q" value=[f.get("q")];
                }
                div.field {
                    label for="f-place" { (ctx.t("filter.place_status")) }
                    select id="f-place" name="place_status" {
                        option value="" { (ctx.t("filter.any")) }
                        @for s in [PlaceStatus::Resolved, PlaceStatus::Ambiguous, PlaceStatus::Unresolved] {
                            option value=(s.code()) selected[f.has("place_status", s.code())] { (ctx.t(&format!("place.{}", s.code()))) }
                        }
                    }
                }
            }
            div.buttons {
                button type="submit" { (ctx.t("filter.apply")) }
                @if f.any() {
                    " " a href=(action) { (ctx.t("filter.clear")) }
                }
            }
        }
        @if f.any() {
            p.views {
                (ctx.t("filter.same_on")) " "
                a href={ "/map" (f.query(&["before", "q", "place_status"], &[])) } { (ctx.t("nav.map")) } " · "
                a href={ "/incidents" (f.query(&["before", "q", "place_status"], &[])) } { (ctx.t("nav.incidents")) } " · "
                a href={ "/reports" (f.query(&["before"], &[])) } { (ctx.t("nav.reports")) }
            }
        }
    }
}

pub fn type_label(ctx: &Ctx, t: EventType) -> &'static str {
    ctx.t(&format!("type.{}", t.code()))
}

pub fn status_label(ctx: &Ctx, s: VerificationStatus) -> &'static str {
    ctx.t(&format!("status.{}", s.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn blank_fields_are_dropped_and_bad_ones_named() {
        let f = Filters::parse(pairs(&[("from", ""), ("type", "arson"), ("q", "Ош")])).unwrap();
        assert_eq!(f.query(&[], &[]), "?type=arson&q=%D0%9E%D1%88");
        let (inc, _) = f.incidents(10).unwrap();
        assert_eq!(inc.event_types, vec![EventType::Arson]);
        let (rep, page) = f.reports(10).unwrap();
        assert_eq!(rep.text.as_deref(), Some("Ош"));
        assert_eq!(page.limit, 10);
        let e = Filters::parse(pairs(&[("from", "June")])).unwrap_err();
        assert_eq!(e.fields()[0].field, "from");
        let e = Filters::parse(pairs(&[("colour", "red")])).unwrap_err();
        assert_eq!(e.fields()[0].field, "colour");
    }
}
