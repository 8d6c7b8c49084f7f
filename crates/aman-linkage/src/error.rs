//! The one error type at the crate boundary.

use thiserror::Error;

/// What went wrong while linking, in words a person can act on.
#[derive(Debug, Error)]
pub enum LinkError {
    /// A record carried a different number of values than the schema has fields.
    #[error("record {id:?} has {got} values but the schema has {expected} fields; pass one value per field (use Value::Missing for gaps)")]
    WrongArity {
        id: String,
        expected: usize,
        got: usize,
    },
    /// A value's type does not fit the field's kind.
    #[error("record {id:?}: field {field:?} is {kind} but got {value}; convert the value or change the field kind")]
    WrongValue {
        id: String,
        field: String,
        kind: &'static str,
        value: &'static str,
    },
    /// The schema has no fields to compare.
    #[error("no fields to compare: map at least one column to a field kind (for example --column given_name=first_name)")]
    NoFields,
    /// The CSV could not be read at all.
    #[error("cannot read CSV {source_name}: {message}")]
    Csv {
        source_name: String,
        message: String,
    },
    /// A column named in the mapping is absent from the CSV header.
    #[error("column {column:?} is not in the header of {source_name} (columns: {available}); check the spelling or the --column mapping")]
    MissingColumn {
        column: String,
        source_name: String,
        available: String,
    },
    /// A `--column` specification could not be understood.
    #[error("bad column mapping {spec:?}: {reason}")]
    BadMapping { spec: String, reason: String },
    /// Two files given for linkage have different field mappings.
    #[error("the files to link map to different fields ({left} vs {right}); give both files the same columns or an explicit mapping")]
    SchemaMismatch { left: String, right: String },
    /// Ground truth and clusters cover a different number of records.
    #[error("truth has {truth} labels but the clustering has {clusters} records; evaluate the clustering of the same records")]
    TruthLength { truth: usize, clusters: usize },
    /// A threshold or option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A record referred to in a decision or edit is unknown.
    #[error("unknown record id {0:?}")]
    UnknownRecord(String),
}
