//! Schema migrations: one folder per backend with paired file names, applied in order
//! and recorded in `schema_migrations`. An applied migration is never edited; changes
//! come as a new pair.

use crate::driver::{Tx, Value};
use crate::{Result, StoreError};

/// Names of all migrations, in order; each exists in both backend folders.
pub const MIGRATION_NAMES: &[&str] = &[
    "0001_init",
    "0002_consolidation",
    "0003_vault",
    "0004_ui",
    "0006_report_lists",
    "0007_report_cells",
    "0008_report_terms",
    "0009_fts_pending_terms",
    "0010_unused_report_indexes",
    "0011_received_at_once",
    "0012_linkage_models",
];
pub const SCHEMA_VERSION: usize = MIGRATION_NAMES.len();

pub(crate) const SQLITE: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_consolidation.sql"),
    include_str!("../migrations/sqlite/0003_vault.sql"),
    include_str!("../migrations/sqlite/0004_ui.sql"),
    include_str!("../migrations/sqlite/0006_report_lists.sql"),
    include_str!("../migrations/sqlite/0007_report_cells.sql"),
    include_str!("../migrations/sqlite/0008_report_terms.sql"),
    include_str!("../migrations/sqlite/0009_fts_pending_terms.sql"),
    include_str!("../migrations/sqlite/0010_unused_report_indexes.sql"),
    include_str!("../migrations/sqlite/0011_received_at_once.sql"),
    include_str!("../migrations/sqlite/0012_linkage_models.sql"),
];
pub(crate) const POSTGRES: &[&str] = &[
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_consolidation.sql"),
    include_str!("../migrations/postgres/0003_vault.sql"),
    include_str!("../migrations/postgres/0004_ui.sql"),
    include_str!("../migrations/postgres/0006_report_lists.sql"),
    include_str!("../migrations/postgres/0007_report_cells.sql"),
    include_str!("../migrations/postgres/0008_report_terms.sql"),
    include_str!("../migrations/postgres/0009_fts_pending_terms.sql"),
    include_str!("../migrations/postgres/0010_unused_report_indexes.sql"),
    include_str!("../migrations/postgres/0011_received_at_once.sql"),
    include_str!("../migrations/postgres/0012_linkage_models.sql"),
];

pub(crate) fn apply(tx: &mut dyn Tx, scripts: &[&str]) -> Result<()> {
    tx.exec_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )?;
    let applied: Vec<String> = tx
        .query("SELECT name FROM schema_migrations ORDER BY name", &[])?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_>>()?;
    if let Some(unknown) = applied
        .iter()
        .find(|a| !MIGRATION_NAMES.contains(&a.as_str()))
    {
        return Err(StoreError::Invalid(format!(
            "the database has migration {unknown}, which this version of Aman does not know: it was created by a newer version; upgrade Aman"
        )));
    }
    for (name, sql) in MIGRATION_NAMES.iter().zip(scripts) {
        if applied.iter().any(|a| a == name) {
            continue;
        }
        tracing::info!(migration = name, "applying migration");
        tx.exec_batch(sql)?;
        tx.exec(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
            &[
                Value::from(*name),
                Value::Int(chrono::Utc::now().timestamp()),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_exists_for_both_backends_with_the_same_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |backend: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir.join(backend))
                .unwrap()
                .map(|e| {
                    e.unwrap()
                        .file_name()
                        .to_string_lossy()
                        .trim_end_matches(".sql")
                        .to_string()
                })
                .collect();
            v.sort();
            v
        };
        let expected: Vec<String> = MIGRATION_NAMES.iter().map(|s| s.to_string()).collect();
        assert_eq!(names("sqlite"), expected);
        assert_eq!(names("postgres"), expected);
        assert_eq!(SQLITE.len(), expected.len());
        assert_eq!(POSTGRES.len(), expected.len());
    }
}
