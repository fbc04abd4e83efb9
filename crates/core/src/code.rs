//! The national attendance and absence codes.
//!
//! The School Attendance (Pupil Registration) (England) Regulations 2024, regulation 10 and
//! tables 1–5, set the codes in force from 19 August 2024. The codes of the 2006 regulations that
//! 2024 removed (`H`, `F`, `J` and the single `Y`) stay readable so that history keeps its meaning,
//! and are refused for sessions on or after that date; the codes 2024 created are refused before
//! it. See `statutory.md` §1 and §7.

use std::fmt;

use std::sync::LazyLock;

use jiff::civil::{Date, date};
use thiserror::Error;

/// The day the 2024 regulations came into force and the 2024 code set replaced the 2006 one.
pub const CODES_2024_IN_FORCE: Date = date(2024, 8, 19);

/// How a session counts in the statistics (statutory.md §1, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Present at school: `/ \ L`.
    Present,
    /// Attending an approved educational activity: counts as attendance.
    ApprovedActivity,
    /// Authorised absence.
    Authorised,
    /// Unauthorised absence.
    Unauthorised,
    /// Not a possible session: neither attendance nor absence.
    NotCounted,
    /// Administrative: not a possible session.
    Administrative,
}

impl Category {
    /// Whether a session in this category is a possible session.
    #[inline]
    pub fn is_possible(self) -> bool {
        matches!(
            self,
            Category::Present
                | Category::ApprovedActivity
                | Category::Authorised
                | Category::Unauthorised
        )
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::Present => "present",
            Category::ApprovedActivity => "approved educational activity",
            Category::Authorised => "authorised absence",
            Category::Unauthorised => "unauthorised absence",
            Category::NotCounted => "not counted",
            Category::Administrative => "administrative",
        }
    }
}

/// Which code set a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// In both the 2006 and the 2024 sets.
    Both,
    /// Created by the 2024 regulations: valid from 19 August 2024.
    From2024,
    /// Removed by the 2024 regulations: valid only before 19 August 2024.
    Before2024,
}

macro_rules! codes {
    ($( $variant:ident = $n:literal, $symbol:literal, $category:ident, $era:ident, $meaning:literal; )*) => {
        /// An attendance or absence code, as entered in the register for one session.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Code {
            $(
                #[doc = $meaning]
                $variant = $n,
            )*
        }

        impl Code {
            /// Every code, 2024 and historic.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The symbol written in the register.
            pub fn symbol(self) -> &'static str {
                match self { $(Code::$variant => $symbol,)* }
            }

            /// The statistical category.
            pub fn category(self) -> Category {
                match self { $(Code::$variant => Category::$category,)* }
            }

            /// The code set the code belongs to.
            pub fn era(self) -> Era {
                match self { $(Code::$variant => Era::$era,)* }
            }

            /// What the code means, in plain English.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }

            /// The code stored as this byte by [`Code::as_byte`].
            pub fn from_byte(byte: u8) -> Option<Code> {
                match byte { $($n => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    PresentAm = 1, "/", Present, Both, "Present at the start of the morning register";
    PresentPm = 2, "\\", Present, Both, "Present at the start of the afternoon register";
    Late = 3, "L", Present, Both, "Arrived late, before the register closed";
    LaArranged = 4, "K", ApprovedActivity, From2024, "Attending education arranged by the local authority";
    Visit = 5, "V", ApprovedActivity, Both, "On an educational visit or trip supervised by school staff";
    Sport = 6, "P", ApprovedActivity, Both, "Taking part in an approved sporting activity";
    WorkExperience = 7, "W", ApprovedActivity, Both, "On approved work experience";
    OtherActivity = 8, "B", ApprovedActivity, Both, "Attending another approved educational activity off site";
    DualRegistered = 9, "D", NotCounted, Both, "Attending another school where the pupil is also registered";
    Performance = 10, "C1", Authorised, From2024, "Leave for a regulated performance or regulated employment abroad";
    Medical = 11, "M", Authorised, Both, "Leave for a medical or dental appointment";
    Interview = 12, "J1", Authorised, From2024, "Leave for an interview for employment or another place of education";
    StudyLeave = 13, "S", Authorised, Both, "Study leave for a public examination";
    NotCompulsoryAge = 14, "X", NotCounted, Both, "Not of compulsory school age and not required to attend";
    PartTimeTimetable = 15, "C2", Authorised, From2024, "Leave on a temporary part-time timetable";
    ExceptionalLeave = 16, "C", Authorised, Both, "Leave of absence for exceptional circumstances";
    Travelling = 17, "T", Authorised, Both, "A mobile child travelling with a parent for their trade or business";
    Religious = 18, "R", Authorised, Both, "A day set apart for religious observance by the parent's religious body";
    Illness = 19, "I", Authorised, Both, "Unable to attend because of illness, physical or mental";
    Excluded = 20, "E", Authorised, Both, "Suspended or excluded, with no alternative provision made";
    NoAccess = 21, "Q", NotCounted, From2024, "Unable to attend: the local authority has not made access arrangements";
    TransportUnavailable = 22, "Y1", NotCounted, From2024, "Unable to attend: the transport normally provided is not available";
    TravelDisruption = 23, "Y2", NotCounted, From2024, "Unable to attend: widespread disruption to travel from an emergency";
    PartClosure = 24, "Y3", NotCounted, From2024, "Unable to attend: part of the school premises is closed";
    UnexpectedClosure = 25, "Y4", NotCounted, From2024, "Unable to attend: the whole school site is unexpectedly closed";
    Detention = 26, "Y5", NotCounted, From2024, "Unable to attend: in criminal justice detention";
    PublicHealth = 27, "Y6", NotCounted, From2024, "Unable to attend under public health guidance or law";
    OtherUnavoidable = 28, "Y7", NotCounted, From2024, "Unable to attend because of any other unavoidable cause";
    Holiday = 29, "G", Unauthorised, Both, "Absent on a holiday the school did not grant";
    ReasonNotEstablished = 30, "N", Unauthorised, Both, "Absent; the reason is not yet established";
    OtherUnauthorised = 31, "O", Unauthorised, Both, "Absent in other or unknown circumstances";
    ArrivedAfterClose = 32, "U", Unauthorised, Both, "Arrived after the register closed";
    Prospective = 33, "Z", Administrative, Both, "Prospective pupil, not yet on the admission register";
    PlannedClosure = 34, "#", Administrative, Both, "Planned whole-school closure";
    HistoricAgreedHoliday = 35, "H", Authorised, Before2024, "Agreed family holiday (before 19 August 2024)";
    HistoricExtendedHoliday = 36, "F", Authorised, Before2024, "Agreed extended family holiday (before September 2013)";
    HistoricInterview = 37, "J", ApprovedActivity, Before2024, "At an interview (before 19 August 2024)";
    HistoricEnforcedClosure = 38, "Y", NotCounted, Before2024, "Unable to attend due to exceptional circumstances (before 19 August 2024)";
}

/// Why a symbol cannot be entered for a session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    /// Not a code of either set.
    #[error("{0:?} is not an attendance code")]
    Unknown(String),
    /// A 2006 code used for a session from 19 August 2024.
    #[error(
        "{code} was withdrawn on 19 August 2024 and cannot be used for a session on {}",
        crate::text::human_date(.date)
    )]
    Withdrawn {
        /// The symbol.
        code: &'static str,
        /// The session's date.
        date: Date,
    },
    /// A 2024 code used for a session before it existed.
    #[error(
        "{code} was introduced on 19 August 2024 and cannot be used for a session on {}",
        crate::text::human_date(.date)
    )]
    NotYetIntroduced {
        /// The symbol.
        code: &'static str,
        /// The session's date.
        date: Date,
    },
}

impl Code {
    /// The byte this code is stored as: never 0, which means "no mark".
    #[inline]
    pub fn as_byte(self) -> u8 {
        self as u8
    }

    /// Reads a symbol of either code set, ignoring case and surrounding spaces.
    pub fn parse(symbol: &str) -> Result<Code, CodeError> {
        let symbol = symbol.trim();
        // A code is one or two characters: a few more show the mistake, and a long value is
        // never repeated whole.
        Code::from_bytes(symbol.as_bytes())
            .ok_or_else(|| CodeError::Unknown(symbol.chars().take(8).collect()))
    }

    /// Reads a symbol given as bytes, ignoring case.
    #[inline]
    pub fn from_bytes(symbol: &[u8]) -> Option<Code> {
        // Every symbol is one or two ASCII characters: a table indexed by both finds it in one
        // step, which matters when reading tens of millions of marks.
        static TABLE: LazyLock<Vec<u8>> = LazyLock::new(|| {
            let mut table = vec![0u8; 128 * 128];
            for &code in Code::ALL {
                for symbol in [code.symbol().to_owned(), code.symbol().to_ascii_lowercase()] {
                    let [first, rest @ ..] = symbol.as_bytes() else {
                        continue;
                    };
                    let second = rest.first().copied().unwrap_or(0);
                    let index = usize::from(*first) * 128 + usize::from(second);
                    if let Some(cell) = table.get_mut(index) {
                        *cell = code.as_byte();
                    }
                }
            }
            table
        });
        let index = match symbol {
            [a] if a.is_ascii() => usize::from(*a) * 128,
            [a, b] if a.is_ascii() && b.is_ascii() && *b != 0 => {
                usize::from(*a) * 128 + usize::from(b.to_ascii_uppercase())
            }
            _ => return None,
        };
        TABLE.get(index).copied().and_then(Code::from_byte)
    }

    /// Reads a symbol and checks it may be used for a session on `date`.
    pub fn parse_on(symbol: &str, date: Date) -> Result<Code, CodeError> {
        let code = Code::parse(symbol)?;
        code.check_date(date)?;
        Ok(code)
    }

    /// Checks that the code was in force on `date`.
    #[inline]
    pub fn check_date(self, date: Date) -> Result<(), CodeError> {
        match self.era() {
            Era::Before2024 if date >= CODES_2024_IN_FORCE => Err(CodeError::Withdrawn {
                code: self.symbol(),
                date,
            }),
            Era::From2024 if date < CODES_2024_IN_FORCE => Err(CodeError::NotYetIntroduced {
                code: self.symbol(),
                date,
            }),
            _ => Ok(()),
        }
    }

    /// What the code meant for a session on `date`; `B`, `C` and `#` meant more before 2024.
    pub fn meaning_on(self, date: Date) -> &'static str {
        if date >= CODES_2024_IN_FORCE {
            return self.meaning();
        }
        match self {
            Code::OtherActivity => "Educated off site (before 19 August 2024)",
            Code::ExceptionalLeave => {
                "Authorised leave for other circumstances, including performances and part-time timetables (before 19 August 2024)"
            }
            Code::PlannedClosure => {
                "Planned whole or partial school closure (before 19 August 2024)"
            }
            other => other.meaning(),
        }
    }

    /// Whether the session counts as a possible session.
    pub fn is_possible(self) -> bool {
        self.category().is_possible()
    }

    /// Whether the code counts as attendance (present or an approved educational activity).
    pub fn is_attendance(self) -> bool {
        matches!(
            self.category(),
            Category::Present | Category::ApprovedActivity
        )
    }

    /// Whether the code records a late arrival, for which minutes late may be kept.
    #[inline]
    pub fn is_late(self) -> bool {
        matches!(self, Code::Late | Code::ArrivedAfterClose)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Statutory.md §1: the 2024 codes and their statistical classes.
    #[test]
    fn categories_2024() {
        let table: &[(&str, Category)] = &[
            ("/ \\ L", Category::Present),
            ("K V P W B", Category::ApprovedActivity),
            ("C1 M J1 S C2 C T R I E", Category::Authorised),
            ("G N O U", Category::Unauthorised),
            ("D X Q Y1 Y2 Y3 Y4 Y5 Y6 Y7", Category::NotCounted),
            ("Z #", Category::Administrative),
        ];
        let mut seen = 0;
        for (symbols, category) in table {
            for symbol in symbols.split(' ') {
                let code = Code::parse_on(symbol, date(2025, 1, 6)).unwrap();
                assert_eq!(code.category(), *category, "{symbol}");
                assert_eq!(code.symbol(), symbol);
                assert_eq!(
                    code.is_possible(),
                    !matches!(category, Category::NotCounted | Category::Administrative)
                );
                seen += 1;
            }
        }
        let current = Code::ALL
            .iter()
            .filter(|c| c.era() != Era::Before2024)
            .count();
        assert_eq!(seen, current, "every 2024 code is in the table");
    }

    /// Statutory.md §7: the withdrawn codes keep their old classes for history only.
    #[test]
    fn historic_codes() {
        let before = date(2024, 7, 1);
        let after = date(2024, 8, 19);
        let table: &[(&str, Category)] = &[
            ("H", Category::Authorised),
            ("F", Category::Authorised),
            ("J", Category::ApprovedActivity),
            ("Y", Category::NotCounted),
        ];
        for (symbol, category) in table {
            assert_eq!(
                Code::parse_on(symbol, before).unwrap().category(),
                *category
            );
            let refused = Code::parse_on(symbol, after).unwrap_err();
            assert!(refused.to_string().contains("withdrawn"), "{refused}");
        }
        for symbol in ["K", "C1", "C2", "J1", "Q", "Y1", "Y7"] {
            let refused = Code::parse_on(symbol, date(2024, 8, 18)).unwrap_err();
            assert!(matches!(refused, CodeError::NotYetIntroduced { .. }));
        }
        assert!(Code::OtherActivity.meaning_on(before).contains("before"));
        assert!(!Code::OtherActivity.meaning_on(after).contains("before"));
    }

    #[test]
    fn parsing() {
        assert_eq!(Code::parse("c2").unwrap(), Code::PartTimeTimetable);
        assert_eq!(Code::parse(" N ").unwrap(), Code::ReasonNotEstablished);
        assert!(Code::parse("H1").is_err());
        assert!(Code::parse("").is_err());
        for &code in Code::ALL {
            assert_eq!(Code::from_byte(code.as_byte()), Some(code));
            assert_ne!(code.as_byte(), 0);
        }
        assert_eq!(Code::from_byte(0), None);
    }
}
