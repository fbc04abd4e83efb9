use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::{ArrayRef, Date32Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use rollcall_core::{AcademicYear, Day, Register, Roll};
use rollcall_demo::{DemoConfig, generate};
use rollcall_files::error::MAX_REPORTED;
use rollcall_files::read_pupils;

use super::*;

const PUPILS: &str = "upn,legal_surname,legal_forename,preferred_forename,date_of_birth,sex,year_group,reg_group,entry_date,leaving_date,fsm,eal,sen\n\
    B801200005001,Able,Amy,,2015-03-01,F,5,5A,,,N,N,N\n\
    Q801200005002,Baker,Ben,,2015-04-01,M,5,5A,2025-09-08,,N,N,N\n";

/// A row as another tool might write it: plain text columns, the date as a date.
type Row<'a> = (&'a str, &'a str, &'a str, &'a str, Option<i32>);

fn day(date: &str) -> i32 {
    Day::of(date.parse().unwrap()).0
}

/// Writes rows as Parquet with the columns named and typed as given.
fn write(path: &Path, fields: Vec<Field>, columns: Vec<ArrayRef>) {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn write_rows(path: &Path, rows: &[Row<'static>]) {
    let text = |i: fn(&Row<'static>) -> &'static str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(i).collect::<Vec<_>>()))
    };
    write(
        path,
        vec![
            Field::new("upn", DataType::Utf8, false),
            Field::new("date", DataType::Date32, false),
            Field::new("session", DataType::Utf8, false),
            Field::new("code", DataType::Utf8, false),
            Field::new("minutes_late", DataType::Int32, true),
        ],
        vec![
            text(|r| r.0),
            Arc::new(Date32Array::from(
                rows.iter().map(|r| day(r.1)).collect::<Vec<_>>(),
            )),
            text(|r| r.2),
            text(|r| r.3),
            Arc::new(Int32Array::from(
                rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            )),
        ],
    );
}

fn roll_in(dir: &Path) -> Roll {
    std::fs::write(dir.join("pupils.csv"), PUPILS).unwrap();
    read_pupils(&dir.join("pupils.csv")).unwrap()
}

/// Reads a Parquet file for the two pupils; errors with the directory written DIR.
fn load(dir: &Path, path: &Path) -> Result<Register, String> {
    let roll = roll_in(dir);
    read_marks(path, &roll, None, &|_| {})
        .map(|b| b.finish(roll))
        .map_err(|e| e.to_string().replace(&dir.display().to_string(), "DIR"))
}

#[test]
fn a_year_written_is_read_back_mark_for_mark() {
    let school = generate(&DemoConfig {
        pupils: 120,
        seed: 7,
        year: AcademicYear(2025),
        through: None,
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    write_marks(&path, &school.register).unwrap();
    assert!(is_parquet(&path));

    let roll = school.register.roll().clone();
    let read = AtomicU64::new(0);
    let progress = |n: u64| {
        read.fetch_add(n, Ordering::Relaxed);
    };
    let builder = read_marks(&path, &roll, Some(&school.policy.calendar), &progress).unwrap();
    let again = builder.finish(roll);
    assert!(read.load(Ordering::Relaxed) > 0);
    assert_eq!(again.mark_count(), school.register.mark_count());
    let lates = school
        .register
        .ids()
        .flat_map(|id| school.register.row(id).entries().collect::<Vec<_>>())
        .filter(|(_, mark)| mark.minutes_late.is_some())
        .count();
    assert!(lates > 0, "the demo has minutes late to carry");
    for id in school.register.ids() {
        let written: Vec<_> = school.register.row(id).entries().collect();
        let read: Vec<_> = again.row(id).entries().collect();
        assert_eq!(written, read, "pupil {id}");
    }
}

#[test]
fn bad_rows_name_file_row_and_field_as_the_csv_reader_does() {
    let good = ("B801200005001", "2025-09-03", "AM", "/", None);
    let table: [(Row<'static>, &str); 9] = [
        (
            ("B801200005001", "2025-09-03", "AM", "H1", None),
            "DIR/marks.parquet, row 2, field code: \"H1\" is not an attendance code",
        ),
        (
            ("A801200005001", "2025-09-03", "AM", "/", None),
            "row 2, field upn: the check letter should be B",
        ),
        (
            ("E801200005003", "2025-09-03", "AM", "/", None),
            "row 2, field upn: no pupil with UPN E801200005003 is in the pupils file",
        ),
        (
            ("B801200005001", "2025-09-03", "XX", "/", None),
            "row 2, field session",
        ),
        (
            ("Q801200005002", "2025-09-03", "AM", "/", None),
            "row 2, field date: Q801200005002 starts on Mon 8 Sep 2025",
        ),
        (
            ("B801200005001", "2025-09-03", "AM", "H", None),
            "row 2, field code: H was withdrawn on 19 August 2024",
        ),
        (
            ("B801200005001", "2025-09-03", "PM", "I", Some(5)),
            "row 2, field minutes_late: minutes late are only recorded with L or U",
        ),
        (
            ("B801200005001", "2025-09-03", "PM", "L", Some(-5)),
            "row 2, field minutes_late: -5 is not a whole number of minutes",
        ),
        (
            ("B801200005001", "2025-09-03", "AM", "I", None),
            "row 2, field session: B801200005001 already has a mark (/) for 2025-09-03 AM",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    for (row, message) in table {
        write_rows(&path, &[good, row]);
        let err = load(dir.path(), &path).unwrap_err();
        assert!(err.contains(message), "{row:?}\n{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A good file of the same shape is read, late minutes and all.
    write_rows(
        &path,
        &[good, ("Q801200005002", "2025-09-08", "am", "L", Some(12))],
    );
    let register = load(dir.path(), &path).unwrap();
    assert_eq!(register.mark_count(), 2);
}

#[test]
fn many_errors_are_reported_in_row_order_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    let rows = vec![("B801200005001", "2025-09-03", "AM", "??", None); 50];
    write_rows(&path, &rows);
    let err = load(dir.path(), &path).unwrap_err();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), MAX_REPORTED + 1, "{err}");
    assert!(lines[0].contains("row 1,"), "{err}");
    assert!(lines[19].contains("row 20,"), "{err}");
    assert!(lines[20].contains("stopped after 20"), "{err}");
}

#[test]
fn columns_are_found_by_name_and_checked_by_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    let text = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
    // Any order, extra columns, no minutes_late.
    write(
        &path,
        vec![
            Field::new("code", DataType::Utf8, false),
            Field::new("note", DataType::Utf8, true),
            Field::new("session", DataType::Utf8, false),
            Field::new("date", DataType::Date32, false),
            Field::new("upn", DataType::Utf8, false),
        ],
        vec![
            text("/"),
            text("anything"),
            text("AM"),
            Arc::new(Date32Array::from(vec![day("2025-09-03")])),
            text("B801200005001"),
        ],
    );
    assert_eq!(load(dir.path(), &path).unwrap().mark_count(), 1);

    let cases: [(Vec<Field>, Vec<ArrayRef>, &str); 3] = [
        (
            vec![
                Field::new("upn", DataType::Utf8, false),
                Field::new("date", DataType::Utf8, false),
                Field::new("session", DataType::Utf8, false),
                Field::new("code", DataType::Utf8, false),
            ],
            vec![
                text("B801200005001"),
                text("2025-09-03"),
                text("AM"),
                text("/"),
            ],
            "DIR/marks.parquet, field date: must be a DATE; this file's is Utf8",
        ),
        (
            vec![
                Field::new("upn", DataType::Utf8, false),
                Field::new("date", DataType::Date32, false),
                Field::new("session", DataType::Utf8, false),
                Field::new("code", DataType::Int64, false),
            ],
            vec![
                text("B801200005001"),
                Arc::new(Date32Array::from(vec![day("2025-09-03")])),
                text("AM"),
                Arc::new(Int64Array::from(vec![1])),
            ],
            "field code: must be text; this file's is Int64",
        ),
        (
            vec![
                Field::new("upn", DataType::Utf8, false),
                Field::new("date", DataType::Date32, false),
                Field::new("code", DataType::Utf8, false),
            ],
            vec![
                text("B801200005001"),
                Arc::new(Date32Array::from(vec![day("2025-09-03")])),
                text("/"),
            ],
            "DIR/marks.parquet: has no column session",
        ),
    ];
    for (fields, columns, message) in cases {
        write(&path, fields, columns);
        let err = load(dir.path(), &path).unwrap_err();
        assert!(err.contains(message), "{err}");
    }
}

#[test]
fn a_file_that_is_not_parquet_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    std::fs::write(&path, "upn,date,session,code\n").unwrap();
    assert!(!is_parquet(&path));
    let err = load(dir.path(), &path).unwrap_err();
    assert!(
        err.starts_with("DIR/marks.parquet: cannot be read as Parquet"),
        "{err}"
    );
}

#[test]
fn rows_in_any_order_across_row_groups_and_clashes_between_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marks.parquet");
    let groups: [&[Row<'static>]; 2] = [
        &[
            ("B801200005001", "2025-09-09", "PM", "/", None),
            ("Q801200005002", "2025-09-08", "AM", "/", None),
            ("B801200005001", "2025-09-08", "AM", "L", Some(4)),
        ],
        &[
            ("Q801200005002", "2025-09-08", "PM", "\\", None),
            ("B801200005001", "2025-09-08", "PM", "\\", None),
        ],
    ];
    // Two row groups, the pupils' rows interleaved and out of date order.
    let write_groups = |groups: &[&[Row<'static>]]| {
        let parts: Vec<_> = groups
            .iter()
            .map(|rows| {
                let part = dir.path().join("part.parquet");
                write_rows(&part, rows);
                let file = std::fs::File::open(&part).unwrap();
                let reader =
                    parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 1024)
                        .unwrap();
                reader.map(|b| b.unwrap()).collect::<Vec<_>>()
            })
            .collect();
        let schema = parts[0][0].schema();
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
        for batches in parts {
            for batch in batches {
                writer.write(&batch).unwrap();
            }
            writer.flush().unwrap();
        }
        writer.close().unwrap();
    };
    write_groups(&groups);
    let register = load(dir.path(), &path).unwrap();
    assert_eq!(register.mark_count(), 5);
    let amy = register
        .find(&rollcall_core::Upn::parse("B801200005001").unwrap())
        .unwrap();
    let marks: Vec<String> = register
        .row(amy)
        .entries()
        .map(|(slot, mark)| format!("{} {}{:?}", slot.key(), mark.code, mark.minutes_late))
        .collect();
    assert_eq!(
        marks,
        [
            "2025-09-08 AM LSome(4)",
            "2025-09-08 PM \\None",
            "2025-09-09 PM /None"
        ]
    );

    // The second group marks a session the first group marked: the later row is named.
    let clash: [&[Row<'static>]; 2] = [
        groups[0],
        &[
            groups[1][0],
            ("B801200005001", "2025-09-09", "PM", "N", None),
        ],
    ];
    write_groups(&clash);
    let err = load(dir.path(), &path).unwrap_err();
    assert_eq!(
        err,
        "DIR/marks.parquet, row 5, field session: B801200005001 already has a mark (/) for 2025-09-09 PM"
    );
}
