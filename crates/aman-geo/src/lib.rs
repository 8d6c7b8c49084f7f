//! Places for Aman: an offline multilingual gazetteer of Kyrgyzstan, a geocoder for
//! place text in Kyrgyz, Uzbek, Russian and English (either script), and admin-area
//! assignment of points by point-in-polygon.
//!
//! Pure: no HTTP, no SQL, nothing fetched at run time. The built-in data (GeoNames,
//! Natural Earth, mission-curated places) is compiled in; a mission's own GeoNames dump,
//! boundaries and curated CSV are parsed by [`import`] and [`parse_boundaries_geojson`]
//! into new values that the caller swaps in only when complete.
//!
//! Entry points: [`Geocoder::builtin`], [`Geocoder::resolve`] (report intake),
//! [`Geocoder::geocode`] (search), [`Geocoder::extract_mentions`] (narrative),
//! [`AdminIndex::locate`] (admin areas of a point), [`AdminIndex::geojson`] (map
//! shapes), [`eval::evaluate`] (accuracy on a labelled set).

mod address;
mod admin_index;
mod boundaries;
mod error;
pub mod eval;
pub mod evalset;
mod gazetteer;
mod geocoder;
pub mod geometry;
pub mod import;
mod mission;
mod model;
mod query;

pub use address::place_details;
pub use admin_index::{AdminAssignment, AdminIndex, AdminRef};
pub use boundaries::{parse_boundaries_geojson, Boundary};
pub use error::GeoError;
pub use gazetteer::{Gazetteer, MergeReport};
pub use geocoder::{
    AdminCodes, Candidate, Geocoder, MatchKind, Mention, Resolution, ResolutionStatus,
    AMBIGUITY_MARGIN, HIGH_CONFIDENCE, MAX_QUERY_BYTES,
};
pub use import::GazetteerUpdate;
pub use mission::{ImportKind, ImportSummary};
pub use model::{AdminArea, Place, PlaceKind, PlaceSource, Precision};
