//! Free text a client sends (names, address lines): trimmed, bounded and
//! printable. One rule for every service that keeps such text, so a value one
//! service accepts another does not refuse (a saved address becomes an
//! order's, for instance).

/// Why a text was refused; [`TextProblem::message`] words it for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong {
        max: usize,
    },
    /// A control character (a line break, a NUL, an escape…) or a character
    /// that reorders the text around it (see [`is_unprintable`]).
    Unprintable,
}

impl TextProblem {
    pub fn message(self, field: &str) -> String {
        match self {
            Self::Empty => format!("{field} must not be empty"),
            Self::TooLong { max } => format!("{field} may have at most {max} characters"),
            Self::Unprintable => {
                format!("{field} must not contain control characters or text-direction overrides")
            }
        }
    }
}

/// Characters a one-line text never needs and that change how it reads:
/// control characters (Unicode `Cc`), the line and paragraph separators, and
/// the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), which can make a label or an invoice display something
/// other than what is stored ("Trojan Source", CVE-2021-42574).
pub fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `value` trimmed: 1 to `max` characters (Unicode scalar values), none of
/// them [unprintable](is_unprintable).
pub fn one_line(value: &str, max: usize) -> Result<String, TextProblem> {
    let value = value.trim();
    if value.is_empty() {
        return Err(TextProblem::Empty);
    }
    if value.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    if value.chars().any(is_unprintable) {
        return Err(TextProblem::Unprintable);
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_printable() {
        assert_eq!(one_line("  Ada Lovelace ", 12).unwrap(), "Ada Lovelace");
        assert_eq!(one_line("Zoë", 3).unwrap(), "Zoë", "counted in characters");
        assert_eq!(
            one_line("שלום", 4).unwrap(),
            "שלום",
            "right-to-left text is fine"
        );
        assert_eq!(one_line(" \t ", 10), Err(TextProblem::Empty));
        assert_eq!(one_line("abcd", 3), Err(TextProblem::TooLong { max: 3 }));
        for bad in [
            "a\nb",
            "a\rb",
            "a\0b",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{202A}b",
            "a\u{202B}b",
            "a\u{202C}b",
            "a\u{202D}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2067}b",
            "a\u{2068}b",
            "a\u{2069}b",
        ] {
            assert_eq!(one_line(bad, 10), Err(TextProblem::Unprintable), "{bad:?}");
        }
        assert_eq!(
            TextProblem::Unprintable.message("line1"),
            "line1 must not contain control characters or text-direction overrides"
        );
    }
}
