//! A deterministic synthetic scenario of the June 2010 violence in southern
//! Kyrgyzstan, with its ground truth kept beside it.
//!
//! `generate` is pure: the same `ScenarioConfig` always yields the same `Scenario`
//! (ChaCha8 seeded from `seed`). At the default scale the totals reproduce the
//! public figures in DOMAIN.md (≈470 dead, 74 % Uzbek / 25 % Kyrgyz; ≈1,900 injured;
//! ≈400,000 displaced; 1,640 structures damaged in Osh by neighbourhood; ≈20
//! sexual-violence cases), set by construction and shared out among events.
//!
//! Twelve sources of different reliability report the same true events with the
//! noise real reports have (times, spellings in five scripts, counts bent by bias,
//! reframed event types, late reports, corrections, retractions, rumours). Five
//! victim lists record the dead with heterogeneous capture and list-specific name
//! writing. Planted witnesses feed the identity-leak canary test.
//!
//! Everything is synthetic: every report and source carries `synthetic: true`,
//! every organisation name says "(synthetic)", CSV files carry a `synthetic`
//! column, and `Scenario::write_to_dir` adds a notice file with
//! `aman_core::SYNTHETIC_LABEL`.
//!
//! Conventions: a report's `input.source_id` is `source_index + 1` and a
//! correction's `refers_to` is the 1-based position of the referenced report in
//! `reports` — both the ids they get when loaded in order into an empty store. The
//! referenced report always comes earlier. Cluster and label functions use 0-based
//! indices.

mod events;
mod names;
mod narrative;
mod places;
mod reports;
mod sources;
mod stream;
mod truth;
mod victims;
mod witnesses;
mod write;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use events::{
    scaled, Category, TrueEvent, DEATHS, DEFAULT_SCALE, DISPLACED, INJURED, KYRGYZ_SHARE,
    SEXUAL_VIOLENCE_CASES, UZBEK_SHARE,
};
pub use names::{
    cyr_to_en, cyr_to_uz, ky_to_ru, uz_latin_to_cyr, Ethnicity, NameParts, NameStyle, Sex,
};
pub use places::{place_by_key, places, Area, Landmark, Lang, Place};
pub use reports::{
    point_error_km, ScenarioReport, HOUR_REPORT_ERROR_MINUTES, RECEIVED_WITHIN_DAYS,
};
pub use sources::{source_roles, sources, SourceRole};
pub use stream::{stream_reports, ReportStream};
pub use truth::GroundTruth;
pub use victims::{TruePerson, VictimList, VictimRecord, LIST_COUNT};
pub use witnesses::{PlantedWitness, MAX_WITNESSES};
pub use write::{
    write_events_csv, write_persons_csv, write_report_truth_csv, write_reports_jsonl,
    write_sources_jsonl, write_victim_truth_csv, write_victims_csv, write_witnesses_csv,
    ScenarioError, SCENARIO_FILES,
};

use aman_core::{ReportKind, SourceInput};
use reports::Draft;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioConfig {
    pub seed: u64,
    /// Number of acts drawn; acts of one attack become one true event, so there are
    /// fewer events than this. The public figures are reproduced at `DEFAULT_SCALE`;
    /// other scales scale them proportionally.
    pub scale: usize,
    /// First day of violence (10 June 2010 in the real case).
    pub start: NaiveDate,
    /// Number of planted witnesses (at most `MAX_WITNESSES`).
    pub witnesses: usize,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig {
            seed: 20_100_610,
            scale: DEFAULT_SCALE,
            start: NaiveDate::from_ymd_opt(2010, 6, 10).expect("10 June 2010 is a date"),
            witnesses: 12,
        }
    }
}

/// One generated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub sources: Vec<SourceInput>,
    /// In the order received; see the crate docs for `source_id` and `refers_to`.
    pub reports: Vec<ScenarioReport>,
    pub truth: GroundTruth,
    pub victim_lists: Vec<VictimList>,
    pub witnesses: Vec<PlantedWitness>,
}

/// Share of original reports that are rumours (no true event).
const RUMOUR_SHARE: f64 = 0.07;
/// Chance that a media, NGO, authority or hotline report giving a death toll is
/// later corrected by its source.
const CORRECTION_RATE: f64 = 0.06;
/// Chance that a rumour is later retracted by its source.
const RETRACTION_RATE: f64 = 0.3;

/// Generates the scenario for `config`; deterministic in `config`.
pub fn generate(config: &ScenarioConfig) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let start = config.start;
    let mut events = events::plan(&mut rng, config.scale, start);
    let mut persons = victims::generate_dead(&mut rng, &mut events);
    let victim_lists = victims::make_lists(&mut rng, &mut persons);

    let mut drafts: Vec<Draft> = Vec::new();
    for e in &events {
        reports::reports_for_event(&mut rng, e, start, &mut drafts);
    }
    let rumours = (drafts.len() as f64 * RUMOUR_SHARE).round() as usize;
    for _ in 0..rumours {
        drafts.push(reports::rumour(&mut rng, start));
    }
    let originals = drafts.len();
    for i in 0..originals {
        let d = &drafts[i];
        let follow_up = match d.report.true_event {
            None if rng.gen_bool(RETRACTION_RATE) => {
                Some(reports::retraction(&mut rng, d, i, start))
            }
            Some(id) if correctable(d) && rng.gen_bool(CORRECTION_RATE) => {
                let e = &events[id as usize - 1];
                Some(reports::correction(&mut rng, d, i, e, start))
            }
            _ => None,
        };
        drafts.extend(follow_up);
    }
    let reports = order_by_receipt(drafts);
    let witnesses = witnesses::plant(&mut rng, config.witnesses, &reports);
    Scenario {
        sources: sources(),
        reports,
        truth: GroundTruth { events, persons },
        victim_lists,
        witnesses,
    }
}

/// Sources whose first death toll is often revised.
fn correctable(d: &Draft) -> bool {
    use SourceRole as S;
    d.report.input.counts.killed.is_some()
        && matches!(
            source_roles()[d.report.source_index],
            S::RussianMedia
                | S::KyrgyzMedia
                | S::HostAuthority
                | S::UzbekNgo
                | S::KyrgyzNgo
                | S::Hotline
                | S::Monitors
        )
}

/// Sorts drafts by time received (ties by creation order, so a correction follows
/// its original), then resolves `refers_to` to 1-based positions and numbers each
/// source's messages.
fn order_by_receipt(drafts: Vec<Draft>) -> Vec<ScenarioReport> {
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by_key(|&i| (drafts[i].report.input.received_at, i));
    let mut position = vec![0usize; drafts.len()];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let mut seq = vec![0u32; sources().len()];
    let refs: Vec<Option<usize>> = drafts.iter().map(|d| d.refers_to).collect();
    let mut slots: Vec<Option<ScenarioReport>> =
        drafts.into_iter().map(|d| Some(d.report)).collect();
    order
        .iter()
        .map(|&i| {
            let mut r = slots[i].take().expect("each draft is placed once");
            if let Some(target) = refs[i] {
                debug_assert!(position[target] < position[i]);
                r.input.refers_to = Some(position[target] as i64 + 1);
            }
            debug_assert_eq!(
                r.input.refers_to.is_some(),
                r.input.kind != ReportKind::Original
            );
            seq[r.source_index] += 1;
            r.input.external_ref = Some(reports::external_ref(r.source_index, seq[r.source_index]));
            r
        })
        .collect()
}
