//! SQLite's peer: a register's statements as rollcall runs them (the roster, the marks, their
//! ledger entries, the pupils' rows read and rewritten, the submission), each register one
//! transaction through `rusqlite` on one connection: no HTTP, no sign-in, no checks and no
//! hashing, only the driver and the database doing the same writes.

use std::time::Instant;

use jiff::civil::Date;
use rollcall_core::{Code, Session, SessionKey};
use rusqlite::types::Value;
use rusqlite::{Connection, TransactionBehavior, params_from_iter};

use crate::{CLASS, FormMark, Teacher, form_mark};

/// Sessions per row of bytes, as the store keeps them.
const BLOCK: i64 = 1024;

/// Takes every teacher's register for each session in turn, one transaction each, as fast as
/// one writer can: registers a second.
pub(crate) fn registers_a_second(path: &str, teachers: &[Teacher], keys: &[SessionKey]) -> f64 {
    let mut connection = Connection::open(path).unwrap();
    // The store's own settings (`crates/store-sql/src/sqlite.rs`): its background checkpoints
    // keep running beside this connection, as they do beside the store's writer.
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 30000; PRAGMA wal_autocheckpoint = 20000; \
             PRAGMA mmap_size = 1073741824;",
        )
        .unwrap();
    let started = Instant::now();
    let mut registers = 0;
    for key in keys {
        for teacher in teachers {
            take(&mut connection, teacher, *key);
            registers += 1;
        }
    }
    registers as f64 / started.elapsed().as_secs_f64()
}

fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

fn take(connection: &mut Connection, (group, _, pupils): &Teacher, key: SessionKey) {
    let date = key.date.to_string();
    let session: i64 = match key.session {
        Session::Am => 0,
        Session::Pm => 1,
    };
    let slot = days_since_1970(key.date) * 2 + session;
    let (block, place) = (slot.div_euclid(BLOCK), slot.rem_euclid(BLOCK) as usize);
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    // The pupils and their marks for the session, every column rollcall reads.
    let roster: Vec<Vec<Value>> = tx
        .prepare_cached(
            "SELECT p.id, p.school_id, p.upn, p.legal_surname, p.legal_forename, \
             p.preferred_forename, p.date_of_birth, p.sex, p.year_group, p.reg_group_id, \
             g.name, p.entry_date, p.leaving_date, p.fsm, p.eal, p.sen, p.la_estab, \
             p.pupil_premium, m.code, m.minutes_late, m.comment, m.source, m.recorded_by, \
             m.recorded_at, m.version, m.entry_hash FROM pupils p \
             JOIN reg_groups g ON g.id = p.reg_group_id \
             LEFT JOIN marks m ON m.pupil_id = p.id AND m.date = ?2 AND m.session = ?3 \
             WHERE p.reg_group_id = ?1 AND (p.entry_date IS NULL OR p.entry_date <= ?2) \
             AND (p.leaving_date IS NULL OR p.leaving_date >= ?2) \
             ORDER BY p.legal_surname, p.legal_forename, p.id",
        )
        .unwrap()
        .query_map((group, &date, session), |r| {
            (0..26).map(|i| r.get::<_, Value>(i)).collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(roster.len(), CLASS);
    let present = match key.session {
        Session::Am => Code::PresentAm,
        Session::Pm => Code::PresentPm,
    };
    let marks: Vec<(i64, Code, Option<i64>)> = pupils
        .iter()
        .enumerate()
        .map(|(i, &p)| match form_mark(i) {
            FormMark::Present => (p, present, None),
            FormMark::Unexplained => (p, Code::parse("N").unwrap(), None),
            FormMark::Late => (p, Code::parse("L").unwrap(), Some(2)),
        })
        .collect();
    let mut values = Vec::new();
    for &(pupil, code, minutes) in &marks {
        values.extend([
            Value::Integer(pupil),
            Value::Text(date.clone()),
            Value::Integer(session),
            Value::Text(code.symbol().into()),
            minutes.map_or(Value::Null, Value::Integer),
            Value::Null,
            Value::Text("register".into()),
            Value::Text("Teacher".into()),
            Value::Null,
            Value::Integer(0),
            Value::Integer(1),
            Value::Blob(vec![7; 32]),
        ]);
    }
    let written = tx
        .prepare_cached(&format!(
            "INSERT INTO marks (pupil_id, date, session, code, minutes_late, comment, source, \
             recorded_by, recorded_by_user, recorded_at, version, entry_hash) VALUES {} \
             ON CONFLICT (pupil_id, date, session) DO UPDATE SET code = excluded.code, \
             minutes_late = excluded.minutes_late, comment = excluded.comment, \
             source = excluded.source, recorded_by = excluded.recorded_by, \
             recorded_by_user = excluded.recorded_by_user, recorded_at = excluded.recorded_at, \
             version = excluded.version, entry_hash = excluded.entry_hash \
             WHERE marks.version = excluded.version - 1",
            placeholders(CLASS, 12)
        ))
        .unwrap()
        .execute(params_from_iter(values))
        .unwrap();
    assert_eq!(written, CLASS);
    let mut values = Vec::new();
    for &(pupil, code, minutes) in &marks {
        values.extend([
            Value::Integer(pupil),
            Value::Text(date.clone()),
            Value::Integer(session),
            Value::Integer(1),
            Value::Null,
            Value::Null,
            Value::Text(code.symbol().into()),
            minutes.map_or(Value::Null, Value::Integer),
            Value::Text("register".into()),
            Value::Null,
            Value::Integer(0),
            Value::Null,
            Value::Text("Teacher".into()),
            Value::Text("Class teacher".into()),
            Value::Blob(vec![7; 32]),
        ]);
    }
    tx.prepare_cached(&format!(
        "INSERT INTO ledger (pupil_id, date, session, version, original_code, original_minutes, \
         new_code, new_minutes, source, reason, at, by_user, by_name, by_position, hash) \
         VALUES {}",
        placeholders(CLASS, 15)
    ))
    .unwrap()
    .execute(params_from_iter(values))
    .unwrap();
    let rows = rewritten_rows(&tx, &marks, block, place);
    tx.prepare_cached(&format!(
        "INSERT INTO register_rows (pupil_id, block, codes, lates, version) VALUES {} \
         ON CONFLICT (pupil_id, block) DO UPDATE SET codes = excluded.codes, \
         lates = excluded.lates, version = excluded.version \
         WHERE register_rows.version = excluded.version - 1",
        placeholders(rows.len() / 5, 5)
    ))
    .unwrap()
    .execute(params_from_iter(rows))
    .unwrap();
    tx.prepare_cached(
        "INSERT INTO register_submissions (group_id, date, session, by_name, by_user, at, \
         amended, idempotency_key) SELECT ?1, ?2, ?3, 'Teacher', NULL, 0, EXISTS (SELECT 1 \
         FROM register_submissions WHERE group_id = ?1 AND date = ?2 AND session = ?3), NULL",
    )
    .unwrap()
    .execute((group, &date, session))
    .unwrap();
    tx.commit().unwrap();
}

/// The pupils' rows read and each given its session's code (and minutes late), as values for
/// the upsert.
fn rewritten_rows(
    tx: &rusqlite::Transaction<'_>,
    marks: &[(i64, Code, Option<i64>)],
    block: i64,
    place: usize,
) -> Vec<Value> {
    let mut statement = tx
        .prepare_cached(&format!(
            "SELECT pupil_id, codes, lates, version FROM register_rows \
             WHERE pupil_id IN ({}) AND block = ? ORDER BY pupil_id",
            vec!["?"; marks.len()].join(", ")
        ))
        .unwrap();
    let parameters = marks.iter().map(|m| m.0).chain([block]);
    let mut held: std::collections::HashMap<i64, (Vec<u8>, Vec<u8>, i64)> = statement
        .query_map(params_from_iter(parameters), |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut values = Vec::new();
    for &(pupil, code, minutes) in marks {
        let (mut codes, mut lates, version) = held.remove(&pupil).unwrap_or_default();
        if codes.len() <= place {
            codes.resize(place + 1, 0);
        }
        codes[place] = code.as_byte();
        if let Some(minutes) = minutes {
            lates.extend((place as u16).to_le_bytes());
            lates.extend((minutes as u16).to_le_bytes());
        }
        values.extend([
            Value::Integer(pupil),
            Value::Integer(block),
            Value::Blob(codes),
            Value::Blob(lates),
            Value::Integer(version + 1),
        ]);
    }
    values
}

fn days_since_1970(date: Date) -> i64 {
    i64::from(
        date.since(jiff::civil::date(1970, 1, 1))
            .unwrap()
            .get_days(),
    )
}
