//! From a school's records to a file's pupil, and back: what a school sends, and what it keeps
//! of what it receives.

use jiff::civil::Date;
use rollcall_core::history::YearAttendance;
use rollcall_core::{Contact, LaEstab, Pupil, YearGroup};

use crate::TransferPupil;

/// A pupil to send: their record, contacts (the ended ones left out by the caller), the years
/// earlier schools sent, and this school's own years from its register, which stand in for any
/// earlier copy of the same years.
pub fn outgoing(
    pupil: &Pupil,
    contacts: Vec<Contact>,
    received: &[YearAttendance],
    own: Vec<YearAttendance>,
) -> TransferPupil {
    let mut attendance: Vec<YearAttendance> = received
        .iter()
        .filter(|r| !own.iter().any(|o| o.year == r.year && o.school == r.school))
        .cloned()
        .collect();
    attendance.extend(own);
    attendance.sort_by_key(|y| (y.year, y.school));
    let mut contacts = contacts;
    contacts.sort_by_key(|c| c.priority);
    TransferPupil {
        upn: pupil.upn,
        surname: pupil.legal_surname.clone(),
        forename: pupil.legal_forename.clone(),
        date_of_birth: pupil.date_of_birth,
        sex: pupil.sex,
        year_group: Some(pupil.year_group),
        contacts,
        attendance,
    }
}

/// Where a pupil arriving by CTF joins: their class, their starting day, and the year group to
/// use when the file gives none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placing {
    /// The registration group.
    pub reg_group: String,
    /// The starting day.
    pub entry_date: Date,
    /// The year group when the file has none.
    pub year_group: YearGroup,
}

/// The pupil record a received pupil becomes: a pupil already known keeps what the file does
/// not carry (free school meals, EAL, SEN, the name they are known by); the file's names, date
/// of birth and sex are the sending school's record and replace the school's.
pub fn incoming(received: &TransferPupil, known: Option<&Pupil>, placing: &Placing) -> Pupil {
    let year_group = received.year_group.unwrap_or(placing.year_group);
    Pupil {
        upn: received.upn,
        legal_surname: received.surname.clone(),
        legal_forename: received.forename.clone(),
        preferred_forename: known.and_then(|k| k.preferred_forename.clone()),
        date_of_birth: received.date_of_birth,
        sex: received.sex,
        year_group,
        reg_group: placing.reg_group.clone(),
        entry_date: Some(placing.entry_date),
        leaving_date: None,
        fsm: known.is_some_and(|k| k.fsm),
        eal: known.is_some_and(|k| k.eal),
        pupil_premium: known.is_some_and(|k| k.pupil_premium),
        sen: known
            .map(|k| k.sen)
            .unwrap_or(rollcall_core::SenStatus::None),
        school: None,
    }
}

/// The years a school keeps from a received pupil: every other school's. Its own years (a pupil
/// coming back) are already in its register.
pub fn received_years(received: &TransferPupil, own: Option<LaEstab>) -> Vec<YearAttendance> {
    received
        .attendance
        .iter()
        .filter(|y| Some(y.school) != own)
        .cloned()
        .collect()
}
