//! Ground truth beside the generated data, so later stages can score themselves:
//! which report describes which true event, which victim record is which person,
//! who is on which list, and the true totals.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::events::TrueEvent;
use crate::names::Ethnicity;
use crate::places::places;
use crate::victims::{TruePerson, VictimRecord};
use crate::Scenario;

/// What really happened: the true events and the true dead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    /// In time order; `events[i].id == i + 1`.
    pub events: Vec<TrueEvent>,
    /// The dead; `persons[i].id == i + 1`.
    pub persons: Vec<TruePerson>,
}

impl GroundTruth {
    pub fn event(&self, id: u64) -> Option<&TrueEvent> {
        let i = usize::try_from(id).ok()?.checked_sub(1)?;
        self.events.get(i)
    }

    pub fn person(&self, id: u64) -> Option<&TruePerson> {
        let i = usize::try_from(id).ok()?.checked_sub(1)?;
        self.persons.get(i)
    }

    /// The true number of dead (what an estimate should recover).
    pub fn total_dead(&self) -> usize {
        self.persons.len()
    }

    pub fn deaths_by_ethnicity(&self) -> BTreeMap<Ethnicity, usize> {
        let mut m = BTreeMap::new();
        for p in &self.persons {
            *m.entry(p.ethnicity).or_insert(0) += 1;
        }
        m
    }

    pub fn total_injured(&self) -> u64 {
        self.events.iter().map(|e| e.injured as u64).sum()
    }

    pub fn total_displaced(&self) -> u64 {
        self.events.iter().map(|e| e.displaced as u64).sum()
    }

    pub fn sexual_violence_cases(&self) -> u64 {
        self.events
            .iter()
            .map(|e| e.sexual_violence_victims as u64)
            .sum()
    }

    /// Structures damaged or destroyed per place key (places with none left out).
    pub fn structures_by_place(&self) -> BTreeMap<&'static str, u32> {
        let mut m = BTreeMap::new();
        for e in self.events.iter().filter(|e| e.structures_damaged > 0) {
            *m.entry(places()[e.place].key).or_insert(0) += e.structures_damaged;
        }
        m
    }

    /// The dead that no list recorded.
    pub fn undocumented(&self) -> usize {
        self.persons
            .iter()
            .filter(|p| !p.lists.iter().any(|&on| on))
            .count()
    }

    /// How many of the dead have each capture history (one flag per list), the
    /// all-absent history included: the table an estimate is checked against.
    pub fn capture_histories(&self) -> BTreeMap<Vec<bool>, usize> {
        let mut m = BTreeMap::new();
        for p in &self.persons {
            *m.entry(p.lists.clone()).or_insert(0) += 1;
        }
        m
    }
}

/// Groups item indices by label, groups ordered by their first item.
fn clusters_by<K: Ord>(labels: impl Iterator<Item = K>) -> Vec<Vec<usize>> {
    let mut by_label: BTreeMap<K, usize> = BTreeMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, label) in labels.enumerate() {
        match by_label.get(&label) {
            Some(&g) => groups[g].push(i),
            None => {
                by_label.insert(label, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

impl Scenario {
    /// True clusters of reports: 0-based indices into `reports`, grouped by true
    /// event (corrections with what they correct); each rumour is its own cluster,
    /// joined by its retraction if it has one.
    pub fn report_clusters(&self) -> Vec<Vec<usize>> {
        clusters_by(self.report_labels().into_iter())
    }

    /// One entity label per report, for pairwise scoring: the true event id, or for
    /// a rumour a unique id above every event id (a retraction shares its rumour's).
    pub fn report_labels(&self) -> Vec<u64> {
        let base = self.truth.events.len() as u64;
        let mut rumour_label: Vec<Option<u64>> = vec![None; self.reports.len()];
        self.reports
            .iter()
            .enumerate()
            .map(|(i, r)| match r.true_event {
                Some(e) => e,
                None => {
                    let own = base + 1 + i as u64;
                    let label = r
                        .input
                        .refers_to
                        .and_then(|pos| usize::try_from(pos).ok()?.checked_sub(1))
                        .and_then(|j| rumour_label.get(j).copied().flatten())
                        .unwrap_or(own);
                    rumour_label[i] = Some(label);
                    label
                }
            })
            .collect()
    }

    /// Every victim record, list by list, in the order the cluster functions use.
    pub fn victim_records(&self) -> impl Iterator<Item = &VictimRecord> {
        self.victim_lists.iter().flat_map(|l| l.records.iter())
    }

    /// True clusters of victim records: indices into `victim_records()` grouped by
    /// true person.
    pub fn person_clusters(&self) -> Vec<Vec<usize>> {
        clusters_by(self.victim_records().map(|r| r.true_person))
    }

    /// The true person of each record in `victim_records()` order.
    pub fn person_labels(&self) -> Vec<u64> {
        self.victim_records().map(|r| r.true_person).collect()
    }
}
