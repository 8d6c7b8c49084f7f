//! Import of a mission's own place data: GeoNames country dumps, GeoNames alternate
//! names and mission-curated CSV.
//!
//! Each function parses the whole input into a [`GazetteerUpdate`] or fails with the
//! first bad row; nothing is applied until the caller merges the update into a new
//! [`crate::Gazetteer`], so a failed import leaves the old gazetteer untouched.

use serde::{Deserialize, Serialize};

use crate::error::GeoError;
use crate::model::{Place, PlaceKind, PlaceSource, Precision};

/// Places and names to merge into a gazetteer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GazetteerUpdate {
    /// New or replacing places (same id replaces).
    pub places: Vec<Place>,
    /// Extra names for places by id (from an alternate-names file).
    pub names: Vec<(String, String)>,
    /// Rows deliberately not imported (feature classes that are not places people name in
    /// reports), counted so the caller can say so.
    pub skipped: usize,
}

/// Longest line accepted; a longer one is a corrupt or wrong file.
const MAX_LINE: usize = 64 * 1024;

fn parse_coord(
    source: &str,
    line: usize,
    field: &str,
    s: &str,
    range: f64,
) -> Result<f64, GeoError> {
    let v: f64 = s.trim().parse().map_err(|_| {
        GeoError::row(
            source,
            line,
            field,
            format!("`{}` is not a number", clip(s)),
        )
    })?;
    if !v.is_finite() || v.abs() > range {
        return Err(GeoError::row(
            source,
            line,
            field,
            format!("{v} is outside -{range}..{range}"),
        ));
    }
    Ok(v)
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn check_text(source: &str, line: usize, field: &str, s: &str) -> Result<String, GeoError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(GeoError::row(source, line, field, "is empty"));
    }
    if t.len() > 200 {
        return Err(GeoError::row(
            source,
            line,
            field,
            format!("is {} bytes; a place name is at most 200", t.len()),
        ));
    }
    if aman_text::fold(t).is_empty() {
        return Err(GeoError::row(
            source,
            line,
            field,
            format!("`{}` has no letters or digits that can be matched", clip(t)),
        ));
    }
    Ok(t.to_owned())
}

/// Parses a GeoNames country dump (`KG.txt`: 19 tab-separated columns, no header).
///
/// Feature classes P (populated places), A (ADM1/ADM2 only) and S (spots: bazaars,
/// checkpoints, buildings) are imported; mountains, streams, roads and the like are
/// skipped because they share names with villages and would be offered instead of them.
pub fn parse_geonames_dump(text: &str, source: &str) -> Result<GazetteerUpdate, GeoError> {
    let mut up = GazetteerUpdate::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if raw.len() > MAX_LINE {
            return Err(GeoError::row(
                source,
                line,
                "row",
                format!("is {} bytes long; not a GeoNames row", raw.len()),
            ));
        }
        let f: Vec<&str> = raw.split('\t').collect();
        if f.len() != 19 {
            return Err(GeoError::row(
                source,
                line,
                "row",
                format!(
                    "has {} tab-separated columns; the GeoNames format has 19",
                    f.len()
                ),
            ));
        }
        let id: u64 = f[0].trim().parse().map_err(|_| {
            GeoError::row(
                source,
                line,
                "geonameid",
                format!("`{}` is not a number", clip(f[0])),
            )
        })?;
        let name = check_text(source, line, "name", f[1])?;
        let lat = parse_coord(source, line, "latitude", f[4], 90.0)?;
        let lon = parse_coord(source, line, "longitude", f[5], 180.0)?;
        let class = f[6].trim();
        let code = f[7].trim();
        if class.len() > 1 {
            return Err(GeoError::row(
                source,
                line,
                "feature class",
                format!("`{}` is not one letter", clip(class)),
            ));
        }
        let population: u64 = if f[14].trim().is_empty() {
            0
        } else {
            f[14].trim().parse().map_err(|_| {
                GeoError::row(
                    source,
                    line,
                    "population",
                    format!("`{}` is not a whole number", clip(f[14])),
                )
            })?
        };
        let cc = f[8].trim();
        let (a1, a2) = (f[10].trim(), f[11].trim());
        let admin1 = (!a1.is_empty() && !cc.is_empty()).then(|| format!("{cc}.{a1}"));
        let admin2 = admin1
            .as_ref()
            .filter(|_| !a2.is_empty())
            .map(|a| format!("{a}.{a2}"));
        let kind = match (class, code) {
            ("P", "PPLX") => PlaceKind::Neighbourhood,
            ("P", "PPLC" | "PPLA" | "PPLA2") => PlaceKind::Town,
            ("P", _) if population >= 10_000 => PlaceKind::Town,
            ("P", _) => PlaceKind::Village,
            ("A", "ADM1") => PlaceKind::Region,
            ("A", "ADM2") => PlaceKind::District,
            ("S", "PSTB" | "PSTC" | "PSTP") => PlaceKind::Checkpoint,
            ("S", "CMPRF") => PlaceKind::DisplacementSite,
            ("S", _) => PlaceKind::Landmark,
            _ => {
                up.skipped += 1;
                continue;
            }
        };
        let admin_code = match kind {
            PlaceKind::Region => admin1.clone(),
            PlaceKind::District => admin2.clone(),
            _ => None,
        };
        let mut alt_names: Vec<String> = Vec::new();
        for n in f[2].split(',').chain(f[3].split(',')) {
            let n = n.trim();
            if !n.is_empty() && n != name && n.len() <= 200 && !alt_names.iter().any(|a| a == n) {
                alt_names.push(n.to_owned());
            }
        }
        up.places.push(Place {
            id: id.to_string(),
            name,
            alt_names,
            lat,
            lon,
            kind,
            precision: kind.default_precision(),
            feature_code: code.to_owned(),
            population,
            admin1,
            admin2,
            admin_code,
            parent_id: None,
            uncertainty_m: None,
            source: PlaceSource::GeoNames,
        });
    }
    if up.places.is_empty() {
        return Err(GeoError::Empty(source.to_owned()));
    }
    Ok(up)
}

/// Parses a GeoNames alternate-names file (`alternateNamesV2.txt` or a country's
/// `alternateNames` file: alternateNameId, geonameid, isolanguage, name, …).
///
/// Links, postcodes and airport codes (isolanguage `link`, `post`, `iata`, …) are not
/// names and are skipped.
pub fn parse_geonames_alternate_names(
    text: &str,
    source: &str,
) -> Result<GazetteerUpdate, GeoError> {
    let mut up = GazetteerUpdate::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        if raw.len() > MAX_LINE {
            return Err(GeoError::row(
                source,
                line,
                "row",
                format!("is {} bytes long; not an alternate-names row", raw.len()),
            ));
        }
        let f: Vec<&str> = raw.split('\t').collect();
        if !(4..=10).contains(&f.len()) {
            return Err(GeoError::row(
                source,
                line,
                "row",
                format!(
                    "has {} columns; the alternate-names format has 4 to 10",
                    f.len()
                ),
            ));
        }
        f[0].trim().parse::<u64>().map_err(|_| {
            GeoError::row(
                source,
                line,
                "alternateNameId",
                format!("`{}` is not a number", clip(f[0])),
            )
        })?;
        let id: u64 = f[1].trim().parse().map_err(|_| {
            GeoError::row(
                source,
                line,
                "geonameid",
                format!("`{}` is not a number", clip(f[1])),
            )
        })?;
        if matches!(
            f[2].trim(),
            "link"
                | "wkdt"
                | "post"
                | "iata"
                | "icao"
                | "faac"
                | "abbr"
                | "unlc"
                | "tcid"
                | "phon"
                | "piny"
        ) {
            up.skipped += 1;
            continue;
        }
        let name = check_text(source, line, "alternate name", f[3])?;
        up.names.push((id.to_string(), name));
    }
    if up.names.is_empty() {
        return Err(GeoError::Empty(source.to_owned()));
    }
    Ok(up)
}

/// The columns of a mission-curated places CSV (header row required, any order;
/// `id`, `name`, `kind`, `lat`, `lon` are required, the rest optional):
///
/// | column | meaning |
/// |---|---|
/// | `id` | stable id, not all digits (digits are GeoNames ids), e.g. `cur:osh-cheremushki` |
/// | `name` | display name |
/// | `alt_names` | other names in any script, separated by `\|` |
/// | `kind` | town, village, neighbourhood, landmark, checkpoint, displacement_site, district, region |
/// | `lat`, `lon` | WGS84 degrees |
/// | `precision` | point, settlement, district, region (default from `kind`) |
/// | `uncertainty_m` | radius in metres within which the place lies (approximate coordinates) |
/// | `parent_id` | id of the containing place (a neighbourhood's town) |
/// | `admin1`, `admin2` | admin codes, GeoNames style (`KG.08`) or P-codes |
/// | `population` | whole number, used as a prior |
/// | `note` | free text: where the coordinates came from |
pub const CURATED_COLUMNS: &[&str] = &[
    "id",
    "name",
    "alt_names",
    "kind",
    "lat",
    "lon",
    "precision",
    "uncertainty_m",
    "parent_id",
    "admin1",
    "admin2",
    "population",
    "note",
];

/// Parses mission-curated places (see [`CURATED_COLUMNS`]).
pub fn parse_curated_csv(text: &str, source: &str) -> Result<GazetteerUpdate, GeoError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| GeoError::row(source, 1, "header", e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    for required in ["id", "name", "kind", "lat", "lon"] {
        if col(required).is_none() {
            return Err(GeoError::row(
                source,
                1,
                required,
                format!(
                    "required column is missing (columns: {})",
                    CURATED_COLUMNS.join(",")
                ),
            ));
        }
    }
    if let Some(unknown) = headers.iter().find(|h| !CURATED_COLUMNS.contains(h)) {
        return Err(GeoError::row(
            source,
            1,
            unknown,
            format!("unknown column (columns: {})", CURATED_COLUMNS.join(",")),
        ));
    }
    let mut up = GazetteerUpdate::default();
    let mut seen = std::collections::HashSet::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| GeoError::row(source, line, "row", e.to_string()))?;
        let get = |name: &str| col(name).and_then(|c| rec.get(c)).unwrap_or("");
        let opt = |name: &str| Some(get(name).to_owned()).filter(|s| !s.is_empty());
        let id = get("id");
        if id.is_empty()
            || id.len() > 100
            || id.chars().any(char::is_whitespace)
            || id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(GeoError::row(
                source,
                line,
                "id",
                format!(
                    "`{}` must be 1–100 characters, no spaces, not all digits",
                    clip(id)
                ),
            ));
        }
        if !seen.insert(id.to_owned()) {
            return Err(GeoError::row(
                source,
                line,
                "id",
                format!("`{id}` appears twice"),
            ));
        }
        let name = check_text(source, line, "name", get("name"))?;
        let kind = PlaceKind::from_code(get("kind")).ok_or_else(|| {
            GeoError::row(source, line, "kind", format!("`{}` is not one of town, village, neighbourhood, landmark, checkpoint, displacement_site, district, region", clip(get("kind"))))
        })?;
        let lat = parse_coord(source, line, "lat", get("lat"), 90.0)?;
        let lon = parse_coord(source, line, "lon", get("lon"), 180.0)?;
        let precision = match opt("precision") {
            None => kind.default_precision(),
            Some(p) => Precision::from_code(&p).ok_or_else(|| {
                GeoError::row(
                    source,
                    line,
                    "precision",
                    format!(
                        "`{}` is not point, settlement, district or region",
                        clip(&p)
                    ),
                )
            })?,
        };
        let uncertainty_m = match opt("uncertainty_m") {
            None => None,
            Some(u) => Some(
                u.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        GeoError::row(
                            source,
                            line,
                            "uncertainty_m",
                            format!("`{}` is not a non-negative number of metres", clip(&u)),
                        )
                    })?,
            ),
        };
        let population = match opt("population") {
            None => 0,
            Some(p) => p.parse().map_err(|_| {
                GeoError::row(
                    source,
                    line,
                    "population",
                    format!("`{}` is not a whole number", clip(&p)),
                )
            })?,
        };
        let mut alt_names = Vec::new();
        for n in get("alt_names")
            .split('|')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            alt_names.push(check_text(source, line, "alt_names", n)?);
        }
        up.places.push(Place {
            id: id.to_owned(),
            name,
            alt_names,
            lat,
            lon,
            kind,
            precision,
            feature_code: String::new(),
            population,
            admin1: opt("admin1"),
            admin2: opt("admin2"),
            admin_code: None,
            parent_id: opt("parent_id"),
            uncertainty_m,
            source: PlaceSource::Curated,
        });
    }
    if up.places.is_empty() {
        return Err(GeoError::Empty(source.to_owned()));
    }
    Ok(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "1527534\tOsh\tOsh\tOš,Ош\t40.52828\t72.7985\tP\tPPLA\tKG\t\t08\t\t\t\t322164\t\t988\tAsia/Bishkek\t2022-09-26";

    #[test]
    fn geonames_rows() {
        let river = ROW
            .replace("\tP\tPPLA\t", "\tH\tSTM\t")
            .replace("1527534", "1");
        let up = parse_geonames_dump(&format!("{ROW}\n{river}\n"), "KG.txt").unwrap();
        assert_eq!(up.places.len(), 1);
        assert_eq!(up.skipped, 1);
        let p = &up.places[0];
        assert_eq!(
            (p.id.as_str(), p.kind, p.admin1.as_deref()),
            ("1527534", PlaceKind::Town, Some("KG.08"))
        );
        assert_eq!(p.alt_names, vec!["Oš", "Ош"]);
    }

    #[test]
    fn geonames_bad_rows_name_line_and_field() {
        let bad_lat = ROW.replace("40.52828", "north");
        let e = parse_geonames_dump(&format!("{ROW}\n{bad_lat}"), "KG.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("KG.txt line 2: field `latitude`"), "{e}");
        let e = parse_geonames_dump("1\t2\t3", "KG.txt")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("3 tab-separated columns"),
            "{e}"
        );
        let e = parse_geonames_dump("", "KG.txt").unwrap_err().to_string();
        assert!(e.contains("no data rows"), "{e}");
        let emoji = ROW.replace("\tOsh\tOsh\t", "\t🔥\t🔥\t");
        let e = parse_geonames_dump(&emoji, "KG.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `name`"), "{e}");
    }

    #[test]
    fn alternate_names() {
        let text = "1\t1527534\tru\tОш\t1\t\t\t\t\t\n2\t1527534\tlink\thttps://x\t\t\t\t\t\t\n";
        let up = parse_geonames_alternate_names(text, "alt.txt").unwrap();
        assert_eq!(up.names, vec![("1527534".to_owned(), "Ош".to_owned())]);
        let e = parse_geonames_alternate_names("x\t1\tru\tОш", "alt.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("alternateNameId"), "{e}");
    }

    #[test]
    fn curated_rows() {
        let text = "id,name,kind,lat,lon,alt_names\ncur:a,Cheremushki,neighbourhood,40.51,72.77,Черёмушки|Cheryomushki\n";
        let up = parse_curated_csv(text, "c.csv").unwrap();
        assert_eq!(up.places[0].alt_names.len(), 2);
        assert_eq!(up.places[0].precision, Precision::Settlement);
        let e = parse_curated_csv("id,name,kind,lat\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`lon`: required column"), "{e}");
        let e = parse_curated_csv("id,name,kind,lat,lon\n123,X,town,1,1\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: field `id`"), "{e}");
        let e = parse_curated_csv("id,name,kind,lat,lon\na,X,castle,1,1\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `kind`"), "{e}");
        let e = parse_curated_csv("id,name,kind,lat,lon\na,X,town,1\n", "c.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
