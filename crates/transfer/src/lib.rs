//! Common transfer files (CTF): what a school sends the next school when a pupil moves (the
//! Education (Pupil Information) (England) Regulations 2005), written and read as the DfE's CTF
//! XML, version 25.0.
//!
//! Sources, and what is not verified: the DfE's published CTF 25 XSD could not be obtained, so
//! the file follows `statutory.md` §8. The header (`CTfile`, `Header`, `DocumentName`,
//! `CTFversion`, `DateTime`, `DocumentQualifier`, `DataDescriptor`, `SupplierID`,
//! `SourceSchool`, `DestSchool`) and the pupil's `UPN`, `Surname`, `Forename`, `DOB` and `Sex`
//! are as the DfE's own CTF 25.0 writer produces them (GIAP). The attendance block
//! (`Attendance/YearData` with `AttendSessions`) follows an established MIS's reader and writer
//! (Aspen), which agree with each other. The contact block (`Contacts/Contact` with `Order`,
//! `Surname`, `Forename`, `Relationship`, `Responsibility`, `Phones`, `Email`, `Address`) and
//! `NCyearActual` follow earlier CTF specifications and are not checked against a schema.
//! Elements this crate does not keep (assessments, SEN and FSM history, school history) are
//! read past, not refused.
//!
//! The 2024 two-character codes in the marks string: see [`marks`].

use jiff::civil::{Date, DateTime};
use rollcall_core::history::YearAttendance;
use rollcall_core::{AcademicYear, Contact, LaEstab, Sex, Upn, YearGroup};
use thiserror::Error;

pub mod marks;
mod plan;
mod read;
mod tree;
mod write;

pub use plan::{Placing, incoming, outgoing, received_years};
pub use read::read;
pub use write::write;

/// The CTF version written, and the versions read (the current one and the one before, as MIS
/// suppliers do).
pub const VERSION: &str = "25.0";
/// Versions a file may carry.
pub const VERSIONS_READ: [&str; 2] = ["24.0", "25.0"];

/// A common transfer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctf {
    /// Who sent it, to whom, when.
    pub header: Header,
    /// The pupils.
    pub pupils: Vec<TransferPupil>,
}

/// The file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The CTF version ("25.0").
    pub version: String,
    /// When the file was made, in the school's local time.
    pub made: DateTime,
    /// Whether the file is full or partial.
    pub full: bool,
    /// The system that made it.
    pub supplier: String,
    /// The sending school.
    pub source: SourceSchool,
    /// The school it is for; `None` when the next school is not known.
    pub destination: Option<LaEstab>,
}

/// The school a file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSchool {
    /// Its LA and establishment number.
    pub la_estab: LaEstab,
    /// Its name.
    pub name: String,
    /// The academic year the file was made in.
    pub year: AcademicYear,
}

/// A pupil as the file carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferPupil {
    /// Unique pupil number.
    pub upn: Upn,
    /// Legal surname.
    pub surname: String,
    /// Legal forename.
    pub forename: String,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Sex.
    pub sex: Sex,
    /// National curriculum year, when given.
    pub year_group: Option<YearGroup>,
    /// Contacts, in the order to call them.
    pub contacts: Vec<Contact>,
    /// Attendance, one entry per school and academic year.
    pub attendance: Vec<YearAttendance>,
}

/// Why a file cannot be read: where (line and element), the value found and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, {element}{}: {problem}", value.as_ref().map(|v| format!(" = {v:?}")).unwrap_or_default())]
pub struct CtfError {
    /// The line.
    pub line: usize,
    /// The element's path: `CTfile/CTFpupilData/Pupil[2]/DOB`.
    pub element: String,
    /// The value found, when there was one.
    pub value: Option<String>,
    /// What is wrong.
    pub problem: String,
}

impl CtfError {
    pub(crate) fn new(
        line: usize,
        element: &str,
        value: Option<&str>,
        problem: impl Into<String>,
    ) -> CtfError {
        CtfError {
            line,
            element: element.to_owned(),
            value: value.map(str::to_owned),
            problem: problem.into(),
        }
    }
}

/// A file name in the pattern of earlier CTF specifications (§2.4, not checked against CTF 25):
/// the source's LA and establishment, `CTF`, the destination's (`MMMMMMM` when not known), and a
/// sequence number.
pub fn file_name(ctf: &Ctf, sequence: u32) -> String {
    let destination = ctf
        .header
        .destination
        .map(|d| format!("{:03}{:04}", d.la(), d.estab()))
        .unwrap_or_else(|| "MMMMMMM".to_owned());
    let source = ctf.header.source.la_estab;
    format!(
        "{:03}{:04}_CTF_{destination}_{sequence:03}.xml",
        source.la(),
        source.estab()
    )
}
