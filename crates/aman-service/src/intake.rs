//! Taking in a report: validate it, resolve its place with the offline geocoder, and
//! store it. The place text is always kept as received; a place the geocoder is not
//! sure about is flagged `ambiguous` for a human, never guessed.

use std::sync::Arc;

use aman_core::{GeoPrecision, PlaceStatus, Report, ReportInput, ResolvedPlace, ValidationErrors};
use aman_geo::{Geocoder, Precision, ResolutionStatus};
use aman_linkage::incidents::{IncidentLinker, IncidentThresholds};
use aman_store::{NewReport, Store, StoreError, Who};

use crate::linking::{self, IntakeLink, LinkingError};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the report is not valid: {0}")]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Linking(#[from] LinkingError),
}

/// Validates, resolves and stores reports, and links them into incidents.
#[derive(Debug, Clone)]
pub struct Intake {
    store: Arc<dyn Store>,
    geocoder: Arc<Geocoder>,
    linker: Arc<IncidentLinker>,
}

fn precision(p: Precision) -> GeoPrecision {
    match p {
        Precision::Point => GeoPrecision::Point,
        Precision::Settlement => GeoPrecision::Settlement,
        Precision::District => GeoPrecision::District,
        Precision::Region => GeoPrecision::Region,
    }
}

impl Intake {
    pub fn new(store: Arc<dyn Store>, geocoder: Arc<Geocoder>) -> Intake {
        let linker = IncidentLinker::new(IncidentThresholds::default())
            .expect("the default incident thresholds are valid");
        Intake {
            store,
            geocoder,
            linker: Arc::new(linker),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn geocoder(&self) -> &Arc<Geocoder> {
        &self.geocoder
    }

    /// Where a report happened. Coordinates from the source win (their admin areas
    /// come from point-in-polygon); otherwise the place text is geocoded and used only
    /// when the geocoder is confident and has no close rival.
    pub fn resolve_place(&self, input: &ReportInput) -> (PlaceStatus, Option<ResolvedPlace>) {
        if let (Some(lat), Some(lon)) = (input.latitude, input.longitude) {
            let admin = self.geocoder.admin_index().locate(lat, lon);
            let (a1, a2) = admin.map(|a| (a.admin1, a.admin2)).unwrap_or_default();
            return (
                PlaceStatus::Resolved,
                Some(ResolvedPlace {
                    place_id: None,
                    name: a2.as_ref().or(a1.as_ref()).map(|a| a.name.clone()),
                    latitude: lat,
                    longitude: lon,
                    precision: GeoPrecision::Point,
                    admin1_code: a1.as_ref().map(|a| a.code.clone()),
                    admin1_name: a1.map(|a| a.name),
                    admin2_code: a2.as_ref().map(|a| a.code.clone()),
                    admin2_name: a2.map(|a| a.name),
                    confidence: None,
                }),
            );
        }
        let r = self.geocoder.resolve(&input.place_text);
        // The mission's P-codes when its boundaries are loaded, else GeoNames codes.
        let codes = r.admin_codes();
        match (r.status, r.best) {
            (ResolutionStatus::Resolved, Some(best)) if !r.needs_review => (
                PlaceStatus::Resolved,
                Some(ResolvedPlace {
                    place_id: Some(best.place_id),
                    name: Some(best.name),
                    latitude: best.lat,
                    longitude: best.lon,
                    precision: precision(best.precision),
                    admin1_code: codes.admin1_code,
                    admin1_name: codes.admin1_name,
                    admin2_code: codes.admin2_code,
                    admin2_name: codes.admin2_name,
                    confidence: Some(best.confidence),
                }),
            ),
            (ResolutionStatus::Unresolved, _) | (_, None) => (PlaceStatus::Unresolved, None),
            _ => (PlaceStatus::Ambiguous, None),
        }
    }

    /// Validates and resolves one report without storing it.
    pub fn prepare(&self, input: ReportInput) -> Result<NewReport, ValidationErrors> {
        let now = self.store.clock().now();
        let received_at = input.received_at.unwrap_or(now);
        let valid = input.validate(now)?;
        let (place_status, place) = self.resolve_place(valid.get());
        Ok(NewReport {
            input: valid,
            received_at,
            place_status,
            place,
        })
    }

    /// Validates, resolves and stores one report.
    pub fn submit(&self, by: &Who, input: ReportInput) -> Result<Report, IntakeError> {
        let report = self.prepare(input)?;
        let id = self
            .store
            .insert_reports(by, &mut std::iter::once(report), None)?[0];
        self.store.get_report(id)?.ok_or_else(|| {
            IntakeError::Store(StoreError::NotFound {
                what: "report",
                id: id.to_string(),
            })
        })
    }

    /// Validates, resolves and stores one report, then scores it against the open
    /// incidents near it in time: linked, queued for review, or a new incident.
    pub fn submit_and_link(
        &self,
        by: &Who,
        input: ReportInput,
    ) -> Result<(Report, IntakeLink), IntakeError> {
        let report = self.submit(by, input)?;
        let link = linking::link_new_report(
            self.store.as_ref(),
            by,
            &self.linker,
            &self.geocoder,
            &report,
        )?;
        let report = self.store.get_report(report.id)?.unwrap_or(report);
        Ok((report, link))
    }
}
