//! `pupils.csv`: the pupils on the admission register.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use rollcall_core::pupil::parse_flag;
use rollcall_core::{LaEstab, Pupil, Roll, SenStatus, Sex, TextKind, Upn, YearGroup, check_text};
use rustc_hash::FxHashMap;

use crate::error::{FileError, LoadError};
use crate::fields::{each_row, open_csv, parse_date, parse_optional_date};

/// The columns of `pupils.csv`, in the order rollcall writes them.
pub const PUPIL_COLUMNS: [&str; 13] = [
    "upn",
    "legal_surname",
    "legal_forename",
    "preferred_forename",
    "date_of_birth",
    "sex",
    "year_group",
    "reg_group",
    "entry_date",
    "leaving_date",
    "fsm",
    "eal",
    "sen",
];

/// An optional column naming each pupil's school, for files that hold several.
pub const SCHOOL_COLUMN: &str = "la_estab";

/// An optional column: the pupil premium (eligible for free school meals at any time in the
/// last six years, FSM6, or looked after or previously looked after); `false` when absent.
pub const PUPIL_PREMIUM_COLUMN: &str = "pupil_premium";

/// Reads `pupils.csv` into a roll, reporting every bad field up to [`MAX_REPORTED`].
pub fn read_pupils(path: &Path) -> Result<Roll, LoadError> {
    let (mut reader, header) = open_csv(path)?;
    let mut columns = [0usize; 13];
    for (slot, name) in columns.iter_mut().zip(PUPIL_COLUMNS) {
        *slot = header.required(path, name)?;
    }
    let school = header.optional(SCHOOL_COLUMN);
    let premium = header.optional(PUPIL_PREMIUM_COLUMN);
    let mut pupils = Vec::new();
    let mut lines: FxHashMap<Upn, u64> = FxHashMap::default();
    each_row(
        path,
        &mut reader,
        &header,
        |record, line, errors| match pupil_of(record, &columns, school, premium) {
            Ok(pupil) => {
                if let Some(first) = lines.insert(pupil.upn, line) {
                    errors.push(FileError::at(
                        path,
                        line,
                        Some("upn"),
                        format!("{} is already on line {first}", pupil.upn),
                    ));
                }
                pupils.push(pupil);
            }
            Err((field, reason)) => errors.push(FileError::at(path, line, Some(field), reason)),
        },
    )?;
    Roll::new(pupils).map_err(|e| LoadError::one(FileError::file(path, e)))
}

type FieldError = (&'static str, String);

/// One row of `pupils.csv`, read by column name.
struct Row<'r> {
    record: &'r csv::StringRecord,
    columns: &'r [usize; 13],
}

impl<'r> Row<'r> {
    fn get(&self, column: &'static str) -> &'r str {
        PUPIL_COLUMNS
            .iter()
            .position(|&c| c == column)
            .and_then(|i| self.columns.get(i))
            .and_then(|&i| self.record.get(i))
            .unwrap_or_default()
    }

    /// A name that must be given.
    fn text(&self, column: &'static str) -> Result<String, FieldError> {
        match self.optional_text(column)? {
            None => Err((column, "must not be empty".to_owned())),
            Some(value) => Ok(value),
        }
    }

    /// A name that may be empty.
    fn optional_text(&self, column: &'static str) -> Result<Option<String>, FieldError> {
        let value = self.get(column);
        check_text(value, TextKind::Name).map_err(|e| (column, e.to_string()))?;
        Ok((!value.is_empty()).then(|| value.to_owned()))
    }

    fn parse<T, E: std::fmt::Display>(
        &self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, FieldError> {
        parse(self.get(column)).map_err(|e| (column, e.to_string()))
    }
}

fn pupil_of(
    record: &csv::StringRecord,
    columns: &[usize; 13],
    school: Option<usize>,
    premium: Option<usize>,
) -> Result<Pupil, FieldError> {
    let row = Row { record, columns };
    let upn = row.parse("upn", Upn::parse)?;
    let entry_date = row.parse("entry_date", parse_optional_date)?;
    let leaving_date = row.parse("leaving_date", parse_optional_date)?;
    if let (Some(entry), Some(leaving)) = (entry_date, leaving_date)
        && leaving < entry
    {
        return Err((
            "leaving_date",
            format!("leaving date {leaving} is before the entry date {entry}"),
        ));
    }
    let school = match school.and_then(|c| record.get(c)).filter(|s| !s.is_empty()) {
        Some(text) => Some(LaEstab::parse(text).map_err(|e| (SCHOOL_COLUMN, e.to_string()))?),
        None => None,
    };
    let pupil_premium = match premium.and_then(|c| record.get(c)) {
        Some(text) => parse_flag(text).map_err(|e| (PUPIL_PREMIUM_COLUMN, e.to_string()))?,
        None => false,
    };
    Ok(Pupil {
        upn,
        legal_surname: row.text("legal_surname")?,
        legal_forename: row.text("legal_forename")?,
        preferred_forename: row.optional_text("preferred_forename")?,
        date_of_birth: row.parse("date_of_birth", parse_date)?,
        sex: row.parse("sex", Sex::parse)?,
        year_group: row.parse("year_group", YearGroup::parse)?,
        reg_group: row.text("reg_group")?,
        entry_date,
        leaving_date,
        fsm: row.parse("fsm", parse_flag)?,
        eal: row.parse("eal", parse_flag)?,
        pupil_premium,
        sen: row.parse("sen", SenStatus::parse)?,
        school,
    })
}

/// Writes `pupils.csv`, with the school column when any pupil has a school.
pub fn write_pupils(path: &Path, pupils: &[Pupil]) -> Result<(), FileError> {
    let fail = |e: &dyn std::fmt::Display| FileError::file(path, format!("cannot write: {e}"));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let with_school = pupils.iter().any(|p| p.school.is_some());
    let with_premium = pupils.iter().any(|p| p.pupil_premium);
    let mut header: Vec<&str> = PUPIL_COLUMNS.to_vec();
    if with_school {
        header.push(SCHOOL_COLUMN);
    }
    if with_premium {
        header.push(PUPIL_PREMIUM_COLUMN);
    }
    writer.write_record(&header).map_err(|e| fail(&e))?;
    let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    for p in pupils {
        let mut row = vec![
            p.upn.to_string(),
            p.legal_surname.clone(),
            p.legal_forename.clone(),
            p.preferred_forename.clone().unwrap_or_default(),
            p.date_of_birth.to_string(),
            p.sex.code().to_owned(),
            p.year_group.to_string(),
            p.reg_group.clone(),
            date(p.entry_date),
            date(p.leaving_date),
            p.fsm.to_string(),
            p.eal.to_string(),
            p.sen.code().to_owned(),
        ];
        if with_school {
            row.push(p.school.map(|s| s.to_string()).unwrap_or_default());
        }
        if with_premium {
            row.push(p.pupil_premium.to_string());
        }
        writer.write_record(&row).map_err(|e| fail(&e))?;
    }
    writer
        .into_inner()
        .map_err(|e| fail(&e))?
        .flush()
        .map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal,sen";

    fn read(text: &str) -> Result<Roll, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pupils.csv");
        std::fs::write(&path, text).unwrap();
        read_pupils(&path).map_err(|e| {
            e.to_string()
                .replace(&dir.path().display().to_string(), "DIR")
        })
    }

    #[test]
    fn reads_by_header_name() {
        let text = "\u{feff}sen,upn,extra,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal\n\
            K,B801200005001,ignored,Able,Amelia,Amy,2015-03-01,F,5,5A,2024-09-04,,Y,false\n";
        let roll = read(text).unwrap();
        let p = &roll.pupils()[0];
        assert_eq!(p.known_as(), "Amy");
        assert_eq!(p.sen, SenStatus::Support);
        assert!(p.fsm && !p.eal);
        assert_eq!(p.leaving_date, None);
    }

    #[test]
    fn bad_fields_name_line_and_field() {
        let long_preferred = format!(
            "B801200005001,Able,Amy,{},2015-03-01,F,5,5A,,,N,N,N",
            "y".repeat(101)
        );
        let table = [
            (
                "A801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N,N",
                "line 2, field upn: the check letter should be B",
            ),
            (
                "B801200005001,Able,Amy,,2015-13-01,F,5,5A,,,N,N,N",
                "line 2, field date_of_birth: \"2015-13-01\" is not a date on the calendar",
            ),
            (
                "B801200005001,Able,Amy,,2015-03-01,Q,5,5A,,,N,N,N",
                "line 2, field sex",
            ),
            (
                "B801200005001,,Amy,,2015-03-01,F,5,5A,,,N,N,N",
                "line 2, field legal_surname: must not be empty",
            ),
            (
                "B801200005001,Able,Amy,,2015-03-01,F,5,5A,2025-09-01,2025-01-01,N,N,N",
                "field leaving_date",
            ),
            (
                "B801200005001,Ab\0le,Amy,,2015-03-01,F,5,5A,,,N,N,N",
                "line 2, field legal_surname: holds a control character (U+0000) at character 3",
            ),
            (
                long_preferred.as_str(),
                "line 2, field preferred_forename: is 101 characters long; at most 100 are kept",
            ),
            (
                "B801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N",
                "line 2: this row has 12 fields; the header has 13",
            ),
            (
                "B801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N,N\nB801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N,N",
                "line 3, field upn: B801200005001 is already on line 2",
            ),
        ];
        for (row, message) in table {
            let err = read(&format!("{HEADER}\n{row}\n")).unwrap_err();
            assert!(err.contains(message), "{err}");
            assert!(err.starts_with("DIR/pupils.csv"), "{err}");
        }
        let err = read("upn,legal_surname\n").unwrap_err();
        assert!(
            err.contains("line 1, field legal_forename: the header has no legal_forename column"),
            "{err}"
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let text = format!(
            "{HEADER},la_estab\nB801200005001,Able,Amelia,Amy,2015-03-01,F,R,RB,2024-09-04,2025-07-18,true,false,E,801/2000\n"
        );
        let roll = read(&text).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_pupils(&path, roll.pupils()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}
