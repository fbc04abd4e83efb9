//! Each letter's text as a school first sees it, and the PDFs opened by poppler, as a parent's
//! or the local authority's PDF reader would open them.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::panic)]

use std::path::Path;
use std::process::Command;

use rollcall_core::Rate;
use rollcall_letters::{
    Block, Layout, Letter, LetterKind, Letters, Report, Section, example_fields, learning_hours,
    letters_pdf, report_pdf,
};

fn letter(kind: LetterKind) -> Letter {
    let (subject, paragraphs) = Letters::default()
        .merge(kind, &example_fields())
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    Letter {
        layout: kind.layout(),
        school: vec!["Beecroft Primary".into(), "0113 496 0000".into()],
        // An address as long as a label takes.
        recipient: vec![
            "Sarah Able".into(),
            "Flat 12, Beecroft Court".into(),
            "1 Main Street".into(),
            "Headingley".into(),
            "Leeds".into(),
            "LS1 1AA".into(),
        ],
        date: "23 November 2026".into(),
        salutation: "Dear Mrs Able,".into(),
        subject,
        about: "Amelia Able, 3A".into(),
        paragraphs,
        table: kind
            .has_learning_hours()
            .then(|| learning_hours(190, 5, Rate::new(179, 200))),
        closing: "Yours sincerely,".into(),
        signatory: vec!["Jo Bloggs".into(), "Headteacher".into()],
    }
}

/// The text of every page, read back from the PDF by pdftotext; and the pages drawn by
/// pdftoppm, which fails on a PDF it cannot open.
fn open(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("letter.pdf");
    std::fs::write(&file, pdf).unwrap_or_else(|e| panic!("{e}"));
    let drawn = Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .status()
        .unwrap_or_else(|e| panic!("pdftoppm (poppler-utils): {e}"));
    assert!(drawn.success(), "pdftoppm could not draw the PDF");
    let images = std::fs::read_dir(dir.path())
        .map(|d| d.filter_map(Result::ok).filter(|e| png(&e.path())).count())
        .unwrap_or(0);
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext: {e}"));
    let pages: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(images, pages.len(), "one image per page of text");
    pages
}

fn png(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "png")
}

#[test]
fn each_letters_text() {
    for kind in LetterKind::ALL {
        let (subject, paragraphs) = Letters::default()
            .merge(kind, &example_fields())
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        let text = std::iter::once(subject)
            .chain(paragraphs.iter().map(|p| p.join("\n")))
            .collect::<Vec<_>>()
            .join("\n\n");
        insta::assert_snapshot!(kind.id(), text);
    }
}

#[test]
fn each_letter_prints_on_its_own_page() {
    // (letter, pages)
    let table = [
        (LetterKind::Letter1, 1),
        (LetterKind::Letter2, 1),
        (LetterKind::Letter3, 1),
        (LetterKind::Sal1, 1),
        (LetterKind::Sal2, 1),
        (LetterKind::TrafficLight, 1),
        (LetterKind::Certificate, 1),
        (LetterKind::Improvement, 1),
        (LetterKind::LeaveDecision, 1),
        (LetterKind::NoticeToImprove, 1),
    ];
    let mut total = 0;
    for (kind, want) in table {
        let pages = open(&letters_pdf(&[letter(kind)]).unwrap_or_else(|e| panic!("{kind:?}: {e}")));
        assert_eq!(pages.len(), want, "{kind:?}");
        let all = pages.concat();
        assert!(all.contains("Beecroft Primary"), "{kind:?}");
        if kind.layout() == Layout::Letter {
            assert!(
                all.contains("Dear Mrs Able,") && all.contains("LS1 1AA"),
                "{kind:?}"
            );
        } else {
            assert!(all.contains("Amy Amelia Able"), "{all}");
        }
        total += want;
    }
    // A batch is every letter, each on its own page.
    let batch: Vec<Letter> = LetterKind::ALL.into_iter().map(letter).collect();
    let pages = open(&letters_pdf(&batch).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(pages.len(), total);
    assert!(pages.iter().any(|p| p.contains("£80")));
}

#[test]
fn what_a_parent_types_is_printed_not_obeyed() {
    let mut l = letter(LetterKind::LeaveDecision);
    l.paragraphs = vec![vec![
        "#pagebreak() *not bold* $x$ \\ <label> @ref // no comment".into(),
    ]];
    let pages = open(&letters_pdf(&[l]).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(pages.len(), 1);
    assert!(
        pages.concat().contains("#pagebreak() *not bold* $x$"),
        "{pages:?}"
    );
}

#[test]
fn an_evidence_pack_has_a_title_page_and_a_page_per_section() {
    let report = Report {
        title: "Evidence pack: Amelia Able".into(),
        subtitle: vec!["Beecroft Primary".into(), "23 November 2026".into()],
        sections: vec![
            Section {
                heading: "Attendance".into(),
                blocks: vec![Block::Fields {
                    pairs: vec![("Attendance".into(), "79.5%".into())],
                }],
            },
            Section {
                heading: "Letters".into(),
                blocks: vec![Block::Letter(Box::new(letter(LetterKind::Sal1)))],
            },
        ],
    };
    let pages = open(&report_pdf(&report).unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages
            .first()
            .is_some_and(|p| p.contains("Evidence pack: Amelia Able"))
    );
    assert!(pages.last().is_some_and(|p| p.contains("page 3 of 3")));
}
