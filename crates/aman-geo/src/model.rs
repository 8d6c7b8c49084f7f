//! The gazetteer's records: places, admin areas and how precise a location is.

use serde::{Deserialize, Serialize};

/// How precisely a resolved location is known. The codes match `aman-core`'s
/// `GeoPrecision` ("point", "settlement", "district", "region").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Point,
    Settlement,
    District,
    Region,
}

impl Precision {
    pub fn code(self) -> &'static str {
        match self {
            Precision::Point => "point",
            Precision::Settlement => "settlement",
            Precision::District => "district",
            Precision::Region => "region",
        }
    }

    pub fn from_code(s: &str) -> Option<Precision> {
        Some(match s {
            "point" => Precision::Point,
            "settlement" => Precision::Settlement,
            "district" => Precision::District,
            "region" => Precision::Region,
            _ => return None,
        })
    }

    /// One step coarser: what "near X" can claim.
    pub fn coarser(self) -> Precision {
        match self {
            Precision::Point => Precision::Settlement,
            Precision::Settlement | Precision::District => Precision::District,
            Precision::Region => Precision::Region,
        }
    }
}

/// What kind of place a record is; used for priors and for affix hints ("г.", "мкр.").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// City or town.
    Town,
    /// Village or hamlet.
    Village,
    /// Neighbourhood, mahalla or micro-district inside a town.
    Neighbourhood,
    /// A named point: landmark, building, bazaar, airport.
    Landmark,
    /// Road or border checkpoint.
    Checkpoint,
    /// Displacement or collective site.
    DisplacementSite,
    /// ADM2: raion or city of oblast rank.
    District,
    /// ADM1: oblast or city of republican rank.
    Region,
}

impl PlaceKind {
    pub fn code(self) -> &'static str {
        match self {
            PlaceKind::Town => "town",
            PlaceKind::Village => "village",
            PlaceKind::Neighbourhood => "neighbourhood",
            PlaceKind::Landmark => "landmark",
            PlaceKind::Checkpoint => "checkpoint",
            PlaceKind::DisplacementSite => "displacement_site",
            PlaceKind::District => "district",
            PlaceKind::Region => "region",
        }
    }

    pub fn from_code(s: &str) -> Option<PlaceKind> {
        Some(match s {
            "town" | "city" => PlaceKind::Town,
            "village" => PlaceKind::Village,
            "neighbourhood" | "neighborhood" | "mahalla" => PlaceKind::Neighbourhood,
            "landmark" => PlaceKind::Landmark,
            "checkpoint" => PlaceKind::Checkpoint,
            "displacement_site" | "idp_site" => PlaceKind::DisplacementSite,
            "district" => PlaceKind::District,
            "region" => PlaceKind::Region,
            _ => return None,
        })
    }

    pub fn is_admin(self) -> bool {
        matches!(self, PlaceKind::District | PlaceKind::Region)
    }

    /// The precision a match on this kind of place gives by default.
    pub fn default_precision(self) -> Precision {
        match self {
            PlaceKind::Landmark | PlaceKind::Checkpoint | PlaceKind::DisplacementSite => {
                Precision::Point
            }
            PlaceKind::Town | PlaceKind::Village | PlaceKind::Neighbourhood => {
                Precision::Settlement
            }
            PlaceKind::District => Precision::District,
            PlaceKind::Region => Precision::Region,
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceSource {
    GeoNames,
    Curated,
    AdminTable,
}

/// One geocodable place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// GeoNames id as decimal digits ("1527534"), or a curated id that is not all digits
    /// ("cur:osh-cheremushki").
    pub id: String,
    pub name: String,
    /// Other names in any language or script.
    pub alt_names: Vec<String>,
    pub lat: f64,
    pub lon: f64,
    pub kind: PlaceKind,
    pub precision: Precision,
    /// GeoNames feature code ("PPLA2", "ADM2"), empty when unknown.
    pub feature_code: String,
    pub population: u64,
    /// GeoNames-style admin codes ("KG.03", "KG.03.1527593"), when known.
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    /// The admin code this place *is*, for admin-area places.
    pub admin_code: Option<String>,
    /// A containing place (curated neighbourhood → its town).
    pub parent_id: Option<String>,
    /// Radius within which the true location lies, when the coordinates are approximate.
    pub uncertainty_m: Option<f64>,
    pub source: PlaceSource,
}

/// An administrative area in the code table (names only; shapes live in
/// [`crate::AdminIndex`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminArea {
    /// "KG.03" or "KG.03.1527593" (GeoNames style) or a P-code.
    pub code: String,
    /// 1 = oblast, 2 = raion.
    pub level: u8,
    pub name: String,
    pub alt_names: Vec<String>,
    pub iso_3166_2: Option<String>,
    pub geonameid: Option<u64>,
    /// A city with the rank of an oblast or raion (Bishkek, Osh): "Osh oblast" is not it.
    pub city: bool,
}

impl AdminArea {
    /// The admin1 code of an admin2 code ("KG.03.1527593" → "KG.03").
    pub fn parent_code(&self) -> Option<String> {
        (self.level == 2)
            .then(|| self.code.rsplit_once('.').map(|(p, _)| p.to_owned()))
            .flatten()
    }
}
