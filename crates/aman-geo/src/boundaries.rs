//! Import of admin boundaries from GeoJSON (OCHA COD-AB, geoBoundaries, Natural Earth).
//!
//! Property names differ between producers, so each feature's code, name, level and
//! parent are looked up in a fixed order of known keys. Every ring is validated
//! (closed, finite, in range, not crossing itself) before anything is returned: one bad
//! feature rejects the whole file.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::GeoError;
use crate::geometry::{validate_ring, Area, BBox, Position};

/// One admin area's shape and identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boundary {
    /// P-code or other stable code (ADMn_PCODE, Natural Earth `gn_a1_code`, geoBoundaries `shapeID`).
    pub code: String,
    pub name: String,
    /// 1 = ADM1 (oblast), 2 = ADM2 (raion).
    pub level: u8,
    /// ADM1 code of an ADM2 feature, when the file says (COD-AB `ADM1_PCODE`).
    pub parent_code: Option<String>,
    pub iso_3166_2: Option<String>,
    pub area: Area,
    pub bbox: BBox,
}

const CODE_KEYS: [&[&str]; 2] = [
    &[
        "ADM1_PCODE",
        "admin1Pcode",
        "gn_a1_code",
        "shapeID",
        "pcode",
        "code",
    ],
    &[
        "ADM2_PCODE",
        "admin2Pcode",
        "gn_a2_code",
        "shapeID",
        "pcode",
        "code",
    ],
];
const NAME_KEYS: [&[&str]; 2] = [
    &[
        "ADM1_EN",
        "admin1Name_en",
        "shapeName",
        "name_en",
        "name",
        "NAME",
    ],
    &[
        "ADM2_EN",
        "admin2Name_en",
        "shapeName",
        "name_en",
        "name",
        "NAME",
    ],
];

fn text_prop(props: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match props.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn level_of(props: &Map<String, Value>) -> Option<u8> {
    match text_prop(props, &["shapeType", "level", "admin_level"]).as_deref() {
        Some("ADM1" | "1") => return Some(1),
        Some("ADM2" | "2") => return Some(2),
        _ => {}
    }
    if props.contains_key("ADM2_PCODE") {
        Some(2)
    } else if props.contains_key("ADM1_PCODE") || props.contains_key("gn_a1_code") {
        Some(1)
    } else {
        None
    }
}

fn positions(v: &Value, what: &str) -> Result<Vec<Position>, String> {
    let arr = v
        .as_array()
        .ok_or_else(|| format!("{what} is not an array of positions"))?;
    arr.iter()
        .enumerate()
        .map(|(i, p)| {
            let c = p
                .as_array()
                .ok_or_else(|| format!("{what} position {i} is not an array"))?;
            match (
                c.first().and_then(Value::as_f64),
                c.get(1).and_then(Value::as_f64),
            ) {
                (Some(x), Some(y)) => Ok([x, y]),
                _ => Err(format!("{what} position {i} is not [lon, lat] numbers")),
            }
        })
        .collect()
}

fn polygon(v: &Value, what: &str) -> Result<Vec<Vec<Position>>, String> {
    let rings = v
        .as_array()
        .ok_or_else(|| format!("{what} is not an array of rings"))?;
    if rings.is_empty() {
        return Err(format!("{what} has no rings"));
    }
    rings
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let label = format!("{what} ring {r}");
            let ps = positions(ring, &label)?;
            validate_ring(&ps).map_err(|e| format!("{label}: {e}"))?;
            Ok(ps)
        })
        .collect()
}

fn geometry(g: &Value) -> Result<Area, String> {
    let kind = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or("geometry has no `type`")?;
    let coords = g
        .get("coordinates")
        .ok_or("geometry has no `coordinates`")?;
    let polygons = match kind {
        "Polygon" => vec![polygon(coords, "polygon")?],
        "MultiPolygon" => {
            let parts = coords
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?;
            if parts.is_empty() {
                return Err("MultiPolygon has no polygons".into());
            }
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!("polygon {i}")))
                .collect::<Result<_, _>>()?
        }
        other => {
            return Err(format!(
                "geometry type `{other}` is not Polygon or MultiPolygon"
            ))
        }
    };
    Ok(Area { polygons })
}

/// Parses a GeoJSON FeatureCollection of admin boundaries.
///
/// `level` forces the admin level for every feature; without it the level comes from
/// `shapeType` (geoBoundaries) or from which P-code keys are present (COD-AB).
pub fn parse_boundaries_geojson(text: &str, level: Option<u8>) -> Result<Vec<Boundary>, GeoError> {
    if let Some(l) = level.filter(|l| !(1..=2).contains(l)) {
        return Err(GeoError::GeoJson(format!(
            "admin level {l} is not supported; use 1 (oblast) or 2 (raion)"
        )));
    }
    let root: Value = serde_json::from_str(text)
        .map_err(|e| GeoError::GeoJson(format!("not valid JSON: {e}")))?;
    let features = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| GeoError::GeoJson("FeatureCollection has no `features` array".into()))?,
        Some(t) => {
            return Err(GeoError::GeoJson(format!(
                "top-level type is `{t}`, expected FeatureCollection"
            )))
        }
        None => {
            return Err(GeoError::GeoJson(
                "top-level object has no `type`; expected a FeatureCollection".into(),
            ))
        }
    };
    if features.is_empty() {
        return Err(GeoError::Empty("GeoJSON FeatureCollection".into()));
    }
    let mut out = Vec::with_capacity(features.len());
    let mut seen = std::collections::HashSet::new();
    for (index, f) in features.iter().enumerate() {
        let empty = Map::new();
        let props = f
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let fail = |name: &str, problem: String| GeoError::Feature {
            index,
            name: name.to_owned(),
            problem,
        };
        let lvl = level.or_else(|| level_of(props)).ok_or_else(|| {
            fail("?", "admin level unknown: no `shapeType` (ADM1/ADM2) or ADMn_PCODE property; pass the level explicitly".into())
        })?;
        let li = usize::from(lvl - 1);
        let name = text_prop(props, NAME_KEYS[li]).ok_or_else(|| {
            fail(
                "?",
                format!("no name property (looked for {})", NAME_KEYS[li].join(", ")),
            )
        })?;
        let code = text_prop(props, CODE_KEYS[li]).ok_or_else(|| {
            fail(
                &name,
                format!("no code property (looked for {})", CODE_KEYS[li].join(", ")),
            )
        })?;
        if !seen.insert(code.clone()) {
            return Err(fail(
                &name,
                format!("code `{code}` is used by an earlier feature"),
            ));
        }
        let g = f
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| fail(&name, "feature has no geometry".into()))?;
        let area = geometry(g).map_err(|p| fail(&name, p))?;
        let parent_code = if lvl == 2 {
            text_prop(props, &["ADM1_PCODE", "admin1Pcode"])
        } else {
            None
        };
        let iso_3166_2 =
            text_prop(props, &["iso_3166_2", "shapeISO", "ISO"]).filter(|s| s.contains('-'));
        let bbox = area.bbox();
        out.push(Boundary {
            code,
            name,
            level: lvl,
            parent_code,
            iso_3166_2,
            area,
            bbox,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"ADM2_PCODE":"KG0301","ADM2_EN":"Suzak","ADM1_PCODE":"KG03"},
        "geometry":{"type":"Polygon","coordinates":[[[72,40],[73,40],[73,41],[72,41],[72,40]]]}}]}"#;

    #[test]
    fn cod_ab_properties() {
        let b = parse_boundaries_geojson(SQUARE, None).unwrap();
        assert_eq!(b[0].code, "KG0301");
        assert_eq!(b[0].level, 2);
        assert_eq!(b[0].parent_code.as_deref(), Some("KG03"));
        assert!(b[0].area.contains(72.5, 40.5));
    }

    #[test]
    fn bad_inputs_name_the_problem() {
        let e = parse_boundaries_geojson("", None).unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = parse_boundaries_geojson(r#"{"type":"Feature"}"#, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected FeatureCollection"), "{e}");
        let bowtie = SQUARE.replace(
            "[[72,40],[73,40],[73,41],[72,41],[72,40]]",
            "[[72,40],[73,41],[73,40],[72,41],[72,40]]",
        );
        let e = parse_boundaries_geojson(&bowtie, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("feature 0 (Suzak)") && e.contains("crosses itself"),
            "{e}"
        );
        let point = SQUARE.replace(r#""type":"Polygon""#, r#""type":"Point""#);
        let e = parse_boundaries_geojson(&point, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`Point` is not Polygon"), "{e}");
        let e = parse_boundaries_geojson(SQUARE, Some(3))
            .unwrap_err()
            .to_string();
        assert!(e.contains("level 3"), "{e}");
        let text = SQUARE.replace("[72,41],[72,40]]", "[72,41],[\"x\",40]]");
        let e = parse_boundaries_geojson(&text, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("position 4"), "{e}");
    }
}
