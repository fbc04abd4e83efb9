//! The operations that take more than one statement, written once for both databases. Each runs
//! inside the transaction its caller opened.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rollcall_core::{
    Change, Code, Register, RegisterBuilder, Roll, Session, SessionKey, Slot, bulk_may_replace,
    change_for, check_mark,
};
use rollcall_store::{
    Actor, Amendment, BulkChange, BulkOutcome, Characteristic, CharacteristicChange, GroupRecord,
    ImportSummary, LedgerCheck, MarkSource, PlannedMark, PupilRecord, StoreError, StoredMark,
    Submission, SubmitOutcome,
};
use rustc_hash::FxHashMap;

use crate::ledger::{GENESIS, hash};
use crate::statements::{LedgerRow, MarkWrite, Result, Sql, code_of, session_number};
use crate::time::to_micros;

/// A pupil's session: pupil, date and session number, as the tables key marks.
type SessionOf = (i64, jiff::civil::Date, i16);

fn minutes(m: Option<u16>) -> Option<i32> {
    m.map(i32::from)
}

/// A change to record in the ledger.
struct LedgerChange {
    pupil: i64,
    key: SessionKey,
    original: Option<StoredMark>,
    code: Code,
    minutes: Option<u16>,
}

/// Appends entries to a school's ledger, chaining each to the one before.
async fn append_ledger<C: Sql + ?Sized>(
    conn: &mut C,
    school: i64,
    changes: &[LedgerChange],
    reason: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev) = conn.lock_ledger_head(school).await?;
    for change in changes {
        seq += 1;
        let mut row = LedgerRow {
            seq,
            pupil: change.pupil,
            date: change.key.date,
            session: session_number(change.key.session),
            original_code: change.original.as_ref().map(|m| m.code.symbol().to_owned()),
            original_minutes: change
                .original
                .as_ref()
                .and_then(|m| minutes(m.minutes_late)),
            new_code: change.code.symbol().to_owned(),
            new_minutes: minutes(change.minutes),
            reason: reason.to_owned(),
            at: to_micros(at),
            by_user: actor.user.map(|u| u.0),
            by_name: actor.name.clone(),
            by_position: actor.position.clone(),
            prev_hash: prev,
            hash: String::new(),
        };
        row.hash = hash(school, &row);
        conn.insert_ledger(school, &row).await?;
        prev = row.hash;
    }
    conn.update_ledger_head(school, seq, &prev).await
}

/// Who writes marks, how, and when.
struct Writer<'a> {
    source: MarkSource,
    actor: &'a Actor,
    at: Timestamp,
}

impl<'a> Writer<'a> {
    fn mark(
        &self,
        pupil: i64,
        key: SessionKey,
        code: &'a str,
        minutes_late: Option<u16>,
        comment: Option<&'a str>,
    ) -> MarkWrite<'a> {
        MarkWrite {
            pupil,
            date: key.date,
            session: session_number(key.session),
            code,
            minutes: minutes(minutes_late),
            comment,
            source: self.source,
            by_name: Some(&self.actor.name),
            by_user: self.actor.user.map(|u| u.0),
            at: to_micros(self.at),
        }
    }
}

fn require_reason(reason: Option<&str>, what: &str) -> Result<String> {
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(r.to_owned()),
        _ => Err(StoreError::Invalid(format!(
            "{what}: give the reason for the change, which is kept with it"
        ))),
    }
}

pub(crate) async fn submit_register<C: Sql + ?Sized>(
    conn: &mut C,
    s: &Submission,
) -> Result<SubmitOutcome> {
    let roster = conn
        .select_roster(s.group.0, s.key.date, session_number(s.key.session))
        .await?;
    // The group as its pupils' rows name it; read on its own only when it has none.
    let group = match roster.first() {
        Some((pupil, _)) => GroupRecord {
            id: s.group,
            school: pupil.school,
            name: pupil.pupil.reg_group.clone(),
        },
        None => conn
            .select_group(s.group.0)
            .await?
            .ok_or(StoreError::NotFound("registration group"))?,
    };
    let mut entered: BTreeMap<i64, &rollcall_store::EnteredMark> = BTreeMap::new();
    for mark in &s.marks {
        let Some((record, _)) = roster.iter().find(|(p, _)| p.key == mark.pupil) else {
            return Err(StoreError::Invalid(format!(
                "pupil {} is not on {}'s register for {}",
                mark.pupil, group.name, s.key
            )));
        };
        check_mark(&record.pupil, s.key, mark.code, mark.minutes_late, None)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", record.pupil.known_as())))?;
        if entered.insert(mark.pupil.0, mark).is_some() {
            return Err(StoreError::Invalid(format!(
                "pupil {} has two marks on this register",
                mark.pupil
            )));
        }
    }
    let missing: Vec<&str> = roster
        .iter()
        .filter(|(p, _)| !entered.contains_key(&p.key.0))
        .map(|(p, _)| p.pupil.known_as())
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "every pupil needs a mark before the register is submitted; still to mark: {}",
            missing.join(", ")
        )));
    }
    let held: FxHashMap<i64, StoredMark> = roster
        .into_iter()
        .filter_map(|(p, mark)| mark.map(|m| (p.key.0, m)))
        .collect();
    let writer = Writer {
        source: MarkSource::Register,
        actor: &s.actor,
        at: s.at,
    };
    let mut outcome = SubmitOutcome::default();
    let mut amendments = Vec::new();
    let mut writes = Vec::with_capacity(entered.len());
    for (&pupil, mark) in &entered {
        let existing = held.get(&pupil);
        match change_for(existing.map(StoredMark::held), mark.code, mark.minutes_late) {
            Change::Unchanged => {
                outcome.unchanged += 1;
                continue;
            }
            Change::Insert => outcome.inserted += 1,
            Change::Confirm => outcome.confirmed += 1,
            Change::Amend => {
                outcome.amended += 1;
                amendments.push(LedgerChange {
                    pupil,
                    key: s.key,
                    original: existing.cloned(),
                    code: mark.code,
                    minutes: mark.minutes_late,
                });
            }
        }
        writes.push(writer.mark(
            pupil,
            s.key,
            mark.code.symbol(),
            mark.minutes_late,
            mark.comment.as_deref(),
        ));
    }
    conn.upsert_marks(&writes).await?;
    if !amendments.is_empty() {
        let reason = require_reason(
            s.reason.as_deref(),
            &format!("{} marks already recorded would change", amendments.len()),
        )?;
        append_ledger(conn, group.school.0, &amendments, &reason, &s.actor, s.at).await?;
    }
    let by_user = s.actor.user.map(|u| u.0);
    conn.insert_submission(group.id.0, s.key, &s.actor.name, by_user, to_micros(s.at))
        .await?;
    Ok(outcome)
}

pub(crate) async fn amend_mark<C: Sql + ?Sized>(conn: &mut C, a: &Amendment) -> Result<()> {
    let pupil = conn
        .select_pupil(a.pupil.0)
        .await?
        .ok_or(StoreError::NotFound("pupil"))?;
    let reason = require_reason(Some(&a.reason), "a change to a mark")?;
    check_mark(&pupil.pupil, a.key, a.code, a.minutes_late, None)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", pupil.pupil.known_as())))?;
    let existing = conn
        .select_mark(pupil.key.0, a.key.date, session_number(a.key.session))
        .await?;
    if change_for(
        existing.as_ref().map(StoredMark::held),
        a.code,
        a.minutes_late,
    ) == Change::Unchanged
    {
        return Ok(());
    }
    let writer = Writer {
        source: MarkSource::Office,
        actor: &a.actor,
        at: a.at,
    };
    let w = writer.mark(
        pupil.key.0,
        a.key,
        a.code.symbol(),
        a.minutes_late,
        a.comment.as_deref(),
    );
    conn.upsert_marks(&[w]).await?;
    let change = LedgerChange {
        pupil: pupil.key.0,
        key: a.key,
        original: existing,
        code: a.code,
        minutes: a.minutes_late,
    };
    append_ledger(conn, pupil.school.0, &[change], &reason, &a.actor, a.at).await
}

async fn pupil_of_school<C: Sql + ?Sized>(
    conn: &mut C,
    school: i64,
    key: i64,
) -> Result<PupilRecord> {
    conn.select_pupil(key)
        .await?
        .filter(|p| p.school.0 == school)
        .ok_or(StoreError::NotFound("pupil"))
}

pub(crate) async fn bulk_code<C: Sql + ?Sized>(
    conn: &mut C,
    b: &BulkChange,
) -> Result<BulkOutcome> {
    let reason = require_reason(Some(&b.reason), "a bulk change")?;
    let writer = Writer {
        source: MarkSource::Bulk,
        actor: &b.actor,
        at: b.at,
    };
    let mut outcome = BulkOutcome::default();
    let mut changes = Vec::new();
    let mut writes = Vec::new();
    for &key in &b.pupils {
        let pupil = pupil_of_school(conn, b.school.0, key.0).await?;
        for &session in &b.sessions {
            if !pupil.pupil.on_roll(session.date) {
                continue;
            }
            b.code
                .check_date(session.date)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let existing = conn
                .select_mark(key.0, session.date, session_number(session.session))
                .await?;
            let held = existing.as_ref().map(StoredMark::held);
            if !bulk_may_replace(b.code, held) {
                if let Some(mark) = existing {
                    outcome.skipped.push((key, session, mark.code));
                }
                continue;
            }
            writes.push(writer.mark(key.0, session, b.code.symbol(), None, None));
            changes.push(LedgerChange {
                pupil: key.0,
                key: session,
                original: existing,
                code: b.code,
                minutes: None,
            });
            outcome.written += 1;
        }
    }
    conn.upsert_marks(&writes).await?;
    append_ledger(conn, b.school.0, &changes, &reason, &b.actor, b.at).await?;
    Ok(outcome)
}

pub(crate) async fn plan_marks<C: Sql + ?Sized>(
    conn: &mut C,
    plans: &[PlannedMark],
    actor: &Actor,
    at: Timestamp,
) -> Result<u64> {
    let writer = Writer {
        source: MarkSource::Planned,
        actor,
        at,
    };
    let mut writes = Vec::new();
    for plan in plans {
        let pupil = conn
            .select_pupil(plan.pupil.0)
            .await?
            .ok_or(StoreError::NotFound("pupil"))?;
        check_mark(&pupil.pupil, plan.key, plan.code, None, None)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", pupil.pupil.known_as())))?;
        let held = conn
            .select_mark(
                plan.pupil.0,
                plan.key.date,
                session_number(plan.key.session),
            )
            .await?;
        if held.is_some() {
            continue;
        }
        writes.push(writer.mark(
            plan.pupil.0,
            plan.key,
            plan.code.symbol(),
            None,
            plan.comment.as_deref(),
        ));
    }
    conn.upsert_marks(&writes).await?;
    Ok(u64::try_from(writes.len()).unwrap_or(u64::MAX))
}

pub(crate) async fn verify_ledger<C: Sql + ?Sized>(
    conn: &mut C,
    school: i64,
) -> Result<LedgerCheck> {
    let rows = conn.select_school_ledger(school).await?;
    let (head_seq, head_hash) = conn.lock_ledger_head(school).await?;
    let mut prev = GENESIS.to_owned();
    // For each session the ledger changed: the code and minutes of its last entry, and its seq.
    let mut latest: BTreeMap<SessionOf, (String, Option<i32>, i64)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if row.seq != expected_seq {
            return Ok(LedgerCheck::Broken {
                seq: expected_seq,
                problem: format!("entry {expected_seq} is missing"),
            });
        }
        if row.prev_hash != prev || hash(school, row) != row.hash {
            return Ok(LedgerCheck::Broken {
                seq: row.seq,
                problem: format!("entry {} does not match its hash", row.seq),
            });
        }
        prev = row.hash.clone();
        latest.insert(
            (row.pupil, row.date, row.session),
            (row.new_code.clone(), row.new_minutes, row.seq),
        );
    }
    let last = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if last != head_seq || prev != head_hash {
        return Ok(LedgerCheck::Broken {
            seq: last + 1,
            problem: format!(
                "the ledger ends at entry {last}, but {head_seq} entries were written"
            ),
        });
    }
    // A mark changed through the ledger must still be as its last entry left it.
    for ((pupil, date, session), (code, minutes, seq)) in latest {
        let held = conn.select_mark(pupil, date, session).await?;
        let matches = held
            .is_some_and(|m| m.code.symbol() == code && m.minutes_late.map(i32::from) == minutes);
        if !matches {
            return Ok(LedgerCheck::Broken {
                seq,
                problem: format!(
                    "the mark of pupil {pupil} for {date} no longer matches ledger entry {seq}"
                ),
            });
        }
    }
    Ok(LedgerCheck::Intact {
        entries: u64::try_from(rows.len()).unwrap_or(u64::MAX),
    })
}

pub(crate) async fn load_register<C: Sql + ?Sized>(conn: &mut C, school: i64) -> Result<Register> {
    let records = conn.select_pupils(school).await?;
    let ids: FxHashMap<i64, rollcall_core::PupilId> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                r.key.0,
                rollcall_core::PupilId(u32::try_from(i).unwrap_or(u32::MAX)),
            )
        })
        .collect();
    let roll = Roll::new(records.into_iter().map(|r| r.pupil).collect())
        .map_err(|e| StoreError::Database(e.to_string().into()))?;
    let mut builder = RegisterBuilder::new(&roll);
    for (pupil, date, session, code, minutes) in conn.select_school_marks(school).await? {
        let Some(&id) = ids.get(&pupil) else { continue };
        let session = if session == 0 {
            Session::Am
        } else {
            Session::Pm
        };
        let minutes = minutes.and_then(|m| u16::try_from(m).ok());
        builder
            .insert(id, Slot::new(date, session), code_of(&code)?, minutes)
            .map_err(|_| StoreError::Database("two marks for one session".into()))?;
    }
    Ok(builder.finish(roll))
}

/// How many marks to collect before writing them.
const IMPORT_CHUNK: usize = 50_000;

pub(crate) async fn import<C: Sql + ?Sized>(
    conn: &mut C,
    school: i64,
    register: &Register,
    actor: &Actor,
    at: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let known: FxHashMap<String, PupilRecord> = conn
        .select_pupils(school)
        .await?
        .into_iter()
        .map(|p| (p.pupil.upn.to_string(), p))
        .collect();
    let today = at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut groups: FxHashMap<String, i64> = FxHashMap::default();
    let mut keys = Vec::with_capacity(register.pupils().len());
    for pupil in register.pupils() {
        let group = match groups.get(&pupil.reg_group) {
            Some(&g) => g,
            None => {
                let g = conn.upsert_group(school, &pupil.reg_group).await?;
                groups.insert(pupil.reg_group.clone(), g);
                g
            }
        };
        let key = match known.get(pupil.upn.as_str()) {
            Some(record) => {
                let before = &record.pupil;
                let changes = [
                    (
                        Characteristic::Fsm,
                        before.fsm.to_string(),
                        pupil.fsm.to_string(),
                    ),
                    (
                        Characteristic::Eal,
                        before.eal.to_string(),
                        pupil.eal.to_string(),
                    ),
                    (
                        Characteristic::Sen,
                        before.sen.code().to_owned(),
                        pupil.sen.code().to_owned(),
                    ),
                ];
                conn.update_pupil(record.key.0, Some(group), pupil).await?;
                for (characteristic, old, new) in changes {
                    if old != new {
                        let change = CharacteristicChange {
                            characteristic,
                            value: new,
                            from: Some(today),
                        };
                        conn.insert_characteristic(record.key.0, &change).await?;
                    }
                }
                if before.leaving_date != pupil.leaving_date
                    && let Some(leaving) = pupil.leaving_date
                {
                    conn.update_leaving(record.key.0, leaving).await?;
                }
                summary.pupils_updated += 1;
                record.key.0
            }
            None => {
                let key = conn.insert_pupil(school, Some(group), pupil).await?;
                conn.insert_enrolment(key, pupil.entry_date, pupil.leaving_date)
                    .await?;
                let initial = [
                    (Characteristic::Fsm, pupil.fsm.to_string()),
                    (Characteristic::Eal, pupil.eal.to_string()),
                    (Characteristic::Sen, pupil.sen.code().to_owned()),
                ];
                for (characteristic, value) in initial {
                    let change = CharacteristicChange {
                        characteristic,
                        value,
                        from: pupil.entry_date,
                    };
                    conn.insert_characteristic(key, &change).await?;
                }
                summary.pupils_added += 1;
                key
            }
        };
        keys.push(key);
    }
    let existing: FxHashMap<SessionOf, (String, Option<i32>)> = conn
        .select_school_marks(school)
        .await?
        .into_iter()
        .map(|(p, d, s, c, m)| ((p, d, s), (c, m)))
        .collect();
    let mut conflicts = Vec::new();
    let mut pending: Vec<(i64, Slot, Code, Option<u16>)> = Vec::with_capacity(IMPORT_CHUNK);
    for (id, key) in register.ids().zip(&keys) {
        let row = register.row(id);
        let mut lates = row.lates.iter().peekable();
        for (slot, code) in row.marks() {
            while lates.next_if(|&&(s, _)| s < slot.0).is_some() {}
            let minutes = lates.next_if(|&&(s, _)| s == slot.0).map(|&(_, m)| m);
            let session = session_number(slot.session());
            match existing.get(&(*key, slot.key().date, session)) {
                Some((c, m)) if c == code.symbol() && *m == minutes.map(i32::from) => {
                    summary.marks_unchanged += 1;
                }
                Some((c, _)) => {
                    if conflicts.len() < 10 {
                        let upn = register
                            .pupil(id)
                            .map(|p| p.upn.to_string())
                            .unwrap_or_default();
                        conflicts.push(format!("{upn} {} holds {c}, not {code}", slot.key()));
                    }
                }
                None => pending.push((*key, slot, code, minutes)),
            }
            if pending.len() >= IMPORT_CHUNK {
                let batch = std::mem::take(&mut pending);
                summary.marks_added += insert_batch(conn, &batch, actor, at).await?;
                progress(summary.marks_added + summary.marks_unchanged);
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(StoreError::Conflict(format!(
            "the import would change marks already recorded, which needs an amendment with a reason: {}",
            conflicts.join("; ")
        )));
    }
    let batch = std::mem::take(&mut pending);
    summary.marks_added += insert_batch(conn, &batch, actor, at).await?;
    progress(summary.marks_added + summary.marks_unchanged);
    Ok(summary)
}

async fn insert_batch<C: Sql + ?Sized>(
    conn: &mut C,
    batch: &[(i64, Slot, Code, Option<u16>)],
    actor: &Actor,
    at: Timestamp,
) -> Result<u64> {
    let writer = Writer {
        source: MarkSource::Import,
        actor,
        at,
    };
    let writes: Vec<MarkWrite<'_>> = batch
        .iter()
        .map(|&(pupil, slot, code, minutes)| {
            writer.mark(pupil, slot.key(), code.symbol(), minutes, None)
        })
        .collect();
    conn.insert_marks(&writes).await?;
    Ok(u64::try_from(writes.len()).unwrap_or(u64::MAX))
}
