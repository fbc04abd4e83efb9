//! Reads a CTF, checking every value it keeps: a file with any error is refused whole, and the
//! error names the line, the element and the value.

use std::collections::HashSet;

use jiff::civil::{Date, DateTime};
use rollcall_core::history::{SessionString, YearAttendance};
use rollcall_core::{AcademicYear, Contact, LaEstab, Sex, Upn, YearGroup};

use crate::marks::{check_totals, count_string};
use crate::tree::{At, Element};
use crate::{Ctf, CtfError, Header, SourceSchool, TransferPupil, VERSIONS_READ};

/// Reads a file.
pub fn read(text: &str) -> Result<Ctf, CtfError> {
    let root = Element::parse(text)?;
    let root = root.at();
    if root.element.name != "CTfile" {
        return Err(root.error(format!(
            "the root element is <{}>; a CTF's is <CTfile>",
            root.element.name
        )));
    }
    let header = header(&root.required_element("Header")?)?;
    let mut pupils = Vec::new();
    let mut seen = HashSet::new();
    if let Some(data) = root.child("CTFpupilData") {
        for at in data.children("Pupil") {
            let p = pupil(&at)?;
            if !seen.insert(p.upn) {
                return Err(at.required("UPN")?.error("this UPN is already in the file"));
            }
            pupils.push(p);
        }
    }
    Ok(Ctf { header, pupils })
}

impl<'a> At<'a> {
    fn required_element(&self, name: &str) -> Result<At<'a>, CtfError> {
        self.child(name).ok_or_else(|| self.missing(name))
    }
}

fn la_estab(at: &At<'_>) -> Result<LaEstab, CtfError> {
    let la = at.required("LEA")?;
    let estab = at.required("Estab")?;
    if la.text().len() != 3 || !la.text().bytes().all(|b| b.is_ascii_digit()) {
        return Err(la.error("an LA number is 3 digits"));
    }
    estab.parse(|e| {
        LaEstab::parse(&format!("{}{e}", la.text()))
            .map_err(|_| "an establishment number is 4 digits")
    })
}

fn header(at: &At<'_>) -> Result<Header, CtfError> {
    let version = at.required("CTFversion")?;
    if !VERSIONS_READ.contains(&version.text()) {
        return Err(version.error(format!(
            "rollcall reads CTF {}",
            VERSIONS_READ.join(" and ")
        )));
    }
    let made = at.required("DateTime")?.parse(|t| {
        t.parse::<DateTime>()
            .map_err(|_| "not a date and time (yyyy-mm-ddThh:mm:ss)")
    })?;
    let full = match at.child("DocumentQualifier") {
        None => true,
        Some(q) => match q.text() {
            "full" | "" => true,
            "partial" => false,
            _ => return Err(q.error("is full or partial")),
        },
    };
    let source = at.required_element("SourceSchool")?;
    let year = source.required("AcademicYear")?.parse(academic_year)?;
    let destination = match at.child("DestSchool") {
        Some(d) if d.optional("LEA") == Some("MMM") || d.optional("LEA").is_none() => None,
        Some(d) => Some(la_estab(&d)?),
        None => None,
    };
    Ok(Header {
        version: version.text().to_owned(),
        made,
        full,
        supplier: at.optional("SupplierID").unwrap_or_default().to_owned(),
        source: SourceSchool {
            la_estab: la_estab(&source)?,
            name: source.optional("SchoolName").unwrap_or_default().to_owned(),
            year,
        },
        destination,
    })
}

fn academic_year(text: &str) -> Result<AcademicYear, &'static str> {
    text.parse::<i16>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .map(AcademicYear)
        .ok_or("an academic year is the year it starts in, such as 2025")
}

fn date(at: &At<'_>) -> Result<Date, CtfError> {
    at.parse(|t| t.parse::<Date>().map_err(|_| "not a date (yyyy-mm-dd)"))
}

fn pupil(at: &At<'_>) -> Result<TransferPupil, CtfError> {
    let upn = at.required("UPN")?.parse(Upn::parse)?;
    // CTF 24 called it Gender; CTF 25 calls it Sex.
    let sex = match at.child("Sex").or_else(|| at.child("Gender")) {
        Some(s) => s.parse(Sex::parse)?,
        None => return Err(at.missing("Sex")),
    };
    let year_group = match at.child("NCyearActual") {
        Some(y) if !y.text().is_empty() => Some(y.parse(YearGroup::parse)?),
        _ => None,
    };
    let contacts = match at.child("Contacts") {
        Some(c) => c
            .children("Contact")
            .map(|c| contact(&c))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let attendance = match at.child("Attendance") {
        Some(a) => a
            .children("YearData")
            .map(|y| year_data(&y))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(TransferPupil {
        upn,
        surname: at.required("Surname")?.text().to_owned(),
        forename: at.required("Forename")?.text().to_owned(),
        date_of_birth: date(&at.required("DOB")?)?,
        sex,
        year_group,
        contacts,
        attendance,
    })
}

fn contact(at: &At<'_>) -> Result<Contact, CtfError> {
    let surname = at.required("Surname")?.text();
    let name = match at.optional("Forename") {
        Some(forename) => format!("{forename} {surname}"),
        None => surname.to_owned(),
    };
    let priority = match at.child("Order") {
        Some(o) => o.parse(|t| t.parse::<u16>().map_err(|_| "an order is a whole number"))?,
        None => 1,
    };
    let parental_responsibility = match at.child("Responsibility") {
        Some(r) => r.parse(|t| match t {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("is true or false"),
        })?,
        None => false,
    };
    let phones = match at.child("Phones") {
        Some(p) => p
            .children("Phone")
            .filter_map(|phone| phone.optional("PhoneNo").map(str::to_owned))
            .collect(),
        None => Vec::new(),
    };
    let address = at.child("Address").and_then(|a| {
        let lines: Vec<&str> = a
            .child("AddressLines")
            .map(|l| {
                l.element
                    .children
                    .iter()
                    .map(|c| c.text.trim())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        (!lines.is_empty()).then(|| lines.join(", "))
    });
    Ok(Contact {
        name,
        relationship: at.optional("Relationship").unwrap_or("Contact").to_owned(),
        parental_responsibility,
        // A CTF does not say whom the pupil lives with or where letters go; the office
        // confirms both on the contact's page.
        lives_with_pupil: false,
        correspondence: parental_responsibility,
        salutation: None,
        priority,
        phones,
        email: at.optional("Email").map(str::to_owned),
        address,
        preferred_language: None,
        court_order: None,
        opted_out: false,
    })
}

fn number(at: &At<'_>, name: &str) -> Result<u32, CtfError> {
    at.required(name)?.parse(|t| {
        t.parse::<u32>()
            .map_err(|_| "a count of sessions is a whole number")
    })
}

fn year_data(at: &At<'_>) -> Result<YearAttendance, CtfError> {
    let year = at.required("Year")?.parse(academic_year)?;
    let sessions = match at.child("AttendSessions") {
        Some(s) => {
            let first = date(&s.required("AttendanceStartDate")?)?;
            let marks = s.required("AttendanceMarks")?;
            let string = SessionString {
                first,
                marks: marks.text().to_owned(),
            };
            Some((marks, string))
        }
        None => None,
    };
    let attendance = YearAttendance {
        year,
        school: la_estab(at)?,
        school_name: at.optional("SchoolName").unwrap_or_default().to_owned(),
        possible: number(at, "SessionsPossible")?,
        attended: number(at, "SessionsAttended")?,
        authorised: number(at, "SessionsAuthorised")?,
        unauthorised: number(at, "SessionsUnauthorised")?,
        sessions: sessions.as_ref().map(|(_, s)| s.clone()),
    };
    let absent_and_present = u64::from(attendance.attended)
        + u64::from(attendance.authorised)
        + u64::from(attendance.unauthorised);
    if absent_and_present > u64::from(attendance.possible) {
        return Err(at.required("SessionsPossible")?.error(format!(
            "fewer than the sessions attended and missed ({absent_and_present})"
        )));
    }
    if let Some((element, string)) = &sessions {
        let counted = count_string(string).map_err(|why| element.error(why))?;
        check_totals(&attendance, &counted).map_err(|why| element.error(why))?;
    }
    Ok(attendance)
}
