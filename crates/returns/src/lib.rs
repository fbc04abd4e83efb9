//! Returns to the local authority: which are due, when, and under which rule, from the
//! admission register, the attendance register, the case files and the school's settings; and
//! what each holds (`content`). Pure: the caller reads the records and the clock, and keeps what
//! was sent. A return is due until a record of its sending names its [`Key`].
//!
//! The rules and their sources (statutory.md §4):
//! - new-pupil return: by the end of the fifth day after the name is entered, except a pupil
//!   placed in the most junior class whose starting day is the first day of the school year,
//!   unless the local authority asked (regulation 13(1)–(3));
//! - deletion return: as soon as the ground is met and no later than the deletion, except a
//!   pupil who completed the school's final year (regulation 13(4)–(5));
//! - attendance return: at the frequency agreed with the local authority, at least monthly,
//!   naming each pupil absent for ten continuous school days with unauthorised codes;
//! - sickness return: a pupil coded `I` who will miss 15 school days through sickness, one
//!   return per continuous period of sickness in a school year;
//! - part-time timetable: the local authority told of each one (*Working together to improve
//!   school attendance* (2024), part-time timetables);
//! - children missing education: a referral when a pupil has been absent ten continuous school
//!   days without authorisation (seed 004 §"Children missing education"; seed 002 §8);
//! - absence notice to the home school: an alternative provision tells a dual-registered
//!   learner's home school of each absence, with the mark for its own register (seed 000
//!   "Absence procedures"; `rollcall_core::admission::home`). Made when the register closes,
//!   not listed as due: a notice the provision cannot send stays on the worklist.

pub mod census;
pub mod content;
pub mod daily;
mod due;

use std::fmt;

use jiff::civil::Date;
use rollcall_core::admission::Entry;
use rollcall_core::admission::deletion::Deletion;
use rollcall_core::casefile::PartTime;
use rollcall_core::procedures::ReturnSettings;
use rollcall_core::{Calendar, Contact, DateRange, Pupil, Register, Session, Upn};

pub use due::due;

/// A header and rows as CSV text: the form every file the crate makes goes out in.
pub fn csv_text<'a>(
    header: impl IntoIterator<Item = &'a str>,
    rows: impl IntoIterator<Item = &'a [String]>,
) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row)?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The kinds of return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A pupil entered in the admission register.
    NewPupil,
    /// A pupil deleted from it.
    Deletion,
    /// The periodic return of pupils absent ten continuous school days.
    Attendance,
    /// A pupil missing 15 school days through sickness.
    Sickness,
    /// A pupil on a part-time timetable.
    PartTime,
    /// A child missing education.
    Cme,
    /// A dual-registered learner's absence, told to their home school.
    HomeSchool,
}

impl Kind {
    /// Every kind, in the order the returns page lists them.
    pub const ALL: [Kind; 7] = [
        Kind::NewPupil,
        Kind::Deletion,
        Kind::Attendance,
        Kind::Sickness,
        Kind::PartTime,
        Kind::Cme,
        Kind::HomeSchool,
    ];

    /// Its name in data and addresses.
    pub fn id(self) -> &'static str {
        match self {
            Kind::NewPupil => "new_pupil",
            Kind::Deletion => "deletion",
            Kind::Attendance => "attendance",
            Kind::Sickness => "sickness",
            Kind::PartTime => "part_time",
            Kind::Cme => "cme",
            Kind::HomeSchool => "home_school",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// How the office knows it.
    pub fn title(self) -> &'static str {
        match self {
            Kind::NewPupil => "New pupil return",
            Kind::Deletion => "Deletion return",
            Kind::Attendance => "Attendance return",
            Kind::Sickness => "Sickness return",
            Kind::PartTime => "Part-time timetable notice",
            Kind::Cme => "Children missing education referral",
            Kind::HomeSchool => "Absence notice to the home school",
        }
    }

    /// The rule that asks for it.
    pub fn rule(self) -> &'static str {
        match self {
            Kind::NewPupil => {
                "Regulation 13(1)-(3): every detail in the admission register, by the end of the fifth day after the name is entered"
            }
            Kind::Deletion => {
                "Regulation 13(4)-(5): as soon as the ground for deletion is met, and no later than the deletion"
            }
            Kind::Attendance => {
                "The attendance return agreed with the local authority, at least monthly: pupils absent for ten continuous school days with unauthorised codes (G, N, O, U)"
            }
            Kind::Sickness => {
                "The sickness return: a pupil coded I who will miss 15 school days through sickness, one return for each continuous period in a school year"
            }
            Kind::PartTime => {
                "Working together to improve school attendance (2024): the local authority is told of every pupil on a part-time timetable"
            }
            Kind::Cme => {
                "Children missing education: a referral once a pupil has been absent ten continuous school days without authorisation"
            }
            Kind::HomeSchool => {
                "Seed 000 'Absence procedures': the home school is told of each absence of a dual-registered learner, records D for the session and makes its own enquiries"
            }
        }
    }

    /// Where it goes, by the school's settings; a home-school notice goes to the learner's
    /// lead contact there instead.
    pub fn address(self, settings: &ReturnSettings) -> Option<&str> {
        match self {
            Kind::HomeSchool => None,
            Kind::Cme => settings
                .cme_email
                .as_deref()
                .or(settings.la_email.as_deref()),
            _ => settings.la_email.as_deref(),
        }
    }
}

/// Which return: its kind, its pupil (none for the attendance return, which covers a period),
/// and its occasion (the day the pupil was entered, their last day, the start of a period of
/// absence or of the attendance return's period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The kind.
    pub kind: Kind,
    /// The pupil.
    pub upn: Option<Upn>,
    /// The occasion.
    pub on: Date,
    /// The session, for a return about one session (a home-school notice).
    pub session: Option<Session>,
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.upn {
            Some(upn) => write!(f, "{}:{upn}@{}", self.kind.id(), self.on)?,
            None => write!(f, "{}@{}", self.kind.id(), self.on)?,
        }
        match self.session {
            Some(Session::Am) => f.write_str("/am"),
            Some(Session::Pm) => f.write_str("/pm"),
            None => Ok(()),
        }
    }
}

impl Key {
    /// Reads a key as [`Key`]'s `Display` writes it.
    pub fn parse(text: &str) -> Option<Key> {
        let (head, occasion) = text.split_once('@')?;
        let (kind, upn) = match head.split_once(':') {
            Some((kind, upn)) => (kind, Some(Upn::parse(upn).ok()?)),
            None => (head, None),
        };
        let (on, session) = match occasion.split_once('/') {
            Some((on, "am")) => (on, Some(Session::Am)),
            Some((on, "pm")) => (on, Some(Session::Pm)),
            Some(_) => return None,
            None => (occasion, None),
        };
        Some(Key {
            kind: Kind::parse(kind)?,
            upn,
            on: on.parse().ok()?,
            session,
        })
    }
}

/// A return the rules ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Which.
    pub key: Key,
    /// The last day to make it.
    pub due: Date,
    /// The pupils it is about.
    pub pupils: Vec<Upn>,
    /// The attendance return's period.
    pub period: Option<DateRange>,
    /// What made it due, in a sentence.
    pub why: String,
}

impl Due {
    /// A home-school notice: one learner's mark for one session, and the mark for the home
    /// school's register. `why` says what prompted it.
    pub fn home_school(upn: Upn, on: Date, session: Session, why: String) -> Due {
        Due {
            key: Key {
                kind: Kind::HomeSchool,
                upn: Some(upn),
                on,
                session: Some(session),
            },
            due: on,
            pupils: vec![upn],
            period: None,
            why,
        }
    }
}

/// What the returns read about one pupil.
#[derive(Debug, Clone)]
pub struct PupilFacts<'a> {
    /// The pupil.
    pub pupil: &'a Pupil,
    /// Their admission register entry, if completed here.
    pub entry: Option<&'a Entry>,
    /// The day their admission was recorded here; `None` for a pupil entered elsewhere and
    /// imported.
    pub admitted: Option<Date>,
    /// Their deletion and the day it was recorded.
    pub deletion: Option<(&'a Deletion, Date)>,
    /// Their contacts.
    pub contacts: Vec<&'a Contact>,
    /// Their part-time timetables.
    pub part_time: Vec<&'a PartTime>,
}

/// A school as the returns read it.
pub struct School<'a> {
    /// The register, with every pupil entered.
    pub register: &'a Register,
    /// The calendar.
    pub calendar: &'a Calendar,
    /// The settings.
    pub settings: &'a ReturnSettings,
    /// Each pupil's facts.
    pub pupils: Vec<PupilFacts<'a>>,
}

impl School<'_> {
    /// A pupil's facts.
    pub fn pupil(&self, upn: &Upn) -> Option<&PupilFacts<'_>> {
        self.pupils.iter().find(|p| p.pupil.upn == *upn)
    }
}
