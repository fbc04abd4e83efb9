//! Printing to PDF with typst, in process: the layouts are typst files built into rollcall, the
//! content goes in as JSON (so nothing a school or a parent types is read as markup), and the
//! fonts are typst's own, embedded in the binary. Nothing is read from disk or the network.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::library::Layout;

/// A table: a header row and rows of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Above the table.
    pub caption: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows; the row to pick out, if any, is `highlight`.
    pub rows: Vec<Vec<String>>,
    /// The index of a row to pick out (the pupil's own).
    pub highlight: Option<usize>,
}

/// One letter as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// Letter or certificate.
    pub layout: Layout,
    /// The letterhead: the school's name, then its other lines.
    pub school: Vec<String>,
    /// The recipient's name and address, as on a label.
    pub recipient: Vec<String>,
    /// The date, in words.
    pub date: String,
    /// "Dear Mrs Able,".
    pub salutation: String,
    /// The subject line.
    pub subject: String,
    /// Whom it is about: "Amelia Able, 3A".
    pub about: String,
    /// Paragraphs, each as its lines.
    pub paragraphs: Vec<Vec<String>>,
    /// A table after the signature.
    pub table: Option<Table>,
    /// "Yours sincerely,".
    pub closing: String,
    /// The signatory's name and position.
    pub signatory: Vec<String>,
}

/// A block of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A paragraph.
    Paragraph {
        /// The text.
        text: String,
    },
    /// Labelled values.
    Fields {
        /// (label, value) pairs.
        pairs: Vec<(String, String)>,
    },
    /// A table.
    Table(Table),
    /// A letter, set inside the report.
    Letter(Box<Letter>),
}

/// A section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Its heading.
    pub heading: String,
    /// What it holds.
    pub blocks: Vec<Block>,
}

/// A report, such as the evidence pack for a referral to the local authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The title.
    pub title: String,
    /// Lines under the title.
    pub subtitle: Vec<String>,
    /// The sections, each on a new page.
    pub sections: Vec<Section>,
}

/// Why a PDF could not be made. The layouts are rollcall's own, so this is a fault in rollcall,
/// never in what a school typed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PdfError {
    /// Typesetting failed.
    #[error("the document could not be typeset: {0}")]
    Typeset(String),
    /// The content could not be encoded.
    #[error("the document's content could not be encoded: {0}")]
    Encode(String),
}

const LETTERS: &str = include_str!("letters.typ");
const REPORT: &str = include_str!("report.typ");
const COMMON: &str = include_str!("common.typ");

/// Letters (one or a batch), each starting on a new page.
pub fn letters_pdf(letters: &[Letter]) -> Result<Vec<u8>, PdfError> {
    #[derive(Serialize)]
    struct Batch<'a> {
        letters: &'a [Letter],
    }
    typeset(LETTERS, &Batch { letters })
}

/// A report.
pub fn report_pdf(report: &Report) -> Result<Vec<u8>, PdfError> {
    typeset(REPORT, report)
}

fn typeset(layout: &str, content: &impl Serialize) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::to_vec(content).map_err(|e| PdfError::Encode(e.to_string()))?;
    let world = Letterpress {
        main: Source::new(
            FileId::new(None, VirtualPath::new("main.typ")),
            layout.to_owned(),
        ),
        common: Source::new(
            FileId::new(None, VirtualPath::new("common.typ")),
            COMMON.to_owned(),
        ),
        data: Bytes::new(data),
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| PdfError::Typeset(messages(&errors)))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| PdfError::Typeset(messages(&errors)))
}

fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The fonts built into typst, loaded once.
fn fonts() -> &'static (Vec<Font>, LazyHash<FontBook>) {
    static FONTS: OnceLock<(Vec<Font>, LazyHash<FontBook>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        (fonts, LazyHash::new(book))
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// Everything a layout can see: itself, the shared definitions and its content.
struct Letterpress {
    main: Source,
    common: Source,
    data: Bytes,
}

impl World for Letterpress {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().1
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        [&self.main, &self.common]
            .into_iter()
            .find(|s| s.id() == id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id.vpath().as_rootless_path() == std::path::Path::new("content.json") {
            Ok(self.data.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().0.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        // Letters carry their own date: the same content prints the same PDF.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().as_rootless_path().into())
}
