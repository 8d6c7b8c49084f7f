//! Aman's domain model: sources, reports, incidents, persons, users and the audit chain.
//!
//! Pure types and rules, no IO. Outside input is *parsed* into these types
//! (`ReportInput::validate` and friends) so the rest of the system can rely on a
//! `ValidReport` meaning what it says: grades in range, counts as well-formed ranges,
//! a time range that ends after it starts, coordinates on the globe.

pub mod audit;
pub mod incident;
pub mod person;
pub mod place;
pub mod report;
pub mod source;
pub mod taxonomy;
pub mod time;
pub mod user;
pub mod validation;

pub use audit::{AuditEntry, AuditRecord, ChainBreak};
pub use incident::{Incident, IncidentSummary, StatusChange, VerificationStatus};
pub use person::{PersonId, PersonRole};
pub use place::{BoundingBox, GeoPrecision, PlaceStatus, ResolvedPlace};
pub use report::{
    Actor, ActorKind, CountRange, Counts, Narrative, Report, ReportInput, ReportKind, ValidReport,
};
pub use source::{Credibility, Reliability, Source, SourceInput, SourceKind};
pub use taxonomy::EventType;
pub use time::{Clock, EventTime, FixedClock, SystemClock, TimePrecision};
pub use user::{Role, User};
pub use validation::{FieldError, ValidationErrors};

/// Every record the synthetic scenario produces carries this label wherever it is shown.
pub const SYNTHETIC_LABEL: &str = "SYNTHETIC — generated demo data, not real events";
