//! Sessions: the morning and afternoon halves of a school day, and a compact numbering of them.

use std::fmt;

use jiff::civil::{Date, Weekday, date};
use thiserror::Error;

/// The morning or the afternoon session (regulation 10(1): a register at the start of the morning
/// session and once during the afternoon session).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Session {
    /// The morning session.
    Am,
    /// The afternoon session.
    Pm,
}

/// Why a string is not a session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a session is AM or PM; found {0:?}")]
pub struct SessionError(String);

impl Session {
    /// Both sessions, in order.
    pub const BOTH: [Session; 2] = [Session::Am, Session::Pm];

    /// Reads `AM` or `PM`, ignoring case.
    pub fn parse(text: &str) -> Result<Session, SessionError> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("am") => Ok(Session::Am),
            t if t.eq_ignore_ascii_case("pm") => Ok(Session::Pm),
            t => Err(SessionError(t.to_owned())),
        }
    }

    /// `AM` or `PM`.
    pub fn as_str(self) -> &'static str {
        match self {
            Session::Am => "AM",
            Session::Pm => "PM",
        }
    }

    #[inline]
    fn index(self) -> i32 {
        match self {
            Session::Am => 0,
            Session::Pm => 1,
        }
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const EPOCH: Date = date(1970, 1, 1);

/// A date as a count of days since 1 January 1970, for dense arrays indexed by day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(pub i32);

impl Day {
    /// The day number of a date: the days-from-civil algorithm of Howard Hinnant's
    /// "chrono-Compatible Low-Level Date Algorithms", for the register's hot paths.
    #[inline]
    pub fn of(date: Date) -> Day {
        let (y, m, d) = (
            i32::from(date.year()),
            i32::from(date.month()),
            i32::from(date.day()),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        Day(era * 146_097 + day_of_era - 719_468)
    }

    /// The date of this day number: the same paper's civil-from-days, the inverse of
    /// [`Day::of`], since every report turns slots back into dates.
    #[inline]
    pub fn date(self) -> Date {
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        match (i16::try_from(year), i8::try_from(month), i8::try_from(day)) {
            (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).unwrap_or(EPOCH),
            _ => EPOCH,
        }
    }

    /// The day `n` days later (or earlier, for negative `n`).
    pub fn plus(self, n: i32) -> Day {
        Day(self.0 + n)
    }

    /// The day of the week; 1 January 1970 was a Thursday.
    pub fn weekday(self) -> Weekday {
        Weekday::Thursday.wrapping_add(self.0.rem_euclid(7))
    }

    /// The Monday that starts this day's week (weeks run Monday to Sunday).
    pub fn monday(self) -> Day {
        Day(self.0 - i32::from(self.weekday().to_monday_zero_offset()))
    }
}

/// One session of one day as a single number, `day * 2 + (0 for AM, 1 for PM)`, so that a pupil's
/// register is a dense row indexed by slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub i32);

impl Slot {
    /// The slot of a session.
    #[inline]
    pub fn new(date: Date, session: Session) -> Slot {
        Slot::of_day(Day::of(date), session)
    }

    /// The slot of a session on a numbered day.
    #[inline]
    pub fn of_day(day: Day, session: Session) -> Slot {
        Slot(day.0 * 2 + session.index())
    }

    /// The day of the slot.
    #[inline]
    pub fn day(self) -> Day {
        Day(self.0.div_euclid(2))
    }

    /// The session of the slot.
    #[inline]
    pub fn session(self) -> Session {
        if self.0.rem_euclid(2) == 0 {
            Session::Am
        } else {
            Session::Pm
        }
    }

    /// The slot as a date and session.
    pub fn key(self) -> SessionKey {
        SessionKey {
            date: self.day().date(),
            session: self.session(),
        }
    }
}

/// A session of a particular date, such as "2025-09-03 AM".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SessionKey {
    /// The date.
    pub date: Date,
    /// Morning or afternoon.
    pub session: Session,
}

impl SessionKey {
    /// The compact slot number of this session.
    #[inline]
    pub fn slot(self) -> Slot {
        Slot::new(self.date, self.session)
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_agree_with_jiff() {
        let mut d = date(1899, 12, 25);
        while d < date(2101, 1, 5) {
            let expected = d.duration_since(EPOCH).as_hours() / 24;
            assert_eq!(i64::from(Day::of(d).0), expected, "{d}");
            assert_eq!(Day::of(d).date(), d);
            d = d.tomorrow().unwrap();
        }
    }

    #[test]
    fn day_numbers_round_trip() {
        for d in [
            date(1970, 1, 1),
            date(2024, 2, 29),
            date(2025, 9, 1),
            date(2026, 11, 23),
            date(1969, 12, 31),
        ] {
            assert_eq!(Day::of(d).date(), d);
            assert_eq!(Day::of(d).weekday(), d.weekday(), "{d}");
        }
        assert_eq!(Day::of(date(2025, 9, 7)).monday().date(), date(2025, 9, 1));
        assert_eq!(Day::of(date(2025, 9, 1)).monday().date(), date(2025, 9, 1));
    }

    #[test]
    fn slots() {
        let am = Slot::new(date(2025, 9, 3), Session::Am);
        let pm = Slot::new(date(2025, 9, 3), Session::Pm);
        assert_eq!(pm.0, am.0 + 1);
        assert_eq!(pm.key().to_string(), "2025-09-03 PM");
        assert_eq!(Slot(-1).session(), Session::Pm);
        assert_eq!(Slot(-1).day(), Day(-1));
        assert_eq!(Session::parse("pm").unwrap(), Session::Pm);
        assert!(Session::parse("AM1").is_err());
    }
}
