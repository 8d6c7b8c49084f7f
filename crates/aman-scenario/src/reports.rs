//! Reports: how each source tells (or mis-tells) a true event.
//!
//! For every true event, each source decides by its coverage whether it hears of it,
//! then writes its own account: its time precision and delays, its place spelling,
//! coordinates if it had them, counts bent by its bias, its reading of what kind of
//! event it was, its names for the perpetrators, and a narrative in its language.
//! Rumours (no true event), corrections and retractions are made here too.

use aman_core::{
    Actor, ActorKind, CountRange, Counts, Credibility, EventTime, EventType, Narrative,
    ReportInput, ReportKind, TimePrecision,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use crate::events::{jitter, Category, TrueEvent};
use crate::names::Ethnicity;
use crate::narrative::{self, Fill, Rumour, Topic};
use crate::places::{places, Area, Landmark, Lang, Place};
use crate::sources::{Profile, SourceRole, PROFILES};

/// One generated report with its ground truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioReport {
    /// Index of the source in `Scenario::sources`; `input.source_id` is this plus one.
    pub source_index: usize,
    pub input: ReportInput,
    /// The true event it describes; `None` for rumours (and their retractions).
    pub true_event: Option<u64>,
}

/// A report before its final position is known: corrections point at a draft.
pub(crate) struct Draft {
    pub report: ScenarioReport,
    /// Index (in the same draft list) of the report this one corrects or retracts.
    pub refers_to: Option<usize>,
    /// Language and script it was written in (finer than the ISO code).
    pub lang: Lang,
}

/// Reports are received within this many days of the scenario start, so validating
/// with any `now` at or after `start + RECEIVED_WITHIN_DAYS` accepts them all.
pub const RECEIVED_WITHIN_DAYS: i64 = 100;
const LOCAL_OFFSET: i64 = 6;
/// A source that dates an event to the hour may be this many minutes off.
pub const HOUR_REPORT_ERROR_MINUTES: i64 = 180;
/// The mission's patrols were on the ground from the fourth day (13 June).
const MISSION_ARRIVAL_DAY: i64 = 3;
/// Satellite damage analysis was delivered on the ninth day (18 June).
const IMAGERY_DAY: i64 = 8;

fn coverage(role: SourceRole, e: &TrueEvent, day: i64) -> f64 {
    use Category as C;
    let place = e.place();
    let violent = matches!(
        e.category,
        C::Killing | C::Arson | C::Beating | C::Clash | C::SexualViolence
    );
    let uzbek = e.victim_group == Ethnicity::Uzbek;
    let sv = e.category == C::SexualViolence;
    match role {
        SourceRole::PatrolOsh => match place.area {
            Area::OshCity => 0.55,
            Area::OshOblast => 0.3,
            Area::JalalAbadOblast => 0.0,
        },
        SourceRole::PatrolJalalAbad => {
            if place.area == Area::JalalAbadOblast {
                0.55
            } else {
                0.0
            }
        }
        SourceRole::Monitors => 0.3,
        SourceRole::UzbekNgo => match (e.category, uzbek) {
            (C::Detention, _) => 0.6,
            (_, true) => 0.5,
            _ => 0.1,
        },
        SourceRole::KyrgyzNgo if sv => 0.05,
        SourceRole::KyrgyzNgo => {
            if uzbek {
                0.12
            } else {
                0.5
            }
        }
        SourceRole::RightsNgo => match e.category {
            C::Detention | C::SexualViolence => 0.6,
            _ => 0.2,
        },
        SourceRole::HospitalMorgue if sv => 0.3,
        SourceRole::HospitalMorgue => {
            if e.killed > 0 || e.injured > 0 {
                0.55
            } else {
                0.0
            }
        }
        SourceRole::RussianMedia
        | SourceRole::KyrgyzMedia
        | SourceRole::Hotline
        | SourceRole::HostAuthority
            if sv =>
        {
            0.05
        }
        SourceRole::RussianMedia => match e.category {
            _ if e.killed >= 5 => 0.5,
            C::AidAttack => 0.3,
            _ => 0.15,
        },
        SourceRole::KyrgyzMedia => {
            if uzbek {
                0.15
            } else {
                0.3
            }
        }
        SourceRole::Hotline => {
            if violent && day <= 4 {
                0.3
            } else {
                0.2
            }
        }
        SourceRole::HostAuthority => match e.category {
            C::Detention => 0.1,
            C::AccessDenial => 0.05,
            _ => 0.25,
        },
        SourceRole::Satellite => {
            if e.structures_damaged > 0 {
                0.95
            } else {
                0.0
            }
        }
    }
}

/// Day offset of an instant from the scenario start, in local time.
fn day_of(t: DateTime<Utc>, start: NaiveDate) -> i64 {
    ((t + Duration::hours(LOCAL_OFFSET)).date_naive() - start).num_days()
}

fn local_midnight_utc(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(NaiveTime::MIN) - Duration::hours(LOCAL_OFFSET)).and_utc()
}

/// Appends every source's account of `e` (at least one).
pub(crate) fn reports_for_event<R: Rng>(
    rng: &mut R,
    e: &TrueEvent,
    start: NaiveDate,
    out: &mut Vec<Draft>,
) {
    let day = day_of(e.time, start);
    let before = out.len();
    for p in PROFILES.iter() {
        // Each act of an attack is another chance for a source to hear of it.
        let missed_all = (1.0 - coverage(p.role, e, day)).powi(e.acts as i32);
        if rng.gen_bool(1.0 - missed_all) {
            out.push(account(rng, p, e, start));
        }
    }
    if out.len() == before {
        // Something this size reaches the monitors even when no one else wrote it up.
        out.push(account(
            rng,
            &PROFILES[SourceRole::Monitors.index()],
            e,
            start,
        ));
    }
}

fn account<R: Rng>(rng: &mut R, p: &Profile, e: &TrueEvent, start: NaiveDate) -> Draft {
    let role = p.role;
    let place = e.place();
    let lang = pick_lang(rng, p);
    let event_time = report_time(rng, role, e.time, start);
    let received_at = received(rng, role, e.time, start);
    let place_text = place_text(rng, role, lang, place, Some(e.landmark));
    let (latitude, longitude) = coordinates(rng, role, e.latitude, e.longitude);
    let event_types = reported_types(rng, role, e);
    let counts = reported_counts(rng, role, e);
    let actors = reported_actors(rng, role, lang, e);
    let topic = match role {
        SourceRole::HospitalMorgue if e.killed > 0 => Topic::Medical,
        SourceRole::Satellite => Topic::Imagery,
        SourceRole::HostAuthority => Topic::Official(e.category),
        _ => Topic::Event(e.category),
    };
    // Only the imagery counts buildings; everyone else estimates by eye.
    let structures = if role == SourceRole::Satellite {
        e.structures_damaged
    } else {
        (e.structures_damaged as f64 * rng.gen_range(0.5..1.5)).round() as u32
    };
    let text = narrative_text(rng, lang, topic, &place_text, &counts, e, structures);
    Draft {
        report: ScenarioReport {
            source_index: role.index(),
            input: ReportInput {
                source_id: role.index() as i64 + 1,
                external_ref: None,
                event_time,
                received_at: Some(received_at),
                place_text,
                latitude,
                longitude,
                event_types,
                counts,
                actors,
                narrative: Narrative {
                    text,
                    language: lang.iso().into(),
                },
                credibility: credibility(rng, p.credibility),
                kind: ReportKind::Original,
                refers_to: None,
                synthetic: true,
            },
            true_event: Some(e.id),
        },
        refers_to: None,
        lang,
    }
}

fn pick_lang<R: Rng>(rng: &mut R, p: &Profile) -> Lang {
    if p.role == SourceRole::Hotline || rng.gen_bool(0.4) {
        *p.langs.choose(rng).unwrap_or(&Lang::En)
    } else {
        p.langs[0]
    }
}

fn credibility<R: Rng>(rng: &mut R, base: u8) -> Credibility {
    let grade = match rng.gen_range(0..10) {
        0 => base.saturating_sub(1),
        1 | 2 => base + 1,
        _ => base,
    };
    Credibility::new(grade.clamp(1, 6)).expect("clamped to 1–6")
}

fn report_time<R: Rng>(
    rng: &mut R,
    role: SourceRole,
    t: DateTime<Utc>,
    start: NaiveDate,
) -> EventTime {
    use TimePrecision::*;
    let observed = day_of(t, start) >= MISSION_ARRIVAL_DAY;
    let precision = match role {
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad if observed => {
            if rng.gen_bool(0.3) {
                Minute
            } else {
                Hour
            }
        }
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad => Day,
        SourceRole::HospitalMorgue => Hour,
        SourceRole::Satellite => Week,
        SourceRole::Monitors => {
            if rng.gen_bool(0.4) {
                Hour
            } else {
                Day
            }
        }
        SourceRole::UzbekNgo | SourceRole::KyrgyzNgo | SourceRole::RightsNgo => {
            match rng.gen_range(0..20) {
                0..=2 => Hour,
                3..=5 => Week,
                _ => Day,
            }
        }
        SourceRole::Hotline => match rng.gen_range(0..10) {
            0..=2 => Hour,
            3..=7 => Day,
            _ => Week,
        },
        SourceRole::RussianMedia | SourceRole::KyrgyzMedia | SourceRole::HostAuthority => Day,
    };
    match precision {
        Minute | Hour => {
            let shift = if precision == Minute {
                Duration::minutes(rng.gen_range(-20..=20))
            } else {
                Duration::minutes(
                    rng.gen_range(-HOUR_REPORT_ERROR_MINUTES..=HOUR_REPORT_ERROR_MINUTES),
                )
            };
            let t = t + shift;
            if precision == Minute {
                EventTime {
                    start: t,
                    end: t,
                    precision,
                }
            } else {
                let hour = t
                    .with_minute(0)
                    .and_then(|t| t.with_second(0))
                    .and_then(|t| t.with_nanosecond(0))
                    .unwrap_or(t);
                EventTime {
                    start: hour,
                    end: hour + Duration::hours(1) - Duration::seconds(1),
                    precision,
                }
            }
        }
        Day | Month => {
            let mut day = (t + Duration::hours(LOCAL_OFFSET)).date_naive();
            // Night events get dated to the day before or after.
            if rng.gen_bool(0.1) {
                day += Duration::days(if rng.gen_bool(0.5) { 1 } else { -1 });
            }
            let start = local_midnight_utc(day);
            EventTime {
                start,
                end: start + Duration::days(1) - Duration::seconds(1),
                precision: Day,
            }
        }
        Week => {
            let day = (t + Duration::hours(LOCAL_OFFSET)).date_naive()
                - Duration::days(rng.gen_range(0..7));
            let start = local_midnight_utc(day);
            EventTime {
                start,
                end: start + Duration::days(7) - Duration::seconds(1),
                precision,
            }
        }
    }
}

fn received<R: Rng>(
    rng: &mut R,
    role: SourceRole,
    t: DateTime<Utc>,
    start: NaiveDate,
) -> DateTime<Utc> {
    let hours = |rng: &mut R, lo: i64, hi: i64| Duration::minutes(rng.gen_range(lo * 60..=hi * 60));
    let at = match role {
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad => {
            let arrival = local_midnight_utc(start + Duration::days(MISSION_ARRIVAL_DAY));
            if t >= arrival {
                t + hours(rng, 1, 8)
            } else {
                // Heard of afterwards from residents: written up once on the ground.
                arrival + hours(rng, 8, 96)
            }
        }
        SourceRole::Satellite => {
            local_midnight_utc(start + Duration::days(IMAGERY_DAY)).max(t) + hours(rng, 9, 60)
        }
        SourceRole::HospitalMorgue => t + hours(rng, 2, 24),
        SourceRole::RussianMedia | SourceRole::KyrgyzMedia => t + hours(rng, 2, 36),
        SourceRole::Hotline => t + Duration::minutes(rng.gen_range(10..=180)),
        SourceRole::HostAuthority => t + hours(rng, 12, 72),
        SourceRole::Monitors => t + hours(rng, 6, 72),
        SourceRole::RightsNgo => t + hours(rng, 5 * 24, 40 * 24),
        SourceRole::UzbekNgo | SourceRole::KyrgyzNgo => {
            if rng.gen_bool(0.1) {
                t + hours(rng, 7 * 24, 30 * 24)
            } else {
                t + hours(rng, 12, 5 * 24)
            }
        }
    };
    at.min(received_cap(start))
}

fn received_cap(start: NaiveDate) -> DateTime<Utc> {
    local_midnight_utc(start + Duration::days(RECEIVED_WITHIN_DAYS))
}

fn generic_area(lang: Lang, area: Area) -> &'static str {
    match (area, lang) {
        (Area::OshCity, Lang::Ru) => "г. Ош",
        (Area::OshCity, Lang::Ky) => "Ош шаары",
        (Area::OshCity, Lang::UzLatin) => "Oʻsh",
        (Area::OshCity, Lang::UzCyrillic) => "Ўш",
        (Area::OshCity, Lang::En) => "Osh",
        (Area::OshCity, Lang::Adhoc) => "Osh city",
        (Area::OshOblast, Lang::Ru) => "Ошская обл.",
        (Area::OshOblast, Lang::Ky) => "Ош облусу",
        (Area::OshOblast, Lang::UzLatin) => "Oʻsh viloyati",
        (Area::OshOblast, Lang::UzCyrillic) => "Ўш вилояти",
        (Area::OshOblast, Lang::En) => "Osh region",
        (Area::OshOblast, Lang::Adhoc) => "Osh oblast",
        (Area::JalalAbadOblast, Lang::Ru) => "Джалал-Абадская обл.",
        (Area::JalalAbadOblast, Lang::Ky) => "Жалал-Абад облусу",
        (Area::JalalAbadOblast, Lang::UzLatin) => "Jalolobod viloyati",
        (Area::JalalAbadOblast, Lang::UzCyrillic) => "Жалолобод вилояти",
        (Area::JalalAbadOblast, Lang::En) => "Jalal-Abad region",
        (Area::JalalAbadOblast, Lang::Adhoc) => "Jalalabad oblast",
    }
}

fn place_text<R: Rng>(
    rng: &mut R,
    role: SourceRole,
    lang: Lang,
    place: &Place,
    landmark: Option<Landmark>,
) -> String {
    let precise = matches!(
        role,
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad | SourceRole::Satellite
    );
    if !precise && rng.gen_bool(0.12) {
        return generic_area(lang, place.area).to_owned();
    }
    // Callers and foreign desks spell as they hear.
    let lang = if matches!(role, SourceRole::Hotline | SourceRole::Monitors) && rng.gen_bool(0.3) {
        Lang::Adhoc
    } else {
        lang
    };
    let options: Vec<&str> = place.spellings_in(lang).collect();
    let name = options.choose(rng).copied().unwrap_or(place.english);
    let mention = match role {
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad => 0.85,
        SourceRole::RightsNgo => 0.7,
        SourceRole::Monitors | SourceRole::UzbekNgo => 0.6,
        SourceRole::KyrgyzNgo | SourceRole::Hotline => 0.5,
        SourceRole::RussianMedia => 0.4,
        SourceRole::KyrgyzMedia | SourceRole::HostAuthority => 0.3,
        SourceRole::HospitalMorgue => 0.15,
        SourceRole::Satellite => 0.0,
    };
    match landmark {
        Some(l) if rng.gen_bool(mention) => format!("{name}, {}", l.render(lang)),
        _ => name.to_owned(),
    }
}

/// How far (km) a source's coordinates may lie from where the event happened.
pub fn point_error_km(role: SourceRole) -> f64 {
    match role {
        SourceRole::Satellite => 0.05,
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad => 0.3,
        SourceRole::Monitors | SourceRole::RightsNgo => 1.0,
        SourceRole::Hotline => 3.0,
        _ => 2.0,
    }
}

fn coordinates<R: Rng>(
    rng: &mut R,
    role: SourceRole,
    lat: f64,
    lon: f64,
) -> (Option<f64>, Option<f64>) {
    let prob = match role {
        SourceRole::Satellite => 1.0,
        SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad => 0.8,
        SourceRole::Monitors => 0.35,
        SourceRole::RightsNgo => 0.2,
        SourceRole::Hotline => 0.03,
        _ => 0.05,
    };
    let km = point_error_km(role);
    if !rng.gen_bool(prob) {
        return (None, None);
    }
    let (la, lo) = jitter(rng, lat, lon, km);
    let round = |x: f64| (x * 1e5).round() / 1e5;
    (Some(round(la)), Some(round(lo)))
}

fn reported_types<R: Rng>(rng: &mut R, role: SourceRole, e: &TrueEvent) -> Vec<EventType> {
    use EventType::*;
    let uzbek = e.victim_group == Ethnicity::Uzbek;
    let mut t: Vec<EventType> = match role {
        SourceRole::Satellite => vec![Arson],
        SourceRole::HospitalMorgue => {
            let seen: Vec<EventType> = e
                .types
                .iter()
                .copied()
                .filter(|t| matches!(t, Killing | BeatingTorture | SexualViolence))
                .collect();
            if seen.is_empty() {
                vec![BeatingTorture]
            } else {
                seen
            }
        }
        _ => {
            let mut t = vec![e.types[0]];
            for &extra in &e.types[1..] {
                if rng.gen_bool(0.7) {
                    t.push(extra);
                }
            }
            if rng.gen_bool(0.08) {
                t.push(*[Looting, Arson, Riot, Threat].choose(rng).unwrap_or(&Riot));
            }
            t
        }
    };
    // Partisan framing: an attack on one side's homes becomes a "clash" or "riot".
    let reframe = match role {
        SourceRole::KyrgyzNgo if uzbek => 0.5,
        SourceRole::KyrgyzMedia if uzbek => 0.3,
        SourceRole::HostAuthority => 0.3,
        _ => 0.0,
    };
    if t[0] == Killing && rng.gen_bool(reframe) {
        t[0] = if role == SourceRole::HostAuthority {
            Riot
        } else {
            ArmedClash
        };
    }
    t.sort();
    t.dedup();
    t
}

/// `truth × factor`, as a range (with probability `range_prob`) or exact.
fn bent<R: Rng>(rng: &mut R, truth: u32, lo: f64, hi: f64, range_prob: f64) -> CountRange {
    let a = (truth as f64 * rng.gen_range(lo..=hi)).round() as u32;
    if rng.gen_bool(range_prob) {
        let b = (truth as f64 * rng.gen_range(lo..=hi)).round() as u32;
        CountRange {
            min: a.min(b),
            max: a.max(b).max(a.min(b) + 1),
        }
    } else {
        CountRange::exact(a)
    }
}

fn reported_counts<R: Rng>(rng: &mut R, role: SourceRole, e: &TrueEvent) -> Counts {
    let uzbek = e.victim_group == Ethnicity::Uzbek;
    let mut c = Counts::default();
    if role == SourceRole::Satellite {
        return c;
    }
    if e.category == Category::Killing
        && e.killed > 0
        && !(role != SourceRole::HospitalMorgue && rng.gen_bool(0.1))
    {
        let k = e.killed;
        c.killed = Some(match role {
            SourceRole::HospitalMorgue => {
                CountRange::exact(((k as f64) * rng.gen_range(0.6..=1.0)).round().max(1.0) as u32)
            }
            SourceRole::PatrolOsh | SourceRole::PatrolJalalAbad | SourceRole::RightsNgo => {
                if rng.gen_bool(0.65) {
                    CountRange::exact(k)
                } else {
                    CountRange {
                        min: k.saturating_sub(1),
                        max: k + 2,
                    }
                }
            }
            SourceRole::Monitors => bent(rng, k, 0.8, 1.2, 1.0),
            SourceRole::UzbekNgo if uzbek => bent(rng, k, 1.1, 1.6, 0.5),
            SourceRole::UzbekNgo => bent(rng, k, 0.5, 1.0, 0.0),
            SourceRole::KyrgyzNgo | SourceRole::KyrgyzMedia if !uzbek => {
                bent(rng, k, 1.2, 1.7, 0.3)
            }
            SourceRole::KyrgyzNgo => bent(rng, k, 0.3, 0.8, 0.0),
            SourceRole::KyrgyzMedia => bent(rng, k, 0.5, 1.2, 1.0),
            SourceRole::HostAuthority if uzbek => bent(rng, k, 0.3, 0.7, 0.0),
            SourceRole::HostAuthority => bent(rng, k, 0.9, 1.1, 0.0),
            SourceRole::RussianMedia => bent(rng, k, 0.7, 1.5, 0.6),
            SourceRole::Hotline => bent(rng, k, 0.5, 2.0, 1.0),
            SourceRole::Satellite => CountRange::exact(k),
        });
    }
    if e.injured > 0 && !rng.gen_bool(0.3) {
        c.injured = Some(match role {
            SourceRole::HospitalMorgue => bent(rng, e.injured, 0.85, 1.0, 0.0),
            SourceRole::Hotline => bent(rng, e.injured, 0.4, 2.0, 1.0),
            _ => bent(rng, e.injured, 0.6, 1.4, 0.4),
        });
    }
    if e.displaced > 0 && role != SourceRole::HospitalMorgue {
        let factor = if role == SourceRole::HostAuthority {
            (0.3, 0.6)
        } else {
            (0.6, 1.3)
        };
        let r = bent(rng, e.displaced, factor.0, factor.1, 1.0);
        let hundreds = |x: u32| (x / 100).max(1) * 100;
        c.displaced = Some(CountRange {
            min: hundreds(r.min),
            max: hundreds(r.max).max(hundreds(r.min)),
        });
    }
    if e.detained > 0 && !(role == SourceRole::HostAuthority && rng.gen_bool(0.5)) {
        c.detained = Some(match role {
            SourceRole::HostAuthority => bent(rng, e.detained, 0.4, 0.9, 0.0),
            SourceRole::UzbekNgo | SourceRole::RightsNgo => bent(rng, e.detained, 1.0, 1.5, 0.5),
            _ => bent(rng, e.detained, 0.7, 1.3, 0.4),
        });
    }
    c
}

fn actor_name<R: Rng>(rng: &mut R, kind: ActorKind, lang: Lang) -> &'static str {
    use ActorKind::*;
    let options: &[&str] = match (kind, lang) {
        (Mob, Lang::En | Lang::Adhoc) => &["armed mob", "crowd of young men"],
        (Mob, Lang::Ru) => &["вооружённая толпа", "группа молодых людей"],
        (Mob, Lang::Ky) => &["куралчан топ", "жаштардын тобу"],
        (Mob, Lang::UzLatin) => &["qurollangan olomon", "yoshlar guruhi"],
        (Mob, Lang::UzCyrillic) => &["қуролланган оломон"],
        (Military, Lang::En | Lang::Adhoc) => &["soldiers with armoured vehicle", "military unit"],
        (Military, Lang::Ru) => &["военные на БТР", "военнослужащие"],
        (Military, Lang::Ky) => &["БТРдеги аскерлер", "аскерлер"],
        (Military, Lang::UzLatin) => &["BTRdagi harbiylar", "harbiylar"],
        (Military, Lang::UzCyrillic) => &["ҳарбийлар"],
        (Police, Lang::En | Lang::Adhoc) => &["police", "district police officers"],
        (Police, Lang::Ru) => &["сотрудники милиции"],
        (Police, Lang::Ky) => &["милиция кызматкерлери"],
        (Police, Lang::UzLatin) => &["militsiya xodimlari"],
        (Police, Lang::UzCyrillic) => &["милиция ходимлари"],
        (StateSecurityForces, Lang::En | Lang::Adhoc) => &[
            "state security officers",
            "men in camouflage without insignia",
        ],
        (StateSecurityForces, Lang::Ru) => &[
            "сотрудники спецслужб",
            "люди в камуфляже без опознавательных знаков",
        ],
        (StateSecurityForces, Lang::Ky) => &["атайын кызмат кызматкерлери"],
        (StateSecurityForces, Lang::UzLatin) => &["maxsus xizmat xodimlari"],
        (StateSecurityForces, Lang::UzCyrillic) => &["махсус хизмат ходимлари"],
        (OrganisedArmedGroup, Lang::En | Lang::Adhoc) => &["armed group", "provocateurs"],
        (OrganisedArmedGroup, Lang::Ru) => &["вооружённая группа", "провокаторы"],
        (OrganisedArmedGroup, Lang::Ky) => &["куралдуу топ"],
        (OrganisedArmedGroup, Lang::UzLatin) => &["qurolli guruh"],
        (OrganisedArmedGroup, Lang::UzCyrillic) => &["қуролли гуруҳ"],
        (Civilians, Lang::En | Lang::Adhoc) => &["local residents"],
        (Civilians, Lang::Ru) => &["местные жители"],
        (Civilians, Lang::Ky) => &["жергиликтүү тургундар"],
        (Civilians, Lang::UzLatin) => &["mahalliy aholi"],
        (Civilians, Lang::UzCyrillic) => &["маҳаллий аҳоли"],
        (Unknown, Lang::En | Lang::Adhoc) => &["unidentified attackers"],
        (Unknown, Lang::Ru) => &["неизвестные"],
        (Unknown, Lang::Ky) => &["белгисиз адамдар"],
        (Unknown, Lang::UzLatin) => &["nomaʼlum shaxslar"],
        (Unknown, Lang::UzCyrillic) => &["номаълум шахслар"],
    };
    options.choose(rng).copied().unwrap_or("unknown")
}

fn reported_actors<R: Rng>(rng: &mut R, role: SourceRole, lang: Lang, e: &TrueEvent) -> Vec<Actor> {
    use ActorKind::*;
    if matches!(role, SourceRole::HospitalMorgue | SourceRole::Satellite) || rng.gen_bool(0.2) {
        return Vec::new();
    }
    let state = |k: &ActorKind| matches!(k, Military | Police | StateSecurityForces);
    let mut kinds: Vec<ActorKind> = e.perpetrators.clone();
    match role {
        // The authority does not name its own forces; it blames "provocateurs" for
        // violence and names no one for its own detentions and roadblocks.
        SourceRole::HostAuthority => {
            let before = kinds.len();
            kinds.retain(|k| !state(k));
            let own_operation = matches!(e.category, Category::Detention | Category::AccessDenial);
            if (kinds.len() < before || kinds.is_empty())
                && !own_operation
                && !kinds.contains(&OrganisedArmedGroup)
            {
                kinds.push(OrganisedArmedGroup);
            }
        }
        SourceRole::UzbekNgo
            if e.victim_group == Ethnicity::Uzbek
                && !kinds.iter().any(state)
                && rng.gen_bool(0.3) =>
        {
            kinds.push(Military);
        }
        SourceRole::Hotline if rng.gen_bool(0.5) => kinds = vec![Unknown],
        _ => {}
    }
    kinds
        .into_iter()
        .map(|kind| Actor {
            name: actor_name(rng, kind, lang).to_owned(),
            kind,
        })
        .collect()
}

fn count_text(c: Option<CountRange>, lang: Lang) -> String {
    c.map(|c| c.to_string())
        .unwrap_or_else(|| narrative::several(lang).to_owned())
}

fn narrative_text<R: Rng>(
    rng: &mut R,
    lang: Lang,
    topic: Topic,
    place: &str,
    counts: &Counts,
    e: &TrueEvent,
    structures: u32,
) -> String {
    let fill = Fill {
        place,
        killed: count_text(counts.killed, lang),
        injured: count_text(counts.injured, lang),
        displaced: count_text(counts.displaced, lang),
        detained: count_text(counts.detained, lang),
        structures,
        cases: e.sexual_violence_victims,
    };
    narrative::write(rng, lang, topic, &fill)
}

/// A later report by the same source moving its counts towards the truth.
pub(crate) fn correction<R: Rng>(
    rng: &mut R,
    original: &Draft,
    at: usize,
    e: &TrueEvent,
    start: NaiveDate,
) -> Draft {
    let mut input = original.report.input.clone();
    let role = PROFILES[original.report.source_index].role;
    let lang = original.lang;
    input.kind = ReportKind::Correction;
    input.received_at = input
        .received_at
        .map(|t| (t + Duration::hours(rng.gen_range(20..=144))).min(received_cap(start)));
    input.counts.killed = Some(if rng.gen_bool(0.6) {
        CountRange::exact(e.killed)
    } else {
        CountRange {
            min: e.killed,
            max: e.killed + 1,
        }
    });
    let topic = match role {
        SourceRole::HostAuthority => Topic::Official(e.category),
        _ => Topic::Event(e.category),
    };
    let body = narrative_text(
        rng,
        lang,
        topic,
        &input.place_text,
        &input.counts,
        e,
        e.structures_damaged,
    );
    input.narrative.text = format!("{}{body}", narrative::correction_prefix(lang));
    input.credibility = Credibility::new(input.credibility.grade().saturating_sub(1).max(1))
        .unwrap_or(input.credibility);
    Draft {
        report: ScenarioReport {
            source_index: original.report.source_index,
            input,
            true_event: original.report.true_event,
        },
        refers_to: Some(at),
        lang,
    }
}

/// The same source withdrawing an earlier (rumoured) report.
pub(crate) fn retraction<R: Rng>(
    rng: &mut R,
    original: &Draft,
    at: usize,
    start: NaiveDate,
) -> Draft {
    let mut input = original.report.input.clone();
    let lang = original.lang;
    input.kind = ReportKind::Retraction;
    input.received_at = input
        .received_at
        .map(|t| (t + Duration::hours(rng.gen_range(12..=96))).min(received_cap(start)));
    input.counts = Counts::default();
    input.actors.clear();
    input.latitude = None;
    input.longitude = None;
    let fill = Fill {
        place: &input.place_text,
        killed: String::new(),
        injured: String::new(),
        displaced: String::new(),
        detained: String::new(),
        structures: 0,
        cases: 0,
    };
    input.narrative.text = narrative::write(rng, lang, Topic::Retraction, &fill);
    Draft {
        report: ScenarioReport {
            source_index: original.report.source_index,
            input,
            true_event: original.report.true_event,
        },
        refers_to: Some(at),
        lang,
    }
}

/// A report of something that did not happen.
pub(crate) fn rumour<R: Rng>(rng: &mut R, start: NaiveDate) -> Draft {
    let role = *[
        SourceRole::Hotline,
        SourceRole::Hotline,
        SourceRole::Hotline,
        SourceRole::Hotline,
        SourceRole::Hotline,
        SourceRole::KyrgyzMedia,
        SourceRole::KyrgyzMedia,
        SourceRole::RussianMedia,
        SourceRole::KyrgyzNgo,
        SourceRole::UzbekNgo,
    ]
    .choose(rng)
    .unwrap_or(&SourceRole::Hotline);
    let p = &PROFILES[role.index()];
    let lang = pick_lang(rng, p);
    let place = &places()[rng.gen_range(0..places().len())];
    let t = local_midnight_utc(start)
        + Duration::days(rng.gen_range(0..12))
        + Duration::minutes(rng.gen_range(0..24 * 60));
    let claim = match rng.gen_range(0..20) {
        0..=7 => Rumour::Killings,
        8..=10 => Rumour::ArmedGroupComing,
        11..=13 => Rumour::PoisonedWater,
        14..=16 => Rumour::Abductions,
        _ => Rumour::AttackOnWomen,
    };
    let event_types = vec![match claim {
        Rumour::Killings => EventType::Killing,
        Rumour::ArmedGroupComing | Rumour::PoisonedWater => EventType::Threat,
        Rumour::Abductions => EventType::Abduction,
        Rumour::AttackOnWomen => EventType::SexualViolence,
    }];
    let mut counts = Counts::default();
    if claim == Rumour::Killings {
        let min = rng.gen_range(5..=20);
        counts.killed = Some(CountRange {
            min,
            max: min + rng.gen_range(0..=30),
        });
    }
    let landmark = rng.gen_bool(0.5).then(|| Landmark::random(rng));
    let place_text = place_text(rng, role, lang, place, landmark);
    let fill = Fill {
        place: &place_text,
        killed: count_text(counts.killed, lang),
        injured: String::new(),
        displaced: String::new(),
        detained: String::new(),
        structures: 0,
        cases: 0,
    };
    let text = narrative::write(rng, lang, Topic::Rumour(claim), &fill);
    Draft {
        report: ScenarioReport {
            source_index: role.index(),
            input: ReportInput {
                source_id: role.index() as i64 + 1,
                external_ref: None,
                event_time: report_time(rng, role, t, start),
                received_at: Some(received(rng, role, t, start)),
                place_text,
                latitude: None,
                longitude: None,
                event_types,
                counts,
                actors: Vec::new(),
                narrative: Narrative {
                    text,
                    language: lang.iso().into(),
                },
                credibility: Credibility::new(rng.gen_range(5..=6)).expect("5 and 6 are grades"),
                kind: ReportKind::Original,
                refers_to: None,
                synthetic: true,
            },
            true_event: None,
        },
        refers_to: None,
        lang,
    }
}

/// Numbers a source's messages in the order they arrive: `SYN-PTL-OSH-00012`.
pub(crate) fn external_ref(source_index: usize, seq: u32) -> String {
    format!("SYN-{}-{seq:05}", PROFILES[source_index].ref_prefix)
}
