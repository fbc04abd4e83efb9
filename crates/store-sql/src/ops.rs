//! The operations that take more than one statement, written once for both databases. Each runs
//! inside the transaction its caller opened.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rollcall_core::{
    Change, Code, Register, Roll, SessionKey, bulk_may_replace, change_for, check_mark, may_change,
};
use rollcall_store::{
    Actor, Amendment, BulkChange, BulkOutcome, GroupRecord, LedgerCheck, MarkSource, PlannedMark,
    PupilRecord, StoreError, Submission, SubmitOutcome,
};
use rustc_hash::FxHashMap;

use crate::ledger::{GENESIS, LedgerRow, LedgerSql, hash, replay};
use crate::rows::{self, RowSql};
use crate::statements::{Held, MarkWrite, Result, Sql, session_number};
use crate::time::to_micros;

/// A pupil's session: pupil, date and session number, as the tables key marks.
pub(crate) type SessionOf = (i64, jiff::civil::Date, i16);

fn minutes(m: Option<u16>) -> Option<i32> {
    m.map(i32::from)
}

/// Who writes marks, how, and when.
pub(crate) struct Writer<'a> {
    pub(crate) school: i64,
    pub(crate) source: MarkSource,
    pub(crate) actor: &'a Actor,
    pub(crate) at: Timestamp,
}

/// A mark to enter into a session, over what the session held when read in this transaction.
pub(crate) struct MarkChange<'a> {
    pub(crate) pupil: i64,
    pub(crate) key: SessionKey,
    pub(crate) held: Option<&'a Held>,
    pub(crate) code: Code,
    pub(crate) minutes: Option<u16>,
    pub(crate) comment: Option<&'a str>,
    /// Why; every amendment has one.
    pub(crate) reason: Option<&'a str>,
}

/// Writes marks with their ledger entries. Each mark moves from the version read to the next
/// only if its session still holds that version, so a concurrent writer that got there first
/// fails the whole write ([`StoreError::Contended`], which the store runs again from its reads)
/// rather than being overwritten unrecorded. Marks are written in key order, so that writers of
/// overlapping marks take their row locks in the same order and never deadlock.
pub(crate) async fn write_marks<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    writer: &Writer<'_>,
    mut changes: Vec<MarkChange<'_>>,
) -> Result<u64> {
    if changes.is_empty() {
        return Ok(0);
    }
    changes.sort_by_key(|c| (c.pupil, c.key.date, session_number(c.key.session)));
    let mut entries = Vec::with_capacity(changes.len());
    let mut writes = Vec::with_capacity(changes.len());
    for change in &changes {
        let version = change
            .held
            .map_or(Ok(1), |h| i32::try_from(h.mark.version + 1))
            .map_err(|_| StoreError::Invalid("a mark has been changed too often".into()))?;
        let mut row = LedgerRow {
            pupil: change.pupil,
            date: change.key.date,
            session: session_number(change.key.session),
            version,
            original_code: change.held.map(|h| h.mark.code.symbol().to_owned()),
            original_minutes: change.held.and_then(|h| minutes(h.mark.minutes_late)),
            new_code: change.code.symbol().to_owned(),
            new_minutes: minutes(change.minutes),
            source: writer.source.id().to_owned(),
            reason: change.reason.map(str::to_owned),
            at: to_micros(writer.at),
            by_user: writer.actor.user.map(|u| u.0),
            by_name: writer.actor.name.clone(),
            by_position: writer.actor.position.clone(),
            hash: Vec::new(),
        };
        let prev = change.held.map_or(&GENESIS[..], |h| &h.hash[..]);
        let entry_hash = hash(writer.school, prev, &row);
        row.hash = entry_hash.to_vec();
        writes.push(MarkWrite {
            pupil: change.pupil,
            date: change.key.date,
            session: row.session,
            code: change.code.symbol(),
            minutes: row.new_minutes,
            comment: change.comment,
            source: writer.source,
            by_name: Some(&writer.actor.name),
            by_user: row.by_user,
            at: row.at,
            version,
            entry_hash,
        });
        entries.push(row);
    }
    let written = conn.upsert_marks(&writes).await?;
    if written != u64::try_from(writes.len()).unwrap_or(u64::MAX) {
        return Err(StoreError::Contended);
    }
    conn.insert_entries(&entries).await?;
    let contents: Vec<rows::RowChange> = changes
        .iter()
        .map(|c| (c.pupil, c.key.slot(), Some((c.code, c.minutes))))
        .collect();
    rows::apply(conn, &contents).await?;
    Ok(written)
}

fn require_reason(reason: Option<&str>, what: &str) -> Result<String> {
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(r.to_owned()),
        _ => Err(StoreError::Invalid(format!(
            "{what}: give the reason for the change, which is kept with it"
        ))),
    }
}

/// Whether a write based on `seen` (the version a person saw, 0 for no mark) is stale: the
/// session has moved on since, and the write would change it.
fn stale(seen: Option<u32>, held: Option<&Held>, change: Change) -> bool {
    let current = held.map_or(0, |h| h.mark.version);
    seen.is_some_and(|seen| seen != current) && matches!(change, Change::Insert | Change::Amend)
}

/// Takes a register. The first try reads the register as it is, and its writes succeed only if
/// nothing changed it meanwhile; a try after one that met a concurrent writer (`retry`) locks
/// the register's marks first and waits its turn.
pub(crate) async fn submit_register<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    s: &Submission,
    retry: bool,
) -> Result<SubmitOutcome> {
    if retry {
        conn.lock_register_marks(s.group.0, s.key.date, session_number(s.key.session))
            .await?;
    }
    let roster = conn
        .select_roster(s.group.0, s.key.date, session_number(s.key.session))
        .await?;
    // Looked for after the roster is read: a sending of the same key that commits before this
    // look is found here, and one that commits after it makes this try's writes conflict and
    // run again, when it is found. Either way the register is taken once.
    if let Some(key) = s.idempotency_key.as_deref() {
        match conn.select_submission_by_key(key).await? {
            None => {}
            Some((group, session)) if group == s.group.0 && session == s.key => {
                return Ok(SubmitOutcome {
                    replayed: true,
                    ..SubmitOutcome::default()
                });
            }
            Some(_) => {
                return Err(StoreError::Invalid(
                    "this submission's key was sent before with another register".into(),
                ));
            }
        }
    }
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
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", record.pupil.name())))?;
        if entered.insert(mark.pupil.0, mark).is_some() {
            return Err(StoreError::Invalid(format!(
                "pupil {} has two marks on this register",
                mark.pupil
            )));
        }
    }
    let missing: Vec<String> = roster
        .iter()
        .filter(|(p, _)| !entered.contains_key(&p.key.0))
        .map(|(p, _)| p.pupil.name())
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "every pupil needs a mark before the register is submitted; still to mark: {}",
            missing.join(", ")
        )));
    }
    let held: FxHashMap<i64, &Held> = roster
        .iter()
        .filter_map(|(p, mark)| mark.as_ref().map(|m| (p.key.0, m)))
        .collect();
    let mut outcome = SubmitOutcome::default();
    let mut changes = Vec::with_capacity(entered.len());
    let mut moved_on = Vec::new();
    let mut refused = Vec::new();
    let reason = s.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    for (&pupil, mark) in &entered {
        let existing = held.get(&pupil).copied();
        let change = change_for(
            existing.map(|h| h.mark.held()),
            mark.code,
            mark.minutes_late,
        );
        if stale(mark.seen, existing, change) {
            moved_on.push(mark.pupil);
        }
        match change {
            // A mark entered in advance stays as it was entered, by whom it was entered.
            Change::Unchanged | Change::Confirm => {
                if change == Change::Confirm {
                    outcome.confirmed += 1;
                } else {
                    outcome.unchanged += 1;
                }
                continue;
            }
            Change::Insert => outcome.inserted += 1,
            Change::Amend => {
                outcome.amended += 1;
                if let Some(held) = existing
                    && let Err(refusal) = may_change(s.authority, held.mark.source, s.at)
                {
                    let name = roster
                        .iter()
                        .find(|(p, _)| p.key.0 == pupil)
                        .map_or(String::new(), |(p, _)| p.pupil.name());
                    refused.push(format!("{name}: {refusal}"));
                }
            }
        }
        changes.push(MarkChange {
            pupil,
            key: s.key,
            held: existing,
            code: mark.code,
            minutes: mark.minutes_late,
            comment: mark.comment.as_deref(),
            reason: existing.and(reason),
        });
    }
    if !moved_on.is_empty() {
        return Err(StoreError::Stale { pupils: moved_on });
    }
    if !refused.is_empty() {
        return Err(StoreError::Forbidden(refused.join("; ")));
    }
    if outcome.amended > 0 {
        require_reason(
            reason,
            &format!("{} marks already recorded would change", outcome.amended),
        )?;
    }
    let writer = Writer {
        school: group.school.0,
        source: MarkSource::Register,
        actor: &s.actor,
        at: s.at,
    };
    write_marks(conn, &writer, changes).await?;
    let by_user = s.actor.user.map(|u| u.0);
    conn.insert_submission(
        group.id.0,
        s.key,
        (&s.actor.name, by_user),
        to_micros(s.at),
        s.idempotency_key.as_deref(),
    )
    .await?;
    Ok(outcome)
}

pub(crate) async fn amend_marks<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    amendments: &[Amendment],
) -> Result<()> {
    // In key order, as every writer locks marks.
    let mut amendments: Vec<&Amendment> = amendments.iter().collect();
    amendments.sort_by_key(|a| (a.pupil, a.key.date, session_number(a.key.session)));
    for a in amendments {
        amend_mark(conn, a).await?;
    }
    Ok(())
}

async fn amend_mark<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    a: &Amendment,
) -> Result<()> {
    let pupil = conn
        .select_pupil(a.pupil.0)
        .await?
        .ok_or(StoreError::NotFound("pupil"))?;
    let reason = require_reason(Some(&a.reason), "a change to a mark")?;
    check_mark(&pupil.pupil, a.key, a.code, a.minutes_late, None)
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", pupil.pupil.name())))?;
    let existing = conn
        .select_mark(pupil.key.0, a.key.date, session_number(a.key.session))
        .await?;
    let change = change_for(
        existing.as_ref().map(|h| h.mark.held()),
        a.code,
        a.minutes_late,
    );
    if stale(a.seen, existing.as_ref(), change) {
        return Err(StoreError::Stale {
            pupils: vec![a.pupil],
        });
    }
    if matches!(change, Change::Unchanged | Change::Confirm) {
        return Ok(());
    }
    let writer = Writer {
        school: pupil.school.0,
        source: MarkSource::Office,
        actor: &a.actor,
        at: a.at,
    };
    let change = MarkChange {
        pupil: pupil.key.0,
        key: a.key,
        held: existing.as_ref(),
        code: a.code,
        minutes: a.minutes_late,
        comment: a.comment.as_deref(),
        reason: Some(&reason),
    };
    write_marks(conn, &writer, vec![change]).await?;
    Ok(())
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

pub(crate) async fn bulk_code<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    b: &BulkChange,
) -> Result<BulkOutcome> {
    let reason = require_reason(Some(&b.reason), "a bulk change")?;
    let mut outcome = BulkOutcome::default();
    let mut held = Vec::new();
    // Read (and lock) in key order, as every writer does.
    let mut pupils = b.pupils.clone();
    pupils.sort_unstable();
    pupils.dedup();
    let mut sessions = b.sessions.clone();
    sessions.sort_unstable_by_key(|k| (k.date, session_number(k.session)));
    sessions.dedup();
    for key in pupils {
        let pupil = pupil_of_school(conn, b.school.0, key.0).await?;
        for &session in &sessions {
            if !pupil.pupil.on_roll(session.date) {
                continue;
            }
            b.code
                .check_date(session.date)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let existing = conn
                .select_mark(key.0, session.date, session_number(session.session))
                .await?;
            if !bulk_may_replace(b.code, existing.as_ref().map(|h| h.mark.held())) {
                if let Some(h) = existing {
                    outcome.skipped.push((key, session, h.mark.code));
                }
                continue;
            }
            held.push((key.0, session, existing));
        }
    }
    let changes = held
        .iter()
        .map(|(pupil, key, existing)| MarkChange {
            pupil: *pupil,
            key: *key,
            held: existing.as_ref(),
            code: b.code,
            minutes: None,
            comment: None,
            reason: Some(&reason),
        })
        .collect();
    let writer = Writer {
        school: b.school.0,
        source: MarkSource::Bulk,
        actor: &b.actor,
        at: b.at,
    };
    outcome.written = write_marks(conn, &writer, changes).await?;
    Ok(outcome)
}

pub(crate) async fn plan_marks<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    plans: &[PlannedMark],
    actor: &Actor,
    at: Timestamp,
) -> Result<u64> {
    let mut changes = Vec::new();
    let mut school = None;
    // Read (and lock) in key order, as every writer does.
    let mut plans: Vec<&PlannedMark> = plans.iter().collect();
    plans.sort_by_key(|p| (p.pupil, p.key.date, session_number(p.key.session)));
    for plan in plans {
        let pupil = conn
            .select_pupil(plan.pupil.0)
            .await?
            .ok_or(StoreError::NotFound("pupil"))?;
        if school.is_some_and(|s| s != pupil.school.0) {
            return Err(StoreError::Invalid(
                "marks are planned for one school at a time".into(),
            ));
        }
        school = Some(pupil.school.0);
        check_mark(&pupil.pupil, plan.key, plan.code, None, None)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", pupil.pupil.name())))?;
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
        changes.push(MarkChange {
            pupil: plan.pupil.0,
            key: plan.key,
            held: None,
            code: plan.code,
            minutes: None,
            comment: plan.comment.as_deref(),
            reason: None,
        });
    }
    let Some(school) = school else { return Ok(0) };
    let writer = Writer {
        school,
        source: MarkSource::Planned,
        actor,
        at,
    };
    write_marks(conn, &writer, changes).await
}

pub(crate) async fn verify_ledger<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
) -> Result<LedgerCheck> {
    let entries = conn.select_school_entries(school).await?;
    let marks = conn.select_school_heads(school).await?;
    let mut check = replay(school, &entries, &marks);
    let upns = conn
        .select_pupils(school)
        .await?
        .into_iter()
        .map(|p| (p.key.0, p.pupil.upn.to_string()))
        .collect();
    rows::check(conn, school, &marks, &upns, &mut check).await?;
    Ok(check)
}

/// A school's register and its pupils' keys, in the roll's order.
pub(crate) async fn load_register<C: Sql + RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
) -> Result<(Register, Vec<rollcall_store::PupilKey>)> {
    let records = conn.select_pupils(school).await?;
    let keys: Vec<rollcall_store::PupilKey> = records.iter().map(|r| r.key).collect();
    let roll = Roll::new(records.into_iter().map(|r| r.pupil).collect())
        .map_err(|e| StoreError::Database(e.to_string().into()))?;
    let register = rows::load(conn, school, roll, &keys).await?;
    Ok((register, keys))
}
