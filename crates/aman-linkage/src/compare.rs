//! Field comparison: each field of a record pair falls into one of a few ordered
//! comparison levels (level 0 = a value is missing, level 1 = the strongest
//! agreement, the last level = disagreement). The model learns a weight per level.

use crate::record::{FieldKind, FieldSpec, Prepared};
use crate::similarity::{
    haversine_km, jaccard_sorted, jaro_winkler, jaro_winkler_below, jaro_winkler_slices,
    osa_at_most, osa_at_most_str, osa_within, range_similarity, shared_letters,
    token_min_similarity, token_set_similarity,
};

/// The level meaning "one side is missing": it carries no evidence either way.
pub const NULL_LEVEL: u8 = 0;

/// Labels of a field's levels, index = level (index 0 is the null level).
pub fn level_labels(spec: &FieldSpec) -> Vec<String> {
    let t = tolerances(spec);
    let mut v: Vec<String> = vec!["missing on one side".into()];
    let rest: Vec<String> = match spec.kind {
        FieldKind::GivenName | FieldKind::FamilyName | FieldKind::Patronymic => vec![
            "exact".into(),
            "same after transliteration and ending folding".into(),
            "Jaro-Winkler >= 0.92".into(),
            "Jaro-Winkler >= 0.80".into(),
            "different".into(),
        ],
        FieldKind::FullName => vec![
            "exact".into(),
            "same name parts in any order, after transliteration".into(),
            "every name part similar >= 0.92".into(),
            "every name part similar >= 0.86".into(),
            "different".into(),
        ],
        FieldKind::Date => vec![
            "exact".into(),
            "one typo or day/month swapped".into(),
            format!("within {} days or two typos", t[0]),
            "different".into(),
        ],
        FieldKind::Year => vec![
            "same".into(),
            format!("within {} years", t[0]),
            format!("within {} years", t[1]),
            "different".into(),
        ],
        FieldKind::Geo => vec![
            format!("within {} km", t[0]),
            format!("within {} km", t[1]),
            format!("within {} km", t[2]),
            "farther".into(),
        ],
        FieldKind::Number => vec![
            "equal".into(),
            format!("within {}%", t[0]),
            "different".into(),
        ],
        FieldKind::NumberRange => vec![
            "same range".into(),
            "ranges overlap".into(),
            "ranges close".into(),
            "ranges far apart".into(),
        ],
        FieldKind::TimeRange => vec![
            format!("times overlap, both known to {} hours", t[0]),
            format!("times overlap, both known to {} hours", t[1]),
            "times overlap (a wide window)".into(),
            format!("within {} hours, both known to {} hours", t[0], t[0]),
            format!("within {} hours", t[1]),
            "farther apart".into(),
        ],
        FieldKind::Category => vec!["equal".into(), "different".into()],
        FieldKind::Identifier => vec![
            "exact".into(),
            "one typo".into(),
            "two typos".into(),
            "different".into(),
        ],
        FieldKind::String => vec![
            "exact".into(),
            "Jaro-Winkler >= 0.92 or two typos".into(),
            "Jaro-Winkler >= 0.80".into(),
            "different".into(),
        ],
        FieldKind::Set => vec![
            "same".into(),
            "mostly shared (Jaccard >= 0.5)".into(),
            "some shared".into(),
            "none shared".into(),
        ],
        FieldKind::Hierarchy => vec![
            "same".into(),
            "one inside the other".into(),
            "in one smaller area".into(),
            "different".into(),
        ],
        FieldKind::Text => vec![
            "very similar (>= 0.6)".into(),
            "similar (>= 0.3)".into(),
            "a little similar (>= 0.12)".into(),
            "unrelated".into(),
        ],
    };
    v.extend(rest);
    v
}

/// Number of levels including the null level.
pub fn level_count(spec: &FieldSpec) -> usize {
    level_labels(spec).len()
}

fn tolerances(spec: &FieldSpec) -> Vec<f64> {
    let default: &[f64] = match spec.kind {
        FieldKind::Date => &[365.0],
        FieldKind::Year => &[1.0, 3.0],
        FieldKind::Geo => &[1.0, 5.0, 25.0],
        FieldKind::Number => &[10.0],
        FieldKind::TimeRange => &[6.0, 48.0],
        _ => &[],
    };
    match &spec.tolerances {
        Some(t) if t.len() >= default.len() && t.iter().all(|x| x.is_finite() && *x >= 0.0) => {
            t.clone()
        }
        _ => default.to_vec(),
    }
}

/// Compares records field by field. Holds the tolerances resolved once.
#[derive(Clone, Debug)]
pub(crate) struct Comparator {
    kinds: Vec<FieldKind>,
    tol: Vec<Vec<f64>>,
}

impl Comparator {
    pub(crate) fn new(fields: &[FieldSpec]) -> Self {
        Comparator {
            kinds: fields.iter().map(|f| f.kind).collect(),
            tol: fields.iter().map(tolerances).collect(),
        }
    }

    pub(crate) fn levels(&self, a: &[Prepared], b: &[Prepared], out: &mut [u8]) {
        for f in 0..self.kinds.len() {
            out[f] = self.level(f, &a[f], &b[f]);
        }
    }

    pub(crate) fn level(&self, f: usize, a: &Prepared, b: &Prepared) -> u8 {
        let t = &self.tol[f];
        match (self.kinds[f], a, b) {
            (_, Prepared::Missing, _) | (_, _, Prepared::Missing) => NULL_LEVEL,
            (FieldKind::FullName, Prepared::Name(x), Prepared::Name(y)) => {
                if x.folded == y.folded {
                    1
                } else if sorted_tokens(&x.loose) == sorted_tokens(&y.loose) {
                    2
                } else {
                    let s = token_min_similarity(&x.loose, &y.loose);
                    ladder(s, &[0.92, 0.86], 3)
                }
            }
            (_, Prepared::Name(x), Prepared::Name(y)) => {
                if x.folded == y.folded {
                    1
                } else if x.loose == y.loose {
                    2
                } else if x.loose.is_ascii()
                    && y.loose.is_ascii()
                    && jaro_winkler_below(
                        x.loose.as_bytes(),
                        y.loose.as_bytes(),
                        shared_letters(x.loose.as_bytes(), y.loose.as_bytes()),
                        0.80,
                    )
                {
                    5
                } else {
                    ladder(jaro_winkler(&x.loose, &y.loose), &[0.92, 0.80], 3)
                }
            }
            (
                _,
                Prepared::Date {
                    days: d1,
                    digits: g1,
                },
                Prepared::Date {
                    days: d2,
                    digits: g2,
                },
            ) => {
                if g1 == g2 {
                    1
                } else {
                    let typos = osa_at_most(g1, g2, 2).unwrap_or(3);
                    let swapped =
                        g1[..4] == g2[..4] && g1[4..6] == g2[6..8] && g1[6..8] == g2[4..6];
                    let close = *d1 != i32::MIN
                        && *d2 != i32::MIN
                        && f64::from(d1.abs_diff(*d2).min(i32::MAX as u32) as i32) <= t[0];
                    if typos <= 1 || swapped {
                        2
                    } else if close || typos <= 2 {
                        3
                    } else {
                        4
                    }
                }
            }
            (FieldKind::Year, Prepared::Num(x), Prepared::Num(y)) => {
                let d = (x - y).abs();
                if d < 0.5 {
                    1
                } else if d <= t[0] + 0.5 {
                    2
                } else if d <= t[1] + 0.5 {
                    3
                } else {
                    4
                }
            }
            (_, Prepared::Num(x), Prepared::Num(y)) => {
                if x == y {
                    1
                } else if (x - y).abs() <= x.abs().max(y.abs()) * t[0] / 100.0 {
                    2
                } else {
                    3
                }
            }
            (_, Prepared::Point(la1, lo1), Prepared::Point(la2, lo2)) => {
                let d = haversine_km(*la1, *lo1, *la2, *lo2);
                match t.iter().position(|&lim| d <= lim) {
                    Some(i) => 1 + i as u8,
                    None => 4,
                }
            }
            (_, Prepared::Range(a0, a1), Prepared::Range(b0, b1)) => {
                if a0 == b0 && a1 == b1 {
                    1
                } else {
                    let s = range_similarity((*a0, *a1), (*b0, *b1));
                    if s >= 1.0 {
                        2
                    } else if s >= 0.5 {
                        3
                    } else {
                        4
                    }
                }
            }
            (_, Prepared::Time(s1, e1), Prepared::Time(s2, e2)) => {
                let gap = s2.saturating_sub(*e1).max(s1.saturating_sub(*e2)).max(0) as f64 / 3600.0;
                let width = e1.saturating_sub(*s1).max(e2.saturating_sub(*s2)) as f64 / 3600.0;
                if gap <= 0.0 && width <= t[0] {
                    1
                } else if gap <= 0.0 && width <= t[1] {
                    2
                } else if gap <= 0.0 {
                    3
                } else if gap <= t[0] && width <= t[0] {
                    4
                } else if gap <= t[1] {
                    5
                } else {
                    6
                }
            }
            (FieldKind::Category, Prepared::Str(x), Prepared::Str(y)) => {
                if x == y {
                    1
                } else {
                    2
                }
            }
            (FieldKind::Identifier, Prepared::Str(x), Prepared::Str(y)) => {
                if x == y {
                    1
                } else {
                    match osa_at_most_str(x, y, 2) {
                        Some(1) => 2,
                        Some(2) => 3,
                        _ => 4,
                    }
                }
            }
            (_, Prepared::Str(x), Prepared::Str(y)) => {
                if x == y {
                    1
                } else {
                    let ascii = x.is_ascii() && y.is_ascii();
                    // Shared letters bound both measures: decide cheaply when they can.
                    let shared = if ascii {
                        shared_letters(x.as_bytes(), y.as_bytes())
                    } else {
                        0
                    };
                    let jw =
                        if ascii && jaro_winkler_below(x.as_bytes(), y.as_bytes(), shared, 0.80) {
                            0.0
                        } else if ascii {
                            jaro_winkler_slices(x.as_bytes(), y.as_bytes())
                        } else {
                            jaro_winkler(x, y)
                        };
                    let edits_possible = !ascii || x.len().max(y.len()) - shared <= 2;
                    if jw >= 0.92 || (edits_possible && osa_within(x, y, 2)) {
                        2
                    } else if jw >= 0.80 {
                        3
                    } else {
                        4
                    }
                }
            }
            (_, Prepared::Set(x), Prepared::Set(y)) => {
                let j = jaccard_sorted(x, y);
                if j >= 1.0 {
                    1
                } else if j >= 0.5 {
                    2
                } else if j > 0.0 {
                    3
                } else {
                    4
                }
            }
            (_, Prepared::Path(x), Prepared::Path(y)) => hierarchy_level(x, y),
            (_, Prepared::Text(x), Prepared::Text(y)) => {
                let s = jaccard_sorted(&x.words, &y.words).max(jaccard_sorted(&x.grams, &y.grams));
                ladder(s, &[0.6, 0.3, 0.12], 1)
            }
            // Values of one field always share a prepared form; anything else is disagreement.
            _ => (level_labels_len(self.kinds[f]) - 1) as u8,
        }
    }

    /// A continuous similarity in [0, 1] for explanations (`None` when a side is missing).
    pub(crate) fn similarity(&self, f: usize, a: &Prepared, b: &Prepared) -> Option<f64> {
        let s = match (a, b) {
            (Prepared::Missing, _) | (_, Prepared::Missing) => return None,
            (Prepared::Name(x), Prepared::Name(y)) => {
                if self.kinds[f] == FieldKind::FullName {
                    token_set_similarity(&x.loose, &y.loose)
                } else {
                    jaro_winkler(&x.loose, &y.loose)
                }
            }
            (Prepared::Str(x), Prepared::Str(y)) => jaro_winkler(x, y),
            (Prepared::Set(x), Prepared::Set(y)) => jaccard_sorted(x, y),
            (Prepared::Text(x), Prepared::Text(y)) => {
                jaccard_sorted(&x.words, &y.words).max(jaccard_sorted(&x.grams, &y.grams))
            }
            (Prepared::Range(a0, a1), Prepared::Range(b0, b1)) => {
                range_similarity((*a0, *a1), (*b0, *b1))
            }
            _ => {
                let n = level_labels_len(self.kinds[f]) - 1;
                let l = self.level(f, a, b);
                1.0 - (f64::from(l) - 1.0) / (n as f64 - 1.0).max(1.0)
            }
        };
        Some(s.clamp(0.0, 1.0))
    }
}

/// Levels of two paths (most specific first): the same place; one names a place the
/// other's place lies in; both lie in one area below the top of either path (two
/// neighbourhoods of a town, two villages of a district); otherwise different.
fn hierarchy_level(x: &[u32], y: &[u32]) -> u8 {
    if x[0] == y[0] {
        1
    } else if x.contains(&y[0]) || y.contains(&x[0]) {
        2
    } else {
        let (bx, by) = (&x[..x.len() - 1], &y[..y.len() - 1]);
        if bx.iter().any(|a| by.contains(a)) {
            3
        } else {
            4
        }
    }
}

fn level_labels_len(kind: FieldKind) -> usize {
    level_count(&FieldSpec::new("", kind))
}

/// Level `first` when `s >= cuts[0]`, `first + 1` when `s >= cuts[1]`, ..., else the level after.
fn ladder(s: f64, cuts: &[f64], first: u8) -> u8 {
    match cuts.iter().position(|&c| s >= c) {
        Some(i) => first + i as u8,
        None => first + cuts.len() as u8,
    }
}

fn sorted_tokens(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.split(' ').collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Dataset, Schema, Value};

    fn pair_levels(kind: FieldKind, a: Value, b: Value) -> u8 {
        let schema = Schema::new(vec![FieldSpec::new("f", kind)]);
        let mut ds = Dataset::new(schema.clone()).unwrap();
        ds.push("a", 0, vec![a]).unwrap();
        ds.push("b", 0, vec![b]).unwrap();
        let c = Comparator::new(&schema.fields);
        c.level(0, ds.field(0, 0), ds.field(1, 0))
    }

    #[test]
    fn levels_per_kind() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(
            pair_levels(FieldKind::GivenName, t("Sherzod"), t("sherzod")),
            1
        );
        assert_eq!(
            pair_levels(FieldKind::GivenName, t("sherzod"), Value::Missing),
            0
        );
        assert_eq!(
            pair_levels(FieldKind::Date, t("19560409"), t("19560419")),
            2
        );
        assert_eq!(
            pair_levels(FieldKind::Date, t("1956-04-09"), t("1956-09-04")),
            2
        );
        assert_eq!(
            pair_levels(FieldKind::Date, t("19560409"), t("19870101")),
            4
        );
        assert_eq!(
            pair_levels(FieldKind::Identifier, t("6089216"), t("6089261")),
            2
        );
        assert_eq!(
            pair_levels(
                FieldKind::Year,
                Value::Number(1976.0),
                Value::Number(1978.0)
            ),
            3
        );
        assert_eq!(
            pair_levels(
                FieldKind::Geo,
                Value::Point(40.5, 72.8),
                Value::Point(40.5, 72.801)
            ),
            1
        );
        assert_eq!(
            pair_levels(
                FieldKind::NumberRange,
                Value::Range(3.0, 5.0),
                Value::Range(4.0, 9.0)
            ),
            2
        );
        assert_eq!(
            pair_levels(
                FieldKind::TimeRange,
                Value::Time(0, 10),
                Value::Time(3600, 7200)
            ),
            4
        );
        assert_eq!(
            pair_levels(
                FieldKind::Set,
                Value::Set(vec!["arson".into()]),
                Value::Set(vec!["killing".into()])
            ),
            4
        );
        assert_eq!(
            pair_levels(
                FieldKind::FullName,
                t("Usmonov Sherzod"),
                t("Sherzod Usmonov")
            ),
            2
        );
    }

    #[test]
    fn places_compare_by_containment() {
        let path = |p: &[&str]| Value::Set(p.iter().map(|s| s.to_string()).collect());
        let cheremushki = path(&["cheremushki", "osh", "adm1:osh-city"]);
        let levels =
            |other: &[&str]| pair_levels(FieldKind::Hierarchy, cheremushki.clone(), path(other));
        assert_eq!(levels(&["cheremushki", "osh", "adm1:osh-city"]), 1);
        // The city, or only its region, contains the neighbourhood.
        assert_eq!(levels(&["osh", "adm1:osh-city"]), 2);
        assert_eq!(levels(&["adm1:osh-city"]), 2);
        // Another neighbourhood of the same city.
        assert_eq!(levels(&["shait-tepe", "osh", "adm1:osh-city"]), 3);
        // Sharing only the region is no closer than anything else.
        assert_eq!(levels(&["furkat", "adm1:osh-city"]), 4);
        assert_eq!(levels(&["kara-suu", "adm2:kara-suu", "adm1:osh-oblast"]), 4);
        // The path keeps its order: "osh" first is the city, not the neighbourhood.
        assert_eq!(levels(&["osh", "cheremushki"]), 2);
    }

    #[test]
    fn every_label_list_matches_levels() {
        for kind in FieldKind::ALL {
            let spec = FieldSpec::new("f", kind);
            assert!(level_count(&spec) >= 3, "{kind:?}");
        }
    }
}
