//! Short report narratives from templates, in the source's language.
//!
//! Templates never name a person: a narrative carries place, counts and what was
//! seen, the way a field note or a wire item would. Uzbek Cyrillic narratives are
//! the Uzbek Latin templates converted letter by letter.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::events::Category;
use crate::places::Lang;

/// What a narrative is about, beyond the event category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Event(Category),
    /// A host-authority statement (its own vocabulary for the same events).
    Official(Category),
    /// Hospital / morgue intake note.
    Medical,
    /// Satellite damage count.
    Imagery,
    Rumour(Rumour),
    Retraction,
}

/// What an unfounded report claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rumour {
    Killings,
    ArmedGroupComing,
    PoisonedWater,
    Abductions,
    AttackOnWomen,
}

/// Values a template may use; counts already formatted ("3", "3–5", "several").
pub(crate) struct Fill<'a> {
    pub place: &'a str,
    pub killed: String,
    pub injured: String,
    pub displaced: String,
    pub detained: String,
    pub structures: u32,
    pub cases: u32,
}

/// The word a language uses for an unstated count.
pub(crate) fn several(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "несколько",
        Lang::Ky => "бир нече",
        Lang::UzLatin => "bir necha",
        Lang::UzCyrillic => "бир неча",
        Lang::En | Lang::Adhoc => "several",
    }
}

/// Prefix marking a correction of an earlier report.
pub(crate) fn correction_prefix(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Уточнение к предыдущему сообщению. ",
        Lang::Ky => "Мурунку кабарга тактоо. ",
        Lang::UzLatin => "Avvalgi xabarga tuzatish. ",
        Lang::UzCyrillic => "Аввалги хабарга тузатиш. ",
        Lang::En | Lang::Adhoc => "Correction to earlier report. ",
    }
}

pub(crate) fn write<R: Rng>(rng: &mut R, lang: Lang, topic: Topic, f: &Fill) -> String {
    match lang {
        Lang::Ru => ru(rng, topic, f),
        Lang::Ky => ky(rng, topic, f),
        Lang::UzLatin => uz_text(rng, topic, f),
        Lang::UzCyrillic => {
            // The place is already in Cyrillic; convert only the template around it.
            let marker = "\u{1}";
            let masked = Fill {
                place: marker,
                ..clone_fill(f)
            };
            crate::names::uz_latin_to_cyr(&uz_text(rng, topic, &masked)).replace(marker, f.place)
        }
        Lang::En | Lang::Adhoc => en(rng, topic, f),
    }
}

fn clone_fill<'a>(f: &Fill<'a>) -> Fill<'a> {
    Fill {
        place: f.place,
        killed: f.killed.clone(),
        injured: f.injured.clone(),
        displaced: f.displaced.clone(),
        detained: f.detained.clone(),
        structures: f.structures,
        cases: f.cases,
    }
}

fn pick<R: Rng>(rng: &mut R, options: &[String]) -> String {
    options.choose(rng).cloned().unwrap_or_default()
}

fn en<R: Rng>(rng: &mut R, topic: Topic, f: &Fill) -> String {
    let p = f.place;
    match topic {
        Topic::Event(c) | Topic::Official(c) => match c {
            Category::Killing => pick(rng, &[
                format!("{p}: {} killed, {} wounded. Residents describe an armed crowd moving street by street at night.", f.killed, f.injured),
                format!("{p}: patrol counted dead ({}); houses burning nearby. Wounded ({}) taken to hospital by relatives.", f.killed, f.injured),
            ]),
            Category::Arson => pick(rng, &[
                format!("{p}: houses set on fire, roughly {} buildings burning; families fled before the fire reached them.", f.structures.max(1)),
                format!("Smoke over {p}. Homes and shops torched, fire brigade did not come."),
            ]),
            Category::Beating => format!("{p}: {} beaten, several with head injuries; attackers used sticks and metal bars.", f.injured),
            Category::SexualViolence => format!("{p}: women's group reports sexual violence during the attack ({} cases); survivors receiving care, no details shared.", f.cases.max(1)),
            Category::AidAttack => format!("Aid convoy stopped and looted near {p}; flour, water and medical supplies taken."),
            Category::AccessDenial => format!("Roadblock at the entrance to {p}; aid trucks and our patrol turned back."),
            Category::Detention => format!("{p}: security forces detained men during a sweep ({}); families not told where they are held.", f.detained),
            Category::Displacement => format!("{p}: around {} residents fled towards the Uzbek border.", f.displaced),
            Category::Threat => format!("Residents of {p} threatened and told to leave by nightfall."),
            Category::Clash => format!("Large crowds clashed in {p}; gunfire heard, {} injured.", f.injured),
        },
        Topic::Medical => format!("{p}: {} dead received, {} wounded admitted.", f.killed, f.injured),
        Topic::Imagery => format!("Imagery comparison shows {} structures damaged or destroyed in {p}; burn scars consistent with deliberate fires.", f.structures),
        Topic::Rumour(r) => match r {
            Rumour::Killings => format!("Unconfirmed: {p}, {} said to be killed; no witnesses reached.", f.killed),
            Rumour::ArmedGroupComing => format!("Unconfirmed: caller says an armed group is on its way to {p}."),
            Rumour::PoisonedWater => format!("Unverified claim that the water supply in {p} has been poisoned."),
            Rumour::Abductions => format!("Unconfirmed: people said to have been taken away by armed men in {p}."),
            Rumour::AttackOnWomen => format!("Unconfirmed: women said to have been attacked in {p}; no survivor or witness reached."),
        },
        Topic::Retraction => format!("Retraction: the earlier report about {p} could not be confirmed and is withdrawn."),
    }
}

fn ru<R: Rng>(rng: &mut R, topic: Topic, f: &Fill) -> String {
    let p = f.place;
    match topic {
        Topic::Official(Category::Killing) => format!("{p}: в ходе массовых беспорядков погибших — {}, пострадавших — {}. Ситуация под контролем.", f.killed, f.injured),
        Topic::Official(Category::Detention) => format!("{p}: в ходе специальной операции задержаны подозреваемые в участии в массовых беспорядках ({}).", f.detained),
        Topic::Official(Category::Arson) => format!("{p}: зарегистрированы поджоги домов, возбуждены уголовные дела."),
        Topic::Official(c) | Topic::Event(c) => match c {
            Category::Killing => pick(rng, &[
                format!("{p}: погибших — {}, раненых — {}. Очевидцы сообщают о нападении вооружённой толпы ночью.", f.killed, f.injured),
                format!("{p}: обнаружены тела погибших ({}), рядом горят дома. Раненых ({}) родственники увезли в больницу.", f.killed, f.injured),
            ]),
            Category::Arson => format!("{p}: подожжены жилые дома, горящих строений — около {}, жители бежали.", f.structures.max(1)),
            Category::Beating => format!("{p}: избиты люди ({}), у нескольких черепно-мозговые травмы.", f.injured),
            Category::SexualViolence => format!("{p}: зафиксированы случаи сексуального насилия ({}), пострадавшим оказывается помощь.", f.cases.max(1)),
            Category::AidAttack => format!("{p}: гуманитарный груз остановлен и разграблен, забраны мука, вода и медикаменты."),
            Category::AccessDenial => format!("{p}: на въезде блокпост, гуманитарные машины не пропускают."),
            Category::Detention => format!("{p}: в ходе «зачистки» задержаны мужчины ({}), родственникам не сообщают место содержания.", f.detained),
            Category::Displacement => format!("{p}: дома покинули жители (около {}), люди идут к границе с Узбекистаном.", f.displaced),
            Category::Threat => format!("{p}: жителям угрожают и требуют уехать до вечера."),
            Category::Clash => format!("{p}: столкновения больших групп молодёжи, слышна стрельба, раненых — {}.", f.injured),
        },
        Topic::Medical => format!("{p}: в морг доставлены тела погибших ({}), в больницу поступили раненые ({}).", f.killed, f.injured),
        Topic::Imagery => format!("{p}: по снимкам повреждено или разрушено строений: {}.", f.structures),
        Topic::Rumour(r) => match r {
            Rumour::Killings => format!("По слухам, {p}: много убитых ({}), подтверждений нет.", f.killed),
            Rumour::ArmedGroupComing => format!("Непроверенная информация: к месту {p} движется вооружённая группа."),
            Rumour::PoisonedWater => format!("Непроверенная информация: {p} — якобы отравлена вода."),
            Rumour::Abductions => format!("Непроверенная информация: {p} — вооружённые люди якобы увозят жителей."),
            Rumour::AttackOnWomen => format!("Непроверенная информация: {p} — якобы нападения на женщин, пострадавших найти не удалось."),
        },
        Topic::Retraction => format!("Опровержение: информация о событиях в {p} не подтвердилась."),
    }
}

fn ky<R: Rng>(rng: &mut R, topic: Topic, f: &Fill) -> String {
    let p = f.place;
    match topic {
        Topic::Event(c) | Topic::Official(c) => match c {
            Category::Killing => pick(rng, &[
                format!("{p}: {} киши каза болду, {} киши жарадар. Күбөлөрдүн айтымында, түнкүсүн куралчан топ кол салган.", f.killed, f.injured),
                format!("{p}: {} кишинин сөөгү табылды, {} жарадар ооруканага жеткирилди.", f.killed, f.injured),
            ]),
            Category::Arson => format!("{p}: турак үйлөр өрттөлдү, болжол менен {} имарат күйүүдө.", f.structures.max(1)),
            Category::Beating => format!("{p}: {} киши сабалды.", f.injured),
            Category::SexualViolence => format!("{p}: аялдарга карата зордук-зомбулуктун {} учуру катталды.", f.cases.max(1)),
            Category::AidAttack => format!("{p} жанында гуманитардык жардам талоонго түштү."),
            Category::AccessDenial => format!("{p} кире беришинде тосмо коюлуп, жардам унаалары өткөрүлгөн жок."),
            Category::Detention => format!("{p}: коопсуздук күчтөрү {} эркекти кармады.", f.detained),
            Category::Displacement => format!("{p}: болжол менен {} тургун үйүн таштап кетти.", f.displaced),
            Category::Threat => format!("{p} тургундарына коркутуу айтылып, көчүп кетүү талап кылынды."),
            Category::Clash => format!("{p}: жаштардын чоң топтору кагылышты, ок атылган үндөр угулду, {} жарадар.", f.injured),
        },
        Topic::Medical => format!("{p}: моргго {} сөөк жеткирилди, {} жарадар ооруканада.", f.killed, f.injured),
        Topic::Imagery => format!("{p}: сүрөттөр боюнча {} имарат бузулган.", f.structures),
        Topic::Rumour(r) => match r {
            Rumour::Killings => format!("Текшерилбеген маалымат: {p} {} киши өлтүрүлгөн дешет.", f.killed),
            Rumour::ArmedGroupComing => format!("Текшерилбеген маалымат: {p} тарапка куралчан топ келе жатат дешет."),
            Rumour::PoisonedWater => format!("Текшерилбеген маалымат: {p} суу ууланган дешет."),
            Rumour::Abductions => format!("Текшерилбеген маалымат: {p} адамдарды куралчандар алып кетип жатат дешет."),
            Rumour::AttackOnWomen => format!("Текшерилбеген маалымат: {p} аялдарга кол салынган дешет."),
        },
        Topic::Retraction => format!("Төгүндөө: {p} боюнча мурунку маалымат тастыкталган жок."),
    }
}

fn uz_text<R: Rng>(rng: &mut R, topic: Topic, f: &Fill) -> String {
    let p = f.place;
    match topic {
        Topic::Event(c) | Topic::Official(c) => match c {
            Category::Killing => pick(rng, &[
                format!("{p}: {} kishi halok boʻldi, {} kishi yaralandi. Guvohlarning aytishicha, kechasi qurollangan olomon hujum qilgan.", f.killed, f.injured),
                format!("{p}: {} kishining jasadi topildi, yonida uylar yonmoqda. {} yarador kasalxonaga olib ketildi.", f.killed, f.injured),
            ]),
            Category::Arson => format!("{p}: uylar yoqib yuborildi, taxminan {} ta bino yonmoqda.", f.structures.max(1)),
            Category::Beating => format!("{p}: {} kishi kaltaklandi.", f.injured),
            Category::SexualViolence => format!("{p}: ayollarga nisbatan jinsiy zoʻravonlikning {} holati qayd etildi.", f.cases.max(1)),
            Category::AidAttack => format!("{p} yaqinida insonparvarlik yordami talon-taroj qilindi."),
            Category::AccessDenial => format!("{p}ga kirishda toʻsiq qoʻyilgan, yordam mashinalari oʻtkazilmayapti."),
            Category::Detention => format!("{p}: xavfsizlik kuchlari {} erkakni ushlab ketdi, qarindoshlarga ularning qayerdaligi aytilmayapti.", f.detained),
            Category::Displacement => format!("{p}: {} ga yaqin aholi Oʻzbekiston chegarasi tomon qochdi.", f.displaced),
            Category::Threat => format!("{p} aholisiga tahdid qilinib, ketish talab qilindi."),
            Category::Clash => format!("{p}: katta guruhlar toʻqnashdi, otishma ovozlari eshitildi, {} yarador.", f.injured),
        },
        Topic::Medical => format!("{p}: morgga {} jasad keltirildi, {} yarador kasalxonada.", f.killed, f.injured),
        Topic::Imagery => format!("{p}: suratlarga koʻra {} ta bino shikastlangan.", f.structures),
        Topic::Rumour(r) => match r {
            Rumour::Killings => format!("Tasdiqlanmagan: {p}da {} kishi oʻldirilgani aytilmoqda.", f.killed),
            Rumour::ArmedGroupComing => format!("Tasdiqlanmagan: {p}ga qurollangan guruh kelayotgani aytilmoqda."),
            Rumour::PoisonedWater => format!("Tasdiqlanmagan: {p}da suv zaharlangani aytilmoqda."),
            Rumour::Abductions => format!("Tasdiqlanmagan: {p}da odamlarni qurollilar olib ketayotgani aytilmoqda."),
            Rumour::AttackOnWomen => format!("Tasdiqlanmagan: {p}da ayollarga hujum qilingani aytilmoqda."),
        },
        Topic::Retraction => format!("Rad etish: {p} haqidagi avvalgi xabar tasdiqlanmadi."),
    }
}
