//! Checking a row group's marks on a worker and gathering them into each pupil's run.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type};
use arrow_array::{Array, ArrayRef, Int32Array, RecordBatch, StringArray};
use rollcall_core::{Calendar, Code, Day, PupilId, Roll, Session, SessionKey, Slot, check_mark};
use rollcall_files::FileError;
use rollcall_files::error::MAX_REPORTED;
use rollcall_files::marks::{field_name, find_pupil, parse_code, parse_session};
use rustc_hash::FxHashMap;

/// One pupil's marks from a row group, a byte per session from `start` as the register keeps
/// them, so that they are entered in one step.
pub(crate) struct Run {
    pub pupil: PupilId,
    pub start: Slot,
    /// [`Code::as_byte`], or 0 where the group has no mark.
    pub codes: Vec<u8>,
    /// The row within the group of each mark, when asked for: only to name a mark that another
    /// group marked too.
    rows: Option<Vec<u32>>,
    pub lates: Vec<(Slot, u16)>,
}

impl Run {
    fn new(pupil: PupilId, slot: Slot, with_rows: bool) -> Run {
        Run {
            pupil,
            start: slot,
            // A school year's sessions, so that a year's run grows once.
            codes: Vec::with_capacity(YEAR_OF_SESSIONS),
            rows: with_rows.then(Vec::new),
            lates: Vec::new(),
        }
    }

    /// Enters a mark, or returns the code already there.
    fn enter(&mut self, slot: Slot, code: Code, row: u32) -> Result<(), Code> {
        if slot.0 < self.start.0 {
            let before = usize::try_from(self.start.0 - slot.0).unwrap_or(0);
            self.codes.splice(0..0, std::iter::repeat_n(0, before));
            if let Some(rows) = &mut self.rows {
                rows.splice(0..0, std::iter::repeat_n(0, before));
            }
            self.start = slot;
        }
        let i = usize::try_from(slot.0 - self.start.0).unwrap_or(0);
        if i >= self.codes.len() {
            self.codes.resize(i + 1, 0);
        }
        let Some(cell) = self.codes.get_mut(i) else {
            return Ok(());
        };
        if let Some(existing) = Code::from_byte(*cell) {
            return Err(existing);
        }
        *cell = code.as_byte();
        if let Some(rows) = &mut self.rows {
            if i >= rows.len() {
                rows.resize(i + 1, 0);
            }
            if let Some(at) = rows.get_mut(i) {
                *at = row;
            }
        }
        Ok(())
    }

    /// The row within the group of the mark for a session, when rows were kept.
    pub fn row_of(&self, slot: Slot) -> Option<u32> {
        let i = usize::try_from(slot.0 - self.start.0).ok()?;
        self.rows.as_ref()?.get(i).copied()
    }
}

/// Sessions in a calendar year, morning and afternoon.
const YEAR_OF_SESSIONS: usize = 2 * 366;

/// Problems by row within a group, from 1: the row, the column and what is wrong.
pub(crate) type RowErrors = Vec<(u32, &'static str, String)>;

/// Checks a row group's rows, counting them from 1, and gathers them by pupil.
pub(crate) struct Checker<'a> {
    roll: &'a Roll,
    calendar: Option<&'a Calendar>,
    /// The run of the last row's pupil: rows come pupil by pupil, so most rows find it here.
    current: Option<Run>,
    /// The other pupils' runs, for a pupil whose rows are not together.
    runs: FxHashMap<PupilId, Run>,
    errors: RowErrors,
    row: u32,
    dates: Dates,
    with_rows: bool,
}

/// Civil dates by day number, each worked out once: a year has a few hundred.
#[derive(Default)]
struct Dates {
    /// The day of `dates[0]`, set by the first day asked for.
    first: Option<i32>,
    dates: Vec<Option<jiff::civil::Date>>,
}

impl Dates {
    /// Days kept: a year either side of the first day asked for.
    const SPAN: i32 = 2 * 366;

    fn get(&mut self, day: i32) -> jiff::civil::Date {
        let first = *self.first.get_or_insert(day - Dates::SPAN / 2);
        let Some(i) = usize::try_from(day - first)
            .ok()
            .filter(|_| day - first < Dates::SPAN)
        else {
            return Day(day).date();
        };
        if i >= self.dates.len() {
            self.dates.resize(i + 1, None);
        }
        match self.dates.get_mut(i) {
            Some(cached) => *cached.get_or_insert_with(|| Day(day).date()),
            None => Day(day).date(),
        }
    }
}

/// A dictionary's values, each checked the first time a row uses it.
struct Lookup<'a, T> {
    keys: &'a Int32Array,
    values: &'a StringArray,
    checked: Vec<Option<Result<T, String>>>,
    check: fn(&Roll, &[u8]) -> Result<T, String>,
}

impl<'a, T: Copy> Lookup<'a, T> {
    fn new(
        column: Option<&'a ArrayRef>,
        check: fn(&Roll, &[u8]) -> Result<T, String>,
    ) -> Option<Lookup<'a, T>> {
        let dictionary = column?.as_dictionary_opt::<Int32Type>()?;
        let values = dictionary.values().as_string_opt::<i32>()?;
        Some(Lookup {
            keys: dictionary.keys(),
            values,
            checked: vec![None; values.len()],
            check,
        })
    }

    /// The checked value of a row, or why it is refused; an empty field for a null.
    fn get(&mut self, roll: &Roll, row: usize) -> Result<T, String> {
        let key = self
            .keys
            .is_valid(row)
            .then(|| usize::try_from(self.keys.value(row)).ok())
            .flatten()
            .filter(|&k| k < self.values.len());
        let Some(key) = key else {
            return (self.check)(roll, b"");
        };
        if let Some(Some(Ok(value))) = self.checked.get(key) {
            return Ok(*value);
        }
        let checked = (self.check)(roll, self.values.value(key).as_bytes());
        if let Some(slot) = self.checked.get_mut(key) {
            *slot = Some(checked.clone());
        }
        checked
    }
}

impl<'a> Checker<'a> {
    /// A checker for a row group; `with_rows` keeps the row of every mark.
    pub fn new(roll: &'a Roll, calendar: Option<&'a Calendar>, with_rows: bool) -> Checker<'a> {
        Checker {
            roll,
            calendar,
            current: None,
            runs: FxHashMap::default(),
            errors: Vec::new(),
            row: 0,
            dates: Dates::default(),
            with_rows,
        }
    }

    /// Every pupil's run and the problems found, by row.
    pub fn finish(mut self) -> (FxHashMap<PupilId, Run>, RowErrors) {
        if let Some(run) = self.current.take() {
            self.runs.insert(run.pupil, run);
        }
        (self.runs, self.errors)
    }

    /// Checks a batch of rows (a file error when its columns are not what [`crate::read`]
    /// asked for).
    pub fn batch(&mut self, batch: &RecordBatch) -> Result<(), &'static str> {
        let roll = self.roll;
        let (Some(mut upns), Some(mut sessions), Some(mut codes)) = (
            Lookup::new(batch.column_by_name("upn"), find_pupil),
            Lookup::new(batch.column_by_name("session"), |_, s| parse_session(s)),
            Lookup::new(batch.column_by_name("code"), |_, s| parse_code(s)),
        ) else {
            return Err("its text columns could not be read as text");
        };
        let dates = batch
            .column_by_name("date")
            .and_then(|d| d.as_primitive_opt::<Date32Type>())
            .ok_or("its date column could not be read as dates")?;
        let minutes = batch
            .column_by_name("minutes_late")
            .and_then(|m| m.as_primitive_opt::<Int32Type>());
        for i in 0..batch.num_rows() {
            self.row += 1;
            let row = self.row;
            let mut mark = || -> Result<(), (&'static str, String)> {
                let pupil = upns.get(roll, i).map_err(|e| ("upn", e))?;
                let day = dates
                    .is_valid(i)
                    .then(|| dates.value(i))
                    .ok_or_else(|| ("date", "a mark needs a date".to_owned()))?;
                let session: Session = sessions.get(roll, i).map_err(|e| ("session", e))?;
                let code: Code = codes.get(roll, i).map_err(|e| ("code", e))?;
                let minutes = match minutes.filter(|m| m.is_valid(i)).map(|m| m.value(i)) {
                    None => None,
                    Some(m) => Some(u16::try_from(m).map_err(|_| {
                        let reason = format!("{m} is not a whole number of minutes");
                        ("minutes_late", reason)
                    })?),
                };
                let date = self.dates.get(day);
                let key = SessionKey { date, session };
                let record = roll.pupil(pupil);
                if let Some(record) = record {
                    check_mark(record, key, code, minutes, self.calendar)
                        .map_err(|e| (field_name(&e), e.to_string()))?;
                }
                let slot = Slot::of_day(Day(day), session);
                let run = self.run(pupil, slot);
                run.enter(slot, code, row).map_err(|existing| {
                    let upn = record.map(|p| p.upn.to_string()).unwrap_or_default();
                    let reason = format!("{upn} already has a mark ({existing}) for {key}");
                    ("session", reason)
                })?;
                if let Some(minutes) = minutes.filter(|_| code.is_late()) {
                    run.lates.push((slot, minutes));
                }
                Ok(())
            };
            // One more than are reported, so that the report says it stopped.
            if let Err((field, reason)) = mark()
                && self.errors.len() <= MAX_REPORTED
            {
                self.errors.push((row, field, reason));
            }
        }
        Ok(())
    }

    /// The pupil's run, begun at `slot` if this is their first mark in the group.
    fn run(&mut self, pupil: PupilId, slot: Slot) -> &mut Run {
        if self.current.as_ref().is_some_and(|run| run.pupil != pupil)
            && let Some(done) = self.current.take()
        {
            self.runs.insert(done.pupil, done);
        }
        let (runs, with_rows) = (&mut self.runs, self.with_rows);
        self.current.get_or_insert_with(|| {
            runs.remove(&pupil)
                .unwrap_or_else(|| Run::new(pupil, slot, with_rows))
        })
    }
}

/// A checker's problems as file errors, its rows counted from `first_row + 1`.
pub(crate) fn file_errors(
    path: &std::path::Path,
    first_row: u64,
    errors: RowErrors,
) -> impl Iterator<Item = FileError> {
    errors.into_iter().map(move |(row, field, reason)| {
        FileError::at_row(path, first_row + u64::from(row), Some(field), reason)
    })
}
