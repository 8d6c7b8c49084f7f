//! Planar polygon geometry in longitude/latitude degrees: validation, point-in-polygon
//! and simplification.
//!
//! Admin boundaries are small enough (a country) that planar maths on degrees is exact
//! enough for "which raion is this point in"; no projection is needed.

use serde::{Deserialize, Serialize};

/// `[lon, lat]`, the GeoJSON order.
pub type Position = [f64; 2];

/// Rings of one polygon: the first is the outer ring, the rest are holes. Each ring is
/// closed (first position repeated last).
pub type PolygonRings = Vec<Vec<Position>>;

/// A (multi)polygon as a list of polygons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub polygons: Vec<PolygonRings>,
}

/// A longitude/latitude rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub fn empty() -> BBox {
        BBox {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        }
    }

    pub fn extend(&mut self, p: Position) {
        self.min_lon = self.min_lon.min(p[0]);
        self.max_lon = self.max_lon.max(p[0]);
        self.min_lat = self.min_lat.min(p[1]);
        self.max_lat = self.max_lat.max(p[1]);
    }

    pub fn union(&mut self, o: &BBox) {
        self.min_lon = self.min_lon.min(o.min_lon);
        self.max_lon = self.max_lon.max(o.max_lon);
        self.min_lat = self.min_lat.min(o.min_lat);
        self.max_lat = self.max_lat.max(o.max_lat);
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }
}

impl Area {
    pub fn bbox(&self) -> BBox {
        let mut b = BBox::empty();
        for p in self.polygons.iter().flatten().flatten() {
            b.extend(*p);
        }
        b
    }

    /// All ring edges, for even-odd crossing tests (holes and the parts of a
    /// multipolygon need no special treatment under the even-odd rule).
    pub fn edges(&self) -> impl Iterator<Item = (Position, Position)> + '_ {
        self.polygons
            .iter()
            .flatten()
            .flat_map(|ring| ring.windows(2).map(|w| (w[0], w[1])))
    }

    /// Even-odd point-in-polygon over every edge (the brute-force reference).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let mut inside = false;
        for (a, b) in self.edges() {
            if crosses(a, b, lon, lat) {
                inside = !inside;
            }
        }
        inside
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.polygons.iter().flatten().map(Vec::len).sum()
    }

    /// Douglas–Peucker simplification of every ring with tolerance `tol` degrees; rings
    /// that would collapse below 4 positions keep their original shape.
    pub fn simplified(&self, tol: f64) -> Area {
        Area {
            polygons: self
                .polygons
                .iter()
                .map(|rings| {
                    rings
                        .iter()
                        .map(|r| {
                            let s = simplify_ring(r, tol);
                            if s.len() >= 4 {
                                s
                            } else {
                                r.clone()
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// A point inside the area (for labels and district-level geocodes): the bbox centre
    /// if it is inside, else the middle of the widest inside stretch of the horizontal
    /// line through the centre.
    pub fn representative_point(&self) -> Option<Position> {
        let b = self.bbox();
        if !b.min_lon.is_finite() {
            return None;
        }
        let (cx, cy) = ((b.min_lon + b.max_lon) / 2.0, (b.min_lat + b.max_lat) / 2.0);
        if self.contains(cx, cy) {
            return Some([cx, cy]);
        }
        for frac in [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8] {
            let y = b.min_lat + (b.max_lat - b.min_lat) * frac;
            let mut xs: Vec<f64> = self
                .edges()
                .filter(|(a, c)| (a[1] > y) != (c[1] > y))
                .map(|(a, c)| a[0] + (y - a[1]) * (c[0] - a[0]) / (c[1] - a[1]))
                .collect();
            xs.sort_by(f64::total_cmp);
            let best = xs
                .chunks_exact(2)
                .max_by(|p, q| (p[1] - p[0]).total_cmp(&(q[1] - q[0])));
            if let Some(p) = best {
                return Some([(p[0] + p[1]) / 2.0, y]);
            }
        }
        None
    }
}

/// Whether the edge a→b crosses the horizontal ray going right from (x, y), with the
/// half-open rule on y so a vertex on the ray is counted once.
#[inline]
pub fn crosses(a: Position, b: Position, x: f64, y: f64) -> bool {
    (a[1] > y) != (b[1] > y) && x < a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
}

fn simplify_ring(ring: &[Position], tol: f64) -> Vec<Position> {
    if ring.len() <= 4 {
        return ring.to_vec();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    // A closed ring has identical endpoints; split at the farthest vertex so DP has a chord.
    let far = (1..ring.len() - 1)
        .max_by(|&i, &j| dist2(ring[0], ring[i]).total_cmp(&dist2(ring[0], ring[j])))
        .unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, ring.len() - 1)];
    while let Some((s, e)) = stack.pop() {
        if e <= s + 1 {
            continue;
        }
        let (mut idx, mut dmax) = (s, 0.0);
        for i in s + 1..e {
            let d = seg_dist(ring[i], ring[s], ring[e]);
            if d > dmax {
                idx = i;
                dmax = d;
            }
        }
        if dmax > tol {
            keep[idx] = true;
            stack.push((s, idx));
            stack.push((idx, e));
        }
    }
    ring.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

fn dist2(a: Position, b: Position) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn seg_dist(p: Position, a: Position, b: Position) -> f64 {
    let l2 = dist2(a, b);
    if l2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / l2).clamp(0.0, 1.0);
    dist2(p, [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]).sqrt()
}

/// Why a ring is unusable.
#[derive(Debug, Clone, PartialEq)]
pub enum RingProblem {
    TooFewPositions(usize),
    NotClosed,
    NonFinite,
    OutOfRange(Position),
    SelfIntersection(Position),
}

impl std::fmt::Display for RingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RingProblem::TooFewPositions(n) => {
                write!(f, "ring has {n} positions; a closed ring needs at least 4")
            }
            RingProblem::NotClosed => {
                write!(f, "ring is not closed (first and last positions differ)")
            }
            RingProblem::NonFinite => write!(f, "ring has a non-finite coordinate"),
            RingProblem::OutOfRange(p) => write!(
                f,
                "position [{}, {}] is outside lon -180..180 / lat -90..90",
                p[0], p[1]
            ),
            RingProblem::SelfIntersection(p) => {
                write!(f, "ring crosses itself near [{:.5}, {:.5}]", p[0], p[1])
            }
        }
    }
}

/// Checks closure, ranges and that no two non-adjacent edges of the ring cross
/// (touching is allowed, see `segments_cross`).
///
/// The crossing check sweeps edges sorted by their left end, so it costs about
/// O(n log n) for real boundaries rather than O(n²).
pub fn validate_ring(ring: &[Position]) -> Result<(), RingProblem> {
    if ring.len() < 4 {
        return Err(RingProblem::TooFewPositions(ring.len()));
    }
    for p in ring {
        if !p[0].is_finite() || !p[1].is_finite() {
            return Err(RingProblem::NonFinite);
        }
        if !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]) {
            return Err(RingProblem::OutOfRange(*p));
        }
    }
    if ring[0] != ring[ring.len() - 1] {
        return Err(RingProblem::NotClosed);
    }
    let n = ring.len() - 1;
    let mut order: Vec<usize> = (0..n).collect();
    let minx = |i: usize| ring[i][0].min(ring[i + 1][0]);
    let maxx = |i: usize| ring[i][0].max(ring[i + 1][0]);
    order.sort_by(|&a, &b| minx(a).total_cmp(&minx(b)));
    for (k, &i) in order.iter().enumerate() {
        let (a, b) = (ring[i], ring[i + 1]);
        for &j in &order[k + 1..] {
            if minx(j) > maxx(i) {
                break;
            }
            // Adjacent edges share a vertex by construction.
            if j == i + 1 || i == j + 1 || (i == 0 && j == n - 1) || (j == 0 && i == n - 1) {
                continue;
            }
            let (c, d) = (ring[j], ring[j + 1]);
            if segments_cross(a, b, c, d) {
                return Err(RingProblem::SelfIntersection(a));
            }
        }
    }
    Ok(())
}

fn orient(a: Position, b: Position, c: Position) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Whether two edges cross properly (each passes through the other's interior).
///
/// Edges that only touch at a point or run along each other are accepted: published
/// boundaries (geoBoundaries among them) are full of such touches where a ring pinches,
/// and they do not change which side of the ring a point is on.
fn segments_cross(a: Position, b: Position, c: Position, d: Position) -> bool {
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    ((o1 > 0.0 && o2 < 0.0) || (o1 < 0.0 && o2 > 0.0))
        && ((o3 > 0.0 && o4 < 0.0) || (o3 < 0.0 && o4 > 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<Position> {
        vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]
    }

    #[test]
    fn contains_with_hole() {
        let hole = vec![[0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5], [0.5, 0.5]];
        let a = Area {
            polygons: vec![vec![square(), hole]],
        };
        assert!(a.contains(0.25, 0.25));
        assert!(!a.contains(1.0, 1.0));
        assert!(!a.contains(3.0, 1.0));
    }

    #[test]
    fn validation() {
        assert_eq!(validate_ring(&square()), Ok(()));
        let bowtie = vec![[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 2.0], [0.0, 0.0]];
        assert!(matches!(
            validate_ring(&bowtie),
            Err(RingProblem::SelfIntersection(_))
        ));
        assert_eq!(validate_ring(&square()[..4]), Err(RingProblem::NotClosed));
        assert_eq!(
            validate_ring(&[[0.0, 0.0]]),
            Err(RingProblem::TooFewPositions(1))
        );
        let mut far = square();
        far[1] = [200.0, 0.0];
        assert!(matches!(
            validate_ring(&far),
            Err(RingProblem::OutOfRange(_))
        ));
    }

    #[test]
    fn simplification_keeps_shape() {
        let mut ring = vec![];
        for i in 0..100 {
            ring.push([i as f64 / 100.0, 0.0001 * ((i % 2) as f64)]);
        }
        ring.extend([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]);
        let a = Area {
            polygons: vec![vec![ring]],
        };
        let s = a.simplified(0.001);
        assert!(s.vertex_count() < 10, "{}", s.vertex_count());
        assert!(s.contains(0.5, 0.5));
        assert!(a
            .representative_point()
            .is_some_and(|p| a.contains(p[0], p[1])));
    }
}
