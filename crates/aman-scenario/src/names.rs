//! Synthetic personal names and the ways different lists write them.
//!
//! The tables hold common Uzbek, Kyrgyz and Russian given names and surname roots
//! (no real person is meant). A person is a set of parts (given name, father's name,
//! surname); each victim list renders the parts in its own convention: Russian
//! Cyrillic "Фамилия Имя Отчество", Kyrgyz Cyrillic with "уулу/кызы", Uzbek Latin
//! with oʻ/gʻ and "oʻgʻli/qizi", or English ad-hoc "Given Surname". Typos and ad-hoc
//! spelling variation are separate steps so callers decide how noisy a list is.

use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

/// Ethnic group, as the public figures are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ethnicity {
    Uzbek,
    Kyrgyz,
    Other,
}

impl Ethnicity {
    pub fn code(self) -> &'static str {
        match self {
            Ethnicity::Uzbek => "uzbek",
            Ethnicity::Kyrgyz => "kyrgyz",
            Ethnicity::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// How a list writes names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameStyle {
    /// "Усмонов Шерзод Алишерович"
    RussianCyrillic,
    /// "Асанов Бакыт Токтосун уулу"
    KyrgyzCyrillic,
    /// "Usmonov Sherzod Alisher oʻgʻli"
    UzbekLatin,
    /// "Sherzod Usmanov"
    EnglishAdhoc,
}

/// Uzbek names as (Uzbek Latin, Russian Cyrillic).
const UZ_MALE: &[(&str, &str)] = &[
    ("Sherzod", "Шерзод"),
    ("Alisher", "Алишер"),
    ("Bahodir", "Баходир"),
    ("Dilshod", "Дильшод"),
    ("Jasur", "Жасур"),
    ("Rustam", "Рустам"),
    ("Ulugʻbek", "Улугбек"),
    ("Otabek", "Отабек"),
    ("Akmal", "Акмал"),
    ("Sardor", "Сардор"),
    ("Nodir", "Нодир"),
    ("Farhod", "Фарход"),
    ("Shavkat", "Шавкат"),
    ("Ilhom", "Ильхом"),
    ("Zafar", "Зафар"),
    ("Botir", "Батыр"),
    ("Ravshan", "Равшан"),
    ("Anvar", "Анвар"),
    ("Murod", "Мурад"),
    ("Shuhrat", "Шухрат"),
    ("Hasan", "Хасан"),
    ("Husan", "Хусан"),
    ("Mahmud", "Махмуд"),
    ("Ikrom", "Икром"),
    ("Qodir", "Кадыр"),
    ("Gʻayrat", "Гайрат"),
    ("Oybek", "Ойбек"),
    ("Doniyor", "Данияр"),
    ("Javlon", "Жавлон"),
    ("Erkin", "Эркин"),
    ("Xurshid", "Хуршид"),
    ("Mirzohid", "Мирзохид"),
    ("Odil", "Одил"),
    ("Abdurahmon", "Абдурахман"),
    ("Sanjar", "Санжар"),
    ("Bobur", "Бобур"),
    ("Behruz", "Бехруз"),
    ("Jamshid", "Жамшид"),
    ("Laziz", "Лазиз"),
    ("Muzaffar", "Музаффар"),
    ("Nurillo", "Нурилло"),
    ("Rahmatillo", "Рахматилло"),
    ("Temur", "Темур"),
    ("Umid", "Умид"),
    ("Valijon", "Валижон"),
    ("Yodgor", "Ёдгор"),
    ("Zokirjon", "Зокиржон"),
    ("Abdumalik", "Абдумалик"),
    ("Komil", "Комил"),
    ("Mansur", "Мансур"),
    ("Nematjon", "Нематжон"),
    ("Hamidullo", "Хамидулло"),
    ("Shoxrux", "Шохрух"),
    ("Gʻulom", "Гулям"),
];

const UZ_FEMALE: &[(&str, &str)] = &[
    ("Dilnoza", "Дильноза"),
    ("Gulnora", "Гульнора"),
    ("Mohira", "Мохира"),
    ("Nodira", "Нодира"),
    ("Zulfiya", "Зульфия"),
    ("Shahnoza", "Шахноза"),
    ("Feruza", "Феруза"),
    ("Malika", "Малика"),
    ("Dildora", "Дильдора"),
    ("Gulchehra", "Гульчехра"),
    ("Muqaddas", "Мукаддас"),
    ("Sevara", "Севара"),
    ("Oydin", "Ойдин"),
    ("Nilufar", "Нилуфар"),
    ("Munisa", "Муниса"),
    ("Saodat", "Саодат"),
    ("Xurshida", "Хуршида"),
    ("Barno", "Барно"),
    ("Dilorom", "Дилором"),
    ("Kamola", "Камола"),
    ("Lola", "Лола"),
    ("Robiya", "Робия"),
    ("Umida", "Умида"),
];

const UZ_SURNAME: &[(&str, &str)] = &[
    ("Usmon", "Усмон"),
    ("Karim", "Карим"),
    ("Rahim", "Рахим"),
    ("Yusup", "Юсуп"),
    ("Tursun", "Турсун"),
    ("Ergash", "Эргаш"),
    ("Mamat", "Мамат"),
    ("Sobir", "Сабир"),
    ("Nazar", "Назар"),
    ("Jalol", "Джалал"),
    ("Qodir", "Кадыр"),
    ("Umar", "Умар"),
    ("Hamid", "Хамид"),
    ("Akbar", "Акбар"),
    ("Mirzo", "Мирза"),
    ("Ismoil", "Исмаил"),
    ("Sulton", "Султан"),
    ("Rasul", "Расул"),
    ("Abdulla", "Абдулла"),
    ("Toshmat", "Ташмат"),
    ("Xoliq", "Халик"),
    ("Shukur", "Шукур"),
    ("Alim", "Алим"),
    ("Yoqub", "Якуб"),
    ("Ahmad", "Ахмад"),
    ("Nosir", "Насыр"),
    ("Olim", "Олим"),
    ("Zokir", "Закир"),
    ("Gʻofur", "Гафур"),
    ("Haydar", "Хайдар"),
    ("Saidakbar", "Саидакбар"),
    ("Ibrohim", "Ибрагим"),
    ("Muhammad", "Мухаммад"),
    ("Yoʻldosh", "Юлдаш"),
    ("Xudoyberdi", "Худайберди"),
    ("Islom", "Ислам"),
    ("Sharip", "Шарип"),
    ("Poʻlat", "Пулат"),
    ("Mahmud", "Махмуд"),
    ("Aziz", "Азиз"),
    ("Nurmat", "Нурмат"),
    ("Egamberdi", "Эгамберди"),
    ("Ortiq", "Артык"),
    ("Tojib", "Таджиб"),
    ("Salim", "Салим"),
    ("Orip", "Арип"),
    ("Qosim", "Касым"),
    ("Zohid", "Захид"),
    ("Matkarim", "Маткарим"),
    ("Ubaydullo", "Убайдулла"),
];

/// Kyrgyz names in Kyrgyz Cyrillic (ң, ө, ү kept; Russian forms drop them).
const KY_MALE: &[&str] = &[
    "Бакыт",
    "Азамат",
    "Нурлан",
    "Алмаз",
    "Эрмек",
    "Талант",
    "Кубанычбек",
    "Максат",
    "Болот",
    "Нурбек",
    "Улан",
    "Асылбек",
    "Темир",
    "Чыңгыз",
    "Айбек",
    "Канат",
    "Мирлан",
    "Тилек",
    "Эрлан",
    "Жыргалбек",
    "Бектур",
    "Үсөн",
    "Төлөгөн",
    "Өмүрбек",
    "Сүйүнбек",
    "Медер",
    "Токтосун",
    "Каныбек",
    "Самат",
    "Бекжан",
    "Нурсултан",
    "Алтынбек",
    "Жоомарт",
    "Курманбек",
    "Эрнис",
    "Замир",
    "Акылбек",
    "Бактыбек",
    "Жеңишбек",
    "Калыс",
];

const KY_FEMALE: &[&str] = &[
    "Айгүл",
    "Гүлнара",
    "Назгүл",
    "Айнура",
    "Чолпон",
    "Жылдыз",
    "Айжан",
    "Бегимай",
    "Мээрим",
    "Каныкей",
    "Асел",
    "Элмира",
    "Жазгүл",
    "Салтанат",
    "Бактыгүл",
    "Динара",
    "Гүлзат",
    "Нургүл",
];

const KY_SURNAME: &[&str] = &[
    "Асан",
    "Мамат",
    "Садыр",
    "Токтогул",
    "Осмон",
    "Абдырахман",
    "Жумабай",
    "Султанбек",
    "Кадыр",
    "Муса",
    "Исак",
    "Бейшен",
    "Иманали",
    "Жапар",
    "Орозбек",
    "Төлөгөн",
    "Сатыбалды",
    "Эсен",
    "Маматкул",
    "Турдубай",
    "Сыдык",
    "Кенеш",
    "Алымбек",
    "Шаршен",
    "Акмат",
    "Мырзакул",
    "Бообек",
    "Жусуп",
    "Камчыбек",
    "Келдибек",
    "Нурмамат",
    "Өмүрзак",
    "Сарыбай",
    "Кочкор",
];

const RU_MALE: &[&str] = &["Сергей", "Андрей", "Виктор", "Дмитрий", "Александр", "Олег"];
const RU_FEMALE: &[&str] = &["Ольга", "Наталья", "Елена", "Татьяна"];
const RU_SURNAME: &[&str] = &["Иван", "Кузнец", "Мороз", "Волк", "Соколь", "Фёдор"];

/// Where a person's surname comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
enum SurnameKind {
    /// A Russified family name (-ov/-ova, -ev/-eva).
    Family,
    /// No family name: identified by the father's name ("Токтосун уулу").
    Patronymic,
}

/// A person's name as parts; lists render these in their own way.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NameParts {
    pub ethnicity: Ethnicity,
    pub sex: Sex,
    given: u16,
    father: u16,
    surname: u16,
    kind: SurnameKind,
}

impl NameParts {
    /// Draws a name for a person of the given group and sex.
    pub fn random<R: Rng>(rng: &mut R, ethnicity: Ethnicity, sex: Sex) -> NameParts {
        let (given_n, father_n, surname_n) = match (ethnicity, sex) {
            (Ethnicity::Uzbek, Sex::Male) => (UZ_MALE.len(), UZ_MALE.len(), UZ_SURNAME.len()),
            (Ethnicity::Uzbek, Sex::Female) => (UZ_FEMALE.len(), UZ_MALE.len(), UZ_SURNAME.len()),
            (Ethnicity::Kyrgyz, Sex::Male) => (KY_MALE.len(), KY_MALE.len(), KY_SURNAME.len()),
            (Ethnicity::Kyrgyz, Sex::Female) => (KY_FEMALE.len(), KY_MALE.len(), KY_SURNAME.len()),
            (Ethnicity::Other, Sex::Male) => (RU_MALE.len(), RU_MALE.len(), RU_SURNAME.len()),
            (Ethnicity::Other, Sex::Female) => (RU_FEMALE.len(), RU_MALE.len(), RU_SURNAME.len()),
        };
        let kind = if ethnicity == Ethnicity::Kyrgyz && rng.gen_bool(0.15) {
            SurnameKind::Patronymic
        } else {
            SurnameKind::Family
        };
        NameParts {
            ethnicity,
            sex,
            given: rng.gen_range(0..given_n) as u16,
            father: rng.gen_range(0..father_n) as u16,
            surname: rng.gen_range(0..surname_n) as u16,
            kind,
        }
    }

    /// The given name in Russian Cyrillic.
    fn given_ru(&self) -> String {
        let i = self.given as usize;
        match (self.ethnicity, self.sex) {
            (Ethnicity::Uzbek, Sex::Male) => UZ_MALE[i].1.into(),
            (Ethnicity::Uzbek, Sex::Female) => UZ_FEMALE[i].1.into(),
            (Ethnicity::Kyrgyz, Sex::Male) => ky_to_ru(KY_MALE[i]),
            (Ethnicity::Kyrgyz, Sex::Female) => ky_to_ru(KY_FEMALE[i]),
            (Ethnicity::Other, Sex::Male) => RU_MALE[i].into(),
            (Ethnicity::Other, Sex::Female) => RU_FEMALE[i].into(),
        }
    }

    /// The given name in the person's own community spelling (Uzbek Latin for
    /// Uzbeks, Kyrgyz Cyrillic for Kyrgyz, Russian otherwise).
    fn given_native(&self) -> String {
        let i = self.given as usize;
        match (self.ethnicity, self.sex) {
            (Ethnicity::Uzbek, Sex::Male) => UZ_MALE[i].0.into(),
            (Ethnicity::Uzbek, Sex::Female) => UZ_FEMALE[i].0.into(),
            (Ethnicity::Kyrgyz, Sex::Male) => KY_MALE[i].into(),
            (Ethnicity::Kyrgyz, Sex::Female) => KY_FEMALE[i].into(),
            _ => self.given_ru(),
        }
    }

    fn father_ru(&self) -> String {
        let i = self.father as usize;
        match self.ethnicity {
            Ethnicity::Uzbek => UZ_MALE[i].1.into(),
            Ethnicity::Kyrgyz => ky_to_ru(KY_MALE[i]),
            Ethnicity::Other => RU_MALE[i].into(),
        }
    }

    fn father_native(&self) -> String {
        let i = self.father as usize;
        match self.ethnicity {
            Ethnicity::Uzbek => UZ_MALE[i].0.into(),
            Ethnicity::Kyrgyz => KY_MALE[i].into(),
            Ethnicity::Other => RU_MALE[i].into(),
        }
    }

    /// Family name in Cyrillic (Kyrgyz letters kept for Kyrgyz when `keep_ky`).
    fn surname_cyr(&self, keep_ky: bool) -> String {
        let i = self.surname as usize;
        let root: String = match self.ethnicity {
            Ethnicity::Uzbek => UZ_SURNAME[i].1.into(),
            Ethnicity::Kyrgyz if keep_ky => KY_SURNAME[i].into(),
            Ethnicity::Kyrgyz => ky_to_ru(KY_SURNAME[i]),
            Ethnicity::Other => RU_SURNAME[i].into(),
        };
        cyr_family_name(&root, self.sex)
    }

    fn surname_uz_latin(&self) -> String {
        match self.ethnicity {
            Ethnicity::Uzbek => {
                let root = UZ_SURNAME[self.surname as usize].0;
                let mut s = String::from(root);
                s.push_str(if root.ends_with(['a', 'e', 'i', 'o', 'u']) {
                    "yev"
                } else if root.ends_with("sh") || root.ends_with("ch") || root.ends_with('j') {
                    "ev"
                } else {
                    "ov"
                });
                if self.sex == Sex::Female {
                    s.push('a');
                }
                s
            }
            _ => cyr_to_uz(&self.surname_cyr(true)),
        }
    }

    fn child_of(&self, style: NameStyle) -> &'static str {
        match (style, self.sex) {
            (NameStyle::UzbekLatin, Sex::Male) => "oʻgʻli",
            (NameStyle::UzbekLatin, Sex::Female) => "qizi",
            (NameStyle::KyrgyzCyrillic | NameStyle::RussianCyrillic, Sex::Male) => "уулу",
            (NameStyle::KyrgyzCyrillic | NameStyle::RussianCyrillic, Sex::Female) => "кызы",
            (NameStyle::EnglishAdhoc, Sex::Male) => "uulu",
            (NameStyle::EnglishAdhoc, Sex::Female) => "kyzy",
        }
    }

    /// The canonical full name in the person's own community convention.
    pub fn canonical(&self) -> String {
        match self.ethnicity {
            Ethnicity::Uzbek => format!(
                "{} {} {} {}",
                self.surname_uz_latin(),
                self.given_native(),
                self.father_native(),
                self.child_of(NameStyle::UzbekLatin)
            ),
            Ethnicity::Kyrgyz => self.render(NameStyle::KyrgyzCyrillic, true),
            Ethnicity::Other => self.render(NameStyle::RussianCyrillic, true),
        }
    }

    /// Writes the name as a list in `style` would; `with_father` adds the patronymic
    /// where the convention has one.
    pub fn render(&self, style: NameStyle, with_father: bool) -> String {
        let patronymic_only = self.kind == SurnameKind::Patronymic;
        match style {
            NameStyle::RussianCyrillic => {
                let given = self.given_ru();
                if patronymic_only {
                    return format!("{} {} {given}", self.father_ru(), self.child_of(style));
                }
                let surname = self.surname_cyr(false);
                if with_father {
                    format!(
                        "{surname} {given} {}",
                        ru_patronymic(&self.father_ru(), self.sex)
                    )
                } else {
                    format!("{surname} {given}")
                }
            }
            NameStyle::KyrgyzCyrillic => {
                if self.ethnicity != Ethnicity::Kyrgyz {
                    return format!("{} {}", self.surname_cyr(false), self.given_ru());
                }
                let given = self.given_native();
                let father = format!("{} {}", self.father_native(), self.child_of(style));
                if patronymic_only {
                    format!("{given} {father}")
                } else if with_father {
                    format!("{} {given} {father}", self.surname_cyr(true))
                } else {
                    format!("{} {given}", self.surname_cyr(true))
                }
            }
            NameStyle::UzbekLatin => {
                let (given, father) = match self.ethnicity {
                    Ethnicity::Uzbek => (self.given_native(), self.father_native()),
                    Ethnicity::Kyrgyz => (
                        cyr_to_uz(&self.given_native()),
                        cyr_to_uz(&self.father_native()),
                    ),
                    Ethnicity::Other => (cyr_to_uz(&self.given_ru()), cyr_to_uz(&self.father_ru())),
                };
                if patronymic_only {
                    return format!("{given} {father} uulu");
                }
                let surname = self.surname_uz_latin();
                if with_father && self.ethnicity == Ethnicity::Uzbek {
                    format!("{surname} {given} {father} {}", self.child_of(style))
                } else {
                    format!("{surname} {given}")
                }
            }
            NameStyle::EnglishAdhoc => {
                let given = cyr_to_en(&self.given_ru());
                if patronymic_only {
                    return format!(
                        "{given} {} {}",
                        cyr_to_en(&self.father_ru()),
                        self.child_of(style)
                    );
                }
                format!("{given} {}", cyr_to_en(&self.surname_cyr(false)))
            }
        }
    }
}

fn is_cyr_vowel(c: char) -> bool {
    "аеёиоуыэюяөү".contains(c)
}

/// Root + -ов/-ев (+а for women), the Russified family-name pattern.
fn cyr_family_name(root: &str, sex: Sex) -> String {
    let mut s = String::from(root);
    if !root.ends_with("ев") && !root.ends_with("ов") {
        match root.chars().last() {
            Some('й') => {
                s.pop();
                s.push_str("ев");
            }
            Some('ь') => {
                s.pop();
                s.push_str("ев");
            }
            // Russian spelling after a hissing consonant: Эргаш → Эргашев.
            Some(c) if is_cyr_vowel(c) || "жцчшщ".contains(c) => s.push_str("ев"),
            _ => s.push_str("ов"),
        }
    }
    if sex == Sex::Female {
        s.push('а');
    }
    s
}

/// Russian patronymic from a father's name: Алишер → Алишерович / Алишеровна.
fn ru_patronymic(father: &str, sex: Sex) -> String {
    let mut s = String::from(father);
    let (soft, hard) = match sex {
        Sex::Male => ("евич", "ович"),
        Sex::Female => ("евна", "овна"),
    };
    match father.chars().last() {
        Some('й') | Some('ь') => {
            s.pop();
            s.push_str(soft);
        }
        Some(c) if is_cyr_vowel(c) => {
            s.pop();
            s.push_str(soft);
        }
        _ => s.push_str(hard),
    }
    s
}

/// Kyrgyz Cyrillic → Russian Cyrillic (the letters Russian lacks).
pub fn ky_to_ru(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ң' => 'н',
            'Ң' => 'Н',
            'ө' => 'о',
            'Ө' => 'О',
            'ү' => 'у',
            'Ү' => 'У',
            other => other,
        })
        .collect()
}

fn latin_for(c: char, uzbek: bool) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'э' => "e",
        'ё' => "yo",
        'ж' if uzbek => "j",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ү' => "u",
        'ф' => "f",
        'х' if uzbek => "x",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' if uzbek => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' if uzbek => "i",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'ө' if uzbek => "oʻ",
        'ө' => "o",
        'ң' => "ng",
        'қ' if uzbek => "q",
        'қ' => "k",
        'ғ' if uzbek => "gʻ",
        'ғ' => "g",
        'ў' if uzbek => "oʻ",
        'ў' => "u",
        'ҳ' => "h",
        _ => return None,
    })
}

fn transliterate(s: &str, uzbek: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match latin_for(lower, uzbek) {
            Some(l) if c != lower => {
                let mut it = l.chars();
                if let Some(first) = it.next() {
                    out.extend(first.to_uppercase());
                    out.extend(it);
                }
            }
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
    out
}

/// Cyrillic → the ad-hoc English-style Latin a foreign clerk would write (ж → zh, х → kh).
pub fn cyr_to_en(s: &str) -> String {
    transliterate(s, false)
}

/// Cyrillic → Uzbek Latin conventions (ж → j, х → x, қ → q, ғ → gʻ).
pub fn cyr_to_uz(s: &str) -> String {
    transliterate(s, true)
}

/// Uzbek Latin → Uzbek Cyrillic, letter by letter (sh → ш, oʻ → ў, gʻ → ғ, q → қ).
pub fn uz_latin_to_cyr(s: &str) -> String {
    const DIGRAPHS: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("sh", "ш"),
        ("ch", "ч"),
        ("oʻ", "ў"),
        ("gʻ", "ғ"),
        ("yo", "ё"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
    ];
    let mut out = String::with_capacity(s.len() * 2);
    let mut rest = s;
    'outer: while let Some(c) = rest.chars().next() {
        for (latin, cyr) in DIGRAPHS {
            let mut here = rest.chars();
            let matches = latin.chars().all(|l| {
                here.next()
                    .is_some_and(|h| h.to_lowercase().eq(std::iter::once(l)))
            });
            if matches && rest.is_char_boundary(latin.len()) {
                if c.is_uppercase() {
                    out.extend(cyr.chars().flat_map(char::to_uppercase));
                } else {
                    out.push_str(cyr);
                }
                rest = &rest[latin.len()..];
                continue 'outer;
            }
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let mapped = match lower {
            'a' => 'а',
            'b' => 'б',
            'd' => 'д',
            'e' => 'е',
            'f' => 'ф',
            'g' => 'г',
            'h' => 'ҳ',
            'i' => 'и',
            'j' => 'ж',
            'k' => 'к',
            'l' => 'л',
            'm' => 'м',
            'n' => 'н',
            'o' => 'о',
            'p' => 'п',
            'q' => 'қ',
            'r' => 'р',
            's' => 'с',
            't' => 'т',
            'u' => 'у',
            'v' => 'в',
            'x' => 'х',
            'y' => 'й',
            'z' => 'з',
            'ʼ' => 'ъ',
            other => other,
        };
        if c.is_uppercase() {
            out.extend(mapped.to_uppercase());
        } else {
            out.push(mapped);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// One ad-hoc spelling change of the kind transliterating clerks make
/// (Usmonov → Usmanov, kh → h, zh → j, y → i); returns the input when none applies.
pub(crate) fn adhoc_variant<R: Rng>(rng: &mut R, s: &str) -> String {
    const SWAPS: &[(&str, &str)] = &[
        ("o", "a"),
        ("kh", "h"),
        ("zh", "j"),
        ("y", "i"),
        ("sh", "sch"),
        ("u", "ou"),
        ("dj", "j"),
        ("о", "а"),
        ("ы", "и"),
        ("е", "э"),
    ];
    let applicable: Vec<_> = SWAPS.iter().filter(|(from, _)| s.contains(from)).collect();
    match applicable.choose(rng) {
        Some((from, to)) => s.replacen(from, to, 1),
        None => s.to_owned(),
    }
}

/// One keyboard or transcription typo: swapped, dropped, doubled or confused letter.
/// Short names (under four letters) are left alone; a typo there makes a new name.
pub(crate) fn typo<R: Rng>(rng: &mut R, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() < 4 {
        return s.to_owned();
    }
    let i = letters[rng.gen_range(0..letters.len())];
    match rng.gen_range(0..4) {
        0 if i + 1 < chars.len() && chars[i + 1].is_alphabetic() => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        _ => {
            const CONFUSABLE: &[(char, char)] = &[
                ('a', 'o'),
                ('o', 'a'),
                ('i', 'y'),
                ('y', 'i'),
                ('e', 'i'),
                ('u', 'o'),
                ('а', 'о'),
                ('о', 'а'),
                ('и', 'ы'),
                ('ы', 'и'),
                ('е', 'э'),
                ('у', 'ю'),
            ];
            match CONFUSABLE.iter().find(|(from, _)| *from == chars[i]) {
                Some((_, to)) => chars[i] = *to,
                None => {
                    chars.remove(i);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn parts(eth: Ethnicity, sex: Sex, given: u16, father: u16, surname: u16) -> NameParts {
        NameParts {
            ethnicity: eth,
            sex,
            given,
            father,
            surname,
            kind: SurnameKind::Family,
        }
    }

    #[test]
    fn an_uzbek_man_is_written_four_ways() {
        let p = parts(Ethnicity::Uzbek, Sex::Male, 0, 1, 0);
        assert_eq!(
            p.render(NameStyle::RussianCyrillic, true),
            "Усмонов Шерзод Алишерович"
        );
        assert_eq!(p.render(NameStyle::UzbekLatin, false), "Usmonov Sherzod");
        assert_eq!(
            p.render(NameStyle::UzbekLatin, true),
            "Usmonov Sherzod Alisher oʻgʻli"
        );
        assert_eq!(p.render(NameStyle::EnglishAdhoc, false), "Sherzod Usmonov");
    }

    #[test]
    fn a_kyrgyz_woman_keeps_kyrgyz_letters_only_in_kyrgyz_style() {
        let p = parts(Ethnicity::Kyrgyz, Sex::Female, 0, 0, 6);
        assert_eq!(
            p.render(NameStyle::KyrgyzCyrillic, true),
            "Жумабаева Айгүл Бакыт кызы"
        );
        assert_eq!(
            p.render(NameStyle::RussianCyrillic, true),
            "Жумабаева Айгул Бакытовна"
        );
        assert_eq!(p.render(NameStyle::EnglishAdhoc, true), "Aygul Zhumabaeva");
    }

    #[test]
    fn transliteration_follows_each_convention() {
        assert_eq!(cyr_to_en("Хуршид Жалилов"), "Khurshid Zhalilov");
        assert_eq!(cyr_to_uz("Хуршид Жалилов"), "Xurshid Jalilov");
        assert_eq!(cyr_to_uz("Өмүрбек"), "Oʻmurbek");
        assert_eq!(ky_to_ru("Чыңгыз Өмүрбеков"), "Чынгыз Омурбеков");
        assert_eq!(
            uz_latin_to_cyr("Shahnoza Oʻgʻli yoqdi"),
            "Шаҳноза Ўғли ёқди"
        );
    }

    #[test]
    fn typos_change_long_names_and_spare_short_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let changed = (0..50)
            .filter(|_| typo(&mut rng, "Usmonov Sherzod") != "Usmonov Sherzod")
            .count();
        assert!(changed > 40, "{changed} of 50 changed");
        assert_eq!(typo(&mut rng, "Ali"), "Ali");
    }
}
