//! rollcall's files: `pupils.csv`, `marks.csv` and policy TOML, read and written.
//!
//! Reading is all or nothing: a file with any bad row yields a [`LoadError`] that names the file,
//! line, field and reason of every problem (up to [`error::MAX_REPORTED`]) and nothing is
//! returned. The formats are documented in `docs/formats.md`.

pub mod contacts;
pub mod error;
mod fields;
pub mod marks;
pub mod policy;
mod procedures;
pub mod pupils;
pub mod scenario;

use std::path::Path;

use rollcall_core::{Calendar, Policy, Register, RegisterBuilder, Roll};

pub use contacts::{PupilContact, read_contacts};
pub use error::{Counted, FileError, LoadError};
pub use marks::{read_marks, write_marks};
pub use policy::{parse_policy, policy_to_toml, read_policy, write_policy};
pub use pupils::{read_pupils, write_pupils};

/// A school loaded from files: its register, its policy if one was given, and its calendar
/// (the policy's, or inferred from the marks).
#[derive(Debug)]
pub struct LoadedSchool {
    /// Pupils and their marks.
    pub register: Register,
    /// The policy, when a policy file was given.
    pub policy: Option<Policy>,
    /// The school calendar.
    pub calendar: Calendar,
}

/// Loads a school from its files. With a policy, every mark must fit its calendar.
/// `progress` is told how many more bytes of the marks have been read, as they are.
pub fn load_school(
    pupils: &Path,
    marks: &Path,
    policy: Option<&Path>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LoadedSchool, LoadError> {
    load_school_with(pupils, policy, |roll, calendar| {
        read_marks(marks, roll, calendar, progress)
    })
}

/// Loads a school whose marks `read` enters for the roll, checked against the policy's calendar
/// when there is one: the same school from marks in another format.
pub fn load_school_with(
    pupils: &Path,
    policy: Option<&Path>,
    read: impl FnOnce(&Roll, Option<&Calendar>) -> Result<RegisterBuilder, LoadError>,
) -> Result<LoadedSchool, LoadError> {
    let policy = policy.map(read_policy).transpose()?;
    let roll = read_pupils(pupils)?;
    let builder = read(&roll, policy.as_ref().map(|p| &p.calendar))?;
    let register = builder.finish(roll);
    let calendar = match &policy {
        Some(policy) => policy.calendar.clone(),
        None => register.inferred_calendar(),
    };
    Ok(LoadedSchool {
        register,
        policy,
        calendar,
    })
}
