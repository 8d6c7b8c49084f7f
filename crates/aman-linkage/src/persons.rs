//! Victim records → persons: links the lists kept by different organisations (each
//! list a source; a list may also repeat a person) into unique persons, and keeps
//! which lists each person is on — the capture histories that multiple systems
//! estimation needs.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::blocking::{BlockingRule, KeyKind};
use crate::engine::{link_dataset, LinkMode, LinkOptions, LinkOutput};
use crate::error::LinkError;
use crate::record::{Dataset, FieldKind, FieldSpec, Schema, Value};

/// One entry on one victim list. Give the name as parts when the list splits it,
/// else as `full_name` (any order, any script).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VictimRecord {
    /// Unique id of the entry.
    pub id: String,
    /// Which list (source) it is on.
    pub list: String,
    /// Whole name when not split into parts.
    pub full_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Patronymic.
    pub patronymic: Option<String>,
    /// Sex as written (m / f / male / ж ...).
    pub sex: Option<String>,
    /// Age in years at the event.
    pub age: Option<f64>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Date of death or of the event (turns an age into a birth year).
    pub event_date: Option<NaiveDate>,
    /// Place name (mahalla, street, village).
    pub place: Option<String>,
    /// Latitude of the place.
    pub lat: Option<f64>,
    /// Longitude of the place.
    pub lon: Option<f64>,
}

/// Settings for person linkage.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonOptions {
    /// Year assumed for ages when a record has no event date.
    pub reference_year: i32,
    /// The underlying linkage options (mode and blocking are set by this module).
    pub link: LinkOptions,
}

/// Victim lists are small and full of namesakes, so EM alone can learn that
/// "matches" differ in age or sex. These m values (null level first) say what a true
/// match looks like: years of birth, or ages, at most a couple of years apart
/// (same, within 1, within 3, farther) ...
pub(crate) const YEAR_MATCH_M: [f64; 5] = [0.0, 0.45, 0.40, 0.12, 0.03];
/// ... and one sex (same, different).
pub(crate) const SEX_MATCH_M: [f64; 3] = [0.0, 0.97, 0.03];

impl Default for PersonOptions {
    fn default() -> Self {
        let mut link = LinkOptions::default();
        link.train.fixed_m = vec![
            ("birth_year".into(), YEAR_MATCH_M.to_vec()),
            ("sex".into(), SEX_MATCH_M.to_vec()),
        ];
        PersonOptions {
            reference_year: 2010,
            link,
        }
    }
}

/// One linked person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Ids of the records of this person.
    pub records: Vec<String>,
    /// Indices (into [`PersonLinkage::lists`]) of the lists the person is on, sorted.
    pub lists: Vec<usize>,
}

/// Persons found across the lists.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonLinkage {
    /// List names, in order of first appearance.
    pub lists: Vec<String>,
    /// The persons.
    pub persons: Vec<Person>,
    /// The linkage run (pairs, model, blocking, explanations by index).
    pub output: LinkOutput,
}

impl PersonLinkage {
    /// One row per person: is the person on list k?
    pub fn membership(&self) -> Vec<Vec<bool>> {
        self.persons
            .iter()
            .map(|p| {
                (0..self.lists.len())
                    .map(|k| p.lists.contains(&k))
                    .collect()
            })
            .collect()
    }

    /// Counts of persons per capture history (which lists, as a bit vector in list order).
    pub fn capture_histories(&self) -> BTreeMap<Vec<bool>, usize> {
        let mut out = BTreeMap::new();
        for row in self.membership() {
            *out.entry(row).or_insert(0) += 1;
        }
        out
    }
}

/// Dates of death (or of the event) this many days apart still count as close.
pub const DEATH_DATE_TOLERANCE_DAYS: f64 = 3.0;

/// The schema person linkage uses; `dataset_of` fills it.
pub fn person_schema() -> Schema {
    Schema::new(vec![
        FieldSpec::new("name", FieldKind::FullName),
        FieldSpec::new("family_name", FieldKind::FamilyName),
        FieldSpec::new("given_name", FieldKind::GivenName),
        FieldSpec::new("birth_year", FieldKind::Year),
        FieldSpec::new("birth_date", FieldKind::Date),
        FieldSpec::new("sex", FieldKind::Category),
        // Written in each list's script: compared as folded words and trigrams.
        FieldSpec::new("place", FieldKind::Text),
        FieldSpec::new("location", FieldKind::Geo),
        // Registers often carry the day the body came in, a day or two late.
        FieldSpec {
            tolerances: Some(vec![DEATH_DATE_TOLERANCE_DAYS]),
            ..FieldSpec::new("death_date", FieldKind::Date)
        },
    ])
}

pub(crate) fn sex_code(s: &str) -> Option<String> {
    let f = crate::names::fold(s);
    let c = match f.as_str() {
        "m" | "male" | "man" | "boy" | "muzh" | "muzhskoi" | "erkek" | "erkak" => "m",
        "f" | "female" | "woman" | "girl" | "zh" | "zhen" | "zhenskii" | "ayal" | "ayol" => "f",
        _ => return None,
    };
    Some(c.to_string())
}

fn text(v: &Option<String>) -> Value {
    match v {
        Some(s) if !s.trim().is_empty() => Value::Text(s.clone()),
        _ => Value::Missing,
    }
}

fn dataset_of(
    records: &[VictimRecord],
    reference_year: i32,
) -> Result<(Dataset, Vec<String>), LinkError> {
    let mut ds = Dataset::new(person_schema())?;
    let mut lists: Vec<String> = Vec::new();
    let mut list_index: HashMap<&str, u16> = HashMap::new();
    for r in records {
        let source = match list_index.get(r.list.as_str()) {
            Some(&s) => s,
            None => {
                if lists.len() >= usize::from(u16::MAX) {
                    return Err(LinkError::InvalidOption("more than 65535 lists".into()));
                }
                lists.push(r.list.clone());
                list_index.insert(&r.list, (lists.len() - 1) as u16);
                (lists.len() - 1) as u16
            }
        };
        let parts: Vec<&str> = [&r.family_name, &r.given_name, &r.patronymic]
            .iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.trim().is_empty())
            .collect();
        let name = match &r.full_name {
            Some(f) if !f.trim().is_empty() => Value::Text(f.clone()),
            _ if !parts.is_empty() => Value::Text(parts.join(" ")),
            _ => Value::Missing,
        };
        let birth_year = match (r.birth_date, r.age) {
            (Some(d), _) => Value::Number(f64::from(d.year())),
            (None, Some(a)) if a.is_finite() && (0.0..130.0).contains(&a) => {
                let year = r.event_date.map_or(reference_year, |d| d.year());
                Value::Number((f64::from(year) - a).round())
            }
            _ => Value::Missing,
        };
        let location = match (r.lat, r.lon) {
            (Some(a), Some(b)) => Value::Point(a, b),
            _ => Value::Missing,
        };
        ds.push(
            r.id.clone(),
            source,
            vec![
                name,
                text(&r.family_name),
                text(&r.given_name),
                birth_year,
                r.birth_date.map_or(Value::Missing, Value::Date),
                r.sex
                    .as_deref()
                    .and_then(sex_code)
                    .map_or(Value::Missing, Value::Text),
                text(&r.place),
                location,
                r.event_date.map_or(Value::Missing, Value::Date),
            ],
        )?;
    }
    Ok((ds, lists))
}

/// Blocking for victim lists: same loose name, or a shared name word (phonetically)
/// together with a close birth year, the same place or — for lists of moderate size —
/// on its own.
pub fn person_blocking(records: usize) -> Vec<BlockingRule> {
    let mut rules = vec![
        BlockingRule::on("name", KeyKind::Loose),
        BlockingRule::on("name", KeyKind::TokenPhonetic).and("birth_year", KeyKind::Window(3.0)),
        BlockingRule::on("name", KeyKind::TokenPhonetic).and("place", KeyKind::Exact),
        BlockingRule::on("birth_date", KeyKind::Exact),
    ];
    if records <= 50_000 {
        rules.push(BlockingRule::on("name", KeyKind::TokenPhonetic));
    }
    rules
}

/// Links victim records into persons. Records with no name are kept (each may
/// still link by date of birth) and counted as unlinkable only if nothing matches.
pub fn link_victims(
    records: &[VictimRecord],
    opts: &PersonOptions,
) -> Result<PersonLinkage, LinkError> {
    let (ds, lists) = dataset_of(records, opts.reference_year)?;
    let mut link = opts.link.clone();
    link.mode = LinkMode::LinkAndDedupe;
    if link.blocking.is_none() {
        link.blocking = Some(person_blocking(ds.len()));
    }
    let output = link_dataset(&ds, &link, None)?;
    let persons = output
        .clustering
        .members()
        .into_iter()
        .map(|m| {
            let mut l: Vec<usize> = m.iter().map(|&i| usize::from(ds.sources()[i])).collect();
            l.sort_unstable();
            l.dedup();
            Person {
                records: m.iter().map(|&i| ds.ids()[i].clone()).collect(),
                lists: l,
            }
        })
        .collect();
    Ok(PersonLinkage {
        lists,
        persons,
        output,
    })
}

/// The prepared dataset of victim records, for explanations of pairs from a
/// [`PersonLinkage`] (`explain_pair(&dataset, &linkage.output.model, a, b)`).
pub fn victim_dataset(
    records: &[VictimRecord],
    opts: &PersonOptions,
) -> Result<Dataset, LinkError> {
    dataset_of(records, opts.reference_year).map(|d| d.0)
}
