//! One call per import for the CLI and API: parse a mission file and return a new
//! geocoder with it applied, leaving the current one untouched until the caller swaps.

use serde::{Deserialize, Serialize};

use crate::boundaries::parse_boundaries_geojson;
use crate::error::GeoError;
use crate::geocoder::Geocoder;
use crate::import::{parse_curated_csv, parse_geonames_alternate_names, parse_geonames_dump};

/// What kind of file is being imported (`aman places import geonames|boundaries|csv FILE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// A GeoNames country dump (`KG.txt`, 19 columns) or an alternate-names file; told
    /// apart by the column count of the first row.
    Geonames,
    /// Admin boundaries as GeoJSON (COD-AB or geoBoundaries, ADM1 or ADM2).
    Boundaries,
    /// Mission-curated places CSV (see [`crate::import::CURATED_COLUMNS`]).
    Csv,
}

impl ImportKind {
    pub fn from_code(s: &str) -> Option<ImportKind> {
        Some(match s {
            "geonames" => ImportKind::Geonames,
            "boundaries" => ImportKind::Boundaries,
            "csv" => ImportKind::Csv,
            _ => return None,
        })
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// "geonames_dump", "geonames_alternate_names", "boundaries" or "curated_csv".
    pub format: String,
    pub places_added: usize,
    pub places_replaced: usize,
    pub names_added: usize,
    /// Alternate names for ids the gazetteer does not have.
    pub names_unmatched: usize,
    pub boundaries_adm1: usize,
    pub boundaries_adm2: usize,
    /// Rows deliberately not imported (e.g. streams and mountains in a GeoNames dump).
    pub skipped_rows: usize,
}

impl Geocoder {
    /// Parses `text` as `kind` and returns a new geocoder with it applied. `source` names
    /// the file in error messages. On error nothing is applied.
    pub fn import(
        &self,
        kind: ImportKind,
        text: &str,
        source: &str,
    ) -> Result<(Geocoder, ImportSummary), GeoError> {
        let gaz = self.gazetteer();
        match kind {
            ImportKind::Geonames | ImportKind::Csv => {
                let (update, format) = match kind {
                    ImportKind::Csv => (parse_curated_csv(text, source)?, "curated_csv"),
                    _ => {
                        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                        if first.split('\t').count() == 19 {
                            (parse_geonames_dump(text, source)?, "geonames_dump")
                        } else {
                            (
                                parse_geonames_alternate_names(text, source)?,
                                "geonames_alternate_names",
                            )
                        }
                    }
                };
                let (merged, r) = gaz.merged(update);
                let summary = ImportSummary {
                    format: format.into(),
                    places_added: r.added,
                    places_replaced: r.replaced,
                    names_added: r.names_added,
                    names_unmatched: r.names_unmatched,
                    skipped_rows: r.skipped_rows,
                    ..ImportSummary::default()
                };
                Ok((Geocoder::new(merged, self.admin_index().clone()), summary))
            }
            ImportKind::Boundaries => {
                let boundaries = parse_boundaries_geojson(text, None)?;
                let before = gaz.places().len();
                let merged = gaz.with_boundaries(&boundaries);
                let summary = ImportSummary {
                    format: "boundaries".into(),
                    places_added: merged.places().len() - before,
                    boundaries_adm1: boundaries.iter().filter(|b| b.level == 1).count(),
                    boundaries_adm2: boundaries.iter().filter(|b| b.level == 2).count(),
                    ..ImportSummary::default()
                };
                let index = self.admin_index().with_replaced(boundaries);
                Ok((Geocoder::new(merged, index), summary))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geonames_dump_and_alternate_names_are_told_apart() {
        let g = Geocoder::builtin();
        let row = "9999001\tPapan\tPapan\t\t40.3\t72.9\tP\tPPL\tKG\t\t08\t\t\t\t5000\t\t1500\tAsia/Bishkek\t2020-01-01";
        let (g2, s) = g.import(ImportKind::Geonames, row, "KG.txt").unwrap();
        assert_eq!((s.format.as_str(), s.places_added), ("geonames_dump", 1));
        assert_eq!(g2.resolve("Papan").best.unwrap().place_id, "9999001");
        assert!(
            g.resolve("Papan").best.is_none(),
            "the original geocoder is unchanged"
        );
        let (g3, s) = g2
            .import(
                ImportKind::Geonames,
                "1\t9999001\tru\tПапан\t\t\t\t\t\t",
                "alt.txt",
            )
            .unwrap();
        assert_eq!(
            (s.format.as_str(), s.names_added),
            ("geonames_alternate_names", 1)
        );
        assert_eq!(g3.resolve("с. Папан").best.unwrap().place_id, "9999001");
        assert!(g3.import(ImportKind::Csv, "nonsense", "x.csv").is_err());
    }
}
