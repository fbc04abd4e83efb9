//! Reading marks from Parquet into a register, checked as the CSV reader checks them.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use rollcall_core::{Calendar, PupilId, RegisterBuilder, Roll, RunError, Slot};
use rollcall_files::error::MAX_REPORTED;
use rollcall_files::marks::MARK_COLUMNS;
use rollcall_files::{FileError, LoadError};
use rustc_hash::FxHashMap;

use crate::check::{Checker, RowErrors, Run, file_errors};
use crate::write::dictionary;

/// Rows decoded at a time.
const BATCH: usize = 64 << 10;

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
    let (wanted, hinted) = columns(path, found.schema())?;
    // Text columns are read as dictionaries, so a UPN or code is checked once per row group.
    let metadata = ArrowReaderMetadata::try_new(
        Arc::clone(found.metadata()),
        ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
    )
    .map_err(|e| fail(format!("cannot be read as Parquet: {e}")))?;
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
                    if index >= first_rows.len() || tx.send(source.group(index, false)).is_err() {
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
                let first_row = first_rows.get(group.index).copied().unwrap_or(0);
                errors.extend(file_errors(path, first_row, group.errors));
                errors.extend(group.failure);
                for run in group.runs.values() {
                    if let Err(refused) =
                        builder.insert_run(run.pupil, run.start, &run.codes, &run.lates)
                    {
                        let upn = roll
                            .pupil(run.pupil)
                            .map(|p| p.upn.to_string())
                            .unwrap_or_default();
                        let (row, reason) = match refused {
                            RunError::Occupied(slot, existing) => (
                                first_row + u64::from(source.row_of(group.index, run.pupil, slot)),
                                format!("{upn} already has a mark ({existing}) for {}", slot.key()),
                            ),
                            other => (first_row, other.to_string()),
                        };
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

/// What a worker made of a row group.
struct Group {
    index: usize,
    runs: FxHashMap<PupilId, Run>,
    errors: RowErrors,
    /// Why the group could not be read, if it could not.
    failure: Option<FileError>,
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
    /// The row within a group of a pupil's mark for a session, found by reading the group
    /// again: only when naming a clash, so that the rows are not kept for every mark.
    fn row_of(&self, index: usize, pupil: PupilId, slot: Slot) -> u32 {
        let again = self.group(index, true);
        again
            .runs
            .get(&pupil)
            .and_then(|run| run.row_of(slot))
            .unwrap_or(0)
    }

    /// Reads and checks one row group; `with_rows` keeps the row of every mark.
    fn group(&self, index: usize, with_rows: bool) -> Group {
        let mut checker = Checker::new(self.roll, self.calendar, with_rows);
        let fail = |e: &dyn std::fmt::Display| {
            FileError::file(self.path, format!("cannot read row group {index}: {e}"))
        };
        // Each worker opens the file for itself: clones of one handle would share its offset.
        let read = File::open(self.path)
            .map_err(|e| fail(&e))
            .and_then(|file| {
                ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                    .with_row_groups(vec![index])
                    .with_projection(self.projection.clone())
                    .with_batch_size(BATCH)
                    .build()
                    .map_err(|e| fail(&e))
            })
            .and_then(|reader| {
                reader.into_iter().try_for_each(|batch| {
                    let batch = batch.map_err(|e| fail(&e))?;
                    checker.batch(&batch).map_err(|e| fail(&e))
                })
            });
        let (runs, errors) = checker.finish();
        Group {
            index,
            runs,
            errors,
            failure: read.err(),
        }
    }
}

/// Finds the columns rollcall reads by name and checks their types; returns where they are
/// and the file's schema with text columns asked for as dictionaries.
fn columns(path: &Path, schema: &Schema) -> Result<(Vec<usize>, Schema), LoadError> {
    let fields = schema.fields();
    if let Some(missing) = ["upn", "date", "session", "code"]
        .into_iter()
        .find(|&name| !fields.iter().any(|f| f.name() == name))
    {
        return Err(LoadError::one(FileError::file(
            path,
            format!("has no column {missing}; marks need upn, date, session and code"),
        )));
    }
    let wrong = |name: &str, wanted: &str, found: &DataType| {
        LoadError::one(FileError {
            field: Some(name.to_owned()),
            ..FileError::file(path, format!("must be {wanted}; this file's is {found}"))
        })
    };
    let hinted = fields
        .iter()
        .map(|field| {
            let name = field.name().as_str();
            match (name, field.data_type()) {
                ("upn" | "session" | "code", t) if !is_text(t) => Err(wrong(name, "text", t)),
                ("upn" | "session" | "code", _) => {
                    Ok(Field::new(name, dictionary(), field.is_nullable()))
                }
                ("date", t) if t != &DataType::Date32 => Err(wrong(name, "a DATE", t)),
                ("minutes_late", t) if t != &DataType::Int32 => {
                    Err(wrong(name, "a 32-bit INTEGER", t))
                }
                _ => Ok(field.as_ref().clone()),
            }
        })
        .collect::<Result<Vec<Field>, LoadError>>()?;
    let wanted = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| MARK_COLUMNS.contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    Ok((wanted, Schema::new(hinted)))
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}
