//! Reports at any volume (a million for an import benchmark) in constant memory.
//!
//! The stream draws true events one at a time (`events::sample_event`: same mix of
//! kinds, places and days as the calibrated scenario, but no fixed totals), lets the
//! same sources report them the same way, and yields the reports of one event before
//! drawing the next. Rumours, retractions and corrections are mixed in; a correction
//! refers to the 1-based stream position of a report already yielded. Deterministic
//! in `(seed, start)`: the first `n` items are the same whatever `n` is asked for.

use std::collections::VecDeque;

use aman_core::ReportInput;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::events::sample_event;
use crate::reports::{self, Draft};
use crate::sources::{SourceRole, PROFILES};

/// Iterator over `n` synthetic reports; see the module docs.
pub struct ReportStream {
    rng: ChaCha8Rng,
    start: NaiveDate,
    remaining: usize,
    /// Reports yielded so far (the next one's 1-based position is this plus one).
    yielded: usize,
    next_event: u64,
    buffer: VecDeque<ReportInput>,
    seq: Vec<u32>,
    drafts: Vec<Draft>,
}

impl std::fmt::Debug for ReportStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportStream")
            .field("remaining", &self.remaining)
            .field("yielded", &self.yielded)
            .finish_non_exhaustive()
    }
}

/// `n` synthetic reports starting on `start`, deterministic in `seed`.
pub fn stream_reports(seed: u64, start: NaiveDate, n: usize) -> ReportStream {
    ReportStream {
        rng: ChaCha8Rng::seed_from_u64(seed),
        start,
        remaining: n,
        yielded: 0,
        next_event: 1,
        buffer: VecDeque::new(),
        seq: vec![0; PROFILES.len()],
        drafts: Vec::new(),
    }
}

impl ReportStream {
    /// Draws the next event (or rumour) and queues its reports.
    fn refill(&mut self) {
        let rng = &mut self.rng;
        self.drafts.clear();
        if rng.gen_bool(0.05) {
            self.drafts.push(reports::rumour(rng, self.start));
            if rng.gen_bool(0.3) {
                let r = reports::retraction(rng, &self.drafts[0], 0, self.start);
                self.drafts.push(r);
            }
        } else {
            let e = sample_event(rng, self.next_event, self.start);
            self.next_event += 1;
            reports::reports_for_event(rng, &e, self.start, &mut self.drafts);
            let correctable = self.drafts.iter().position(|d| {
                d.report.input.counts.killed.is_some()
                    && d.report.source_index == SourceRole::RussianMedia.index()
            });
            if let Some(i) = correctable {
                if rng.gen_bool(0.3) {
                    let c = reports::correction(rng, &self.drafts[i], i, &e, self.start);
                    self.drafts.push(c);
                }
            }
        }
        // Within one event's reports, the order is creation order, so anything a
        // follow-up refers to is already queued before it.
        let base = self.yielded + self.buffer.len();
        for d in self.drafts.drain(..) {
            let mut input = d.report.input;
            if let Some(target) = d.refers_to {
                input.refers_to = Some((base + target + 1) as i64);
            }
            let s = d.report.source_index;
            self.seq[s] += 1;
            input.external_ref = Some(reports::external_ref(s, self.seq[s]));
            self.buffer.push_back(input);
        }
    }
}

impl Iterator for ReportStream {
    type Item = ReportInput;

    fn next(&mut self) -> Option<ReportInput> {
        if self.remaining == 0 {
            return None;
        }
        while self.buffer.is_empty() {
            self.refill();
        }
        self.remaining -= 1;
        self.yielded += 1;
        self.buffer.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for ReportStream {}
