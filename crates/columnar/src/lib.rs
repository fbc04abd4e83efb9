//! `marks.parquet`: the register as an Apache Parquet file, for a year of a whole region or
//! country where CSV would be tens of gigabytes.
//!
//! The columns are those of `marks.csv` (`upn`, `date`, `session`, `code`, `minutes_late`), one
//! row per pupil per session, so any tool that reads Parquet reads the same table. rollcall
//! writes rows pupil by pupil, a row group per block of pupils; Parquet's dictionaries and run
//! lengths then store a year's mark in under two bytes. Reading checks every mark exactly as the
//! CSV reader does and is all or nothing, with errors that name the file, row and column.

mod check;
mod read;
mod write;

use std::io::Read;
use std::path::Path;

pub use read::read_marks;
pub use write::write_marks;

/// Whether a file is Parquet, by the magic bytes it starts with.
pub fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"PAR1")
}

#[cfg(test)]
mod tests;
