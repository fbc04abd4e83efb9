//! Writes a CTF. Empty values are left out rather than written empty, as the DfE's own writer
//! does (statutory.md §8).

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use rollcall_core::Contact;
use rollcall_core::history::YearAttendance;

use crate::{Ctf, Header, TransferPupil};

type Xml = Writer<Vec<u8>>;

/// The file as XML text.
pub fn write(ctf: &Ctf) -> String {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to memory cannot fail.
    let _ = document(&mut xml, ctf);
    String::from_utf8(xml.into_inner()).unwrap_or_default()
}

fn document(xml: &mut Xml, ctf: &Ctf) -> io::Result<()> {
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.create_element("CTfile").write_inner_content(|xml| {
        header(xml, &ctf.header)?;
        xml.create_element("CTFpupilData")
            .write_inner_content(|xml| {
                for p in &ctf.pupils {
                    pupil(xml, p)?;
                }
                Ok(())
            })?;
        Ok(())
    })?;
    Ok(())
}

fn leaf(xml: &mut Xml, name: &str, value: &str) -> io::Result<()> {
    if !value.trim().is_empty() {
        xml.create_element(name)
            .write_text_content(BytesText::new(value))?;
    }
    Ok(())
}

fn header(xml: &mut Xml, h: &Header) -> io::Result<()> {
    xml.create_element("Header").write_inner_content(|xml| {
        leaf(xml, "DocumentName", "Common Transfer File")?;
        leaf(xml, "CTFversion", &h.version)?;
        leaf(
            xml,
            "DateTime",
            &h.made.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        )?;
        leaf(
            xml,
            "DocumentQualifier",
            if h.full { "full" } else { "partial" },
        )?;
        leaf(xml, "DataDescriptor", "CTF")?;
        leaf(xml, "SupplierID", &h.supplier)?;
        xml.create_element("SourceSchool")
            .write_inner_content(|xml| {
                leaf(xml, "LEA", &format!("{:03}", h.source.la_estab.la()))?;
                leaf(xml, "Estab", &format!("{:04}", h.source.la_estab.estab()))?;
                leaf(xml, "SchoolName", &h.source.name)?;
                leaf(xml, "AcademicYear", &h.source.year.0.to_string())
            })?;
        xml.create_element("DestSchool")
            .write_inner_content(|xml| {
                let (la, estab) = match h.destination {
                    Some(d) => (format!("{:03}", d.la()), format!("{:04}", d.estab())),
                    None => ("MMM".to_owned(), "MMMM".to_owned()),
                };
                leaf(xml, "LEA", &la)?;
                leaf(xml, "Estab", &estab)
            })?;
        Ok(())
    })?;
    Ok(())
}

fn pupil(xml: &mut Xml, p: &TransferPupil) -> io::Result<()> {
    xml.create_element("Pupil").write_inner_content(|xml| {
        leaf(xml, "UPN", p.upn.as_str())?;
        leaf(xml, "Surname", &p.surname)?;
        leaf(xml, "Forename", &p.forename)?;
        leaf(xml, "DOB", &p.date_of_birth.to_string())?;
        leaf(xml, "Sex", p.sex.code())?;
        if let Some(year) = p.year_group {
            leaf(xml, "NCyearActual", &year.to_string())?;
        }
        if !p.contacts.is_empty() {
            xml.create_element("Contacts")
                .write_inner_content(|xml| p.contacts.iter().try_for_each(|c| contact(xml, c)))?;
        }
        if !p.attendance.is_empty() {
            xml.create_element("Attendance")
                .write_inner_content(|xml| p.attendance.iter().try_for_each(|y| year(xml, y)))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A contact's name split at its last space: the forename(s), then the surname.
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    match name.trim().rsplit_once(' ') {
        Some((forenames, surname)) => (forenames.trim(), surname),
        None => ("", name.trim()),
    }
}

fn contact(xml: &mut Xml, c: &Contact) -> io::Result<()> {
    xml.create_element("Contact").write_inner_content(|xml| {
        let (forename, surname) = split_name(&c.name);
        leaf(xml, "Order", &c.priority.to_string())?;
        leaf(xml, "Surname", surname)?;
        leaf(xml, "Forename", forename)?;
        leaf(xml, "Relationship", &c.relationship)?;
        leaf(
            xml,
            "Responsibility",
            &c.parental_responsibility.to_string(),
        )?;
        if !c.phones.is_empty() {
            xml.create_element("Phones").write_inner_content(|xml| {
                c.phones.iter().try_for_each(|number| {
                    xml.create_element("Phone")
                        .write_inner_content(|xml| leaf(xml, "PhoneNo", number))
                        .map(|_| ())
                })
            })?;
        }
        leaf(xml, "Email", c.email.as_deref().unwrap_or_default())?;
        if let Some(address) = c.address.as_deref().filter(|a| !a.trim().is_empty()) {
            xml.create_element("Address").write_inner_content(|xml| {
                xml.create_element("AddressLines")
                    .write_inner_content(|xml| {
                        address
                            .split([',', '\n'])
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .enumerate()
                            .try_for_each(|(i, line)| {
                                leaf(xml, &format!("AddressLine{}", i + 1), line)
                            })
                    })?;
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn year(xml: &mut Xml, y: &YearAttendance) -> io::Result<()> {
    xml.create_element("YearData").write_inner_content(|xml| {
        leaf(xml, "Year", &y.year.0.to_string())?;
        leaf(xml, "LEA", &format!("{:03}", y.school.la()))?;
        leaf(xml, "Estab", &format!("{:04}", y.school.estab()))?;
        leaf(xml, "SchoolName", &y.school_name)?;
        leaf(xml, "SessionsPossible", &y.possible.to_string())?;
        leaf(xml, "SessionsAuthorised", &y.authorised.to_string())?;
        leaf(xml, "SessionsAttended", &y.attended.to_string())?;
        leaf(xml, "SessionsUnauthorised", &y.unauthorised.to_string())?;
        if let Some(s) = &y.sessions {
            xml.create_element("AttendSessions")
                .write_inner_content(|xml| {
                    leaf(xml, "AttendanceStartDate", &s.first.to_string())?;
                    leaf(xml, "AttendanceMarks", &s.marks)
                })?;
        }
        Ok(())
    })?;
    Ok(())
}
