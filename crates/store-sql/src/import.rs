//! A school's register imported whole: pupils added or updated and their marks written in
//! batches, inside the one transaction its caller opened, so that a refused import leaves
//! nothing behind.

use jiff::Timestamp;
use rollcall_core::{Code, Register, Slot};
use rollcall_store::{
    Actor, Characteristic, CharacteristicChange, ContactChange, ContactId, ContactRecord,
    ImportDetails, ImportSummary, MarkSource, PupilKey, PupilRecord, SchoolId, StoreError,
};
use rustc_hash::FxHashMap;

use crate::contacts::ContactSql;
use crate::history::HistorySql;
use crate::ledger::LedgerSql;
use crate::ops::{MarkChange, SessionOf, Writer, write_marks};
use crate::rows::RowSql;
use crate::statements::{Result, Sql, session_number};

/// How many marks to collect before writing them.
const IMPORT_CHUNK: usize = 50_000;

pub(crate) async fn import<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
    register: &Register,
    actor: &Actor,
    at: Timestamp,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary {
        school: SchoolId(school),
        pupils_added: 0,
        pupils_updated: 0,
        marks_added: 0,
        marks_unchanged: 0,
    };
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
                let changes = characteristics(before)
                    .into_iter()
                    .zip(characteristics(pupil));
                conn.update_pupil(record.key.0, Some(group), pupil).await?;
                for ((characteristic, old), (_, new)) in changes {
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
                let initial = characteristics(pupil);
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
                summary.marks_added += insert_batch(conn, school, &batch, actor, at).await?;
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
    summary.marks_added += insert_batch(conn, school, &batch, actor, at).await?;
    progress(summary.marks_added + summary.marks_unchanged);
    Ok(summary)
}

async fn insert_batch<C: Sql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
    batch: &[(i64, Slot, Code, Option<u16>)],
    actor: &Actor,
    at: Timestamp,
) -> Result<u64> {
    let writer = Writer {
        school,
        source: MarkSource::Import,
        actor,
        at,
    };
    let changes = batch
        .iter()
        .map(|&(pupil, slot, code, minutes)| MarkChange {
            pupil,
            key: slot.key(),
            held: None,
            code,
            minutes,
            comment: None,
            reason: None,
        })
        .collect();
    write_marks(conn, &writer, changes).await
}

/// The characteristics whose changes are kept, as stored.
fn characteristics(p: &rollcall_core::Pupil) -> [(Characteristic, String); 4] {
    [
        (Characteristic::Fsm, p.fsm.to_string()),
        (Characteristic::Eal, p.eal.to_string()),
        (Characteristic::Sen, p.sen.code().to_owned()),
        (Characteristic::PupilPremium, p.pupil_premium.to_string()),
    ]
}

/// Contacts imported with the pupils, in the import's transaction: a contact is matched to a
/// pupil's contact of the same name, added if there is none and updated if it differs, each
/// change kept as a version by the importer.
pub(crate) async fn contacts<C: Sql + ContactSql + ?Sized>(
    conn: &mut C,
    school: i64,
    import: &ImportDetails,
    actor: &Actor,
) -> Result<()> {
    let by = actor.signature();
    let mut held: FxHashMap<String, (PupilKey, Vec<ContactRecord>)> = FxHashMap::default();
    for (upn, contact) in &import.contacts {
        if !held.contains_key(upn.as_str()) {
            let pupil = conn
                .select_pupil_by_upn(school, upn.as_str())
                .await?
                .ok_or_else(|| StoreError::Invalid(format!("no pupil {upn} for a contact")))?;
            let contacts = conn.select_contacts(pupil.key.0).await?;
            held.insert(upn.to_string(), (pupil.key, contacts));
        }
        let Some((pupil, contacts)) = held.get_mut(upn.as_str()) else {
            continue;
        };
        let (record, change) = match contacts.iter_mut().find(|c| c.contact.name == contact.name) {
            Some(same) if same.contact == *contact => continue,
            Some(same) => {
                conn.update_contact(same.id.0, contact, false).await?;
                same.contact = contact.clone();
                (same.clone(), ContactChange::Edited)
            }
            None => {
                let id = ContactId(conn.insert_contact(pupil.0, contact).await?);
                let added = ContactRecord {
                    id,
                    pupil: *pupil,
                    contact: contact.clone(),
                };
                contacts.push(added.clone());
                (added, ContactChange::Added)
            }
        };
        conn.insert_version(school, &record, change, import.at, &by)
            .await?;
    }
    Ok(())
}

/// Attendance at earlier schools imported with the pupils, in the import's transaction: a year
/// already held from the same school is replaced.
pub(crate) async fn history<C: Sql + HistorySql + ?Sized>(
    conn: &mut C,
    school: i64,
    import: &ImportDetails,
    actor: &Actor,
) -> Result<()> {
    let by = actor.signature();
    let mut pupils: FxHashMap<String, i64> = FxHashMap::default();
    for (upn, year) in &import.history {
        let pupil = match pupils.get(upn.as_str()) {
            Some(&key) => key,
            None => {
                let key = conn
                    .select_pupil_by_upn(school, upn.as_str())
                    .await?
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("no pupil {upn} for a year's attendance"))
                    })?
                    .key
                    .0;
                pupils.insert(upn.to_string(), key);
                key
            }
        };
        conn.upsert_history(school, pupil, year, import.at, &by)
            .await?;
    }
    Ok(())
}
