//! For any seed and scale, the scenario keeps its structural promises.

use aman_core::ReportKind;
use aman_scenario::{generate, stream_reports, ScenarioConfig, RECEIVED_WITHIN_DAYS};
use chrono::Duration;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_seed_and_scale_gives_valid_consistent_data(seed in any::<u64>(), scale in 0usize..80, witnesses in 0usize..20) {
        let config = ScenarioConfig { seed, scale, witnesses, ..ScenarioConfig::default() };
        let s = generate(&config);
        let now = (config.start + Duration::days(RECEIVED_WITHIN_DAYS)).and_hms_opt(0, 0, 0).unwrap().and_utc();
        // One neighbourhood's acts of one day are one attack, so never more events than acts.
        prop_assert!(s.truth.events.len() <= scale);
        prop_assert_eq!(s.truth.events.is_empty(), scale == 0);
        for (i, r) in s.reports.iter().enumerate() {
            prop_assert!(r.input.clone().validate(now).is_ok(), "report {} invalid", i + 1);
            if let Some(e) = r.true_event {
                prop_assert!(s.truth.event(e).is_some());
            }
            if r.input.kind != ReportKind::Original {
                let pos = r.input.refers_to.unwrap() as usize;
                prop_assert!(pos >= 1 && pos <= i);
            }
        }
        for r in s.victim_records() {
            prop_assert!(s.truth.person(r.true_person).is_some());
        }
        let dead: u32 = s.truth.events.iter().map(|e| e.killed).sum();
        prop_assert_eq!(dead as usize, s.truth.total_dead());
        prop_assert!(s.witnesses.len() <= witnesses);
    }

    #[test]
    fn the_stream_is_a_prefix_of_any_longer_stream(seed in any::<u64>(), n in 0usize..300) {
        let start = ScenarioConfig::default().start;
        let short: Vec<_> = stream_reports(seed, start, n).collect();
        let long: Vec<_> = stream_reports(seed, start, n + 50).collect();
        prop_assert_eq!(&long[..n], &short[..]);
    }
}
