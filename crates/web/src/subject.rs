//! Everything the school holds about one pupil, for a subject-access request (UK GDPR Article
//! 15): their record and its history, contacts, every mark and ledger entry, chronology,
//! circumstances, case file, letters, messages, parents' reports and requests, and who opened
//! their records. One JSON document; kinds are named by the identifiers rollcall keeps them by,
//! and marks and amendments are written as the API writes them. The printed copy (PDF) is
//! made from the same document, so it holds exactly what the file holds.

use jiff::civil::Date;
use rollcall_letters::{Block, Report, Section, Table};
use rollcall_store::{AccessOf, PupilRecord};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::{LedgerEntry, Mark};
use crate::error::AppError;

/// The most access-log entries an export carries: every one for any pupil a school keeps.
const ACCESS_LOG_MOST: u32 = 1_000_000;

/// Everything held about a pupil, as of `at` (written into the document).
pub(crate) async fn everything(
    state: &AppState,
    record: &PupilRecord,
    at: jiff::Timestamp,
) -> Result<Value, AppError> {
    let store = &state.store;
    let key = record.key;
    let p = &record.pupil;
    let history = store.pupil_history(key).await?;
    let contacts = store.contacts(key).await?;
    // No mark is from before the pupil was born; both databases keep dates to 9999.
    let marks = store
        .marks(key, p.date_of_birth, Date::constant(9999, 12, 31))
        .await?;
    let ledger = store.ledger(key).await?;
    let chronology = store.chronology(key).await?;
    let flags = store.flags(key).await?;
    let case_file = store.case_file(key).await?;
    let letters = store.letters(key).await?;
    let messages = store.pupil_messages(key).await?;
    let reports = store.pupil_absence_reports(key).await?;
    let leave = store.pupil_leave_requests(key).await?;
    let access = store
        .access_log(AccessOf::Pupil(key), ACCESS_LOG_MOST)
        .await?;
    let answer = |a: &Option<rollcall_store::Answer>| {
        a.as_ref().map(|a| {
            json!({"status": a.status.id(), "response": a.response, "by": a.by,
                   "at": a.at.to_string()})
        })
    };
    Ok(json!({
        "exported_at": at.to_string(),
        "pupil": {
            "upn": p.upn.as_str(),
            "legal_surname": p.legal_surname,
            "legal_forename": p.legal_forename,
            "preferred_forename": p.preferred_forename,
            "date_of_birth": p.date_of_birth.to_string(),
            "sex": p.sex.code(),
            "year_group": p.year_group.to_string(),
            "registration_group": p.reg_group,
            "entry_date": p.entry_date.map(|d| d.to_string()),
            "leaving_date": p.leaving_date.map(|d| d.to_string()),
            "free_school_meals": p.fsm,
            "english_additional_language": p.eal,
            "sen": p.sen.code(),
        },
        "enrolments": history.enrolments.iter().map(|e| json!({
            "entry_date": e.entry_date.map(|d| d.to_string()),
            "leaving_date": e.leaving_date.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "characteristics": history.characteristics.iter().map(|c| json!({
            "characteristic": c.characteristic.id(), "value": c.value,
            "from": c.from.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "contacts": contacts.iter().map(|c| {
            let c = &c.contact;
            json!({
                "name": c.name, "relationship": c.relationship,
                "parental_responsibility": c.parental_responsibility,
                "lives_with_pupil": c.lives_with_pupil, "correspondence": c.correspondence,
                "priority": c.priority, "phones": c.phones, "email": c.email,
                "address": c.address, "preferred_language": c.preferred_language,
                "court_order": c.court_order, "opted_out": c.opted_out,
            })
        }).collect::<Vec<_>>(),
        "marks": marks.into_iter().map(Mark::of).collect::<Vec<_>>(),
        "amendments": ledger.into_iter().map(LedgerEntry::of).collect::<Vec<_>>(),
        "chronology": chronology.iter().map(|c| json!({
            "at": c.entry.at.to_string(), "kind": c.entry.kind.id(),
            "with": c.entry.with, "note": c.entry.note, "by": c.entry.by,
            "recorded_at": c.recorded_at.to_string(),
        })).collect::<Vec<_>>(),
        "circumstances": flags.iter().map(|f| json!({
            "circumstance": f.flag.id(), "from": f.from.to_string(),
            "until": f.until.map(|d| d.to_string()), "note": f.note,
            "by": f.by, "ended_by": f.ended_by,
        })).collect::<Vec<_>>(),
        "case_file": case_file.iter().map(|r| Ok(json!({
            "at": r.at.to_string(), "by": r.by,
            "record": serde_json::to_value(&r.record)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        }))).collect::<Result<Vec<_>, AppError>>()?,
        "letters": letters.iter().map(|l| json!({
            "template": l.template, "recipient": l.recipient, "subject": l.subject,
            "printed": l.printed.to_string(), "by": l.by,
            "sent": l.sent.as_ref().map(|s| json!({
                "how": s.how.id(), "at": s.at.to_string(), "by": s.by,
            })),
            "content": serde_json::from_str::<Value>(&l.content).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "messages": messages.iter().map(|m| json!({
            "channel": m.message.channel.id(), "recipient": m.message.recipient,
            "subject": m.message.subject, "body": m.message.body,
            "withheld": m.message.withheld, "queued_at": m.queued_at.to_string(),
            "status": m.status.id(), "sent_at": m.sent_at.map(|t| t.to_string()),
        })).collect::<Vec<_>>(),
        "absence_reports": reports.iter().map(|r| json!({
            "parent": r.parent_name, "first": r.report.first.to_string(),
            "last": r.report.last.to_string(), "reason": r.report.reason.id(),
            "details": r.report.details,
            "expected_return": r.report.expected_return.map(|d| d.to_string()),
            "at": r.report.at.to_string(), "status": r.status.id(),
            "answer": answer(&r.answer), "code": r.code.map(|c| c.to_string()),
        })).collect::<Vec<_>>(),
        "leave_requests": leave.iter().map(|l| json!({
            "parent": l.parent_name, "first": l.request.first.to_string(),
            "last": l.request.last.to_string(), "kind": l.request.kind.id(),
            "reason": l.request.reason, "document": l.document_name,
            "at": l.request.at.to_string(), "status": l.status.id(),
            "answer": answer(&l.answer),
        })).collect::<Vec<_>>(),
        "access_log": access.iter().map(|a| json!({
            "at": a.at.to_string(), "by": a.by_name, "position": a.by_position,
            "opened": a.opened.as_str(), "detail": a.detail,
        })).collect::<Vec<_>>(),
    }))
}

/// The sections of the printed copy, in order, by the document's keys.
const SECTIONS: [(&str, &str); 14] = [
    ("pupil", "The pupil's record"),
    ("enrolments", "Enrolments"),
    ("characteristics", "Characteristics over time"),
    ("contacts", "Contacts"),
    ("marks", "Attendance marks"),
    ("amendments", "Every entry of the register's ledger"),
    ("chronology", "Chronology"),
    ("circumstances", "Circumstances"),
    ("case_file", "Case file"),
    ("letters", "Letters"),
    ("messages", "Messages"),
    ("absence_reports", "Absences reported by parents"),
    ("leave_requests", "Requests for leave"),
    ("access_log", "Who opened these records"),
];

/// The document as a printed report for the pupil or their parent: each part a section, a
/// list a table with a column per field, so that the copy holds exactly what the file holds.
pub(crate) fn report(document: &Value, title: String, subtitle: Vec<String>) -> Report {
    let empty = serde_json::Map::new();
    let parts = document.as_object().unwrap_or(&empty);
    let heading = |key: &str| {
        SECTIONS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| label(key), |(_, h)| (*h).to_owned())
    };
    let order = |key: &str| SECTIONS.iter().position(|(k, _)| *k == key);
    let mut keys: Vec<&String> = parts.keys().filter(|k| *k != "exported_at").collect();
    keys.sort_by_key(|k| order(k).unwrap_or(SECTIONS.len()));
    // Each part with something in it has its pages; the empty ones are named together.
    let (empty, held): (Vec<&String>, Vec<&String>) = keys
        .into_iter()
        .partition(|k| parts[*k].as_array().is_some_and(Vec::is_empty));
    let mut sections: Vec<Section> = held
        .into_iter()
        .map(|key| Section {
            heading: heading(key),
            blocks: vec![block(&parts[key])],
        })
        .collect();
    if !empty.is_empty() {
        sections.push(Section {
            heading: "Nothing held".into(),
            blocks: vec![Block::Paragraph {
                text: format!(
                    "Nothing is held of: {}.",
                    empty
                        .iter()
                        .map(|k| heading(k).to_lowercase())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            }],
        });
    }
    Report {
        title,
        subtitle,
        sections,
    }
}

fn block(value: &Value) -> Block {
    match value {
        Value::Object(fields) => Block::Fields {
            pairs: fields.iter().map(|(k, v)| (label(k), cell(v))).collect(),
        },
        Value::Array(items) => {
            // Every item of a list has the same fields.
            let columns: Vec<&String> = match items.first() {
                Some(Value::Object(first)) => first.keys().collect(),
                _ => Vec::new(),
            };
            Block::Table(Table {
                caption: format!("{} held", items.len()),
                header: if columns.is_empty() {
                    vec![String::new()]
                } else {
                    columns.iter().map(|c| label(c)).collect()
                },
                rows: items
                    .iter()
                    .map(|item| match item {
                        Value::Object(fields) if !columns.is_empty() => columns
                            .iter()
                            .map(|c| fields.get(*c).map(cell).unwrap_or_default())
                            .collect(),
                        other => vec![cell(other)],
                    })
                    .collect(),
                highlight: None,
            })
        }
        other => Block::Paragraph { text: cell(other) },
    }
}

/// A field's name as a heading: `date_of_birth` as "Date of birth".
fn label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A value as a table cell. Long unbroken runs (hashes, identifiers) may break anywhere, so
/// that they wrap within their column.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        nested => nested.to_string(),
    };
    breakable(&text)
}

fn breakable(text: &str) -> String {
    const RUN: usize = 16;
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_whitespace() { 0 } else { run + 1 };
        if run > RUN {
            out.push('\u{200b}');
            run = 1;
        }
        out.push(c);
    }
    out
}
