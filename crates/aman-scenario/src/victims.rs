//! The true dead and the lists that document them.
//!
//! Each killing event's dead become true persons (name, sex, age, group, date and
//! place of death). Ethnic shares are fixed exactly at the public figures (74 %
//! Uzbek, 25 % Kyrgyz), assigned preferentially to events whose victims belong to
//! that group, so events stay mostly one-sided as they were.
//!
//! Five lists then capture persons independently *given* the person, with
//! probabilities that depend on the list and the person's group (an Uzbek-community
//! NGO finds Uzbek dead, a Kyrgyz-community one Kyrgyz dead) and on a hidden
//! "visibility" (families who buried quickly and spoke to nobody), so capture is
//! heterogeneous and some of the dead are on no list — what multiple systems
//! estimation has to recover. Each list writes names its own way, with typos, ages
//! off by a year or two, and missing fields.

use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use crate::events::{TrueEvent, KYRGYZ_SHARE, UZBEK_SHARE};
use crate::names::{adhoc_variant, typo, Ethnicity, NameParts, NameStyle, Sex};
use crate::places::{places, Lang};

/// A person who really died in the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruePerson {
    /// 1-based.
    pub id: u64,
    /// The name in the person's own community convention.
    pub name: String,
    pub parts: NameParts,
    pub sex: Sex,
    pub age: u8,
    pub ethnicity: Ethnicity,
    /// Local date of death.
    pub date_of_death: NaiveDate,
    /// Wounded in the event, died on a hospital ward days later.
    pub died_in_hospital: bool,
    /// Index into `places()`.
    pub place: usize,
    /// The true event in which the person was killed.
    pub event: u64,
    /// Whether each victim list (by index) recorded this person.
    pub lists: Vec<bool>,
}

/// One victim list as an organisation keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VictimList {
    pub index: usize,
    pub name: &'static str,
    pub style: NameStyle,
    pub records: Vec<VictimRecord>,
}

/// One line of a victim list, as that list wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VictimRecord {
    /// Index of the list in `Scenario::victim_lists`.
    pub list: usize,
    /// The list's own id, e.g. `MRG-0042`.
    pub record_id: String,
    pub name: String,
    pub sex: Option<Sex>,
    pub age: Option<u8>,
    pub ethnicity: Option<Ethnicity>,
    pub date_of_death: Option<NaiveDate>,
    /// Place of death as written; empty when the list did not record it.
    pub place_text: String,
    /// Ground truth: the person this record is about.
    pub true_person: u64,
    pub synthetic: bool,
}

struct ListSpec {
    name: &'static str,
    prefix: &'static str,
    style: NameStyle,
    place_lang: Lang,
    /// Capture probability for Uzbek, Kyrgyz and other dead of high visibility.
    capture: [f64; 3],
    with_father: f64,
    typo: f64,
    adhoc: f64,
    age_missing: f64,
    sex_missing: f64,
    ethnicity_missing: f64,
    date_missing: f64,
    place_missing: f64,
    /// Chance a person is entered twice (different clerks, different days).
    duplicate: f64,
    /// Whether the list records deaths on its own wards (most of them).
    ward_deaths: bool,
}

const LISTS: [ListSpec; 5] = [
    ListSpec {
        name: "Forensic morgue register (synthetic)",
        prefix: "MRG",
        style: NameStyle::RussianCyrillic,
        place_lang: Lang::Ru,
        capture: [0.55, 0.8, 0.7],
        with_father: 0.8,
        typo: 0.05,
        adhoc: 0.05,
        age_missing: 0.05,
        sex_missing: 0.0,
        ethnicity_missing: 0.1,
        date_missing: 0.02,
        place_missing: 0.1,
        duplicate: 0.0,
        ward_deaths: false,
    },
    ListSpec {
        name: "National commission list (synthetic)",
        prefix: "NC",
        style: NameStyle::RussianCyrillic,
        place_lang: Lang::Ru,
        capture: [0.85, 0.95, 0.8],
        with_father: 0.3,
        typo: 0.04,
        adhoc: 0.15,
        age_missing: 0.1,
        sex_missing: 0.0,
        ethnicity_missing: 0.0,
        date_missing: 0.05,
        place_missing: 0.05,
        duplicate: 0.005,
        ward_deaths: false,
    },
    ListSpec {
        name: "Uzbek-community NGO list (synthetic)",
        prefix: "UZN",
        style: NameStyle::UzbekLatin,
        place_lang: Lang::UzLatin,
        capture: [0.62, 0.05, 0.1],
        with_father: 0.35,
        typo: 0.08,
        adhoc: 0.1,
        age_missing: 0.2,
        sex_missing: 0.02,
        ethnicity_missing: 0.3,
        date_missing: 0.1,
        place_missing: 0.05,
        duplicate: 0.02,
        ward_deaths: false,
    },
    ListSpec {
        name: "Kyrgyz-community NGO list (synthetic)",
        prefix: "KGN",
        style: NameStyle::KyrgyzCyrillic,
        place_lang: Lang::Ky,
        capture: [0.06, 0.6, 0.1],
        with_father: 0.6,
        typo: 0.08,
        adhoc: 0.1,
        age_missing: 0.2,
        sex_missing: 0.02,
        ethnicity_missing: 0.3,
        date_missing: 0.1,
        place_missing: 0.1,
        duplicate: 0.02,
        ward_deaths: false,
    },
    ListSpec {
        name: "Hospital deaths register (synthetic)",
        prefix: "HSP",
        style: NameStyle::EnglishAdhoc,
        place_lang: Lang::Adhoc,
        capture: [0.18, 0.22, 0.2],
        with_father: 0.0,
        typo: 0.1,
        adhoc: 0.4,
        age_missing: 0.05,
        sex_missing: 0.05,
        ethnicity_missing: 0.6,
        date_missing: 0.0,
        place_missing: 0.4,
        duplicate: 0.0,
        ward_deaths: true,
    },
];

/// Number of victim lists the scenario produces.
pub const LIST_COUNT: usize = LISTS.len();
/// Share of the dead whose death went largely unnoticed by outsiders.
const LOW_VISIBILITY: f64 = 0.25;
/// How much low visibility scales every capture probability.
const LOW_VISIBILITY_FACTOR: f64 = 0.45;
/// The hospital register records most of those who died on its wards.
const HOSPITAL_DEATH_CAPTURE: f64 = 0.85;

/// Creates the dead of every killing event and records their ids on the events.
pub(crate) fn generate_dead<R: Rng>(rng: &mut R, events: &mut [TrueEvent]) -> Vec<TruePerson> {
    let slots: Vec<usize> = events
        .iter()
        .enumerate()
        .flat_map(|(i, e)| std::iter::repeat_n(i, e.killed as usize))
        .collect();
    let groups = assign_groups(rng, events, &slots);
    let mut persons = Vec::with_capacity(slots.len());
    let mut taken = std::collections::BTreeSet::new();
    for (n, (&ev, &ethnicity)) in slots.iter().zip(&groups).enumerate() {
        let event = &mut events[ev];
        let sex = if rng.gen_bool(0.88) {
            Sex::Male
        } else {
            Sex::Female
        };
        // Namesakes happen, but not down to the father's name.
        let mut parts = NameParts::random(rng, ethnicity, sex);
        for _ in 0..20 {
            if taken.insert(parts.clone()) {
                break;
            }
            parts = NameParts::random(rng, ethnicity, sex);
        }
        let local_day = (event.time + Duration::hours(6)).date_naive();
        // Some of the wounded died in hospital days later.
        let died_in_hospital = rng.gen_bool(0.08);
        let date_of_death = if died_in_hospital {
            local_day + Duration::days(rng.gen_range(1..=5))
        } else {
            local_day
        };
        let id = n as u64 + 1;
        event.victims.push(id);
        persons.push(TruePerson {
            id,
            name: parts.canonical(),
            parts,
            sex,
            age: random_age(rng),
            ethnicity,
            date_of_death,
            died_in_hospital,
            place: event.place,
            event: event.id,
            lists: vec![false; LIST_COUNT],
        });
    }
    for e in events.iter_mut().filter(|e| !e.victims.is_empty()) {
        let uzbek = e
            .victims
            .iter()
            .filter(|&&v| persons[v as usize - 1].ethnicity == Ethnicity::Uzbek)
            .count();
        e.victim_group = if 2 * uzbek >= e.victims.len() {
            Ethnicity::Uzbek
        } else {
            Ethnicity::Kyrgyz
        };
    }
    persons
}

/// Exactly 74 % Uzbek and 25 % Kyrgyz, placed preferentially on events whose
/// victims were of that group (weighted sampling without replacement by keys
/// u^(1/w), Efraimidis–Spirakis).
fn assign_groups<R: Rng>(rng: &mut R, events: &[TrueEvent], slots: &[usize]) -> Vec<Ethnicity> {
    let n = slots.len();
    let n_uzbek = (UZBEK_SHARE * n as f64).round() as usize;
    let n_kyrgyz = ((KYRGYZ_SHARE * n as f64).round() as usize).min(n - n_uzbek);
    let mut keyed: Vec<(f64, usize)> = slots
        .iter()
        .enumerate()
        .map(|(i, &ev)| {
            let w = if events[ev].victim_group == Ethnicity::Uzbek {
                0.95
            } else {
                0.08
            };
            (rng.gen_range(f64::EPSILON..1.0f64).powf(1.0 / w), i)
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut groups = vec![Ethnicity::Kyrgyz; n];
    for &(_, i) in &keyed[..n_uzbek] {
        groups[i] = Ethnicity::Uzbek;
    }
    let mut rest: Vec<usize> = keyed[n_uzbek..].iter().map(|&(_, i)| i).collect();
    rest.shuffle(rng);
    for &i in &rest[n_kyrgyz..] {
        groups[i] = Ethnicity::Other;
    }
    groups
}

fn random_age<R: Rng>(rng: &mut R) -> u8 {
    let (lo, hi) = match rng.gen_range(0..100) {
        0..=3 => (3, 14),
        4..=38 => (15, 29),
        39..=76 => (30, 49),
        77..=94 => (50, 69),
        _ => (70, 85),
    };
    rng.gen_range(lo..=hi)
}

/// Draws who each list captured (setting `TruePerson::lists`) and writes the lists.
pub(crate) fn make_lists<R: Rng>(rng: &mut R, persons: &mut [TruePerson]) -> Vec<VictimList> {
    let mut captured: Vec<Vec<usize>> = vec![Vec::new(); LIST_COUNT];
    for (pi, p) in persons.iter_mut().enumerate() {
        let visibility = if rng.gen_bool(LOW_VISIBILITY) {
            LOW_VISIBILITY_FACTOR
        } else {
            1.0
        };
        let group = match p.ethnicity {
            Ethnicity::Uzbek => 0,
            Ethnicity::Kyrgyz => 1,
            Ethnicity::Other => 2,
        };
        for (li, spec) in LISTS.iter().enumerate() {
            let prob = if p.died_in_hospital && spec.ward_deaths {
                HOSPITAL_DEATH_CAPTURE
            } else {
                spec.capture[group] * visibility
            };
            if rng.gen_bool(prob) {
                p.lists[li] = true;
                captured[li].push(pi);
            }
        }
    }
    LISTS
        .iter()
        .enumerate()
        .map(|(li, spec)| {
            let mut records = Vec::with_capacity(captured[li].len());
            for &pi in &captured[li] {
                records.push(write_record(rng, li, spec, &persons[pi]));
                if rng.gen_bool(spec.duplicate) {
                    records.push(write_record(rng, li, spec, &persons[pi]));
                }
            }
            // Lists are not kept in the order of the truth.
            records.shuffle(rng);
            for (i, r) in records.iter_mut().enumerate() {
                r.record_id = format!("{}-{:04}", spec.prefix, i + 1);
            }
            VictimList {
                index: li,
                name: spec.name,
                style: spec.style,
                records,
            }
        })
        .collect()
}

fn write_record<R: Rng>(rng: &mut R, list: usize, spec: &ListSpec, p: &TruePerson) -> VictimRecord {
    let mut name = p.parts.render(spec.style, rng.gen_bool(spec.with_father));
    if rng.gen_bool(spec.adhoc) {
        name = adhoc_variant(rng, &name);
    }
    if rng.gen_bool(spec.typo) {
        name = typo(rng, &name);
    }
    let age = (!rng.gen_bool(spec.age_missing)).then(|| {
        if rng.gen_bool(0.25) {
            let d: i16 = *[-2, -1, 1, 2].choose(rng).unwrap_or(&1);
            (p.age as i16 + d).clamp(0, 110) as u8
        } else {
            p.age
        }
    });
    let date_of_death = (!rng.gen_bool(spec.date_missing)).then(|| {
        // Registers often carry the day the body came in, not the day of death.
        if rng.gen_bool(0.2) {
            p.date_of_death + Duration::days(1)
        } else {
            p.date_of_death
        }
    });
    let place_text = if rng.gen_bool(spec.place_missing) {
        String::new()
    } else {
        let options: Vec<&str> = places()[p.place].spellings_in(spec.place_lang).collect();
        options.choose(rng).copied().unwrap_or_default().to_owned()
    };
    VictimRecord {
        list,
        record_id: String::new(),
        name,
        sex: (!rng.gen_bool(spec.sex_missing)).then_some(p.sex),
        age,
        ethnicity: (!rng.gen_bool(spec.ethnicity_missing)).then_some(p.ethnicity),
        date_of_death,
        place_text,
        true_person: p.id,
        synthetic: true,
    }
}
