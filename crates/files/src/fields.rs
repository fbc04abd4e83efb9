//! Reading CSV headers and field values shared by the pupil and mark files.

use std::path::Path;

use jiff::civil::Date;

use crate::error::{FileError, LoadError, MAX_REPORTED};

/// Finds columns by name in a header row, ignoring case, spaces and a byte-order mark.
pub(crate) struct Header {
    names: Vec<String>,
}

impl Header {
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Header {
        Header {
            names: names
                .into_iter()
                .map(|n| n.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                .collect(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The index of a column that may be absent.
    pub(crate) fn optional(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The index of a column that must be present.
    pub(crate) fn required(&self, path: &Path, name: &str) -> Result<usize, FileError> {
        self.optional(name).ok_or_else(|| {
            FileError::at(
                path,
                1,
                Some(name),
                format!(
                    "the header has no {name} column (it has: {})",
                    self.names.join(", ")
                ),
            )
        })
    }
}

/// A CSV file opened with its header read: fields trimmed, rows of any length (each checked
/// against the header in [`each_row`]).
pub(crate) fn open_csv(path: &Path) -> Result<(csv::Reader<std::fs::File>, Header), FileError> {
    let file = std::fs::File::open(path)
        .map_err(|e| FileError::file(path, format!("cannot open: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(file);
    let header = Header::new(
        reader
            .headers()
            .map_err(|e| FileError::at(path, 1, None, e))?
            .iter(),
    );
    Ok((reader, header))
}

/// Hands each row with as many fields as the header, and its line, to `row`, which notes what
/// is wrong in the errors it is given; skips blank lines; stops after [`MAX_REPORTED`]
/// problems. Every problem is returned, in line order.
pub(crate) fn each_row(
    path: &Path,
    reader: &mut csv::Reader<std::fs::File>,
    header: &Header,
    mut row: impl FnMut(&csv::StringRecord, u64, &mut Vec<FileError>),
) -> Result<(), LoadError> {
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(FileError::at(path, line, None, e));
                break;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record.get(0).is_some_and(str::is_empty) {
            continue;
        }
        if record.len() == header.len() {
            row(&record, line, &mut errors);
        } else {
            let reason = format!(
                "this row has {} fields; the header has {}",
                record.len(),
                header.len()
            );
            errors.push(FileError::at(path, line, None, reason));
        }
        if errors.len() >= MAX_REPORTED {
            return Err(LoadError::from_errors(errors, true));
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(LoadError::from_errors(errors, false)),
    }
}

/// Reads a date written `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(format!("{text:?} is not a date written YYYY-MM-DD"));
    }
    text.parse::<Date>()
        .map_err(|_| format!("{text:?} is not a date on the calendar"))
}

/// Reads an optional date: empty means none.
pub(crate) fn parse_optional_date(text: &str) -> Result<Option<Date>, String> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_date(text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2025-09-03").unwrap().to_string(), "2025-09-03");
        for bad in [
            "2025-9-3",
            "03/09/2025",
            "2025-02-30",
            "2025-09-03T00:00",
            "",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_optional_date("").unwrap(), None);
    }

    #[test]
    fn headers() {
        let header = Header::new(["\u{feff}UPN", " Date ", "session"]);
        assert_eq!(header.optional("upn"), Some(0));
        assert_eq!(header.optional("date"), Some(1));
        let err = header.required(Path::new("marks.csv"), "code").unwrap_err();
        assert_eq!(
            err.to_string(),
            "marks.csv, line 1, field code: the header has no code column (it has: upn, date, session)"
        );
    }
}
