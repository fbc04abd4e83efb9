//! Converts the ledger kept before every mark had its entries (amendments only, one hash chain
//! per school) into the journal `ledger.rs` keeps. It runs once, when a store first connects
//! to a database migrated from that layout: it checks the old chain first, so a ledger tampered
//! with before the upgrade is refused rather than sealed, then gives every mark its entries and
//! drops the old tables, in one transaction.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rollcall_store::StoreError;
use sha2::{Digest, Sha256};

use crate::ledger::{GENESIS, LedgerRow, LedgerSql, hash};
use crate::statements::{Result, db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LegacyRow {
    school_id: i64,
    seq: i64,
    pupil_id: i64,
    date: jiff_sqlx::Date,
    session: i16,
    original_code: Option<String>,
    original_minutes: Option<i32>,
    new_code: String,
    new_minutes: Option<i32>,
    reason: String,
    at: i64,
    by_user: Option<i64>,
    by_name: String,
    by_position: String,
    prev_hash: String,
    hash: String,
}

/// A mark with no entries yet, and its school.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct BareMark {
    school_id: i64,
    pupil_id: i64,
    date: jiff_sqlx::Date,
    session: i16,
    code: String,
    minutes_late: Option<i32>,
    source: String,
    recorded_by: Option<String>,
    recorded_by_user: Option<i64>,
    recorded_at: i64,
}

/// The old chain's hash: SHA-256 over the previous hash and every field, each length first.
fn legacy_hash(row: &LegacyRow) -> String {
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    let fields = [
        row.prev_hash.clone(),
        row.school_id.to_string(),
        row.seq.to_string(),
        row.pupil_id.to_string(),
        row.date.to_jiff().to_string(),
        row.session.to_string(),
        row.original_code.clone().unwrap_or_default(),
        opt(row.original_minutes),
        row.new_code.clone(),
        opt(row.new_minutes),
        row.reason.clone(),
        row.at.to_string(),
        row.by_user.map(|u| u.to_string()).unwrap_or_default(),
        row.by_name.clone(),
        row.by_position.clone(),
    ];
    let mut digest = Sha256::new();
    for field in &fields {
        digest.update(field.len().to_le_bytes());
        digest.update(field.as_bytes());
    }
    hex::encode(digest.finalize())
}

#[async_trait]
pub(crate) trait LegacySql: Send {
    async fn legacy_ledger_exists(&mut self) -> Result<bool>;
    async fn select_legacy_rows(&mut self) -> Result<Vec<LegacyRow>>;
    async fn select_legacy_heads(&mut self) -> Result<Vec<(i64, i64, String)>>;
    async fn select_bare_marks(&mut self) -> Result<Vec<BareMark>>;
    async fn set_mark_head(&mut self, row: &LedgerRow) -> Result<()>;
    async fn drop_legacy_ledger(&mut self) -> Result<()>;
}

macro_rules! impl_legacy_sql {
    ($conn:ty, exists = $exists:literal) => {
        #[async_trait]
        impl LegacySql for $conn {
            async fn legacy_ledger_exists(&mut self) -> Result<bool> {
                let (n,): (i64,) = sqlx::query_as($exists)
                    .fetch_one(&mut *self)
                    .await
                    .map_err(db)?;
                Ok(n > 0)
            }

            async fn select_legacy_rows(&mut self) -> Result<Vec<LegacyRow>> {
                sqlx::query_as(
                    "SELECT school_id, seq, pupil_id, date, session, original_code, \
                     original_minutes, new_code, new_minutes, reason, at, by_user, by_name, \
                     by_position, prev_hash, hash FROM ledger_legacy ORDER BY school_id, seq",
                )
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_legacy_heads(&mut self) -> Result<Vec<(i64, i64, String)>> {
                sqlx::query_as("SELECT school_id, seq, hash FROM ledger_legacy_heads")
                    .fetch_all(&mut *self)
                    .await
                    .map_err(db)
            }

            async fn select_bare_marks(&mut self) -> Result<Vec<BareMark>> {
                sqlx::query_as(
                    "SELECT p.school_id, m.pupil_id, m.date, m.session, m.code, m.minutes_late, \
                     m.source, m.recorded_by, m.recorded_by_user, m.recorded_at FROM marks m \
                     JOIN pupils p ON p.id = m.pupil_id WHERE m.version = 0",
                )
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn set_mark_head(&mut self, row: &LedgerRow) -> Result<()> {
                sqlx::query(
                    "UPDATE marks SET version = $4, entry_hash = $5 \
                     WHERE pupil_id = $1 AND date = $2 AND session = $3 AND version = 0",
                )
                .bind(row.pupil)
                .bind(jiff_sqlx::Date::from(row.date))
                .bind(row.session)
                .bind(row.version)
                .bind(&row.hash)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn drop_legacy_ledger(&mut self) -> Result<()> {
                for sql in ["DROP TABLE ledger_legacy", "DROP TABLE ledger_legacy_heads"] {
                    sqlx::query(sql).execute(&mut *self).await.map_err(db)?;
                }
                Ok(())
            }
        }
    };
}

impl_legacy_sql!(
    sqlx::SqliteConnection,
    exists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_legacy'"
);
impl_legacy_sql!(
    sqlx::PgConnection,
    exists = "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'ledger_legacy' \
              AND schemaname = current_schema()"
);

/// Refuses a legacy ledger whose chain or head does not hold.
fn check_legacy(rows: &[LegacyRow], heads: &[(i64, i64, String)]) -> Result<()> {
    let broken = |school: i64, seq: i64, what: &str| {
        StoreError::Conflict(format!(
            "the ledger of school {school} {what} at entry {seq}, so it cannot be carried into \
             this version of rollcall; restore it from a backup taken before it changed"
        ))
    };
    for &(school, head_seq, ref head_hash) in heads {
        let mut prev = hex::encode(GENESIS);
        let mut seq = 0;
        for row in rows.iter().filter(|r| r.school_id == school) {
            seq += 1;
            if row.seq != seq {
                return Err(broken(school, seq, "is missing an entry"));
            }
            if row.prev_hash != prev || legacy_hash(row) != row.hash {
                return Err(broken(school, seq, "does not match its hash"));
            }
            prev = row.hash.clone();
        }
        if seq != head_seq || prev != *head_hash {
            return Err(broken(school, seq + 1, "has lost entries"));
        }
    }
    Ok(())
}

/// One step of a session's history, to become an entry.
struct Step {
    original: Option<(String, Option<i32>)>,
    new: (String, Option<i32>),
    source: String,
    reason: Option<String>,
    at: i64,
    by_user: Option<i64>,
    by_name: String,
    by_position: String,
}

/// A session's history: its first recording (from the mark itself when it was never amended,
/// else from the first amendment's original) and then each amendment. Who recorded a mark that
/// was later amended was not kept before; the entry says so.
fn history(mark: &BareMark, amendments: &[&LegacyRow]) -> Vec<Step> {
    let Some(first) = amendments.first() else {
        return vec![Step {
            original: None,
            new: (mark.code.clone(), mark.minutes_late),
            source: mark.source.clone(),
            reason: None,
            at: mark.recorded_at,
            by_user: mark.recorded_by_user,
            by_name: mark.recorded_by.clone().unwrap_or_default(),
            by_position: String::new(),
        }];
    };
    let mut steps = Vec::new();
    if let Some(code) = &first.original_code {
        steps.push(Step {
            original: None,
            new: (code.clone(), first.original_minutes),
            source: "register".into(),
            reason: None,
            at: first.at,
            by_user: None,
            by_name: "not recorded before the ledger kept first entries".into(),
            by_position: String::new(),
        });
    }
    let last = amendments.len() - 1;
    for (i, row) in amendments.iter().enumerate() {
        steps.push(Step {
            original: row
                .original_code
                .clone()
                .map(|code| (code, row.original_minutes)),
            new: (row.new_code.clone(), row.new_minutes),
            source: if i == last {
                mark.source.clone()
            } else {
                "office".into()
            },
            reason: Some(row.reason.clone()),
            at: row.at,
            by_user: row.by_user,
            by_name: row.by_name.clone(),
            by_position: row.by_position.clone(),
        });
    }
    steps
}

/// Converts a legacy ledger, if the database has one. Runs inside the caller's transaction.
pub(crate) async fn convert<C: LegacySql + LedgerSql + ?Sized>(conn: &mut C) -> Result<()> {
    if !conn.legacy_ledger_exists().await? {
        return Ok(());
    }
    let rows = conn.select_legacy_rows().await?;
    check_legacy(&rows, &conn.select_legacy_heads().await?)?;
    let mut by_session: BTreeMap<(i64, jiff::civil::Date, i16), Vec<&LegacyRow>> = BTreeMap::new();
    for row in &rows {
        by_session
            .entry((row.pupil_id, row.date.to_jiff(), row.session))
            .or_default()
            .push(row);
    }
    let marks = conn.select_bare_marks().await?;
    let mut entries = Vec::new();
    let mut heads = Vec::with_capacity(marks.len());
    for mark in &marks {
        let session = (mark.pupil_id, mark.date.to_jiff(), mark.session);
        let amendments = by_session.remove(&session).unwrap_or_default();
        let mut prev = GENESIS.to_vec();
        let mut last = None;
        for (version, step) in (1..).zip(history(mark, &amendments)) {
            let mut row = LedgerRow {
                pupil: mark.pupil_id,
                date: session.1,
                session: mark.session,
                version,
                original_code: step.original.as_ref().map(|o| o.0.clone()),
                original_minutes: step.original.and_then(|o| o.1),
                new_code: step.new.0,
                new_minutes: step.new.1,
                source: step.source,
                reason: step.reason,
                at: step.at,
                by_user: step.by_user,
                by_name: step.by_name,
                by_position: step.by_position,
                hash: Vec::new(),
            };
            row.hash = hash(mark.school_id, &prev, &row).to_vec();
            prev = row.hash.clone();
            last = Some(row.clone());
            entries.push(row);
        }
        heads.extend(last);
    }
    if let Some(((pupil, date, _), _)) = by_session.into_iter().next() {
        return Err(StoreError::Conflict(format!(
            "the ledger holds amendments of pupil {pupil}'s mark for {date}, which is gone; \
             the database cannot be carried into this version of rollcall as it is"
        )));
    }
    conn.insert_entries(&entries).await?;
    for head in &heads {
        conn.set_mark_head(head).await?;
    }
    conn.drop_legacy_ledger().await
}
