//! The gazetteer: places and admin areas, built in or merged with a mission's imports.
//!
//! A `Gazetteer` is immutable; importing data builds a new one ([`Gazetteer::merged`],
//! [`Gazetteer::with_boundaries`]) that the caller swaps in only when it is complete, so
//! a failed import never leaves a half-loaded gazetteer behind.

use std::collections::HashMap;

use serde::Serialize;

use crate::admin_index::AdminIndex;
use crate::boundaries::{parse_boundaries_geojson, Boundary};
use crate::import::{parse_curated_csv, GazetteerUpdate};
use crate::model::{AdminArea, Place, PlaceKind, PlaceSource, Precision};

const PLACES_TSV: &str = include_str!("../data/places.tsv");
const ADMIN_TSV: &str = include_str!("../data/admin.tsv");
const ADMIN1_GEOJSON: &str = include_str!("../data/admin1.geojson");
const CURATED_CSV: &str = include_str!("../data/curated_places.csv");

/// Places and admin areas, with lookups by id and code.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gazetteer {
    places: Vec<Place>,
    admin: Vec<AdminArea>,
    #[serde(skip)]
    by_id: HashMap<String, usize>,
    #[serde(skip)]
    admin_by_code: HashMap<String, usize>,
}

/// Summary of what a merge changed, for the CLI to print.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MergeReport {
    pub added: usize,
    pub replaced: usize,
    pub names_added: usize,
    /// Alternate names whose place id is in neither the import nor the gazetteer.
    pub names_unmatched: usize,
    pub skipped_rows: usize,
}

fn split_names(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Gazetteer {
    fn from_parts(places: Vec<Place>, admin: Vec<AdminArea>) -> Gazetteer {
        let by_id = places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let admin_by_code = admin
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        Gazetteer {
            places,
            admin,
            by_id,
            admin_by_code,
        }
    }

    /// The Kyrgyzstan gazetteer compiled into the binary (GeoNames cities500, GeoNames
    /// admin codes, Natural Earth admin-1 shapes, the mission's curated places), with
    /// every admin area also a geocodable place.
    pub fn builtin() -> Gazetteer {
        // The embedded files are checked by this crate's tests; failing here means the
        // binary was built from a broken tree, not that a user gave bad input.
        let admin = parse_admin_tsv(ADMIN_TSV);
        let mut places = parse_places_tsv(PLACES_TSV);
        places.extend(
            parse_curated_csv(CURATED_CSV, "curated_places.csv")
                .expect("embedded curated_places.csv is valid")
                .places,
        );
        let shapes = builtin_admin1_boundaries();
        let admin_places = admin_places(&admin, &places, &shapes);
        places.extend(admin_places);
        Gazetteer::from_parts(places, admin)
    }

    /// The admin index of the built-in Natural Earth admin-1 shapes.
    pub fn builtin_admin_index() -> AdminIndex {
        AdminIndex::new(builtin_admin1_boundaries())
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn admin_areas(&self) -> &[AdminArea] {
        &self.admin
    }

    pub fn get(&self, id: &str) -> Option<&Place> {
        self.by_id.get(id).map(|&i| &self.places[i])
    }

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn admin_area(&self, code: &str) -> Option<&AdminArea> {
        self.admin_by_code.get(code).map(|&i| &self.admin[i])
    }

    /// A new gazetteer with `update` applied: places with a known id replace the old
    /// record, new ids are added, alternate names are attached to their places.
    pub fn merged(&self, update: GazetteerUpdate) -> (Gazetteer, MergeReport) {
        let mut places = self.places.clone();
        let mut by_id = self.by_id.clone();
        let mut report = MergeReport {
            skipped_rows: update.skipped,
            ..MergeReport::default()
        };
        for p in update.places {
            match by_id.get(&p.id) {
                Some(&i) => {
                    places[i] = p;
                    report.replaced += 1;
                }
                None => {
                    by_id.insert(p.id.clone(), places.len());
                    places.push(p);
                    report.added += 1;
                }
            }
        }
        for (id, name) in update.names {
            match by_id.get(&id) {
                Some(&i) if places[i].name != name && !places[i].alt_names.contains(&name) => {
                    places[i].alt_names.push(name);
                    report.names_added += 1;
                }
                Some(_) => {}
                None => report.names_unmatched += 1,
            }
        }
        (Gazetteer::from_parts(places, self.admin.clone()), report)
    }

    /// A new gazetteer where each boundary is also an admin area and a geocodable place
    /// (at a point inside it). An admin place of the same level whose name is the same
    /// or one letter off ("Chon-Alay" / "Chong-Alay") is taken to be that area: it is
    /// kept, and moved inside the boundary if its point was outside.
    pub fn with_boundaries(&self, boundaries: &[Boundary]) -> Gazetteer {
        let mut places = self.places.clone();
        let mut admin = self.admin.clone();
        let key_of =
            |name: &str| aman_text::loose_key_compact(&crate::query::strip_admin_words(name));
        for b in boundaries {
            let kind = if b.level == 1 {
                PlaceKind::Region
            } else {
                PlaceKind::District
            };
            let key = key_of(&b.name);
            if !admin.iter().any(|a| a.code == b.code) {
                admin.push(AdminArea {
                    code: b.code.clone(),
                    level: b.level,
                    name: b.name.clone(),
                    alt_names: vec![],
                    iso_3166_2: b.iso_3166_2.clone(),
                    geonameid: None,
                    city: false,
                });
            }
            let Some(pt) = b.area.representative_point() else {
                continue;
            };
            let same = places.iter().position(|p| {
                p.kind == kind
                    && (p.admin_code.as_deref() == Some(b.code.as_str())
                        || aman_text::bounded_edit_distance(
                            &key_of(&p.name),
                            &key,
                            usize::from(key.len() >= 5),
                        )
                        .is_some())
            });
            if let Some(i) = same {
                if !b.area.contains(places[i].lon, places[i].lat) {
                    places[i].lat = pt[1];
                    places[i].lon = pt[0];
                }
                continue;
            }
            places.push(Place {
                id: format!("adm:{}", b.code),
                name: b.name.clone(),
                alt_names: vec![],
                lat: pt[1],
                lon: pt[0],
                kind,
                precision: kind.default_precision(),
                feature_code: format!("ADM{}", b.level),
                population: 0,
                admin1: if b.level == 1 {
                    Some(b.code.clone())
                } else {
                    b.parent_code.clone()
                },
                admin2: (b.level == 2).then(|| b.code.clone()),
                admin_code: Some(b.code.clone()),
                parent_id: None,
                uncertainty_m: None,
                source: PlaceSource::AdminTable,
            });
        }
        Gazetteer::from_parts(places, admin)
    }
}

fn parse_places_tsv(text: &str) -> Vec<Place> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let num = |i: usize| {
                f.get(i)
                    .and_then(|s| s.parse::<f64>().ok())
                    .expect("embedded places.tsv has numbers")
            };
            let code = f[5];
            let population = f[8].parse().unwrap_or(0);
            let kind = if matches!(code, "PPLC" | "PPLA" | "PPLA2") || population >= 10_000 {
                PlaceKind::Town
            } else {
                PlaceKind::Village
            };
            let admin1 = (!f[6].is_empty()).then(|| format!("KG.{}", f[6]));
            let admin2 = admin1
                .as_ref()
                .filter(|_| !f[7].is_empty())
                .map(|a| format!("{a}.{}", f[7]));
            Place {
                id: f[0].to_owned(),
                name: f[1].to_owned(),
                alt_names: split_names(f.get(9).copied().unwrap_or("")),
                lat: num(2),
                lon: num(3),
                kind,
                precision: Precision::Settlement,
                feature_code: code.to_owned(),
                population,
                admin1,
                admin2,
                admin_code: None,
                parent_id: None,
                uncertainty_m: None,
                source: PlaceSource::GeoNames,
            }
        })
        .collect()
}

fn parse_admin_tsv(text: &str) -> Vec<AdminArea> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            AdminArea {
                code: f[0].to_owned(),
                level: f[1].parse().expect("embedded admin.tsv level"),
                iso_3166_2: Some(f[2].to_owned()).filter(|s| !s.is_empty()),
                geonameid: f[3].parse().ok(),
                name: f[4].to_owned(),
                city: f[5] == "City",
                alt_names: split_names(f.get(6).copied().unwrap_or("")),
            }
        })
        .collect()
}

fn builtin_admin1_boundaries() -> Vec<Boundary> {
    parse_boundaries_geojson(ADMIN1_GEOJSON, Some(1)).expect("embedded admin1.geojson is valid")
}

/// Admin areas as places: oblasts at a point inside their Natural Earth shape, raions at
/// their most populous known town (or, lacking one, their oblast's point).
fn admin_places(admin: &[AdminArea], places: &[Place], shapes: &[Boundary]) -> Vec<Place> {
    let mut out = Vec::new();
    for a in admin {
        let kind = if a.level == 1 {
            PlaceKind::Region
        } else {
            PlaceKind::District
        };
        let core = aman_text::loose_key_compact(&crate::query::strip_admin_words(&a.name));
        let town = |code_of: &dyn Fn(&Place) -> Option<String>| {
            places
                .iter()
                .filter(|p| !p.kind.is_admin() && code_of(p).as_deref() == Some(a.code.as_str()))
                .max_by_key(|p| (aman_text::loose_key_compact(&p.name) == core, p.population))
                .map(|p| (p.lat, p.lon))
        };
        let point = if a.level == 1 {
            shapes
                .iter()
                .find(|s| s.code == a.code)
                .and_then(|s| s.area.representative_point())
                .map(|p| (p[1], p[0]))
                .or_else(|| town(&|p: &Place| p.admin1.clone()))
        } else {
            town(&|p: &Place| p.admin2.clone())
                .or_else(|| {
                    // A raion named after its centre: the town of that name in the same oblast.
                    let parent = a.parent_code();
                    places
                        .iter()
                        .find(|p| {
                            p.admin1 == parent && aman_text::loose_key_compact(&p.name) == core
                        })
                        .map(|p| (p.lat, p.lon))
                })
                .or_else(|| {
                    let parent = a.parent_code()?;
                    shapes
                        .iter()
                        .find(|s| s.code == parent)
                        .and_then(|s| s.area.representative_point())
                        .map(|p| (p[1], p[0]))
                })
        };
        let Some((lat, lon)) = point else { continue };
        out.push(Place {
            id: a
                .geonameid
                .map_or_else(|| format!("adm:{}", a.code), |g| g.to_string()),
            name: a.name.clone(),
            alt_names: a.alt_names.clone(),
            lat,
            lon,
            kind,
            precision: kind.default_precision(),
            feature_code: format!("ADM{}{}", a.level, if a.city { "_CITY" } else { "" }),
            population: 0,
            admin1: Some(a.parent_code().unwrap_or_else(|| a.code.clone())),
            admin2: (a.level == 2).then(|| a.code.clone()),
            admin_code: Some(a.code.clone()),
            parent_id: None,
            uncertainty_m: None,
            source: PlaceSource::AdminTable,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_with_traps_fixed() {
        let g = Gazetteer::builtin();
        assert!(g.places().len() > 160, "{}", g.places().len());
        let jal = g.get("1528249").unwrap();
        assert_eq!(jal.name, "Jalal-Abad");
        assert!(jal.alt_names.iter().any(|n| n == "Manas"));
        assert_eq!(g.get("1527534").unwrap().admin1.as_deref(), Some("KG.10"));
        assert_eq!(g.admin_area("KG.03").unwrap().name, "Jalal-Abad");
        assert!(g.get("cur:osh-cheremushki").is_some());
        // Every admin area is geocodable.
        assert_eq!(
            g.places().iter().filter(|p| p.kind.is_admin()).count(),
            g.admin_areas().len()
        );
    }

    #[test]
    fn merge_replaces_and_adds() {
        let g = Gazetteer::builtin();
        let mut osh = g.get("1527534").unwrap().clone();
        osh.population = 1;
        let mut new = osh.clone();
        new.id = "cur:new".into();
        let up = GazetteerUpdate {
            places: vec![osh, new],
            names: vec![
                ("1527534".into(), "Oshshahri".into()),
                ("999".into(), "X".into()),
            ],
            skipped: 0,
        };
        let (g2, r) = g.merged(up);
        assert_eq!(
            (r.added, r.replaced, r.names_added, r.names_unmatched),
            (1, 1, 1, 1)
        );
        assert_eq!(g2.get("1527534").unwrap().population, 1);
        assert_eq!(
            g.get("1527534").unwrap().population,
            322_164,
            "the original is untouched"
        );
    }
}
