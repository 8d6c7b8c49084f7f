//! Where something happened: the place text as received, and what it was resolved to.

use serde::{Deserialize, Serialize};

/// How precisely a location is known.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GeoPrecision {
    Point,
    Settlement,
    District,
    Region,
    Unknown,
}

impl GeoPrecision {
    pub fn code(self) -> &'static str {
        match self {
            GeoPrecision::Point => "point",
            GeoPrecision::Settlement => "settlement",
            GeoPrecision::District => "district",
            GeoPrecision::Region => "region",
            GeoPrecision::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<GeoPrecision> {
        Some(match code {
            "point" => GeoPrecision::Point,
            "settlement" => GeoPrecision::Settlement,
            "district" => GeoPrecision::District,
            "region" => GeoPrecision::Region,
            "unknown" => GeoPrecision::Unknown,
            _ => return None,
        })
    }

    /// ACLED `geo_precision` (1 exact, 2 near/part of region, 3 larger region); UCDP
    /// `where_prec` uses a similar ladder.
    pub fn acled(self) -> u8 {
        match self {
            GeoPrecision::Point | GeoPrecision::Settlement => 1,
            GeoPrecision::District => 2,
            GeoPrecision::Region | GeoPrecision::Unknown => 3,
        }
    }
}

/// Whether the place text has been resolved to a gazetteer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceStatus {
    /// Resolved with enough confidence to use.
    Resolved,
    /// Several candidates are close: a human must choose; nothing was guessed.
    Ambiguous,
    /// No candidate, or no place text.
    Unresolved,
}

impl PlaceStatus {
    pub fn code(self) -> &'static str {
        match self {
            PlaceStatus::Resolved => "resolved",
            PlaceStatus::Ambiguous => "ambiguous",
            PlaceStatus::Unresolved => "unresolved",
        }
    }

    pub fn from_code(code: &str) -> Option<PlaceStatus> {
        Some(match code {
            "resolved" => PlaceStatus::Resolved,
            "ambiguous" => PlaceStatus::Ambiguous,
            "unresolved" => PlaceStatus::Unresolved,
            _ => return None,
        })
    }
}

/// A gazetteer place a report's location resolved to, with its admin areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResolvedPlace {
    /// Gazetteer id (GeoNames id or a mission-curated id).
    pub place_id: Option<String>,
    pub name: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub precision: GeoPrecision,
    /// ADM1 (oblast) code and name, e.g. a P-code.
    pub admin1_code: Option<String>,
    pub admin1_name: Option<String>,
    /// ADM2 (raion / city) code and name.
    pub admin2_code: Option<String>,
    pub admin2_name: Option<String>,
    /// Geocoder confidence 0–1, `None` when coordinates were given by the source.
    pub confidence: Option<f64>,
}

/// A latitude/longitude rectangle, for map filters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BoundingBox {
    /// Parses `min_lon,min_lat,max_lon,max_lat` (the GeoJSON `bbox` order).
    pub fn parse(s: &str) -> Result<BoundingBox, String> {
        let parts: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat".to_string()
            })?;
        let [min_lon, min_lat, max_lon, max_lat] = parts[..] else {
            return Err("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat".into());
        };
        let b = BoundingBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        };
        if !valid_lon(min_lon) || !valid_lon(max_lon) || !valid_lat(min_lat) || !valid_lat(max_lat)
        {
            return Err("bbox coordinates must lie on the globe (lon −180…180, lat −90…90)".into());
        }
        if min_lon > max_lon || min_lat > max_lat {
            return Err("bbox minimum must not exceed maximum".into());
        }
        Ok(b)
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

pub fn valid_lat(lat: f64) -> bool {
    lat.is_finite() && (-90.0..=90.0).contains(&lat)
}

pub fn valid_lon(lon: f64) -> bool {
    lon.is_finite() && (-180.0..=180.0).contains(&lon)
}
