//! The daily attendance data schools share with the DfE (the Education (Information About
//! Individual Pupils) (England) (Amendment) Regulations 2024; gov.uk, "Share your daily school
//! attendance data", the data items it lists): for one school day, each pupil on roll, their
//! characteristics and each session's mark. Checked first: every session of every pupil on roll
//! has its mark, so a register not taken holds the file back.
//!
//! The DfE's connector reads the MIS directly and its wire format is not published; this file
//! carries the same data items as a CSV (`docs/formats.md`) for a school to hand to it. Items
//! rollcall does not hold (ethnicity, previously looked after, expected leaving date) are
//! columns left empty.

use jiff::civil::Date;
use rollcall_core::{Calendar, Code, Flag, Pupil, Register, Session, Slot, Upn};

/// The file's columns.
pub const COLUMNS: [&str; 22] = [
    "urn",
    "la_code",
    "date",
    "session",
    "upn",
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "ethnicity",
    "year_group",
    "fsm",
    "sen_support",
    "ehcp",
    "looked_after",
    "previously_looked_after",
    "child_in_need",
    "child_protection_plan",
    "admission_date",
    "leaving_date",
    "attendance_code",
    "minutes_late",
];

/// What the file reads about one pupil besides the register.
#[derive(Debug, Clone)]
pub struct DailyPupil<'a> {
    /// The pupil.
    pub pupil: &'a Pupil,
    /// Their circumstances on the day.
    pub flags: &'a [Flag],
}

/// A day's file, or what holds it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daily {
    /// The day.
    pub date: Date,
    /// One row per pupil and session, in `COLUMNS` order.
    pub rows: Vec<Vec<String>>,
    /// Sessions of pupils on roll with no mark yet.
    pub missing: Vec<(Upn, Session)>,
}

impl Daily {
    /// Whether every session has its mark.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The day's data for the pupils on roll, of the sessions the school is open.
pub fn daily(
    register: &Register,
    calendar: &Calendar,
    date: Date,
    (urn, la_code): (&str, &str),
    pupils: &[DailyPupil<'_>],
) -> Daily {
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    let yes = |b: bool| if b { "true" } else { "false" }.to_owned();
    for p in pupils.iter().filter(|p| p.pupil.on_roll(date)) {
        let pupil = p.pupil;
        let Some(id) = register.find(&pupil.upn) else {
            continue;
        };
        let row = register.row(id);
        for session in Session::BOTH {
            let slot = Slot::new(date, session);
            if !calendar.is_open(slot) {
                continue;
            }
            let byte = usize::try_from(slot.0 - row.start.0)
                .ok()
                .and_then(|i| row.codes.get(i))
                .copied()
                .unwrap_or(0);
            let Some(code) = Code::from_byte(byte) else {
                missing.push((pupil.upn, session));
                continue;
            };
            let minutes = row
                .lates
                .iter()
                .find(|&&(s, _)| s == slot.0)
                .map(|&(_, m)| m.to_string())
                .unwrap_or_default();
            let flag = |f: Flag| yes(p.flags.contains(&f));
            rows.push(vec![
                urn.to_owned(),
                la_code.to_owned(),
                date.to_string(),
                session.to_string(),
                pupil.upn.to_string(),
                pupil.legal_forename.clone(),
                pupil.legal_surname.clone(),
                pupil.date_of_birth.to_string(),
                pupil.sex.code().to_owned(),
                String::new(),
                pupil.year_group.to_string(),
                yes(pupil.fsm),
                yes(pupil.sen == rollcall_core::SenStatus::Support),
                yes(pupil.sen == rollcall_core::SenStatus::Ehcp),
                flag(Flag::LookedAfter),
                String::new(),
                flag(Flag::SocialWorker),
                flag(Flag::ChildProtectionPlan),
                pupil.entry_date.map(|d| d.to_string()).unwrap_or_default(),
                pupil
                    .leaving_date
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                code.symbol().to_owned(),
                minutes,
            ]);
        }
    }
    Daily {
        date,
        rows,
        missing,
    }
}

/// The file as CSV, with a header row.
pub fn to_csv(daily: &Daily) -> Result<String, csv::Error> {
    crate::csv_text(COLUMNS, daily.rows.iter().map(Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rollcall_core::{DateRange, RegisterBuilder, Roll, SenStatus, Sex, Term, YearGroup};

    #[test]
    fn every_session_of_every_pupil_on_roll_or_the_file_waits() {
        let calendar = Calendar::from_terms(
            vec![Term {
                name: "Autumn 2025".into(),
                dates: DateRange {
                    first: date(2025, 9, 1),
                    last: date(2025, 12, 19),
                },
                half_term_break: None,
            }],
            vec![],
        )
        .unwrap();
        let pupil = |rest: &str, leaving| Pupil {
            upn: Upn::issue(rest).unwrap(),
            legal_surname: "Able".into(),
            legal_forename: "Amy".into(),
            preferred_forename: None,
            date_of_birth: date(2015, 3, 1),
            sex: Sex::Female,
            year_group: YearGroup::year(5).unwrap(),
            reg_group: "5A".into(),
            entry_date: None,
            leaving_date: leaving,
            fsm: true,
            eal: false,
            pupil_premium: false,
            sen: SenStatus::Ehcp,
            school: None,
        };
        let pupils = vec![
            pupil("801200005060", None),
            pupil("801200005061", None),
            // Left last week: not in the file.
            pupil("801200005062", Some(date(2025, 9, 5))),
        ];
        let roll = Roll::new(pupils.clone()).unwrap();
        let mut builder = RegisterBuilder::new(&roll);
        let day = date(2025, 9, 10);
        let mark = |b: &mut RegisterBuilder, who: &Pupil, session, code: &str, late| {
            let key = rollcall_core::SessionKey { date: day, session };
            b.record(
                &roll,
                &who.upn,
                key,
                Code::parse(code).unwrap(),
                late,
                Some(&calendar),
            )
            .unwrap();
        };
        mark(&mut builder, &pupils[0], Session::Am, "L", Some(12));
        mark(&mut builder, &pupils[0], Session::Pm, "\\", None);
        mark(&mut builder, &pupils[1], Session::Am, "I", None);
        let register = builder.finish(roll);
        let flags = [Flag::LookedAfter];
        let facts: Vec<DailyPupil<'_>> = pupils
            .iter()
            .map(|pupil| DailyPupil {
                pupil,
                flags: &flags,
            })
            .collect();
        let d = daily(&register, &calendar, day, ("100001", "801"), &facts);
        assert!(!d.complete());
        assert_eq!(d.missing, [(pupils[1].upn, Session::Pm)]);
        assert_eq!(d.rows.len(), 3);
        let csv = to_csv(&d).unwrap();
        assert!(
            csv.contains(&format!(
                "100001,801,2025-09-10,AM,{},Amy,Able,2015-03-01,F,,5,true,false,true,true,,false,false,,,L,12",
                pupils[0].upn
            )),
            "{csv}"
        );
    }
}
