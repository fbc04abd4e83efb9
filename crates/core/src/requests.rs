//! What parents ask of the school: reports of absence and requests for leave of absence, the
//! rules for making them and the codes they become.

use jiff::civil::Date;
use thiserror::Error;

use crate::text::human_date;

use crate::calendar::AcademicYear;
use crate::code::Code;
use crate::procedures::Leave;

/// Why a parent says their child is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceReason {
    /// Illness (`I`).
    Illness,
    /// A medical or dental appointment (`M`).
    Medical,
    /// A day set apart for religious observance (`R`).
    Religious,
    /// Anything else: the office decides the code.
    Other,
}

impl AbsenceReason {
    /// Every reason, in the order a form offers them.
    pub const ALL: [AbsenceReason; 4] = [
        AbsenceReason::Illness,
        AbsenceReason::Medical,
        AbsenceReason::Religious,
        AbsenceReason::Other,
    ];

    /// The reason's name in data.
    pub fn id(self) -> &'static str {
        match self {
            AbsenceReason::Illness => "illness",
            AbsenceReason::Medical => "medical",
            AbsenceReason::Religious => "religious",
            AbsenceReason::Other => "other",
        }
    }

    /// Reads a reason's name.
    pub fn parse(text: &str) -> Option<AbsenceReason> {
        AbsenceReason::ALL.into_iter().find(|r| r.id() == text)
    }

    /// How a parent reads it.
    pub fn title(self) -> &'static str {
        match self {
            AbsenceReason::Illness => "Illness",
            AbsenceReason::Medical => "Medical or dental appointment",
            AbsenceReason::Religious => "Religious observance",
            AbsenceReason::Other => "Another reason",
        }
    }

    /// The code the office would usually enter on accepting it (statutory.md §1): `I`, `M`, `R`;
    /// another reason is the office's judgement, `O` unless they authorise it.
    pub fn usual_code(self) -> Code {
        match self {
            AbsenceReason::Illness => Code::Illness,
            AbsenceReason::Medical => Code::Medical,
            AbsenceReason::Religious => Code::Religious,
            AbsenceReason::Other => Code::OtherUnauthorised,
        }
    }
}

/// What leave of absence is asked for (regulation 11 of the 2024 regulations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveKind {
    /// Exceptional circumstances (`C`).
    Exceptional,
    /// Religious observance (`R` within the school's allowance, `C` beyond it).
    Religious,
    /// A medical or dental appointment (`M`).
    Medical,
    /// An interview for employment or another school or college (`J1`, reg 11(4)).
    Interview,
    /// Study leave for public examinations (`S`, reg 11(5)).
    Study,
}

impl LeaveKind {
    /// Every kind, in the order a form offers them.
    pub const ALL: [LeaveKind; 5] = [
        LeaveKind::Exceptional,
        LeaveKind::Religious,
        LeaveKind::Medical,
        LeaveKind::Interview,
        LeaveKind::Study,
    ];

    /// The kind's name in data.
    pub fn id(self) -> &'static str {
        match self {
            LeaveKind::Exceptional => "exceptional",
            LeaveKind::Religious => "religious",
            LeaveKind::Medical => "medical",
            LeaveKind::Interview => "interview",
            LeaveKind::Study => "study",
        }
    }

    /// Reads a kind's name.
    pub fn parse(text: &str) -> Option<LeaveKind> {
        LeaveKind::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How a parent reads it.
    pub fn title(self) -> &'static str {
        match self {
            LeaveKind::Exceptional => "Exceptional circumstances",
            LeaveKind::Religious => "Religious observance",
            LeaveKind::Medical => "Medical or dental appointment",
            LeaveKind::Interview => "Interview (work, school or college)",
            LeaveKind::Study => "Study leave for exams",
        }
    }

    /// The code granted sessions get. Religious observance is `R` for the school's allowance
    /// of days a year (one day per observance, statutory.md §10) and `C`, leave at the head's
    /// discretion, beyond it; `used_days` are the days of `R` already this year.
    pub fn granted_code(self, used_days: u32, days: u32, allowance: Option<u32>) -> Code {
        match self {
            LeaveKind::Exceptional => Code::ExceptionalLeave,
            LeaveKind::Religious => match allowance {
                Some(allowed) if used_days + days > allowed => Code::ExceptionalLeave,
                _ => Code::Religious,
            },
            LeaveKind::Medical => Code::Medical,
            LeaveKind::Interview => Code::Interview,
            LeaveKind::Study => Code::StudyLeave,
        }
    }
}

/// Where a report or request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// Waiting for the school.
    Pending,
    /// The school asked the parent for more.
    MoreInformation,
    /// An absence report the school accepted.
    Accepted,
    /// Leave granted in full.
    Granted,
    /// Leave granted for some of the days asked for.
    PartlyGranted,
    /// Leave refused.
    Refused,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 6] = [
        RequestStatus::Pending,
        RequestStatus::MoreInformation,
        RequestStatus::Accepted,
        RequestStatus::Granted,
        RequestStatus::PartlyGranted,
        RequestStatus::Refused,
    ];

    /// The status's name in data.
    pub fn id(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::MoreInformation => "more_information",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Granted => "granted",
            RequestStatus::PartlyGranted => "partly_granted",
            RequestStatus::Refused => "refused",
        }
    }

    /// Reads a status's name.
    pub fn parse(text: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.id() == text)
    }

    /// How a parent reads it.
    pub fn title(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Waiting for the school",
            RequestStatus::MoreInformation => "The school has asked for more information",
            RequestStatus::Accepted => "Accepted",
            RequestStatus::Granted => "Granted",
            RequestStatus::PartlyGranted => "Granted for some days",
            RequestStatus::Refused => "Refused",
        }
    }

    /// Whether the school still has to decide.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestStatus::Pending | RequestStatus::MoreInformation
        )
    }
}

/// Why a parent's report or request cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// The last day is before the first.
    #[error("the last day ({}) is before the first ({})", human_date(.last), human_date(.first))]
    Backwards {
        /// The first day.
        first: Date,
        /// The last day.
        last: Date,
    },
    /// Dates already past.
    #[error(
        "{} has passed: report absence for today or later, and ask the office about earlier days",
        human_date(.first)
    )]
    ReportInPast {
        /// The first day.
        first: Date,
    },
    /// Leave for dates already past.
    #[error("leave can only be asked for in advance; {} has passed", human_date(.first))]
    LeaveInPast {
        /// The first day.
        first: Date,
    },
    /// Too little notice.
    #[error(
        "the school asks for at least {notice_days} days' notice: ask by {} for leave from {}",
        human_date(.latest),
        human_date(.first)
    )]
    TooLate {
        /// The policy's notice.
        notice_days: u32,
        /// The first day asked for.
        first: Date,
        /// The last day a request for it could be made.
        latest: Date,
    },
    /// The parent does not live with the pupil.
    #[error("only a parent your child normally lives with can ask for leave of absence")]
    NotLivingWith,
    /// Leave that runs into another school year.
    #[error(
        "leave is asked for within one school year: ask for the days up to {}, and for later ones next year",
        human_date(.year_ends)
    )]
    AcrossYears {
        /// The last day of the school year the leave begins in.
        year_ends: Date,
    },
    /// Longer than the school's policy allows in one request.
    #[error("the school takes requests for at most {longest_days} days of leave at a time")]
    TooLong {
        /// The policy's longest request.
        longest_days: u32,
    },
}

impl RequestError {
    /// The field of the parent's form that is wrong: `first` or `last`.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::ReportInPast { .. }
            | RequestError::LeaveInPast { .. }
            | RequestError::TooLate { .. }
            | RequestError::NotLivingWith => "first",
            RequestError::Backwards { .. }
            | RequestError::AcrossYears { .. }
            | RequestError::TooLong { .. } => "last",
        }
    }
}

/// Checks an absence report's dates (seed 001 §5: parents report on the first day, or ahead).
pub fn check_report(first: Date, last: Date, today: Date) -> Result<(), RequestError> {
    if last < first {
        return Err(RequestError::Backwards { first, last });
    }
    if first < today {
        return Err(RequestError::ReportInPast { first });
    }
    Ok(())
}

/// Checks a leave request (regulation 11: made in advance by a parent the pupil normally lives
/// with; the policy's notice period, seed 001 §5 and seed 002 "Exceptional leave").
pub fn check_leave(
    first: Date,
    last: Date,
    today: Date,
    lives_with_pupil: bool,
    leave: Option<&Leave>,
) -> Result<(), RequestError> {
    if !lives_with_pupil {
        return Err(RequestError::NotLivingWith);
    }
    if last < first {
        return Err(RequestError::Backwards { first, last });
    }
    if first <= today {
        return Err(RequestError::LeaveInPast { first });
    }
    // One school year at a time: a request is decided against that year's calendar and
    // figures, and regulation 11's leave is for a stated period, not open-ended.
    let year = AcademicYear::of(first);
    if AcademicYear::of(last) != year {
        return Err(RequestError::AcrossYears {
            year_ends: year.last_day(),
        });
    }
    if let Some(l) = leave {
        if let Some(longest_days) = l.longest_days {
            let days = first
                .until(last)
                .map_or(i64::MAX, |span| i64::from(span.get_days()));
            if days >= i64::from(longest_days) {
                return Err(RequestError::TooLong { longest_days });
            }
        }
        let latest = first
            .checked_sub(jiff::Span::new().days(i64::from(l.notice_days)))
            .unwrap_or(first);
        if today > latest {
            return Err(RequestError::TooLate {
                notice_days: l.notice_days,
                first,
                latest,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn leave(notice_days: u32) -> Leave {
        Leave {
            notice_days,
            religious_observance_days: Some(2),
            place_at_risk_days: None,
            longest_days: Some(10),
            who: "Headteacher".into(),
            source: "test".into(),
        }
    }

    /// Regulation 11 and the seeds' notice periods (seed 001 §5: 14 days; seed 002: 28).
    #[test]
    fn leave_requests() {
        let today = date(2026, 11, 23);
        let cases = [
            // (first, last, lives with, notice, outcome)
            (date(2026, 12, 7), date(2026, 12, 8), true, 14, Ok(())),
            (
                date(2026, 12, 6),
                date(2026, 12, 8),
                true,
                14,
                Err("14 days' notice: ask by Sun 22 Nov 2026"),
            ),
            (date(2026, 12, 21), date(2026, 12, 21), true, 28, Ok(())),
            (
                date(2026, 12, 20),
                date(2026, 12, 21),
                true,
                28,
                Err("28 days"),
            ),
            (
                date(2026, 12, 7),
                date(2026, 12, 8),
                false,
                14,
                Err("normally lives with"),
            ),
            (
                date(2026, 11, 23),
                date(2026, 11, 24),
                true,
                0,
                Err("in advance"),
            ),
            (
                date(2026, 11, 20),
                date(2026, 11, 24),
                true,
                0,
                Err("in advance"),
            ),
            (
                date(2026, 12, 9),
                date(2026, 12, 8),
                true,
                14,
                Err("before the first"),
            ),
            // Within one school year, and no longer than the policy's longest request (here
            // ten days): not 400 days.
            (
                date(2026, 12, 7),
                date(2028, 1, 10),
                true,
                14,
                Err("within one school year: ask for the days up to Tue 31 Aug 2027"),
            ),
            (date(2026, 12, 7), date(2026, 12, 16), true, 14, Ok(())),
            (
                date(2026, 12, 7),
                date(2026, 12, 17),
                true,
                14,
                Err("at most 10 days of leave at a time"),
            ),
        ];
        for (first, last, lives_with, notice, want) in cases {
            let policy = leave(notice);
            let got = check_leave(first, last, today, lives_with, Some(&policy));
            match (got, want) {
                (Ok(()), Ok(())) => {}
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{first}: {e}"),
                (got, want) => panic!("{first}..{last}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn absence_reports_are_for_today_or_later() {
        let today = date(2026, 11, 23);
        assert!(check_report(today, today, today).is_ok());
        assert!(check_report(date(2026, 11, 24), date(2026, 11, 26), today).is_ok());
        assert!(matches!(
            check_report(date(2026, 11, 20), today, today),
            Err(RequestError::ReportInPast { .. })
        ));
        assert!(matches!(
            check_report(date(2026, 11, 25), date(2026, 11, 24), today),
            Err(RequestError::Backwards { .. })
        ));
    }

    /// Statutory.md §10: one day per observance as `R`; further days are leave (`C`).
    #[test]
    fn granted_codes() {
        let cases = [
            (LeaveKind::Exceptional, 0, 3, Some(2), "C"),
            (LeaveKind::Religious, 0, 2, Some(2), "R"),
            (LeaveKind::Religious, 1, 2, Some(2), "C"),
            (LeaveKind::Religious, 5, 1, None, "R"),
            (LeaveKind::Medical, 0, 1, None, "M"),
            (LeaveKind::Interview, 0, 1, None, "J1"),
            (LeaveKind::Study, 0, 5, None, "S"),
        ];
        for (kind, used, days, allowance, want) in cases {
            assert_eq!(
                kind.granted_code(used, days, allowance).symbol(),
                want,
                "{kind:?} {used}+{days}"
            );
        }
        for reason in AbsenceReason::ALL {
            assert_eq!(AbsenceReason::parse(reason.id()), Some(reason));
        }
        for status in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(status.id()), Some(status));
        }
    }
}
