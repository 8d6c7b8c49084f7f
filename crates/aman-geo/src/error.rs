//! Errors at the crate boundary: every one names the file position or field at fault.

/// What went wrong while loading gazetteer or boundary data.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// A row of a tabular file (GeoNames dump, alternate names, curated CSV) is unusable.
    #[error("{source_name} line {line}: field `{field}`: {problem}; fix or remove the row and import again (nothing was loaded)")]
    Row {
        source_name: String,
        line: usize,
        field: String,
        problem: String,
    },
    /// The GeoJSON text is not a usable FeatureCollection.
    #[error("GeoJSON: {0}; nothing was loaded")]
    GeoJson(String),
    /// One feature of a GeoJSON file is unusable.
    #[error("GeoJSON feature {index} ({name}): {problem}; fix the feature and import again (nothing was loaded)")]
    Feature {
        index: usize,
        name: String,
        problem: String,
    },
    /// The input has nothing to load.
    #[error("{0} has no data rows; nothing was loaded")]
    Empty(String),
}

impl GeoError {
    pub(crate) fn row(
        source: &str,
        line: usize,
        field: &str,
        problem: impl Into<String>,
    ) -> GeoError {
        GeoError::Row {
            source_name: source.to_owned(),
            line,
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}
