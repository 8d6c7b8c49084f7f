//! Guard rails: when a capture table cannot support an estimate, say so and show the
//! documented count instead of a number that only looks precise.

use serde::Serialize;

use crate::table::CaptureTable;

/// Thresholds below which no estimate is made.
#[derive(Debug, Clone, Serialize)]
pub struct GuardOptions {
    /// Lists that must have recorded someone (capture–recapture with two lists cannot test
    /// any dependence assumption).
    pub min_lists: usize,
    /// People who must appear on two or more lists (the overlap identifies the estimate).
    pub min_overlap: u64,
}

impl Default for GuardOptions {
    fn default() -> Self {
        Self {
            min_lists: 3,
            min_overlap: 10,
        }
    }
}

/// An estimate withheld, with the count that is documented.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    /// People recorded by at least one list: the documented count.
    pub documented_count: u64,
    pub reason: String,
}

/// Returns a refusal when the table cannot support an estimate.
pub fn check(table: &CaptureTable, options: &GuardOptions) -> Option<Refusal> {
    let documented_count = table.total();
    let with_records = table.list_totals().iter().filter(|&&t| t > 0).count();
    if with_records < options.min_lists {
        return Some(Refusal {
            documented_count,
            reason: format!(
                "only {with_records} list(s) recorded anyone; an estimate needs at least {} lists with records",
                options.min_lists
            ),
        });
    }
    let overlap = table.overlap_total();
    if overlap < options.min_overlap {
        return Some(Refusal {
            documented_count,
            reason: format!(
                "only {overlap} people appear on two or more lists (at least {} needed); with so little overlap any estimate is driven by noise",
                options.min_overlap
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cells: &[(u32, u64)]) -> CaptureTable {
        CaptureTable::new(
            vec!["A".into(), "B".into(), "C".into()],
            cells.iter().copied(),
        )
        .unwrap()
    }

    #[test]
    fn refuses_two_lists_and_tiny_overlap() {
        let r = check(
            &table(&[(1, 50), (2, 40), (3, 30)]),
            &GuardOptions::default(),
        )
        .unwrap();
        assert_eq!(r.documented_count, 120);
        assert!(r.reason.contains("only 2 list(s)"));
        let r = check(
            &table(&[(1, 50), (2, 40), (4, 30), (3, 2)]),
            &GuardOptions::default(),
        )
        .unwrap();
        assert!(r.reason.contains("only 2 people"));
        assert!(check(
            &table(&[(1, 50), (2, 40), (4, 30), (3, 12)]),
            &GuardOptions::default()
        )
        .is_none());
    }
}
