//! Each pupil's marks as rows of bytes, as the registers are read: a block of [`BLOCK`]
//! sessions per row, one byte a session ([`Code::as_byte`], 0 for none) and the minutes late
//! of its late marks. Every writer of marks updates the rows in its own transaction
//! ([`apply`]), and `verify_ledger` checks them against the marks ([`check`]), so a school's
//! register is read as a few thousand rows rather than a row per mark, and is never stale.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::{Code, RegisterBuilder, Roll, SessionKey, Slot};
use rollcall_store::{LedgerCheck, LedgerProblem, PupilKey, StoreError};
use rustc_hash::FxHashMap;

use crate::ledger::MarkHead;
use crate::statements::{BareMark, IMPORT_BATCH, Result, Sql, code_of, db, session_of};

/// Sessions per row: 512 days, so a school's two years are about two rows per pupil to read,
/// and a register's write rewrites at most a kilobyte per pupil.
pub(crate) const BLOCK: i32 = 1024;

/// A session's code and minutes late, or nothing once erased.
pub(crate) type Content = Option<(Code, Option<u16>)>;

/// What a pupil's session holds for the rows.
pub(crate) type RowChange = (i64, Slot, Content);

/// One row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct StoredRow {
    pub pupil_id: i64,
    pub block: i32,
    /// One byte a session from the block's first; trailing sessions with no mark are left off.
    pub codes: Vec<u8>,
    /// For each late mark, the session's place in the block and the minutes, two bytes each,
    /// little-endian, in order.
    pub lates: Vec<u8>,
    pub version: i32,
}

impl StoredRow {
    fn empty((pupil_id, block): (i64, i32)) -> StoredRow {
        StoredRow {
            pupil_id,
            block,
            codes: Vec::new(),
            lates: Vec::new(),
            version: 0,
        }
    }

    fn first_slot(&self) -> i32 {
        self.block * BLOCK
    }

    fn lates(&self) -> impl Iterator<Item = (usize, u16)> + '_ {
        let (lates, _) = self.lates.as_chunks::<4>();
        lates.iter().map(|&[p0, p1, m0, m1]| {
            let place = u16::from_le_bytes([p0, p1]);
            (usize::from(place), u16::from_le_bytes([m0, m1]))
        })
    }

    /// Puts a session's mark (or none) in its place.
    fn set(&mut self, place: usize, mark: Content) {
        if place >= self.codes.len() {
            self.codes.resize(place + 1, 0);
        }
        if let Some(cell) = self.codes.get_mut(place) {
            *cell = mark.map_or(0, |(code, _)| code.as_byte());
        }
        let minutes = mark.and_then(|(code, minutes)| minutes.filter(|_| code.is_late()));
        let mut lates: Vec<(usize, u16)> = self.lates().filter(|&(p, _)| p != place).collect();
        if let Some(minutes) = minutes {
            lates.push((place, minutes));
            lates.sort_unstable();
        }
        self.lates = lates
            .into_iter()
            .flat_map(|(p, m)| {
                let p = u16::try_from(p).unwrap_or(u16::MAX).to_le_bytes();
                let m = m.to_le_bytes();
                [p[0], p[1], m[0], m[1]]
            })
            .collect();
        let used = self
            .codes
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        self.codes.truncate(used);
    }

    /// The minutes late of the row's late marks, by slot.
    fn late_slots(&self) -> Vec<(Slot, u16)> {
        self.lates()
            .map(|(place, minutes)| (self.slot(place), minutes))
            .collect()
    }

    fn slot(&self, place: usize) -> Slot {
        Slot(self.first_slot() + i32::try_from(place).unwrap_or(i32::MAX))
    }

    /// Every mark of the row: its slot, code and minutes late.
    fn marks(&self) -> Result<Vec<(Slot, Code, Option<u16>)>> {
        let lates: FxHashMap<usize, u16> = self.lates().collect();
        self.codes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b != 0)
            .map(|(place, &b)| {
                let code = Code::from_byte(b).ok_or_else(|| {
                    StoreError::Database(format!("a register row holds code number {b}").into())
                })?;
                Ok((self.slot(place), code, lates.get(&place).copied()))
            })
            .collect()
    }
}

/// A slot's block and its place in the block.
fn place_of(slot: Slot) -> (i32, usize) {
    let place = usize::try_from(slot.0.rem_euclid(BLOCK)).unwrap_or(0);
    (slot.0.div_euclid(BLOCK), place)
}

#[async_trait]
pub(crate) trait RowSql: Send {
    /// The rows of these pupils and blocks (in key order) that exist, locked until the
    /// transaction ends.
    async fn select_rows_for_update(&mut self, keys: &[(i64, i32)]) -> Result<Vec<StoredRow>>;
    /// Writes each row over the version before it (or as new, version 1): how many were
    /// written, fewer when another writer got there first.
    async fn upsert_rows(&mut self, rows: &[StoredRow]) -> Result<u64>;
    /// Every row of a school's pupils, pupil by pupil, each pupil's in order.
    async fn select_school_rows(&mut self, school: i64) -> Result<Vec<StoredRow>>;
    /// Whether the rows are to be filled from the marks, the task then taken off the list.
    async fn take_rebuild(&mut self) -> Result<bool>;
}

/// A school's rows, pupil by pupil. Through a list of the school's pupils, which SQLite walks
/// in key order and so needs no sort (a join walks the pupils by UPN).
const SCHOOL_ROWS: &str = "SELECT pupil_id, block, codes, lates, version FROM register_rows \
     WHERE pupil_id IN (SELECT id FROM pupils WHERE school_id = $1) ORDER BY pupil_id, block";

async fn pg_school_rows(conn: &mut sqlx::PgConnection, school: i64) -> Result<Vec<StoredRow>> {
    sqlx::query_as::<_, StoredRow>(SCHOOL_ROWS)
        .bind(school)
        .fetch_all(conn)
        .await
        .map_err(db)
}

async fn sqlite_school_rows(
    conn: &mut sqlx::SqliteConnection,
    school: i64,
) -> Result<Vec<StoredRow>> {
    crate::direct::fetch_all(conn, SCHOOL_ROWS, school, |r| {
        Ok(StoredRow {
            pupil_id: r.get(0)?,
            block: r.get(1)?,
            codes: r.get(2)?,
            lates: r.get(3)?,
            version: r.get(4)?,
        })
    })
    .await
}

macro_rules! impl_row_sql {
    ($conn:ty, $db:ty, for_update = $for_update:literal, school_rows = $school_rows:path) => {
        #[async_trait]
        impl RowSql for $conn {
            async fn select_rows_for_update(
                &mut self,
                keys: &[(i64, i32)],
            ) -> Result<Vec<StoredRow>> {
                let mut rows = Vec::with_capacity(keys.len());
                for batch in keys.chunks(IMPORT_BATCH) {
                    // By pupil and a range of blocks, which both databases answer from the
                    // key (a list of pairs makes SQLite read the whole table); the few rows in
                    // range but not asked for are left out below.
                    let blocks = batch.iter().map(|k| k.1);
                    let (first, last) = (blocks.clone().min(), blocks.max());
                    let mut builder = sqlx::QueryBuilder::<$db>::new(
                        "SELECT pupil_id, block, codes, lates, version FROM register_rows \
                         WHERE pupil_id IN (",
                    );
                    let mut pupils = builder.separated(", ");
                    for (pupil, _) in batch {
                        pupils.push_bind(*pupil);
                    }
                    builder
                        .push(") AND block BETWEEN ")
                        .push_bind(first.unwrap_or(0))
                        .push(" AND ")
                        .push_bind(last.unwrap_or(0))
                        .push(concat!(" ORDER BY pupil_id, block", $for_update));
                    rows.extend(
                        builder
                            .build_query_as::<StoredRow>()
                            .fetch_all(&mut *self)
                            .await
                            .map_err(db)?
                            .into_iter()
                            .filter(|r| batch.binary_search(&(r.pupil_id, r.block)).is_ok()),
                    );
                }
                Ok(rows)
            }

            async fn upsert_rows(&mut self, rows: &[StoredRow]) -> Result<u64> {
                let mut written = 0;
                for batch in rows.chunks(IMPORT_BATCH) {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO register_rows (pupil_id, block, codes, lates, version) ",
                    );
                    builder.push_values(batch, |mut row, r| {
                        row.push_bind(r.pupil_id)
                            .push_bind(r.block)
                            .push_bind(r.codes.as_slice())
                            .push_bind(r.lates.as_slice())
                            .push_bind(r.version);
                    });
                    builder.push(
                        " ON CONFLICT (pupil_id, block) DO UPDATE SET codes = excluded.codes, \
                         lates = excluded.lates, version = excluded.version \
                         WHERE register_rows.version = excluded.version - 1",
                    );
                    written += builder
                        .build()
                        .execute(&mut *self)
                        .await
                        .map_err(db)?
                        .rows_affected();
                }
                Ok(written)
            }

            async fn select_school_rows(&mut self, school: i64) -> Result<Vec<StoredRow>> {
                $school_rows(self, school).await
            }

            async fn take_rebuild(&mut self) -> Result<bool> {
                sqlx::query("DELETE FROM store_tasks WHERE task = 'register_rows'")
                    .execute(&mut *self)
                    .await
                    .map(|done| done.rows_affected() > 0)
                    .map_err(db)
            }
        }
    };
}

impl_row_sql!(
    sqlx::SqliteConnection,
    sqlx::Sqlite,
    for_update = "",
    school_rows = sqlite_school_rows
);
impl_row_sql!(
    sqlx::PgConnection,
    sqlx::Postgres,
    for_update = " FOR UPDATE",
    school_rows = pg_school_rows
);

/// Puts sessions' new contents into their rows, in the caller's transaction. The rows are
/// locked in key order before they are read; a row another writer created meanwhile fails the
/// write ([`StoreError::Contended`]), which the store runs again.
pub(crate) async fn apply<C: RowSql + ?Sized>(conn: &mut C, changes: &[RowChange]) -> Result<()> {
    let mut touched: BTreeMap<(i64, i32), Vec<(usize, Content)>> = BTreeMap::new();
    for &(pupil, slot, mark) in changes {
        let (block, place) = place_of(slot);
        touched
            .entry((pupil, block))
            .or_default()
            .push((place, mark));
    }
    if touched.is_empty() {
        return Ok(());
    }
    let keys: Vec<(i64, i32)> = touched.keys().copied().collect();
    let mut held: FxHashMap<(i64, i32), StoredRow> = conn
        .select_rows_for_update(&keys)
        .await?
        .into_iter()
        .map(|r| ((r.pupil_id, r.block), r))
        .collect();
    let rows: Vec<StoredRow> = touched
        .into_iter()
        .map(|(key, sets)| {
            let mut row = held.remove(&key).unwrap_or_else(|| StoredRow::empty(key));
            for (place, mark) in sets {
                row.set(place, mark);
            }
            row.version += 1;
            row
        })
        .collect();
    if conn.upsert_rows(&rows).await? != u64::try_from(rows.len()).unwrap_or(u64::MAX) {
        return Err(StoreError::Contended);
    }
    Ok(())
}

/// A school's register, read from its rows.
pub(crate) async fn load<C: RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
    roll: Roll,
    keys: &[PupilKey],
) -> Result<rollcall_core::Register> {
    let ids: FxHashMap<i64, rollcall_core::PupilId> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            (
                key.0,
                rollcall_core::PupilId(u32::try_from(i).unwrap_or(u32::MAX)),
            )
        })
        .collect();
    let mut builder = RegisterBuilder::new(&roll);
    for row in conn.select_school_rows(school).await? {
        let Some(&id) = ids.get(&row.pupil_id) else {
            continue;
        };
        builder
            .insert_run(id, Slot(row.first_slot()), &row.codes, &row.late_slots())
            .map_err(|e| StoreError::Database(format!("a register row: {e}").into()))?;
    }
    Ok(builder.finish(roll))
}

/// Fills the rows from the marks when a migration has asked for it: once, when the store
/// connects to a database whose marks were written before the rows were kept.
pub(crate) async fn rebuild_if_asked<C: Sql + RowSql + ?Sized>(conn: &mut C) -> Result<()> {
    if !conn.take_rebuild().await? {
        return Ok(());
    }
    for school in conn.select_schools().await? {
        let changes = marks_as_changes(conn.select_school_marks(school.id.0).await?)?;
        apply(conn, &changes).await?;
    }
    Ok(())
}

fn marks_as_changes(marks: Vec<BareMark>) -> Result<Vec<RowChange>> {
    marks
        .into_iter()
        .map(|(pupil, date, session, code, minutes)| {
            let (slot, code, minutes) = content_of(date, session, &code, minutes)?;
            Ok((pupil, slot, Some((code, minutes))))
        })
        .collect()
}

/// A stored mark's slot, code and minutes late, the minutes kept for late marks only, as the
/// rows keep them.
fn content_of(
    date: Date,
    session: i16,
    code: &str,
    minutes: Option<i32>,
) -> Result<(Slot, Code, Option<u16>)> {
    let slot = SessionKey {
        date,
        session: session_of(session)?,
    }
    .slot();
    let code = code_of(code)?;
    let minutes = minutes
        .and_then(|m| u16::try_from(m).ok())
        .filter(|_| code.is_late());
    Ok((slot, code, minutes))
}

/// Reports every session where a school's rows do not hold its mark, unless the ledger's
/// replay has already reported it.
pub(crate) async fn check<C: RowSql + ?Sized>(
    conn: &mut C,
    school: i64,
    marks: &[MarkHead],
    upns: &FxHashMap<i64, String>,
    into: &mut LedgerCheck,
) -> Result<()> {
    let mut expected: BTreeMap<(i64, Slot), (Code, Option<u16>)> = BTreeMap::new();
    for mark in marks {
        let (slot, code, minutes) = content_of(
            mark.date.to_jiff(),
            mark.session,
            &mark.code,
            mark.minutes_late,
        )?;
        expected.insert((mark.pupil_id, slot), (code, minutes));
    }
    let mut found: BTreeMap<(i64, Slot), (Code, Option<u16>)> = BTreeMap::new();
    for row in conn.select_school_rows(school).await? {
        for (slot, code, minutes) in row.marks()? {
            found.insert((row.pupil_id, slot), (code, minutes));
        }
    }
    // A session the ledger already finds wrong is reported once, by the ledger.
    let reported: std::collections::BTreeSet<(i64, Slot)> = into
        .problems
        .iter()
        .map(|p| (p.pupil.0, p.key.slot()))
        .collect();
    let keys: std::collections::BTreeSet<(i64, Slot)> =
        expected.keys().chain(found.keys()).copied().collect();
    for key in keys.difference(&reported).copied() {
        let (held, copied) = (expected.get(&key), found.get(&key));
        if held == copied {
            continue;
        }
        let shown = |m: Option<&(Code, Option<u16>)>| match m {
            None => "no mark".to_owned(),
            Some((code, None)) => code.symbol().to_owned(),
            Some((code, Some(minutes))) => format!("{} ({minutes} min)", code.symbol()),
        };
        into.problems.push(LedgerProblem {
            pupil: PupilKey(key.0),
            upn: upns.get(&key.0).cloned().unwrap_or_default(),
            key: key.1.key(),
            problem: format!(
                "the register's rows hold {} where the mark is {}",
                shown(copied),
                shown(held)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(symbol: &str) -> Code {
        Code::parse(symbol).unwrap()
    }

    #[test]
    fn a_row_keeps_codes_and_minutes_late_in_place() {
        let mut row = StoredRow::empty((1, 40));
        row.set(3, Some((code("L"), Some(12))));
        row.set(0, Some((code("/"), Some(5))));
        row.set(7, Some((code("U"), Some(40))));
        let first = 40 * BLOCK;
        assert_eq!(
            row.marks().unwrap(),
            vec![
                (Slot(first), code("/"), None),
                (Slot(first + 3), code("L"), Some(12)),
                (Slot(first + 7), code("U"), Some(40)),
            ]
        );
        row.set(3, Some((code("/"), None)));
        row.set(7, None);
        assert_eq!(row.codes.len(), 4, "trailing empty sessions are left off");
        assert!(row.lates.is_empty());
    }

    #[test]
    fn slots_before_the_epoch_fall_in_their_own_block() {
        assert_eq!(place_of(Slot(-1)), (-1, 1023));
        assert_eq!(place_of(Slot(BLOCK)), (1, 0));
    }
}
