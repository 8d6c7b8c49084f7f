//! The scenario's own small gazetteer: the places of June 2010 with the spellings
//! each kind of source uses.
//!
//! Coordinates are APPROXIMATE (hand-placed to within a kilometre or two of the
//! neighbourhood or settlement) and serve only to make the synthetic data look like
//! field data; they are not survey positions. Spellings are written by hand per
//! language so a geocoder and the linkage engine meet the variety real reports have:
//! Russian, Kyrgyz, Uzbek in Latin (with oʻ/gʻ) and Cyrillic, English, and ad-hoc Latin.

use serde::Serialize;

/// The language/script a place name or narrative is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Ru,
    Ky,
    UzLatin,
    UzCyrillic,
    En,
    /// Latin transliteration made up on the spot (callers, foreign media).
    Adhoc,
}

impl Lang {
    /// ISO 639-1 code of a narrative written in this language.
    pub fn iso(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Ky => "ky",
            Lang::UzLatin | Lang::UzCyrillic => "uz",
            Lang::En | Lang::Adhoc => "en",
        }
    }
}

/// Which part of the region a place belongs to; violence reached them on different days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    OshCity,
    OshOblast,
    JalalAbadOblast,
}

/// One scenario place.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    /// Stable key, e.g. `osh-cheremushki`.
    pub key: &'static str,
    pub english: &'static str,
    /// Approximate centre (WGS84).
    pub latitude: f64,
    pub longitude: f64,
    /// Rough extent, for jittering event positions inside it.
    pub radius_km: f64,
    pub area: Area,
    /// Probability that victims of an attack here are ethnic Uzbek (mahallas vs
    /// mixed or Kyrgyz-majority areas).
    pub uzbek_share: f64,
    /// Structures damaged or destroyed here per the satellite figure the scenario is
    /// calibrated on (0 where no figure exists).
    pub structures_damaged: u32,
    /// Spellings by language; each language has at least one.
    pub spellings: &'static [(Lang, &'static str)],
}

impl Place {
    /// The spellings available in a language.
    pub fn spellings_in(&self, lang: Lang) -> impl Iterator<Item = &'static str> + '_ {
        self.spellings
            .iter()
            .filter(move |(l, _)| *l == lang)
            .map(|(_, s)| *s)
    }
}

use Lang::{Adhoc, En, Ky, Ru, UzCyrillic as Uc, UzLatin as Ul};

static PLACES: [Place; 13] = [
    Place {
        key: "osh-centre",
        english: "Central Osh",
        latitude: 40.528,
        longitude: 72.798,
        radius_km: 1.5,
        area: Area::OshCity,
        uzbek_share: 0.6,
        structures_damaged: 551,
        spellings: &[
            (Ru, "г. Ош, центр города"),
            (Ru, "центр Оша"),
            (Ky, "Ош шаары, борбор"),
            (Ky, "Ош шаарынын борбору"),
            (Ul, "Oʻsh shahri markazi"),
            (Uc, "Ўш шаҳри маркази"),
            (En, "central Osh"),
            (En, "Osh city centre"),
            (Adhoc, "Osh center"),
            (Adhoc, "Osh sity centre"),
        ],
    },
    Place {
        key: "osh-kyzyl-kyshtak",
        english: "Kyzyl-Kyshtak, Osh",
        latitude: 40.545,
        longitude: 72.776,
        radius_km: 0.8,
        area: Area::OshCity,
        uzbek_share: 0.9,
        structures_damaged: 448,
        spellings: &[
            (Ru, "Кызыл-Кыштак, г. Ош"),
            (Ru, "мкр. Кызыл-Кыштак"),
            (Ky, "Кызыл-Кыштак"),
            (Ul, "Qizilqishloq mahallasi"),
            (Ul, "Qizil-Qishloq"),
            (Uc, "Қизилқишлоқ"),
            (En, "Kyzyl-Kyshtak, Osh"),
            (En, "Kizil-Kyshtak"),
            (Adhoc, "Kizil Kishtak"),
            (Adhoc, "Kyzyl-Kishlak"),
        ],
    },
    Place {
        key: "osh-cheremushki",
        english: "Cheremushki, Osh",
        latitude: 40.516,
        longitude: 72.781,
        radius_km: 0.7,
        area: Area::OshCity,
        uzbek_share: 0.92,
        structures_damaged: 297,
        spellings: &[
            (Ru, "мкр. Черемушки, г. Ош"),
            (Ru, "Черёмушки (Ош)"),
            (Ky, "Черемушки, Ош шаары"),
            (Ky, "Черемушки кичи району"),
            (Ul, "Cheryomushki mahallasi, Oʻsh"),
            (Uc, "Черёмушки маҳалласи, Ўш"),
            (En, "Cheremushki, Osh"),
            (En, "Cheryomushki district of Osh"),
            (Adhoc, "Cheremushky"),
            (Adhoc, "Chermushki Osh"),
        ],
    },
    Place {
        key: "osh-furkat",
        english: "Furkat, Osh",
        latitude: 40.553,
        longitude: 72.800,
        radius_km: 0.6,
        area: Area::OshCity,
        uzbek_share: 0.9,
        structures_damaged: 172,
        spellings: &[
            (Ru, "Фуркат, г. Ош"),
            (Ru, "мкр. Фуркат"),
            (Ky, "Фуркат кичи району"),
            (Ul, "Furqat mahallasi"),
            (Uc, "Фурқат маҳалласи"),
            (En, "Furkat, Osh"),
            (En, "Furkat neighbourhood"),
            (Adhoc, "Furqat Osh"),
            (Adhoc, "Furkat mahalla"),
        ],
    },
    Place {
        key: "nariman",
        english: "Nariman",
        latitude: 40.588,
        longitude: 72.742,
        radius_km: 1.2,
        area: Area::OshOblast,
        uzbek_share: 0.93,
        structures_damaged: 172,
        spellings: &[
            (Ru, "с. Нариман, Кара-Суйский р-н"),
            (Ru, "Нариман"),
            (Ky, "Нариман айылы"),
            (Ul, "Nariman qishlogʻi"),
            (Uc, "Нариман қишлоғи"),
            (En, "Nariman village near Osh"),
            (En, "Nariman"),
            (Adhoc, "Nariman vilage"),
            (Adhoc, "Narimon"),
        ],
    },
    Place {
        key: "osh-shait-tepe",
        english: "Shait-Tepe, Osh",
        latitude: 40.515,
        longitude: 72.812,
        radius_km: 0.6,
        area: Area::OshCity,
        uzbek_share: 0.85,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Шаит-Тепе, г. Ош"),
            (Ky, "Шайыт-Төбө"),
            (Ul, "Shaittepa"),
            (Uc, "Шаиттепа"),
            (En, "Shait-Tepe, Osh"),
            (Adhoc, "Shaid Tepe"),
            (Adhoc, "Shait-Tepa"),
        ],
    },
    Place {
        key: "osh-amir-timur",
        english: "Amir-Timur, Osh",
        latitude: 40.537,
        longitude: 72.812,
        radius_km: 0.6,
        area: Area::OshCity,
        uzbek_share: 0.5,
        structures_damaged: 0,
        spellings: &[
            (Ru, "мкр. Амир-Тимур, г. Ош"),
            (Ky, "Амир-Темир кичи району"),
            (Ul, "Amir Temur mahallasi"),
            (Uc, "Амир Темур маҳалласи"),
            (En, "Amir-Timur, Osh"),
            (Adhoc, "Amir Temur Osh"),
        ],
    },
    Place {
        key: "jalal-abad",
        english: "Jalal-Abad",
        latitude: 40.933,
        longitude: 73.001,
        radius_km: 2.5,
        area: Area::JalalAbadOblast,
        uzbek_share: 0.6,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Джалал-Абад"),
            (Ru, "г. Джалал-Абад"),
            (Ky, "Жалал-Абад"),
            (Ky, "Жалал-Абад шаары"),
            (Ul, "Jalolobod"),
            (Ul, "Jalol-Obod shahri"),
            (Uc, "Жалолобод"),
            (En, "Jalal-Abad"),
            (Adhoc, "Jalalabad"),
            (Adhoc, "Djalal-Abad"),
            (Adhoc, "Jalal Abad"),
        ],
    },
    Place {
        key: "bazar-korgon",
        english: "Bazar-Korgon",
        latitude: 41.038,
        longitude: 72.747,
        radius_km: 1.5,
        area: Area::JalalAbadOblast,
        uzbek_share: 0.8,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Базар-Коргон"),
            (Ru, "с. Базар-Коргон"),
            (Ky, "Базар-Коргон"),
            (Ky, "Базар-Коргон айылы"),
            (Ul, "Bozorqoʻrgʻon"),
            (Uc, "Бозорқўрғон"),
            (En, "Bazar-Korgon"),
            (Adhoc, "Bazar Kurgan"),
            (Adhoc, "Bazarkorgon"),
        ],
    },
    Place {
        key: "suzak",
        english: "Suzak",
        latitude: 40.897,
        longitude: 72.903,
        radius_km: 1.5,
        area: Area::JalalAbadOblast,
        uzbek_share: 0.8,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Сузак"),
            (Ru, "с. Сузак"),
            (Ky, "Сузак айылы"),
            (Ul, "Suzoq"),
            (Uc, "Сузоқ"),
            (En, "Suzak"),
            (Adhoc, "Sozak"),
            (Adhoc, "Suzak village"),
        ],
    },
    Place {
        key: "kara-suu",
        english: "Kara-Suu",
        latitude: 40.705,
        longitude: 72.868,
        radius_km: 1.5,
        area: Area::OshOblast,
        uzbek_share: 0.6,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Кара-Суу"),
            (Ru, "г. Кара-Суу"),
            (Ky, "Кара-Суу шаары"),
            (Ul, "Qorasuv"),
            (Uc, "Қорасув"),
            (En, "Kara-Suu"),
            (Adhoc, "Karasu"),
            (Adhoc, "Kara Suu"),
        ],
    },
    Place {
        key: "uzgen",
        english: "Uzgen",
        latitude: 40.770,
        longitude: 73.300,
        radius_km: 1.5,
        area: Area::OshOblast,
        uzbek_share: 0.5,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Узген"),
            (Ru, "г. Узген"),
            (Ky, "Өзгөн"),
            (Ul, "Oʻzgan"),
            (Uc, "Ўзган"),
            (En, "Uzgen"),
            (Adhoc, "Ozgon"),
            (Adhoc, "Uzgen town"),
        ],
    },
    Place {
        key: "aravan",
        english: "Aravan",
        latitude: 40.515,
        longitude: 72.500,
        radius_km: 1.5,
        area: Area::OshOblast,
        uzbek_share: 0.75,
        structures_damaged: 0,
        spellings: &[
            (Ru, "Араван"),
            (Ru, "с. Араван"),
            (Ky, "Араван айылы"),
            (Ul, "Aravon"),
            (Uc, "Аравон"),
            (En, "Aravan"),
            (Adhoc, "Aravan village"),
        ],
    },
];

/// All scenario places. Indices into this slice are the `place` of a true event.
pub fn places() -> &'static [Place] {
    &PLACES
}

/// Looks a place up by its key.
pub fn place_by_key(key: &str) -> Option<(usize, &'static Place)> {
    PLACES.iter().enumerate().find(|(_, p)| p.key == key)
}

/// A spot inside a place that accounts of one event tend to share: the street or
/// the school it happened at. It lets sources that agree on little else be matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Landmark {
    /// Index into the street table.
    Street(u8),
    /// School number.
    School(u8),
}

/// Street names as (Russian, Kyrgyz, Uzbek Latin, English).
const STREETS: [(&str, &str, &str, &str); 10] = [
    (
        "ул. Навои",
        "Навои көчөсү",
        "Navoiy koʻchasi",
        "Navoi street",
    ),
    (
        "ул. Ленина",
        "Ленин көчөсү",
        "Lenin koʻchasi",
        "Lenin street",
    ),
    (
        "ул. Курманжан-Датки",
        "Курманжан Датка көчөсү",
        "Qurmonjon Dodxoh koʻchasi",
        "Kurmanjan-Datka street",
    ),
    (
        "ул. Масалиева",
        "Масалиев көчөсү",
        "Masaliyev koʻchasi",
        "Masaliev street",
    ),
    (
        "ул. Гагарина",
        "Гагарин көчөсү",
        "Gagarin koʻchasi",
        "Gagarin street",
    ),
    (
        "ул. Ахунбаева",
        "Ахунбаев көчөсү",
        "Axunboyev koʻchasi",
        "Akhunbaev street",
    ),
    (
        "ул. Алымбека",
        "Алымбек көчөсү",
        "Olimbek koʻchasi",
        "Alymbek street",
    ),
    (
        "ул. Монуева",
        "Монуев көчөсү",
        "Monuyev koʻchasi",
        "Monuev street",
    ),
    (
        "ул. Бабура",
        "Бабур көчөсү",
        "Bobur koʻchasi",
        "Babur street",
    ),
    (
        "ул. Фрунзе",
        "Фрунзе көчөсү",
        "Frunze koʻchasi",
        "Frunze street",
    ),
];

impl Landmark {
    /// A landmark drawn at random (streets a little more often than schools).
    pub fn random<R: rand::Rng>(rng: &mut R) -> Landmark {
        if rng.gen_bool(0.6) {
            Landmark::Street(rng.gen_range(0..STREETS.len()) as u8)
        } else {
            Landmark::School(rng.gen_range(1..=60))
        }
    }

    /// The landmark as written in `lang`.
    pub fn render(self, lang: Lang) -> String {
        match self {
            Landmark::Street(i) => {
                let (ru, ky, uz, en) = STREETS[i as usize % STREETS.len()];
                match lang {
                    Lang::Ru => ru.to_owned(),
                    Lang::Ky => ky.to_owned(),
                    Lang::UzLatin => uz.to_owned(),
                    Lang::UzCyrillic => crate::names::uz_latin_to_cyr(uz),
                    Lang::En => en.to_owned(),
                    Lang::Adhoc => en.replace(" street", " st."),
                }
            }
            Landmark::School(n) => match lang {
                Lang::Ru => format!("школа №{n}"),
                Lang::Ky => format!("№{n} мектеп"),
                Lang::UzLatin => format!("{n}-maktab"),
                Lang::UzCyrillic => format!("{n}-мактаб"),
                Lang::En => format!("near school No. {n}"),
                Lang::Adhoc => format!("school {n}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_has_a_spelling_in_every_language() {
        for p in places() {
            for lang in [Ru, Ky, Ul, Uc, En, Adhoc] {
                assert!(
                    p.spellings_in(lang).next().is_some(),
                    "{} lacks {lang:?}",
                    p.key
                );
            }
        }
    }

    #[test]
    fn structure_figures_add_up_to_the_satellite_total() {
        let total: u32 = places().iter().map(|p| p.structures_damaged).sum();
        assert_eq!(total, 1640);
    }
}
