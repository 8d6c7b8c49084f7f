//! Linking arbitrary CSV files: a column mapping (given or detected from column
//! names and contents, in English, Russian, Kyrgyz or Uzbek) turns rows into typed
//! records. Malformed rows are skipped and reported one by one, never dropped
//! silently. Place columns can be resolved to points by a gazetteer the caller
//! supplies, so "Узген", "Oʻzgan" and "Ozgon" compare as one place.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::{link_dataset, LinkMode, LinkOptions, LinkOutput};
use crate::error::LinkError;
use crate::eval::{evaluate, Metrics};
use crate::persons::{sex_code, DEATH_DATE_TOLERANCE_DAYS, SEX_MATCH_M, YEAR_MATCH_M};
use crate::record::{Dataset, FieldKind, FieldSpec, Schema, Value};
use crate::review::{review_queue, CandidatePair};

/// One explicit column mapping: a column (or `lat,lon` pair for `geo`) and its kind;
/// `kind: None` ignores the column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// Column name, or two names `lat,lon` for a geo field.
    pub column: String,
    /// How it is compared; `None` leaves it out.
    pub kind: Option<FieldKind>,
    /// A place name: also resolved to a point when a gazetteer is given.
    #[serde(default)]
    pub place: bool,
}

/// How CSV columns become fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CsvMapping {
    /// Column holding record ids (when absent, see [`id_column`]).
    pub id_column: Option<String>,
    /// Column holding the true entity, for evaluation only: never compared.
    pub truth_column: Option<String>,
    /// Explicit mappings; they override detection.
    pub columns: Vec<ColumnMapping>,
    /// Use only the explicit mappings instead of also detecting the other columns.
    pub only_mapped: bool,
}

impl CsvMapping {
    /// Adds a mapping from a `KIND=COLUMN` specification (`given_name=first_name`,
    /// `ignore=email`, `geo=lat,lon`, `place=place_of_death`).
    pub fn add_spec(&mut self, spec: &str) -> Result<(), LinkError> {
        let bad = |reason: &str| LinkError::BadMapping {
            spec: spec.into(),
            reason: reason.into(),
        };
        let (kind, column) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KIND=COLUMN, for example given_name=first_name"))?;
        let column = column.trim();
        if column.is_empty() {
            return Err(bad("the column name is empty"));
        }
        let place = kind.trim().eq_ignore_ascii_case("place");
        let kind = if kind.trim().eq_ignore_ascii_case("ignore") {
            None
        } else if place {
            Some(FieldKind::Text)
        } else {
            Some(FieldKind::parse(kind).ok_or_else(|| {
                let names: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
                bad(&format!(
                    "unknown kind {kind:?}; use one of {}, place or ignore",
                    names.join(", ")
                ))
            })?)
        };
        if kind == Some(FieldKind::Geo) && column.split(',').count() != 2 {
            return Err(bad("geo needs two columns: geo=LAT_COLUMN,LON_COLUMN"));
        }
        self.columns.retain(|c| c.column != column);
        self.columns.push(ColumnMapping {
            column: column.into(),
            kind,
            place,
        });
        Ok(())
    }
}

/// A row that was not linked, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedRow {
    /// Which input (file name).
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

/// Result of linking CSV input.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CsvLinkOutput {
    /// The linkage itself.
    pub output: LinkOutput,
    /// Fields compared: (column, kind).
    pub fields: Vec<(String, FieldKind)>,
    /// Source index of each record (file order).
    pub sources: Vec<u16>,
    /// Rows not linked.
    pub skipped_rows: Vec<SkippedRow>,
    /// Ids that repeated and were made unique by appending `#line`.
    pub renamed_ids: usize,
    /// Inputs that were not clean UTF-8, with how they were read
    /// ([`aman_text::decode_text`]).
    pub encoding_notes: Vec<(String, String)>,
    /// True entity per record, when a truth column was given.
    pub truth: Option<Vec<String>>,
    /// Quality against the truth, when given.
    pub metrics: Option<Metrics>,
    /// Up to [`MAX_REVIEW_PAIRS`] pairs between the review and link thresholds,
    /// strongest first, each with its explanation.
    pub review: Vec<CandidatePair>,
}

/// Most review pairs returned with a CSV linkage.
pub const MAX_REVIEW_PAIRS: usize = 1000;

struct Table {
    name: String,
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
    /// How the file was read, when it was not clean UTF-8.
    encoding_note: Option<String>,
}

/// The delimiter of a file, from its header line: the most frequent of comma,
/// semicolon (spreadsheets in Russian and most European locales), tab and bar.
pub fn csv_delimiter(start: &[u8]) -> u8 {
    let header = start.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

fn read_table<R: Read>(
    mut reader: R,
    name: &str,
    skipped: &mut Vec<SkippedRow>,
) -> Result<Table, LinkError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| LinkError::Csv {
        source_name: name.into(),
        message: e.to_string(),
    })?;
    let decoded = aman_text::decode_text(&bytes);
    let text = decoded.text.as_bytes();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(csv_delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| LinkError::Csv {
            source_name: name.into(),
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err(LinkError::Csv {
            source_name: name.into(),
            message: "the file has no header row".into(),
        });
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.len() != header.len() {
                    skipped.push(SkippedRow {
                        source: name.into(),
                        line: record.position().map_or(line, |p| p.line()),
                        reason: format!(
                            "has {} fields but the header has {}",
                            record.len(),
                            header.len()
                        ),
                    });
                    continue;
                }
                rows.push((
                    record.position().map_or(line, |p| p.line()),
                    record.iter().map(str::to_string).collect(),
                ));
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                skipped.push(SkippedRow {
                    source: name.into(),
                    line,
                    reason: e.to_string(),
                });
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    Ok(Table {
        name: name.into(),
        header,
        rows,
        encoding_note: decoded.remark(),
    })
}

/// A header reduced to lower-case letters and digits ("Date of Birth" → "dateofbirth",
/// "Tugʻilgan sana" → "tugilgansana").
fn norm(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric() && !matches!(c, 'ʻ' | 'ʼ'))
        .flat_map(char::to_lowercase)
        .collect()
}

const ID_NAMES: &[&str] = &[
    "recid",
    "uniqueid",
    "id",
    "recordid",
    "rowid",
    "record",
    "rec",
    "recno",
    "recordno",
    "recordnumber",
    "key",
    "uid",
    "uuid",
    "rowno",
    "rownumber",
    "serial",
    "serialno",
];

/// The record-id column of a header: the one named (as written, or ignoring case and
/// punctuation), else the first whose name says it is a record id. A record id is
/// never compared: it says nothing about who a record is.
pub fn id_column(header: &[String], named: Option<&str>) -> Option<usize> {
    match named {
        Some(c) => header.iter().position(|h| h == c || norm(h) == norm(c)),
        None => header
            .iter()
            .position(|h| ID_NAMES.contains(&norm(h).as_str())),
    }
}
const TRUTH_NAMES: &[&str] = &[
    "cluster",
    "truth",
    "entityid",
    "matchid",
    "trueid",
    "personid",
    "groundtruth",
];

/// What a column holds beyond its kind, from its name.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Plain,
    /// Sex or gender: codes in any language ("M", "муж", "erkak") fold to one.
    Sex,
    /// The date of a death or an event: registers write it a day or two late.
    EventDate,
    /// A place name, resolved to a point when a gazetteer is given.
    Place,
}

/// Kind and role suggested by a column's name alone, in English, Russian, Kyrgyz
/// or Uzbek (the languages of the mission's lists).
fn kind_from_name(h: &str) -> Option<(FieldKind, Role)> {
    use FieldKind as K;
    let n = norm(h);
    let plain = |k| Some((k, Role::Plain));
    match n.as_str() {
        "givenname" | "firstname" | "forename" | "given" | "first" | "fname" | "имя" | "аты"
        | "ism" | "ismi" => plain(K::GivenName),
        "surname" | "lastname" | "familyname" | "last" | "family" | "lname" | "фамилия"
        | "фамилиясы" | "familiya" | "familiyasi" => plain(K::FamilyName),
        "patronymic"
        | "middlename"
        | "fathersname"
        | "middle"
        | "отчество"
        | "атасынынаты"
        | "otasiningismi"
        | "sharif"
        | "sharifi" => plain(K::Patronymic),
        "name"
        | "fullname"
        | "personname"
        | "victimname"
        | "фио"
        | "фамилияимяотчество"
        | "имяфамилия"
        | "атыжөнү"
        | "толукаты"
        | "fish"
        | "toliqism" => plain(K::FullName),
        "dob"
        | "dateofbirth"
        | "birthdate"
        | "birthday"
        | "date"
        | "датарождения"
        | "туулгандатасы"
        | "туулганкүнү"
        | "tugilgansana"
        | "tugilgankuni" => plain(K::Date),
        "dateofdeath"
        | "deathdate"
        | "dod"
        | "dateofincident"
        | "incidentdate"
        | "dateofevent"
        | "eventdate"
        | "датасмерти"
        | "датагибели"
        | "датасобытия"
        | "өлгөнкүнү"
        | "казаболгонкүнү"
        | "vafotsanasi"
        | "olimsanasi" => Some((K::Date, Role::EventDate)),
        "age"
        | "birthyear"
        | "yearofbirth"
        | "yob"
        | "возраст"
        | "годрождения"
        | "жашы"
        | "туулганжылы"
        | "yosh"
        | "yoshi"
        | "tugilganyil" => plain(K::Year),
        "sex" | "gender" | "пол" | "жынысы" | "jins" | "jinsi" => {
            Some((K::Category, Role::Sex))
        }
        "socsecid" | "ssn" | "nationalid" | "passport" | "postcode" | "zip" | "zipcode"
        | "postalcode" | "streetnumber" | "housenumber" | "phone" | "phonenumber" | "паспорт"
        | "телефон" | "pasport" => plain(K::Identifier),
        "state"
        | "country"
        | "region"
        | "ethnicity"
        | "nationality"
        | "province"
        | "национальность"
        | "область"
        | "улуту"
        | "облусу"
        | "millati"
        | "viloyat" => plain(K::Category),
        "email" | "address1" | "address2" | "street" => plain(K::String),
        "address" | "suburb" | "city" | "town" | "village" | "district" | "город" | "село"
        | "район" | "адрес" | "дареги" | "шаар" | "айыл" | "shahar" | "qishloq" | "tuman"
        | "manzil" => Some((K::String, Role::Place)),
        "place"
        | "location"
        | "placeofdeath"
        | "deathplace"
        | "placeofbirth"
        | "birthplace"
        | "placeofincident"
        | "residence"
        | "место"
        | "местогибели"
        | "местосмерти"
        | "местожительства"
        | "населенныйпункт"
        | "жери"
        | "орду"
        | "joy"
        | "joyi" => Some((K::Text, Role::Place)),
        "description"
        | "narrative"
        | "notes"
        | "text"
        | "comment"
        | "примечание"
        | "описание"
        | "izoh" => plain(K::Text),
        _ => None,
    }
}

/// Kind inferred from a column's values when its name says nothing.
fn kind_from_values(values: &[&str]) -> Option<FieldKind> {
    let filled: Vec<&str> = values
        .iter()
        .copied()
        .filter(|v| !v.is_empty())
        .take(2000)
        .collect();
    if filled.is_empty() {
        return None;
    }
    let all = |f: &dyn Fn(&str) -> bool| filled.iter().all(|v| f(v));
    let looks_date = |v: &str| {
        let d: String = v.chars().filter(char::is_ascii_digit).collect();
        d.len() == 8
            && v.chars().all(|c| c.is_ascii_digit() || "-/.".contains(c))
            && (v.len() == 8 || v.len() == 10)
    };
    if all(&looks_date) {
        return Some(FieldKind::Date);
    }
    if all(&|v: &str| v.chars().all(|c| c.is_ascii_digit())) {
        return Some(FieldKind::Identifier);
    }
    if all(&|v: &str| v.parse::<f64>().is_ok()) {
        return Some(FieldKind::Number);
    }
    let mean_len =
        filled.iter().map(|v| v.chars().count()).sum::<usize>() as f64 / filled.len() as f64;
    Some(if mean_len > 40.0 {
        FieldKind::Text
    } else {
        FieldKind::String
    })
}

/// One field to compare, taken from one column (or a lat, lon pair).
struct PlannedField {
    name: String,
    kind: FieldKind,
    columns: Vec<usize>,
    role: Role,
}

struct Plan {
    id: Option<usize>,
    truth: Option<usize>,
    fields: Vec<PlannedField>,
}

fn plan(t: &Table, mapping: &CsvMapping) -> Result<Plan, LinkError> {
    let find = |c: &str| -> Result<usize, LinkError> {
        t.header
            .iter()
            .position(|h| h == c || norm(h) == norm(c))
            .ok_or_else(|| LinkError::MissingColumn {
                column: c.into(),
                source_name: t.name.clone(),
                available: t.header.join(", "),
            })
    };
    let id = match &mapping.id_column {
        Some(c) => Some(find(c)?),
        None => id_column(&t.header, None),
    };
    let truth = mapping.truth_column.as_deref().map(find).transpose()?;
    let mut used: Vec<usize> = id.into_iter().chain(truth).collect();
    let mut fields = Vec::new();
    for m in &mapping.columns {
        let columns: Vec<usize> = m
            .column
            .split(',')
            .map(|c| find(c.trim()))
            .collect::<Result<_, _>>()?;
        used.extend(&columns);
        if let Some(kind) = m.kind {
            // A mapping that agrees with the column's name keeps what the name says
            // (a date of death keeps its tolerance, a sex column its folding).
            let role = match kind_from_name(&m.column) {
                _ if m.place => Role::Place,
                Some((k, role)) if k == kind => role,
                _ => Role::Plain,
            };
            fields.push(PlannedField {
                name: m.column.clone(),
                kind,
                columns,
                role,
            });
        }
    }
    if !mapping.only_mapped {
        let lat = t
            .header
            .iter()
            .position(|h| matches!(norm(h).as_str(), "lat" | "latitude"));
        let lon = t
            .header
            .iter()
            .position(|h| matches!(norm(h).as_str(), "lon" | "lng" | "long" | "longitude"));
        if let (Some(a), Some(b)) = (lat, lon) {
            if !used.contains(&a) && !used.contains(&b) {
                fields.push(PlannedField {
                    name: format!("{},{}", t.header[a], t.header[b]),
                    kind: FieldKind::Geo,
                    columns: vec![a, b],
                    role: Role::Plain,
                });
                used.extend([a, b]);
            }
        }
        for (c, h) in t.header.iter().enumerate() {
            if used.contains(&c) || TRUTH_NAMES.contains(&norm(h).as_str()) || h.is_empty() {
                continue;
            }
            let detected = kind_from_name(h).or_else(|| {
                let values: Vec<&str> = t.rows.iter().map(|r| r.1[c].as_str()).collect();
                kind_from_values(&values).map(|k| (k, Role::Plain))
            });
            if let Some((kind, role)) = detected {
                fields.push(PlannedField {
                    name: h.clone(),
                    kind,
                    columns: vec![c],
                    role,
                });
            }
        }
    }
    if fields.is_empty() {
        return Err(LinkError::NoFields);
    }
    Ok(Plan { id, truth, fields })
}

fn value(field: &PlannedField, row: &[String]) -> Value {
    let cols = &field.columns;
    if field.kind == FieldKind::Geo {
        let lat = row[cols[0]].parse::<f64>();
        let lon = row[cols[1]].parse::<f64>();
        return match (lat, lon) {
            (Ok(a), Ok(b)) => Value::Point(a, b),
            _ => Value::Missing,
        };
    }
    let s = &row[cols[0]];
    if s.is_empty() {
        return Value::Missing;
    }
    match field.kind {
        FieldKind::Set => Value::Set(s.split([';', '|']).map(|x| x.trim().to_string()).collect()),
        // "Cheremushki > Osh > Osh City": the place first, then what contains it.
        FieldKind::Hierarchy => Value::Set(
            s.split(['>', ';', '|'])
                .map(|x| x.trim().to_string())
                .collect(),
        ),
        FieldKind::TimeRange => match s.parse::<i64>() {
            Ok(t) => Value::Time(t, t),
            Err(_) => Value::Missing,
        },
        _ if field.role == Role::Sex => Value::Text(sex_code(s).unwrap_or_else(|| s.clone())),
        _ => Value::Text(s.clone()),
    }
}

/// Looks up the point of a place name in a gazetteer; `None` when it does not
/// resolve to one place.
pub type PlacePoints<'a> = &'a (dyn Fn(&str) -> Option<(f64, f64)> + Sync);

/// Distinct values of a place column looked up to decide whether the gazetteer
/// covers the column at all.
const PLACE_SAMPLE: usize = 200;

/// The points of a place column's distinct values, when the gazetteer resolves at
/// least half of a sample of them; a column of places the gazetteer does not cover
/// (another country's suburbs) stays text, so a few chance matches cannot mislead.
fn resolve_place_column(
    tables: &[Table],
    plans: &[Plan],
    field: usize,
    points: PlacePoints,
) -> Option<HashMap<String, (f64, f64)>> {
    let mut distinct: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for (t, p) in tables.iter().zip(plans) {
        let c = p.fields[field].columns[0];
        for (_, row) in &t.rows {
            let v = row[c].as_str();
            if !v.is_empty() && seen.insert(v) {
                distinct.push(v);
            }
        }
    }
    let sample = distinct.len().min(PLACE_SAMPLE);
    let mut resolved = HashMap::new();
    let mut hits = 0;
    for (i, v) in distinct.iter().enumerate() {
        if i == sample && hits * 2 < sample {
            return None;
        }
        if let Some(point) = points(v) {
            hits += 1;
            resolved.insert((*v).to_string(), point);
        }
    }
    (hits * 2 >= sample && hits > 0).then_some(resolved)
}

/// The entity of a FEBRL record id (`rec-552-dup-3` → `552`), else the value itself.
fn truth_entity(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.split('-').collect();
    match parts.as_slice() {
        ["rec", n, "org"] | ["rec", n, "dup", _] if n.chars().all(|c| c.is_ascii_digit()) => {
            Some((*n).to_string())
        }
        _ => None,
    }
}

/// Links one or more CSV inputs (`(name, reader)`); several inputs are linked to
/// each other (`LinkOnly` unless the options ask for `LinkAndDedupe`). With
/// `places`, place columns the gazetteer covers are compared as points where a
/// value resolves and as text where it does not, so one place never counts twice.
pub fn link_csv_readers<R: Read>(
    inputs: Vec<(String, R)>,
    mapping: &CsvMapping,
    opts: &LinkOptions,
    places: Option<PlacePoints>,
) -> Result<CsvLinkOutput, LinkError> {
    let mut skipped = Vec::new();
    let mut tables = Vec::new();
    for (name, r) in inputs {
        tables.push(read_table(r, &name, &mut skipped)?);
    }
    if tables.is_empty() {
        return Err(LinkError::InvalidOption("no input given".into()));
    }
    let plans: Vec<Plan> = tables
        .iter()
        .map(|t| plan(t, mapping))
        .collect::<Result<_, _>>()?;
    let signature = |p: &Plan| -> Vec<(String, FieldKind)> {
        p.fields.iter().map(|f| (f.name.clone(), f.kind)).collect()
    };
    let describe = |p: &Plan| {
        p.fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.kind.as_str()))
            .collect::<Vec<_>>()
            .join(",")
    };
    for p in &plans[1..] {
        if signature(&plans[0]) != signature(p) {
            return Err(LinkError::SchemaMismatch {
                left: describe(&plans[0]),
                right: describe(p),
            });
        }
    }
    let fields = &plans[0].fields;
    // Per field: the points of its resolved values, for place columns the gazetteer covers.
    let resolved: Vec<Option<HashMap<String, (f64, f64)>>> = (0..fields.len())
        .map(|f| match places {
            Some(points) if fields[f].role == Role::Place => {
                resolve_place_column(&tables, &plans, f, points)
            }
            _ => None,
        })
        .collect();
    let mut specs = Vec::new();
    for (f, r) in fields.iter().zip(&resolved) {
        let spec = FieldSpec::new(f.name.clone(), f.kind);
        specs.push(match f.role {
            Role::EventDate => spec.with_tolerances(vec![DEATH_DATE_TOLERANCE_DAYS]),
            _ => spec,
        });
        if r.is_some() {
            specs.push(FieldSpec::new(
                format!("{} (gazetteer point)", f.name),
                FieldKind::Geo,
            ));
        }
    }
    let compared: Vec<(String, FieldKind)> =
        specs.iter().map(|f| (f.name.clone(), f.kind)).collect();
    let mut ds = Dataset::new(Schema::new(specs))?;
    let mut truth: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut renamed = 0;
    let has_truth = plans[0].truth.is_some();
    let febrl_truth = has_truth
        && tables.iter().zip(&plans).all(|(t, p)| {
            let c = p.truth.unwrap_or(0);
            t.rows.iter().all(|r| truth_entity(&r.1[c]).is_some())
        });
    for (s, (t, p)) in tables.iter().zip(&plans).enumerate() {
        for (line, row) in &t.rows {
            let mut id = match p.id {
                Some(c) if !row[c].is_empty() => row[c].clone(),
                _ => format!("{}:{line}", t.name),
            };
            if !seen.insert(id.clone()) {
                renamed += 1;
                id = format!("{id}#{line}");
                seen.insert(id.clone());
            }
            let mut values = Vec::with_capacity(compared.len());
            for (f, r) in p.fields.iter().zip(&resolved) {
                match r {
                    Some(points) => match points.get(&row[f.columns[0]]) {
                        Some(&(lat, lon)) => {
                            values.extend([Value::Missing, Value::Point(lat, lon)])
                        }
                        None => values.extend([value(f, row), Value::Missing]),
                    },
                    None => values.push(value(f, row)),
                }
            }
            if let Err(e) = ds.push(id, s as u16, values) {
                skipped.push(SkippedRow {
                    source: t.name.clone(),
                    line: *line,
                    reason: e.to_string(),
                });
                continue;
            }
            if let Some(c) = p.truth {
                let v = &row[c];
                truth.push(if febrl_truth {
                    truth_entity(v).unwrap_or_default()
                } else if v.is_empty() {
                    format!("\u{0}row:{s}:{line}")
                } else {
                    v.clone()
                });
            }
        }
    }
    let mut opts = opts.clone();
    // People's years and sexes agree across lists, as on the demo's path: EM alone
    // learnt from namesakes that a man of 7 and one of 64 could be one person.
    for f in fields {
        let m: &[f64] = match (f.role, f.kind) {
            (Role::Sex, FieldKind::Category) => &SEX_MATCH_M,
            (_, FieldKind::Year) => &YEAR_MATCH_M,
            _ => continue,
        };
        if !opts.train.fixed_m.iter().any(|(name, _)| *name == f.name) {
            opts.train.fixed_m.push((f.name.clone(), m.to_vec()));
        }
    }
    if tables.len() > 1 && opts.mode == LinkMode::Dedupe {
        opts.mode = LinkMode::LinkOnly;
    }
    let truth = has_truth.then_some(truth);
    let output = link_dataset(&ds, &opts, truth.as_deref())?;
    let metrics = truth
        .as_deref()
        .map(|t| evaluate(&output.clustering, t))
        .transpose()?;
    let review = review_queue(
        &ds,
        &output,
        opts.review_threshold,
        opts.threshold,
        MAX_REVIEW_PAIRS,
    )?;
    Ok(CsvLinkOutput {
        fields: compared,
        sources: ds.sources.clone(),
        output,
        skipped_rows: skipped,
        renamed_ids: renamed,
        encoding_notes: tables
            .iter()
            .filter_map(|t| Some((t.name.clone(), t.encoding_note.clone()?)))
            .collect(),
        truth,
        metrics,
        review,
    })
}

/// Links CSV files by path (one file: deduplication; several: linkage between them);
/// `places` as for [`link_csv_readers`].
pub fn link_csv(
    paths: &[&Path],
    mapping: &CsvMapping,
    opts: &LinkOptions,
    places: Option<PlacePoints>,
) -> Result<CsvLinkOutput, LinkError> {
    let mut inputs = Vec::new();
    for p in paths {
        let f = File::open(p).map_err(|e| LinkError::Csv {
            source_name: p.display().to_string(),
            message: e.to_string(),
        })?;
        inputs.push((p.display().to_string(), std::io::BufReader::new(f)));
    }
    link_csv_readers(inputs, mapping, opts, places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(csv: &str, mapping: &CsvMapping) -> Result<CsvLinkOutput, LinkError> {
        link_csv_readers(
            vec![("t.csv".to_string(), csv.as_bytes())],
            mapping,
            &LinkOptions::default(),
            None,
        )
    }

    #[test]
    fn detects_columns_and_skips_bad_rows() {
        let csv = "unique_id,first_name,surname,dob,city,email,cluster\n\
                   0,Robert,Alan,1971-06-24,,robert255@smith.net,0\n\
                   1,Robert,Allen,1971-05-24,,roberta25@smith.net,0\n\
                   2,Rob,Allen\n\
                   3,Julia,Taylor,2015-07-31,London,hannah88@powers.com,1\n";
        let m = CsvMapping {
            truth_column: Some("cluster".into()),
            ..Default::default()
        };
        let out = run(csv, &m).unwrap();
        let kinds: Vec<FieldKind> = out.fields.iter().map(|f| f.1).collect();
        assert_eq!(
            kinds,
            vec![
                FieldKind::GivenName,
                FieldKind::FamilyName,
                FieldKind::Date,
                FieldKind::String,
                FieldKind::String
            ]
        );
        assert_eq!(out.skipped_rows.len(), 1);
        assert_eq!(out.skipped_rows[0].line, 4);
        assert_eq!(out.output.ids.len(), 3);
        assert!(out.metrics.is_some());
    }

    #[test]
    fn a_record_number_column_is_the_id_and_not_compared() {
        let out = run(
            "Record No.,Full Name,Date of Birth\nr1,Anna Ivanova,24/06/1971\nr2,Анна Иванова,24/06/1971\n",
            &CsvMapping::default(),
        )
        .unwrap();
        let names: Vec<&str> = out.fields.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["Full Name", "Date of Birth"]);
        assert_eq!(out.output.ids, ["r1", "r2"]);
        let header = ["name".to_string(), "Rec-ID".to_string()];
        assert_eq!(id_column(&header, None), Some(1));
        assert_eq!(id_column(&header, Some("NAME")), Some(0));
        assert_eq!(id_column(&header[..1], None), None);
    }

    #[test]
    fn semicolon_and_tab_separated_files_are_read() {
        for sep in [";", "\t"] {
            let csv = format!(
                "id{sep}name{sep}dob\n1{sep}Усмонов Шерзод{sep}1976-03-02\n2{sep}Usmonov Sherzod{sep}1976-03-02\n"
            );
            let out = run(&csv, &CsvMapping::default()).unwrap();
            assert_eq!(out.fields.len(), 2, "{sep:?}");
            assert_eq!(out.output.clustering.cluster_count(), 1, "{sep:?}");
        }
        assert_eq!(csv_delimiter(b"a,b;c\n1;2;3"), b',');
        assert_eq!(csv_delimiter(b"name"), b',');
    }

    #[test]
    fn a_windows_1251_export_links_like_its_utf8_twin() {
        let utf8 = "id;ФИО;Дата рождения\n1;Усмонов Шерзод;1976-03-02\n\
                    2;Усманов Шерзод;1976-03-02\n3;Иванова Анна;1980-01-01\n";
        // Windows-1251 puts А..я at 0xC0..0xFF; this text needs no other letter.
        let cp1251: Vec<u8> = utf8
            .chars()
            .map(|c| match c {
                'А'..='я' => (0xC0 + (c as u32 - 'А' as u32)) as u8,
                _ => c as u8,
            })
            .collect();
        let link = |bytes: &[u8]| {
            link_csv_readers(
                vec![("t.csv".to_string(), bytes)],
                &CsvMapping::default(),
                &LinkOptions::default(),
                None,
            )
            .unwrap()
        };
        let (plain, legacy) = (link(utf8.as_bytes()), link(&cp1251));
        assert!(plain.encoding_notes.is_empty());
        assert_eq!(
            legacy.encoding_notes,
            [(
                "t.csv".to_string(),
                "windows-1251: the file is not UTF-8".to_string()
            )]
        );
        assert!(legacy.skipped_rows.is_empty());
        assert_eq!(legacy.fields, plain.fields);
        assert_eq!(legacy.output.clustering, plain.output.clustering);
        assert_eq!(legacy.output.clustering.cluster_count(), 2);
    }

    #[test]
    fn a_place_path_column_keeps_its_order() {
        let mut m = CsvMapping::default();
        m.add_spec("hierarchy=where").unwrap();
        let out = run(
            "name,where\nAnna Ivanova,Cheremushki > Osh\nАнна Иванова,Osh\n",
            &m,
        )
        .unwrap();
        assert!(out
            .fields
            .contains(&("where".to_string(), FieldKind::Hierarchy)));
        let field = PlannedField {
            name: "where".into(),
            kind: FieldKind::Hierarchy,
            columns: vec![0],
            role: Role::Plain,
        };
        assert_eq!(
            value(&field, &["Cheremushki > Osh; Osh City".to_string()]),
            Value::Set(vec!["Cheremushki".into(), "Osh".into(), "Osh City".into()])
        );
    }

    #[test]
    fn mapping_overrides_and_errors() {
        let mut m = CsvMapping::default();
        m.add_spec("full_name=who").unwrap();
        m.add_spec("ignore=note").unwrap();
        assert!(m.add_spec("nonsense").is_err());
        assert!(m.add_spec("colour=x").is_err());
        assert!(m.add_spec("geo=lat").is_err());
        let out = run("who,note\nAnna Ivanova,x\nАнна Иванова,y\n", &m).unwrap();
        assert_eq!(out.fields, vec![("who".to_string(), FieldKind::FullName)]);
        let err = run(
            "name\nx\n",
            &CsvMapping {
                truth_column: Some("gold".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("gold"), "{err}");
    }

    #[test]
    fn russian_kyrgyz_and_uzbek_headers_are_understood() {
        let header = [
            "Фамилия",
            "Имя",
            "Отчество",
            "Дата рождения",
            "Пол",
            "Дата гибели",
            "Место гибели",
            "Жынысы",
            "Tugʻilgan sana",
        ];
        let detected: Vec<Option<(FieldKind, Role)>> =
            header.iter().map(|h| kind_from_name(h)).collect();
        assert_eq!(
            detected,
            [
                Some((FieldKind::FamilyName, Role::Plain)),
                Some((FieldKind::GivenName, Role::Plain)),
                Some((FieldKind::Patronymic, Role::Plain)),
                Some((FieldKind::Date, Role::Plain)),
                Some((FieldKind::Category, Role::Sex)),
                Some((FieldKind::Date, Role::EventDate)),
                Some((FieldKind::Text, Role::Place)),
                Some((FieldKind::Category, Role::Sex)),
                Some((FieldKind::Date, Role::Plain)),
            ]
        );
    }

    #[test]
    fn sex_codes_in_any_language_compare_equal() {
        let t = read_table(
            "id,sex\n1,M\n2,муж\n3,Erkak\n4,female\n5,x\n".as_bytes(),
            "t.csv",
            &mut Vec::new(),
        )
        .unwrap();
        let p = plan(&t, &CsvMapping::default()).unwrap();
        let values: Vec<Value> = t.rows.iter().map(|r| value(&p.fields[0], &r.1)).collect();
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(
            values,
            [text("m"), text("m"), text("m"), text("f"), text("x")]
        );
    }

    /// A stand-in gazetteer that knows one town under three spellings.
    fn uzgen(text: &str) -> Option<(f64, f64)> {
        ["Узген", "Oʻzgan", "Uzgen"]
            .contains(&text)
            .then_some((40.77, 73.30))
    }

    /// The fields compared when `csv` is linked with the stand-in gazetteer.
    fn fields_with_uzgen(csv: &str) -> Vec<String> {
        let out = link_csv_readers(
            vec![("t.csv".to_string(), csv.as_bytes())],
            &CsvMapping::default(),
            &LinkOptions::default(),
            Some(&uzgen),
        )
        .unwrap();
        out.fields.into_iter().map(|f| f.0).collect()
    }

    #[test]
    fn places_the_gazetteer_covers_are_compared_as_points() {
        let csv = "id,name,place\n1,Anna Ivanova,Узген\n2,Анна Иванова,Oʻzgan\n3,Bolot Asanov,Uzgen\n4,Bolot Asanov,Nowhere\n";
        assert_eq!(
            fields_with_uzgen(csv),
            ["name", "place", "place (gazetteer point)"]
        );
    }

    #[test]
    fn a_column_the_gazetteer_does_not_cover_stays_text() {
        let csv = "id,name,city\n1,Anna Ivanova,Uzgen\n2,Anna Ivanova,Sydney\n3,Bob Smith,Perth\n";
        assert_eq!(fields_with_uzgen(csv), ["name", "city"]);
    }

    #[test]
    fn febrl_ids_give_truth() {
        assert_eq!(truth_entity("rec-552-dup-3").as_deref(), Some("552"));
        assert_eq!(truth_entity("rec-1496-org").as_deref(), Some("1496"));
        assert_eq!(truth_entity("x-1"), None);
    }

    #[test]
    fn duplicate_ids_are_renamed_and_counted() {
        let out = run("id,name\n1,Anna\n1,Anna\n", &CsvMapping::default()).unwrap();
        assert_eq!(out.renamed_ids, 1);
        assert_eq!(out.output.ids, vec!["1".to_string(), "1#3".to_string()]);
    }
}
