//! Errors that say where: the file, the line and the field.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Something wrong at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line (or row, in a columnar file), when the problem is on one.
    pub line: Option<u64>,
    /// Whether `line` counts text lines or a columnar file's rows.
    pub counted_in: Counted,
    /// The field (CSV column or TOML key), when the problem is in one.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// What a file's places are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Counted {
    /// Lines of text, the header being line 1.
    #[default]
    Lines,
    /// Rows of a columnar file, the first row of data being row 1.
    Rows,
}

impl FileError {
    /// A problem with the file as a whole.
    pub fn file(path: &Path, reason: impl fmt::Display) -> FileError {
        FileError {
            path: path.to_owned(),
            line: None,
            counted_in: Counted::Lines,
            field: None,
            reason: reason.to_string(),
        }
    }

    /// A problem on a line.
    pub fn at(path: &Path, line: u64, field: Option<&str>, reason: impl fmt::Display) -> FileError {
        FileError {
            path: path.to_owned(),
            line: Some(line),
            counted_in: Counted::Lines,
            field: field.map(str::to_owned),
            reason: reason.to_string(),
        }
    }

    /// A problem in a row of a columnar file.
    pub fn at_row(
        path: &Path,
        row: u64,
        field: Option<&str>,
        reason: impl fmt::Display,
    ) -> FileError {
        FileError {
            counted_in: Counted::Rows,
            ..FileError::at(path, row, field, reason)
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            let unit = match self.counted_in {
                Counted::Lines => "line",
                Counted::Rows => "row",
            };
            write!(f, ", {unit} {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A load stops after this many problems.
pub const MAX_REPORTED: usize = 20;

/// Why files could not be loaded: the problems found, in line order, up to [`MAX_REPORTED`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct LoadError {
    /// The problems reported.
    pub errors: Vec<FileError>,
    /// Whether reading stopped before the end of the file.
    pub stopped_early: bool,
}

impl LoadError {
    /// A load that failed for one reason.
    pub fn one(error: FileError) -> LoadError {
        LoadError {
            errors: vec![error],
            stopped_early: false,
        }
    }

    /// Collects problems, keeping the first [`MAX_REPORTED`] in line order.
    pub fn from_errors(mut errors: Vec<FileError>, stopped_early: bool) -> LoadError {
        errors.sort_by_key(|e| e.line);
        let stopped_early = stopped_early || errors.len() > MAX_REPORTED;
        errors.truncate(MAX_REPORTED);
        LoadError {
            errors,
            stopped_early,
        }
    }
}

impl From<FileError> for LoadError {
    fn from(error: FileError) -> LoadError {
        LoadError::one(error)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.stopped_early {
            write!(f, "\n(stopped after {MAX_REPORTED} problems)")?;
        }
        Ok(())
    }
}
