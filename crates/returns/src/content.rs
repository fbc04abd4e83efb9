//! What each return holds, as a table: the same rows become the local authority's CSV, the
//! printed copy and the email. Each kind's columns are the information its rule names.

use rollcall_core::admission::Entry;
use rollcall_core::text::human_date;
use rollcall_core::{Contact, Pupil};

use crate::{Due, Kind, PupilFacts, School};

/// A return's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// "New pupil return: Finn Fox".
    pub title: String,
    /// The rule and why it is due, for the person checking it before it is sent.
    pub explanation: String,
    /// Column headings.
    pub columns: Vec<&'static str>,
    /// One row per pupil.
    pub rows: Vec<Vec<String>>,
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The parents the pupil normally lives with: names, addresses and telephone numbers, one
/// string each, "; " between parents (regulation 13(4)(c),(d)).
fn parents(contacts: &[&Contact]) -> [String; 3] {
    let living: Vec<&&Contact> = contacts.iter().filter(|c| c.lives_with_pupil).collect();
    let join =
        |f: &dyn Fn(&Contact) -> String| living.iter().map(|c| f(c)).collect::<Vec<_>>().join("; ");
    [
        join(&|c| c.name.clone()),
        join(&|c| c.address.clone().unwrap_or_default()),
        join(&|c| c.phones.first().cloned().unwrap_or_default()),
    ]
}

fn address(entry: Option<&Entry>, contacts: &[&Contact]) -> String {
    entry.map(|e| e.address.clone()).unwrap_or_else(|| {
        contacts
            .iter()
            .find(|c| c.lives_with_pupil)
            .and_then(|c| c.address.clone())
            .unwrap_or_default()
    })
}

const PUPIL: [&str; 5] = ["UPN", "Surname", "Forename", "Date of birth", "Sex"];

fn pupil_cells(p: &Pupil) -> Vec<String> {
    vec![
        p.upn.to_string(),
        p.legal_surname.clone(),
        p.legal_forename.clone(),
        p.date_of_birth.to_string(),
        p.sex.code().to_owned(),
    ]
}

/// The columns of a kind of return.
pub fn columns(kind: Kind) -> Vec<&'static str> {
    let mut c = PUPIL.to_vec();
    c.extend(match kind {
        Kind::NewPupil => &[
            "Preferred forename",
            "Year",
            "Class",
            "Starting day",
            "Address",
            "Parents lived with",
            "Their addresses",
            "Emergency telephone",
            "Other parents",
            "Last school",
            "Boarder",
            "Registration",
            "Other school",
        ][..],
        Kind::Deletion => &[
            "Address",
            "Parents lived with",
            "Their addresses",
            "Emergency telephone",
            "Future address",
            "Living there from",
            "New school",
            "New school from",
            "Ground",
            "Last day on roll",
        ][..],
        Kind::Attendance | Kind::Cme => &[
            "Address",
            "Parents lived with",
            "Emergency telephone",
            "Absent since",
            "Ten days met on",
        ][..],
        Kind::Sickness => &[
            "Address",
            "Parents lived with",
            "Period of sickness from",
            "Sessions off sick this year",
        ][..],
        Kind::PartTime => &[
            "Address",
            "From",
            "To",
            "Sessions not in school each week",
            "Reviews",
            "Agreed with",
        ][..],
        Kind::HomeSchool => &[
            "Date",
            "Session",
            "Mark here",
            "Meaning",
            "Mark for your register",
        ][..],
    });
    c
}

fn row(school: &School<'_>, due: &Due, f: &PupilFacts<'_>) -> Vec<String> {
    let p = f.pupil;
    let [names, addresses, phones] = parents(&f.contacts);
    let home = address(f.entry, &f.contacts);
    let mut cells = pupil_cells(p);
    match due.key.kind {
        Kind::NewPupil => {
            let others: Vec<String> = f
                .contacts
                .iter()
                .filter(|c| !c.lives_with_pupil && c.parental_responsibility)
                .map(|c| match &c.address {
                    Some(a) => format!("{} ({a})", c.name),
                    None => c.name.clone(),
                })
                .collect();
            let e = f.entry;
            cells.extend([
                p.preferred_forename.clone().unwrap_or_default(),
                p.year_group.to_string(),
                p.reg_group.clone(),
                date(p.entry_date),
                home,
                names,
                addresses,
                phones,
                others.join("; "),
                e.map(|e| e.last_school.clone()).unwrap_or_default(),
                if e.is_some_and(|e| e.boarder) {
                    "Boarder"
                } else {
                    "Day"
                }
                .to_owned(),
                e.map(|e| e.registration.code().to_owned())
                    .unwrap_or_default(),
                e.and_then(|e| e.other_school.clone()).unwrap_or_default(),
            ]);
        }
        Kind::Deletion => {
            let future = f.entry.and_then(|e| e.future_address.as_ref());
            let next = f.entry.and_then(|e| e.next_school.as_ref());
            let (ground, left) = f.deletion.map_or((String::new(), String::new()), |(d, _)| {
                (
                    format!("{}: {}", d.ground.paragraph(), d.ground.title()),
                    d.leaving_date.to_string(),
                )
            });
            cells.extend([
                home,
                names,
                addresses,
                phones,
                future
                    .map(|a| format!("{}, with {}", a.address, a.parent))
                    .unwrap_or_default(),
                date(future.and_then(|a| a.from)),
                next.map(|n| format!("{} {}", n.name, n.address).trim().to_owned())
                    .unwrap_or_default(),
                date(next.and_then(|n| n.from)),
                ground,
                left,
            ]);
        }
        Kind::Attendance | Kind::Cme => {
            let (since, met) = absence(school, due, f);
            cells.extend([home, names, phones, since, met]);
        }
        Kind::Sickness => {
            let sessions = school
                .register
                .find(&p.upn)
                .map(|id| {
                    let year = rollcall_core::AcademicYear::of(due.key.on);
                    school
                        .register
                        .row(id)
                        .marks()
                        .filter(|&(s, c)| {
                            c == rollcall_core::Code::Illness
                                && rollcall_core::AcademicYear::of(s.key().date) == year
                                && s.key().date <= due.due
                        })
                        .count()
                })
                .unwrap_or(0);
            cells.extend([home, names, due.key.on.to_string(), sessions.to_string()]);
        }
        Kind::PartTime => {
            let timetable = f.part_time.iter().find(|t| t.starts == due.key.on);
            let off = timetable.map(|t| {
                t.off
                    .iter()
                    .map(|s| format!("{} {}", weekday(s.weekday), s.session))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            cells.extend([
                home,
                date(timetable.map(|t| t.starts)),
                date(timetable.map(|t| t.ends)),
                off.unwrap_or_default(),
                timetable
                    .map(|t| {
                        t.reviews
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                timetable.map(|t| t.agreed_with.clone()).unwrap_or_default(),
            ]);
        }
        Kind::HomeSchool => {
            let session = due.key.session.unwrap_or(rollcall_core::Session::Am);
            let mark = school.register.find(&p.upn).and_then(|id| {
                school
                    .register
                    .mark(id, rollcall_core::Slot::new(due.key.on, session))
            });
            cells.extend([
                due.key.on.to_string(),
                session.to_string(),
                mark.map(|m| m.code.symbol().to_owned()).unwrap_or_default(),
                mark.map(|m| m.code.meaning_on(due.key.on).to_owned())
                    .unwrap_or_default(),
                rollcall_core::admission::home::HOME_SCHOOL_MARK
                    .symbol()
                    .to_owned(),
            ]);
        }
    }
    cells
}

fn weekday(n: i8) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri"]
        .get(usize::try_from(n - 1).unwrap_or(9))
        .copied()
        .unwrap_or("?")
}

/// When the run of unauthorised absence began and the day it reached ten school days.
fn absence(school: &School<'_>, due: &Due, f: &PupilFacts<'_>) -> (String, String) {
    let Some(id) = school.register.find(&f.pupil.upn) else {
        return Default::default();
    };
    let until = rollcall_core::Slot::new(
        due.period.map_or(due.due, |p| p.last),
        rollcall_core::Session::Pm,
    );
    let runs = rollcall_core::runs::runs(
        school.register.row(id),
        school.calendar,
        until,
        rollcall_core::triggers::CONTINUOUS_SESSIONS,
        rollcall_core::triggers::unauthorised,
    );
    let run = match due.key.kind {
        Kind::Cme => runs
            .iter()
            .find(|r| r.first().is_some_and(|s| s.key().date == due.key.on)),
        _ => runs.last(),
    };
    run.map(|r| {
        let day = |s: Option<&rollcall_core::Slot>| {
            s.map(|s| s.key().date.to_string()).unwrap_or_default()
        };
        (day(r.first()), day(r.last()))
    })
    .unwrap_or_default()
}

/// What a return holds.
pub fn content(school: &School<'_>, due: &Due) -> Table {
    let kind = due.key.kind;
    let rows: Vec<Vec<String>> = due
        .pupils
        .iter()
        .filter_map(|upn| school.pupil(upn))
        .map(|f| row(school, due, f))
        .collect();
    let about = match (due.period, due.pupils.as_slice()) {
        (Some(p), _) => format!("{} to {}", human_date(&p.first), human_date(&p.last)),
        (None, [one]) => school
            .pupil(one)
            .map(|f| f.pupil.name())
            .unwrap_or_default(),
        _ => String::new(),
    };
    Table {
        title: format!("{}: {about}", kind.title()),
        explanation: format!(
            "{}. {}. Due by {}.",
            kind.rule(),
            due.why,
            human_date(&due.due)
        ),
        columns: columns(kind),
        rows,
    }
}

/// The table as CSV, with a header row.
pub fn to_csv(table: &Table) -> Result<String, csv::Error> {
    crate::csv_text(
        table.columns.iter().copied(),
        table.rows.iter().map(Vec::as_slice),
    )
}

/// The table as an email's text: the explanation, then each pupil's fields one to a line.
pub fn to_text(table: &Table) -> String {
    let mut out = format!("{}\n\n{}\n", table.title, table.explanation);
    if table.rows.is_empty() {
        out.push_str("\nNo pupils: a nil return.\n");
    }
    for row in &table.rows {
        out.push('\n');
        for (column, cell) in table.columns.iter().zip(row) {
            if !cell.is_empty() {
                out.push_str(&format!("{column}: {cell}\n"));
            }
        }
    }
    out
}
