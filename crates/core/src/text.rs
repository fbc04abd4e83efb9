//! What text rollcall keeps: how long each kind may be, and which characters it refuses.
//!
//! The register and everything beside it is read for years (regulation 7: every entry kept six
//! years) and printed in letters and evidence for a court, so text is what a person typed: no
//! NUL or other control characters (a NUL cannot be stored by PostgreSQL at all), and no more of
//! it than the thing it names could need.

use jiff::civil::Date;
use thiserror::Error;

/// A weekday's name: "Monday".
pub fn weekday_name(day: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday;
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// Whether text has the shape of an email address; the mail server has the last word.
pub fn looks_like_email(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !text.contains(' '))
}

/// A date as people read it: "Thu 19 Nov 2026".
pub fn human_date(date: &Date) -> String {
    date.strftime("%a %-d %b %Y").to_string()
}

/// The kinds of text, by how much of it there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A person's name or a name part: 100 characters.
    Name,
    /// A line: a username, a relationship, a phone number, an address line, a title: 200.
    Line,
    /// A reason, a note, a record's free text, an address: 5,000.
    Note,
    /// A message or letter wording: 20,000.
    Wording,
}

impl TextKind {
    /// The most characters it may have.
    pub fn longest(self) -> usize {
        match self {
            TextKind::Name => 100,
            TextKind::Line => 200,
            TextKind::Note => 5_000,
            TextKind::Wording => 20_000,
        }
    }

    /// Whether it may run over several lines.
    fn multiline(self) -> bool {
        matches!(self, TextKind::Note | TextKind::Wording)
    }
}

/// Why text is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    /// Longer than its kind allows.
    #[error("is {found} characters long; at most {longest} are kept")]
    TooLong {
        /// The limit.
        longest: usize,
        /// Its length.
        found: usize,
    },
    /// Holds a control character (NUL, escape, ...), or a line break where one line is kept.
    #[error("holds a control character (U+{code:04X}) at character {position}")]
    Control {
        /// The character's code point.
        code: u32,
        /// Where, from 1.
        position: usize,
    },
}

/// Checks text of a kind.
pub fn check_text(text: &str, kind: TextKind) -> Result<(), TextError> {
    let longest = kind.longest();
    let found = text.chars().count();
    if found > longest {
        return Err(TextError::TooLong { longest, found });
    }
    let allowed = |c: char| kind.multiline() && matches!(c, '\n' | '\r' | '\t');
    match text
        .chars()
        .enumerate()
        .find(|&(_, c)| c.is_control() && !allowed(c))
    {
        Some((i, c)) => Err(TextError::Control {
            code: u32::from(c),
            position: i + 1,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_by_kind() {
        let long_name = "a".repeat(101);
        let table: [(&str, TextKind, Result<(), TextError>); 8] = [
            ("Siobhán O'Connor-Smith", TextKind::Name, Ok(())),
            (
                &long_name,
                TextKind::Name,
                Err(TextError::TooLong {
                    longest: 100,
                    found: 101,
                }),
            ),
            (
                "Smith\0",
                TextKind::Name,
                Err(TextError::Control {
                    code: 0,
                    position: 6,
                }),
            ),
            ("Mother phoned\nill", TextKind::Note, Ok(())),
            (
                "Mother phoned\nill",
                TextKind::Line,
                Err(TextError::Control {
                    code: 10,
                    position: 14,
                }),
            ),
            ("tab\there", TextKind::Wording, Ok(())),
            (
                "esc\u{1b}[31m",
                TextKind::Note,
                Err(TextError::Control {
                    code: 0x1b,
                    position: 4,
                }),
            ),
            (
                "C1 \u{85} next line",
                TextKind::Note,
                Err(TextError::Control {
                    code: 0x85,
                    position: 4,
                }),
            ),
        ];
        for (text, kind, expect) in table {
            assert_eq!(check_text(text, kind), expect, "{text:?} as {kind:?}");
        }
        let huge = "x".repeat(20 * 1024 * 1024);
        assert!(matches!(
            check_text(&huge, TextKind::Name),
            Err(TextError::TooLong { longest: 100, .. })
        ));
    }
}
