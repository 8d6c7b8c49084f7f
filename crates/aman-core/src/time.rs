//! When something happened, as precisely as the source knew it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How precisely a source knew the time. ACLED codes day/week/month as 1/2/3.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

impl TimePrecision {
    pub fn code(self) -> &'static str {
        match self {
            TimePrecision::Minute => "minute",
            TimePrecision::Hour => "hour",
            TimePrecision::Day => "day",
            TimePrecision::Week => "week",
            TimePrecision::Month => "month",
        }
    }

    pub fn from_code(code: &str) -> Option<TimePrecision> {
        Some(match code {
            "minute" => TimePrecision::Minute,
            "hour" => TimePrecision::Hour,
            "day" => TimePrecision::Day,
            "week" => TimePrecision::Week,
            "month" => TimePrecision::Month,
            _ => return None,
        })
    }

    /// ACLED's `time_precision` code.
    pub fn acled(self) -> u8 {
        match self {
            TimePrecision::Minute | TimePrecision::Hour | TimePrecision::Day => 1,
            TimePrecision::Week => 2,
            TimePrecision::Month => 3,
        }
    }
}

/// The interval in which an event happened (start ≤ end), with its precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTime {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub precision: TimePrecision,
}

impl EventTime {
    /// The midpoint, used for ordering and time-window comparisons.
    pub fn midpoint(&self) -> DateTime<Utc> {
        self.start + (self.end - self.start) / 2
    }

    /// Do two intervals overlap once each is widened by `slack`?
    pub fn overlaps(&self, other: &EventTime, slack: chrono::Duration) -> bool {
        self.start - slack <= other.end && other.start - slack <= self.end
    }
}

/// The source of "now". Injected everywhere a timestamp is taken so tests and the
/// scenario are deterministic.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// Wall-clock time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(std::sync::Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
