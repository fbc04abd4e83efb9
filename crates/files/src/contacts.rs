//! `contacts.csv`: pupils' parents, carers and emergency contacts as a management information
//! system exports them, one row a contact, matched to `pupils.csv` by UPN.

use std::path::Path;

use rollcall_core::pupil::parse_flag;
use rollcall_core::{Contact, Roll, TextKind, Upn, check_text};

use crate::error::{FileError, LoadError};
use crate::fields::{each_row, open_csv};

/// The columns of `contacts.csv`. `upn` and `name` are required; the others may be absent
/// (an export without them) or empty.
pub const CONTACT_COLUMNS: [&str; 14] = [
    "upn",
    "name",
    "relationship",
    "parental_responsibility",
    "lives_with_pupil",
    "correspondence",
    "priority",
    "phones",
    "email",
    "address",
    "preferred_language",
    "salutation",
    "court_order",
    "opted_out",
];

/// A contact and the pupil they are a contact of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilContact {
    /// The pupil.
    pub upn: Upn,
    /// The contact.
    pub contact: Contact,
}

type FieldError = (&'static str, String);

struct Row<'r> {
    record: &'r csv::StringRecord,
    columns: &'r [Option<usize>; 14],
}

impl Row<'_> {
    fn get(&self, column: &'static str) -> &str {
        CONTACT_COLUMNS
            .iter()
            .position(|&c| c == column)
            .and_then(|i| self.columns.get(i).copied().flatten())
            .and_then(|i| self.record.get(i))
            .unwrap_or_default()
    }

    fn text(&self, column: &'static str, kind: TextKind) -> Result<Option<String>, FieldError> {
        let value = self.get(column);
        check_text(value, kind).map_err(|e| (column, e.to_string()))?;
        Ok((!value.is_empty()).then(|| value.to_owned()))
    }

    fn flag(&self, column: &'static str) -> Result<bool, FieldError> {
        parse_flag(self.get(column)).map_err(|e| (column, e.to_string()))
    }
}

fn contact_of(row: &Row<'_>, roll: &Roll) -> Result<PupilContact, FieldError> {
    let upn = Upn::parse(row.get("upn")).map_err(|e| ("upn", e.to_string()))?;
    if roll.find(&upn).is_none() {
        return Err(("upn", format!("{upn} is not in the pupils file")));
    }
    let name = row
        .text("name", TextKind::Name)?
        .ok_or(("name", "must not be empty".to_owned()))?;
    let priority = match row.get("priority") {
        "" => 1,
        text => text
            .parse::<u16>()
            .ok()
            .filter(|p| (1..=99).contains(p))
            .ok_or(("priority", format!("{text:?} is not an order from 1 to 99")))?,
    };
    let phones: Vec<String> = row
        .get("phones")
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    for phone in &phones {
        check_text(phone, TextKind::Line).map_err(|e| ("phones", e.to_string()))?;
    }
    Ok(PupilContact {
        upn,
        contact: Contact {
            name,
            relationship: row
                .text("relationship", TextKind::Line)?
                .unwrap_or_default(),
            parental_responsibility: row.flag("parental_responsibility")?,
            lives_with_pupil: row.flag("lives_with_pupil")?,
            correspondence: row.flag("correspondence")?,
            salutation: row.text("salutation", TextKind::Line)?,
            priority,
            phones,
            email: row.text("email", TextKind::Line)?,
            address: row.text("address", TextKind::Note)?,
            preferred_language: row.text("preferred_language", TextKind::Line)?,
            court_order: row.text("court_order", TextKind::Line)?,
            opted_out: row.flag("opted_out")?,
        },
    })
}

/// Reads `contacts.csv` for the pupils of `roll`, reporting every bad field up to
/// [`MAX_REPORTED`]. A contact whose UPN is not in the roll is an error: an import is all or
/// nothing.
pub fn read_contacts(path: &Path, roll: &Roll) -> Result<Vec<PupilContact>, LoadError> {
    let (mut reader, header) = open_csv(path)?;
    header.required(path, "upn")?;
    header.required(path, "name")?;
    let mut columns = [None; 14];
    for (slot, name) in columns.iter_mut().zip(CONTACT_COLUMNS) {
        *slot = header.optional(name);
    }
    let mut contacts = Vec::new();
    each_row(path, &mut reader, &header, |record, line, errors| {
        let row = Row {
            record,
            columns: &columns,
        };
        match contact_of(&row, roll) {
            Ok(contact) => contacts.push(contact),
            Err((field, reason)) => errors.push(FileError::at(path, line, Some(field), reason)),
        }
    })?;
    Ok(contacts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::{Pupil, SenStatus, Sex, YearGroup};

    fn roll() -> Roll {
        let pupil = Pupil {
            upn: Upn::parse("B801200005001").unwrap(),
            legal_surname: "Able".into(),
            legal_forename: "Amy".into(),
            preferred_forename: None,
            date_of_birth: jiff::civil::date(2015, 3, 1),
            sex: Sex::Female,
            year_group: YearGroup::year(5).unwrap(),
            reg_group: "5A".into(),
            entry_date: None,
            leaving_date: None,
            fsm: false,
            eal: false,
            pupil_premium: false,
            sen: SenStatus::None,
            school: None,
        };
        Roll::new(vec![pupil]).unwrap()
    }

    fn read(text: &str) -> Result<Vec<PupilContact>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        std::fs::write(&path, text).unwrap();
        read_contacts(&path, &roll()).map_err(|e| {
            e.errors
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e.line.unwrap_or(0),
                        e.field.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    #[test]
    fn contacts_are_read_and_every_bad_field_named() {
        let good = read(
            "upn,name,relationship,parental_responsibility,lives_with_pupil,priority,phones,email\n\
             B801200005001,Ann Able,Mother,Y,Y,1,07700 900001; 01632 960001,ann@example.org\n\
             B801200005001,Gran Able,Grandmother,N,N,2,,\n",
        )
        .unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].contact.phones, ["07700 900001", "01632 960001"]);
        assert!(good[0].contact.lives_with_pupil && !good[1].contact.parental_responsibility);
        let table = [
            ("name\nAnn\n", "1:upn"),
            ("upn,name\nB801200005001,\n", "2:name"),
            ("upn,name\nQ801200005002,Ann\n", "2:upn"),
            ("upn,name,priority\nB801200005001,Ann,0\n", "2:priority"),
            (
                "upn,name,lives_with_pupil\nB801200005001,Ann,perhaps\n",
                "2:lives_with_pupil",
            ),
            ("upn,name\nB801200005001,Ann\nB801200005001\n", "3:"),
        ];
        for (text, expect) in table {
            assert_eq!(read(text).unwrap_err(), expect, "{text}");
        }
    }
}
