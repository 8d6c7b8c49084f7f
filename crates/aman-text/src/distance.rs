//! Edit distances on short strings (names and their keys).

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) over
/// Unicode scalar values.
///
/// ```
/// assert_eq!(aman_text::edit_distance("osh", "ohs"), 1);
/// assert_eq!(aman_text::edit_distance("naryn", "nariman"), 3);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    bounded_edit_distance(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// [`edit_distance`] if it is at most `max`, else `None`; stops early, which is what
/// makes scanning many candidates cheap.
pub fn bounded_edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        return bounded_osa(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_osa(&a, &b, max)
}

fn bounded_osa<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a.is_empty() || b.is_empty() {
        let d = a.len().max(b.len());
        return (d <= max).then_some(d);
    }
    let w = b.len() + 1;
    // Three rows in one buffer: short keys (the usual case) stay on the stack.
    let mut stack = [0usize; 3 * 65];
    let mut heap = Vec::new();
    let buf: &mut [usize] = if w <= 65 {
        &mut stack[..3 * w]
    } else {
        heap.resize(3 * w, 0);
        &mut heap
    };
    let (mut p2, mut p1, mut cu) = (0, w, 2 * w);
    for j in 0..w {
        buf[p1 + j] = j;
    }
    for i in 1..=a.len() {
        buf[cu] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (buf[p1 + j] + 1)
                .min(buf[cu + j - 1] + 1)
                .min(buf[p1 + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(buf[p2 + j - 2] + 1);
            }
            buf[cu + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        (p2, p1, cu) = (p1, cu, p2);
    }
    let d = buf[p1 + b.len()];
    (d <= max).then_some(d)
}

/// Similarity in [0, 1]: one minus the edit distance over the longer length.
pub fn similarity(a: &str, b: &str) -> f64 {
    let n = a.chars().count().max(b.chars().count());
    if n == 0 {
        return 1.0;
    }
    1.0 - edit_distance(a, b) as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(bounded_edit_distance("kitten", "sitting", 2), None);
        assert_eq!(bounded_edit_distance("kitten", "sitting", 3), Some(3));
        assert!((similarity("abcd", "abce") - 0.75).abs() < 1e-12);
        assert_eq!(edit_distance("жалал", "жалол"), 1);
        let long_a = "a".repeat(100);
        let long_b = format!("{}b", "a".repeat(99));
        assert_eq!(edit_distance(&long_a, &long_b), 1);
    }
}
