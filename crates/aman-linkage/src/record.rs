//! Typed records: the schema of a linkage problem, the values a record carries and
//! their prepared (normalised once, compared many times) forms.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::LinkError;
use crate::names;

/// Longest name or short string kept for comparison; longer values are cut (and counted).
pub const MAX_NAME_CHARS: usize = 128;
/// Longest narrative text kept for comparison.
pub const MAX_TEXT_CHARS: usize = 8192;

/// What a field holds, which decides how it is normalised, compared and blocked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A given (first) name.
    GivenName,
    /// A family name (surname); Slavic and Turkic endings are folded.
    FamilyName,
    /// A patronymic or middle name.
    Patronymic,
    /// A whole name in any word order ("Усмонов Шерзод", "Sherzod Usmanov").
    FullName,
    /// A calendar date (of birth, of death); typos and day/month swaps tolerated.
    Date,
    /// A year or an age in years, compared with a tolerance of a few years.
    Year,
    /// A point (latitude, longitude) compared by distance.
    Geo,
    /// A number compared by relative difference.
    Number,
    /// A numeric range (killed 3–5) compared by overlap.
    NumberRange,
    /// A time interval (Unix seconds) compared by overlap and gap.
    TimeRange,
    /// A category: equal or not (sex, state, admin area).
    Category,
    /// An identifier or code (ID number, postcode, house number): exact or a typo or two.
    Identifier,
    /// A short free string (street, suburb, city, email) compared by Jaro–Winkler.
    String,
    /// A set of labels (event types, actors) compared by overlap.
    Set,
    /// A place and the areas that contain it, most specific first (neighbourhood,
    /// town, district, region), compared by containment.
    Hierarchy,
    /// Narrative text in any language and script.
    Text,
}

impl FieldKind {
    /// Every kind, for listing in help text.
    pub const ALL: [FieldKind; 16] = [
        FieldKind::GivenName,
        FieldKind::FamilyName,
        FieldKind::Patronymic,
        FieldKind::FullName,
        FieldKind::Date,
        FieldKind::Year,
        FieldKind::Geo,
        FieldKind::Number,
        FieldKind::NumberRange,
        FieldKind::TimeRange,
        FieldKind::Category,
        FieldKind::Identifier,
        FieldKind::String,
        FieldKind::Set,
        FieldKind::Hierarchy,
        FieldKind::Text,
    ];

    /// The snake_case name used in mappings (`given_name`, `date`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::GivenName => "given_name",
            FieldKind::FamilyName => "family_name",
            FieldKind::Patronymic => "patronymic",
            FieldKind::FullName => "full_name",
            FieldKind::Date => "date",
            FieldKind::Year => "year",
            FieldKind::Geo => "geo",
            FieldKind::Number => "number",
            FieldKind::NumberRange => "number_range",
            FieldKind::TimeRange => "time_range",
            FieldKind::Category => "category",
            FieldKind::Identifier => "identifier",
            FieldKind::String => "string",
            FieldKind::Set => "set",
            FieldKind::Hierarchy => "hierarchy",
            FieldKind::Text => "text",
        }
    }

    /// Parses a kind name; accepts a few common synonyms (`surname`, `first_name`, `dob`, `age`).
    pub fn parse(s: &str) -> Option<FieldKind> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let kind = match s.as_str() {
            "given_name" | "first_name" | "forename" | "given" => FieldKind::GivenName,
            "family_name" | "surname" | "last_name" | "family" => FieldKind::FamilyName,
            "patronymic" | "middle_name" => FieldKind::Patronymic,
            "full_name" | "name" => FieldKind::FullName,
            "date" | "dob" | "date_of_birth" => FieldKind::Date,
            "year" | "age" | "birth_year" => FieldKind::Year,
            "geo" | "point" | "latlon" => FieldKind::Geo,
            "number" | "numeric" => FieldKind::Number,
            "number_range" | "range" => FieldKind::NumberRange,
            "time_range" | "time" => FieldKind::TimeRange,
            "category" | "categorical" => FieldKind::Category,
            "identifier" | "id" | "code" => FieldKind::Identifier,
            "string" | "str" => FieldKind::String,
            "set" | "labels" => FieldKind::Set,
            "hierarchy" | "place_path" => FieldKind::Hierarchy,
            "text" | "narrative" => FieldKind::Text,
            _ => return None,
        };
        Some(kind)
    }

    pub(crate) fn is_name(self) -> bool {
        matches!(
            self,
            FieldKind::GivenName
                | FieldKind::FamilyName
                | FieldKind::Patronymic
                | FieldKind::FullName
        )
    }
}

/// One field of the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Name shown in explanations (usually the column name).
    pub name: String,
    /// How the field is compared.
    pub kind: FieldKind,
    /// Distance thresholds in km for `Geo`, tolerance in days for `Date`, in years for
    /// `Year`, in hours for `TimeRange`; `None` uses the kind's defaults.
    pub tolerances: Option<Vec<f64>>,
}

impl FieldSpec {
    /// A field with the kind's default tolerances.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        FieldSpec {
            name: name.into(),
            kind,
            tolerances: None,
        }
    }

    /// The same field with explicit tolerances.
    pub fn with_tolerances(mut self, t: Vec<f64>) -> Self {
        self.tolerances = Some(t);
        self
    }
}

/// The ordered fields every record of a dataset carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Fields in the order record values are given.
    pub fields: Vec<FieldSpec>,
}

impl Schema {
    /// A schema from its fields.
    pub fn new(fields: Vec<FieldSpec>) -> Self {
        Schema { fields }
    }

    /// Index of a field by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// A raw input value, before preparation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// Not known. Missing values neither support nor count against a match.
    Missing,
    /// Text: names, strings, identifiers, categories, narratives, or a date / number to parse.
    Text(String),
    /// A calendar date.
    Date(NaiveDate),
    /// A number (or a year / age).
    Number(f64),
    /// An inclusive numeric range.
    Range(f64, f64),
    /// Latitude and longitude in degrees.
    Point(f64, f64),
    /// A time interval in Unix seconds.
    Time(i64, i64),
    /// A set of labels.
    Set(Vec<String>),
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Missing => "missing",
            Value::Text(_) => "text",
            Value::Date(_) => "a date",
            Value::Number(_) => "a number",
            Value::Range(..) => "a range",
            Value::Point(..) => "a point",
            Value::Time(..) => "a time interval",
            Value::Set(_) => "a set",
        }
    }
}

/// Normalised name forms, computed once per record.
#[derive(Clone, Debug)]
pub(crate) struct NameForm {
    pub folded: Box<str>,
    pub loose: Box<str>,
    pub phonetic: Box<str>,
}

/// Words and character trigrams of a narrative, hashed, sorted and de-duplicated.
#[derive(Clone, Debug)]
pub(crate) struct TextForm {
    pub words: Box<[u64]>,
    pub grams: Box<[u64]>,
}

/// A value ready for comparison.
#[derive(Clone, Debug)]
pub(crate) enum Prepared {
    Missing,
    Str(Box<str>),
    Name(Box<NameForm>),
    /// Days since 1970-01-01 (`i32::MIN` when the digits are not a real date) and
    /// the eight digits YYYYMMDD, kept so that typos can be compared.
    Date {
        days: i32,
        digits: [u8; 8],
    },
    Num(f64),
    Range(f64, f64),
    Point(f64, f64),
    Time(i64, i64),
    Set(Box<[u32]>),
    /// Interned labels of a [`FieldKind::Hierarchy`], most specific first.
    Path(Box<[u32]>),
    Text(Box<TextForm>),
}

/// Records prepared for linkage, with their ids and the source (file, list) of each.
#[derive(Debug)]
pub struct Dataset {
    pub(crate) schema: Schema,
    pub(crate) ids: Vec<String>,
    pub(crate) sources: Vec<u16>,
    pub(crate) values: Vec<Prepared>,
    interner: HashMap<String, u32>,
    /// Values cut to the maximum length.
    pub(crate) truncated: usize,
    /// Texts that should have been dates or numbers but could not be read (kept as missing).
    pub(crate) unparsed: usize,
}

impl Dataset {
    /// An empty dataset.
    pub fn new(schema: Schema) -> Result<Self, LinkError> {
        if schema.fields.is_empty() {
            return Err(LinkError::NoFields);
        }
        Ok(Dataset {
            schema,
            ids: Vec::new(),
            sources: Vec::new(),
            values: Vec::new(),
            interner: HashMap::new(),
            truncated: 0,
            unparsed: 0,
        })
    }

    /// Adds a record; `source` tells which file or list it came from.
    pub fn push(
        &mut self,
        id: impl Into<String>,
        source: u16,
        values: Vec<Value>,
    ) -> Result<(), LinkError> {
        let id = id.into();
        if values.len() != self.schema.fields.len() {
            return Err(LinkError::WrongArity {
                id,
                expected: self.schema.fields.len(),
                got: values.len(),
            });
        }
        let mut prepared = Vec::with_capacity(values.len());
        for (i, v) in values.into_iter().enumerate() {
            let spec = &self.schema.fields[i];
            let (kind, name) = (spec.kind, spec.name.clone());
            let p = self
                .prepare(kind, v)
                .map_err(|value| LinkError::WrongValue {
                    id: id.clone(),
                    field: name,
                    kind: kind.as_str(),
                    value,
                })?;
            prepared.push(p);
        }
        self.values.extend(prepared);
        self.ids.push(id);
        self.sources.push(source);
        Ok(())
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Record ids in order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The source of each record.
    pub fn sources(&self) -> &[u16] {
        &self.sources
    }

    /// Values cut to the maximum length, and texts that could not be read as dates or numbers.
    pub fn preparation_counts(&self) -> (usize, usize) {
        (self.truncated, self.unparsed)
    }

    pub(crate) fn row(&self, i: usize) -> &[Prepared] {
        let f = self.schema.fields.len();
        &self.values[i * f..(i + 1) * f]
    }

    pub(crate) fn field(&self, i: usize, f: usize) -> &Prepared {
        &self.values[i * self.schema.fields.len() + f]
    }

    fn prepare(&mut self, kind: FieldKind, v: Value) -> Result<Prepared, &'static str> {
        let p = match (kind, v) {
            (_, Value::Missing) => Prepared::Missing,
            (k, Value::Text(s)) if k.is_name() => {
                let (s, cut_raw) = cut(&s, MAX_NAME_CHARS * 4);
                let (folded, cut_folded) = cut(&names::fold(&s), MAX_NAME_CHARS);
                self.truncated += usize::from(cut_raw || cut_folded);
                if folded.is_empty() {
                    Prepared::Missing
                } else {
                    let loose = names::loose(&folded, kind);
                    let phonetic = names::phonetic(&loose);
                    Prepared::Name(Box::new(NameForm {
                        folded: folded.into(),
                        loose: loose.into(),
                        phonetic: phonetic.into(),
                    }))
                }
            }
            (FieldKind::Category | FieldKind::Identifier | FieldKind::String, Value::Text(s)) => {
                let (s, cut_raw) = cut(&s, MAX_NAME_CHARS * 4);
                let folded = if kind == FieldKind::Identifier {
                    s.chars()
                        .filter(|c| c.is_alphanumeric())
                        .flat_map(char::to_lowercase)
                        .collect()
                } else {
                    names::fold(&s)
                };
                let (folded, cut_folded) = cut(&folded, MAX_NAME_CHARS);
                self.truncated += usize::from(cut_raw || cut_folded);
                if folded.is_empty() {
                    Prepared::Missing
                } else {
                    Prepared::Str(folded.into())
                }
            }
            (FieldKind::Category | FieldKind::Identifier | FieldKind::String, Value::Number(x)) => {
                if x.is_finite() {
                    Prepared::Str(format!("{x}").into())
                } else {
                    Prepared::Missing
                }
            }
            (FieldKind::Date, Value::Date(d)) => date_prepared(d),
            (FieldKind::Date, Value::Text(s)) => match parse_date_digits(&s) {
                Some(p) => p,
                None => {
                    if !s.trim().is_empty() {
                        self.unparsed += 1;
                    }
                    Prepared::Missing
                }
            },
            (FieldKind::Year, Value::Date(d)) => Prepared::Num(f64::from(d.year())),
            (FieldKind::Year | FieldKind::Number, Value::Number(x)) if x.is_finite() => {
                Prepared::Num(x)
            }
            (FieldKind::Year | FieldKind::Number, Value::Number(_)) => Prepared::Missing,
            (FieldKind::Year | FieldKind::Number | FieldKind::NumberRange, Value::Text(s)) => {
                match parse_number_or_range(&s) {
                    Some((lo, hi)) if kind == FieldKind::NumberRange => Prepared::Range(lo, hi),
                    Some((lo, hi)) => Prepared::Num((lo + hi) / 2.0),
                    None => {
                        if !s.trim().is_empty() {
                            self.unparsed += 1;
                        }
                        Prepared::Missing
                    }
                }
            }
            (FieldKind::NumberRange, Value::Number(x)) if x.is_finite() => Prepared::Range(x, x),
            (FieldKind::NumberRange, Value::Range(a, b)) if a.is_finite() && b.is_finite() => {
                Prepared::Range(a.min(b), a.max(b))
            }
            (FieldKind::NumberRange, Value::Number(_) | Value::Range(..)) => Prepared::Missing,
            (FieldKind::Geo, Value::Point(lat, lon)) => {
                if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
                    Prepared::Point(lat, lon)
                } else {
                    self.unparsed += 1;
                    Prepared::Missing
                }
            }
            (FieldKind::TimeRange, Value::Time(a, b)) => Prepared::Time(a.min(b), a.max(b)),
            (FieldKind::Set | FieldKind::Hierarchy, Value::Set(items)) => {
                let mut ids: Vec<u32> = items
                    .iter()
                    .map(|s| names::fold(s))
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        let next = self.interner.len() as u32;
                        *self.interner.entry(s).or_insert(next)
                    })
                    .collect();
                if kind == FieldKind::Set {
                    ids.sort_unstable();
                    ids.dedup();
                } else {
                    // Order matters (most specific first): drop later repeats only.
                    let mut seen = std::collections::HashSet::new();
                    ids.retain(|x| seen.insert(*x));
                }
                match (ids.is_empty(), kind) {
                    (true, _) => Prepared::Missing,
                    (false, FieldKind::Set) => Prepared::Set(ids.into()),
                    (false, _) => Prepared::Path(ids.into()),
                }
            }
            (FieldKind::Text, Value::Text(s)) => {
                let (s, was_cut) = cut(&s, MAX_TEXT_CHARS);
                self.truncated += usize::from(was_cut);
                let t = text_form(&s);
                if t.words.is_empty() {
                    Prepared::Missing
                } else {
                    Prepared::Text(Box::new(t))
                }
            }
            (_, v) => return Err(v.type_name()),
        };
        Ok(p)
    }
}

/// The first `max` characters of `s`, and whether anything was cut.
fn cut(s: &str, max: usize) -> (String, bool) {
    match s.char_indices().nth(max) {
        Some((at, _)) => (s[..at].to_string(), true),
        None => (s.to_string(), false),
    }
}

fn date_prepared(d: NaiveDate) -> Prepared {
    let s = format!(
        "{:04}{:02}{:02}",
        d.year().clamp(0, 9999),
        d.month(),
        d.day()
    );
    let mut digits = [b'0'; 8];
    digits.copy_from_slice(&s.as_bytes()[..8]);
    Prepared::Date {
        days: days_since_epoch(d),
        digits,
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a valid date");
    (d - epoch)
        .num_days()
        .clamp(i64::from(i32::MIN + 1), i64::from(i32::MAX)) as i32
}

/// Reads YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY or DD/MM/YYYY. Digits that are
/// not a real date (month 13, from a typo) keep their digits so typos still compare.
fn parse_date_digits(s: &str) -> Option<Prepared> {
    let s = s.trim();
    let parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let (y, m, d) = match parts.as_slice() {
        [one] if one.len() == 8 => (&one[0..4], &one[4..6], &one[6..8]),
        [y, m, d] if y.len() == 4 => (*y, *m, *d),
        [d, m, y] if y.len() == 4 => (*y, *m, *d),
        _ => return None,
    };
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if y > 9999 || m > 99 || d > 99 {
        return None;
    }
    let text = format!("{y:04}{m:02}{d:02}");
    let mut digits = [b'0'; 8];
    digits.copy_from_slice(text.as_bytes());
    let days = NaiveDate::from_ymd_opt(y as i32, m, d).map_or(i32::MIN, days_since_epoch);
    Some(Prepared::Date { days, digits })
}

fn parse_number_or_range(s: &str) -> Option<(f64, f64)> {
    let s = s.trim();
    if let Ok(x) = s.parse::<f64>() {
        return x.is_finite().then_some((x, x));
    }
    let (a, b) = s.split_once(['-', '–', '—'])?;
    let (a, b): (f64, f64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a.is_finite() && b.is_finite()).then_some((a.min(b), a.max(b)))
}

pub(crate) fn hash_str(s: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, which std's hasher does not promise.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn text_form(s: &str) -> TextForm {
    let folded = names::fold(s);
    let mut words: Vec<u64> = folded
        .split(' ')
        .filter(|w| w.chars().count() >= 3 || w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| hash_str(&names::loose(w, FieldKind::Text)))
        .collect();
    words.sort_unstable();
    words.dedup();
    let chars: Vec<char> = folded.chars().collect();
    let mut grams: Vec<u64> = chars
        .windows(3)
        .filter(|w| !w.contains(&' '))
        .map(|w| hash_str(&w.iter().collect::<String>()))
        .collect();
    grams.sort_unstable();
    grams.dedup();
    TextForm {
        words: words.into(),
        grams: grams.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_several_layouts() {
        for s in ["19560409", "1956-04-09", "09.04.1956", "09/04/1956"] {
            match parse_date_digits(s) {
                Some(Prepared::Date { digits, days }) => {
                    assert_eq!(&digits, b"19560409", "{s}");
                    assert!(days > i32::MIN);
                }
                other => panic!("{s}: {other:?}"),
            }
        }
        match parse_date_digits("19081309") {
            Some(Prepared::Date { days, .. }) => assert_eq!(days, i32::MIN),
            other => panic!("{other:?}"),
        }
        assert!(parse_date_digits("soon").is_none());
    }

    #[test]
    fn long_values_are_cut_and_counted() {
        let schema = Schema::new(vec![FieldSpec::new("name", FieldKind::FullName)]);
        let mut ds = Dataset::new(schema).unwrap();
        ds.push("a", 0, vec![Value::Text("x".repeat(1_000_000))])
            .unwrap();
        assert_eq!(ds.preparation_counts().0, 1);
        match ds.field(0, 0) {
            Prepared::Name(n) => assert_eq!(n.folded.chars().count(), MAX_NAME_CHARS),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_values_are_errors() {
        let schema = Schema::new(vec![FieldSpec::new("where", FieldKind::Geo)]);
        let mut ds = Dataset::new(schema).unwrap();
        let err = ds
            .push("a", 0, vec![Value::Text("Osh".into())])
            .unwrap_err();
        assert!(err.to_string().contains("geo"), "{err}");
        let err = ds.push("b", 0, vec![]).unwrap_err();
        assert!(matches!(err, LinkError::WrongArity { .. }));
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_number_or_range("3-5"), Some((3.0, 5.0)));
        assert_eq!(parse_number_or_range(" 7 "), Some((7.0, 7.0)));
        assert_eq!(parse_number_or_range("many"), None);
    }
}
