//! Deletion from the admission register: regulation 9 of the 2024 Regulations. A name may be
//! deleted if, and only if, a ground applies; each ground here says what must hold and what the
//! school must have on file, and [`check`] refuses a deletion that lacks it.
//!
//! Grounds (a) to (e) follow the text of regulation 9(1) (legislation.gov.uk, SI 2024/208,
//! regulation 9, as made); (f) to (o) follow the local-authority summary of it (statutory.md
//! §3.3, [S7]). The detail of (h) (leave not returned from) and (j) (detention) was not seen in
//! the primary text, so for those the person deciding confirms the conditions the regulation
//! sets, and rollcall checks only what the register shows. Grounds for pupils not of compulsory
//! school age (regulation 9(3)) were not retrieved either: the deletion names its paragraph in
//! the note.

use jiff::civil::Date;

use super::{Entry, FieldError, compulsory_age_ends, of_compulsory_age};
use crate::calendar::{AcademicYear, Calendar};
use crate::code::Code;
use crate::pupil::Pupil;
use crate::register::RowView;
use crate::session::Slot;
use crate::text::{TextKind, check_text, human_date};

/// Sessions in 20 school days: regulation 9(1)(i).
pub const MISSING_SESSIONS: usize = 40;

/// A ground for deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ground {
    /// (a) Registered at another school (not a dual registration agreed by the school).
    OtherSchool,
    /// (b) Nursery education complete, not continuing into reception or above.
    NurseryComplete,
    /// (c) Dual registered, no longer attending here, and every other school consents.
    DualEnded,
    /// (d) A school attendance order amended by the local authority to name another school.
    OrderAmended,
    /// (e) A school attendance order revoked: suitable education arranged otherwise.
    OrderRevoked,
    /// (f) The parent has told the school in writing that the pupil will be educated otherwise
    /// than at school (elective home education).
    HomeEducation,
    /// (g) No longer lives within reasonable distance of the school (not for a boarder).
    MovedAway,
    /// (h) Not returned after leave of absence.
    LeaveNotReturned,
    /// (i) Continuously absent for 20 school days, every session `G`, `N` or `O`, and the
    /// school and the local authority, after jointly making reasonable enquiries, have failed
    /// to find the pupil.
    Missing,
    /// (j) Detained under a sentence of detention.
    Detained,
    /// (k) Has died.
    Died,
    /// (l) Will cease to be of compulsory school age and is not continuing into the sixth form.
    CompulsoryAgeEnds,
    /// (m) A boarder at a maintained school or academy whose boarding charges are unpaid at the
    /// end of the term.
    BoardingUnpaid,
    /// (n) Has ceased to be a pupil of an independent school or non-maintained special school.
    IndependentSchoolLeft,
    /// (o) Permanently excluded.
    PermanentlyExcluded,
    /// Regulation 9(3): a pupil not of compulsory school age, on a ground of that paragraph.
    NotCompulsoryAge,
}

/// What a ground needs on file beyond the person's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// The other school, by name.
    pub other_school: bool,
    /// What the dated document or event is ("the parent's written notice"), when one is needed.
    pub evidence: Option<&'static str>,
    /// The reasonable enquiries made jointly with the local authority.
    pub enquiries: bool,
}

impl Ground {
    /// Every ground, in the regulation's order.
    pub const ALL: [Ground; 16] = [
        Ground::OtherSchool,
        Ground::NurseryComplete,
        Ground::DualEnded,
        Ground::OrderAmended,
        Ground::OrderRevoked,
        Ground::HomeEducation,
        Ground::MovedAway,
        Ground::LeaveNotReturned,
        Ground::Missing,
        Ground::Detained,
        Ground::Died,
        Ground::CompulsoryAgeEnds,
        Ground::BoardingUnpaid,
        Ground::IndependentSchoolLeft,
        Ground::PermanentlyExcluded,
        Ground::NotCompulsoryAge,
    ];

    /// The ground's name in data: the sub-paragraph's letter, or `9(3)`.
    pub fn id(self) -> &'static str {
        let ids = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "9(3)",
        ];
        Ground::ALL
            .iter()
            .position(|&g| g == self)
            .and_then(|i| ids.get(i))
            .copied()
            .unwrap_or("9(3)")
    }

    /// Reads a ground's name.
    pub fn parse(id: &str) -> Option<Ground> {
        let id = id
            .trim()
            .trim_start_matches("9(1)")
            .trim_matches(['(', ')']);
        Ground::ALL
            .into_iter()
            .find(|g| g.id().trim_matches(['(', ')']) == id || (id == "3" && g.id() == "9(3)"))
    }

    /// The regulation: "regulation 9(1)(f)".
    pub fn paragraph(self) -> String {
        match self {
            Ground::NotCompulsoryAge => "regulation 9(3)".into(),
            g => format!("regulation 9(1)({})", g.id()),
        }
    }

    /// What the ground is, in a line.
    pub fn title(self) -> &'static str {
        match self {
            Ground::OtherSchool => "Registered at another school",
            Ground::NurseryComplete => "Nursery education complete, not continuing here",
            Ground::DualEnded => "Dual registration ended with the other school's consent",
            Ground::OrderAmended => "School attendance order amended to name another school",
            Ground::OrderRevoked => "School attendance order revoked",
            Ground::HomeEducation => "Parent's written notice of education at home",
            Ground::MovedAway => "No longer lives within reasonable distance",
            Ground::LeaveNotReturned => "Not returned after leave of absence",
            Ground::Missing => "Missing: 20 school days' absence and joint enquiries failed",
            Ground::Detained => "Detained under a sentence of detention",
            Ground::Died => "Has died",
            Ground::CompulsoryAgeEnds => "Ceases to be of compulsory school age, not staying on",
            Ground::BoardingUnpaid => "Boarding charges unpaid at the end of term",
            Ground::IndependentSchoolLeft => "Ceased to be a pupil of an independent school",
            Ground::PermanentlyExcluded => "Permanently excluded",
            Ground::NotCompulsoryAge => "Not of compulsory school age: a ground of 9(3)",
        }
    }

    /// What must hold, as the person deciding confirms it.
    pub fn conditions(self) -> &'static str {
        match self {
            Ground::OtherSchool => {
                "The pupil is registered at another school. Not where a school attendance order names this school, nor where this is a mobile child's main school, nor where the school agreed to dual registration."
            }
            Ground::NurseryComplete => {
                "The pupil was admitted for nursery education, it is complete, and they are not continuing into reception or a higher class here."
            }
            Ground::DualEnded => {
                "The pupil is also registered at another school, is not expected to attend here again, and every other school consents; no school attendance order names this school."
            }
            Ground::OrderAmended => {
                "The local authority has amended the pupil's school attendance order to name another school."
            }
            Ground::OrderRevoked => {
                "The local authority has revoked the school attendance order because suitable education is arranged otherwise than at school."
            }
            Ground::HomeEducation => {
                "A parent has told the school in writing that the pupil will be educated otherwise than at school."
            }
            Ground::MovedAway => {
                "The pupil no longer lives within a reasonable distance of the school, and is not a boarder."
            }
            Ground::LeaveNotReturned => {
                "The pupil has not returned after leave of absence, the school has no reasonable grounds to believe sickness or an unavoidable cause explains it, and the school and the local authority have jointly made reasonable enquiries and failed to find the pupil."
            }
            Ground::Missing => {
                "At least 20 school days' continuous absence, every session G, N or O; no reasonable grounds to believe sickness (including mental health) or an unavoidable cause explains it; the school and the local authority have jointly made reasonable enquiries and failed to find the pupil."
            }
            Ground::Detained => {
                "The pupil is detained under a sentence of detention of the length the regulation sets, and the school has no reasonable grounds to believe they will return at its end."
            }
            Ground::Died => "The pupil has died.",
            Ground::CompulsoryAgeEnds => {
                "The pupil will cease to be of compulsory school age before the school next meets, and is not continuing into the sixth form."
            }
            Ground::BoardingUnpaid => {
                "The pupil is a boarder at a maintained school or academy, board and lodging are payable by the parent, and they remain unpaid at the end of the term they relate to."
            }
            Ground::IndependentSchoolLeft => {
                "The pupil has ceased to be a pupil of this independent school or non-maintained special school."
            }
            Ground::PermanentlyExcluded => {
                "The pupil has been permanently excluded, and the exclusion stands after any review."
            }
            Ground::NotCompulsoryAge => {
                "The pupil is not of compulsory school age, and a ground of regulation 9(3) applies: name it in the note."
            }
        }
    }

    /// What the ground needs on file.
    pub fn needs(self) -> Needs {
        let evidence = |what| Needs {
            evidence: Some(what),
            ..Needs::default()
        };
        match self {
            Ground::OtherSchool => Needs {
                other_school: true,
                evidence: Some("the first day at the other school"),
                enquiries: false,
            },
            Ground::DualEnded => Needs {
                other_school: true,
                evidence: Some("the other school's consent"),
                enquiries: false,
            },
            Ground::OrderAmended => Needs {
                other_school: true,
                evidence: Some("the local authority's notice"),
                enquiries: false,
            },
            Ground::OrderRevoked => evidence("the local authority's notice"),
            Ground::HomeEducation => evidence("the parent's written notice"),
            Ground::LeaveNotReturned => Needs {
                evidence: Some("the last day of the leave"),
                enquiries: true,
                ..Needs::default()
            },
            Ground::Missing => Needs {
                enquiries: true,
                ..Needs::default()
            },
            Ground::Detained => evidence("the court's order"),
            Ground::Died => evidence("the date of death"),
            Ground::PermanentlyExcluded => evidence("the exclusion's final decision"),
            Ground::NurseryComplete
            | Ground::MovedAway
            | Ground::CompulsoryAgeEnds
            | Ground::BoardingUnpaid
            | Ground::IndependentSchoolLeft
            | Ground::NotCompulsoryAge => Needs::default(),
        }
    }
}

/// A deletion as the office records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The ground.
    pub ground: Ground,
    /// The last day on roll: from the next day the pupil is on no register.
    pub leaving_date: Date,
    /// The other school, where the ground names one.
    pub other_school: Option<String>,
    /// The date of the ground's document or event ([`Needs::evidence`]).
    pub evidence_date: Option<Date>,
    /// The enquiries made jointly with the local authority: with whom, when, what was found.
    pub enquiries: Option<String>,
    /// The person deciding confirms that the ground's conditions hold.
    pub confirmed: bool,
    /// Anything else the record should say.
    pub note: String,
}

/// What the register shows about the pupil, for checking a deletion.
pub struct Facts<'a> {
    /// The pupil.
    pub pupil: &'a Pupil,
    /// Their admission register entry, where one is held.
    pub entry: Option<&'a Entry>,
    /// Sessions of continuous `G`/`N`/`O` absence up to the leaving date ([`unexplained_run`]).
    pub unexplained_sessions: usize,
    /// The school's local date today.
    pub today: Date,
}

/// Checks a deletion against its ground; every problem is named with its field.
pub fn check(deletion: &Deletion, facts: &Facts<'_>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut refuse = |field, message: String| {
        errors.push(FieldError { field, message });
    };
    let pupil = facts.pupil;
    let ground = deletion.ground;
    let on = deletion.leaving_date;
    if pupil.leaving_date.is_some() {
        refuse("leaving_date", format!("{} has already left", pupil.name()));
    }
    if pupil.entry_date.is_some_and(|e| on < e) {
        refuse(
            "leaving_date",
            "The last day on roll is before the starting day".into(),
        );
    }
    let compulsory = of_compulsory_age(pupil, on);
    if ground == Ground::NotCompulsoryAge && compulsory {
        refuse(
            "ground",
            format!(
                "{} is of compulsory school age on {}: choose a ground of regulation 9(1)",
                pupil.name(),
                human_date(&on)
            ),
        );
    }
    if ground != Ground::NotCompulsoryAge && !compulsory {
        refuse(
            "ground",
            format!(
                "{} is not of compulsory school age on {}: the grounds are those of regulation 9(3)",
                pupil.name(),
                human_date(&on)
            ),
        );
    }
    let needs = ground.needs();
    let other = deletion
        .other_school
        .as_deref()
        .map(str::trim)
        .unwrap_or("");
    if needs.other_school && other.is_empty() {
        refuse("other_school", "Name the other school".into());
    }
    if let Some(what) = needs.evidence {
        match deletion.evidence_date {
            None => refuse("evidence_date", format!("Enter the date of {what}")),
            Some(d) if d > facts.today && ground != Ground::OtherSchool => refuse(
                "evidence_date",
                format!("The date of {what} is after today"),
            ),
            Some(_) => {}
        }
    }
    let enquiries = deletion.enquiries.as_deref().map(str::trim).unwrap_or("");
    if needs.enquiries && enquiries.is_empty() {
        refuse(
            "enquiries",
            "Record the reasonable enquiries made jointly with the local authority".into(),
        );
    }
    let registration = facts.entry.map(|e| e.registration);
    let boarder = facts.entry.is_some_and(|e| e.boarder);
    match ground {
        Ground::OtherSchool if registration.is_some_and(|r| r.is_dual()) => refuse(
            "ground",
            "The pupil is dual registered: a dual registration ends under 9(1)(c), with the other school's consent".into(),
        ),
        Ground::DualEnded if !registration.is_some_and(|r| r.is_dual()) => refuse(
            "ground",
            "The pupil is not dual registered here".into(),
        ),
        Ground::NurseryComplete if pupil.year_group.number() >= 0 => refuse(
            "ground",
            format!("{} is in year {}, not nursery", pupil.name(), pupil.year_group),
        ),
        Ground::MovedAway if boarder => refuse(
            "ground",
            "A boarder cannot be deleted for living too far away".into(),
        ),
        Ground::BoardingUnpaid if !boarder => refuse(
            "ground",
            "The pupil is not a boarder".into(),
        ),
        Ground::Missing if facts.unexplained_sessions < MISSING_SESSIONS => refuse(
            "ground",
            format!(
                "The register shows {} school days of continuous G, N or O absence up to {}; the ground needs 20",
                facts.unexplained_sessions / 2,
                human_date(&on)
            ),
        ),
        Ground::CompulsoryAgeEnds
            if AcademicYear::of(compulsory_age_ends(pupil.date_of_birth)) != AcademicYear::of(on) =>
        {
            refuse(
                "ground",
                format!(
                    "{} ceases to be of compulsory school age on {}, not in this school year",
                    pupil.name(),
                    human_date(&compulsory_age_ends(pupil.date_of_birth))
                ),
            )
        }
        Ground::NotCompulsoryAge if deletion.note.trim().is_empty() => refuse(
            "note",
            "Name the ground of regulation 9(3) in the note".into(),
        ),
        _ => {}
    }
    for (field, label, text, kind) in [
        ("other_school", "The other school", other, TextKind::Line),
        ("enquiries", "The enquiries", enquiries, TextKind::Note),
        ("note", "The note", deletion.note.as_str(), TextKind::Note),
    ] {
        if let Err(e) = check_text(text, kind) {
            refuse(field, format!("{label} {e}"));
        }
    }
    if !deletion.confirmed {
        refuse(
            "confirmed",
            format!("Confirm that the conditions of {} hold", ground.paragraph()),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The codes that make up a run of absence towards ground (i): `G`, `N` and `O`.
pub fn unexplained(code: Code) -> bool {
    matches!(
        code,
        Code::Holiday | Code::ReasonNotEstablished | Code::OtherUnauthorised
    )
}

/// The sessions of continuous `G`/`N`/`O` absence that end on or before `until`: counting back
/// from the last session marked, sessions that are not possible and closed ones are passed
/// over; any other mark, or a school session with no mark, ends the run.
pub fn unexplained_run(row: RowView<'_>, calendar: &Calendar, until: Date) -> usize {
    let last = Slot::new(until, crate::session::Session::Pm);
    let mut run = 0;
    let mut started = false;
    for (i, &byte) in row.codes.iter().enumerate().rev() {
        let Ok(offset) = i32::try_from(i) else {
            break;
        };
        let slot = Slot(row.start.0 + offset);
        if slot > last || !calendar.is_open(slot) {
            continue;
        }
        match Code::from_byte(byte) {
            None if !started => {}
            Some(code) if unexplained(code) => {
                started = true;
                run += 1;
            }
            Some(code) if !code.is_possible() => {}
            _ => break,
        }
    }
    run
}

#[cfg(test)]
mod tests;
