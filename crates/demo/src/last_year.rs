//! Last year's marks beside this year's, so that every comparison with last year is filled in.

use rollcall_core::{AcademicYear, Calendar, PupilId, Register, RegisterBuilder};

use crate::{DemoConfig, DemoError, DemoSchool, english_school_year, generate};

/// A school's register with last year's marks added for each pupil on roll from the start of
/// this year, and its calendar with last year's terms.
pub fn with_last_year(school: DemoSchool, config: &DemoConfig) -> Result<DemoSchool, DemoError> {
    let this_year = config.year;
    let last_year = AcademicYear(this_year.0 - 1);
    let before = generate(&DemoConfig {
        pupils: config.pupils,
        seed: config.seed,
        year: last_year,
        through: None,
    })?;
    let roll = school.register.roll().clone();
    let mut builder = RegisterBuilder::new(&roll);
    for id in school.register.ids() {
        copy_marks(&mut builder, &school.register, id)?;
        // The same child a year before: the generator makes pupils in the same order, so the
        // same place holds the same name. A pupil who joined this year was elsewhere.
        let (Some(now), Some(then)) = (school.register.pupil(id), before.register.pupil(id)) else {
            continue;
        };
        if now.entry_date.is_some() || now.legal_surname != then.legal_surname {
            continue;
        }
        copy_marks(&mut builder, &before.register, id)?;
    }
    let mut policy = school.policy;
    let (mut terms, mut closures) = english_school_year(last_year);
    let (now_terms, now_closures) = english_school_year(this_year);
    terms.extend(now_terms);
    closures.extend(now_closures);
    policy.calendar = Calendar::from_terms(terms, closures)?;
    Ok(DemoSchool {
        policy,
        register: builder.finish(roll),
    })
}

/// Copies a pupil's marks, with their minutes late, from a register into a builder.
pub fn copy_marks(
    builder: &mut RegisterBuilder,
    from: &Register,
    id: PupilId,
) -> Result<(), DemoError> {
    let row = from.row(id);
    for (slot, code) in row.marks() {
        let minutes = row
            .lates
            .iter()
            .find(|(s, _)| *s == slot.0)
            .map(|(_, m)| *m);
        builder
            .insert(id, slot, code, minutes)
            .map_err(|_| DemoError::Duplicate(id))?;
    }
    Ok(())
}
