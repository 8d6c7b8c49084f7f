//! Point-in-polygon admin assignment with a two-level spatial index.
//!
//! A uniform grid over the layer's extent lists, per cell, the boundaries whose bounding
//! box touches it; each boundary keeps its edges bucketed into horizontal bands, so the
//! even-odd crossing test for a point only visits the edges in the point's band. The
//! answer is exactly the brute-force answer (same crossing rule), at a small fraction of
//! the cost.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::boundaries::Boundary;
use crate::geometry::{crosses, BBox, Position};

/// A code and name of the admin area a point falls in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminRef {
    pub code: String,
    pub name: String,
    pub iso_3166_2: Option<String>,
}

/// The oblast and raion containing a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminAssignment {
    pub admin1: Option<AdminRef>,
    pub admin2: Option<AdminRef>,
}

const GRID: usize = 128;

#[derive(Clone)]
struct Banded {
    min_lat: f64,
    inv_h: f64,
    offsets: Vec<u32>,
    edges: Vec<(Position, Position)>,
}

impl Banded {
    fn new(b: &Boundary) -> Banded {
        let all: Vec<(Position, Position)> = b.area.edges().collect();
        let n = (all.len() / 4).clamp(1, 4096);
        let h = ((b.bbox.max_lat - b.bbox.min_lat) / n as f64).max(1e-12);
        let band = |y: f64| (((y - b.bbox.min_lat) / h) as usize).min(n - 1);
        let mut buckets: Vec<Vec<(Position, Position)>> = vec![Vec::new(); n];
        for (a, c) in all {
            for bucket in &mut buckets[band(a[1].min(c[1]))..=band(a[1].max(c[1]))] {
                bucket.push((a, c));
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut edges = Vec::new();
        offsets.push(0);
        for bucket in buckets {
            edges.extend(bucket);
            offsets.push(edges.len() as u32);
        }
        Banded {
            min_lat: b.bbox.min_lat,
            inv_h: 1.0 / h,
            offsets,
            edges,
        }
    }

    fn contains(&self, lon: f64, lat: f64) -> bool {
        let n = self.offsets.len() - 1;
        let i = (((lat - self.min_lat) * self.inv_h) as usize).min(n - 1);
        let mut inside = false;
        for &(a, b) in &self.edges[self.offsets[i] as usize..self.offsets[i + 1] as usize] {
            if crosses(a, b, lon, lat) {
                inside = !inside;
            }
        }
        inside
    }
}

#[derive(Clone)]
struct Layer {
    boundaries: Vec<Boundary>,
    banded: Vec<Banded>,
    extent: BBox,
    cell_w: f64,
    cell_h: f64,
    cell_offsets: Vec<u32>,
    cell_items: Vec<u32>,
}

impl Layer {
    fn new(boundaries: Vec<Boundary>) -> Layer {
        let mut extent = BBox::empty();
        for b in &boundaries {
            extent.union(&b.bbox);
        }
        let cell_w = ((extent.max_lon - extent.min_lon) / GRID as f64).max(1e-9);
        let cell_h = ((extent.max_lat - extent.min_lat) / GRID as f64).max(1e-9);
        let mut cells: Vec<Vec<u32>> = vec![Vec::new(); GRID * GRID];
        for (i, b) in boundaries.iter().enumerate() {
            let (x0, y0) = cell_of(&extent, cell_w, cell_h, b.bbox.min_lon, b.bbox.min_lat);
            let (x1, y1) = cell_of(&extent, cell_w, cell_h, b.bbox.max_lon, b.bbox.max_lat);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    cells[y * GRID + x].push(i as u32);
                }
            }
        }
        let mut cell_offsets = vec![0];
        let mut cell_items = Vec::new();
        for c in cells {
            cell_items.extend(c);
            cell_offsets.push(cell_items.len() as u32);
        }
        let banded = boundaries.iter().map(Banded::new).collect();
        Layer {
            boundaries,
            banded,
            extent,
            cell_w,
            cell_h,
            cell_offsets,
            cell_items,
        }
    }

    fn locate(&self, lon: f64, lat: f64) -> Option<&Boundary> {
        if self.boundaries.is_empty() || !self.extent.contains(lon, lat) {
            return None;
        }
        let (x, y) = cell_of(&self.extent, self.cell_w, self.cell_h, lon, lat);
        let c = y * GRID + x;
        self.cell_items[self.cell_offsets[c] as usize..self.cell_offsets[c + 1] as usize]
            .iter()
            .map(|&i| i as usize)
            .find(|&i| {
                self.boundaries[i].bbox.contains(lon, lat) && self.banded[i].contains(lon, lat)
            })
            .map(|i| &self.boundaries[i])
    }
}

fn cell_of(e: &BBox, w: f64, h: f64, lon: f64, lat: f64) -> (usize, usize) {
    let x = (((lon - e.min_lon) / w).max(0.0) as usize).min(GRID - 1);
    let y = (((lat - e.min_lat) / h).max(0.0) as usize).min(GRID - 1);
    (x, y)
}

/// Admin boundaries of levels 1 and 2, indexed for point lookups.
#[derive(Clone)]
pub struct AdminIndex {
    layers: [Layer; 2],
    names: HashMap<String, String>,
}

impl std::fmt::Debug for AdminIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminIndex")
            .field("adm1", &self.layers[0].boundaries.len())
            .field("adm2", &self.layers[1].boundaries.len())
            .finish()
    }
}

impl AdminIndex {
    /// Builds the index from boundaries of either level.
    pub fn new(boundaries: Vec<Boundary>) -> AdminIndex {
        let (l1, l2): (Vec<_>, Vec<_>) = boundaries.into_iter().partition(|b| b.level == 1);
        let names = l1
            .iter()
            .map(|b| (b.code.clone(), b.name.clone()))
            .collect();
        AdminIndex {
            layers: [Layer::new(l1), Layer::new(l2)],
            names,
        }
    }

    /// A new index with `boundaries` replacing every existing boundary of the same level
    /// (a mission's ADM2 file replaces the previous ADM2 layer, leaving ADM1 alone).
    pub fn with_replaced(&self, boundaries: Vec<Boundary>) -> AdminIndex {
        let mut all: Vec<Boundary> = Vec::new();
        for lvl in [1u8, 2] {
            if boundaries.iter().any(|b| b.level == lvl) {
                all.extend(boundaries.iter().filter(|b| b.level == lvl).cloned());
            } else {
                all.extend(self.layers[usize::from(lvl - 1)].boundaries.iter().cloned());
            }
        }
        AdminIndex::new(all)
    }

    /// Number of boundaries at `level` (1 or 2).
    pub fn len(&self, level: u8) -> usize {
        self.layers
            .get(usize::from(level.wrapping_sub(1)))
            .map_or(0, |l| l.boundaries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len(1) + self.len(2) == 0
    }

    /// The boundary at `level` containing the point, if any.
    pub fn locate_level(&self, level: u8, lat: f64, lon: f64) -> Option<&Boundary> {
        if !lat.is_finite() || !lon.is_finite() {
            return None;
        }
        self.layers
            .get(usize::from(level.wrapping_sub(1)))?
            .locate(lon, lat)
    }

    /// Oblast and raion of a point. An ADM2 feature that names its ADM1 (COD-AB
    /// `ADM1_PCODE`) wins over the ADM1 layer, which may disagree at the edges.
    pub fn locate(&self, lat: f64, lon: f64) -> Option<AdminAssignment> {
        let adm2 = self.locate_level(2, lat, lon);
        let adm1 = match adm2.and_then(|b| b.parent_code.as_ref()) {
            Some(code) => Some(AdminRef {
                code: code.clone(),
                name: self
                    .names
                    .get(code)
                    .cloned()
                    .unwrap_or_else(|| code.clone()),
                iso_3166_2: self.layers[0]
                    .boundaries
                    .iter()
                    .find(|b| &b.code == code)
                    .and_then(|b| b.iso_3166_2.clone()),
            }),
            None => self.locate_level(1, lat, lon).map(to_ref),
        };
        if adm1.is_none() && adm2.is_none() {
            return None;
        }
        Some(AdminAssignment {
            admin1: adm1,
            admin2: adm2.map(to_ref),
        })
    }

    /// The brute-force answer (every edge of every boundary), for tests and the
    /// benchmark's baseline.
    pub fn locate_level_brute_force(&self, level: u8, lat: f64, lon: f64) -> Option<&Boundary> {
        self.layers
            .get(usize::from(level.wrapping_sub(1)))?
            .boundaries
            .iter()
            .find(|b| b.area.contains(lon, lat))
    }

    /// Boundaries of `level` as a GeoJSON FeatureCollection, simplified with tolerance
    /// `tolerance_deg` (0 keeps every vertex), coordinates rounded to 5 decimals.
    pub fn geojson(&self, level: u8, tolerance_deg: f64) -> Value {
        let features: Vec<Value> = self
            .layers
            .get(usize::from(level.wrapping_sub(1)))
            .map(|l| l.boundaries.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|b| {
                let area = if tolerance_deg > 0.0 { b.area.simplified(tolerance_deg) } else { b.area.clone() };
                let round = |p: &Position| [(p[0] * 1e5).round() / 1e5, (p[1] * 1e5).round() / 1e5];
                let polys: Vec<Vec<Vec<[f64; 2]>>> =
                    area.polygons.iter().map(|rs| rs.iter().map(|r| r.iter().map(round).collect()).collect()).collect();
                json!({
                    "type": "Feature",
                    "properties": {"code": b.code, "name": b.name, "level": b.level, "parent_code": b.parent_code, "iso_3166_2": b.iso_3166_2},
                    "geometry": {"type": "MultiPolygon", "coordinates": polys},
                })
            })
            .collect();
        json!({"type": "FeatureCollection", "features": features})
    }

    /// All boundaries of `level`.
    pub fn boundaries(&self, level: u8) -> &[Boundary] {
        self.layers
            .get(usize::from(level.wrapping_sub(1)))
            .map_or(&[], |l| l.boundaries.as_slice())
    }
}

fn to_ref(b: &Boundary) -> AdminRef {
    AdminRef {
        code: b.code.clone(),
        name: b.name.clone(),
        iso_3166_2: b.iso_3166_2.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{validate_ring, Area};
    use proptest::prelude::*;

    /// A star-shaped ring (sorted angles, positive radii) is simple by construction.
    fn star(cx: f64, cy: f64, radii: &[f64]) -> Vec<Position> {
        let n = radii.len();
        let mut ring: Vec<Position> = radii
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                [cx + r * a.cos(), cy + r * a.sin()]
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    fn boundary(code: &str, level: u8, ring: Vec<Position>) -> Boundary {
        let area = Area {
            polygons: vec![vec![ring]],
        };
        let bbox = area.bbox();
        Boundary {
            code: code.into(),
            name: code.into(),
            level,
            parent_code: None,
            iso_3166_2: None,
            area,
            bbox,
        }
    }

    proptest! {
        #[test]
        fn indexed_lookup_equals_brute_force(
            radii in prop::collection::vec(0.2f64..1.0, 3..60),
            radii2 in prop::collection::vec(0.1f64..0.8, 3..40),
            points in prop::collection::vec((-1.5f64..3.5, -1.5f64..1.5), 1..200),
        ) {
            let a = star(0.0, 0.0, &radii);
            let b = star(2.0, 0.0, &radii2);
            prop_assert!(validate_ring(&a).is_ok() && validate_ring(&b).is_ok());
            let index = AdminIndex::new(vec![boundary("A", 2, a), boundary("B", 2, b), boundary("R", 1, star(1.0, 0.0, &[3.0; 8]))]);
            for (x, y) in points {
                let fast = index.locate_level(2, y, x).map(|b| b.code.clone());
                let slow = index.locate_level_brute_force(2, y, x).map(|b| b.code.clone());
                prop_assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn parent_code_wins_and_replacing_a_level_keeps_the_other() {
        let mut adm2 = boundary("D1", 2, star(0.0, 0.0, &[1.0; 12]));
        adm2.parent_code = Some("R9".into());
        let index = AdminIndex::new(vec![adm2, boundary("R1", 1, star(0.0, 0.0, &[2.0; 12]))]);
        let a = index.locate(0.0, 0.0).unwrap();
        assert_eq!(
            (
                a.admin1.unwrap().code.as_str(),
                a.admin2.unwrap().code.as_str()
            ),
            ("R9", "D1")
        );
        assert_eq!(index.locate(1.5, 0.0).unwrap().admin1.unwrap().code, "R1");
        assert!(index.locate(50.0, 50.0).is_none());
        assert!(index.locate(f64::NAN, 0.0).is_none());
        let replaced = index.with_replaced(vec![boundary("D2", 2, star(0.0, 0.0, &[1.0; 12]))]);
        assert_eq!((replaced.len(1), replaced.len(2)), (1, 1));
        assert_eq!(replaced.locate_level(2, 0.0, 0.0).unwrap().code, "D2");
    }
}
