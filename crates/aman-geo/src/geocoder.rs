//! Free text → ranked gazetteer candidates with a calibrated confidence.
//!
//! The text is split into segments (commas, brackets, "near"), each segment into
//! groups qualified by affix words ("г.", "village", "Suzak raion"). Each group's words
//! are looked up by folded and loose keys (exact, then case-ending stems, then edit
//! distance via a trigram index). The most specific group is the place; the others are
//! context that must agree with it (same oblast or raion, within a short distance, or
//! the place's parent). Candidates are scored by match quality, agreement with the kind
//! an affix asks for, context and a small population prior.
//!
//! Confidence is the match quality discounted by anything that weakens it (typos,
//! unmatched words, context that disagrees, "near"), then by how close the best rival
//! is. A rival is a different place that is not the same entity at another level
//! (Jalal-Abad city vs Jalal-Abad oblast are not rivals). `ambiguous` is set when a rival
//! scores within [`AMBIGUITY_MARGIN`]: the caller must ask a human.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::admin_index::{AdminAssignment, AdminIndex};
use crate::gazetteer::Gazetteer;
use crate::model::{Place, PlaceKind, Precision};
use crate::query::{fuzzy_affix, stems, strip_admin_words, words, Hint, Role, Word};

/// Confidence at or above which an answer counts as "high confidence": evaluation
/// holds wrong answers at this level to ≤ 1 %.
pub const HIGH_CONFIDENCE: f64 = 0.8;
/// Score gap under which the top two rival candidates are flagged as ambiguous.
pub const AMBIGUITY_MARGIN: f64 = 0.06;
/// Score lead over the best rival at which confidence is no longer discounted; a
/// smaller lead scales confidence down towards half.
const SEPARATION_SCALE: f64 = 0.25;
/// Quality of a loose-key match relative to an exact one.
const LOOSE_QUALITY: f64 = 0.96;
/// Quality factor of a match on an alternate name rather than the place's own name.
const ALT_NAME_FACTOR: f64 = 0.93;
/// Longest query `geocode` accepts; longer text is narrative (use [`Geocoder::extract_mentions`]).
pub const MAX_QUERY_BYTES: usize = 1000;

/// How a candidate's name matched the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Same letters after folding (script, case, diacritics, punctuation ignored).
    Exact,
    /// Same loose key (spelling variants such as kh/x, dzh/j, o/a).
    Loose,
    /// Same after removing a grammatical ending ("в Оше", "Oshda").
    Stem,
    /// Within a small edit distance (typos).
    Fuzzy,
}

/// One possible answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub place_id: String,
    pub name: String,
    pub kind: PlaceKind,
    pub lat: f64,
    pub lon: f64,
    pub precision: Precision,
    pub admin1_code: Option<String>,
    pub admin1_name: Option<String>,
    pub admin2_code: Option<String>,
    pub admin2_name: Option<String>,
    /// The gazetteer name that matched.
    pub matched_name: String,
    pub match_kind: MatchKind,
    /// The containing place (a neighbourhood's town), when known.
    pub parent_id: Option<String>,
    /// The text said "near" this place.
    pub near: bool,
    /// Ranking score (not a probability).
    pub score: f64,
    /// 0–1; at least [`HIGH_CONFIDENCE`] means the answer can be used without review.
    pub confidence: f64,
}

/// Whether a place text was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionStatus {
    Resolved,
    /// Rival candidates are too close: a human must choose.
    Ambiguous,
    Unresolved,
}

/// The geocoder's answer for a report's place text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// The text as given.
    pub query: String,
    pub status: ResolutionStatus,
    /// The best candidate (also when ambiguous, for display; do not store it as fact).
    pub best: Option<Candidate>,
    pub confidence: f64,
    pub ambiguous: bool,
    /// True unless resolved with high confidence.
    pub needs_review: bool,
    /// Admin areas of the best point by point-in-polygon against the loaded boundaries.
    pub admin: Option<AdminAssignment>,
    pub candidates: Vec<Candidate>,
    /// Why nothing was resolved, when that is not simply "no match".
    pub note: Option<String>,
}

/// The admin codes to store with a resolved place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminCodes {
    pub admin1_code: Option<String>,
    pub admin1_name: Option<String>,
    pub admin2_code: Option<String>,
    pub admin2_name: Option<String>,
}

impl Resolution {
    /// Admin codes for the resolved place. When ADM2 boundaries are loaded (a mission's
    /// P-coded file) the point-in-polygon answer is used for both levels, so stored codes
    /// are the mission's; otherwise the gazetteer's legal GeoNames codes (Osh city is
    /// `KG.10`, not the oblast around it), falling back to the polygons for what the
    /// gazetteer lacks.
    pub fn admin_codes(&self) -> AdminCodes {
        let poly = self.admin.as_ref();
        let poly1 = poly.and_then(|a| a.admin1.as_ref());
        let poly2 = poly.and_then(|a| a.admin2.as_ref());
        if let Some(a2) = poly2 {
            return AdminCodes {
                admin1_code: poly1.map(|a| a.code.clone()),
                admin1_name: poly1.map(|a| a.name.clone()),
                admin2_code: Some(a2.code.clone()),
                admin2_name: Some(a2.name.clone()),
            };
        }
        let Some(b) = &self.best else {
            return AdminCodes::default();
        };
        let (code1, name1) = match &b.admin1_code {
            Some(c) => (Some(c.clone()), b.admin1_name.clone()),
            None => (poly1.map(|a| a.code.clone()), poly1.map(|a| a.name.clone())),
        };
        AdminCodes {
            admin1_code: code1,
            admin1_name: name1,
            admin2_code: b.admin2_code.clone(),
            admin2_name: b.admin2_name.clone(),
        }
    }
}

/// A place named inside narrative text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// Byte range of the mention in the text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub resolution: Resolution,
}

/// FNV-1a: the name maps are keyed by short ASCII strings from our own gazetteer, where
/// SipHash's DoS resistance buys nothing and costs a third of a lookup.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Clone, Copy)]
struct Entry {
    place: u32,
    primary: bool,
    name: u32,
}

/// A group of words qualified by one affix.
struct Group {
    words: Vec<usize>,
    hint: Option<Hint>,
    near: bool,
    segment: usize,
}

#[derive(Clone)]
struct Hit {
    place: u32,
    quality: f64,
    kind: MatchKind,
    name: u32,
}

struct GroupMatch {
    group: usize,
    hits: Vec<Hit>,
    matched_words: usize,
    total_words: usize,
}

/// The geocoder over one gazetteer and admin index.
pub struct Geocoder {
    gaz: Gazetteer,
    admin: AdminIndex,
    names: Vec<String>,
    exact: FastMap<String, Vec<Entry>>,
    loose: FastMap<String, Vec<Entry>>,
    loose_keys: Vec<String>,
    grams: FastMap<u32, Vec<u32>>,
    /// Loose key of an admin area's name without its kind words → admin places.
    admin_by_core: FastMap<String, Vec<u32>>,
}

impl std::fmt::Debug for Geocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geocoder")
            .field("places", &self.gaz.places().len())
            .field("keys", &self.loose_keys.len())
            .finish()
    }
}

fn trigrams(key: &str) -> Vec<u32> {
    let b: Vec<u8> = std::iter::once(b'^')
        .chain(key.bytes())
        .chain(std::iter::once(b'$'))
        .collect();
    let mut g: Vec<u32> = b
        .windows(3)
        .map(|w| u32::from(w[0]) << 16 | u32::from(w[1]) << 8 | u32::from(w[2]))
        .collect();
    g.sort_unstable();
    g.dedup();
    g
}

fn hint_fit(hint: Option<Hint>, p: &Place) -> f64 {
    use PlaceKind as K;
    let city_rank = p.feature_code.ends_with("_CITY");
    match (hint, p.kind) {
        (Some(Hint::Region | Hint::District), K::Region | K::District) if city_rank => 0.8,
        (Some(Hint::Town), K::Region | K::District) if city_rank => 0.9,
        (None, K::Region) => 0.8,
        (None, K::District) => 0.85,
        (None, _) => 1.0,
        (Some(Hint::Town), K::Town)
        | (Some(Hint::Village), K::Village)
        | (Some(Hint::Neighbourhood), K::Neighbourhood) => 1.0,
        (Some(Hint::District), K::District) | (Some(Hint::Region), K::Region) => 1.0,
        (Some(Hint::Town | Hint::Village), K::Town | K::Village) => 0.95,
        (Some(Hint::Neighbourhood), K::Village | K::Landmark | K::DisplacementSite) => 0.9,
        (
            Some(Hint::Town | Hint::Village),
            K::Neighbourhood | K::Landmark | K::Checkpoint | K::DisplacementSite,
        ) => 0.85,
        // "Osh city" is the city, and the city of republican rank is also an admin area.
        (Some(Hint::Town), K::Region | K::District) => 0.75,
        (Some(Hint::District), K::Region) | (Some(Hint::Region), K::District) => 0.7,
        _ => 0.55,
    }
}

fn distance_km(a: &Place, b: &Place) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.lat.to_radians(),
        a.lon.to_radians(),
        b.lat.to_radians(),
        b.lon.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    12_742.0 * h.sqrt().min(1.0).asin()
}

fn rank(kind: PlaceKind) -> u8 {
    match kind {
        PlaceKind::Landmark | PlaceKind::Checkpoint | PlaceKind::DisplacementSite => 0,
        PlaceKind::Neighbourhood => 1,
        PlaceKind::Village | PlaceKind::Town => 2,
        PlaceKind::District => 3,
        PlaceKind::Region => 4,
    }
}

impl Geocoder {
    /// The geocoder over the built-in gazetteer and admin-1 shapes.
    pub fn builtin() -> Geocoder {
        Geocoder::new(Gazetteer::builtin(), Gazetteer::builtin_admin_index())
    }

    /// Builds the name indexes (about a millisecond per thousand places).
    pub fn new(gaz: Gazetteer, admin: AdminIndex) -> Geocoder {
        let mut names = Vec::new();
        let mut exact: FastMap<String, Vec<Entry>> = FastMap::default();
        let mut loose: FastMap<String, Vec<Entry>> = FastMap::default();
        for (pi, p) in gaz.places().iter().enumerate() {
            for (ni, n) in std::iter::once(&p.name).chain(&p.alt_names).enumerate() {
                let mut variants = vec![n.clone()];
                let stripped = strip_admin_words(n);
                if stripped != *n && (p.kind.is_admin() || ni > 0) {
                    variants.push(stripped);
                }
                let name_idx = names.len() as u32;
                names.push(n.clone());
                for v in variants {
                    let f = aman_text::fold(&v).replace(' ', "");
                    let l = aman_text::loose_key_compact(&v);
                    if f.is_empty() || l.is_empty() {
                        continue;
                    }
                    let e = Entry {
                        place: pi as u32,
                        primary: ni == 0,
                        name: name_idx,
                    };
                    for (map, key) in [(&mut exact, f), (&mut loose, l)] {
                        let list = map.entry(key).or_default();
                        match list.iter_mut().find(|x| x.place == e.place) {
                            Some(x) if e.primary && !x.primary => *x = e,
                            Some(_) => {}
                            None => list.push(e),
                        }
                    }
                }
            }
        }
        let mut loose_keys: Vec<String> = loose.keys().cloned().collect();
        loose_keys.sort();
        let mut grams: FastMap<u32, Vec<u32>> = FastMap::default();
        for (i, k) in loose_keys.iter().enumerate() {
            for g in trigrams(k) {
                grams.entry(g).or_default().push(i as u32);
            }
        }
        let mut admin_by_core: FastMap<String, Vec<u32>> = FastMap::default();
        for (pi, p) in gaz
            .places()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind.is_admin())
        {
            for n in std::iter::once(&p.name).chain(&p.alt_names) {
                let list = admin_by_core
                    .entry(aman_text::loose_key_compact(&strip_admin_words(n)))
                    .or_default();
                if !list.contains(&(pi as u32)) {
                    list.push(pi as u32);
                }
            }
        }
        Geocoder {
            gaz,
            admin,
            names,
            exact,
            loose,
            loose_keys,
            grams,
            admin_by_core,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gaz
    }

    pub fn admin_index(&self) -> &AdminIndex {
        &self.admin
    }

    /// Ranked candidates for a place text, best first, at most `limit`.
    pub fn geocode(&self, text: &str, limit: usize) -> Vec<Candidate> {
        if text.len() > MAX_QUERY_BYTES {
            return Vec::new();
        }
        let ws = words(text);
        self.candidates(&ws, limit)
    }

    /// The point of a place text that resolves to one place (not ambiguous), for
    /// comparing places written in different languages and scripts by distance.
    pub fn resolved_point(&self, text: &str) -> Option<(f64, f64)> {
        let r = self.resolve(text);
        match (r.status, r.best) {
            (ResolutionStatus::Resolved, Some(best)) => Some((best.lat, best.lon)),
            _ => None,
        }
    }

    /// Resolves a report's place text: the best candidate, whether it can be used
    /// as is, and the admin areas of its point.
    pub fn resolve(&self, text: &str) -> Resolution {
        let query = text.to_owned();
        let unresolved = |note: Option<String>| Resolution {
            query: query.clone(),
            status: ResolutionStatus::Unresolved,
            best: None,
            confidence: 0.0,
            ambiguous: false,
            needs_review: true,
            admin: None,
            candidates: vec![],
            note,
        };
        if text.trim().is_empty() {
            return unresolved(Some("no place text".into()));
        }
        if text.len() > MAX_QUERY_BYTES {
            return unresolved(Some(format!(
                "place text is {} bytes; at most {MAX_QUERY_BYTES} are geocoded — extract place mentions from narrative instead",
                text.len()
            )));
        }
        let cands = self.geocode(text, 5);
        let Some(best) = cands.first().cloned() else {
            return unresolved(None);
        };
        let ambiguous = cands
            .get(1)
            .is_some_and(|c| self.rivals(&best, c) && best.score - c.score < AMBIGUITY_MARGIN);
        let status = if ambiguous {
            ResolutionStatus::Ambiguous
        } else {
            ResolutionStatus::Resolved
        };
        let admin = self.admin.locate(best.lat, best.lon);
        Resolution {
            query,
            status,
            confidence: best.confidence,
            ambiguous,
            needs_review: ambiguous || best.confidence < HIGH_CONFIDENCE,
            admin,
            best: Some(best),
            candidates: cands,
            note: None,
        }
    }

    fn place(&self, i: u32) -> &Place {
        &self.gaz.places()[i as usize]
    }

    /// Two candidates are rivals unless one is the other at another admin level or
    /// they are a few kilometres apart (duplicates in the sources).
    fn rivals(&self, a: &Candidate, b: &Candidate) -> bool {
        let (Some(pa), Some(pb)) = (self.gaz.get(&a.place_id), self.gaz.get(&b.place_id)) else {
            return true;
        };
        self.rival_places(pa, pb)
    }

    fn rival_places(&self, pa: &Place, pb: &Place) -> bool {
        if distance_km(pa, pb) <= 3.0
            || pa.parent_id.as_deref() == Some(pb.id.as_str())
            || pb.parent_id.as_deref() == Some(pa.id.as_str())
        {
            return false;
        }
        match (pa.kind.is_admin(), pb.kind.is_admin()) {
            (true, true) => !self.related(pa, pb) && !self.related(pb, pa),
            // A town is its oblast's namesake only as the oblast's centre (Osh, Naryn);
            // Chuy the town is not what "Chüy" the oblast means.
            (true, false) => !self.namesake(pa, pb),
            (false, true) => !self.namesake(pb, pa),
            (false, false) => true,
        }
    }

    /// Whether a settlement is the centre an admin area is named after.
    fn namesake(&self, area: &Place, town: &Place) -> bool {
        let seat = match area.kind {
            PlaceKind::Region => matches!(town.feature_code.as_str(), "PPLA" | "PPLC"),
            _ => true,
        };
        seat && self.related(area, town)
    }

    /// Whether `outer` contains or names the same entity as `inner`.
    fn related(&self, outer: &Place, inner: &Place) -> bool {
        if let Some(code) = &outer.admin_code {
            if inner.admin1.as_ref() == Some(code) || inner.admin2.as_ref() == Some(code) {
                return true;
            }
            // A raion named after its centre ("Suzak village, Suzak district").
            if outer.kind == PlaceKind::District
                && !inner.kind.is_admin()
                && inner.admin1.is_some()
                && inner.admin1 == outer.admin1
                && aman_text::loose_key_compact(&strip_admin_words(&outer.name))
                    == aman_text::loose_key_compact(&inner.name)
            {
                return true;
            }
            if let Some(b) = self.admin.locate_level(
                if outer.kind == PlaceKind::Region {
                    1
                } else {
                    2
                },
                inner.lat,
                inner.lon,
            ) {
                if &b.code == code {
                    return true;
                }
            }
        }
        inner.parent_id.as_deref() == Some(outer.id.as_str())
    }

    /// Whether a context place (another part of the text) agrees with a candidate.
    fn supports(&self, ctx: &Place, cand: &Place) -> bool {
        if ctx.id == cand.id {
            return false;
        }
        if ctx.kind.is_admin() {
            return self.related(ctx, cand);
        }
        cand.parent_id.as_deref() == Some(ctx.id.as_str())
            || self.related(cand, ctx)
            || distance_km(ctx, cand) <= 25.0
    }

    /// Exact and loose matches of one key, best quality per place. A match on a
    /// place's own name beats one on an alternate name: GeoNames keeps former and
    /// foreign names of one town that are another town's current name ("Kerben",
    /// "Toktogul").
    fn lookup(&self, fold: &str, loose: &str, out: &mut Vec<Hit>) -> bool {
        let before = out.len();
        let sources = [
            (self.exact.get(fold), 1.0, MatchKind::Exact),
            (self.loose.get(loose), LOOSE_QUALITY, MatchKind::Loose),
        ];
        for (entries, base, kind) in sources {
            for e in entries.into_iter().flatten() {
                let quality = base * if e.primary { 1.0 } else { ALT_NAME_FACTOR };
                match out[before..].iter_mut().find(|h| h.place == e.place) {
                    Some(h) if h.quality >= quality => {}
                    Some(h) => {
                        *h = Hit {
                            place: e.place,
                            quality,
                            kind,
                            name: e.name,
                        }
                    }
                    None => out.push(Hit {
                        place: e.place,
                        quality,
                        kind,
                        name: e.name,
                    }),
                }
            }
        }
        out.len() > before
    }

    /// With "raion"/"oblast" in the text, a settlement match also stands for the admin
    /// area named after it ("Özgön raion" → Uzgen District).
    fn expand_to_admin(&self, hint: Option<Hint>, hits: &mut Vec<Hit>) {
        let level = match hint {
            Some(Hint::District) => PlaceKind::District,
            Some(Hint::Region) => PlaceKind::Region,
            _ => return,
        };
        let mut extra = Vec::new();
        for h in hits.iter() {
            let p = self.place(h.place);
            if p.kind.is_admin() {
                continue;
            }
            let key = aman_text::loose_key_compact(&p.name);
            for &ai in self.admin_by_core.get(&key).into_iter().flatten() {
                let a = self.place(ai);
                let same_area =
                    p.admin1.is_none() || a.admin1 == p.admin1 || a.admin_code == p.admin1;
                if a.kind == level && same_area && !hits.iter().any(|x| x.place == ai) {
                    extra.push(Hit {
                        place: ai,
                        quality: h.quality * 0.95,
                        kind: h.kind,
                        name: h.name,
                    });
                }
            }
        }
        hits.extend(extra);
    }

    /// Typo matches by edit distance on loose keys. The allowed distance follows the
    /// folded length (loose keys are shorter: "Сокулук" → "sakuluk" but doubled and
    /// merged letters shrink others).
    fn fuzzy(&self, loose: &str, fold_len: usize, out: &mut Vec<Hit>) {
        let len = loose.len();
        if len < 4 {
            return;
        }
        let max_d = match fold_len.max(len) {
            0..=5 => 1,
            6..=10 => 2,
            _ => 3,
        };
        let grams = trigrams(loose);
        let mut counts = vec![0u16; self.loose_keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        for g in &grams {
            if let Some(keys) = self.grams.get(g) {
                for &k in keys {
                    if counts[k as usize] == 0 {
                        touched.push(k);
                    }
                    counts[k as usize] += 1;
                }
            }
        }
        // Only the closest keys are used, so search distance 1 first: its trigram bound
        // (an edit breaks at most three trigrams) prunes far more candidates.
        let mut best: Vec<(usize, u32)> = Vec::new();
        for d in 1..=max_d {
            let need = grams.len().saturating_sub(3 * d).max(1);
            best = touched
                .iter()
                .filter(|&&k| {
                    usize::from(counts[k as usize]) >= need
                        && self.loose_keys[k as usize].len().abs_diff(len) <= d
                })
                .filter_map(|&k| {
                    aman_text::bounded_edit_distance(loose, &self.loose_keys[k as usize], d)
                        .map(|e| (e, k))
                })
                .collect();
            if !best.is_empty() {
                break;
            }
        }
        best.sort_unstable();
        let Some(&(dmin, _)) = best.first() else {
            return;
        };
        for (d, k) in best.into_iter().take_while(|&(d, _)| d == dmin) {
            let quality = 0.9 - 0.08 * d as f64 - 0.6 * d as f64 / fold_len.max(len) as f64;
            for e in &self.loose[&self.loose_keys[k as usize]] {
                out.push(Hit {
                    place: e.place,
                    quality,
                    kind: MatchKind::Fuzzy,
                    name: e.name,
                });
            }
        }
    }

    /// Splits words into groups: segment breaks and "near" end a group; an affix
    /// qualifies the words after it when it opens a group, else the words before it.
    fn groups(ws: &[Word], roles: &[Role]) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        let mut cur = Group {
            words: vec![],
            hint: None,
            near: false,
            segment: 0,
        };
        let mut segment = 0;
        let mut near_pending = false;
        let mut skip_segment = false;
        let flush = |cur: &mut Group, groups: &mut Vec<Group>, segment: usize, near: bool| {
            let g = std::mem::replace(
                cur,
                Group {
                    words: vec![],
                    hint: None,
                    near,
                    segment,
                },
            );
            if !g.words.is_empty() {
                groups.push(g);
            }
        };
        for (i, w) in ws.iter().enumerate() {
            if w.break_before {
                flush(&mut cur, &mut groups, segment, false);
                segment += 1;
                cur.segment = segment;
                near_pending = false;
                skip_segment = false;
            }
            if skip_segment {
                continue;
            }
            match roles[i] {
                Role::Street => {
                    // The rest of this segment is an address.
                    cur.words.clear();
                    cur.hint = None;
                    skip_segment = true;
                }
                Role::Noise => {}
                Role::Near => {
                    flush(&mut cur, &mut groups, segment, true);
                    near_pending = true;
                    cur.near = true;
                }
                Role::Affix(h) => {
                    // "the village of Nariman", "city of Osh": the affix opens a group.
                    let opens = ws
                        .get(i + 1)
                        .is_some_and(|n| n.fold == "of" && !n.break_before);
                    if cur.words.is_empty() {
                        cur.hint = Some(h);
                    } else if opens {
                        flush(&mut cur, &mut groups, segment, near_pending);
                        cur.hint = Some(h);
                    } else if cur.hint.is_none() {
                        cur.hint = Some(h);
                        flush(&mut cur, &mut groups, segment, near_pending);
                    } else {
                        flush(&mut cur, &mut groups, segment, near_pending);
                        cur.hint = Some(h);
                    }
                }
                Role::Name => cur.words.push(i),
            }
        }
        flush(&mut cur, &mut groups, segment, false);
        groups
    }

    /// Matches one group: whole-span and sub-span lookups (longest first), then stems,
    /// then typos. Returns one match per matched span, leftmost first.
    fn match_group(&self, gi: usize, g: &Group, ws: &[Word], out: &mut Vec<GroupMatch>) {
        let n = g.words.len().min(8);
        let idx = &g.words[..n];
        let mut covered = vec![false; n];
        let mut spans: Vec<(usize, usize, Vec<Hit>)> = Vec::new();
        for len in (1..=n.min(4)).rev() {
            for s in 0..=n - len {
                if covered[s..s + len].iter().any(|c| *c) {
                    continue;
                }
                let fold: String = idx[s..s + len]
                    .iter()
                    .map(|&i| ws[i].fold.as_str())
                    .collect();
                let loose: String = idx[s..s + len]
                    .iter()
                    .map(|&i| ws[i].loose.as_str())
                    .collect();
                let mut hits = Vec::new();
                let admin_stems = matches!(g.hint, Some(Hint::District | Hint::Region));
                if !self.lookup(&fold, &loose, &mut hits) {
                    // Endings: "Оше", "Oshda", "Сузакском".
                    let head: String = idx[s..s + len - 1]
                        .iter()
                        .map(|&i| ws[i].fold.as_str())
                        .collect();
                    for stem in stems(&ws[idx[s + len - 1]].fold) {
                        let f = format!("{head}{stem}");
                        if self.lookup(&f, &aman_text::loose_key_compact(&f), &mut hits) {
                            let q = if admin_stems { 0.97 } else { 0.92 };
                            for h in &mut hits {
                                h.quality = h.quality.min(q);
                                h.kind = MatchKind::Stem;
                            }
                            break;
                        }
                    }
                }
                // A generic word alone ("bazaar", "school") is not a place name even
                // when some place has it as an alternate name.
                let generic_alone = len == 1 && n > 1 && ws[idx[s]].generic;
                if !hits.is_empty() && !generic_alone {
                    covered[s..s + len].iter_mut().for_each(|c| *c = true);
                    spans.push((s, len, hits));
                }
            }
        }
        let specific: Vec<usize> = (0..n).filter(|&k| n == 1 || !ws[idx[k]].generic).collect();
        let uncovered = specific.iter().any(|&k| !covered[k]);
        if uncovered {
            // Typos: the whole group as one name first ("Jyama Bazaar"), then each
            // uncovered word.
            let loose: String = idx.iter().map(|&i| ws[i].loose.as_str()).collect();
            let fold_len = idx.iter().map(|&i| ws[i].fold.len()).sum();
            let mut hits = Vec::new();
            self.fuzzy(&loose, fold_len, &mut hits);
            if !hits.is_empty() && (spans.is_empty() || n > 1) {
                spans.clear();
                spans.push((0, n, hits));
            } else if spans.is_empty() && n > 1 {
                for &k in &specific {
                    let mut hits = Vec::new();
                    let w = &ws[idx[k]];
                    self.fuzzy(&w.loose, w.fold.len(), &mut hits);
                    if !hits.is_empty() {
                        spans.push((k, 1, hits));
                    }
                }
            }
        }
        spans.sort_by_key(|s| s.0);
        let generic_uncovered = (0..n)
            .filter(|&k| ws[idx[k]].generic && !spans.iter().any(|s| (s.0..s.0 + s.1).contains(&k)))
            .count();
        let matched: usize = spans.iter().map(|s| s.1).sum::<usize>() + generic_uncovered;
        for (_, _, mut hits) in spans {
            self.expand_to_admin(g.hint, &mut hits);
            out.push(GroupMatch {
                group: gi,
                hits,
                matched_words: matched,
                total_words: g.words.len(),
            });
        }
    }

    fn candidates(&self, ws: &[Word], limit: usize) -> Vec<Candidate> {
        let roles: Vec<Role> = ws
            .iter()
            .map(|w| match w.role {
                Role::Name
                    if !self.exact.contains_key(&w.fold) && !self.loose.contains_key(&w.loose) =>
                {
                    fuzzy_affix(&w.fold).map_or(Role::Name, Role::Affix)
                }
                r => r,
            })
            .collect();
        let groups = Self::groups(ws, &roles);
        let mut matches: Vec<GroupMatch> = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            self.match_group(gi, g, ws, &mut matches);
        }
        if matches.is_empty() {
            return Vec::new();
        }
        let best_of = |m: &GroupMatch| -> Option<(f64, &Place)> {
            let hint = groups[m.group].hint;
            m.hits
                .iter()
                .map(|h| {
                    (
                        h.quality * hint_fit(hint, self.place(h.place)),
                        self.place(h.place),
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
        };
        // The place is the first group that is not only "near" something; a later,
        // finer place that sits inside it takes over ("Osh, Cheremushki").
        let mut primary = matches
            .iter()
            .position(|m| !groups[m.group].near)
            .unwrap_or(0);
        for (i, m) in matches.iter().enumerate().skip(primary + 1) {
            let (Some((_, p)), Some((_, q))) = (best_of(&matches[primary]), best_of(m)) else {
                continue;
            };
            if rank(q.kind) < rank(p.kind) && !groups[m.group].near && self.supports(p, q) {
                primary = i;
            }
        }
        let pm = &matches[primary];
        let pg = &groups[pm.group];
        let context: Vec<&GroupMatch> = matches
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != primary)
            .map(|(_, m)| m)
            .collect();
        // Groups that matched nothing weaken the answer: the text named something we
        // do not know. A group of generic words only ("школа №8", "near the bazaar")
        // is a landmark inside the place, not an unknown place.
        let unmatched_groups = groups
            .iter()
            .enumerate()
            .filter(|&(gi, g)| {
                !matches.iter().any(|m| m.group == gi) && g.words.iter().any(|&i| !ws[i].generic)
            })
            .count();
        let coverage = (pm.matched_words as f64 / pm.total_words.max(1) as f64).sqrt()
            * 0.85_f64.powi(unmatched_groups as i32);
        let near = pg.near
            || context
                .iter()
                .any(|m| groups[m.group].near && groups[m.group].segment == pg.segment);
        let only_near = pg.near;
        // Score every hit first; only the few that are returned become `Candidate`s.
        struct Scored {
            place: u32,
            /// The hit that matched, or `None` for a containing place added for context.
            hit: Option<usize>,
            score: f64,
            conf: f64,
            /// The score a rival is measured by when the top answer's confidence is set.
            rival_score: f64,
        }
        let mut scored: Vec<Scored> = Vec::with_capacity(pm.hits.len());
        for (hi, h) in pm.hits.iter().enumerate() {
            let p = self.place(h.place);
            let fit = hint_fit(pg.hint, p);
            let mut ctx_factor = 1.0;
            let mut ctx_bonus = 0.0;
            for m in &context {
                if m.hits.iter().any(|c| self.supports(self.place(c.place), p)) {
                    ctx_bonus = 0.08;
                } else {
                    ctx_factor *= 0.75;
                }
            }
            let base = (h.quality * fit * coverage * ctx_factor).min(1.0);
            let prior = 0.02 * ((p.population as f64) + 1.0).log10() / 6.0
                + if matches!(p.feature_code.as_str(), "PPLC" | "PPLA" | "PPLA2") {
                    0.005
                } else {
                    0.0
                };
            let score = base + ctx_bonus + prior;
            let conf = base * if only_near { 0.95 } else { 1.0 };
            // Preferring a town to an oblast of the same bare name is a convention, not
            // evidence: when they are unrelated ("Chüy" the oblast, Chuy the town), the
            // oblast's full strength counts against the town's confidence.
            let rival_score = if pg.hint.is_none() && p.kind.is_admin() {
                (h.quality * coverage * ctx_factor).min(1.0) + ctx_bonus + prior
            } else {
                score
            };
            let new = Scored {
                place: h.place,
                hit: Some(hi),
                score,
                conf,
                rival_score,
            };
            match scored.iter_mut().find(|s| s.place == h.place) {
                Some(s) if s.score >= score => {}
                Some(s) => *s = new,
                None => scored.push(new),
            }
        }
        scored.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| self.place(a.place).id.cmp(&self.place(b.place).id))
        });
        // Separation: confidence falls as the best rival closes in.
        if let Some(top) = scored.first() {
            let tp = self.place(top.place);
            let rival = scored
                .iter()
                .skip(1)
                .find(|c| self.rival_places(tp, self.place(c.place)))
                .map(|c| c.rival_score);
            let sep = rival.map_or(1.0, |r| {
                ((top.score - r) / SEPARATION_SCALE).clamp(0.0, 1.0)
            });
            let conf = (top.conf * (0.5 + 0.5 * sep)).clamp(0.0, 1.0);
            for c in &mut scored {
                c.conf = c.conf.min(conf).clamp(0.0, 1.0);
            }
            scored[0].conf = conf;
            // A neighbourhood's town comes along, for a reader (or a coarser label).
            let parent = tp
                .parent_id
                .as_deref()
                .and_then(|id| self.gaz.position(id))
                .map(|i| i as u32);
            if let Some(pi) = parent.filter(|pi| !scored.iter().any(|c| c.place == *pi)) {
                let (score, conf) = (scored[0].score - 0.2, (scored[0].conf - 0.2).max(0.0));
                scored.insert(
                    1,
                    Scored {
                        place: pi,
                        hit: None,
                        score,
                        conf,
                        rival_score: score,
                    },
                );
            }
        }
        scored
            .iter()
            .take(limit)
            .map(|s| {
                let p = self.place(s.place);
                let h = s.hit.map(|i| &pm.hits[i]);
                Candidate {
                    place_id: p.id.clone(),
                    name: p.name.clone(),
                    kind: p.kind,
                    lat: p.lat,
                    lon: p.lon,
                    precision: if only_near {
                        p.precision.coarser()
                    } else {
                        p.precision
                    },
                    admin1_name: p
                        .admin1
                        .as_deref()
                        .and_then(|c| self.gaz.admin_area(c))
                        .map(|a| a.name.clone()),
                    admin1_code: p.admin1.clone(),
                    admin2_name: p
                        .admin2
                        .as_deref()
                        .and_then(|c| self.gaz.admin_area(c))
                        .map(|a| a.name.clone()),
                    admin2_code: p.admin2.clone(),
                    matched_name: h
                        .map_or_else(|| p.name.clone(), |h| self.names[h.name as usize].clone()),
                    match_kind: h.map_or(MatchKind::Exact, |h| h.kind),
                    parent_id: p.parent_id.clone(),
                    near,
                    score: s.score,
                    confidence: s.conf,
                }
            })
            .collect()
    }

    /// Place names in narrative text (any language), each resolved. A name is taken
    /// when it is capitalised or follows an affix word ("с.", "village"), so common
    /// words that happen to be village names are left alone.
    pub fn extract_mentions(&self, text: &str) -> Vec<Mention> {
        let ws = words(text);
        let mut out = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            let after_affix =
                i > 0 && matches!(ws[i - 1].role, Role::Affix(_)) && !ws[i].break_before;
            if ws[i].role != Role::Name || !(ws[i].capital || after_affix) {
                i += 1;
                continue;
            }
            let mut found = None;
            for len in (1..=4.min(ws.len() - i)).rev() {
                let span = &ws[i..i + len];
                if span
                    .iter()
                    .skip(1)
                    .any(|w| w.break_before || w.role != Role::Name)
                {
                    continue;
                }
                let fold: String = span.iter().map(|w| w.fold.as_str()).collect();
                let loose: String = span.iter().map(|w| w.loose.as_str()).collect();
                let mut hits = Vec::new();
                let ok = self.lookup(&fold, &loose, &mut hits)
                    || (len == 1
                        && stems(&fold)
                            .any(|s| self.lookup(s, &aman_text::loose_key_compact(s), &mut hits)));
                if ok && fold.len() >= 3 {
                    found = Some(len);
                    break;
                }
            }
            let Some(len) = found else {
                i += 1;
                continue;
            };
            // Take the affix words on either side along, so "Suzak raion" resolves to
            // the raion and "с. Нариман" to the village.
            let mut s = i;
            if s > 0 && matches!(ws[s - 1].role, Role::Affix(_)) && !ws[s].break_before {
                s -= 1;
            }
            let mut e = i + len;
            if e < ws.len() && matches!(ws[e].role, Role::Affix(_)) && !ws[e].break_before {
                e += 1;
            }
            let (bs, be) = (ws[s].start, ws[e - 1].end);
            let snippet = &text[bs..be];
            out.push(Mention {
                start: bs,
                end: be,
                text: snippet.to_owned(),
                resolution: self.resolve(snippet),
            });
            i = e;
        }
        out
    }
}
