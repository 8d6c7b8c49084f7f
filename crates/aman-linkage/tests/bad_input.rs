//! Bad input never panics and is never dropped silently: empty and mixed-script
//! names, missing dates, identical records, a 1 MB name, ragged CSV rows.

use aman_linkage::{
    link_csv_readers, link_dataset, CsvMapping, Dataset, FieldKind, FieldSpec, LinkError,
    LinkOptions, Schema, Value,
};

fn run(csv: &str) -> Result<aman_linkage::CsvLinkOutput, LinkError> {
    link_csv_readers(
        vec![("input.csv".to_string(), csv.as_bytes())],
        &CsvMapping::default(),
        &LinkOptions::default(),
        None,
    )
}

#[test]
fn empty_and_mixed_script_names_and_missing_dates() {
    let csv = "id,first_name,surname,dob\n\
               1,,,\n\
               2,Шерзод,Usmonov,\n\
               3,Sherzod,Усмонов,1976-13-45\n\
               4,Шерзод,Усмонов,not a date\n\
               5,  ,  ,\n";
    let out = run(csv).unwrap();
    assert_eq!(out.output.ids.len(), 5, "every row is kept");
    assert!(out.skipped_rows.is_empty());
    // "not a date" is counted, not silently ignored; 1976-13-45 keeps its digits for typo matching.
    assert_eq!(out.output.unparsed_values, 1);
    let c = &out.output.clustering.assignment;
    assert_eq!(c[1], c[2], "mixed-script spellings of one name link");
    assert_eq!(c[2], c[3]);
    assert_ne!(c[0], c[1], "an empty record links to nothing");
    assert_ne!(c[0], c[4]);
}

#[test]
fn ten_identical_records_form_one_cluster() {
    let mut csv = String::from("id,first_name,surname,dob\n");
    for i in 0..10 {
        csv.push_str(&format!("{i},Anna,Ivanova,1980-01-02\n"));
    }
    csv.push_str("10,Boris,Petrov,1955-05-05\n");
    let out = run(&csv).unwrap();
    let c = &out.output.clustering.assignment;
    assert!(c[..10].iter().all(|&x| x == c[0]));
    assert_ne!(c[10], c[0]);
}

#[test]
fn a_megabyte_name_is_cut_and_counted() {
    let big = "ж".repeat(1 << 20);
    let csv = format!("id,name\n1,{big}\n2,{big}\n3,Anna Ivanova\n");
    let out = run(&csv).unwrap();
    assert_eq!(out.output.truncated_values, 2);
    assert_eq!(out.output.ids.len(), 3);
}

#[test]
fn ragged_csv_rows_are_reported() {
    let csv =
        "id,first_name,surname\n1,Anna,Ivanova\n2,Anna\n3,Anna,Ivanova,extra\n4,Anna,Ivanova\n";
    let out = run(csv).unwrap();
    let lines: Vec<u64> = out.skipped_rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![3, 4]);
    assert!(out.skipped_rows[0].reason.contains("2 fields"));
    assert_eq!(out.output.ids.len(), 2);
}

#[test]
fn empty_inputs_and_bad_options_are_errors() {
    assert!(matches!(run(""), Err(LinkError::Csv { .. })));
    let out = run("id,name\n").unwrap();
    assert!(out.output.ids.is_empty());
    assert!(matches!(
        Dataset::new(Schema::new(vec![])),
        Err(LinkError::NoFields)
    ));
    let mut ds = Dataset::new(Schema::new(vec![FieldSpec::new(
        "name",
        FieldKind::FullName,
    )]))
    .unwrap();
    ds.push("a", 0, vec![Value::Text("x".into())]).unwrap();
    let opts = LinkOptions {
        threshold: 1.5,
        ..Default::default()
    };
    assert!(matches!(
        link_dataset(&ds, &opts, None),
        Err(LinkError::InvalidOption(_))
    ));
    let one = link_dataset(&ds, &LinkOptions::default(), None).unwrap();
    assert_eq!(one.clustering.cluster_count(), 1);
}
