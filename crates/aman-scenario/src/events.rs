//! The true events: what "really" happened in the synthetic June 2010 scenario.
//!
//! `plan` lays out a calibrated set: the number of events of each kind follows fixed
//! shares of the scale, and the totals (deaths, injured, displaced, structures by
//! neighbourhood, sexual-violence cases) are set from the public figures scaled by
//! `scale / DEFAULT_SCALE` and then shared out among the events, so calibration holds
//! by construction rather than by luck; then one neighbourhood's killings, rapes,
//! burnings and beatings within 12 hours become one attack. `sample_event` draws one
//! event at a time with the same mix but no fixed totals, for the streaming generator
//! (which does not fold acts into attacks).

use aman_core::{ActorKind, EventType};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::distributions::{Distribution, WeightedIndex};
use rand::Rng;
use serde::Serialize;

use crate::names::Ethnicity;
use crate::places::{places, Area, Landmark, Place};

/// Number of acts drawn (before one neighbourhood's acts within 12 hours are folded
/// into one attack) at which the scenario reproduces the public figures.
pub const DEFAULT_SCALE: usize = 300;
/// Deaths (Kyrgyzstan Inquiry Commission, 2011).
pub const DEATHS: u32 = 470;
/// Shares of the dead by group (the rest are of other groups).
pub const UZBEK_SHARE: f64 = 0.74;
pub const KYRGYZ_SHARE: f64 = 0.25;
/// Injured treated in hospital (Health Ministry).
pub const INJURED: u32 = 1900;
/// Displaced, inside the country and across the border (UNHCR, 17 June 2010).
pub const DISPLACED: u32 = 400_000;
/// Documented sexual-violence cases (Amnesty International).
pub const SEXUAL_VIOLENCE_CASES: u32 = 20;
/// Local time in the region is UTC+6.
const UTC_OFFSET_HOURS: i64 = 6;

/// The kind of a true event, which decides its acts, timing and actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Killing,
    Arson,
    Beating,
    SexualViolence,
    AidAttack,
    AccessDenial,
    Detention,
    Displacement,
    Threat,
    Clash,
}

/// Share of events of each kind.
const MIX: [(Category, f64); 10] = [
    (Category::Killing, 0.36),
    (Category::Arson, 0.17),
    (Category::Beating, 0.12),
    (Category::SexualViolence, 0.045),
    (Category::AidAttack, 0.04),
    (Category::AccessDenial, 0.035),
    (Category::Detention, 0.08),
    (Category::Displacement, 0.06),
    (Category::Threat, 0.04),
    (Category::Clash, 0.05),
];

/// One event as it really happened (in the scenario).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrueEvent {
    /// 1-based, in time order.
    pub id: u64,
    pub category: Category,
    /// When it happened (UTC).
    pub time: DateTime<Utc>,
    /// Index into `places()`.
    pub place: usize,
    pub latitude: f64,
    pub longitude: f64,
    /// The street or school it happened at.
    pub landmark: Landmark,
    pub types: Vec<EventType>,
    /// Acts drawn for it: 1, or more for an attack that several acts were folded into.
    pub acts: u32,
    pub killed: u32,
    pub injured: u32,
    pub displaced: u32,
    pub detained: u32,
    pub structures_damaged: u32,
    pub sexual_violence_victims: u32,
    /// The group the victims (mostly) belonged to.
    pub victim_group: Ethnicity,
    /// Who really did it.
    pub perpetrators: Vec<ActorKind>,
    /// Ids of the true persons killed (filled when the dead are generated).
    pub victims: Vec<u64>,
}

impl TrueEvent {
    pub fn place(&self) -> &'static Place {
        &places()[self.place]
    }
}

/// `round(x × scale / DEFAULT_SCALE)`: a public figure at this scale.
pub fn scaled(figure: f64, scale: usize) -> u32 {
    (figure * scale as f64 / DEFAULT_SCALE as f64).round() as u32
}

/// How many events of each kind a scale gets; adds up to `scale` exactly.
fn category_counts(scale: usize) -> Vec<(Category, usize)> {
    let mut counts: Vec<(Category, usize)> = MIX
        .iter()
        .map(|&(c, share)| (c, (share * scale as f64).round() as usize))
        .collect();
    let total: usize = counts.iter().map(|c| c.1).sum();
    // Rounding slack goes to (or comes from) killings, the largest group.
    counts[0].1 = (counts[0].1 + scale).saturating_sub(total);
    counts
}

/// Lays out `scale` calibrated events starting at `start` (ids in time order).
/// Victim ids are left empty; `victims::generate_dead` fills them.
pub(crate) fn plan<R: Rng>(rng: &mut R, scale: usize, start: NaiveDate) -> Vec<TrueEvent> {
    let mut events = Vec::with_capacity(scale);
    for (category, n) in category_counts(scale) {
        for i in 0..n {
            let place = if category == Category::Arson && i < structure_places().len() {
                // Every neighbourhood in the satellite figure gets at least one fire.
                structure_places()[i]
            } else {
                pick_place(rng, category)
            };
            events.push(blank_event(rng, category, place, start));
        }
    }
    share_out_totals(rng, &mut events, scale);
    let mut events = merge_attacks(events);
    events.sort_by_key(|e| e.time);
    for (i, e) in events.iter_mut().enumerate() {
        e.id = i as u64 + 1;
    }
    events
}

/// Acts that one crowd commits in one attack, most serious first: the one that names
/// the attack.
const ATTACK_ACTS: [Category; 4] = [
    Category::Killing,
    Category::SexualViolence,
    Category::Arson,
    Category::Beating,
];

/// Acts at one place within this many hours of the first belong to one attack.
const ATTACK_HOURS: i64 = 12;

/// Folds the killings, rapes, burnings and beatings at one neighbourhood within
/// `ATTACK_HOURS` of the first (a night, or a day) into one attack, which is how the
/// inquiry commission and rights groups document them (one incident holding several
/// acts, DOMAIN.md), and which a reader of the reports can tell apart. Tolls and types add up, so calibration holds; the attack
/// began with its earliest act and is placed where its most serious act happened.
fn merge_attacks(events: Vec<TrueEvent>) -> Vec<TrueEvent> {
    let rank = |c: Category| ATTACK_ACTS.iter().position(|&a| a == c);
    let (mut acts, mut merged): (Vec<TrueEvent>, Vec<TrueEvent>) =
        events.into_iter().partition(|e| rank(e.category).is_some());
    acts.sort_by_key(|e| (e.place, e.time));
    let mut attacks: Vec<Vec<TrueEvent>> = Vec::new();
    for e in acts {
        match attacks.last_mut() {
            Some(a)
                if a[0].place == e.place && e.time - a[0].time < Duration::hours(ATTACK_HOURS) =>
            {
                a.push(e)
            }
            _ => attacks.push(vec![e]),
        }
    }
    for mut group in attacks {
        let began = group[0].time;
        // The most serious act names the attack; the others add their acts and tolls.
        group.sort_by_key(|e| (rank(e.category), e.time));
        let mut rest = group.into_iter();
        let mut a = rest.next().expect("an attack has an act");
        a.time = began;
        for e in rest {
            for t in e.types {
                if !a.types.contains(&t) {
                    a.types.push(t);
                }
            }
            for p in e.perpetrators {
                if !a.perpetrators.contains(&p) {
                    a.perpetrators.push(p);
                }
            }
            a.acts += e.acts;
            a.killed += e.killed;
            a.injured += e.injured;
            a.displaced += e.displaced;
            a.detained += e.detained;
            a.structures_damaged += e.structures_damaged;
            a.sexual_violence_victims += e.sexual_violence_victims;
        }
        merged.push(a);
    }
    merged
}

/// One event drawn on its own (no fixed totals), for streaming at any size.
pub(crate) fn sample_event<R: Rng>(rng: &mut R, id: u64, start: NaiveDate) -> TrueEvent {
    let weights = WeightedIndex::new(MIX.iter().map(|m| m.1)).expect("constant weights");
    let category = MIX[weights.sample(rng)].0;
    let place = pick_place(rng, category);
    let mut e = blank_event(rng, category, place, start);
    e.id = id;
    match category {
        Category::Killing => {
            e.killed = 1 + geometric(rng, 3.0);
            e.injured = geometric(rng, 2.0 * e.killed as f64);
        }
        Category::Beating | Category::Clash => e.injured = 1 + geometric(rng, 6.0),
        Category::SexualViolence => e.sexual_violence_victims = 1 + geometric(rng, 0.5),
        Category::Displacement => e.displaced = 500 + geometric(rng, 20_000.0),
        _ => {}
    }
    if e.types.contains(&EventType::Arson) && e.place().structures_damaged > 0 {
        e.structures_damaged = 1 + geometric(rng, 15.0);
    }
    e
}

fn structure_places() -> Vec<usize> {
    places()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.structures_damaged > 0)
        .map(|(i, _)| i)
        .collect()
}

fn pick_place<R: Rng>(rng: &mut R, category: Category) -> usize {
    let weights: Vec<f64> = places()
        .iter()
        .map(|p| match category {
            Category::Arson => p.structures_damaged as f64,
            Category::Detention | Category::Displacement => p.uzbek_share * p.uzbek_share,
            Category::Clash => match p.key {
                "osh-centre" => 4.0,
                "jalal-abad" => 2.0,
                _ => 0.3,
            },
            Category::AidAttack | Category::AccessDenial | Category::Threat => 1.0,
            Category::Killing | Category::Beating | Category::SexualViolence => match p.area {
                Area::OshCity => 1.6,
                Area::JalalAbadOblast => 1.3,
                Area::OshOblast => 0.8,
            },
        })
        .collect();
    WeightedIndex::new(&weights)
        .expect("every category has a place with weight")
        .sample(rng)
}

/// Day offset from the start (10 June) for an event of this kind at this place.
fn pick_day<R: Rng>(rng: &mut R, category: Category, area: Area) -> i64 {
    const OSH: [f64; 5] = [0.12, 0.38, 0.28, 0.14, 0.08];
    const JALAL_ABAD: [f64; 5] = [0.0, 0.05, 0.35, 0.38, 0.22];
    match category {
        Category::Killing
        | Category::Arson
        | Category::Beating
        | Category::SexualViolence
        | Category::Clash => {
            let w = if area == Area::JalalAbadOblast {
                &JALAL_ABAD
            } else {
                &OSH
            };
            WeightedIndex::new(w).expect("constant weights").sample(rng) as i64
        }
        Category::Displacement => rng.gen_range(1..=7),
        Category::AccessDenial => rng.gen_range(2..=10),
        Category::AidAttack => rng.gen_range(3..=10),
        Category::Threat => rng.gen_range(3..=20),
        // Arbitrary detentions by security forces came after 14 June.
        Category::Detention => rng.gen_range(5..=25),
    }
}

fn blank_event<R: Rng>(
    rng: &mut R,
    category: Category,
    place: usize,
    start: NaiveDate,
) -> TrueEvent {
    let p = &places()[place];
    let day = pick_day(rng, category, p.area);
    // The first night's violence began late on 10 June.
    let hour = if day == 0 {
        rng.gen_range(21..24)
    } else {
        rng.gen_range(0..24)
    };
    let local = start.and_time(NaiveTime::MIN)
        + Duration::days(day)
        + Duration::hours(hour)
        + Duration::minutes(rng.gen_range(0..60));
    let time = (local - Duration::hours(UTC_OFFSET_HOURS)).and_utc();
    let (latitude, longitude) = jitter(rng, p.latitude, p.longitude, p.radius_km);
    let landmark = Landmark::random(rng);
    let victim_group = if rng.gen_bool(p.uzbek_share) {
        Ethnicity::Uzbek
    } else {
        Ethnicity::Kyrgyz
    };
    let types = event_types(rng, category, p);
    let perpetrators = perpetrators(rng, category, victim_group);
    let detained = if category == Category::Detention {
        2 + geometric(rng, 8.0)
    } else {
        0
    };
    TrueEvent {
        id: 0,
        category,
        time,
        place,
        latitude,
        longitude,
        landmark,
        types,
        acts: 1,
        killed: 0,
        injured: 0,
        displaced: 0,
        detained,
        structures_damaged: 0,
        sexual_violence_victims: 0,
        victim_group,
        perpetrators,
        victims: Vec::new(),
    }
}

fn event_types<R: Rng>(rng: &mut R, category: Category, p: &Place) -> Vec<EventType> {
    use EventType::*;
    let mut t = Vec::with_capacity(3);
    let maybe = |rng: &mut R, t: &mut Vec<EventType>, ty, prob| {
        if rng.gen_bool(prob) {
            t.push(ty);
        }
    };
    match category {
        Category::Killing => {
            t.push(Killing);
            maybe(rng, &mut t, BeatingTorture, 0.3);
            let arson = if p.structures_damaged > 0 { 0.5 } else { 0.25 };
            maybe(rng, &mut t, Arson, arson);
            maybe(rng, &mut t, Looting, 0.35);
        }
        Category::Arson => {
            t.push(Arson);
            maybe(rng, &mut t, Looting, 0.6);
            maybe(rng, &mut t, ForcedDisplacement, 0.2);
        }
        Category::Beating => {
            t.push(BeatingTorture);
            maybe(rng, &mut t, Looting, 0.2);
        }
        Category::SexualViolence => {
            t.push(SexualViolence);
            maybe(rng, &mut t, BeatingTorture, 0.3);
        }
        Category::AidAttack => {
            t.push(AttackOnAid);
            maybe(rng, &mut t, Looting, 0.7);
        }
        Category::AccessDenial => t.push(AccessDenial),
        Category::Detention => {
            t.push(ArbitraryDetention);
            maybe(rng, &mut t, BeatingTorture, 0.35);
        }
        Category::Displacement => t.push(ForcedDisplacement),
        Category::Threat => t.push(Threat),
        Category::Clash => {
            t.push(if rng.gen_bool(0.3) { ArmedClash } else { Riot });
            maybe(rng, &mut t, Arson, 0.2);
        }
    }
    t
}

fn perpetrators<R: Rng>(rng: &mut R, category: Category, victims: Ethnicity) -> Vec<ActorKind> {
    use ActorKind::*;
    let mut a = Vec::with_capacity(2);
    match category {
        Category::Killing
        | Category::Arson
        | Category::Beating
        | Category::SexualViolence
        | Category::Clash
        | Category::Displacement => {
            a.push(Mob);
            if victims == Ethnicity::Uzbek {
                if rng.gen_bool(0.3) {
                    a.push(Military);
                } else if rng.gen_bool(0.15) {
                    a.push(StateSecurityForces);
                }
            } else if rng.gen_bool(0.3) {
                a.push(OrganisedArmedGroup);
            }
        }
        Category::AidAttack => {
            a.push(if rng.gen_bool(0.6) { Mob } else { Civilians });
            if rng.gen_bool(0.15) {
                a.push(Police);
            }
        }
        Category::AccessDenial => a.push(match rng.gen_range(0..10) {
            0..=3 => Military,
            4..=6 => Police,
            _ => Civilians,
        }),
        Category::Detention => {
            a.push(Police);
            if rng.gen_bool(0.6) {
                a.push(StateSecurityForces);
            }
            if rng.gen_bool(0.2) {
                a.push(Military);
            }
        }
        Category::Threat => a.push(if rng.gen_bool(0.5) { Unknown } else { Mob }),
    }
    a
}

/// Shares the calibrated totals out among the planned events.
fn share_out_totals<R: Rng>(rng: &mut R, events: &mut [TrueEvent], scale: usize) {
    let jitter = 1.0 + rng.gen_range(-0.015..0.015);
    let deaths = (scaled(DEATHS as f64, scale) as f64 * jitter).round() as u32;
    let killings: Vec<usize> = indices(events, |e| e.category == Category::Killing);
    let weights: Vec<f64> = killings.iter().map(|_| heavy_tail(rng)).collect();
    for (i, k) in allocate(rng, deaths, &weights, 1).into_iter().enumerate() {
        events[killings[i]].killed = k;
    }

    let hurt: Vec<usize> = indices(events, |e| {
        matches!(
            e.category,
            Category::Killing | Category::Beating | Category::Clash | Category::Arson
        )
    });
    let weights: Vec<f64> = hurt
        .iter()
        .map(|&i| {
            let e = &events[i];
            heavy_tail(rng)
                * match e.category {
                    Category::Killing => 1.0 + 2.0 * e.killed as f64,
                    Category::Beating => 4.0,
                    Category::Clash => 6.0,
                    _ => 0.5,
                }
        })
        .collect();
    for (i, n) in allocate(rng, scaled(INJURED as f64, scale), &weights, 0)
        .into_iter()
        .enumerate()
    {
        events[hurt[i]].injured = n;
    }

    let displacements = indices(events, |e| e.category == Category::Displacement);
    let weights: Vec<f64> = displacements.iter().map(|_| heavy_tail(rng)).collect();
    for (i, n) in allocate(rng, scaled(DISPLACED as f64, scale), &weights, 1)
        .into_iter()
        .enumerate()
    {
        events[displacements[i]].displaced = n;
    }

    let sv = indices(events, |e| e.category == Category::SexualViolence);
    let weights = vec![1.0; sv.len()];
    let cases = scaled(SEXUAL_VIOLENCE_CASES as f64, scale).max(sv.len() as u32);
    for (i, n) in allocate(rng, cases, &weights, 1).into_iter().enumerate() {
        events[sv[i]].sexual_violence_victims = n;
    }

    for (place, p) in places().iter().enumerate() {
        if p.structures_damaged == 0 {
            continue;
        }
        let fires = indices(events, |e| {
            e.place == place && e.types.contains(&EventType::Arson)
        });
        let weights: Vec<f64> = fires
            .iter()
            .map(|&i| {
                heavy_tail(rng)
                    * if events[i].category == Category::Arson {
                        3.0
                    } else {
                        1.0
                    }
            })
            .collect();
        for (i, n) in allocate(rng, scaled(p.structures_damaged as f64, scale), &weights, 0)
            .into_iter()
            .enumerate()
        {
            events[fires[i]].structures_damaged = n;
        }
    }
}

fn indices(events: &[TrueEvent], keep: impl Fn(&TrueEvent) -> bool) -> Vec<usize> {
    (0..events.len()).filter(|&i| keep(&events[i])).collect()
}

/// A weight with a heavy right tail: most events small, a few large.
fn heavy_tail<R: Rng>(rng: &mut R) -> f64 {
    rng.gen_range(0.05f64..1.0).powf(-0.9)
}

/// Splits `total` among slots in proportion to `weights`, each slot getting at least
/// `min_each` when the total allows. Sums to `total` exactly (nothing when there is
/// no slot).
pub(crate) fn allocate<R: Rng>(
    rng: &mut R,
    total: u32,
    weights: &[f64],
    min_each: u32,
) -> Vec<u32> {
    let mut out = vec![0u32; weights.len()];
    if weights.is_empty() {
        return out;
    }
    let mut left = total;
    for slot in out.iter_mut() {
        let give = min_each.min(left);
        *slot = give;
        left -= give;
    }
    if left == 0 {
        return out;
    }
    let sum: f64 = weights.iter().sum();
    // Largest-remainder rounding of the expected shares keeps big totals (displaced)
    // cheap; a little randomness in the remainders keeps small ones from looking tidy.
    let mut given = 0u32;
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = left as f64 * w / sum;
        let whole = exact.floor() as u32;
        out[i] += whole;
        given += whole;
        remainders.push((exact - whole as f64 + rng.gen_range(0.0..0.5), i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0));
    for &(_, i) in remainders.iter().cycle().take((left - given) as usize) {
        out[i] += 1;
    }
    out
}

/// A geometric-like count with the given mean (0, 1, 2, …).
pub(crate) fn geometric<R: Rng>(rng: &mut R, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let p = 1.0 / (1.0 + mean);
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    (u.ln() / (1.0 - p).ln()).floor().min(u32::MAX as f64 / 2.0) as u32
}

/// A point uniformly inside a disc of `radius_km` around a centre.
pub(crate) fn jitter<R: Rng>(rng: &mut R, lat: f64, lon: f64, radius_km: f64) -> (f64, f64) {
    let r = radius_km * rng.gen_range(0.0f64..1.0).sqrt();
    let a = rng.gen_range(0.0..std::f64::consts::TAU);
    let dlat = r * a.cos() / 111.32;
    let dlon = r * a.sin() / (111.32 * lat.to_radians().cos());
    (lat + dlat, lon + dlon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn allocation_sums_exactly_and_respects_minimums() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let w = [1.0, 5.0, 0.1, 2.0];
        let a = allocate(&mut rng, 470, &w, 1);
        assert_eq!(a.iter().sum::<u32>(), 470);
        assert!(a.iter().all(|&x| x >= 1));
        assert_eq!(allocate(&mut rng, 2, &w, 1).iter().sum::<u32>(), 2);
        assert!(allocate(&mut rng, 5, &[], 1).is_empty());
    }

    #[test]
    fn category_counts_add_up_at_any_scale() {
        for scale in [0, 1, 7, 300, 1001] {
            let total: usize = category_counts(scale).iter().map(|c| c.1).sum();
            assert_eq!(total, scale);
        }
    }

    #[test]
    fn detentions_come_after_14_june_and_violence_within_10_to_14() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let start = NaiveDate::from_ymd_opt(2010, 6, 10).unwrap();
        let events = plan(&mut rng, 300, start);
        let local = |e: &TrueEvent| (e.time + Duration::hours(UTC_OFFSET_HOURS)).date_naive();
        for e in &events {
            let d = local(e);
            match e.category {
                Category::Detention => assert!(d > start + Duration::days(4), "{d}"),
                Category::Killing => assert!(d >= start && d <= start + Duration::days(4)),
                _ => {}
            }
        }
    }
}
