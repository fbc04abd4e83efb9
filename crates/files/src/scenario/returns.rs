//! A scenario's admissions, deletions and returns: pupils who start during the term or leave
//! it, each deletion checked against its ground (regulation 9), and the returns the rules make
//! due by given dates (`rollcall-returns`), each with its last day.

use std::collections::BTreeSet;

use jiff::civil::Date;
use rollcall_core::admission::deletion::{self, Deletion, Facts, Ground};
use rollcall_core::admission::{Entry, Registration};
use rollcall_core::{Policy, Pupil, Register};
use rollcall_returns::{Kind, PupilFacts, School, due};
use serde::Deserialize;

use super::date;

/// A pupil's leaving: their last day on roll, the ground, and when the deletion was recorded.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLeaving {
    last_day: toml::value::Datetime,
    ground: String,
    recorded: Option<toml::value::Datetime>,
    other_school: Option<String>,
    evidence_date: Option<toml::value::Datetime>,
    enquiries: Option<String>,
}

/// The returns due on a day, exactly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReturns {
    at: toml::value::Datetime,
    due: Vec<RawDue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDue {
    #[serde(rename = "return")]
    kind: String,
    pupil: Option<String>,
    by: toml::value::Datetime,
}

impl RawLeaving {
    /// The last day on roll.
    pub(super) fn last_day(&self) -> Result<Date, String> {
        date(&self.last_day)
    }

    /// The deletion and the day it was recorded (the last day, unless it says).
    pub(super) fn deletion(&self) -> Result<(Deletion, Date), String> {
        let ground = Ground::parse(&self.ground)
            .ok_or_else(|| format!("{:?} is not a ground", self.ground))?;
        let leaving_date = self.last_day()?;
        let recorded = self
            .recorded
            .as_ref()
            .map(date)
            .transpose()?
            .unwrap_or(leaving_date);
        Ok((
            Deletion {
                ground,
                leaving_date,
                other_school: self.other_school.clone(),
                evidence_date: self.evidence_date.as_ref().map(date).transpose()?,
                enquiries: self.enquiries.clone(),
                confirmed: true,
                note: String::new(),
            },
            recorded,
        ))
    }
}

/// A pupil's admission and leaving, as the returns read them, and their entry where the
/// scenario says how they are registered.
pub(super) struct Movement {
    pub(super) admitted: Option<Date>,
    pub(super) left: Option<(Deletion, Date)>,
    pub(super) entry: Option<Entry>,
}

/// The entry of a pupil registered here and at another school (the subsidiary registration, as
/// at an alternative provision).
pub(super) fn dual_entry(other_school: &str) -> Entry {
    Entry {
        address: String::new(),
        last_school: String::new(),
        boarder: false,
        registration: Registration::Subsidiary,
        other_school: Some(other_school.to_owned()),
        future_address: None,
        next_school: None,
    }
}

/// Each deletion checked as the office's form checks it, on the day it was recorded.
pub(super) fn check_deletions(
    register: &Register,
    policy: &Policy,
    movements: &[Movement],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (pupil, movement) in register.pupils().iter().zip(movements) {
        let Some((deletion, recorded)) = &movement.left else {
            continue;
        };
        let unexplained_sessions = register
            .find(&pupil.upn)
            .map(|id| {
                deletion::unexplained_run(register.row(id), &policy.calendar, deletion.leaving_date)
            })
            .unwrap_or(0);
        // As the office sees them when deciding: still on roll.
        let on_roll = Pupil {
            leaving_date: None,
            ..pupil.clone()
        };
        let facts = Facts {
            pupil: &on_roll,
            entry: movement.entry.as_ref(),
            unexplained_sessions,
            today: *recorded,
        };
        if let Err(errors) = deletion::check(deletion, &facts) {
            let why: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            problems.push(format!(
                "{}'s deletion is refused: {}",
                pupil.name(),
                why.join("; ")
            ));
        }
    }
    problems
}

/// Whether the returns due on each listed day are exactly those the file names.
pub(super) fn check_returns(
    register: &Register,
    policy: &Policy,
    movements: &[Movement],
    expected: &[RawReturns],
) -> Result<Vec<String>, String> {
    let pupils: Vec<&Pupil> = register.pupils().iter().collect();
    let facts = pupils
        .iter()
        .zip(movements)
        .map(|(pupil, m)| PupilFacts {
            pupil,
            entry: m.entry.as_ref(),
            admitted: m.admitted,
            deletion: m.left.as_ref().map(|(d, on)| (d, *on)),
            contacts: Vec::new(),
            part_time: Vec::new(),
        })
        .collect();
    let school = School {
        register,
        calendar: &policy.calendar,
        settings: &policy.procedures.statutory.returns,
        pupils: facts,
    };
    let name = |upn| {
        pupils
            .iter()
            .find(|p| p.upn == upn)
            .map(|p| p.name())
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    for x in expected {
        let at = date(&x.at)?;
        let got: BTreeSet<(String, String, Date)> = due(&school, at)
            .into_iter()
            .map(|d| {
                (
                    d.key.kind.id().to_owned(),
                    d.key.upn.map(name).unwrap_or_default(),
                    d.due,
                )
            })
            .collect();
        let mut want = BTreeSet::new();
        for d in &x.due {
            Kind::parse(&d.kind).ok_or_else(|| format!("{:?} is not a kind of return", d.kind))?;
            want.insert((
                d.kind.clone(),
                d.pupil.clone().unwrap_or_default(),
                date(&d.by)?,
            ));
        }
        if got != want {
            problems.push(format!(
                "returns due at {at}: expected {want:?}, the rules make {got:?}"
            ));
        }
    }
    Ok(problems)
}
