//! Exporting incidents as CSV (ACLED-style columns with an HXL hashtag row), JSON
//! Lines, or GeoJSON. Exports hold pseudonymous incident data only, never identities.

use std::io::Write;

use aman_core::{IncidentSummary, SYNTHETIC_LABEL};
use aman_store::{IncidentFilter, PageRequest, Store, StoreError};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
    GeoJson,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" => Some(ExportFormat::JsonLines),
            "geojson" => Some(ExportFormat::GeoJson),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Column name and HXL hashtag, in order.
const CSV_COLUMNS: &[(&str, &str)] = &[
    ("incident_id", "#event+id"),
    ("title", "#event+name"),
    ("event_date", "#date+start"),
    ("event_end", "#date+end"),
    ("event_type", "#event+type"),
    ("sub_event_type", "#event+type+sub"),
    ("protection_acts", "#event+type+acts"),
    ("status", "#status+verification"),
    ("confidence", "#confidence"),
    ("admin1", "#adm1+name"),
    ("admin1_pcode", "#adm1+code"),
    ("admin2", "#adm2+name"),
    ("admin2_pcode", "#adm2+code"),
    ("location", "#loc+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("fatalities_min", "#affected+killed+min"),
    ("fatalities_max", "#affected+killed+max"),
    ("reports", "#meta+reports"),
    ("sources", "#meta+sources"),
    ("synthetic", "#meta+synthetic"),
];

fn all_incidents(
    store: &dyn Store,
    filter: &IncidentFilter,
    mut f: impl FnMut(&IncidentSummary) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    let mut n = 0;
    loop {
        let got = store.list_incidents(filter, page)?;
        for i in &got.items {
            f(i)?;
            n += 1;
        }
        match got.next_before {
            Some(before) => page.before = Some(before),
            None => return Ok(n),
        }
    }
}

/// Writes every incident matching `filter`; returns how many.
pub fn export_incidents(
    store: &dyn Store,
    filter: &IncidentFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    match format {
        ExportFormat::JsonLines => all_incidents(store, filter, |i| {
            serde_json::to_writer(&mut *out, i).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            Ok(())
        }),
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_COLUMNS.iter().map(|c| c.0))?;
            w.write_record(CSV_COLUMNS.iter().map(|c| c.1))?;
            let n = all_incidents(store, filter, |i| {
                let primary = i.event_types.first().copied();
                let (ev, sub) = primary.map(|t| t.acled()).unwrap_or(("", ""));
                let opt = |v: &Option<String>| v.clone().unwrap_or_default();
                w.write_record([
                    i.id.to_string(),
                    i.title.clone(),
                    i.start.format("%Y-%m-%d").to_string(),
                    i.end.format("%Y-%m-%d").to_string(),
                    ev.to_string(),
                    sub.to_string(),
                    i.event_types
                        .iter()
                        .map(|t| t.code())
                        .collect::<Vec<_>>()
                        .join(";"),
                    i.status.code().to_string(),
                    format!("{:.3}", i.confidence),
                    opt(&i.admin1_name),
                    opt(&i.admin1_code),
                    opt(&i.admin2_name),
                    opt(&i.admin2_code),
                    opt(&i.place_name),
                    i.latitude.map(|v| format!("{v:.5}")).unwrap_or_default(),
                    i.longitude.map(|v| format!("{v:.5}")).unwrap_or_default(),
                    i.killed.map(|k| k.min.to_string()).unwrap_or_default(),
                    i.killed.map(|k| k.max.to_string()).unwrap_or_default(),
                    i.report_count.to_string(),
                    i.source_count.to_string(),
                    if i.synthetic {
                        SYNTHETIC_LABEL.to_string()
                    } else {
                        String::new()
                    },
                ])?;
                Ok(())
            })?;
            w.flush()?;
            Ok(n)
        }
        ExportFormat::GeoJson => {
            out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
            let mut first = true;
            let n = all_incidents(store, filter, |i| {
                let geometry = match (i.longitude, i.latitude) {
                    (Some(lon), Some(lat)) => json!({ "type": "Point", "coordinates": [lon, lat] }),
                    _ => serde_json::Value::Null,
                };
                let mut props = serde_json::to_value(i).map_err(std::io::Error::from)?;
                if i.synthetic {
                    props["label"] = json!(SYNTHETIC_LABEL);
                }
                let feature = json!({ "type": "Feature", "id": i.id, "geometry": geometry, "properties": props });
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                serde_json::to_writer(&mut *out, &feature).map_err(std::io::Error::from)?;
                Ok(())
            })?;
            out.write_all(b"]}\n")?;
            Ok(n)
        }
    }
}
