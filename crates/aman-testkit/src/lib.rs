//! Test-only helpers for finding outside resources: the `../shared` data folder and a
//! PostgreSQL server.
//!
//! A fresh clone has neither, so tests that need them print one `skipped: …` line and
//! return. CI sets `AMAN_REQUIRE_SHARED=1` and `AMAN_REQUIRE_PG=1`, which turn that
//! absence into a failure, so a green CI run means the tests really ran.

use std::path::PathBuf;

/// The `shared/` folder beside the repository (or `AMAN_SHARED_DIR`), if present.
///
/// Returns `None` after printing a skip line when absent; panics instead when
/// `AMAN_REQUIRE_SHARED` is set.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("AMAN_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("..").join("shared"));
    if dir.join("data").is_dir() {
        return Some(dir);
    }
    if required("AMAN_REQUIRE_SHARED") {
        panic!(
            "{test}: {} is absent but AMAN_REQUIRE_SHARED is set",
            dir.display()
        );
    }
    println!("skipped: {test}: ../shared/data not present");
    None
}

/// The PostgreSQL URL to test against (`AMAN_TEST_PG_URL`), if set.
///
/// Returns `None` after printing a skip line when unset; panics instead when
/// `AMAN_REQUIRE_PG` is set.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("AMAN_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if required("AMAN_REQUIRE_PG") {
                panic!("{test}: AMAN_TEST_PG_URL is unset but AMAN_REQUIRE_PG is set");
            }
            println!("skipped: {test}: AMAN_TEST_PG_URL not set (no PostgreSQL)");
            None
        }
    }
}

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0")
}
