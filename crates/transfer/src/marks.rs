//! A year's attendance as the CTF carries it: the totals, and the marks as a string of two
//! characters a calendar day (morning then afternoon), `#` for a day with no session
//! (statutory.md §8).
//!
//! **The 2024 two-character codes.** The string has one character a session, and how CTF 25
//! encodes `C1`, `C2`, `J1` and `Y1`–`Y7` was not found (§8, unresolved). rollcall writes each
//! as its first letter: `C1` and `C2` as `C`, `J1` as `J`, `Y1`–`Y7` as `Y`. Every one keeps
//! its statistical category, which is what the totals and the next school's figures rest on:
//! `C`, `C1` and `C2` are authorised absence; `Y` (before 19 August 2024) and `Y1`–`Y7` are
//! not possible sessions; and a `J` on or after 19 August 2024 can only be `J1` (authorised),
//! because the 2006 `J` was removed that day. The exact code stays in the sending school's
//! register; the string is the next school's summary of it.

use jiff::ToSpan;
use jiff::civil::Date;
use rollcall_core::code::CODES_2024_IN_FORCE;
use rollcall_core::history::{SessionString, YearAttendance};
use rollcall_core::register::PupilId;
use rollcall_core::stats::pupil_tally;
use rollcall_core::{AcademicYear, Calendar, Code, DateRange, LaEstab, Register, Slot, Tally};

/// The character a session's mark travels as.
pub fn letter(code: Code) -> char {
    code.symbol().chars().next().unwrap_or('-')
}

/// Not marked: the register was not taken for the pupil in an open session.
pub const UNMARKED: char = '-';

/// The code a letter stands for on a date, for counting: the code itself, or for a letter that
/// stands for a 2024 two-character code, one of the codes it may be (they share a category).
pub fn code_of(letter: char, date: Date) -> Result<Option<Code>, String> {
    if letter == UNMARKED {
        return Ok(None);
    }
    let mut buffer = [0u8; 4];
    let symbol = letter.encode_utf8(&mut buffer);
    match Code::parse_on(symbol, date) {
        Ok(code) => Ok(Some(code)),
        Err(refused) if date >= CODES_2024_IN_FORCE => match letter {
            'J' => Ok(Some(Code::Interview)),
            'Y' => Ok(Some(Code::OtherUnavoidable)),
            _ => Err(refused.to_string()),
        },
        Err(refused) => Err(refused.to_string()),
    }
}

/// A pupil's years at this school, from the register: the totals are the statistics'
/// [`pupil_tally`] over each academic year, and the string runs from the first to the last
/// marked day of the year. Years with no possible session are left out.
pub fn school_years(
    register: &Register,
    id: PupilId,
    calendar: &Calendar,
    school: LaEstab,
    school_name: &str,
) -> Vec<YearAttendance> {
    let row = register.row(id);
    let marked: Vec<(Slot, Code)> = row.marks().collect();
    let (Some(&(first, _)), Some(&(last, _))) = (marked.first(), marked.last()) else {
        return Vec::new();
    };
    let (first_year, last_year) = (
        AcademicYear::of(first.key().date),
        AcademicYear::of(last.key().date),
    );
    (first_year.0..=last_year.0)
        .map(AcademicYear)
        .filter_map(|year| {
            let range = DateRange {
                first: year.first_day(),
                last: year.last_day(),
            };
            let tally = pupil_tally(register, id, range);
            if tally.possible == 0 {
                return None;
            }
            let (start, codes) = row.within(range);
            let first_marked = codes.iter().position(|&b| b != 0)?;
            let last_marked = codes.iter().rposition(|&b| b != 0)?;
            // Whole days: from the morning of the first marked day to the afternoon of the last.
            let from = first_marked - first_marked % 2;
            let to = (last_marked | 1).min(codes.len().saturating_sub(1));
            let mut marks = String::with_capacity(to + 2 - from);
            for offset in from..=to {
                let slot = Slot(start.0 + i32::try_from(offset).unwrap_or(0));
                let byte = codes.get(offset).copied().unwrap_or(0);
                marks.push(match Code::from_byte(byte) {
                    Some(code) => letter(code),
                    None if calendar.is_open(slot) => UNMARKED,
                    None => '#',
                });
            }
            if marks.len() % 2 == 1 {
                marks.push('#');
            }
            Some(YearAttendance {
                year,
                school,
                school_name: school_name.to_owned(),
                possible: count(tally.possible),
                attended: count(tally.attended()),
                authorised: count(tally.authorised),
                unauthorised: count(tally.unauthorised),
                sessions: Some(SessionString {
                    first: Slot(start.0 + i32::try_from(from).unwrap_or(0)).key().date,
                    marks,
                }),
            })
        })
        .collect()
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What a string counts to, and how many sessions in it were not marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    /// The sessions, by category.
    pub tally: Tally,
    /// Sessions with no mark.
    pub unmarked: u64,
}

/// Counts a string of marks from its first date; the error names the position, the character
/// and why it is not a mark for that date.
pub fn count_string(string: &SessionString) -> Result<Counted, String> {
    let chars: Vec<char> = string.marks.chars().collect();
    if chars.len() % 2 == 1 {
        return Err(format!(
            "holds {} characters; it has two a day (morning and afternoon)",
            chars.len()
        ));
    }
    let mut counted = Counted::default();
    for (day, pair) in chars.chunks(2).enumerate() {
        let date = i64::try_from(day)
            .ok()
            .and_then(|d| string.first.checked_add(d.days()).ok())
            .ok_or_else(|| "runs past the calendar's end".to_owned())?;
        for (half, &c) in pair.iter().enumerate() {
            match code_of(c, date) {
                Ok(Some(code)) => counted.tally.add_code(code, 1),
                Ok(None) => counted.unmarked += 1,
                Err(why) => {
                    let session = if half == 0 { "morning" } else { "afternoon" };
                    return Err(format!("{c:?} on the {session} of {date}: {why}"));
                }
            }
        }
    }
    Ok(counted)
}

/// Whether a year's totals agree with its string: attended and absent exactly, and possible
/// within the sessions left unmarked (some systems count an unmarked session as possible).
pub fn check_totals(year: &YearAttendance, counted: &Counted) -> Result<(), String> {
    let tally = counted.tally;
    let agree = |stated: u32, found: u64| u64::from(stated) == found;
    let possible = u64::from(year.possible);
    if !agree(year.attended, tally.attended())
        || !agree(year.authorised, tally.authorised)
        || !agree(year.unauthorised, tally.unauthorised)
        || possible < tally.possible
        || possible > tally.possible + counted.unmarked
    {
        return Err(format!(
            "the marks count {} possible, {} attended, {} authorised and {} unauthorised, \
             which the year's totals ({} possible, {} attended, {} authorised, {} unauthorised) \
             contradict",
            tally.possible,
            tally.attended(),
            tally.authorised,
            tally.unauthorised,
            year.possible,
            year.attended,
            year.authorised,
            year.unauthorised
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// Each code travels as a letter of the same statistical category (module docs; §8).
    #[test]
    fn every_code_keeps_its_category_on_the_way() {
        for &code in Code::ALL {
            let on = if code.check_date(date(2025, 1, 6)).is_ok() {
                date(2025, 1, 6)
            } else {
                date(2023, 1, 9)
            };
            let back = code_of(letter(code), on);
            assert_eq!(
                back.map(|c| c.map(Code::category)),
                Ok(Some(code.category())),
                "{code:?}"
            );
        }
    }

    #[test]
    fn letters_are_read_for_their_date() {
        let table = [
            ('J', date(2024, 9, 2), Ok(Some(Code::Interview))),
            ('J', date(2024, 3, 4), Ok(Some(Code::HistoricInterview))),
            ('Y', date(2025, 1, 6), Ok(Some(Code::OtherUnavoidable))),
            ('-', date(2025, 1, 6), Ok(None)),
        ];
        for (c, on, want) in table {
            assert_eq!(code_of(c, on), want, "{c} on {on}");
        }
        assert!(code_of('H', date(2025, 1, 6)).is_err(), "H ended in 2024");
        assert!(code_of('?', date(2025, 1, 6)).is_err());
    }

    #[test]
    fn strings_count_by_category_and_name_a_bad_mark() {
        let s = SessionString {
            first: date(2025, 1, 6),
            marks: "/\\NIC#LU-\\".to_owned(),
        };
        let counted = count_string(&s).map_err(|e| e.to_string());
        let Ok(counted) = counted else {
            panic!("{counted:?}");
        };
        assert_eq!(counted.tally.possible, 8);
        assert_eq!(counted.tally.attended(), 4);
        assert_eq!(counted.tally.authorised, 2);
        assert_eq!(counted.tally.unauthorised, 2);
        assert_eq!(counted.unmarked, 1);
        let bad = SessionString {
            first: date(2025, 1, 6),
            marks: "/\\/H".to_owned(),
        };
        let Err(why) = count_string(&bad) else {
            panic!("H after 2024 is refused");
        };
        assert!(why.contains("afternoon of 2025-01-07"), "{why}");
        let odd = SessionString {
            first: date(2025, 1, 6),
            marks: "/\\/".to_owned(),
        };
        assert!(count_string(&odd).is_err());
    }
}
