//! Bad input gives clear errors or refusals, never panics.

use aman_estimate::{
    estimate, CaptureTable, CsvOptions, EstimateError, EstimateOptions, TableError,
};

fn read(s: &str) -> Result<CaptureTable, TableError> {
    CaptureTable::from_csv(s.as_bytes(), &CsvOptions::default())
}

fn quick() -> EstimateOptions {
    let mut o = EstimateOptions::default();
    o.lcmcr.burn_in = 200;
    o.lcmcr.draws = 100;
    o.lcmcr.thin = 2;
    o.sensitivity = false;
    o
}

#[test]
fn empty_and_all_zero_tables_are_errors() {
    let empty = read("a,b,c,count\n").unwrap();
    assert_eq!(
        estimate(&empty, &quick()).unwrap_err(),
        EstimateError::EmptyTable
    );
    let zeros = read("a,b,c,count\n1,0,0,0\n0,1,1,0\n").unwrap();
    let err = estimate(&zeros, &quick()).unwrap_err();
    assert!(err.to_string().contains("no records"));
}

#[test]
fn one_list_is_refused_with_the_documented_count() {
    let t = read("a,count\n1,17\n").unwrap();
    let r = estimate(&t, &quick()).unwrap();
    let refusal = r.refused.as_ref().unwrap();
    assert_eq!(refusal.documented_count, 17);
    assert!(r.to_text().contains("NO ESTIMATE"));
    assert!(r.loglinear.is_none() && r.dga.is_none() && r.lcmcr.is_none());
}

#[test]
fn malformed_cells_name_line_and_column() {
    let e = read("a,b,count\n1,0,5\n0,x,2\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3, column `b`: `x` is not 0 or 1; list columns hold 0 (absent) or 1 (recorded)"
    );
    let e = read("a,b,count\n1,0,-5\n").unwrap_err();
    assert!(
        matches!(e, TableError::NegativeCount { line: 2, .. }),
        "{e}"
    );
    let e = read("a,b,count\n1,0,2.5\n").unwrap_err();
    assert!(matches!(e, TableError::BadCount { line: 2, .. }), "{e}");
    let e = read("a,b\n1,2\n").unwrap_err();
    assert!(matches!(e, TableError::NotBinary { line: 2, .. }), "{e}");
}

#[test]
fn invalid_options_are_rejected() {
    let t = read("a,b,c,count\n1,0,0,5\n1,1,0,6\n0,1,1,7\n1,0,1,8\n0,0,1,9\n").unwrap();
    let mut o = quick();
    o.chains = 0;
    assert!(matches!(estimate(&t, &o), Err(EstimateError::BadOption(_))));
    let mut o = quick();
    o.interval = 1.5;
    assert!(matches!(estimate(&t, &o), Err(EstimateError::BadOption(_))));
    let mut o = quick();
    o.methods = vec![aman_estimate::Method::Dga];
    o.dga.grid = Some(aman_estimate::MissingGrid {
        start: 0,
        end: 5_000_000_000,
        step: 1,
    });
    let r = estimate(&t, &o).unwrap();
    assert!(
        r.skipped[0].reason.contains("at most 1000000"),
        "{:?}",
        r.skipped
    );
    let mut o = quick();
    o.methods.clear();
    assert!(matches!(estimate(&t, &o), Err(EstimateError::BadOption(_))));
}
