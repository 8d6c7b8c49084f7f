//! The mission's gazetteer: the built-in one plus the files a mission imported
//! (GeoNames dumps, boundaries with P-codes, curated places). Imported files are kept
//! in `DATA_DIR/places/` in import order and replayed at start, so the server, the CLI
//! and every restart see the same places.

use std::path::{Path, PathBuf};

use aman_geo::{Geocoder, ImportKind, ImportSummary};

#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Geo {
        path: PathBuf,
        source: aman_geo::GeoError,
    },
    #[error("unknown place file kind '{0}'; use geonames, boundaries or csv")]
    Kind(String),
}

fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("places")
}

fn read(path: &Path) -> Result<String, PlacesError> {
    std::fs::read_to_string(path).map_err(|source| PlacesError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Stored files are named `NNNN-KIND-ORIGINAL_NAME`, so order and kind survive.
fn stored_files(data_dir: &Path) -> Result<Vec<(ImportKind, PathBuf)>, PlacesError> {
    let dir = folder(data_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let kind = name.split('-').nth(1).unwrap_or_default().to_string();
            ImportKind::from_code(&kind)
                .map(|k| (k, path))
                .ok_or(PlacesError::Kind(kind))
        })
        .collect()
}

/// The built-in gazetteer with every stored mission file applied in order.
pub fn load_geocoder(data_dir: &Path) -> Result<Geocoder, PlacesError> {
    let mut geocoder = Geocoder::builtin();
    for (kind, path) in stored_files(data_dir)? {
        let text = read(&path)?;
        let source = path.display().to_string();
        geocoder = geocoder
            .import(kind, &text, &source)
            .map_err(|source| PlacesError::Geo {
                path: path.clone(),
                source,
            })?
            .0;
    }
    Ok(geocoder)
}

/// Checks a file by applying it to the current gazetteer, and keeps it only if that
/// succeeds: a bad file changes nothing.
pub fn import_file(data_dir: &Path, kind: &str, file: &Path) -> Result<ImportSummary, PlacesError> {
    let import_kind =
        ImportKind::from_code(kind).ok_or_else(|| PlacesError::Kind(kind.to_string()))?;
    let current = load_geocoder(data_dir)?;
    let text = read(file)?;
    let (_, summary) = current
        .import(import_kind, &text, &file.display().to_string())
        .map_err(|source| PlacesError::Geo {
            path: file.to_path_buf(),
            source,
        })?;
    let dir = folder(data_dir);
    std::fs::create_dir_all(&dir).map_err(|source| PlacesError::Io {
        path: dir.clone(),
        source,
    })?;
    let n = stored_files(data_dir)?.len() + 1;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let target = dir.join(format!("{n:04}-{kind}-{name}"));
    std::fs::write(&target, text).map_err(|source| PlacesError::Io {
        path: target,
        source,
    })?;
    Ok(summary)
}
