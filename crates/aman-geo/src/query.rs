//! Reading place text: words with their byte offsets, affix words ("г.", "мкр.",
//! "village", "raion", "oblast" …) that hint at a place's kind, "near" markers, noise,
//! street addresses, and case endings.
//!
//! Vocabulary is matched on folded words (see `aman_text::fold`), so one list covers
//! Cyrillic and Latin spellings: "району", "rayonu" and "raionu" all fold alike or are
//! listed together.

/// What an affix word says about the place it qualifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Town,
    Village,
    Neighbourhood,
    District,
    Region,
}

/// What a word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Part of a name.
    Name,
    /// A kind word (may qualify the words before or after it).
    Affix(Hint),
    /// "near", "около", "yaqinida": what follows is only close to the place.
    Near,
    /// Prepositions, "centre", the country name: ignored.
    Noise,
    /// "ул.", "street", "prospekt": the segment is an address, not a place name.
    Street,
}

const TOWN: &[&str] = &[
    "g",
    "gor",
    "gorod",
    "goroda",
    "gorode",
    "city",
    "town",
    "shaary",
    "shaar",
    "shaarynda",
    "shaaryndagy",
    "shaarynyn",
    "shahar",
    "shahri",
    "shahrida",
    "shakhar",
    "shahr",
    "sh",
];
const VILLAGE: &[&str] = &[
    "s",
    "selo",
    "sela",
    "sele",
    "selskiy",
    "village",
    "vil",
    "kishlak",
    "kishlaka",
    "kishlake",
    "qishloq",
    "qishlogi",
    "qishlogida",
    "kishloq",
    "aiyl",
    "ayil",
    "ayyl",
    "ail",
    "aiyly",
    "ayyly",
    "ayylynda",
    "aiylynda",
    "aul",
    "pos",
    "poselok",
    "posyolok",
    "poselke",
    "posyolke",
    "posel",
    "pgt",
    "settlement",
    "hamlet",
    "khutor",
];
const NEIGHBOURHOOD: &[&str] = &[
    "mkr",
    "mkrn",
    "mikrorayon",
    "mikroraion",
    "mikrorayone",
    "mikrorayona",
    "microdistrict",
    "mahalla",
    "mahallya",
    "makhalla",
    "makhallya",
    "mahallasi",
    "mahallesi",
    "kvartal",
    "massiv",
    "zhilmassiv",
    "neighbourhood",
    "neighborhood",
    "quarter",
    "mavze",
    "kichirayon",
    "kichiraion",
    // Kyrgyz "кичи району" (small district): with the district word after it, see `words`.
    "kichi",
];
const DISTRICT: &[&str] = &[
    "raion",
    "rayon",
    "rayona",
    "rayone",
    "raione",
    "raiona",
    "raiony",
    "rayony",
    "rayonu",
    "raionu",
    "rayonunda",
    "raionunda",
    "district",
    "districts",
    "rn",
    "r",
    "tuman",
    "tumani",
    "tumanida",
    "okrug",
];
const REGION: &[&str] = &[
    "oblast",
    "oblasty",
    "oblasti",
    "oblastu",
    "oblastyu",
    "oblusu",
    "oblusunda",
    "oblys",
    "obl",
    "region",
    "province",
    "viloyat",
    "viloyati",
    "viloyatida",
    "vilayat",
    "vilayati",
    "oblasts",
];
const NEAR: &[&str] = &[
    "near",
    "nearby",
    "close",
    "okolo",
    "vozle",
    "bliz",
    "vblizi",
    "ryadom",
    "nedaleko",
    "pod",
    "outside",
    "outskirts",
    "vicinity",
    "around",
    "yaqinida",
    "yonida",
    "atrofida",
    "janynda",
    "zhanynda",
    "jakyn",
    "zhakyn",
    "chetinde",
    "okrestnosti",
    "okrestnostyakh",
    "nepodaleku",
    // "10 km from Osh" is near Osh, not in it.
    "km",
    "kilometres",
    "kilometers",
    "kilometrakh",
    "chakirim",
];
const NOISE: &[&str] = &[
    "v",
    "vo",
    "na",
    "iz",
    "ot",
    "k",
    "do",
    "po",
    "u",
    "in",
    "at",
    "the",
    "of",
    "from",
    "to",
    "a",
    "and",
    "i",
    "va",
    "ham",
    "bilan",
    "center",
    "centre",
    "tsentr",
    "centr",
    "central",
    "tsentralnyy",
    "markazi",
    "tsentre",
    "tsentra",
    "borbor",
    "borboru",
    "borborunda",
    "kyrgyzstan",
    "kirgizstan",
    "kyrgyzstana",
    "kyrgyzstane",
    "kirgiziya",
    "kirgizii",
    "kyrgyzia",
    "kirghizia",
    "kyrgyz",
    "kr",
    "republic",
    "respublika",
    "respubliki",
    "qirgiziston",
    "qirgizistan",
    "kyrgyzrespublikasy",
    "south",
    "southern",
    "yug",
    "yuzhnyy",
    "north",
    "northern",
    "east",
    "west",
    "part",
    "area",
    "zone",
    "territory",
    "territoriya",
    "mesto",
    "place",
    "located",
    "nakhoditsya",
    // Roads between places are described by the places they join.
    "road",
    "rd",
    "highway",
    "shosse",
    "trakt",
    "doroga",
    "between",
    "mezhdu",
    "km",
    "kilometres",
    "kilometers",
];
const STREET: &[&str] = &[
    "ul",
    "ulitsa",
    "ulitse",
    "ulitsy",
    "ulica",
    "street",
    "st",
    "str",
    "kochasi",
    "kuchasi",
    "koshesi",
    "kochosu",
    "kochosunda",
    "prospekt",
    "prosp",
    "pr",
    "avenue",
    "ave",
    "pereulok",
    "per",
    "lane",
    "dom",
    "d",
    "house",
    "kv",
    "apt",
    "bulvar",
];

/// Common nouns for kinds of places and buildings.
const GENERIC: &[&str] = &[
    "bazar",
    "bazaar",
    "bozor",
    "bozori",
    "rynok",
    "rynke",
    "rynka",
    "market",
    "university",
    "universitet",
    "universiteti",
    "school",
    "shkola",
    "shkole",
    "maktab",
    "maktabi",
    "mektep",
    "mektebi",
    "hospital",
    "bolnitsa",
    "bolnitse",
    "kasalxona",
    "oorukana",
    "mosque",
    "mechet",
    "masjid",
    "meschit",
    "police",
    "militsiya",
    "politsiya",
    "militsii",
    "station",
    "stantsiya",
    "vokzal",
    "aeroport",
    "camp",
    "lager",
    "border",
    "granitsa",
    "granitse",
    "chegara",
    "chek",
    "post",
    "kpp",
    "bridge",
    "most",
    "river",
    "reka",
    "canal",
    "kanal",
    "factory",
    "zavod",
    "fabrika",
    "cemetery",
    "kladbishche",
    "mazar",
    "park",
    "square",
    "ploshchad",
    "building",
    "zdanie",
    "office",
    "administration",
    "administratsiya",
    "akimiat",
    "hokimiyat",
    "ayilokmotu",
];

/// The role of a folded word.
pub fn role(folded: &str) -> Role {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<&'static str, Role>> =
        std::sync::OnceLock::new();
    if folded.bytes().all(|b| b.is_ascii_digit()) {
        return Role::Noise;
    }
    let table = TABLE.get_or_init(|| {
        let mut t = std::collections::HashMap::new();
        // Later lists do not override earlier ones: a word in two lists keeps the first role.
        let lists: [(&[&str], Role); 8] = [
            (TOWN, Role::Affix(Hint::Town)),
            (VILLAGE, Role::Affix(Hint::Village)),
            (NEIGHBOURHOOD, Role::Affix(Hint::Neighbourhood)),
            (DISTRICT, Role::Affix(Hint::District)),
            (REGION, Role::Affix(Hint::Region)),
            (NEAR, Role::Near),
            (STREET, Role::Street),
            (NOISE, Role::Noise),
        ];
        for (list, role) in lists {
            for w in list {
                t.entry(*w).or_insert(role);
            }
        }
        t
    });
    table.get(folded).copied().unwrap_or(Role::Name)
}

/// The kind word a long word is one typo away from ("oblst", "raoin", "distrcit").
/// Callers check first that the word is not itself a place name ("Massi" is not
/// "massiv").
pub fn fuzzy_affix(folded: &str) -> Option<Hint> {
    if folded.len() < 5 {
        return None;
    }
    let lists: [(&[&str], Hint); 5] = [
        (TOWN, Hint::Town),
        (VILLAGE, Hint::Village),
        (NEIGHBOURHOOD, Hint::Neighbourhood),
        (DISTRICT, Hint::District),
        (REGION, Hint::Region),
    ];
    lists.into_iter().find_map(|(list, hint)| {
        list.iter()
            .any(|w| {
                w.len() >= 5
                    && w.len().abs_diff(folded.len()) <= 1
                    && w.as_bytes()[0] == folded.as_bytes()[0]
                    && aman_text::bounded_edit_distance(w, folded, 1).is_some()
            })
            .then_some(hint)
    })
}

/// One word of the input.
#[derive(Debug, Clone)]
pub struct Word {
    /// Byte range in the original text.
    pub start: usize,
    pub end: usize,
    /// Folded, with hyphen-joined parts run together ("jalalabad").
    pub fold: String,
    /// Loose key of the word (see `aman_text::loose_key_compact`).
    pub loose: String,
    /// Starts with a capital letter (a hint that a narrative word is a name).
    pub capital: bool,
    /// A common noun that names kinds of places ("bazaar", "school"): part of a name
    /// only together with other words.
    pub generic: bool,
    /// A segment boundary (comma, semicolon, bracket, line break) precedes it.
    pub break_before: bool,
    pub role: Role,
}

fn is_segment_break(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | '('
            | ')'
            | '['
            | ']'
            | '/'
            | '|'
            | '\n'
            | '\r'
            | '!'
            | '?'
            | ':'
            | '«'
            | '»'
            | '"'
            | '“'
            | '”'
            | '\t'
    )
}

/// Splits text into words. Hyphens and apostrophes inside a word keep it whole
/// ("Jalal-Abad", "Qo'rg'on").
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut brk = false;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let joiner = (aman_text::is_hyphen(c) || aman_text::is_apostrophe(c))
            && start.is_some()
            && chars.get(k + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
        let word_char = c.is_alphanumeric() || is_mark(c);
        if word_char || joiner {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            push_word(text, s, i, &mut brk, &mut out);
        }
        if is_segment_break(c) {
            brk = true;
        }
    }
    if let Some(s) = start {
        push_word(text, s, text.len(), &mut brk, &mut out);
    }
    // "кичи району" is one kind word, a microdistrict: its second word is not a district.
    for k in 1..out.len() {
        if out[k - 1].fold == "kichi" && matches!(out[k].role, Role::Affix(Hint::District)) {
            out[k].role = Role::Noise;
        }
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn push_word(text: &str, s: usize, e: usize, brk: &mut bool, out: &mut Vec<Word>) {
    let raw = &text[s..e];
    let fold: String = aman_text::fold(raw).chars().filter(|c| *c != ' ').collect();
    if fold.is_empty() {
        return;
    }
    // The loose key of the folded word equals that of the raw word, and is cheaper.
    let loose = aman_text::loose_key_compact(&fold);
    let capital = raw.chars().next().is_some_and(char::is_uppercase);
    let role = role(&fold);
    out.push(Word {
        start: s,
        end: e,
        loose,
        capital,
        generic: GENERIC.contains(&fold.as_str()),
        break_before: std::mem::take(brk),
        role,
        fold,
    });
}

/// Russian adjectival endings that turn a place name into "of that place"
/// ("Сузакский район", "Ошской области").
const ADJECTIVE_ENDINGS: &[&str] = &[
    "skiy", "skii", "skij", "sky", "skoy", "skoi", "skaya", "skaja", "skogo", "skom", "skoe",
    "skoye", "skuyu", "skoj",
];

/// Grammatical case endings of Russian, Kyrgyz and Uzbek that attach to a name
/// ("в Оше", "Ошто", "Oshda", "Жалал-Абадга").
const CASE_ENDINGS: &[&str] = &[
    "dagy", "daghi", "dagi", "dan", "den", "tan", "ten", "don", "ton", "nin", "ning", "nyn", "din",
    "dyn", "tin", "tyn", "da", "de", "ta", "te", "do", "to", "ga", "ge", "ka", "ke", "go", "ko",
    "om", "em", "oy", "ey", "a", "e", "u", "y", "i",
];

/// Stems of a folded word: the word without an adjectival or case ending, longest
/// ending first, never shorter than 3 letters.
pub fn stems(folded: &str) -> impl Iterator<Item = &str> {
    // "Кара-Суйский" is the adjective of "Кара-Суу": the stem's final й stands for a
    // vowel, so the stem without it is tried too (the loose key collapses "uu" to "u").
    let adjectives = ADJECTIVE_ENDINGS
        .iter()
        .filter_map(move |e| folded.strip_suffix(e))
        .flat_map(|s| {
            let trimmed = s.strip_suffix(['y', 'i']);
            std::iter::once(s).chain(trimmed)
        });
    let cases = CASE_ENDINGS
        .iter()
        .filter_map(move |e| folded.strip_suffix(e));
    adjectives.chain(cases).filter(|s| s.len() >= 3)
}

/// A name without its admin-kind words: "Suzakskiy Rayon" → "Suzak", "Город Бишкек" →
/// "Бишкек", "Jalal-Abad Region" → "Jalal-Abad". Used to index admin-area names.
pub fn strip_admin_words(name: &str) -> String {
    let ws = words(name);
    let had_affix = ws.iter().any(|w| matches!(w.role, Role::Affix(_)));
    let kept: Vec<String> = ws
        .iter()
        .filter(|w| matches!(w.role, Role::Name))
        .map(|w| {
            let raw = &name[w.start..w.end];
            if had_affix {
                let f = aman_text::fold(raw).replace(' ', "");
                if let Some(stem) = ADJECTIVE_ENDINGS
                    .iter()
                    .find_map(|e| f.strip_suffix(e).filter(|s| s.len() >= 3))
                {
                    return stem.to_owned();
                }
            }
            raw.to_owned()
        })
        .collect();
    if kept.is_empty() {
        name.to_owned()
    } else {
        kept.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_roles() {
        let ws = words("мкр. Черёмушки, г.Ош (near Jalal-Abad)");
        let folds: Vec<&str> = ws.iter().map(|w| w.fold.as_str()).collect();
        assert_eq!(
            folds,
            ["mkr", "cheremushki", "g", "osh", "near", "jalalabad"]
        );
        assert_eq!(ws[0].role, Role::Affix(Hint::Neighbourhood));
        assert!(ws[2].break_before && !ws[3].break_before && ws[4].break_before);
        assert_eq!(ws[4].role, Role::Near);
        assert_eq!(fuzzy_affix("oblst"), Some(Hint::Region));
        assert_eq!(fuzzy_affix("raoin"), Some(Hint::District));
        assert_eq!(fuzzy_affix("nariman"), None);
        assert_eq!(&"мкр. Черёмушки"[ws[1].start..ws[1].end], "Черёмушки");
    }

    #[test]
    fn admin_words_stripped() {
        assert_eq!(strip_admin_words("Suzakskiy Rayon"), "suzak");
        assert_eq!(strip_admin_words("Город Бишкек"), "Бишкек");
        assert_eq!(strip_admin_words("Jalal-Abad Region"), "Jalal-Abad");
        assert_eq!(strip_admin_words("Ошская Область"), "osh");
        assert_eq!(strip_admin_words("Osh"), "Osh");
    }

    #[test]
    fn stems_of_inflected_names() {
        assert!(stems("oshda").any(|s| s == "osh"));
        assert!(stems("oshe").any(|s| s == "osh"));
        assert!(stems("suzakskom").any(|s| s == "suzak"));
        assert!(stems("os").next().is_none());
        assert!(stems("karasuyskiy").any(|s| s == "karasu"));
    }
}
