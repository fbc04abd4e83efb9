//! The school's duties as keeper of personal data: who opened what (the access log), how long
//! register entries are kept, and when they may be erased.
//!
//! Regulation 7 of the School Attendance (Pupil Registration) (England) Regulations 2024: every
//! entry in the attendance register is preserved for at least six years from the date on which
//! it was made. After that, UK GDPR's storage limitation (Article 5(1)(e)) asks that what is no
//! longer needed goes; rollcall erases a session's entries only once the pupil has left and
//! every entry about that session is older than the school's retention period.

use jiff::civil::Date;
use jiff::{Span, ToSpan};

/// What a member of staff opened about a pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opened {
    /// The pupil's page: attendance, contacts and chronology.
    PupilRecord,
    /// The pupil's case file (stages, letters, meetings, plans).
    CaseFile,
    /// A letter about the pupil, printed or reprinted.
    Letter,
    /// The evidence pack prepared for the local authority.
    EvidencePack,
    /// A document a parent sent (such as a leave request's evidence).
    Document,
    /// The pupil's record, marks or ledger through the API.
    Api,
    /// Everything held about the pupil, for a subject-access request.
    SubjectAccess,
    /// The pupil's entry in the admission register, with its history.
    AdmissionEntry,
    /// A common transfer file of the pupil, for another school.
    TransferFile,
}

impl Opened {
    /// Every kind, for the pages that list them.
    pub const ALL: [Opened; 9] = [
        Opened::PupilRecord,
        Opened::CaseFile,
        Opened::Letter,
        Opened::EvidencePack,
        Opened::Document,
        Opened::Api,
        Opened::SubjectAccess,
        Opened::AdmissionEntry,
        Opened::TransferFile,
    ];

    /// The name it is stored under.
    pub fn as_str(self) -> &'static str {
        match self {
            Opened::PupilRecord => "pupil_record",
            Opened::CaseFile => "case_file",
            Opened::Letter => "letter",
            Opened::EvidencePack => "evidence_pack",
            Opened::Document => "document",
            Opened::Api => "api",
            Opened::SubjectAccess => "subject_access",
            Opened::AdmissionEntry => "admission_entry",
            Opened::TransferFile => "transfer_file",
        }
    }

    /// The kind stored under a name.
    pub fn parse(text: &str) -> Option<Opened> {
        Opened::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Opened::PupilRecord => "Pupil's page",
            Opened::CaseFile => "Case file",
            Opened::Letter => "Letter",
            Opened::EvidencePack => "Evidence pack",
            Opened::Document => "Parent's document",
            Opened::Api => "Through the API",
            Opened::SubjectAccess => "Subject-access export",
            Opened::AdmissionEntry => "Admission register entry",
            Opened::TransferFile => "Common transfer file",
        }
    }
}

/// The shortest retention the regulations allow, in years (reg 7).
pub const RETENTION_YEARS_MIN: i16 = 6;

/// A retention period shorter than the regulations allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "register entries are kept for at least {RETENTION_YEARS_MIN} years (regulation 7 of the \
     2024 regulations); {0} years is too short"
)]
pub struct RetentionTooShort(pub i16);

/// The first day whose entries are still kept: entries made before it are past retention.
pub fn retention_cutoff(today: Date, years: i16) -> Result<Date, RetentionTooShort> {
    if years < RETENTION_YEARS_MIN {
        return Err(RetentionTooShort(years));
    }
    // `years` is at most i16::MAX, and a date that far back saturates to the earliest date.
    let span: Span = i64::from(years).years();
    Ok(today.checked_sub(span).unwrap_or(Date::MIN))
}

/// Whether a session's entries may be erased: the pupil has left by `today`, and the session and
/// its latest entry (`last_entry`, the day the last amendment was made) are both before the
/// cutoff. A pupil still on roll keeps every entry.
pub fn past_retention(
    session: Date,
    last_entry: Date,
    left: Option<Date>,
    today: Date,
    cutoff: Date,
) -> bool {
    left.is_some_and(|left| left <= today) && session < cutoff && last_entry < cutoff
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_cutoff_is_six_years_or_more_back() {
        let today = date(2032, 9, 1);
        // Regulation 7: at least six years from the date of the entry.
        assert_eq!(retention_cutoff(today, 6), Ok(date(2026, 9, 1)));
        assert_eq!(retention_cutoff(today, 7), Ok(date(2025, 9, 1)));
        assert_eq!(retention_cutoff(today, 5), Err(RetentionTooShort(5)));
        assert_eq!(retention_cutoff(today, -1), Err(RetentionTooShort(-1)));
        assert_eq!(
            retention_cutoff(date(2030, 2, 28), 6),
            Ok(date(2024, 2, 28))
        );
    }

    #[test]
    fn only_a_leaver_s_old_entries_go() {
        let today = date(2032, 9, 1);
        let cutoff = date(2026, 9, 1);
        let old = date(2025, 3, 3);
        let left = Some(date(2026, 7, 20));
        // (session, last entry, left, past retention): reg 7 and storage limitation.
        let table = [
            (old, old, left, true),
            // Still on roll: everything is kept.
            (old, old, None, false),
            // Leaving in the future is not leaving yet.
            (old, old, Some(date(2032, 12, 1)), false),
            // Amended within the six years: the amendment is an entry of its own.
            (old, date(2027, 1, 5), left, false),
            // The day of the cutoff is kept.
            (cutoff, cutoff, left, false),
            (date(2026, 8, 31), date(2026, 8, 31), left, true),
        ];
        for (session, last_entry, left, expected) in table {
            assert_eq!(
                past_retention(session, last_entry, left, today, cutoff),
                expected,
                "{session} {last_entry} {left:?}"
            );
        }
    }

    #[test]
    fn each_kind_of_opening_reads_back() {
        for opened in Opened::ALL {
            assert_eq!(Opened::parse(opened.as_str()), Some(opened));
        }
        assert_eq!(Opened::parse("anything"), None);
    }
}
