//! Planted witnesses for the security canary test.
//!
//! Each witness has identity details distinctive enough to be searched for byte by
//! byte (a surname built on "Kanar…", a +996 mobile number, an ID-card number, an
//! address). The system stores them only in the identity vault; the canary test
//! loads them, exercises every surface, and expects zero occurrences outside it.

use aman_core::PersonId;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use crate::names::uz_latin_to_cyr;
use crate::places::places;
use crate::reports::ScenarioReport;
use crate::sources::SourceRole;

/// A synthetic witness whose identity must never leak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlantedWitness {
    /// Feeds `PersonId::from_random` (40 bits used) for the witness's pseudonym.
    pub pseudonym_seed: u64,
    /// Latin spelling, e.g. "Zebiniso Kanarzorbekova".
    pub name: String,
    /// The same name in Cyrillic.
    pub name_cyrillic: String,
    /// Mobile number as usually written: "+996 555 123 456".
    pub phone: String,
    pub address: String,
    /// ID-card number, "AN" and seven digits.
    pub document_number: String,
    /// The true event witnessed.
    pub event: u64,
    /// 0-based index in `Scenario::reports` of the report this testimony supports.
    pub report: usize,
}

impl PlantedWitness {
    pub fn person_id(&self) -> PersonId {
        PersonId::from_random(self.pseudonym_seed)
    }

    /// The phone number without spaces: "+996555123456".
    pub fn phone_e164(&self) -> String {
        self.phone.replace(' ', "")
    }

    /// Every string a leak search must look for.
    pub fn needles(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.name_cyrillic.clone(),
            self.phone.clone(),
            self.phone_e164(),
            self.address.clone(),
            self.document_number.clone(),
        ]
    }
}

/// Rare given names, with whether the bearer is a woman (for the surname ending).
const GIVEN: &[(&str, bool)] = &[
    ("Zebiniso", true),
    ("Oyjamol", true),
    ("Qumribek", false),
    ("Tillavoy", false),
    ("Sarvinoz", true),
    ("Bahrinniso", true),
    ("Zarafshon", true),
    ("Ortiqboy", false),
    ("Mohinur", true),
    ("Dostonbek", false),
    ("Gulbadan", true),
    ("Sherali", false),
];
const SYLLABLES: &[&str] = &[
    "zor", "bel", "tosh", "gul", "mir", "vay", "dor", "sun", "qay", "lob",
];
/// More than this would exhaust the distinctive name space.
pub const MAX_WITNESSES: usize = 200;
const MOBILE_PREFIXES: &[&str] = &["555", "557", "700", "702", "772", "777"];

/// Plants `n` witnesses on reports by sources that take testimony.
pub(crate) fn plant<R: Rng>(
    rng: &mut R,
    n: usize,
    reports: &[ScenarioReport],
) -> Vec<PlantedWitness> {
    let testimony: Vec<usize> = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.true_event.is_some()
                && r.input.refers_to.is_none()
                && [
                    SourceRole::PatrolOsh.index(),
                    SourceRole::PatrolJalalAbad.index(),
                    SourceRole::Monitors.index(),
                    SourceRole::RightsNgo.index(),
                    SourceRole::UzbekNgo.index(),
                ]
                .contains(&r.source_index)
        })
        .map(|(i, _)| i)
        .collect();
    let n = n.min(MAX_WITNESSES);
    let mut out: Vec<PlantedWitness> = Vec::with_capacity(n);
    // Draws that collide with an earlier witness are redrawn; the bound only guards
    // against a loop, it is far above what MAX_WITNESSES needs.
    for _ in 0..n * 50 {
        if out.len() == n {
            break;
        }
        let Some(&report) = testimony.choose(rng) else {
            break;
        };
        let (given, female) = GIVEN[rng.gen_range(0..GIVEN.len())];
        let mut surname = String::from("Kanar");
        for _ in 0..2 {
            surname.push_str(SYLLABLES[rng.gen_range(0..SYLLABLES.len())]);
        }
        surname.push_str(if female { "bekova" } else { "bekov" });
        let name = format!("{given} {surname}");
        let phone = format!(
            "+996 {} {:03} {:03}",
            MOBILE_PREFIXES[rng.gen_range(0..MOBILE_PREFIXES.len())],
            rng.gen_range(0..1000),
            rng.gen_range(0..1000)
        );
        if out.iter().any(|w| w.name == name || w.phone == phone) {
            continue;
        }
        let place = &places()[rng.gen_range(0..places().len())];
        let witness = PlantedWitness {
            pseudonym_seed: rng.gen::<u64>() & 0xFF_FFFF_FFFF,
            name_cyrillic: uz_latin_to_cyr(&name),
            address: format!(
                "{} Kanar{} lane, {}",
                rng.gen_range(1..200),
                SYLLABLES[rng.gen_range(0..SYLLABLES.len())],
                place.english
            ),
            document_number: format!("AN{:07}", rng.gen_range(0..10_000_000)),
            event: reports[report].true_event.unwrap_or_default(),
            report,
            name,
            phone,
        };
        out.push(witness);
    }
    out
}
