//! `marks.csv`: one row per pupil per session.
//!
//! A local authority's year is about 76 million rows, so the file is read in blocks that end at
//! a line break, parsed and checked on every core, and merged into the register in file order;
//! memory holds a few blocks at a time, never the file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use csv_core::ReadRecordResult;
use jiff::civil::Date;
use rollcall_core::{
    Calendar, Code, Day, MarkError, MarkField, PupilId, Register, RegisterBuilder, Roll, Session,
    SessionKey, Slot, Upn, check_mark,
};
use rustc_hash::FxHashMap;

use crate::error::{FileError, LoadError, MAX_REPORTED};
use crate::fields::{Header, parse_date};

/// The columns of `marks.csv`, in the order rollcall writes them.
pub const MARK_COLUMNS: [&str; 5] = ["upn", "date", "session", "code", "minutes_late"];

/// Bytes read per block.
const BLOCK: usize = 4 << 20;

/// The columns found in the header; `minutes_late` may be absent.
#[derive(Clone, Copy)]
struct Columns {
    upn: usize,
    date: usize,
    session: usize,
    code: usize,
    minutes: Option<usize>,
    count: usize,
}

/// A block of whole lines, numbered in file order.
struct Block {
    index: u64,
    bytes: Vec<u8>,
}

/// A mark parsed and checked, waiting to be entered in file order.
#[derive(Clone, Copy)]
struct Parsed {
    pupil: PupilId,
    slot: Slot,
    /// The line within the block, from 0.
    line: u32,
    code: Code,
    minutes: Option<u16>,
}

/// What a worker made of a block.
struct Outcome {
    index: u64,
    lines: u64,
    marks: Vec<Parsed>,
    errors: Vec<(u64, &'static str, String)>,
}

/// Reads `marks.csv` into a register for `roll`. With a calendar, marks must fall on its open
/// sessions (or be `#` on its closed ones). All or nothing: any problem fails the whole load.
/// `progress` is told each time more of the file has been read, how many bytes more.
pub fn read_marks(
    path: &Path,
    roll: &Roll,
    calendar: Option<&Calendar>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RegisterBuilder, LoadError> {
    let mut file =
        File::open(path).map_err(|e| FileError::file(path, format!("cannot open: {e}")))?;
    let (columns, carry) = read_header(path, &mut file)?;
    progress(file.stream_position().unwrap_or_default());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let stop = AtomicBool::new(false);
    let (block_tx, block_rx) = sync_channel::<Block>(threads * 2);
    let block_rx = Mutex::new(block_rx);
    let (outcome_tx, outcome_rx) = sync_channel::<Outcome>(threads * 2);
    let (spare_tx, spare_rx) = channel::<Vec<u8>>();
    let (spare_marks_tx, spare_marks_rx) = channel::<Vec<Parsed>>();
    let spare_marks_rx = Arc::new(Mutex::new(spare_marks_rx));

    let mut builder = RegisterBuilder::new(roll);
    let mut errors: Vec<FileError> = Vec::new();
    let read_result = std::thread::scope(|scope| {
        let stop = &stop;
        let reader =
            scope.spawn(move || read_blocks(file, carry, &block_tx, &spare_rx, stop, progress));
        for _ in 0..threads {
            let (rx, tx, spare, spare_marks) = (
                &block_rx,
                outcome_tx.clone(),
                spare_tx.clone(),
                Arc::clone(&spare_marks_rx),
            );
            scope.spawn(move || {
                parse_blocks(rx, &tx, &spare, &spare_marks, columns, roll, calendar, stop);
            });
        }
        drop(outcome_tx);
        merge(
            path,
            roll,
            &outcome_rx,
            &spare_marks_tx,
            &mut builder,
            &mut errors,
            stop,
        );
        reader.join()
    });
    match read_result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => errors.push(FileError::file(path, format!("cannot read: {e}"))),
        Err(_) => errors.push(FileError::file(path, "the reader stopped unexpectedly")),
    }
    if errors.is_empty() {
        Ok(builder)
    } else {
        let stopped = stop.load(Ordering::Relaxed);
        Err(LoadError::from_errors(errors, stopped))
    }
}

/// Reads the header line and returns the columns and the bytes read after it.
fn read_header(path: &Path, file: &mut File) -> Result<(Columns, Vec<u8>), FileError> {
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let end = loop {
        if let Some(end) = memchr::memchr(b'\n', &buffer) {
            break end;
        }
        let n = file
            .read(&mut chunk)
            .map_err(|e| FileError::file(path, format!("cannot read: {e}")))?;
        if n == 0 {
            break buffer.len();
        }
        buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let line = buffer.get(..end).unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line);
    let record = reader
        .records()
        .next()
        .transpose()
        .map_err(|e| FileError::at(path, 1, None, e))?
        .ok_or_else(|| FileError::at(path, 1, None, "the file is empty; it needs a header"))?;
    let header = Header::new(record.iter());
    let columns = Columns {
        upn: header.required(path, "upn")?,
        date: header.required(path, "date")?,
        session: header.required(path, "session")?,
        code: header.required(path, "code")?,
        minutes: header.optional("minutes_late"),
        count: header.len(),
    };
    let rest = buffer.get(end + 1..).unwrap_or_default().to_vec();
    Ok((columns, rest))
}

/// Sends the file in blocks of whole lines.
fn read_blocks(
    mut file: File,
    mut carry: Vec<u8>,
    blocks: &SyncSender<Block>,
    spare: &Receiver<Vec<u8>>,
    stop: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> std::io::Result<()> {
    let mut index = 0;
    let mut eof = false;
    while !eof && !stop.load(Ordering::Relaxed) {
        let mut bytes = spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BLOCK + (64 << 10)));
        bytes.clear();
        bytes.append(&mut carry);
        // Fill to BLOCK, and beyond if a single line is longer than that.
        loop {
            let start = bytes.len();
            let want = BLOCK.saturating_sub(start).max(64 << 10);
            let n = (&mut file).take(want as u64).read_to_end(&mut bytes)?;
            progress(n as u64);
            if n == 0 {
                eof = true;
                break;
            }
            if bytes.len() >= BLOCK
                && memchr::memchr(b'\n', bytes.get(start..).unwrap_or_default()).is_some()
            {
                break;
            }
        }
        if !eof {
            let cut = memchr::memrchr(b'\n', &bytes).map_or(bytes.len(), |i| i + 1);
            carry.extend_from_slice(bytes.get(cut..).unwrap_or_default());
            bytes.truncate(cut);
        }
        if bytes.is_empty() {
            continue;
        }
        if blocks.send(Block { index, bytes }).is_err() {
            break;
        }
        index += 1;
    }
    Ok(())
}

/// Parses and checks blocks until there are none left.
#[allow(clippy::too_many_arguments)]
fn parse_blocks(
    blocks: &Mutex<Receiver<Block>>,
    outcomes: &SyncSender<Outcome>,
    spare: &Sender<Vec<u8>>,
    spare_marks: &Mutex<Receiver<Vec<Parsed>>>,
    columns: Columns,
    roll: &Roll,
    calendar: Option<&Calendar>,
    stop: &AtomicBool,
) {
    let mut parser = Parser::new(columns, roll, calendar);
    loop {
        let next = match blocks.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(block) = next else { return };
        let marks = spare_marks
            .lock()
            .ok()
            .and_then(|rx| rx.try_recv().ok())
            .unwrap_or_default();
        let outcome = if stop.load(Ordering::Relaxed) {
            Outcome {
                index: block.index,
                lines: 0,
                marks,
                errors: Vec::new(),
            }
        } else {
            parser.parse(&block, marks)
        };
        // The reader may have finished; a lost spare buffer is only an allocation.
        let _ = spare.send(block.bytes);
        if outcomes.send(outcome).is_err() {
            return;
        }
    }
}

/// Enters parsed marks in file order, turning block-relative lines into file lines.
fn merge(
    path: &Path,
    roll: &Roll,
    outcomes: &Receiver<Outcome>,
    spare_marks: &Sender<Vec<Parsed>>,
    builder: &mut RegisterBuilder,
    errors: &mut Vec<FileError>,
    stop: &AtomicBool,
) {
    let mut waiting: BTreeMap<u64, Outcome> = BTreeMap::new();
    let mut next = 0u64;
    // The header is line 1.
    let mut lines_before = 1u64;
    for outcome in outcomes {
        waiting.insert(outcome.index, outcome);
        while let Some(mut outcome) = waiting.remove(&next) {
            next += 1;
            if stop.load(Ordering::Relaxed) {
                continue;
            }
            for (line, field, reason) in outcome.errors.drain(..) {
                let field = (!field.is_empty()).then_some(field);
                errors.push(FileError::at(path, lines_before + line + 1, field, reason));
            }
            for mark in outcome.marks.drain(..) {
                if let Err(occupied) =
                    builder.insert(mark.pupil, mark.slot, mark.code, mark.minutes)
                {
                    let upn = roll
                        .pupil(mark.pupil)
                        .map(|p| p.upn.to_string())
                        .unwrap_or_default();
                    errors.push(FileError::at(
                        path,
                        lines_before + u64::from(mark.line) + 1,
                        Some("session"),
                        format!(
                            "{upn} already has a mark ({}) for {}",
                            occupied.existing,
                            mark.slot.key()
                        ),
                    ));
                }
            }
            lines_before += outcome.lines;
            let _ = spare_marks.send(outcome.marks);
            if errors.len() >= MAX_REPORTED {
                stop.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// A worker's parsing state: the CSV reader's buffers and the caches.
struct Parser<'a> {
    output: Vec<u8>,
    ends: Vec<usize>,
    checker: Checker<'a>,
}

/// Turns fields into checked marks, remembering the last pupil and every date seen, since
/// exports list a pupil's sessions together and a year has only a few hundred dates.
struct Checker<'a> {
    columns: Columns,
    roll: &'a Roll,
    calendar: Option<&'a Calendar>,
    last_upn: Option<([u8; 13], PupilId)>,
    last_date: Option<([u8; 10], Date)>,
    dates: FxHashMap<[u8; 10], Date>,
}

type FieldError = (&'static str, String);

impl<'a> Parser<'a> {
    fn new(columns: Columns, roll: &'a Roll, calendar: Option<&'a Calendar>) -> Parser<'a> {
        Parser {
            output: vec![0; 1024],
            ends: vec![0; columns.count.max(8) + 1],
            checker: Checker {
                columns,
                roll,
                calendar,
                last_upn: None,
                last_date: None,
                dates: FxHashMap::default(),
            },
        }
    }

    fn parse(&mut self, block: &Block, mut marks: Vec<Parsed>) -> Outcome {
        marks.clear();
        let mut errors = Vec::new();
        let mut reader = csv_core::Reader::new();
        let mut input: &[u8] = &block.bytes;
        let (mut out_len, mut ends_len) = (0, 0);
        loop {
            let line = reader.line().saturating_sub(1);
            let (result, read, written, ended) = reader.read_record(
                input,
                self.output.get_mut(out_len..).unwrap_or_default(),
                self.ends.get_mut(ends_len..).unwrap_or_default(),
            );
            input = input.get(read..).unwrap_or_default();
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => self.output.resize(self.output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    let fields = Fields {
                        output: &self.output,
                        ends: self.ends.get(..ends_len).unwrap_or_default(),
                    };
                    match self.checker.mark(fields, line) {
                        Ok(Some(mark)) => marks.push(mark),
                        Ok(None) => {}
                        Err(e) if errors.len() < MAX_REPORTED => errors.push((line, e.0, e.1)),
                        Err(_) => {}
                    }
                    out_len = 0;
                    ends_len = 0;
                }
                ReadRecordResult::End => break,
            }
        }
        Outcome {
            index: block.index,
            lines: reader.line().saturating_sub(1),
            marks,
            errors,
        }
    }
}

/// The fields of one record, as csv-core leaves them.
#[derive(Clone, Copy)]
struct Fields<'b> {
    output: &'b [u8],
    ends: &'b [usize],
}

impl<'b> Fields<'b> {
    fn len(self) -> usize {
        self.ends.len()
    }

    /// Field `i`, without surrounding spaces.
    fn get(self, i: usize) -> &'b [u8] {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).copied().unwrap_or(0),
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.output.get(start..end).unwrap_or_default().trim_ascii()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Checker<'_> {
    fn mark(&mut self, fields: Fields<'_>, line: u64) -> Result<Option<Parsed>, FieldError> {
        if fields.len() == 1 && fields.get(0).is_empty() {
            return Ok(None);
        }
        let c = self.columns;
        if fields.len() != c.count {
            return Err((
                "",
                format!(
                    "this row has {} fields; the header has {}",
                    fields.len(),
                    c.count
                ),
            ));
        }
        let pupil = self.pupil(fields.get(c.upn))?;
        let date = self.date(fields.get(c.date))?;
        let session = parse_session(fields.get(c.session)).map_err(|e| ("session", e))?;
        let code = parse_code(fields.get(c.code)).map_err(|e| ("code", e))?;
        let minutes = match c.minutes.map(|i| fields.get(i)) {
            None | Some(b"") => None,
            Some(digits) => Some(
                std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<u16>().ok())
                    .ok_or_else(|| {
                        (
                            "minutes_late",
                            format!("{:?} is not a whole number of minutes", text(digits)),
                        )
                    })?,
            ),
        };
        let key = SessionKey { date, session };
        if let Some(record) = self.roll.pupil(pupil) {
            check_mark(record, key, code, minutes, self.calendar)
                .map_err(|e| (field_name(&e), e.to_string()))?;
        }
        Ok(Some(Parsed {
            pupil,
            slot: key.slot(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            code,
            minutes: minutes.filter(|_| code.is_late()),
        }))
    }

    fn pupil(&mut self, upn: &[u8]) -> Result<PupilId, FieldError> {
        let key = <[u8; 13]>::try_from(upn).ok();
        if let (Some(key), Some((last, id))) = (key, self.last_upn)
            && key == last
        {
            return Ok(id);
        }
        let id = find_pupil(self.roll, upn).map_err(|e| ("upn", e))?;
        self.last_upn = key.map(|k| (k, id));
        Ok(id)
    }

    fn date(&mut self, bytes: &[u8]) -> Result<Date, FieldError> {
        let key = <[u8; 10]>::try_from(bytes).ok();
        if let (Some(key), Some((last, date))) = (key, self.last_date)
            && key == last
        {
            return Ok(date);
        }
        let date = match key.and_then(|k| self.dates.get(&k)) {
            Some(date) => *date,
            None => {
                let date = parse_date(&text(bytes)).map_err(|e| ("date", e))?;
                if let Some(key) = key {
                    self.dates.insert(key, date);
                }
                date
            }
        };
        self.last_date = key.map(|k| (k, date));
        Ok(date)
    }
}

/// The session a field names: `AM` or `PM`, in either case.
pub fn parse_session(field: &[u8]) -> Result<Session, String> {
    match field {
        s if s.eq_ignore_ascii_case(b"AM") => Ok(Session::Am),
        s if s.eq_ignore_ascii_case(b"PM") => Ok(Session::Pm),
        s => Err(format!("a session is AM or PM; found {:?}", text(s))),
    }
}

/// The attendance code a field holds.
pub fn parse_code(field: &[u8]) -> Result<Code, String> {
    Code::from_bytes(field).ok_or_else(|| format!("{:?} is not an attendance code", text(field)))
}

/// The pupil on the roll whose UPN a field holds.
pub fn find_pupil(roll: &Roll, field: &[u8]) -> Result<PupilId, String> {
    let upn = Upn::parse(&text(field)).map_err(|e| e.to_string())?;
    roll.find(&upn)
        .ok_or_else(|| format!("no pupil with UPN {upn} is in the pupils file"))
}

/// The column of the marks file a refused mark's problem is in.
pub fn field_name(error: &MarkError) -> &'static str {
    match error.field() {
        MarkField::Upn => "upn",
        MarkField::Date => "date",
        MarkField::Session => "session",
        MarkField::Code => "code",
        MarkField::MinutesLate => "minutes_late",
    }
}

/// Writes `marks.csv` for a register, pupil by pupil and session by session, formatting on every
/// core and writing in order.
pub fn write_marks(path: &Path, register: &Register) -> Result<(), FileError> {
    let fail = |e: std::io::Error| FileError::file(path, format!("cannot write: {e}"));
    let mut file = std::io::BufWriter::with_capacity(1 << 20, File::create(path).map_err(fail)?);
    file.write_all(MARK_COLUMNS.join(",").as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(fail)?;
    let Some(span) = register.span() else {
        return file.flush().map_err(fail);
    };
    let first_day = Day::of(span.first);
    let days = Day::of(span.last).0 - first_day.0 + 1;
    let dates: Vec<String> = (0..days)
        .map(|d| first_day.plus(d).date().to_string())
        .collect();
    let ids: Vec<PupilId> = register.ids().collect();
    const CHUNK: usize = 2_000;
    let chunks: Vec<&[PupilId]> = ids.chunks(CHUNK).collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = sync_channel::<(usize, Vec<u8>)>(threads * 2);
    std::thread::scope(|scope| -> Result<(), FileError> {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, chunks, dates) = (&next, &chunks, &dates);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { return };
                    let mut out = Vec::with_capacity(chunk.len() * 400 * 30);
                    for &id in *chunk {
                        format_row(&mut out, register, id, first_day, dates);
                    }
                    if tx.send((i, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for (i, bytes) in rx {
            waiting.insert(i, bytes);
            while let Some(bytes) = waiting.remove(&expected) {
                file.write_all(&bytes).map_err(fail)?;
                expected += 1;
            }
        }
        Ok(())
    })?;
    file.flush().map_err(fail)
}

fn format_row(
    out: &mut Vec<u8>,
    register: &Register,
    id: PupilId,
    first_day: Day,
    dates: &[String],
) {
    let Some(pupil) = register.pupil(id) else {
        return;
    };
    let upn = pupil.upn.as_str().as_bytes();
    for (slot, mark) in register.row(id).entries() {
        let Some(date) = usize::try_from(slot.day().0 - first_day.0)
            .ok()
            .and_then(|i| dates.get(i))
        else {
            continue;
        };
        out.extend_from_slice(upn);
        out.push(b',');
        out.extend_from_slice(date.as_bytes());
        out.push(b',');
        out.extend_from_slice(slot.session().as_str().as_bytes());
        out.push(b',');
        out.extend_from_slice(mark.code.symbol().as_bytes());
        out.push(b',');
        if let Some(minutes) = mark.minutes_late {
            out.extend_from_slice(minutes.to_string().as_bytes());
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pupils::read_pupils;

    const PUPILS: &str = "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal,sen\n\
        B801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N,N\n\
        Q801200005002,Baker,Ben,,2015-04-01,M,5,5A,2025-09-08,,N,N,N\n";

    fn load(marks: &str) -> Result<Register, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pupils.csv"), PUPILS).unwrap();
        std::fs::write(dir.path().join("marks.csv"), marks).unwrap();
        let roll = read_pupils(&dir.path().join("pupils.csv")).unwrap();
        let read = std::sync::atomic::AtomicU64::new(0);
        let progress = |n: u64| {
            read.fetch_add(n, Ordering::Relaxed);
        };
        read_marks(&dir.path().join("marks.csv"), &roll, None, &progress)
            .inspect(|_| {
                // Told of every byte of the file, the header's too.
                assert_eq!(read.load(Ordering::Relaxed), marks.len() as u64);
            })
            .map(|b| b.finish(roll))
            .map_err(|e| {
                e.to_string()
                    .replace(&dir.path().display().to_string(), "DIR")
            })
    }

    #[test]
    fn reads_any_order_any_columns() {
        let register = load(
            "session,code,UPN,date,notes\n\
             PM,I,B801200005001,2025-09-03,\n\
             AM,\"/\",B801200005001,2025-09-03,\"with, comma\"\r\n\
             \n\
             AM,L,Q801200005002,2025-09-08,\n",
        )
        .unwrap();
        assert_eq!(register.mark_count(), 3);
        let id = register
            .find(&Upn::parse("B801200005001").unwrap())
            .unwrap();
        let am = register.mark(
            id,
            SessionKey {
                date: jiff::civil::date(2025, 9, 3),
                session: Session::Am,
            }
            .slot(),
        );
        assert_eq!(am.unwrap().code, Code::PresentAm);
    }

    #[test]
    fn bad_rows_name_file_line_field() {
        let header = "upn,date,session,code,minutes_late\n";
        let table = [
            (
                "B801200005001,2025-09-03,AM,H1,",
                "DIR/marks.csv, line 2, field code: \"H1\" is not an attendance code",
            ),
            (
                "A801200005001,2025-09-03,AM,/,",
                "line 2, field upn: the check letter should be B",
            ),
            (
                "E801200005003,2025-09-03,AM,/,",
                "line 2, field upn: no pupil with UPN E801200005003 is in the pupils file",
            ),
            (
                "B801200005001,2025-09-31,AM,/,",
                "line 2, field date: \"2025-09-31\" is not a date on the calendar",
            ),
            (
                "B801200005001,03/09/2025,AM,/,",
                "line 2, field date: \"03/09/2025\" is not a date written YYYY-MM-DD",
            ),
            ("B801200005001,2025-09-03,XX,/,", "line 2, field session"),
            (
                "Q801200005002,2025-09-03,AM,/,",
                "line 2, field date: Q801200005002 starts on Mon 8 Sep 2025",
            ),
            (
                "B801200005001,2025-09-03,AM,H,",
                "line 2, field code: H was withdrawn on 19 August 2024",
            ),
            (
                "B801200005001,2025-09-03,AM,I,5",
                "line 2, field minutes_late: minutes late are only recorded with L or U",
            ),
            (
                "B801200005001,2025-09-03,AM,L,soon",
                "line 2, field minutes_late: \"soon\" is not a whole number",
            ),
            (
                "B801200005001,2025-09-03,AM,/",
                "line 2: this row has 4 fields; the header has 5",
            ),
            (
                "B801200005001,2025-09-03,AM,/,\nB801200005001,2025-09-03,AM,I,",
                "line 3, field session: B801200005001 already has a mark (/) for 2025-09-03 AM",
            ),
        ];
        for (rows, message) in table {
            let err = load(&format!("{header}{rows}\n")).unwrap_err();
            assert!(err.contains(message), "{rows}\n{err}");
        }
        let err = load("upn,date,code\n").unwrap_err();
        assert!(
            err.contains("line 1, field session: the header has no session column"),
            "{err}"
        );
        let err = load("").unwrap_err();
        assert!(err.contains("line 1: the file is empty"), "{err}");
    }

    #[test]
    fn many_errors_are_reported_in_line_order_and_capped() {
        let mut text = String::from("upn,date,session,code,minutes_late\n");
        for _ in 0..50 {
            text.push_str("B801200005001,2025-09-03,AM,??,\n");
        }
        let err = load(&text).unwrap_err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), MAX_REPORTED + 1, "{err}");
        assert!(lines[0].contains("line 2,"));
        assert!(lines[19].contains("line 21,"));
        assert!(lines[20].contains("stopped after 20"));
    }

    #[test]
    fn blocks_split_on_line_breaks() {
        // Enough rows to span several blocks, with a duplicate in the last block.
        let upn = "B801200005001";
        let mut text = String::from("upn,date,session,code,minutes_late\n");
        let mut day = Day::of(jiff::civil::date(2000, 1, 3));
        let mut rows = 0u64;
        while text.len() < 2 * BLOCK + 1000 {
            let date = day.date();
            let code = if date >= rollcall_core::code::CODES_2024_IN_FORCE {
                "I"
            } else {
                "M"
            };
            text.push_str(&format!("{upn},{date},AM,{code},\n{upn},{date},PM,L,7\n"));
            day = day.plus(1);
            rows += 2;
        }
        let register = load(&text).unwrap();
        assert_eq!(register.mark_count(), rows);
        let id = register.find(&Upn::parse(upn).unwrap()).unwrap();
        let row = register.row(id);
        assert_eq!(row.lates.len() as u64, rows / 2);
        // Round trip through the writer.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("marks.csv");
        write_marks(&out, &register).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
        text.push_str(&format!("{upn},2000-01-03,PM,I,\n"));
        let err = load(&text).unwrap_err();
        assert!(
            err.contains(&format!("line {}, field session", rows + 2)),
            "{err}"
        );
    }
}
