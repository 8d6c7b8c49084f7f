//! The capture table: J named lists and how many people were seen on each combination of
//! lists (a capture pattern, stored as a bitmask with bit j set when list j recorded the
//! person). Built from a capture-pattern CSV or from linked persons' list memberships,
//! optionally split into strata.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;

/// Largest number of lists a table may hold (patterns are `u32` bitmasks).
pub const MAX_LISTS: usize = 30;

/// Column names accepted as the count column when the default name `count` is asked for.
const COUNT_ALIASES: [&str; 5] = ["count", "counts", "freq", "frequency", "n"];

/// Why a capture table could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error("the CSV could not be read at line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("the CSV has no header row; the first line must name one column per list (and the count column)")]
    MissingHeader,
    #[error("the CSV has no list columns; give one 0/1 column per list besides the count column `{count_column}`")]
    NoListColumns { count_column: String },
    #[error("the count column `{0}` was asked for but is not in the header; pass the right name or omit it for one row per record")]
    MissingCountColumn(String),
    #[error("column `{0}` appears twice in the header; list names must be unique")]
    DuplicateColumn(String),
    #[error("{found} lists given but at most {max} are supported")]
    TooManyLists { found: usize, max: usize },
    #[error("line {line}, column `{column}`: `{value}` is not 0 or 1; list columns hold 0 (absent) or 1 (recorded)")]
    NotBinary {
        line: u64,
        column: String,
        value: String,
    },
    #[error("line {line}, column `{column}`: `{value}` is not a whole number of people")]
    BadCount {
        line: u64,
        column: String,
        value: String,
    },
    #[error("line {line}, column `{column}`: count {value} is negative; counts must be 0 or more")]
    NegativeCount {
        line: u64,
        column: String,
        value: String,
    },
    #[error("line {line}: {count} people have the all-zero pattern (on no list); such people cannot be observed, so remove the row or fix the list columns")]
    UnobservedPattern { line: u64, count: u64 },
    #[error("line {line}: the pattern has {found} entries but there are {expected} lists")]
    PatternLength {
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("the table holds no records (all counts are zero or there are no rows)")]
    Empty,
    #[error("person #{person} is on list index {index}, but only {lists} lists are named")]
    ListIndexOutOfRange {
        person: usize,
        index: usize,
        lists: usize,
    },
    #[error("person #{person} is on no list; only people recorded by at least one list belong in a capture table")]
    PersonOnNoList { person: usize },
    #[error("{0}")]
    Format(String),
}

/// Counts of people per observed capture pattern over J named lists.
///
/// Invariants: 1 ≤ J ≤ [`MAX_LISTS`]; cells are sorted by pattern, unique, with non-zero
/// patterns below 2^J and positive counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureTable {
    lists: Vec<String>,
    cells: Vec<(u32, u64)>,
}

impl CaptureTable {
    /// Builds a table from list names and (pattern, count) pairs; duplicate patterns add up and
    /// zero counts are dropped. The table may be empty (the guard rails then refuse it).
    pub fn new(
        lists: Vec<String>,
        cells: impl IntoIterator<Item = (u32, u64)>,
    ) -> Result<Self, TableError> {
        if lists.is_empty() {
            return Err(TableError::NoListColumns {
                count_column: "count".into(),
            });
        }
        if lists.len() > MAX_LISTS {
            return Err(TableError::TooManyLists {
                found: lists.len(),
                max: MAX_LISTS,
            });
        }
        check_unique(&lists)?;
        let limit = 1u64 << lists.len();
        let mut merged: BTreeMap<u32, u64> = BTreeMap::new();
        for (pattern, count) in cells {
            if u64::from(pattern) >= limit {
                return Err(TableError::Format(format!(
                    "pattern {pattern:#b} names a list beyond the {} given",
                    lists.len()
                )));
            }
            if count == 0 {
                continue;
            }
            if pattern == 0 {
                return Err(TableError::UnobservedPattern { line: 0, count });
            }
            *merged.entry(pattern).or_insert(0) += count;
        }
        Ok(Self {
            lists,
            cells: merged.into_iter().collect(),
        })
    }

    /// Reads a capture-pattern CSV: one 0/1 column per list and a count column (see
    /// [`CsvOptions`]); without a count column every row is one record.
    pub fn from_csv<R: Read>(reader: R, options: &CsvOptions) -> Result<Self, TableError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(reader);
        let header = rdr.headers().map_err(csv_error)?.clone();
        if header.is_empty() || header.iter().all(str::is_empty) {
            return Err(TableError::MissingHeader);
        }
        let names: Vec<String> = header.iter().map(str::to_string).collect();
        let count_idx = match &options.count_column {
            Some(name) => Some(
                names
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| TableError::MissingCountColumn(name.clone()))?,
            ),
            None => COUNT_ALIASES
                .iter()
                .find_map(|alias| names.iter().position(|h| h.eq_ignore_ascii_case(alias))),
        };
        let list_idx: Vec<usize> = (0..names.len()).filter(|&i| Some(i) != count_idx).collect();
        let count_name = count_idx
            .map(|i| names[i].clone())
            .unwrap_or_else(|| "count".into());
        if list_idx.is_empty() {
            return Err(TableError::NoListColumns {
                count_column: count_name,
            });
        }
        if list_idx.len() > MAX_LISTS {
            return Err(TableError::TooManyLists {
                found: list_idx.len(),
                max: MAX_LISTS,
            });
        }
        let lists: Vec<String> = list_idx.iter().map(|&i| names[i].clone()).collect();
        check_unique(&lists)?;
        let mut cells: BTreeMap<u32, u64> = BTreeMap::new();
        for record in rdr.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            let mut pattern = 0u32;
            for (bit, &col) in list_idx.iter().enumerate() {
                let value = record.get(col).unwrap_or("");
                match value {
                    "0" => {}
                    "1" => pattern |= 1 << bit,
                    _ => {
                        return Err(TableError::NotBinary {
                            line,
                            column: names[col].clone(),
                            value: value.to_string(),
                        })
                    }
                }
            }
            let count = match count_idx {
                None => 1,
                Some(col) => parse_count(record.get(col).unwrap_or(""), line, &names[col])?,
            };
            if count == 0 {
                continue;
            }
            if pattern == 0 {
                return Err(TableError::UnobservedPattern { line, count });
            }
            *cells.entry(pattern).or_insert(0) += count;
        }
        Ok(Self {
            lists,
            cells: cells.into_iter().collect(),
        })
    }

    /// Builds one table from linked persons' list memberships (indices into `lists`).
    pub fn from_memberships(
        lists: Vec<String>,
        persons: &[LinkedPerson],
    ) -> Result<Self, TableError> {
        let j = lists.len();
        let mut cells = Vec::with_capacity(persons.len());
        for (person, p) in persons.iter().enumerate() {
            cells.push((membership_mask(person, &p.lists, j)?, 1));
        }
        Self::new(lists, cells)
    }

    /// List names, in bit order.
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// Number of lists J.
    pub fn num_lists(&self) -> usize {
        self.lists.len()
    }

    /// Observed (pattern, count) cells, sorted by pattern, counts positive.
    pub fn cells(&self) -> &[(u32, u64)] {
        &self.cells
    }

    /// Number of distinct people recorded (n).
    pub fn total(&self) -> u64 {
        self.cells.iter().map(|&(_, c)| c).sum()
    }

    /// Count for one pattern (0 when unobserved).
    pub fn count(&self, pattern: u32) -> u64 {
        self.cells
            .binary_search_by_key(&pattern, |&(p, _)| p)
            .map_or(0, |i| self.cells[i].1)
    }

    /// People recorded by each list.
    pub fn list_totals(&self) -> Vec<u64> {
        (0..self.num_lists())
            .map(|j| {
                self.cells
                    .iter()
                    .filter(|&&(p, _)| p & (1 << j) != 0)
                    .map(|&(_, c)| c)
                    .sum()
            })
            .collect()
    }

    /// People recorded by two or more lists (the overlap that identifies the estimate).
    pub fn overlap_total(&self) -> u64 {
        self.cells
            .iter()
            .filter(|&&(p, _)| p.count_ones() >= 2)
            .map(|&(_, c)| c)
            .sum()
    }

    /// The full 2^J table indexed by pattern (cell 0, the unobserved, is 0); `None` when J is
    /// too large for a dense table.
    pub fn dense(&self) -> Option<Vec<u64>> {
        if self.num_lists() > 24 {
            return None;
        }
        let mut out = vec![0u64; 1 << self.num_lists()];
        for &(p, c) in &self.cells {
            out[p as usize] = c;
        }
        Some(out)
    }

    /// Drops lists that recorded nobody (they carry no information and break model fits).
    pub fn without_empty_lists(&self) -> Self {
        let totals = self.list_totals();
        let keep: Vec<usize> = (0..self.num_lists()).filter(|&j| totals[j] > 0).collect();
        if keep.len() == self.num_lists() || keep.is_empty() {
            return self.clone();
        }
        let lists = keep.iter().map(|&j| self.lists[j].clone()).collect();
        let cells = self.cells.iter().map(|&(p, c)| {
            let q = keep
                .iter()
                .enumerate()
                .filter(|&(_, &j)| p & (1 << j) != 0)
                .fold(0u32, |acc, (b, _)| acc | (1 << b));
            (q, c)
        });
        Self::new(lists, cells).expect("a subset of a valid table's lists is valid")
    }

    /// Renders the table as a capture-pattern CSV readable by [`CaptureTable::from_csv`].
    pub fn to_csv(&self) -> String {
        let mut out = self.lists.join(",");
        out.push_str(",count\n");
        for &(p, c) in &self.cells {
            for j in 0..self.num_lists() {
                out.push(if p & (1 << j) != 0 { '1' } else { '0' });
                out.push(',');
            }
            out.push_str(&c.to_string());
            out.push('\n');
        }
        out
    }
}

/// How to read a capture-pattern CSV.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Name of the count column. `None` (the default) looks for `count` (or, case-insensitively,
    /// `counts`, `freq`, `frequency`, `n`) and, when none is present, treats each row as one record.
    pub count_column: Option<String>,
}

/// One linked person: the lists that recorded them and their stratum labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkedPerson {
    /// Indices of the lists (into the list-name vector) that recorded this person.
    pub lists: Vec<usize>,
    /// Stratum labels, e.g. `period → "June 10-14"`, `sex → "f"`.
    pub strata: BTreeMap<String, String>,
}

/// One stratum's capture table with the labels that define it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stratum {
    /// Human-readable label, e.g. `sex=f, period=1`; `all` when not stratified.
    pub label: String,
    /// The stratum variables and their values.
    pub key: BTreeMap<String, String>,
    pub table: CaptureTable,
}

/// Value used for a person lacking a stratum variable.
pub const MISSING_STRATUM: &str = "(missing)";

/// Splits linked persons into one capture table per combination of the `by` variables.
/// Every table keeps all J lists so strata stay comparable.
pub fn stratify(
    lists: &[String],
    persons: &[LinkedPerson],
    by: &[&str],
) -> Result<Vec<Stratum>, TableError> {
    let j = lists.len();
    let mut groups: BTreeMap<Vec<String>, Vec<(u32, u64)>> = BTreeMap::new();
    for (person, p) in persons.iter().enumerate() {
        let mask = membership_mask(person, &p.lists, j)?;
        let key: Vec<String> = by
            .iter()
            .map(|v| {
                p.strata
                    .get(*v)
                    .cloned()
                    .unwrap_or_else(|| MISSING_STRATUM.into())
            })
            .collect();
        groups.entry(key).or_default().push((mask, 1));
    }
    groups
        .into_iter()
        .map(|(values, cells)| {
            let key: BTreeMap<String, String> = by
                .iter()
                .map(|s| s.to_string())
                .zip(values.iter().cloned())
                .collect();
            Ok(Stratum {
                label: stratum_label(&key),
                key,
                table: CaptureTable::new(lists.to_vec(), cells)?,
            })
        })
        .collect()
}

/// `a=x, b=y`, or `all` for the unstratified table.
pub fn stratum_label(key: &BTreeMap<String, String>) -> String {
    if key.is_empty() {
        return "all".into();
    }
    key.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn membership_mask(person: usize, lists: &[usize], j: usize) -> Result<u32, TableError> {
    if j > MAX_LISTS {
        return Err(TableError::TooManyLists {
            found: j,
            max: MAX_LISTS,
        });
    }
    let mut mask = 0u32;
    for &index in lists {
        if index >= j {
            return Err(TableError::ListIndexOutOfRange {
                person,
                index,
                lists: j,
            });
        }
        mask |= 1 << index;
    }
    if mask == 0 {
        return Err(TableError::PersonOnNoList { person });
    }
    Ok(mask)
}

fn check_unique(lists: &[String]) -> Result<(), TableError> {
    let mut seen = std::collections::BTreeSet::new();
    for l in lists {
        if !seen.insert(l.as_str()) {
            return Err(TableError::DuplicateColumn(l.clone()));
        }
    }
    Ok(())
}

pub(crate) fn parse_count(value: &str, line: u64, column: &str) -> Result<u64, TableError> {
    if let Ok(v) = value.parse::<u64>() {
        return Ok(v);
    }
    // Accept integral floats such as `12.0` written by R or spreadsheets.
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v < 0.0 => Err(TableError::NegativeCount {
            line,
            column: column.to_string(),
            value: value.to_string(),
        }),
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v < 9.0e15 => Ok(v as u64),
        _ => Err(TableError::BadCount {
            line,
            column: column.to_string(),
            value: value.to_string(),
        }),
    }
}

pub(crate) fn csv_error(e: csv::Error) -> TableError {
    let line = e.position().map_or(0, |p| p.line());
    TableError::Csv {
        line,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<CaptureTable, TableError> {
        CaptureTable::from_csv(s.as_bytes(), &CsvOptions::default())
    }

    #[test]
    fn reads_counts_and_merges_duplicate_patterns() {
        let t = read("a,b,c,count\n1,0,0,5\n1,1,0,2\n1,0,0,1\n0,0,1,0\n").unwrap();
        assert_eq!(t.lists(), ["a", "b", "c"]);
        assert_eq!(t.cells(), &[(1, 6), (3, 2)]);
        assert_eq!(t.total(), 8);
        assert_eq!(t.list_totals(), vec![8, 2, 0]);
        assert_eq!(t.overlap_total(), 2);
    }

    #[test]
    fn rows_without_count_column_are_records() {
        let t = read("x,y\n1,0\n1,1\n1,1\n").unwrap();
        assert_eq!(t.cells(), &[(1, 1), (3, 2)]);
    }

    #[test]
    fn count_alias_and_custom_name() {
        let t = read("a,b,Freq\n1,1,4\n").unwrap();
        assert_eq!(t.cells(), &[(3, 4)]);
        let opts = CsvOptions {
            count_column: Some("people".into()),
        };
        let t = CaptureTable::from_csv("a,people,b\n1,7,0\n".as_bytes(), &opts).unwrap();
        assert_eq!(t.lists(), ["a", "b"]);
        assert_eq!(t.cells(), &[(1, 7)]);
        let err = CaptureTable::from_csv("a,b\n1,0\n".as_bytes(), &opts).unwrap_err();
        assert_eq!(err, TableError::MissingCountColumn("people".into()));
    }

    #[test]
    fn bad_input_names_line_and_column() {
        let err = read("a,b,count\n1,0,3\n1,2,1\n").unwrap_err();
        assert_eq!(
            err,
            TableError::NotBinary {
                line: 3,
                column: "b".into(),
                value: "2".into()
            }
        );
        assert!(err.to_string().contains("line 3, column `b`"));
        let err = read("a,b,count\n1,0,-3\n").unwrap_err();
        assert!(matches!(err, TableError::NegativeCount { line: 2, .. }));
        let err = read("a,b,count\n1,0,abc\n").unwrap_err();
        assert!(matches!(err, TableError::BadCount { line: 2, .. }));
        let err = read("a,b,count\n0,0,4\n").unwrap_err();
        assert!(matches!(err, TableError::UnobservedPattern { line: 2, .. }));
        assert!(matches!(
            read("count\n3\n"),
            Err(TableError::NoListColumns { .. })
        ));
        assert!(matches!(
            read("a,a,count\n1,0,1\n"),
            Err(TableError::DuplicateColumn(_))
        ));
        assert!(matches!(
            read("a,b,count\n1,0\n"),
            Err(TableError::Csv { .. })
        ));
        assert!(matches!(read(""), Err(TableError::MissingHeader)));
    }

    #[test]
    fn stratifies_linked_persons() {
        let lists: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let person = |l: &[usize], sex: &str| LinkedPerson {
            lists: l.to_vec(),
            strata: [("sex".to_string(), sex.to_string())].into(),
        };
        let persons = vec![
            person(&[0], "f"),
            person(&[0, 2], "f"),
            person(&[1], "m"),
            LinkedPerson {
                lists: vec![2],
                strata: BTreeMap::new(),
            },
        ];
        let strata = stratify(&lists, &persons, &["sex"]).unwrap();
        let labels: Vec<&str> = strata.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["sex=(missing)", "sex=f", "sex=m"]);
        assert_eq!(strata[1].table.cells(), &[(1, 1), (5, 1)]);
        let all = CaptureTable::from_memberships(lists.clone(), &persons).unwrap();
        assert_eq!(all.total(), 4);
        let bad = vec![LinkedPerson {
            lists: vec![3],
            strata: BTreeMap::new(),
        }];
        assert!(matches!(
            CaptureTable::from_memberships(lists.clone(), &bad),
            Err(TableError::ListIndexOutOfRange { index: 3, .. })
        ));
        assert!(matches!(
            CaptureTable::from_memberships(lists, &[LinkedPerson::default()]),
            Err(TableError::PersonOnNoList { person: 0 })
        ));
    }

    #[test]
    fn dropping_empty_lists_renumbers_patterns() {
        let t = CaptureTable::new(
            vec!["a".into(), "b".into(), "c".into()],
            [(0b101, 3), (0b001, 2)],
        )
        .unwrap();
        let s = t.without_empty_lists();
        assert_eq!(s.lists(), ["a", "c"]);
        assert_eq!(s.cells(), &[(0b01, 2), (0b11, 3)]);
    }
}
