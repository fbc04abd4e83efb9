//! A school's attendance policy, as settings: who the school is, when its registers open and
//! close, its attendance target and its calendar.

use jiff::SignedDuration;
use jiff::civil::Time;
use thiserror::Error;

use crate::calendar::Calendar;
use crate::code::Code;
use crate::ids::{LaEstab, Urn};
use crate::procedures::Procedures;
use crate::session::Session;

/// The longest a register may stay open for late marks (`L`): 30 minutes, the same for every
/// session (*Working together to improve school attendance*, 2024; statutory.md §2).
pub const MAX_REGISTER_OPEN: SignedDuration = SignedDuration::from_mins(30);

/// When a session's register is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// The register begins to be taken.
    pub register_opens: Time,
    /// Pupils arriving after this are late (`L`); the same as `register_opens` unless the school
    /// allows arrivals for a few minutes after the register begins.
    pub late_after: Time,
    /// The register closes: pupils arriving after this are marked `U`.
    pub register_closes: Time,
    /// The session ends.
    pub session_ends: Time,
}

/// How a pupil's arrival time is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// In time: present.
    OnTime,
    /// Late, before the register closed: `L`, with the minutes after `late_after`.
    Late(u16),
    /// After the register closed, before the session ended: `U`, with the minutes late.
    AfterRegisterClosed(u16),
    /// After the session ended: not in attendance for this session.
    AfterSession,
}

/// Why a policy's settings are not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// Times out of order.
    #[error(
        "the {session} times must run in order: register opens, late after, register closes, session ends"
    )]
    TimesOutOfOrder {
        /// The session.
        session: Session,
    },
    /// The window for late marks is longer than the law allows.
    #[error(
        "the {session} register stays open for late marks from {late_after} to {closes}, {minutes} minutes; no more than 30 are allowed"
    )]
    RegisterOpenTooLong {
        /// The session.
        session: Session,
        /// When late marks begin.
        late_after: Time,
        /// When the register closes.
        closes: Time,
        /// How long it stays open.
        minutes: i64,
    },
    /// Morning and afternoon registers stay open for different lengths of time.
    #[error(
        "the register must stay open for the same time every session; the morning allows {am} minutes and the afternoon {pm}"
    )]
    WindowsDiffer {
        /// Minutes in the morning.
        am: i64,
        /// Minutes in the afternoon.
        pm: i64,
    },
    /// The morning must end before the afternoon starts.
    #[error("the morning session must end before the afternoon register opens")]
    SessionsOverlap,
    /// A target outside 0–100%.
    #[error("an attendance target is a percentage from 0 to 100; found {0}")]
    Target(String),
}

impl SessionTimes {
    /// Checks that the times run in order and that the register is open for late marks no longer
    /// than [`MAX_REGISTER_OPEN`].
    pub fn new(
        session: Session,
        register_opens: Time,
        late_after: Option<Time>,
        register_closes: Time,
        session_ends: Time,
    ) -> Result<SessionTimes, PolicyError> {
        let late_after = late_after.unwrap_or(register_opens);
        if !(register_opens <= late_after
            && late_after <= register_closes
            && register_closes < session_ends)
        {
            return Err(PolicyError::TimesOutOfOrder { session });
        }
        let times = SessionTimes {
            register_opens,
            late_after,
            register_closes,
            session_ends,
        };
        if times.late_window() > MAX_REGISTER_OPEN {
            return Err(PolicyError::RegisterOpenTooLong {
                session,
                late_after,
                closes: register_closes,
                minutes: times.late_window().as_mins(),
            });
        }
        Ok(times)
    }

    /// How long the register stays open for late marks.
    pub fn late_window(&self) -> SignedDuration {
        self.register_closes.duration_since(self.late_after)
    }

    /// Whether a late mark with `minutes` late fits this session: `L` for an arrival up to the
    /// register's close, `U` after it and before the session ends (statutory.md §2; seed 002
    /// "After 9.10am … the pupil … will be marked U"). Minutes count from `late_after`, as
    /// [`SessionTimes::arrival`] counts them.
    pub fn check_minutes_late(&self, code: Code, minutes: u16) -> Result<(), MinutesLate> {
        let at = self
            .late_after
            .checked_add(SignedDuration::from_mins(i64::from(minutes)))
            .map_err(|_| MinutesLate::AfterSession {
                minutes,
                ends: self.session_ends,
            })?;
        match (code, self.arrival(at)) {
            (Code::Late, Arrival::Late(_))
            | (Code::ArrivedAfterClose, Arrival::AfterRegisterClosed(_)) => Ok(()),
            (_, Arrival::OnTime) => Err(MinutesLate::NotLate {
                late_after: self.late_after,
            }),
            (_, Arrival::AfterSession) => Err(MinutesLate::AfterSession {
                minutes,
                ends: self.session_ends,
            }),
            (Code::Late, _) => Err(MinutesLate::AfterClose {
                minutes,
                closes: self.register_closes,
            }),
            _ => Err(MinutesLate::BeforeClose {
                minutes,
                closes: self.register_closes,
            }),
        }
    }

    /// The mark for a pupil arriving at `at`. Minutes late count from `late_after`.
    pub fn arrival(&self, at: Time) -> Arrival {
        let minutes = || {
            let late = at.duration_since(self.late_after).as_mins();
            u16::try_from(late).unwrap_or(u16::MAX)
        };
        if at <= self.late_after {
            Arrival::OnTime
        } else if at <= self.register_closes {
            Arrival::Late(minutes())
        } else if at < self.session_ends {
            Arrival::AfterRegisterClosed(minutes())
        } else {
            Arrival::AfterSession
        }
    }
}

/// A time of day as people read it: "09:15".
fn clock(time: &Time) -> String {
    time.strftime("%H:%M").to_string()
}

/// Why minutes late do not fit a late mark in a session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MinutesLate {
    /// No time after pupils are late.
    #[error("minutes late count from {}: give 1 or more", clock(.late_after))]
    NotLate {
        /// When pupils become late.
        late_after: Time,
    },
    /// `L` for an arrival after the register closed.
    #[error(
        "{minutes} minutes late is after the register closes at {}: that is U, not L",
        clock(.closes)
    )]
    AfterClose {
        /// The minutes given.
        minutes: u16,
        /// When the register closes.
        closes: Time,
    },
    /// `U` for an arrival before the register closed.
    #[error(
        "{minutes} minutes late is before the register closes at {}: that is L, not U",
        clock(.closes)
    )]
    BeforeClose {
        /// The minutes given.
        minutes: u16,
        /// When the register closes.
        closes: Time,
    },
    /// An arrival after the session ended.
    #[error(
        "{minutes} minutes late is after the session ends at {}: mark the pupil absent",
        clock(.ends)
    )]
    AfterSession {
        /// The minutes given.
        minutes: u16,
        /// When the session ends.
        ends: Time,
    },
}

/// An attendance target, in hundredths of a per cent (9600 is 96%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target(u16);

impl Target {
    /// A target of `hundredths` hundredths of a per cent.
    pub fn from_hundredths(hundredths: u16) -> Result<Target, PolicyError> {
        if hundredths <= 10_000 {
            Ok(Target(hundredths))
        } else {
            Err(PolicyError::Target(format!(
                "{}",
                f64::from(hundredths) / 100.0
            )))
        }
    }

    /// The target in hundredths of a per cent.
    pub fn hundredths(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&percent_text(self.0))
    }
}

/// A percentage given in hundredths, as a school writes it: "96%", "96.50%".
pub(crate) fn percent_text(hundredths: u16) -> String {
    if hundredths.is_multiple_of(100) {
        format!("{}%", hundredths / 100)
    } else {
        format!("{}.{:02}%", hundredths / 100, hundredths % 100)
    }
}

/// Who the school is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    /// The school's name.
    pub name: String,
    /// Its URN, when known.
    pub urn: Option<Urn>,
    /// Its LA/establishment number, when known.
    pub la_estab: Option<LaEstab>,
    /// The office's telephone number, for messages to parents.
    pub phone: Option<String>,
    /// The phase the DfE's national figures are published for, when set.
    pub phase: Option<Phase>,
}

/// A school's phase, as the DfE publishes absence for state-funded schools (statutory.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Primary (including lower and first schools).
    Primary,
    /// Secondary (including middle and upper schools deemed secondary).
    Secondary,
    /// Special.
    Special,
    /// Alternative provision and pupil referral units, published separately.
    AlternativeProvision,
}

impl Phase {
    /// Every phase.
    pub const ALL: [Phase; 4] = [
        Phase::Primary,
        Phase::Secondary,
        Phase::Special,
        Phase::AlternativeProvision,
    ];

    /// Its name in settings.
    pub fn id(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Secondary => "secondary",
            Phase::Special => "special",
            Phase::AlternativeProvision => "alternative_provision",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.id() == id)
    }

    /// How a person reads it.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Secondary => "secondary",
            Phase::Special => "special",
            Phase::AlternativeProvision => "alternative provision",
        }
    }
}

/// The weekly attendance summary emailed to the headteacher and whoever else the school names
/// (seed 001 §"Monitoring": attendance analysed weekly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklySummary {
    /// The addresses it goes to.
    pub to: Vec<String>,
    /// The day it goes, once that day's afternoon register has closed, with that week's
    /// figures; not in a week when the school is closed that day.
    pub day: jiff::civil::Weekday,
}

/// A school's attendance policy as settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The school.
    pub school: School,
    /// Morning register times.
    pub am: SessionTimes,
    /// Afternoon register times.
    pub pm: SessionTimes,
    /// The attendance the school expects of every pupil.
    pub attendance_target: Option<Target>,
    /// Hours of learning in a school day, for telling parents what absence costs (5 in seed 001
    /// annex 5 and seed 002's table).
    pub learning_hours_per_day: u32,
    /// Cohorts of fewer pupils than this are suppressed for those who may not see pupils (a
    /// trust's or the local authority's roles): the DfE suppresses small counts in its
    /// statistics so that no pupil can be picked out. 5 unless set.
    pub small_cohort: u64,
    /// Minutes after a register closes that its class teacher may still correct it; 0 (until
    /// it closes) unless the school allows longer (see `authority.rs`).
    pub teacher_correction_minutes: u16,
    /// The weekly summary, when the school has it sent.
    pub weekly_summary: Option<WeeklySummary>,
    /// The school calendar.
    pub calendar: Calendar,
    /// What the school does about absence; only the statutory duties unless set.
    pub procedures: Procedures,
}

impl Policy {
    /// Assembles a policy, checking that the sessions fit together.
    pub fn new(
        school: School,
        am: SessionTimes,
        pm: SessionTimes,
        attendance_target: Option<Target>,
        calendar: Calendar,
    ) -> Result<Policy, PolicyError> {
        if am.session_ends > pm.register_opens {
            return Err(PolicyError::SessionsOverlap);
        }
        let (am_window, pm_window) = (am.late_window().as_mins(), pm.late_window().as_mins());
        if am_window != pm_window {
            return Err(PolicyError::WindowsDiffer {
                am: am_window,
                pm: pm_window,
            });
        }
        Ok(Policy {
            school,
            am,
            pm,
            attendance_target,
            learning_hours_per_day: 5,
            small_cohort: 5,
            teacher_correction_minutes: 0,
            weekly_summary: None,
            calendar,
            procedures: Procedures::default(),
        })
    }

    /// The register times of a session.
    pub fn times(&self, session: Session) -> &SessionTimes {
        match session {
            Session::Am => &self.am,
            Session::Pm => &self.pm,
        }
    }

    /// Until when a class teacher may correct the register of a session: its close, and the
    /// school's window after.
    pub fn corrections_until(&self, key: crate::SessionKey) -> jiff::civil::DateTime {
        let closes = key
            .date
            .to_datetime(self.times(key.session).register_closes);
        closes
            .checked_add(jiff::SignedDuration::from_mins(i64::from(
                self.teacher_correction_minutes,
            )))
            .unwrap_or(closes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn t(h: i8, m: i8) -> Time {
        time(h, m, 0, 0)
    }

    /// Seed 002 (Beecroft Primary): register 8.30, late after 8.40, `U` after 9.10.
    fn beecroft_am() -> SessionTimes {
        SessionTimes::new(Session::Am, t(8, 30), Some(t(8, 40)), t(9, 10), t(12, 0)).unwrap()
    }

    #[test]
    fn minutes_late_fit_their_code() {
        // Seed 002: late after 8.40 (L), U after 9.10, the morning ends at 12.00.
        let am = beecroft_am();
        let table = [
            (Code::Late, 1, Ok(())),
            (Code::Late, 30, Ok(())),
            (
                Code::Late,
                31,
                Err("31 minutes late is after the register closes at 09:10: that is U, not L"),
            ),
            (Code::ArrivedAfterClose, 31, Ok(())),
            (Code::ArrivedAfterClose, 199, Ok(())),
            (
                Code::ArrivedAfterClose,
                20,
                Err("20 minutes late is before the register closes at 09:10: that is L, not U"),
            ),
            (
                Code::ArrivedAfterClose,
                200,
                Err("200 minutes late is after the session ends at 12:00: mark the pupil absent"),
            ),
            (
                Code::Late,
                9999,
                Err("9999 minutes late is after the session ends at 12:00: mark the pupil absent"),
            ),
            (
                Code::Late,
                0,
                Err("minutes late count from 08:40: give 1 or more"),
            ),
        ];
        for (code, minutes, expect) in table {
            assert_eq!(
                am.check_minutes_late(code, minutes)
                    .map_err(|e| e.to_string()),
                expect.map_err(str::to_owned),
                "{code} {minutes}"
            );
        }
    }

    #[test]
    fn arrivals() {
        let am = beecroft_am();
        let table = [
            (t(8, 25), Arrival::OnTime),
            (t(8, 40), Arrival::OnTime),
            (t(8, 41), Arrival::Late(1)),
            (t(9, 10), Arrival::Late(30)),
            (t(9, 11), Arrival::AfterRegisterClosed(31)),
            (t(11, 59), Arrival::AfterRegisterClosed(199)),
            (t(12, 0), Arrival::AfterSession),
        ];
        for (at, expect) in table {
            assert_eq!(am.arrival(at), expect, "{at}");
        }
    }

    #[test]
    fn register_window_rules() {
        // Statutory.md §2: at most 30 minutes.
        let err = SessionTimes::new(Session::Am, t(8, 30), None, t(9, 10), t(12, 0)).unwrap_err();
        assert!(err.to_string().contains("40 minutes"), "{err}");
        let err = SessionTimes::new(Session::Pm, t(13, 30), None, t(13, 15), t(15, 0)).unwrap_err();
        assert!(matches!(err, PolicyError::TimesOutOfOrder { .. }));
        // The same window every session.
        let pm = SessionTimes::new(Session::Pm, t(13, 15), None, t(13, 30), t(15, 15)).unwrap();
        let calendar = Calendar::from_open_slots([]);
        let school = School {
            name: "Beecroft".into(),
            urn: None,
            la_estab: None,
            phone: None,
            phase: None,
        };
        let err = Policy::new(school, beecroft_am(), pm, None, calendar).unwrap_err();
        assert!(matches!(err, PolicyError::WindowsDiffer { am: 30, pm: 15 }));
    }

    #[test]
    fn targets() {
        assert_eq!(Target::from_hundredths(9600).unwrap().to_string(), "96%");
        assert_eq!(Target::from_hundredths(9650).unwrap().to_string(), "96.50%");
        assert!(Target::from_hundredths(10_001).is_err());
    }
}
