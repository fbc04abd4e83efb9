//! The ledger: every write to a mark, as a chain of entries per session.
//!
//! A session's first recording is entry 1; each amendment appends the next, holding the original
//! entry and the new one, the reason, when, and who. Each entry's hash is SHA-256 over the hash
//! of the entry before it (or [`GENESIS`]), the school and every field, and the mark keeps its
//! latest entry's version and hash. So replaying the entries gives every mark, and a mark or an
//! entry changed, removed or inserted behind the store's back is found by [`replay`]. The chain
//! is per session, so writers of different marks never wait for each other.

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::SessionKey;
use rollcall_store::{LedgerCheck, LedgerProblem, PupilKey};
use sha2::{Digest, Sha256};

use crate::statements::{Result, db, session_of};

/// The hash before a session's first entry.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerRow {
    pub pupil: i64,
    pub date: Date,
    pub session: i16,
    pub version: i32,
    pub original_code: Option<String>,
    pub original_minutes: Option<i32>,
    pub new_code: String,
    pub new_minutes: Option<i32>,
    pub source: String,
    pub reason: Option<String>,
    pub at: i64,
    pub by_user: Option<i64>,
    pub by_name: String,
    pub by_position: String,
    pub hash: Vec<u8>,
}

/// The hash of an entry of a school's ledger, chained to `prev`, the hash of the session's
/// entry before it.
pub(crate) fn hash(school: i64, prev: &[u8], row: &LedgerRow) -> [u8; 32] {
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    // "No reason" and a reason are told apart by a marker before the text.
    let reason = row
        .reason
        .as_ref()
        .map_or_else(String::new, |r| format!("+{r}"));
    let fields = [
        school.to_string(),
        row.pupil.to_string(),
        row.date.to_string(),
        row.session.to_string(),
        row.version.to_string(),
        row.original_code.clone().unwrap_or_default(),
        opt(row.original_minutes),
        row.new_code.clone(),
        opt(row.new_minutes),
        row.source.clone(),
        reason,
        row.at.to_string(),
        row.by_user.map(|u| u.to_string()).unwrap_or_default(),
        row.by_name.clone(),
        row.by_position.clone(),
    ];
    let mut digest = Sha256::new();
    digest.update(prev);
    for field in &fields {
        // Lengths first, so that no two different entries share an encoding.
        digest.update(field.len().to_le_bytes());
        digest.update(field.as_bytes());
    }
    digest.finalize().into()
}

/// A mark as the ledger's replay checks it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MarkHead {
    pub pupil_id: i64,
    pub upn: String,
    pub date: jiff_sqlx::Date,
    pub session: i16,
    pub code: String,
    pub minutes_late: Option<i32>,
    pub version: i32,
    pub entry_hash: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct LedgerSqlRow {
    pupil_id: i64,
    date: jiff_sqlx::Date,
    session: i16,
    version: i32,
    original_code: Option<String>,
    original_minutes: Option<i32>,
    new_code: String,
    new_minutes: Option<i32>,
    source: String,
    reason: Option<String>,
    at: i64,
    by_user: Option<i64>,
    by_name: String,
    by_position: String,
    hash: Vec<u8>,
}

impl LedgerSqlRow {
    fn row(self) -> LedgerRow {
        LedgerRow {
            pupil: self.pupil_id,
            date: self.date.to_jiff(),
            session: self.session,
            version: self.version,
            original_code: self.original_code,
            original_minutes: self.original_minutes,
            new_code: self.new_code,
            new_minutes: self.new_minutes,
            source: self.source,
            reason: self.reason,
            at: self.at,
            by_user: self.by_user,
            by_name: self.by_name,
            by_position: self.by_position,
            hash: self.hash,
        }
    }
}

const LEDGER_COLUMNS: &str = "l.pupil_id, l.date, l.session, l.version, l.original_code, \
    l.original_minutes, l.new_code, l.new_minutes, l.source, l.reason, l.at, l.by_user, \
    l.by_name, l.by_position, l.hash";

/// Entries per statement: 15 parameters each, within both databases' limits.
const BATCH: usize = 2_000;

#[async_trait]
pub(crate) trait LedgerSql: Send {
    async fn insert_entries(&mut self, rows: &[LedgerRow]) -> Result<()>;
    /// A pupil's entries made with a reason, in the order they were made.
    async fn select_amendments(&mut self, pupil: i64) -> Result<Vec<LedgerRow>>;
    /// Every entry of a school's pupils, session by session, each session's in order.
    async fn select_school_entries(&mut self, school: i64) -> Result<Vec<LedgerRow>>;
    /// Every mark of a school's pupils with its version and hash, in the same order.
    async fn select_school_heads(&mut self, school: i64) -> Result<Vec<MarkHead>>;
}

macro_rules! impl_ledger_sql {
    ($conn:ty, $db:ty) => {
        #[async_trait]
        impl LedgerSql for $conn {
            async fn insert_entries(&mut self, rows: &[LedgerRow]) -> Result<()> {
                for batch in rows.chunks(BATCH) {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO ledger (pupil_id, date, session, version, original_code, \
                         original_minutes, new_code, new_minutes, source, reason, at, by_user, \
                         by_name, by_position, hash) ",
                    );
                    builder.push_values(batch, |mut b, r| {
                        b.push_bind(r.pupil)
                            .push_bind(jiff_sqlx::Date::from(r.date))
                            .push_bind(r.session)
                            .push_bind(r.version)
                            .push_bind(r.original_code.clone())
                            .push_bind(r.original_minutes)
                            .push_bind(r.new_code.clone())
                            .push_bind(r.new_minutes)
                            .push_bind(r.source.clone())
                            .push_bind(r.reason.clone())
                            .push_bind(r.at)
                            .push_bind(r.by_user)
                            .push_bind(r.by_name.clone())
                            .push_bind(r.by_position.clone())
                            .push_bind(r.hash.clone());
                    });
                    builder.build().execute(&mut *self).await.map_err(db)?;
                }
                Ok(())
            }

            async fn select_amendments(&mut self, pupil: i64) -> Result<Vec<LedgerRow>> {
                Ok(sqlx::query_as::<_, LedgerSqlRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger l WHERE l.pupil_id = $1 \
                     AND l.reason IS NOT NULL ORDER BY l.at, l.date, l.session, l.version"
                )))
                .bind(pupil)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(LedgerSqlRow::row)
                .collect())
            }

            async fn select_school_entries(&mut self, school: i64) -> Result<Vec<LedgerRow>> {
                Ok(sqlx::query_as::<_, LedgerSqlRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {LEDGER_COLUMNS} FROM ledger l JOIN pupils p ON p.id = l.pupil_id \
                     WHERE p.school_id = $1 ORDER BY l.pupil_id, l.date, l.session, l.version"
                )))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(LedgerSqlRow::row)
                .collect())
            }

            async fn select_school_heads(&mut self, school: i64) -> Result<Vec<MarkHead>> {
                sqlx::query_as::<_, MarkHead>(
                    "SELECT m.pupil_id, p.upn, m.date, m.session, m.code, m.minutes_late, \
                     m.version, m.entry_hash FROM marks m JOIN pupils p ON p.id = m.pupil_id \
                     WHERE p.school_id = $1 ORDER BY m.pupil_id, m.date, m.session",
                )
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }
        }
    };
}

impl_ledger_sql!(sqlx::SqliteConnection, sqlx::Sqlite);
impl_ledger_sql!(sqlx::PgConnection, sqlx::Postgres);

type SessionOf = (i64, Date, i16);

/// Replays a school's entries (sorted by session, then version) against its marks (sorted by
/// session), reporting every session they do not agree on.
pub(crate) fn replay(school: i64, entries: &[LedgerRow], marks: &[MarkHead]) -> LedgerCheck {
    let mut check = LedgerCheck {
        entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
        marks: u64::try_from(marks.len()).unwrap_or(u64::MAX),
        problems: Vec::new(),
    };
    // Each session's last entry, and what was wrong with its chain if anything.
    let mut chains: BTreeMap<SessionOf, (&LedgerRow, Option<String>)> = BTreeMap::new();
    let mut previous: Option<&LedgerRow> = None;
    for row in entries {
        let session = (row.pupil, row.date, row.session);
        let before = previous.filter(|p| (p.pupil, p.date, p.session) == session);
        let expected_version = before.map_or(1, |p| p.version + 1);
        let prev_hash = before.map_or(&GENESIS[..], |p| &p.hash[..]);
        let mut problem = chains.get(&session).and_then(|(_, p)| p.clone());
        if problem.is_none() {
            let original = before.map(|p| (p.new_code.as_str(), p.new_minutes));
            let held = row
                .original_code
                .as_deref()
                .map(|code| (code, row.original_minutes));
            problem = if row.version != expected_version {
                Some(format!("entry {expected_version} is missing"))
            } else if hash(school, prev_hash, row)[..] != row.hash[..] {
                Some(format!("entry {} does not match its hash", row.version))
            } else if held != original {
                Some(format!(
                    "entry {} replaced {}, but the mark held {}",
                    row.version,
                    shown(held),
                    shown(original)
                ))
            } else {
                None
            };
        }
        chains.insert(session, (row, problem));
        previous = Some(row);
    }
    let mut report = |pupil: i64, upn: &str, date: Date, session: i16, problem: String| {
        if let Ok(session) = session_of(session) {
            check.problems.push(LedgerProblem {
                pupil: PupilKey(pupil),
                upn: upn.to_owned(),
                key: SessionKey { date, session },
                problem,
            });
        }
    };
    for mark in marks {
        let date = mark.date.to_jiff();
        let session = (mark.pupil_id, date, mark.session);
        let Some((last, problem)) = chains.remove(&session) else {
            report(
                mark.pupil_id,
                &mark.upn,
                date,
                mark.session,
                format!("the mark {} has no entry in the ledger", mark.code),
            );
            continue;
        };
        let problem = problem.or_else(|| {
            let explained = last.new_code == mark.code
                && last.new_minutes == mark.minutes_late
                && last.version == mark.version
                && mark.entry_hash.as_deref() == Some(&last.hash[..]);
            (!explained).then(|| {
                format!(
                    "the mark {} (version {}) is not what entry {} left ({})",
                    shown(Some((mark.code.as_str(), mark.minutes_late))),
                    mark.version,
                    last.version,
                    shown(Some((last.new_code.as_str(), last.new_minutes)))
                )
            })
        });
        if let Some(problem) = problem {
            report(mark.pupil_id, &mark.upn, date, mark.session, problem);
        }
    }
    // Entries left over are sessions whose mark is gone.
    for ((pupil, date, session), (last, _)) in chains {
        let upn = marks
            .iter()
            .find(|m| m.pupil_id == pupil)
            .map(|m| m.upn.clone())
            .unwrap_or_default();
        report(
            pupil,
            &upn,
            date,
            session,
            format!(
                "the ledger holds {} entries but the mark is gone",
                last.version
            ),
        );
    }
    check
        .problems
        .sort_by_key(|p| (p.pupil, p.key.date, p.key.session));
    check
}

fn shown(mark: Option<(&str, Option<i32>)>) -> String {
    match mark {
        None => "no mark".to_owned(),
        Some((code, Some(minutes))) => format!("{code} ({minutes} min)"),
        Some((code, None)) => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: i32, original: Option<&str>, new: &str) -> LedgerRow {
        LedgerRow {
            pupil: 7,
            date: jiff::civil::date(2025, 9, 3),
            session: 0,
            version,
            original_code: original.map(str::to_owned),
            original_minutes: None,
            new_code: new.into(),
            new_minutes: None,
            source: "office".into(),
            reason: Some("Mother phoned: ill".into()),
            at: 1_756_890_000_000_000,
            by_user: Some(2),
            by_name: "Lisa Craven".into(),
            by_position: "Attendance Officer".into(),
            hash: Vec::new(),
        }
    }

    /// A session's chain, each entry hashed onto the one before.
    fn chain(steps: &[(Option<&str>, &str)]) -> Vec<LedgerRow> {
        let mut prev = GENESIS.to_vec();
        let mut rows = Vec::new();
        for (i, (original, new)) in steps.iter().enumerate() {
            let mut r = row(i32::try_from(i).unwrap() + 1, *original, new);
            r.hash = hash(1, &prev, &r).to_vec();
            prev = r.hash.clone();
            rows.push(r);
        }
        rows
    }

    fn head(last: &LedgerRow, code: &str) -> MarkHead {
        MarkHead {
            pupil_id: last.pupil,
            upn: "A123".into(),
            date: jiff_sqlx::Date::from(last.date),
            session: last.session,
            code: code.into(),
            minutes_late: None,
            version: last.version,
            entry_hash: Some(last.hash.clone()),
        }
    }

    #[test]
    fn every_field_is_in_the_hash() {
        let base = hash(1, &GENESIS, &row(1, Some("N"), "I"));
        type Edit = Box<dyn Fn(&mut LedgerRow)>;
        let changes: Vec<Edit> = vec![
            Box::new(|r| r.version = 2),
            Box::new(|r| r.pupil = 8),
            Box::new(|r| r.session = 1),
            Box::new(|r| r.original_code = None),
            Box::new(|r| r.new_code = "M".into()),
            Box::new(|r| r.new_minutes = Some(3)),
            Box::new(|r| r.source = "bulk".into()),
            Box::new(|r| r.reason = None),
            Box::new(|r| r.reason = Some(String::new())),
            Box::new(|r| r.at += 1),
            Box::new(|r| r.by_user = None),
            Box::new(|r| r.by_name = "L Craven".into()),
            Box::new(|r| r.by_position = "Office".into()),
            // Moving text between fields changes the hash too.
            Box::new(|r| {
                r.by_name = "Lisa CravenAttendance".into();
                r.by_position = " Officer".into();
            }),
        ];
        for change in changes {
            let mut r = row(1, Some("N"), "I");
            change(&mut r);
            assert_ne!(hash(1, &GENESIS, &r), base);
        }
        assert_ne!(hash(2, &GENESIS, &row(1, Some("N"), "I")), base);
        assert_ne!(hash(1, &[1; 32], &row(1, Some("N"), "I")), base);
    }

    #[test]
    fn replay_explains_each_mark_by_its_last_entry() {
        let steps = [(None, "N"), (Some("N"), "M"), (Some("M"), "I")];
        let entries = chain(&steps);
        let last = entries.last().unwrap();
        let intact = replay(1, &entries, &[head(last, "I")]);
        assert!(intact.intact(), "{intact:?}");
        assert_eq!((intact.entries, intact.marks), (3, 1));

        // (what is done behind the store's back, what replay says)
        type Tamper = Box<dyn Fn(&mut Vec<LedgerRow>, &mut Vec<MarkHead>)>;
        let table: Vec<(Tamper, &str)> = vec![
            (
                Box::new(|_, m| m[0].code = "/".into()),
                "the mark / (version 3) is not what entry 3 left (I)",
            ),
            (
                Box::new(|_, m| m[0].version = 4),
                "is not what entry 3 left",
            ),
            (
                Box::new(|e, _| e[1].reason = Some("nothing to see".into())),
                "entry 2 does not match its hash",
            ),
            (Box::new(|e, _| drop(e.remove(1))), "entry 2 is missing"),
            (Box::new(|e, _| drop(e.pop())), "is not what entry 2 left"),
            (
                Box::new(|e, _| {
                    // An entry rewritten with a good hash, but not from what the mark held.
                    e[2].original_code = Some("O".into());
                    e[2].hash = hash(1, &e[1].hash, &e[2]).to_vec();
                }),
                "entry 3 replaced O, but the mark held M",
            ),
            (
                Box::new(|e, m| {
                    let mut planted = m[0].clone();
                    planted.session = 1;
                    m.push(planted);
                    let _ = e;
                }),
                "the mark I has no entry in the ledger",
            ),
            (
                Box::new(|_, m| drop(m.pop())),
                "the ledger holds 3 entries but the mark is gone",
            ),
        ];
        for (tamper, expect) in table {
            let (mut e, mut m) = (entries.clone(), vec![head(last, "I")]);
            tamper(&mut e, &mut m);
            let check = replay(1, &e, &m);
            assert_eq!(check.problems.len(), 1, "{expect}: {check:?}");
            assert!(
                check.problems[0].problem.contains(expect),
                "{expect}: {:?}",
                check.problems[0].problem
            );
        }
        // Another school's hashes do not pass for this one's.
        assert!(!replay(2, &entries, &[head(last, "I")]).intact());
    }
}
