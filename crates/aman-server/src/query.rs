//! Query-string parameters of the list endpoints, parsed strictly: an unknown or
//! malformed parameter is refused by name rather than ignored, because a silently
//! dropped filter returns the wrong records.

use aman_core::{BoundingBox, EventType, PlaceStatus, VerificationStatus};
use aman_store::{IncidentFilter, PageRequest, ReportFilter};
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::AppError;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 50;

/// Filters of `GET /api/v1/reports` (documentation of the parameters; parsing is
/// by name in [`ReportParams::parse`] so `type` may repeat).
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Events ending at or after this (RFC 3339 or YYYY-MM-DD).
    pub from: Option<String>,
    /// Events starting at or before this (RFC 3339, or YYYY-MM-DD meaning the whole day).
    pub to: Option<String>,
    /// Event type codes; repeat the parameter or give a comma list.
    #[param(rename = "type")]
    pub types: Vec<String>,
    /// ADM1 code.
    pub admin1: Option<String>,
    /// ADM2 code.
    pub admin2: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat
    pub bbox: Option<String>,
    /// Full-text search over place text and narrative.
    pub q: Option<String>,
    /// Verification status of the incident a report belongs to.
    pub status: Option<String>,
    pub source_id: Option<i64>,
    pub incident_id: Option<i64>,
    /// resolved, ambiguous or unresolved.
    pub place_status: Option<String>,
    /// Page size, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// Cursor: `next_before` of the previous page.
    pub before: Option<i64>,
}

/// Filters of `GET /api/v1/incidents`.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentParams {
    /// Incidents ending at or after this (RFC 3339 or YYYY-MM-DD).
    pub from: Option<String>,
    /// Incidents starting at or before this (RFC 3339 or YYYY-MM-DD).
    pub to: Option<String>,
    /// Event type codes; repeat the parameter or give a comma list.
    #[param(rename = "type")]
    pub types: Vec<String>,
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat
    pub bbox: Option<String>,
    /// Verification status.
    pub status: Option<String>,
    /// Page size, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// Cursor: `next_before` of the previous page.
    pub before: Option<i64>,
}

fn set(slot: &mut Option<String>, key: &str, value: String) -> Result<(), AppError> {
    if slot.replace(value).is_some() {
        return Err(AppError::bad_query(key, "given more than once"));
    }
    Ok(())
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, AppError> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::bad_query(key, format!("'{value}' is not a whole number")))
}

fn unknown(key: &str, known: &[&str]) -> AppError {
    AppError::bad_query(
        key,
        format!("unknown parameter; known: {}", known.join(", ")),
    )
}

/// A time bound: RFC 3339, or a date (start of day for `from`, end of day for `to`).
fn time_bound(key: &str, value: &str, end_of_day: bool) -> Result<DateTime<Utc>, AppError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::bad_query(
            key,
            format!("'{value}' is not a date (YYYY-MM-DD) or an RFC 3339 time"),
        )
    })?;
    let t = if end_of_day {
        date.and_hms_opt(23, 59, 59)
    } else {
        date.and_hms_opt(0, 0, 0)
    };
    t.map(|t| t.and_utc())
        .ok_or_else(|| AppError::bad_query(key, "not a valid time"))
}

fn event_types(values: &[String]) -> Result<Vec<EventType>, AppError> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            EventType::from_code(c).ok_or_else(|| {
                let known: Vec<_> = EventType::ALL.iter().map(|t| t.code()).collect();
                AppError::bad_query(
                    "type",
                    format!("unknown event type '{c}'; known: {}", known.join(", ")),
                )
            })
        })
        .collect()
}

fn status(value: &Option<String>) -> Result<Option<VerificationStatus>, AppError> {
    value
        .as_deref()
        .map(|s| {
            VerificationStatus::from_code(s).ok_or_else(|| {
                AppError::bad_query(
                    "status",
                    "must be reported, corroborated, verified, disputed or retracted",
                )
            })
        })
        .transpose()
}

fn bbox(value: &Option<String>) -> Result<Option<BoundingBox>, AppError> {
    value
        .as_deref()
        .map(|b| BoundingBox::parse(b).map_err(|m| AppError::bad_query("bbox", m)))
        .transpose()
}

fn page(limit: Option<u32>, before: Option<i64>) -> Result<PageRequest, AppError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > PageRequest::MAX_LIMIT {
        return Err(AppError::bad_query(
            "limit",
            format!("must be 1–{}", PageRequest::MAX_LIMIT),
        ));
    }
    Ok(PageRequest { limit, before })
}

/// One end of a time range; absent means open.
type Bound = Option<DateTime<Utc>>;

fn time_range(from: &Option<String>, to: &Option<String>) -> Result<(Bound, Bound), AppError> {
    let from = from
        .as_deref()
        .map(|v| time_bound("from", v, false))
        .transpose()?;
    let to = to
        .as_deref()
        .map(|v| time_bound("to", v, true))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(AppError::bad_query("from", "must not be after 'to'"));
        }
    }
    Ok((from, to))
}

impl ReportParams {
    const KNOWN: &'static [&'static str] = &[
        "from",
        "to",
        "type",
        "admin1",
        "admin2",
        "bbox",
        "q",
        "status",
        "source_id",
        "incident_id",
        "place_status",
        "limit",
        "before",
    ];

    pub fn parse(pairs: Vec<(String, String)>) -> Result<ReportParams, AppError> {
        let mut p = ReportParams::default();
        for (key, value) in pairs {
            match key.as_str() {
                "from" => set(&mut p.from, &key, value)?,
                "to" => set(&mut p.to, &key, value)?,
                "type" => p.types.push(value),
                "admin1" => set(&mut p.admin1, &key, value)?,
                "admin2" => set(&mut p.admin2, &key, value)?,
                "bbox" => set(&mut p.bbox, &key, value)?,
                "q" => set(&mut p.q, &key, value)?,
                "status" => set(&mut p.status, &key, value)?,
                "place_status" => set(&mut p.place_status, &key, value)?,
                "source_id" => p.source_id = Some(number(&key, &value)?),
                "incident_id" => p.incident_id = Some(number(&key, &value)?),
                "limit" => p.limit = Some(number(&key, &value)?),
                "before" => p.before = Some(number(&key, &value)?),
                _ => return Err(unknown(&key, Self::KNOWN)),
            }
        }
        Ok(p)
    }

    pub fn filter(&self) -> Result<(ReportFilter, PageRequest), AppError> {
        let (from, to) = time_range(&self.from, &self.to)?;
        let place_status = self
            .place_status
            .as_deref()
            .map(|s| {
                PlaceStatus::from_code(s).ok_or_else(|| {
                    AppError::bad_query("place_status", "must be resolved, ambiguous or unresolved")
                })
            })
            .transpose()?;
        let filter = ReportFilter {
            from,
            to,
            event_types: event_types(&self.types)?,
            admin1: self.admin1.clone(),
            admin2: self.admin2.clone(),
            bbox: bbox(&self.bbox)?,
            text: self.q.clone(),
            status: status(&self.status)?,
            source_id: self.source_id,
            incident_id: self.incident_id,
            place_status,
        };
        Ok((filter, page(self.limit, self.before)?))
    }
}

impl IncidentParams {
    const KNOWN: &'static [&'static str] = &[
        "from", "to", "type", "admin1", "admin2", "bbox", "status", "limit", "before",
    ];

    pub fn parse(pairs: Vec<(String, String)>) -> Result<IncidentParams, AppError> {
        let mut p = IncidentParams::default();
        for (key, value) in pairs {
            match key.as_str() {
                "from" => set(&mut p.from, &key, value)?,
                "to" => set(&mut p.to, &key, value)?,
                "type" => p.types.push(value),
                "admin1" => set(&mut p.admin1, &key, value)?,
                "admin2" => set(&mut p.admin2, &key, value)?,
                "bbox" => set(&mut p.bbox, &key, value)?,
                "status" => set(&mut p.status, &key, value)?,
                "limit" => p.limit = Some(number(&key, &value)?),
                "before" => p.before = Some(number(&key, &value)?),
                _ => return Err(unknown(&key, Self::KNOWN)),
            }
        }
        Ok(p)
    }

    pub fn filter(&self) -> Result<(IncidentFilter, PageRequest), AppError> {
        let (from, to) = time_range(&self.from, &self.to)?;
        let filter = IncidentFilter {
            from,
            to,
            event_types: event_types(&self.types)?,
            admin1: self.admin1.clone(),
            admin2: self.admin2.clone(),
            bbox: bbox(&self.bbox)?,
            status: status(&self.status)?,
        };
        Ok((filter, page(self.limit, self.before)?))
    }
}

/// Parameters of `GET /api/v1/audit`.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries with a sequence number greater than this (default 0).
    pub after: Option<i64>,
    /// At most this many entries, 1–1000 (default 50).
    pub limit: Option<u32>,
}

impl AuditParams {
    pub fn parse(pairs: Vec<(String, String)>) -> Result<(i64, u32), AppError> {
        let mut p = AuditParams::default();
        for (key, value) in pairs {
            match key.as_str() {
                "after" => p.after = Some(number(&key, &value)?),
                "limit" => p.limit = Some(number(&key, &value)?),
                _ => return Err(unknown(&key, &["after", "limit"])),
            }
        }
        let page = page(p.limit, None)?;
        Ok((p.after.unwrap_or(0), page.limit))
    }
}

/// Parameters of `GET /api/v1/places`.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceParams {
    /// The place as people write it, in any script.
    pub q: String,
    /// At most this many candidates, 1–50 (default 10).
    pub limit: Option<u32>,
}

impl PlaceParams {
    pub const MAX_LIMIT: u32 = 50;

    pub fn parse(pairs: Vec<(String, String)>) -> Result<PlaceParams, AppError> {
        let mut q = None;
        let mut limit = None;
        for (key, value) in pairs {
            match key.as_str() {
                "q" => set(&mut q, &key, value)?,
                "limit" => limit = Some(number::<u32>(&key, &value)?),
                _ => return Err(unknown(&key, &["q", "limit"])),
            }
        }
        let q = q
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| AppError::bad_query("q", "give the place text to look up"))?;
        if q.len() > aman_geo::MAX_QUERY_BYTES {
            return Err(AppError::bad_query(
                "q",
                format!("must be at most {} bytes", aman_geo::MAX_QUERY_BYTES),
            ));
        }
        if limit.is_some_and(|l| l == 0 || l > Self::MAX_LIMIT) {
            return Err(AppError::bad_query(
                "limit",
                format!("must be 1–{}", Self::MAX_LIMIT),
            ));
        }
        Ok(PlaceParams { q, limit })
    }
}

/// The `reason` query parameter of the unlink route.
pub fn reason_param(pairs: Vec<(String, String)>) -> Result<Option<String>, AppError> {
    let mut reason = None;
    for (key, value) in pairs {
        match key.as_str() {
            "reason" => set(&mut reason, &key, value)?,
            _ => return Err(unknown(&key, &["reason"])),
        }
    }
    Ok(reason)
}

/// Parameters of `GET /api/v1/review`.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// `report_incident`, `report_pair` or `person_pair`; all kinds when absent.
    pub kind: Option<String>,
    /// `pending` (the default), `decided` or `all`.
    pub state: Option<String>,
    /// At most this many candidates, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next_before` of the previous page.
    pub before: Option<i64>,
}

impl ReviewParams {
    pub fn parse(
        pairs: Vec<(String, String)>,
    ) -> Result<(aman_store::ReviewFilter, PageRequest), AppError> {
        let mut p = ReviewParams::default();
        for (key, value) in pairs {
            match key.as_str() {
                "kind" => set(&mut p.kind, &key, value)?,
                "state" => set(&mut p.state, &key, value)?,
                "limit" => p.limit = Some(number(&key, &value)?),
                "before" => p.before = Some(number(&key, &value)?),
                _ => return Err(unknown(&key, &["kind", "state", "limit", "before"])),
            }
        }
        let kind = p
            .kind
            .as_deref()
            .map(|k| {
                aman_store::ReviewKind::from_code(k).ok_or_else(|| {
                    AppError::bad_query(
                        "kind",
                        "must be report_incident, report_pair or person_pair",
                    )
                })
            })
            .transpose()?;
        let pending = match p.state.as_deref().unwrap_or("pending") {
            "pending" => Some(true),
            "decided" => Some(false),
            "all" => None,
            _ => {
                return Err(AppError::bad_query(
                    "state",
                    "must be pending, decided or all",
                ))
            }
        };
        Ok((
            aman_store::ReviewFilter { kind, pending },
            page(p.limit, p.before)?,
        ))
    }
}

/// Parameters of `GET /api/v1/estimates`.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EstimateParams {
    /// At most this many runs, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// Cursor: the `next_before` of the previous page.
    pub before: Option<i64>,
}

impl EstimateParams {
    pub fn parse(pairs: Vec<(String, String)>) -> Result<PageRequest, AppError> {
        let mut p = EstimateParams::default();
        for (key, value) in pairs {
            match key.as_str() {
                "limit" => p.limit = Some(number(&key, &value)?),
                "before" => p.before = Some(number(&key, &value)?),
                _ => return Err(unknown(&key, &["limit", "before"])),
            }
        }
        page(p.limit, p.before)
    }
}
