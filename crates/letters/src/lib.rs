//! rollcall's letters: a library of templates with merge fields (seed 001 letters 1–3, seed
//! 000 SAL 1 and 2, seed 002's traffic-light letter, a 100% certificate, leave decisions, a
//! notice to improve), each school's own wording of them, and printing letters, batches and
//! reports to PDF in process with typst.

mod learning;
mod library;
mod pdf;

pub use learning::learning_hours;
pub use library::{FIELDS, Layout, LetterKind, Letters, SAVED_PREFIX, example_fields};
pub use pdf::{Block, Letter, PdfError, Report, Section, Table, letters_pdf, report_pdf};
