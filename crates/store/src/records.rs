//! The school as keeper of personal data: the access log (who opened which pupil's records) and
//! the erasure of register entries past their retention, each erasure logged.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use rollcall_core::Opened;

use crate::{PupilKey, Result, SchoolId, UserId};

/// A member of staff opening a pupil's records.
#[derive(Debug, Clone)]
pub struct NewAccess<'a> {
    /// The pupil.
    pub pupil: PupilKey,
    /// The member of staff.
    pub user: UserId,
    /// Their name and position at the time, as the ledger keeps them.
    pub by_name: &'a str,
    /// Their position then.
    pub by_position: &'a str,
    /// What they opened.
    pub opened: Opened,
    /// Which letter, document or export, where there are several.
    pub detail: Option<&'a str>,
    /// When.
    pub at: Timestamp,
}

/// One entry of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The entry's number.
    pub id: i64,
    /// The pupil's school.
    pub school: SchoolId,
    /// The pupil.
    pub pupil: PupilKey,
    /// The pupil's name as the school knows them.
    pub pupil_name: String,
    /// The member of staff.
    pub user: UserId,
    /// The name of the member of staff then.
    pub by_name: String,
    /// Their position then.
    pub by_position: String,
    /// What they opened.
    pub opened: Opened,
    /// Which letter, document or export, where there are several.
    pub detail: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// Whose access log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessOf {
    /// Everyone who opened this pupil's records.
    Pupil(PupilKey),
    /// Every pupil's records this member of staff opened at the school.
    User(SchoolId, UserId),
}

/// A session of a pupil who has left, with the day of its latest entry: a candidate for erasure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldSession {
    /// The pupil's school.
    pub school: SchoolId,
    /// The pupil.
    pub pupil: PupilKey,
    /// The pupil's name as the school knows them.
    pub pupil_name: String,
    /// The day the pupil left.
    pub left: Date,
    /// The session's day.
    pub date: Date,
    /// Morning or afternoon.
    pub session: rollcall_core::Session,
    /// The day its latest ledger entry was made (the session's date for a mark without one).
    pub last_entry: Date,
    /// How many ledger entries it has.
    pub entries: u64,
}

/// A pupil's register entries erased (or, in a dry run, to be erased) after retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// The pupil's school.
    pub school: SchoolId,
    /// The pupil.
    pub pupil: PupilKey,
    /// The pupil's name as the school knows them.
    pub pupil_name: String,
    /// The day the pupil left.
    pub left: Date,
    /// Sessions whose mark and ledger entries go.
    pub sessions: u64,
    /// Their ledger entries.
    pub entries: u64,
    /// The first and last of those sessions.
    pub first: Date,
    /// The last of them.
    pub last: Date,
}

/// An erasure as the retention log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRecord {
    /// What was erased.
    pub erasure: Erasure,
    /// Entries made before this day were past retention.
    pub cutoff: Date,
    /// When.
    pub at: Timestamp,
    /// Who ran it.
    pub by: String,
}

/// The access log and retention.
#[async_trait]
pub trait Records: Send + Sync {
    /// Adds to the access log, which is append-only.
    async fn record_access(&self, access: &NewAccess<'_>) -> Result<()>;
    /// The access log of a pupil or of a member of staff, newest first, at most `limit` entries.
    async fn access_log(&self, of: AccessOf, limit: u32) -> Result<Vec<AccessRecord>>;
    /// Every session before `before` of pupils who left on or before `today`, in every school.
    async fn old_sessions(&self, today: Date, before: Date) -> Result<Vec<OldSession>>;
    /// Erases, in one transaction, each session's mark and ledger entries (the ledger refuses
    /// deletion otherwise) and logs one erasure per pupil; what was erased. A session that has
    /// had an entry since it was read is kept.
    async fn erase(
        &self,
        sessions: &[OldSession],
        cutoff: Date,
        at: Timestamp,
        by: &str,
    ) -> Result<Vec<Erasure>>;
    /// The retention log, newest first.
    async fn erasures(&self) -> Result<Vec<ErasureRecord>>;
}

/// Sessions gathered per pupil, in the order first met.
pub fn erasures_of(sessions: &[OldSession]) -> Vec<Erasure> {
    let mut erasures: Vec<Erasure> = Vec::new();
    for s in sessions {
        match erasures.iter_mut().find(|e| e.pupil == s.pupil) {
            Some(e) => {
                e.sessions += 1;
                e.entries += s.entries;
                e.first = e.first.min(s.date);
                e.last = e.last.max(s.date);
            }
            None => erasures.push(Erasure {
                school: s.school,
                pupil: s.pupil,
                pupil_name: s.pupil_name.clone(),
                left: s.left,
                sessions: 1,
                entries: s.entries,
                first: s.date,
                last: s.date,
            }),
        }
    }
    erasures
}
