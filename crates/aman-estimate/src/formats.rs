//! Readers for the published capture-recapture data layouts used as reference cases:
//! bit-string pattern files (HRDAG's Philippines and Colombia data, SparseMSE's counts) and
//! R column-major 2^J arrays (the dga package's Madigan & York examples).

use std::collections::BTreeMap;
use std::io::Read;

use crate::table::{csv_error, parse_count, stratum_label, CaptureTable, Stratum, TableError};

/// Reads a file with columns `lists` (list names joined by `;`), `pattern` (a bit string, the
/// first character for the first list) and `count`; every other column is a stratum variable,
/// and each distinct combination of stratum values becomes one table.
pub fn read_bitstring_patterns<R: Read>(reader: R) -> Result<Vec<Stratum>, TableError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = rdr.headers().map_err(csv_error)?.clone();
    let find = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            TableError::Format(format!(
                "the pattern file needs a `{name}` column (columns: lists, pattern, count, and stratum columns)"
            ))
        })
    };
    let (lists_col, pattern_col, count_col) = (find("lists")?, find("pattern")?, find("count")?);
    let strata_cols: Vec<usize> = (0..header.len())
        .filter(|i| ![lists_col, pattern_col, count_col].contains(i))
        .collect();
    type Group = (Vec<String>, Vec<(u32, u64)>);
    let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    let mut order: Vec<Vec<String>> = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let lists: Vec<String> = record[lists_col].split(';').map(str::to_string).collect();
        let bits = &record[pattern_col];
        if bits.len() != lists.len() {
            return Err(TableError::PatternLength {
                line,
                expected: lists.len(),
                found: bits.len(),
            });
        }
        let mut pattern = 0u32;
        for (j, ch) in bits.chars().enumerate() {
            match ch {
                '0' => {}
                '1' if j < 32 => pattern |= 1 << j,
                _ => {
                    return Err(TableError::NotBinary {
                        line,
                        column: "pattern".into(),
                        value: bits.to_string(),
                    })
                }
            }
        }
        let count = parse_count(&record[count_col], line, "count")?;
        let key: Vec<String> = strata_cols.iter().map(|&c| record[c].to_string()).collect();
        let entry = groups.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            (lists.clone(), Vec::new())
        });
        if entry.0 != lists {
            return Err(TableError::Format(format!(
                "line {line}: the lists differ from earlier rows of the same stratum"
            )));
        }
        entry.1.push((pattern, count));
    }
    order
        .into_iter()
        .map(|key_values| {
            let (lists, cells) = groups.remove(&key_values).expect("every key was recorded");
            let key: BTreeMap<String, String> = strata_cols
                .iter()
                .map(|&c| header[c].to_string())
                .zip(key_values)
                .collect();
            Ok(Stratum {
                label: stratum_label(&key),
                key,
                table: CaptureTable::new(lists, cells)?,
            })
        })
        .collect()
}

/// Reads a file with columns `example`, `n_lists` and `counts`, where `counts` is an R
/// column-major `array(dim = rep(2, J))` joined by commas: index 1 + l1 + 2·l2 + 4·l3 …,
/// so the zero-based offset is the pattern bitmask. Lists are named `L1` … `LJ`.
pub fn read_r_arrays<R: Read>(reader: R) -> Result<Vec<Stratum>, TableError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = rdr.headers().map_err(csv_error)?.clone();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| TableError::Format(format!("the R-array file needs a `{name}` column")))
    };
    let (name_col, j_col, counts_col) = (find("example")?, find("n_lists")?, find("counts")?);
    let mut out = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let j: usize = record[j_col].parse().map_err(|_| {
            TableError::Format(format!(
                "line {line}: n_lists `{}` is not a number",
                &record[j_col]
            ))
        })?;
        let counts = record[counts_col]
            .split(',')
            .map(|v| parse_count(v.trim(), line, "counts"))
            .collect::<Result<Vec<u64>, _>>()?;
        if j == 0 || j > 24 || counts.len() != 1 << j {
            return Err(TableError::Format(format!(
                "line {line}: {} counts given for {j} lists; an R 2^J array needs 2^J",
                counts.len()
            )));
        }
        if counts[0] != 0 {
            return Err(TableError::UnobservedPattern {
                line,
                count: counts[0],
            });
        }
        let lists = (1..=j).map(|i| format!("L{i}")).collect();
        let cells = counts.iter().enumerate().map(|(p, &c)| (p as u32, c));
        let key: BTreeMap<String, String> =
            [("example".to_string(), record[name_col].to_string())].into();
        out.push(Stratum {
            label: stratum_label(&key),
            key,
            table: CaptureTable::new(lists, cells)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_strings_group_by_stratum_columns() {
        let s = "region,lists,pattern,count\nx,a;b;c,100,3\nx,a;b;c,011,2\ny,a;b,11,4\n";
        let strata = read_bitstring_patterns(s.as_bytes()).unwrap();
        assert_eq!(strata.len(), 2);
        assert_eq!(strata[0].label, "region=x");
        assert_eq!(strata[0].table.cells(), &[(0b001, 3), (0b110, 2)]);
        assert_eq!(strata[1].table.lists(), ["a", "b"]);
        let bad = "lists,pattern,count\na;b,1,3\n";
        assert!(matches!(
            read_bitstring_patterns(bad.as_bytes()),
            Err(TableError::PatternLength { line: 2, .. })
        ));
    }

    #[test]
    fn r_array_offsets_are_bitmasks() {
        let s = "example,n_lists,counts\nt,2,\"0,5,6,7\"\n";
        let strata = read_r_arrays(s.as_bytes()).unwrap();
        assert_eq!(strata[0].table.cells(), &[(1, 5), (2, 6), (3, 7)]);
        let bad = "example,n_lists,counts\nt,2,\"0,5,6\"\n";
        assert!(read_r_arrays(bad.as_bytes()).is_err());
    }
}
