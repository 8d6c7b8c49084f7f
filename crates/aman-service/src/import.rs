//! Importing reports from CSV or JSON Lines.
//!
//! One pass over the file keeps memory flat for million-row files: each row is parsed
//! and checked once; rejected ones (with row number, field and reason) are collected for
//! the reject file, good ones are streamed into one store transaction. Either every good
//! row is stored or none is, and a file imported before is refused by its SHA-256.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use aman_core::{PlaceStatus, ReportInput, ResolvedPlace};
use aman_store::{ImportMark, NewReport, PreparedReport, StoreError, Who};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::intake::Intake;

/// Columns a CSV file may have. Unknown columns are refused so nothing is lost silently.
pub const CSV_COLUMNS: &[&str] = &[
    "source_id",
    "external_ref",
    "event_start",
    "event_end",
    "time_precision",
    "received_at",
    "place_text",
    "latitude",
    "longitude",
    "event_types",
    "killed",
    "injured",
    "displaced",
    "detained",
    "actors",
    "narrative",
    "language",
    "credibility",
    "kind",
    "refers_to",
    "synthetic",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// From the file name: `.csv`, or `.jsonl` / `.ndjson` / `.json`.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the reject file {path}: {source}")]
    Reject {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the import writer stopped")]
    WriterStopped,
}

/// What an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub imported: u64,
    pub rejected: u64,
    pub ambiguous_places: u64,
    pub unresolved_places: u64,
    pub reject_file: Option<PathBuf>,
    pub sha256: String,
}

/// One rejected row.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// 1-based data row (the CSV header is not counted).
    pub row: u64,
    pub field: String,
    pub message: String,
}

fn read_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Parses a date or date-time. A bare date covers the whole day.
fn parse_time(s: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
        return Ok(t.and_utc());
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => {
            let t = if end_of_day {
                d.and_hms_opt(23, 59, 59)
            } else {
                d.and_hms_opt(0, 0, 0)
            };
            Ok(t.expect("valid time of day").and_utc())
        }
        Err(_) => Err(format!(
            "'{s}' is not a date (YYYY-MM-DD) or RFC 3339 time, or no such day exists"
        )),
    }
}

fn count(s: &str) -> Result<Value, String> {
    let c = aman_core::CountRange::parse(s)?;
    Ok(json!({ "min": c.min, "max": c.max }))
}

/// Turns one CSV row into the JSON shape of `ReportInput`, so that both formats are
/// checked by the same deserialiser and validator.
fn csv_row_to_json(header: &[String], fields: &[&str]) -> Result<Value, (String, String)> {
    let get = |name: &str| -> Option<&str> {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| fields.get(i).copied())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let err = |field: &str, msg: String| (field.to_string(), msg);
    let mut o = Map::new();
    let num = |field: &str| -> Result<Option<Value>, (String, String)> {
        get(field)
            .map(|v| {
                v.parse::<f64>()
                    .map(|f| json!(f))
                    .map_err(|_| err(field, format!("'{v}' is not a number")))
            })
            .transpose()
    };
    let int = |field: &str| -> Result<Option<Value>, (String, String)> {
        get(field)
            .map(|v| {
                v.parse::<i64>()
                    .map(|i| json!(i))
                    .map_err(|_| err(field, format!("'{v}' is not a whole number")))
            })
            .transpose()
    };
    o.insert("source_id".into(), int("source_id")?.unwrap_or(Value::Null));
    if let Some(v) = get("external_ref") {
        o.insert("external_ref".into(), json!(v));
    }
    let start_text = get("event_start").ok_or_else(|| err("event_start", "is required".into()))?;
    let start = parse_time(start_text, false).map_err(|m| err("event_start", m))?;
    let end_text = get("event_end").unwrap_or(start_text);
    let end = parse_time(end_text, true).map_err(|m| err("event_end", m))?;
    let bare_date = start_text.len() == 10;
    let precision = get("time_precision").unwrap_or(if bare_date { "day" } else { "hour" });
    o.insert(
        "event_time".into(),
        json!({ "start": start, "end": end, "precision": precision }),
    );
    if let Some(v) = get("received_at") {
        o.insert(
            "received_at".into(),
            json!(parse_time(v, false).map_err(|m| err("received_at", m))?),
        );
    }
    o.insert("place_text".into(), json!(get("place_text").unwrap_or("")));
    if let Some(v) = num("latitude")? {
        o.insert("latitude".into(), v);
    }
    if let Some(v) = num("longitude")? {
        o.insert("longitude".into(), v);
    }
    let types: Vec<&str> = get("event_types")
        .map(|v| {
            v.split([';', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    o.insert("event_types".into(), json!(types));
    let mut counts = Map::new();
    for c in ["killed", "injured", "displaced", "detained"] {
        if let Some(v) = get(c) {
            counts.insert(c.into(), count(v).map_err(|m| err(c, m))?);
        }
    }
    o.insert("counts".into(), Value::Object(counts));
    let actors = get("actors")
        .map(|v| {
            v.split(';')
                .filter(|a| !a.trim().is_empty())
                .map(|a| match a.split_once(':') {
                    Some((kind, name)) => Ok(json!({ "kind": kind.trim(), "name": name.trim() })),
                    None => Err(err(
                        "actors",
                        format!("'{a}': write actors as kind:name;kind:name"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    o.insert("actors".into(), json!(actors));
    o.insert(
        "narrative".into(),
        json!({ "text": get("narrative").unwrap_or(""), "language": get("language").unwrap_or("und") }),
    );
    o.insert(
        "credibility".into(),
        int("credibility")?.unwrap_or(Value::Null),
    );
    if let Some(v) = get("kind") {
        o.insert("kind".into(), json!(v));
    }
    if let Some(v) = int("refers_to")? {
        o.insert("refers_to".into(), v);
    }
    if let Some(v) = get("synthetic") {
        o.insert("synthetic".into(), json!(matches!(v, "true" | "1" | "yes")));
    }
    Ok(Value::Object(o))
}

/// Deserialises a report and names the offending field on failure: the path serde
/// was at (`counts.killed.min`), or the unknown field it met.
fn parse_input<'de, D: serde::Deserializer<'de>>(d: D, row: u64) -> Result<ReportInput, Rejection> {
    serde_path_to_error::deserialize(d).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let field = match message
            .split("field `")
            .nth(1)
            .and_then(|r| r.split('`').next())
        {
            Some(unknown) if message.starts_with("unknown field") => unknown.to_string(),
            _ if path != "." && !path.is_empty() => path,
            Some(name) => name.to_string(),
            None => "row".into(),
        };
        Rejection {
            row,
            field,
            message,
        }
    })
}

/// Reads every row of the file as either a report input or a rejection.
fn for_each_row(
    path: &Path,
    format: Format,
    f: &mut dyn FnMut(u64, Result<ReportInput, Rejection>) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let file = File::open(path).map_err(read_err(path))?;
    let reject = |row: u64, field: &str, message: String| Rejection {
        row,
        field: field.to_string(),
        message,
    };
    match format {
        Format::JsonLines => {
            let mut reader = BufReader::new(file);
            let mut buf = Vec::new();
            let mut row = 0;
            loop {
                buf.clear();
                if reader.read_until(b'\n', &mut buf).map_err(read_err(path))? == 0 {
                    break;
                }
                row += 1;
                let parsed = match std::str::from_utf8(&buf) {
                    Err(e) => Err(reject(
                        row,
                        "row",
                        format!("not valid UTF-8 (byte {})", e.valid_up_to()),
                    )),
                    Ok(line) if line.trim().is_empty() => continue,
                    Ok(line) => parse_input(&mut serde_json::Deserializer::from_str(line), row),
                };
                f(row, parsed)?;
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let header: Vec<String> = reader
                .byte_headers()
                .map_err(|e| ImportError::Header(format!("cannot read the CSV header: {e}")))?
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_string())
                .collect();
            if let Some(unknown) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
                return Err(ImportError::Header(format!(
                    "unknown column '{unknown}'; the columns are: {}",
                    CSV_COLUMNS.join(", ")
                )));
            }
            let mut record = csv::ByteRecord::new();
            let mut row = 0;
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        row += 1;
                        f(row, Err(reject(row, "row", format!("unreadable CSV: {e}"))))?;
                        continue;
                    }
                }
                row += 1;
                if record.len() != header.len() {
                    let msg = format!(
                        "has {} fields; the header has {}",
                        record.len(),
                        header.len()
                    );
                    f(row, Err(reject(row, "row", msg)))?;
                    continue;
                }
                let mut fields = Vec::with_capacity(record.len());
                let mut bad = None;
                for (i, raw) in record.iter().enumerate() {
                    match std::str::from_utf8(raw) {
                        Ok(s) => fields.push(s),
                        Err(_) => {
                            bad = Some(header[i].clone());
                            break;
                        }
                    }
                }
                let parsed = match bad {
                    Some(col) => Err(reject(
                        row,
                        &col,
                        "not valid UTF-8; save the file as UTF-8".into(),
                    )),
                    None => csv_row_to_json(&header, &fields)
                        .map_err(|(field, m)| reject(row, &field, m))
                        .and_then(|v| parse_input(v, row)),
                };
                f(row, parsed)?;
            }
        }
    }
    Ok(())
}

fn file_sha256(path: &Path) -> Result<String, ImportError> {
    let mut file = File::open(path).map_err(read_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(read_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Imports a file of reports. `progress` is told the number of rows read so far.
pub fn import_reports(
    intake: &Intake,
    by: &Who,
    path: &Path,
    format: Format,
    reject_path: &Path,
    progress: &dyn Fn(&'static str, u64),
) -> Result<ImportSummary, ImportError> {
    let sha256 = file_sha256(path)?;
    let now = intake.store().clock().now();
    // One pass: each row is parsed and checked once; good rows go to the writer thread
    // in chunks (so the threads do not hand over, and wake each other, once per row),
    // which streams them into one store transaction.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(4);
    let store = intake.store().clone();
    let mark = ImportMark {
        file_sha256: sha256.clone(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let who = by.clone();
    let writer = std::thread::spawn(move || {
        store.insert_report_rows(&who, &mut rx.into_iter().flatten(), Some(mark))
    });
    let mut rejected = Vec::new();
    let mut rejected_rows = 0;
    let mut rows = 0;
    let mut ambiguous = 0;
    let mut unresolved = 0;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut places: HashMap<String, (PlaceStatus, Option<ResolvedPlace>)> = HashMap::new();
    let sent = for_each_row(path, format, &mut |row, parsed| {
        rows = row;
        if row % 10_000 == 0 {
            progress("importing", row);
        }
        let valid = match parsed.map(|input| input.validate(now)) {
            Ok(Ok(valid)) => valid,
            Ok(Err(errors)) => {
                rejected_rows += 1;
                rejected.extend(errors.0.into_iter().map(|e| Rejection {
                    row,
                    field: e.field,
                    message: e.message,
                }));
                return Ok(());
            }
            Err(r) => {
                rejected_rows += 1;
                rejected.push(r);
                return Ok(());
            }
        };
        let received_at = valid.get().received_at.unwrap_or(now);
        let has_point = valid.get().latitude.is_some();
        let (place_status, place) = if has_point {
            intake.resolve_place(valid.get())
        } else {
            places
                .entry(valid.get().place_text.clone())
                .or_insert_with(|| intake.resolve_place(valid.get()))
                .clone()
        };
        match place_status {
            PlaceStatus::Ambiguous => ambiguous += 1,
            PlaceStatus::Unresolved => unresolved += 1,
            PlaceStatus::Resolved => {}
        }
        // Serialised here rather than on the writer thread, the import's bottleneck.
        chunk.push(Ok(PreparedReport::from(NewReport {
            input: valid,
            received_at,
            place_status,
            place,
        })));
        if chunk.len() == CHUNK {
            send(&tx, &mut chunk)?;
        }
        Ok(())
    })
    .and_then(|()| send(&tx, &mut chunk));
    // Written before the writer can commit, so a failure here still rolls it back.
    let sent = sent.and_then(|()| {
        if rejected.is_empty() {
            return Ok(None);
        }
        write_rejects(reject_path, &rejected).map_err(|source| ImportError::Reject {
            path: reject_path.to_path_buf(),
            source,
        })?;
        Ok(Some(reject_path.to_path_buf()))
    });
    if sent.is_err() {
        // Nothing half-imported: the writer rolls back when it meets this row.
        let _ = tx.send(vec![Err(StoreError::Invalid(
            "the import stopped before the end of the file".into(),
        ))]);
    }
    drop(tx);
    let stored = writer.join().expect("import writer thread panicked");
    let (ids, reject_file) = match (stored, sent) {
        (Ok(ids), Ok(reject_file)) => (ids, reject_file),
        // The writer's own error explains why it stopped taking rows.
        (Err(e), Ok(_) | Err(ImportError::WriterStopped)) => return Err(e.into()),
        (_, Err(e)) => return Err(e),
    };
    progress("done", rows);
    Ok(ImportSummary {
        rows,
        imported: ids.len() as u64,
        rejected: rejected_rows,
        ambiguous_places: ambiguous,
        unresolved_places: unresolved,
        reject_file,
        sha256,
    })
}

/// Rows handed to the writer at a time.
const CHUNK: usize = 1024;

type Chunk = Vec<Result<PreparedReport, StoreError>>;

/// Hands a chunk to the writer. A closed channel means the writer stopped on an error,
/// which the caller reports; reading the rest of the file would be wasted.
fn send(tx: &std::sync::mpsc::SyncSender<Chunk>, chunk: &mut Chunk) -> Result<(), ImportError> {
    if chunk.is_empty() {
        return Ok(());
    }
    tx.send(std::mem::replace(chunk, Vec::with_capacity(CHUNK)))
        .map_err(|_| ImportError::WriterStopped)
}

fn write_rejects(path: &Path, rejected: &[Rejection]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(File::create(path)?);
    w.write_record(["row", "field", "error"])?;
    for r in rejected {
        w.write_record([r.row.to_string().as_str(), &r.field, &r.message])?;
    }
    w.flush()
}
