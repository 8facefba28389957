//! Text shown out of context: excerpts of messages for pages, webhook bodies and
//! alerts, one line each.

/// The text on one line (whitespace collapsed to single spaces), cut after `max`
/// characters with an ellipsis when there is more.
pub fn excerpt(text: &str, max: usize) -> String {
    // One pass: the words joined by single spaces, cut at `max` characters.
    let mut out = String::with_capacity(text.len().min(4 * max + 4));
    let mut count = 0;
    for (i, word) in text.split_whitespace().enumerate() {
        for c in (i > 0).then_some(' ').into_iter().chain(word.chars()) {
            if count == max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// [`excerpt`] in at most `max` characters, the ellipsis included (for bodies
/// with a documented length limit).
pub fn excerpt_within(text: &str, max: usize) -> String {
    let cut = excerpt(text, max);
    if cut.chars().count() <= max {
        return cut;
    }
    let mut within: String = cut.chars().take(max.saturating_sub(1)).collect();
    within.push('…');
    within
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The excerpt as first written: join the words, then cut.
    fn join_then_cut(text: &str, max: usize) -> String {
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() <= max {
            one_line
        } else {
            let mut s: String = one_line.chars().take(max).collect();
            s.push('…');
            s
        }
    }

    #[test]
    fn excerpts_collapse_whitespace_and_cut_at_max_characters() {
        let texts = [
            "",
            "   ",
            "one",
            "  two\twords \n",
            "åäö ÅÄÖ 😀 emoji  and\u{a0}nbsp",
            "exactly ten",
            "a b c d e f g h i j k l m n o p",
        ];
        for text in texts {
            for max in 0..40 {
                assert_eq!(
                    excerpt(text, max),
                    join_then_cut(text, max),
                    "{text:?} {max}"
                );
            }
        }
        assert_eq!(excerpt("a  b   c", 3), "a b…");
    }

    #[test]
    fn excerpt_within_collapses_and_cuts() {
        assert_eq!(excerpt_within("  a\n\tb  c ", 280), "a b c");
        let long = "å".repeat(400);
        let e = excerpt_within(&long, 280);
        assert_eq!(e.chars().count(), 280);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt_within(&"x".repeat(280), 280), "x".repeat(280));
    }
}
