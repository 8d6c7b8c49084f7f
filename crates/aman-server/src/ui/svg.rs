//! Charts and the map, drawn as inline SVG on the server. No tiles: the map is the
//! admin boundaries Aman already holds, incidents on top as grid clusters, areas shaded
//! by how many incidents they hold. Every figure drawn here is also given as a table by
//! the page that shows it.

use aman_geo::{Boundary, Geocoder};
use aman_store::{AreaCount, IncidentCluster};
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};

use super::filters::Filters;
use super::Ctx;

/// Shades of the choropleth, lightest first (enough contrast against the dark points).
pub const SHADES: [&str; 5] = ["#e8eef6", "#c4d4ea", "#93b2d8", "#6088bf", "#3a5f96"];
/// Areas without incidents.
const EMPTY_AREA: &str = "#f6f6f4";
/// Clusters per map width: the grid cell is the visible longitude span over this.
const CELLS_ACROSS: f64 = 70.0;

/// A longitude/latitude rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Extent {
    /// What the map shows: the ADM1 areas named in `focus` (the filtered area, or the
    /// areas holding incidents), or every ADM1 area when none of them is known.
    pub fn for_view(geocoder: &Geocoder, focus: &[&str]) -> Extent {
        let all = geocoder.admin_index().boundaries(1);
        let mut chosen: Vec<&Boundary> = all
            .iter()
            .filter(|b| focus.contains(&b.code.as_str()))
            .collect();
        if chosen.is_empty() {
            chosen = all.iter().collect();
        }
        let mut e = Extent {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        };
        for b in chosen {
            e.min_lon = e.min_lon.min(b.bbox.min_lon);
            e.min_lat = e.min_lat.min(b.bbox.min_lat);
            e.max_lon = e.max_lon.max(b.bbox.max_lon);
            e.max_lat = e.max_lat.max(b.bbox.max_lat);
        }
        if !e.min_lon.is_finite() {
            // No boundaries loaded: the whole world.
            return Extent {
                min_lon: -180.0,
                min_lat: -60.0,
                max_lon: 180.0,
                max_lat: 75.0,
            };
        }
        let pad_lon = (e.max_lon - e.min_lon) * 0.03;
        let pad_lat = (e.max_lat - e.min_lat) * 0.03;
        Extent {
            min_lon: e.min_lon - pad_lon,
            min_lat: e.min_lat - pad_lat,
            max_lon: e.max_lon + pad_lon,
            max_lat: e.max_lat + pad_lat,
        }
    }

    /// The cluster grid cell for this view, in degrees.
    pub fn cell_deg(&self) -> f64 {
        ((self.max_lon - self.min_lon) / CELLS_ACROSS).max(1e-4)
    }
}

/// Equirectangular projection scaled by the cosine of the middle latitude, `width`
/// SVG units across.
struct Projection {
    extent: Extent,
    scale: f64,
    cos: f64,
    width: f64,
    height: f64,
}

impl Projection {
    fn new(extent: Extent, width: f64) -> Projection {
        let mid = (extent.min_lat + extent.max_lat) / 2.0;
        let cos = mid.to_radians().cos().max(0.1);
        let scale = width / ((extent.max_lon - extent.min_lon) * cos);
        Projection {
            extent,
            scale,
            cos,
            width,
            height: (extent.max_lat - extent.min_lat) * scale,
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.extent.min_lon) * self.cos * self.scale,
            (self.extent.max_lat - lat) * self.scale,
        )
    }

    /// SVG path data of an area, simplified to about a third of a unit.
    fn path(&self, b: &Boundary) -> String {
        let tolerance = 0.35 / self.scale;
        let area = b.area.simplified(tolerance);
        let mut d = String::new();
        for polygon in &area.polygons {
            for ring in polygon {
                for (i, p) in ring.iter().enumerate() {
                    let (x, y) = self.xy(p[0], p[1]);
                    d.push(if i == 0 { 'M' } else { 'L' });
                    d.push_str(&format!("{x:.1} {y:.1}"));
                }
                d.push('Z');
            }
        }
        d
    }
}

/// The shade of an area holding `n` of at most `max` incidents.
pub fn shade(n: u64, max: u64) -> &'static str {
    if n == 0 || max == 0 {
        return EMPTY_AREA;
    }
    let class = ((n as f64 / max as f64) * SHADES.len() as f64).ceil() as usize;
    SHADES[class.clamp(1, SHADES.len()) - 1]
}

/// The range of counts each shade stands for, for the legend.
pub fn shade_ranges(max: u64) -> Vec<(&'static str, u64, u64)> {
    let k = SHADES.len() as u64;
    (0..k)
        .filter_map(|i| {
            let lo = (max * i) / k + 1;
            let hi = (max * (i + 1)) / k;
            (hi >= lo).then_some((SHADES[i as usize], lo, hi))
        })
        .collect()
}

/// What the map draws.
pub struct MapData<'a> {
    pub extent: Extent,
    /// Which admin level shades areas (2 when ADM2 boundaries are loaded).
    pub level: u8,
    pub areas: &'a [AreaCount],
    pub clusters: &'a [IncidentCluster],
    pub cell_deg: f64,
    pub filters: &'a Filters,
    /// The small dashboard map: no zoom controls.
    pub small: bool,
}

/// The boundary level the map shades: ADM2 when loaded, else ADM1.
pub fn map_level(geocoder: &Geocoder) -> u8 {
    if geocoder.admin_index().len(2) > 0 {
        2
    } else {
        1
    }
}

/// The SVG map with its pan/zoom controls (enabled by `ui.js`; without script it is a
/// static map whose areas and points are still links).
pub fn map(ctx: &Ctx, geocoder: &Geocoder, data: &MapData<'_>) -> Markup {
    let width = if data.small { 600.0 } else { 1000.0 };
    let proj = Projection::new(data.extent, width);
    let max = data.areas.iter().map(|a| a.count).max().unwrap_or(0);
    let count_of = |code: &str| {
        data.areas
            .iter()
            .find(|a| a.code == code)
            .map_or(0, |a| a.count)
    };
    let boundaries = geocoder.admin_index().boundaries(data.level);
    let outline = if data.level == 2 {
        geocoder.admin_index().boundaries(1)
    } else {
        &[]
    };
    let area_key = if data.level == 2 { "admin2" } else { "admin1" };
    let biggest = data
        .clusters
        .iter()
        .map(|c| c.count)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let unit = width / 1000.0;
    let title_id = if data.small {
        "map-title-small"
    } else {
        "map-title"
    };
    html! {
        div.map-frame data-zoom=[(!data.small).then_some("on")] {
            @if !data.small {
                div.map-controls hidden {
                    button type="button" data-zoom-by="1.5" { (ctx.t("map.zoom_in")) }
                    button type="button" data-zoom-by="0.6667" { (ctx.t("map.zoom_out")) }
                    button type="button" data-zoom-reset { (ctx.t("map.reset")) }
                }
            }
            svg.map xmlns="http://www.w3.org/2000/svg"
                viewBox={ "0 0 " (format!("{:.0} {:.0}", proj.width, proj.height)) }
                aria-labelledby=(title_id) role="group" {
                title id=(title_id) { (ctx.t("map.title")) }
                g.areas {
                    @for b in boundaries {
                        @let n = count_of(&b.code);
                        @let label = format!("{}: {} {}", b.name, n, ctx.t("map.incidents"));
                        a href={ "/incidents" (data.filters.query(&["before", "q", "place_status", "bbox", "admin1", "admin2"], &[(area_key, &b.code)])) }
                            aria-label=(label) {
                            path d=(proj.path(b)) fill=(shade(n, max)) { title { (label) } }
                        }
                    }
                }
                @if !outline.is_empty() {
                    g.outline aria-hidden="true" {
                        @for b in outline { path d=(proj.path(b)) {} }
                    }
                }
                g.points {
                    @for c in data.clusters {
                        @let (x, y) = proj.xy(c.longitude, c.latitude);
                        @let r = unit * (3.5 + 14.0 * (c.count as f64 / biggest).sqrt());
                        @let href = cluster_href(c, data.cell_deg, data.filters);
                        @let label = if c.count == 1 {
                            format!("{} {}", ctx.t("map.incident"), c.first_id)
                        } else {
                            format!("{} {}", c.count, ctx.t("map.incidents_here"))
                        };
                        a href=(href) aria-label=(label) {
                            circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r=(format!("{r:.1}")) { title { (label) } }
                            @if c.count > 1 && r > 8.0 * unit {
                                text x=(format!("{x:.1}")) y=(format!("{:.1}", y + 3.5 * unit)) font-size=(format!("{:.0}", 10.0 * unit)) aria-hidden="true" { (c.count) }
                            }
                        }
                    }
                }
            }
            div.legend {
                span { (ctx.t("map.legend")) ":" }
                span.swatch-row {
                    span.swatch.empty aria-hidden="true" {} " 0"
                }
                @for (i, (_, lo, hi)) in shade_ranges(max).into_iter().enumerate() {
                    span.swatch-row {
                        span class={ "swatch s" (i) } aria-hidden="true" {}
                        " " (lo) @if hi > lo { "–" (hi) }
                    }
                }
                span.swatch-row { span.dot aria-hidden="true" {} " " (ctx.t("map.point_legend")) }
            }
        }
    }
}

/// Where a cluster leads: the incident itself, or the list of the incidents in its cell.
fn cluster_href(c: &IncidentCluster, cell: f64, filters: &Filters) -> String {
    if c.count == 1 {
        return format!("/incidents/{}", c.first_id);
    }
    // The store's cell index of the mean point is the cell of every point in it.
    let gy = ((c.latitude + 90.0) / cell).round();
    let gx = ((c.longitude + 180.0) / cell).round();
    let (lat0, lat1) = ((gy - 0.5) * cell - 90.0, (gy + 0.5) * cell - 90.0);
    let (lon0, lon1) = ((gx - 0.5) * cell - 180.0, (gx + 0.5) * cell - 180.0);
    let bbox = format!("{lon0:.5},{lat0:.5},{lon1:.5},{lat1:.5}");
    format!(
        "/incidents{}",
        filters.query(&["before", "q", "place_status", "bbox"], &[("bbox", &bbox)])
    )
}

/// One bar of a chart: its label, its value and where it leads.
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub href: Option<String>,
}

/// A horizontal bar chart (counts by type or status). Hidden from screen readers: the
/// table beside it says the same.
pub fn hbars(label: &str, bars: &[Bar]) -> Markup {
    let row = 22.0;
    let label_w = 190.0;
    let bar_w = 260.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let height = row * bars.len().max(1) as f64 + 4.0;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 520 " (height) } role="img" aria-label=(label) {
            @for (i, b) in bars.iter().enumerate() {
                @let y = 2.0 + i as f64 * row;
                @let w = (b.value as f64 / max * bar_w).max(if b.value > 0 { 1.0 } else { 0.0 });
                text.label x=(label_w - 6.0) y=(format!("{:.1}", y + 15.0)) text-anchor="end" { (b.label) }
                rect.bar x=(label_w) y=(format!("{:.1}", y + 3.0)) width=(format!("{w:.1}")) height="16" {}
                text.value x=(format!("{:.1}", label_w + w + 5.0)) y=(format!("{:.1}", y + 15.0)) { (b.value) }
            }
        }
    }
}

/// Groups days into weeks or months when there are too many days for one bar each.
pub fn time_buckets(days: &[(NaiveDate, u64)]) -> (&'static str, Vec<(NaiveDate, u64)>) {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return ("day", Vec::new());
    };
    let span = (last.0 - first.0).num_days();
    let (unit, key): (&str, fn(NaiveDate) -> NaiveDate) = if span <= 62 {
        ("day", |d| d)
    } else if span <= 7 * 60 {
        ("week", |d| {
            d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64)
        })
    } else {
        ("month", |d| d.with_day(1).unwrap_or(d))
    };
    let mut out: Vec<(NaiveDate, u64)> = Vec::new();
    if unit == "day" {
        // Every day in the span, empty ones included, so the axis is true to time.
        let mut d = first.0;
        let mut it = days.iter().peekable();
        loop {
            let n = match it.peek() {
                Some((day, n)) if *day == d => {
                    it.next();
                    *n
                }
                _ => 0,
            };
            out.push((d, n));
            match d.succ_opt() {
                Some(next) if d < last.0 => d = next,
                _ => break,
            }
        }
        return (unit, out);
    }
    for (d, n) in days {
        let k = key(*d);
        match out.last_mut() {
            Some((last, total)) if *last == k => *total += n,
            _ => out.push((k, *n)),
        }
    }
    (unit, out)
}

/// Incidents over time as vertical bars. Hidden from screen readers (the table says it).
pub fn time_chart(label: &str, buckets: &[(NaiveDate, u64)]) -> Markup {
    let (w, h, left, bottom) = (640.0, 220.0, 44.0, 28.0);
    let n = buckets.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let plot_h = h - bottom - 10.0;
    let step = (buckets.len() / 6).max(1);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w) " " (h) } role="img" aria-label=(label) {
            line.axis x1=(left) y1=(h - bottom) x2=(w - 4.0) y2=(h - bottom) {}
            line.axis x1=(left) y1="10" x2=(left) y2=(h - bottom) {}
            text.label x=(left - 6.0) y="18" text-anchor="end" { (max) }
            text.label x=(left - 6.0) y=(h - bottom) text-anchor="end" { "0" }
            @for (i, (d, v)) in buckets.iter().enumerate() {
                @let bh = *v as f64 / max as f64 * plot_h;
                @let x = left + i as f64 * slot;
                rect.bar x=(format!("{:.1}", x + slot * 0.1)) y=(format!("{:.1}", h - bottom - bh))
                    width=(format!("{:.1}", (slot * 0.8).max(0.5))) height=(format!("{bh:.1}")) {}
                @if i % step == 0 {
                    text.label x=(format!("{:.1}", x + slot / 2.0)) y=(h - bottom + 16.0) text-anchor="middle" { (d.format("%m-%d")) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shades_cover_one_to_max() {
        assert_eq!(shade(0, 10), EMPTY_AREA);
        assert_eq!(shade(1, 10), SHADES[0]);
        assert_eq!(shade(10, 10), SHADES[4]);
        let ranges = shade_ranges(10);
        assert_eq!(ranges.first().map(|r| r.1), Some(1));
        assert_eq!(ranges.last().map(|r| r.2), Some(10));
        // Fewer incidents than shades: no empty ranges.
        assert!(shade_ranges(2).iter().all(|(_, lo, hi)| lo <= hi));
    }

    #[test]
    fn days_fill_gaps_and_long_spans_become_weeks() {
        let d = |m, day| NaiveDate::from_ymd_opt(2010, m, day).unwrap();
        let (unit, b) = time_buckets(&[(d(6, 10), 2), (d(6, 13), 5)]);
        assert_eq!(unit, "day");
        assert_eq!(
            b,
            vec![(d(6, 10), 2), (d(6, 11), 0), (d(6, 12), 0), (d(6, 13), 5)]
        );
        let (unit, b) = time_buckets(&[(d(1, 4), 1), (d(1, 5), 1), (d(6, 13), 5)]);
        assert_eq!(unit, "week");
        assert_eq!(b, vec![(d(1, 4), 2), (d(6, 7), 5)]);
    }
}
