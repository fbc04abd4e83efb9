//! Reading marks from Parquet into a register, checked as the CSV reader checks them.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use rollcall_core::{
    Calendar, Code, Day, PupilId, RegisterBuilder, Roll, SessionKey, Slot, check_mark,
};
use rollcall_files::error::MAX_REPORTED;
use rollcall_files::marks::{field_name, find_pupil, parse_code, parse_session};
use rollcall_files::{FileError, LoadError};

use crate::write::dictionary;

/// Rows decoded at a time.
const BATCH: usize = 64 << 10;

/// Where the columns rollcall reads are in the file.
#[derive(Clone, Copy)]
struct Columns {
    upn: usize,
    date: usize,
    session: usize,
    code: usize,
    minutes: Option<usize>,
}

/// Reads a Parquet file of marks into a register for `roll`. With a calendar, marks must fall
/// on its open sessions (or be `#` on its closed ones). All or nothing: any problem fails the
/// whole load. `progress` is told, after each row group, how many more bytes have been read.
pub fn read_marks(
    path: &Path,
    roll: &Roll,
    calendar: Option<&Calendar>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RegisterBuilder, LoadError> {
    let fail = |reason: String| LoadError::one(FileError::file(path, reason));
    let file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let found = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| fail(format!("cannot be read as Parquet: {e}")))?;
    let (columns, hinted) = columns(path, found.schema())?;
    // Text columns are read as dictionaries, so a UPN or code is checked once per row group.
    let metadata = ArrowReaderMetadata::try_new(
        Arc::clone(found.metadata()),
        ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
    )
    .map_err(|e| fail(format!("cannot be read as Parquet: {e}")))?;
    let wanted = [columns.upn, columns.date, columns.session, columns.code]
        .into_iter()
        .chain(columns.minutes);
    let projection = ProjectionMask::roots(metadata.parquet_schema(), wanted);

    let groups = metadata.metadata().row_groups();
    let first_rows: Vec<u64> = groups
        .iter()
        .scan(0u64, |rows, group| {
            let first = *rows;
            *rows += u64::try_from(group.num_rows()).unwrap_or(0);
            Some(first)
        })
        .collect();
    let source = Source {
        path,
        metadata: &metadata,
        projection: &projection,
        roll,
        calendar,
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (next, stop) = (AtomicUsize::new(0), AtomicBool::new(false));
    let (tx, rx) = sync_channel::<Group>(threads);
    let mut builder = RegisterBuilder::new(roll);
    let mut errors = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (tx, next, stop, source, first_rows) =
                (tx.clone(), &next, &stop, &source, &first_rows);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&first_row) = first_rows.get(index) else {
                        return;
                    };
                    if tx.send(source.group(index, first_row)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        // Entered in file order, so that a second mark for a session is the later row.
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for group in rx {
            waiting.insert(group.index, group);
            while let Some(group) = waiting.remove(&expected) {
                expected += 1;
                if stop.load(Ordering::Relaxed) {
                    continue;
                }
                errors.extend(group.errors);
                for mark in group.marks {
                    if let Err(occupied) =
                        builder.insert(mark.pupil, mark.slot, mark.code, mark.minutes)
                    {
                        let upn = roll
                            .pupil(mark.pupil)
                            .map(|p| p.upn.to_string())
                            .unwrap_or_default();
                        let row =
                            first_rows.get(group.index).copied().unwrap_or(0) + u64::from(mark.row);
                        let reason = format!(
                            "{upn} already has a mark ({}) for {}",
                            occupied.existing,
                            mark.slot.key()
                        );
                        errors.push(FileError::at_row(path, row, Some("session"), reason));
                    }
                }
                progress(
                    groups
                        .get(group.index)
                        .map_or(0, |g| u64::try_from(g.compressed_size()).unwrap_or(0)),
                );
                if errors.len() >= MAX_REPORTED {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    if errors.is_empty() {
        Ok(builder)
    } else {
        Err(LoadError::from_errors(errors, stop.load(Ordering::Relaxed)))
    }
}

/// A mark checked on a worker, waiting to be entered in file order.
struct Checked {
    pupil: PupilId,
    slot: Slot,
    /// The row within its row group, from 1.
    row: u32,
    code: Code,
    minutes: Option<u16>,
}

/// What a worker made of a row group.
struct Group {
    index: usize,
    marks: Vec<Checked>,
    errors: Vec<FileError>,
}

/// The file being read and what its marks are checked against.
struct Source<'a> {
    path: &'a Path,
    metadata: &'a ArrowReaderMetadata,
    projection: &'a ProjectionMask,
    roll: &'a Roll,
    calendar: Option<&'a Calendar>,
}

impl Source<'_> {
    /// Reads and checks one row group, whose first row is the file's `first_row + 1`.
    fn group(&self, index: usize, first_row: u64) -> Group {
        let mut checker = Checker {
            source: self,
            marks: Vec::new(),
            errors: Vec::new(),
            row: 0,
            first_row,
            last_day: None,
        };
        let fail = |e: &dyn std::fmt::Display| {
            FileError::file(self.path, format!("cannot read row group {index}: {e}"))
        };
        // Each worker opens the file for itself: clones of one handle would share its offset.
        let reader = File::open(self.path)
            .map_err(|e| fail(&e))
            .and_then(|file| {
                ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                    .with_row_groups(vec![index])
                    .with_projection(self.projection.clone())
                    .with_batch_size(BATCH)
                    .build()
                    .map_err(|e| fail(&e))
            });
        match reader {
            Ok(reader) => {
                for batch in reader {
                    match batch {
                        Ok(batch) => checker.batch(&batch),
                        Err(e) => {
                            checker.errors.push(fail(&e));
                            break;
                        }
                    }
                }
            }
            Err(e) => checker.errors.push(e),
        }
        Group {
            index,
            marks: checker.marks,
            errors: checker.errors,
        }
    }
}

/// Finds the columns by name and checks their types; returns them and the file's schema with
/// text columns asked for as dictionaries.
fn columns(path: &Path, schema: &Schema) -> Result<(Columns, Schema), LoadError> {
    let find = |name: &str| schema.fields().iter().position(|f| f.name() == name);
    let required = |name: &str| {
        find(name).ok_or_else(|| {
            LoadError::one(FileError::file(
                path,
                format!("has no column {name}; marks need upn, date, session and code"),
            ))
        })
    };
    let columns = Columns {
        upn: required("upn")?,
        date: required("date")?,
        session: required("session")?,
        code: required("code")?,
        minutes: find("minutes_late"),
    };
    let wrong = |name: &str, wanted: &str, found: &DataType| {
        LoadError::one(FileError {
            field: Some(name.to_owned()),
            ..FileError::file(path, format!("must be {wanted}; this file's is {found}"))
        })
    };
    let fields = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = field.name().as_str();
            let text = [columns.upn, columns.session, columns.code].contains(&i);
            match field.data_type() {
                t if text && !is_text(t) => Err(wrong(name, "text", t)),
                _ if text => Ok(Field::new(name, dictionary(), field.is_nullable())),
                t if i == columns.date && t != &DataType::Date32 => Err(wrong(name, "a DATE", t)),
                t if Some(i) == columns.minutes && t != &DataType::Int32 => {
                    Err(wrong(name, "a 32-bit INTEGER", t))
                }
                _ => Ok(field.as_ref().clone()),
            }
        })
        .collect::<Result<Vec<Field>, LoadError>>()?;
    Ok((columns, Schema::new(fields)))
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// Checks the rows of a row group, counting them from 1.
struct Checker<'a> {
    source: &'a Source<'a>,
    marks: Vec<Checked>,
    errors: Vec<FileError>,
    row: u32,
    first_row: u64,
    last_day: Option<(i32, jiff::civil::Date)>,
}

/// A dictionary's values, each checked the first time a row uses it.
struct Lookup<'a, T> {
    values: &'a arrow_array::StringArray,
    checked: Vec<Option<Result<T, String>>>,
    check: fn(&Roll, &[u8]) -> Result<T, String>,
}

impl<'a, T: Copy> Lookup<'a, T> {
    fn new(
        column: Option<&'a ArrayRef>,
        check: fn(&Roll, &[u8]) -> Result<T, String>,
    ) -> Option<(Lookup<'a, T>, &'a arrow_array::Int32Array)> {
        let dictionary = column?.as_dictionary_opt::<Int32Type>()?;
        let values = dictionary.values().as_string_opt::<i32>()?;
        let lookup = Lookup {
            values,
            checked: vec![None; values.len()],
            check,
        };
        Some((lookup, dictionary.keys()))
    }

    /// The checked value of the row's key, or why it is refused.
    fn get(
        &mut self,
        roll: &Roll,
        keys: &arrow_array::Int32Array,
        row: usize,
    ) -> Result<T, String> {
        let key = keys
            .is_valid(row)
            .then(|| usize::try_from(keys.value(row)).ok())
            .flatten();
        let Some(key) = key.filter(|&k| k < self.values.len()) else {
            return (self.check)(roll, b"");
        };
        let check = self.check;
        let values = self.values;
        self.checked
            .get_mut(key)
            .map(|slot| {
                slot.get_or_insert_with(|| check(roll, values.value(key).as_bytes()))
                    .clone()
            })
            .unwrap_or_else(|| check(roll, b""))
    }
}

impl Checker<'_> {
    fn batch(&mut self, batch: &RecordBatch) {
        let (roll, path) = (self.source.roll, self.source.path);
        let (
            Some((mut upns, upn_keys)),
            Some((mut sessions, session_keys)),
            Some((mut codes, code_keys)),
        ) = (
            Lookup::new(batch.column_by_name("upn"), find_pupil),
            Lookup::new(batch.column_by_name("session"), |_, s| parse_session(s)),
            Lookup::new(batch.column_by_name("code"), |_, s| parse_code(s)),
        )
        else {
            let reason = "its text columns could not be read as text";
            self.errors.push(FileError::file(path, reason));
            return;
        };
        let Some(dates) = batch
            .column_by_name("date")
            .and_then(|d| d.as_primitive_opt::<Date32Type>())
        else {
            let reason = "its date column could not be read as dates";
            self.errors.push(FileError::file(path, reason));
            return;
        };
        let minutes = batch
            .column_by_name("minutes_late")
            .and_then(|m| m.as_primitive_opt::<Int32Type>());
        self.marks.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            self.row += 1;
            let mut entry = || -> Result<Checked, (&'static str, String)> {
                let pupil = upns.get(roll, upn_keys, i).map_err(|e| ("upn", e))?;
                let day = dates
                    .is_valid(i)
                    .then(|| dates.value(i))
                    .ok_or_else(|| ("date", "a mark needs a date".to_owned()))?;
                let session = sessions
                    .get(roll, session_keys, i)
                    .map_err(|e| ("session", e))?;
                let code = codes.get(roll, code_keys, i).map_err(|e| ("code", e))?;
                let minutes = match minutes.filter(|m| m.is_valid(i)).map(|m| m.value(i)) {
                    None => None,
                    Some(m) => Some(u16::try_from(m).map_err(|_| {
                        let reason = format!("{m} is not a whole number of minutes");
                        ("minutes_late", reason)
                    })?),
                };
                let date = match self.last_day {
                    Some((last, date)) if last == day => date,
                    _ => {
                        let date = Day(day).date();
                        self.last_day = Some((day, date));
                        date
                    }
                };
                if let Some(record) = roll.pupil(pupil) {
                    let key = SessionKey { date, session };
                    check_mark(record, key, code, minutes, self.source.calendar)
                        .map_err(|e| (field_name(&e), e.to_string()))?;
                }
                Ok(Checked {
                    pupil,
                    slot: Slot::of_day(Day(day), session),
                    row: self.row,
                    code,
                    minutes,
                })
            };
            match entry() {
                Ok(mark) => self.marks.push(mark),
                Err((field, reason)) => {
                    let row = self.first_row + u64::from(self.row);
                    self.errors
                        .push(FileError::at_row(path, row, Some(field), reason));
                }
            }
        }
    }
}
