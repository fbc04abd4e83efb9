//! Which returns are due: the rules of the crate's documentation, each applied to what the
//! school holds.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rollcall_core::admission::of_compulsory_age;
use rollcall_core::procedures::Frequency;
use rollcall_core::runs::runs;
use rollcall_core::text::human_date;
use rollcall_core::triggers::{CONTINUOUS_SESSIONS, SICKNESS_SESSIONS, unauthorised};
use rollcall_core::{AcademicYear, Code, DateRange, Session, Slot};

use crate::{Due, Key, Kind, PupilFacts, School};

/// The new-pupil return's days after entry (regulation 13(1)).
const NEW_PUPIL_DAYS: i64 = 5;

/// Every return the rules ask for that fell due in the year up to `today`, or falls due later
/// for something already known, oldest first. The caller leaves out those already sent.
pub fn due(school: &School<'_>, today: Date) -> Vec<Due> {
    let since = today.checked_sub(1.year()).unwrap_or(today);
    let mut found = Vec::new();
    for facts in &school.pupils {
        new_pupil(school, facts, today, &mut found);
        deletion(school, facts, today, &mut found);
        part_time(facts, today, &mut found);
        absences(school, facts, today, &mut found);
    }
    attendance(school, today, &mut found);
    found.retain(|d| d.due >= since);
    found.sort_by(|a, b| a.due.cmp(&b.due).then(a.key.cmp(&b.key)));
    found
}

fn one(kind: Kind, facts: &PupilFacts<'_>, on: Date, due: Date, why: String) -> Due {
    Due {
        key: Key {
            kind,
            upn: Some(facts.pupil.upn),
            on,
            session: None,
        },
        due,
        pupils: vec![facts.pupil.upn],
        period: None,
        why,
    }
}

/// The first school day of the school year `date` falls in.
fn first_day_of_year(school: &School<'_>, date: Date) -> Option<Date> {
    let year = AcademicYear::of(date);
    school
        .calendar
        .terms()
        .iter()
        .map(|t| t.dates.first)
        .filter(|d| AcademicYear::of(*d) == year)
        .min()
}

/// The last school day of the school year `date` falls in.
fn last_day_of_year(school: &School<'_>, date: Date) -> Option<Date> {
    let year = AcademicYear::of(date);
    school
        .calendar
        .terms()
        .iter()
        .map(|t| t.dates.last)
        .filter(|d| AcademicYear::of(*d) == year)
        .max()
}

/// Regulation 13(1)-(3).
fn new_pupil(school: &School<'_>, facts: &PupilFacts<'_>, today: Date, found: &mut Vec<Due>) {
    let Some(admitted) = facts.admitted else {
        return;
    };
    let pupil = facts.pupil;
    // The name is entered on the starting day (regulation 8(1)), or when the admission was
    // recorded if that was later.
    let entered = pupil.entry_date.map_or(admitted, |s| s.max(admitted));
    if entered > today {
        return;
    }
    let settings = school.settings;
    let junior = settings.first_year == Some(pupil.year_group)
        && pupil.entry_date.is_some()
        && pupil.entry_date == first_day_of_year(school, entered);
    if junior && !settings.junior_returns_asked {
        return;
    }
    let due = entered
        .checked_add(NEW_PUPIL_DAYS.days())
        .unwrap_or(entered);
    let why = format!(
        "{} was entered in the admission register on {}",
        pupil.name(),
        human_date(&entered)
    );
    found.push(one(Kind::NewPupil, facts, entered, due, why));
}

/// Regulation 13(4)-(5).
fn deletion(school: &School<'_>, facts: &PupilFacts<'_>, today: Date, found: &mut Vec<Due>) {
    let Some((deletion, recorded)) = facts.deletion else {
        return;
    };
    if recorded > today {
        return;
    }
    let pupil = facts.pupil;
    let left = deletion.leaving_date;
    let completed_final_year = school.settings.final_year == Some(pupil.year_group)
        && last_day_of_year(school, left).is_some_and(|last| left >= last);
    if completed_final_year {
        return;
    }
    let why = format!(
        "{} was deleted under {} ({}), last day on roll {}",
        pupil.name(),
        deletion.ground.paragraph(),
        deletion.ground.title(),
        human_date(&left)
    );
    found.push(one(Kind::Deletion, facts, left, recorded, why));
}

/// The local authority told of each part-time timetable, unless it was told already.
fn part_time(facts: &PupilFacts<'_>, today: Date, found: &mut Vec<Due>) {
    for timetable in &facts.part_time {
        if timetable.la_informed.is_some() || timetable.starts > today {
            continue;
        }
        let why = format!(
            "{} is on a part-time timetable from {} to {}",
            facts.pupil.name(),
            human_date(&timetable.starts),
            human_date(&timetable.ends)
        );
        found.push(one(
            Kind::PartTime,
            facts,
            timetable.starts,
            timetable.starts,
            why,
        ));
    }
}

/// Sickness returns and CME referrals, from the pupil's marks.
fn absences(school: &School<'_>, facts: &PupilFacts<'_>, today: Date, found: &mut Vec<Due>) {
    let pupil = facts.pupil;
    let Some(id) = school.register.find(&pupil.upn) else {
        return;
    };
    let row = school.register.row(id);
    let until = Slot::new(today, Session::Pm);
    for run in runs(
        row,
        school.calendar,
        until,
        CONTINUOUS_SESSIONS,
        unauthorised,
    ) {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            continue;
        };
        let (start, met) = (first.key().date, last.key().date);
        if !of_compulsory_age(pupil, met) {
            continue;
        }
        let why = format!(
            "{} has been absent without authorisation for ten continuous school days, from {} to {}",
            pupil.name(),
            human_date(&start),
            human_date(&met)
        );
        found.push(one(Kind::Cme, facts, start, met, why));
    }
    sickness(facts, row.marks().take_while(|&(s, _)| s <= until), found);
}

/// One return for each continuous period of sickness, from the one in which the year's `I`
/// sessions reach 15 days; a period is continuous until the pupil attends, or is marked
/// anything but illness or a code that is not a possible session.
fn sickness(
    facts: &PupilFacts<'_>,
    marks: impl Iterator<Item = (Slot, Code)>,
    found: &mut Vec<Due>,
) {
    let mut year = None;
    let mut count = 0;
    let mut spell: Option<(Date, bool)> = None;
    for (slot, code) in marks {
        let date = slot.key().date;
        if year != Some(AcademicYear::of(date)) {
            year = Some(AcademicYear::of(date));
            count = 0;
            spell = None;
        }
        if code == Code::Illness {
            count += 1;
            let (start, made) = *spell.get_or_insert((date, false));
            if count >= SICKNESS_SESSIONS && !made {
                let why = format!(
                    "{} has been off sick for {} sessions this school year; this period of sickness began {}",
                    facts.pupil.name(),
                    count,
                    human_date(&start)
                );
                found.push(one(Kind::Sickness, facts, start, date, why));
                spell = Some((start, true));
            }
        } else if code.is_possible() {
            spell = None;
        }
    }
}

/// The periods of the attendance return that have ended by `today`, over this school year and
/// the one before.
fn periods(school: &School<'_>, today: Date) -> Vec<DateRange> {
    let year = AcademicYear::of(today);
    let Ok(start) = year.first_day().checked_sub(1.year()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match school.settings.attendance_every {
        Frequency::Monthly => {
            let mut first = start.first_of_month();
            while let Ok(next) = first.checked_add(1.month()) {
                let last = next.yesterday().unwrap_or(first);
                if last >= today {
                    break;
                }
                out.push(DateRange { first, last });
                first = next;
            }
        }
        every => {
            let weeks = if every == Frequency::Weekly { 1 } else { 2 };
            let monday = start.nth_weekday(-1, Weekday::Monday).unwrap_or(start);
            let mut first = monday;
            while let Ok(next) = first.checked_add((7 * weeks).days()) {
                let last = next.yesterday().unwrap_or(first);
                if last >= today {
                    break;
                }
                out.push(DateRange { first, last });
                first = next;
            }
        }
    }
    out.retain(|p| school.calendar.school_days_in(*p) > 0);
    out
}

/// The attendance return for each period: the pupils whose ten continuous school days of
/// unauthorised absence were met, or went on, within it. A period with none is a nil return.
/// The guidance fixes how often (at least monthly), not the day: rollcall asks for it on the
/// first school day after the period, once its registers are complete.
fn attendance(school: &School<'_>, today: Date, found: &mut Vec<Due>) {
    for period in periods(school, today) {
        let pupils: Vec<_> = school
            .pupils
            .iter()
            .filter(|f| absent_within(school, f, period))
            .map(|f| f.pupil.upn)
            .collect();
        let due = school
            .calendar
            .nth_school_day_after(period.last, 1)
            .unwrap_or(period.last);
        let why = match pupils.len() {
            0 => format!(
                "The period {} to {} has ended; no pupil was absent ten continuous school days without authorisation (a nil return)",
                human_date(&period.first),
                human_date(&period.last)
            ),
            n => format!(
                "The period {} to {} has ended; {n} pupil{} absent ten continuous school days without authorisation",
                human_date(&period.first),
                human_date(&period.last),
                if n == 1 { " was" } else { "s were" }
            ),
        };
        found.push(Due {
            key: Key {
                kind: Kind::Attendance,
                upn: None,
                on: period.first,
                session: None,
            },
            due,
            pupils,
            period: Some(period),
            why,
        });
    }
}

/// Whether a pupil's run of ten continuous unauthorised school days reached ten within the
/// period or was still going on in it.
pub(crate) fn absent_within(
    school: &School<'_>,
    facts: &PupilFacts<'_>,
    period: DateRange,
) -> bool {
    let Some(id) = school.register.find(&facts.pupil.upn) else {
        return false;
    };
    if !of_compulsory_age(facts.pupil, period.last) {
        return false;
    }
    let row = school.register.row(id);
    let until = Slot::new(period.last, Session::Pm);
    runs(
        row,
        school.calendar,
        until,
        CONTINUOUS_SESSIONS,
        unauthorised,
    )
    .iter()
    .filter_map(|run| run.last())
    .any(|met| {
        let met = met.key().date;
        period.first <= met || still_absent(school, facts, met, period)
    })
}

/// Whether the absence that met the rule on `met` went on into the period: every possible
/// session from then to the period's first one is unauthorised absence.
fn still_absent(school: &School<'_>, facts: &PupilFacts<'_>, met: Date, period: DateRange) -> bool {
    let Some(id) = school.register.find(&facts.pupil.upn) else {
        return false;
    };
    let from = Slot::new(met, Session::Pm);
    let to = Slot::new(period.last, Session::Pm);
    for (slot, code) in school.register.row(id).marks() {
        if slot < from || !code.is_possible() {
            continue;
        }
        if slot > to || !unauthorised(code) {
            return false;
        }
        if slot.key().date >= period.first {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests;
