//! Writing the scenario to files: JSON Lines for sources and reports (the import
//! format), CSV for victim lists and for the ground truth.
//!
//! JSON Lines has no comments, so the label is the `synthetic: true` of every
//! record; CSV files carry a `synthetic` column (a comment line would break
//! ordinary CSV readers); `Scenario::write_to_dir` adds a notice file holding
//! `SYNTHETIC_LABEL`.

use std::borrow::Borrow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use aman_core::{ReportInput, SourceInput, SYNTHETIC_LABEL};

use crate::events::TrueEvent;
use crate::places::places;
use crate::reports::ScenarioReport;
use crate::victims::{TruePerson, VictimList};
use crate::witnesses::PlantedWitness;
use crate::Scenario;

/// Why writing scenario files failed.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot write {path}: {source} (check the folder exists and is writable)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing a file failed: {0} (check free disk space)")]
    Stream(#[from] std::io::Error),
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("serialising a record as JSON failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes one JSON object per line; returns the number of lines.
fn jsonl<W: Write, T: serde::Serialize>(
    w: W,
    items: impl IntoIterator<Item = impl Borrow<T>>,
) -> Result<u64, ScenarioError> {
    let mut w = BufWriter::new(w);
    let mut n = 0;
    for item in items {
        serde_json::to_writer(&mut w, item.borrow())?;
        w.write_all(b"\n")?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// Sources as JSON Lines of `SourceInput`.
pub fn write_sources_jsonl<W: Write>(w: W, sources: &[SourceInput]) -> Result<u64, ScenarioError> {
    jsonl::<_, SourceInput>(w, sources)
}

/// Reports as JSON Lines of `ReportInput` (what `aman import reports` reads).
/// Takes borrowed or owned reports, so a `ReportStream` writes without buffering.
pub fn write_reports_jsonl<W: Write, R: Borrow<ReportInput>>(
    w: W,
    reports: impl IntoIterator<Item = R>,
) -> Result<u64, ScenarioError> {
    jsonl::<_, ReportInput>(w, reports)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Victim records, all lists in one file: list, record_id, name, sex, age,
/// ethnicity, date_of_death, place, true_person, synthetic.
pub fn write_victims_csv<W: Write>(w: W, lists: &[VictimList]) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "list",
        "record_id",
        "name",
        "sex",
        "age",
        "ethnicity",
        "date_of_death",
        "place",
        "true_person",
        "synthetic",
    ])?;
    let mut n = 0;
    for r in lists.iter().flat_map(|l| &l.records) {
        out.write_record([
            r.list.to_string(),
            r.record_id.clone(),
            r.name.clone(),
            opt(r.sex.map(|s| s.code())),
            opt(r.age),
            opt(r.ethnicity.map(|e| e.code())),
            opt(r.date_of_death),
            r.place_text.clone(),
            r.true_person.to_string(),
            "true".into(),
        ])?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// Report truth: report_position (1-based, the id once loaded in order), source_id,
/// kind, refers_to, true_event (empty for rumours), synthetic.
pub fn write_report_truth_csv<W: Write>(
    w: W,
    reports: &[ScenarioReport],
) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "report_position",
        "source_id",
        "kind",
        "refers_to",
        "true_event",
        "synthetic",
    ])?;
    for (i, r) in reports.iter().enumerate() {
        out.write_record([
            (i + 1).to_string(),
            r.input.source_id.to_string(),
            r.input.kind.code().into(),
            opt(r.input.refers_to),
            opt(r.true_event),
            "true".into(),
        ])?;
    }
    out.flush()?;
    Ok(reports.len() as u64)
}

/// Victim truth: list, record_id, true_person, synthetic.
pub fn write_victim_truth_csv<W: Write>(w: W, lists: &[VictimList]) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["list", "record_id", "true_person", "synthetic"])?;
    let mut n = 0;
    for r in lists.iter().flat_map(|l| &l.records) {
        out.write_record([
            r.list.to_string(),
            r.record_id.clone(),
            r.true_person.to_string(),
            "true".into(),
        ])?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// The true dead with list membership: person, name, sex, age, ethnicity,
/// date_of_death, place, event, on_list_0 … on_list_{J-1}, synthetic.
pub fn write_persons_csv<W: Write>(w: W, persons: &[TruePerson]) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    let lists = persons.first().map_or(0, |p| p.lists.len());
    let mut header: Vec<String> = [
        "person",
        "name",
        "sex",
        "age",
        "ethnicity",
        "date_of_death",
        "place",
        "event",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend((0..lists).map(|j| format!("on_list_{j}")));
    header.push("synthetic".into());
    out.write_record(&header)?;
    for p in persons {
        let mut row = vec![
            p.id.to_string(),
            p.name.clone(),
            p.sex.code().into(),
            p.age.to_string(),
            p.ethnicity.code().into(),
            p.date_of_death.to_string(),
            places()[p.place].key.into(),
            p.event.to_string(),
        ];
        row.extend(p.lists.iter().map(|&on| u8::from(on).to_string()));
        row.push("true".into());
        out.write_record(&row)?;
    }
    out.flush()?;
    Ok(persons.len() as u64)
}

/// The true events: id, time (UTC, RFC 3339), place, latitude, longitude, landmark, types
/// (`;`-separated codes), killed, injured, displaced, detained, structures_damaged,
/// sexual_violence_victims, victim_group, perpetrators, synthetic.
pub fn write_events_csv<W: Write>(w: W, events: &[TrueEvent]) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "id",
        "time",
        "place",
        "latitude",
        "longitude",
        "landmark",
        "types",
        "killed",
        "injured",
        "displaced",
        "detained",
        "structures_damaged",
        "sexual_violence_victims",
        "victim_group",
        "perpetrators",
        "synthetic",
    ])?;
    for e in events {
        let types: Vec<&str> = e.types.iter().map(|t| t.code()).collect();
        let actors: Vec<String> = e
            .perpetrators
            .iter()
            .map(|a| {
                serde_json::to_value(a)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect();
        out.write_record([
            e.id.to_string(),
            e.time.to_rfc3339(),
            places()[e.place].key.into(),
            format!("{:.5}", e.latitude),
            format!("{:.5}", e.longitude),
            e.landmark.render(crate::places::Lang::En),
            types.join(";"),
            e.killed.to_string(),
            e.injured.to_string(),
            e.displaced.to_string(),
            e.detained.to_string(),
            e.structures_damaged.to_string(),
            e.sexual_violence_victims.to_string(),
            e.victim_group.code().into(),
            actors.join(";"),
            "true".into(),
        ])?;
    }
    out.flush()?;
    Ok(events.len() as u64)
}

/// Planted witnesses (canary material): pseudonym, name, name_cyrillic, phone,
/// address, document_number, event, report_position, synthetic.
pub fn write_witnesses_csv<W: Write>(
    w: W,
    witnesses: &[PlantedWitness],
) -> Result<u64, ScenarioError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "pseudonym",
        "name",
        "name_cyrillic",
        "phone",
        "address",
        "document_number",
        "event",
        "report_position",
        "synthetic",
    ])?;
    for wt in witnesses {
        out.write_record([
            wt.person_id().as_str().to_owned(),
            wt.name.clone(),
            wt.name_cyrillic.clone(),
            wt.phone.clone(),
            wt.address.clone(),
            wt.document_number.clone(),
            wt.event.to_string(),
            (wt.report + 1).to_string(),
            "true".into(),
        ])?;
    }
    out.flush()?;
    Ok(witnesses.len() as u64)
}

/// The files `write_to_dir` produces, with what each holds.
pub const SCENARIO_FILES: [(&str, &str); 9] = [
    ("sources.jsonl", "sources (SourceInput), in source_id order"),
    (
        "reports.jsonl",
        "reports (ReportInput), in report_position order",
    ),
    ("victims.csv", "victim list records, all lists"),
    ("truth_reports.csv", "report_position → true event"),
    ("truth_victims.csv", "victim record → true person"),
    ("truth_persons.csv", "the true dead with list membership"),
    ("truth_events.csv", "the true events"),
    (
        "witnesses.csv",
        "planted witnesses for the leak canary test",
    ),
    ("SYNTHETIC.txt", "this notice"),
];

fn create(dir: &Path, name: &str) -> Result<(PathBuf, File), ScenarioError> {
    let path = dir.join(name);
    let file = File::create(&path).map_err(|source| ScenarioError::Io {
        path: path.clone(),
        source,
    })?;
    Ok((path, file))
}

impl Scenario {
    /// Writes every file in `SCENARIO_FILES` into `dir` (which must exist); returns their paths.
    pub fn write_to_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
        let mut written = Vec::with_capacity(SCENARIO_FILES.len());
        for (name, _) in SCENARIO_FILES {
            let (path, f) = create(dir, name)?;
            match name {
                "sources.jsonl" => {
                    write_sources_jsonl(f, &self.sources)?;
                }
                "reports.jsonl" => {
                    write_reports_jsonl(f, self.reports.iter().map(|r| &r.input))?;
                }
                "victims.csv" => {
                    write_victims_csv(f, &self.victim_lists)?;
                }
                "truth_reports.csv" => {
                    write_report_truth_csv(f, &self.reports)?;
                }
                "truth_victims.csv" => {
                    write_victim_truth_csv(f, &self.victim_lists)?;
                }
                "truth_persons.csv" => {
                    write_persons_csv(f, &self.truth.persons)?;
                }
                "truth_events.csv" => {
                    write_events_csv(f, &self.truth.events)?;
                }
                "witnesses.csv" => {
                    write_witnesses_csv(f, &self.witnesses)?;
                }
                _ => self.write_notice(f)?,
            }
            written.push(path);
        }
        Ok(written)
    }

    fn write_notice(&self, f: File) -> Result<(), ScenarioError> {
        let mut w = BufWriter::new(f);
        writeln!(w, "{SYNTHETIC_LABEL}")?;
        writeln!(w)?;
        writeln!(
            w,
            "Generated by aman-scenario: a synthetic scenario calibrated on public figures for June 2010 in southern Kyrgyzstan."
        )?;
        writeln!(
            w,
            "No record describes a real person or a real report. Names, organisations and phone numbers are invented."
        )?;
        writeln!(w)?;
        for (name, what) in SCENARIO_FILES {
            writeln!(w, "{name}: {what}")?;
        }
        writeln!(w)?;
        writeln!(w, "Victim lists (victims.csv column `list`):")?;
        for l in &self.victim_lists {
            writeln!(w, "  {}: {} ({} records)", l.index, l.name, l.records.len())?;
        }
        writeln!(w)?;
        writeln!(
            w,
            "report_position and refers_to are 1-based positions in reports.jsonl (the report ids after loading in order into an empty store); source_id is the 1-based line in sources.jsonl."
        )?;
        w.flush()?;
        Ok(())
    }
}
