//! String and number similarity functions. Every similarity is symmetric, lies in
//! [0, 1] and is 1 for identical inputs, whatever Unicode it is given.

/// Jaro–Winkler similarity (prefix scale 0.1, prefix up to 4 characters).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler_slices(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler_slices(&a, &b)
    }
}

pub(crate) fn jaro_winkler_slices<T: PartialEq + Copy + Ord>(a: &[T], b: &[T]) -> f64 {
    let j = jaro(a, b);
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    (j + prefix as f64 * 0.1 * (1.0 - j)).min(1.0)
}

/// Jaro similarity. The greedy matching depends on argument order, so the inputs
/// are put in a canonical order first to keep the result symmetric.
fn jaro<T: PartialEq + Copy + Ord>(a: &[T], b: &[T]) -> f64 {
    let (s, t) = if (a.len(), a) <= (b.len(), b) {
        (a, b)
    } else {
        (b, a)
    };
    if s.is_empty() {
        return if t.is_empty() { 1.0 } else { 0.0 };
    }
    // Flags live on the stack for ordinary names; only very long inputs allocate.
    let mut stack = [false; 2 * STACK];
    let mut heap = Vec::new();
    let flags: &mut [bool] = if s.len() + t.len() <= 2 * STACK {
        &mut stack[..s.len() + t.len()]
    } else {
        heap.resize(s.len() + t.len(), false);
        &mut heap
    };
    let (s_used, t_used) = flags.split_at_mut(s.len());
    let window = (t.len() / 2).saturating_sub(1);
    let mut matches = 0usize;
    for (i, &c) in s.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(t.len());
        for j in lo..hi {
            if !t_used[j] && t[j] == c {
                t_used[j] = true;
                s_used[i] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for i in 0..s.len() {
        if !s_used[i] {
            continue;
        }
        while !t_used[k] {
            k += 1;
        }
        if s[i] != t[k] {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    (m / s.len() as f64 + m / t.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0
}

/// Length up to which comparison buffers stay on the stack.
const STACK: usize = 64;

/// Levenshtein edit distance (insertions, deletions, substitutions), by characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    edit_distance(&a, &b)
}

/// `1 - distance / longer length`; 1 for two empty strings.
pub fn levenshtein_similarity(a: &str, b: &str) -> f64 {
    let la = a.chars().count();
    let lb = b.chars().count();
    if la == 0 && lb == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / la.max(lb) as f64
}

/// Levenshtein distance over any symbols.
fn edit_distance<T: PartialEq + Copy>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let w = b.len() + 1;
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Whether the transposition edit distance is at most `k`, skipping the work when
/// the lengths alone rule it out.
pub(crate) fn osa_within(a: &str, b: &str, k: usize) -> bool {
    osa_at_most_str(a, b, k).is_some()
}

/// The transposition edit distance when it is at most `k`.
pub(crate) fn osa_at_most_str(a: &str, b: &str, k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k * 4 {
        return None;
    }
    if a.is_ascii() && b.is_ascii() {
        osa_at_most(a.as_bytes(), b.as_bytes(), k)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa_at_most(&a, &b, k)
    }
}

/// The transposition edit distance when it is at most `k`. Stops as soon as a whole
/// row exceeds `k`, which for unrelated strings is after a few rows.
pub(crate) fn osa_at_most<T: PartialEq + Copy>(a: &[T], b: &[T], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    if a.is_empty() || b.is_empty() {
        let d = a.len().max(b.len());
        return (d <= k).then_some(d);
    }
    let w = b.len() + 1;
    let mut stack = [0u32; 3 * 33];
    let mut heap: Vec<u32> = Vec::new();
    let rows: &mut [u32] = if w <= 33 {
        &mut stack[..3 * w]
    } else {
        heap.resize(3 * w, 0);
        &mut heap
    };
    let (mut prev2, rest) = rows.split_at_mut(w);
    let (mut prev, mut cur) = rest.split_at_mut(w);
    for (j, x) in prev.iter_mut().enumerate() {
        *x = j as u32;
    }
    for i in 1..=a.len() {
        cur[0] = i as u32;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = u32::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min as usize > k {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()] as usize;
    (d <= k).then_some(d)
}

/// Letters two ASCII strings share, counted with multiplicity. It bounds both the
/// Jaro matches from above and the edit distance from below, so most unrelated
/// pairs are settled without running either algorithm.
pub(crate) fn shared_letters(a: &[u8], b: &[u8]) -> usize {
    let mut counts = [0i16; 128];
    for &c in a {
        counts[usize::from(c & 127)] += 1;
    }
    let mut m = 0usize;
    for &c in b {
        let slot = &mut counts[usize::from(c & 127)];
        if *slot > 0 {
            *slot -= 1;
            m += 1;
        }
    }
    m
}

/// True when the Jaro–Winkler similarity of two ASCII strings sharing `shared`
/// letters is certainly below `t`.
pub(crate) fn jaro_winkler_below(a: &[u8], b: &[u8], shared: usize, t: f64) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let m = shared as f64;
    let j = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    j + prefix * 0.1 * (1.0 - j) < t - 1e-12
}

/// Order-free similarity of two multi-word strings: each word is matched to its most
/// similar word on the other side (Jaro–Winkler), averaged both ways. "Usmonov
/// Sherzod" and "sherzod usmanov" score high although the word order differs.
pub fn token_set_similarity(a: &str, b: &str) -> f64 {
    let ta: Vec<&str> = a.split_whitespace().collect();
    let tb: Vec<&str> = b.split_whitespace().collect();
    match (ta.is_empty(), tb.is_empty()) {
        (true, true) => return if a == b { 1.0 } else { 0.0 },
        (true, false) | (false, true) => return 0.0,
        _ => {}
    }
    if a == b {
        return 1.0;
    }
    let one_way = |x: &[&str], y: &[&str]| {
        x.iter()
            .map(|s| y.iter().map(|t| jaro_winkler(s, t)).fold(0.0, f64::max))
            .sum::<f64>()
            / x.len() as f64
    };
    ((one_way(&ta, &tb) + one_way(&tb, &ta)) / 2.0).clamp(0.0, 1.0)
}

/// Strict order-free similarity: every word of the name with fewer words must have a
/// close partner on the other side; the weakest such partner decides. "Azamat
/// Sultanov" and "Azamat Khaydarov" share a given name but score low.
pub(crate) fn token_min_similarity(a: &str, b: &str) -> f64 {
    let ta: Vec<&str> = a.split_whitespace().collect();
    let tb: Vec<&str> = b.split_whitespace().collect();
    if ta.is_empty() || tb.is_empty() {
        return if ta.is_empty() && tb.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let worst = |x: &[&str], y: &[&str]| {
        x.iter()
            .map(|s| y.iter().map(|t| jaro_winkler(s, t)).fold(0.0, f64::max))
            .fold(1.0, f64::min)
    };
    match ta.len().cmp(&tb.len()) {
        std::cmp::Ordering::Less => worst(&ta, &tb),
        std::cmp::Ordering::Greater => worst(&tb, &ta),
        std::cmp::Ordering::Equal => worst(&ta, &tb).min(worst(&tb, &ta)),
    }
}

/// Jaccard overlap of two sorted, de-duplicated id lists; 1 when both are empty.
pub(crate) fn jaccard_sorted<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

/// Great-circle distance in kilometres.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

/// How far apart two numeric ranges are, relative to their size: 1 when they
/// overlap, falling towards 0 as the gap grows beyond the larger upper bound.
pub fn range_similarity(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (a0, a1) = (a.0.min(a.1), a.0.max(a.1));
    let (b0, b1) = (b.0.min(b.1), b.0.max(b.1));
    if !(a0.is_finite() && a1.is_finite() && b0.is_finite() && b1.is_finite()) {
        return 0.0;
    }
    let gap = (b0 - a1).max(a0 - b1).max(0.0);
    if gap == 0.0 {
        return 1.0;
    }
    let scale = a1.abs().max(b1.abs()).max(1.0);
    (1.0 - gap / scale).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 1e-3);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(osa_at_most_str("19560409", "19564009", 3), Some(1));
        assert_eq!(levenshtein("19560409", "19564009"), 2);
        assert_eq!(levenshtein("Усмонов", "Усманов"), 1);
        assert!(osa_within("pridham street", "pridhamstreet", 2));
        assert!(!osa_within("pridham street", "hoseason street", 2));
        assert!(osa_within("Усмонов", "Усманов", 1));
        assert_eq!(osa_at_most(b"19560409", b"19564009", 2), Some(1));
        assert_eq!(osa_at_most(b"19560409", b"20011231", 2), None);
    }

    #[test]
    fn jaro_winkler_bound_never_rules_out_a_close_pair() {
        let words = [
            "martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "green", "mitchell",
            "usmanav", "a",
        ];
        for x in words {
            for y in words {
                let jw = jaro_winkler(x, y);
                for t in [0.8, 0.92] {
                    if jaro_winkler_below(
                        x.as_bytes(),
                        y.as_bytes(),
                        shared_letters(x.as_bytes(), y.as_bytes()),
                        t,
                    ) {
                        assert!(jw < t, "{x} {y} {jw}");
                    }
                }
            }
        }
        assert!(jaro_winkler_below(
            b"sultanov",
            b"khaydarov",
            shared_letters(b"sultanov", b"khaydarov"),
            0.92
        ));
    }

    #[test]
    fn token_set_ignores_order() {
        assert!(token_set_similarity("usmonov sherzod", "sherzod usmanov") > 0.9);
        assert!(token_set_similarity("usmonov sherzod", "ivanova anna") < 0.7);
        assert!(token_min_similarity("azamat sultanov", "azamat khaydarov") < 0.8);
        assert!(token_min_similarity("usmonov sherzod", "sherzod usmanov") > 0.85);
    }

    #[test]
    fn ranges_and_distance() {
        assert_eq!(range_similarity((3.0, 5.0), (5.0, 8.0)), 1.0);
        assert!(range_similarity((3.0, 5.0), (40.0, 50.0)) < 0.5);
        let d = haversine_km(40.5283, 72.7985, 40.9333, 73.0017);
        assert!(
            (d - 48.5).abs() < 2.0,
            "Osh to Jalal-Abad is about 48 km, got {d}"
        );
    }
}
