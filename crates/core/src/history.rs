//! A pupil's attendance at a school over an academic year, as one school hands it to the next
//! (the Education (Pupil Information) (England) Regulations 2005 make attendance part of the
//! common transfer information). A school keeps what earlier schools sent: the figures are
//! theirs, not marks in its own register.

use jiff::civil::Date;

use crate::calendar::AcademicYear;
use crate::ids::LaEstab;
use crate::stats::Tally;

/// A pupil's attendance at one school in one academic year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearAttendance {
    /// The academic year.
    pub year: AcademicYear,
    /// The school, by LA and establishment number.
    pub school: LaEstab,
    /// The school's name.
    pub school_name: String,
    /// Possible sessions.
    pub possible: u32,
    /// Sessions attended (present or at an approved educational activity).
    pub attended: u32,
    /// Sessions of authorised absence.
    pub authorised: u32,
    /// Sessions of unauthorised absence.
    pub unauthorised: u32,
    /// The marks themselves, when the school sent them.
    pub sessions: Option<SessionString>,
}

/// A run of marks, two characters a calendar day (morning, then afternoon) from its first
/// date: the common transfer file's way of carrying a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionString {
    /// The first date.
    pub first: Date,
    /// The marks.
    pub marks: String,
}

impl YearAttendance {
    /// The year's figures as a tally, so that every rate is the one statistics compute.
    pub fn tally(&self) -> Tally {
        Tally {
            possible: u64::from(self.possible),
            present: u64::from(self.attended),
            authorised: u64::from(self.authorised),
            unauthorised: u64::from(self.unauthorised),
            ..Tally::default()
        }
    }
}
