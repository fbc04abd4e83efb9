//! Writing a register as Parquet, a row group per block of pupils.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use rollcall_core::{Code, PupilId, Register, Session};
use rollcall_files::FileError;

/// Pupils per row group: about 750,000 marks in a year, a unit a reader can take on one core.
const PUPILS_PER_GROUP: usize = 2_048;

/// A text column kept as a dictionary: each distinct UPN, session or code is stored once per row
/// group and every row holds only its number.
pub(crate) fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The columns of `marks.csv`, typed: text as dictionaries, the date as a date.
fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("upn", dictionary(), false),
        Field::new("date", DataType::Date32, false),
        Field::new("session", dictionary(), false),
        Field::new("code", dictionary(), false),
        Field::new("minutes_late", DataType::Int32, true),
    ]))
}

/// Writes every mark of a register to a Parquet file, pupil by pupil in roll order and session
/// by session.
pub fn write_marks(path: &Path, register: &Register) -> Result<(), FileError> {
    let fail = |e: &dyn std::fmt::Display| FileError::file(path, format!("cannot write: {e}"));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(None)
        .build();
    let mut writer = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema(),
        Some(properties),
    )
    .map_err(|e| fail(&e))?;
    let ids: Vec<PupilId> = register.ids().collect();
    for pupils in ids.chunks(PUPILS_PER_GROUP) {
        let batch = block(register, pupils).map_err(|e| fail(&e))?;
        writer.write(&batch).map_err(|e| fail(&e))?;
        writer.flush().map_err(|e| fail(&e))?;
    }
    writer.close().map_err(|e| fail(&e))?;
    Ok(())
}

/// The marks of a block of pupils as one batch of rows.
fn block(register: &Register, pupils: &[PupilId]) -> Result<RecordBatch, ArrowError> {
    let (mut upns, mut keys) = (Vec::with_capacity(pupils.len()), Vec::new());
    let (mut dates, mut sessions, mut codes, mut minutes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &id in pupils {
        let Some(pupil) = register.pupil(id) else {
            continue;
        };
        let key = i32::try_from(upns.len()).map_err(|e| ArrowError::ExternalError(e.into()))?;
        upns.push(pupil.upn.as_str());
        for (slot, mark) in register.row(id).entries() {
            keys.push(key);
            dates.push(slot.day().0);
            sessions.push(match slot.session() {
                Session::Am => 0,
                Session::Pm => 1,
            });
            codes.push(i32::from(mark.code.as_byte()));
            minutes.push(mark.minutes_late.map(i32::from));
        }
    }
    // Codes are numbered by their byte, so the dictionary is every symbol at its byte.
    let mut symbols =
        vec![""; usize::from(Code::ALL.iter().map(|c| c.as_byte()).max().unwrap_or(0)) + 1];
    for &code in Code::ALL {
        if let Some(symbol) = symbols.get_mut(usize::from(code.as_byte())) {
            *symbol = code.symbol();
        }
    }
    let text = |keys: Vec<i32>, values: Vec<&str>| -> Result<ArrayRef, ArrowError> {
        let values: ArrayRef = Arc::new(StringArray::from(values));
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
            keys.into(),
            values,
        )?))
    };
    RecordBatch::try_new(
        schema(),
        vec![
            text(keys, upns)?,
            Arc::new(Date32Array::from(dates)),
            text(sessions, vec![Session::Am.as_str(), Session::Pm.as_str()])?,
            text(codes, symbols)?,
            Arc::new(Int32Array::from(minutes)),
        ],
    )
}
