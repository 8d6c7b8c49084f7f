//! Aman's use cases, shared by the HTTP server and the CLI: signing in, taking in
//! reports (validate → resolve the place → store), importing and exporting files, and
//! loading the synthetic demo scenario.
//!
//! Knows the [`Store`](aman_store::Store) trait and the pure crates; never SQL, never HTTP.

pub mod auth;
pub mod demo;
pub mod estimation;
pub mod export;
pub mod import;
pub mod intake;
pub mod linking;
pub mod places;

pub use intake::Intake;
