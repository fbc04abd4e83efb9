//! What the worklist needs, read from the store once: the register, each pupil's current
//! circumstances and their chronology. The rules themselves are the core's, which does no I/O.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime};
use rollcall_core::casefile::CaseFileRecord;
use rollcall_core::{
    Case, CaseEntry, Flag, Item, NoticeKind, ParentNotice, Policy, PupilId, Register,
    RegisterBuilder, RequestStatus, Roll, Session, Slot, Standing,
};

use crate::{
    AbsenceReportRecord, CaseRecord, FlagRecord, LeaveRecord, PupilKey, PupilRecord, Result,
    SchoolId, Store, StoreError, StoredMark,
};

/// The register and casework of a school, or of one pupil.
pub struct Casebook {
    register: Register,
    /// Indexed by the register's [`PupilId`].
    pupils: Vec<PupilRecord>,
    /// Every circumstance recorded, current or past.
    circumstances: HashMap<PupilKey, Vec<FlagRecord>>,
    /// The circumstances that apply on the day asked about.
    flags: HashMap<PupilKey, Vec<Flag>>,
    /// Chronologies, oldest first.
    entries: HashMap<PupilKey, Vec<CaseEntry>>,
    /// Absences reported and leave refused.
    notices: HashMap<PupilKey, Vec<ParentNotice>>,
    /// Case files.
    records: HashMap<PupilKey, Vec<CaseFileRecord>>,
}

/// A register of one pupil (their [`PupilId`] is 0) with the marks the caller read.
pub fn one_pupil_register(pupil: &rollcall_core::Pupil, marks: &[StoredMark]) -> Result<Register> {
    let roll = Roll::new(vec![pupil.clone()]).map_err(|e| StoreError::Conflict(e.to_string()))?;
    let mut builder = RegisterBuilder::new(&roll);
    for mark in marks {
        builder
            .insert(PupilId(0), mark.key.slot(), mark.code, mark.minutes_late)
            .map_err(|_| StoreError::Conflict("two marks for one session".into()))?;
    }
    Ok(builder.finish(roll))
}

/// One item due, with its pupil.
pub struct Due<'a> {
    /// The pupil.
    pub pupil: &'a PupilRecord,
    /// What is due.
    pub item: Item,
}

impl Casebook {
    /// Every pupil of a school, with the circumstances that apply on `on`.
    pub async fn school(store: &dyn Store, school: SchoolId, on: Date) -> Result<Casebook> {
        let register = store.load_register(school).await?;
        let mut by_upn: HashMap<_, _> = store
            .pupils(school)
            .await?
            .into_iter()
            .map(|p| (p.pupil.upn, p))
            .collect();
        let pupils = register
            .pupils()
            .iter()
            .map(|p| by_upn.remove(&p.upn))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| StoreError::Conflict("the roll changed while it was read".into()))?;
        let mut book = Casebook {
            register,
            pupils,
            circumstances: HashMap::new(),
            flags: HashMap::new(),
            entries: HashMap::new(),
            notices: HashMap::new(),
            records: HashMap::new(),
        };
        for filed in store.school_case_files(school).await? {
            book.records
                .entry(filed.pupil)
                .or_default()
                .push(filed.record);
        }
        book.keep_circumstances(store.school_flags(school).await?, on);
        book.keep_chronology(store.school_chronology(school).await?);
        book.keep_notices(
            &store.absence_reports(school).await?,
            &store.leave_requests(school).await?,
        );
        Ok(book)
    }

    fn keep_circumstances(&mut self, records: Vec<FlagRecord>, on: Date) {
        for record in records {
            if record.applies_on(on) {
                self.flags
                    .entry(record.pupil)
                    .or_default()
                    .push(record.flag);
            }
            self.circumstances
                .entry(record.pupil)
                .or_default()
                .push(record);
        }
    }

    fn keep_chronology(&mut self, records: Vec<CaseRecord>) {
        for record in records {
            self.entries
                .entry(record.pupil)
                .or_default()
                .push(record.entry);
        }
    }

    /// Every report of absence stands (the office may still ask for more, but the parent has
    /// told the school); leave stands refused for the days a decision did not grant.
    fn keep_notices(&mut self, reports: &[AbsenceReportRecord], leave: &[LeaveRecord]) {
        for r in reports {
            self.notices
                .entry(r.report.pupil)
                .or_default()
                .push(ParentNotice {
                    id: r.id,
                    kind: NoticeKind::ReportedAbsence,
                    first: r.report.first.slot(),
                    last: r.report.last.slot(),
                    at: r.report.at,
                });
        }
        for l in leave {
            let asked = (l.request.first, l.request.last);
            let refused: Vec<_> = match (l.status, l.granted) {
                (RequestStatus::Refused, _) => vec![asked],
                (RequestStatus::PartlyGranted, Some((first, last, _))) => [
                    (Some(asked.0), first.yesterday().ok()),
                    (last.tomorrow().ok(), Some(asked.1)),
                ]
                .into_iter()
                .filter_map(|pair| match pair {
                    (Some(a), Some(b)) if a <= b => Some((a, b)),
                    _ => None,
                })
                .collect(),
                _ => Vec::new(),
            };
            for (first, last) in refused {
                self.notices
                    .entry(l.request.pupil)
                    .or_default()
                    .push(ParentNotice {
                        id: l.id,
                        kind: NoticeKind::RefusedLeave,
                        first: Slot::new(first, Session::Am),
                        last: Slot::new(last, Session::Pm),
                        at: l.request.at,
                    });
            }
        }
    }

    /// One pupil, with their marks of the academic year of `on` as the caller read them.
    pub async fn pupil(
        store: &dyn Store,
        record: PupilRecord,
        marks: &[StoredMark],
        on: Date,
    ) -> Result<Casebook> {
        let mut book = Casebook {
            register: one_pupil_register(&record.pupil, marks)?,
            pupils: Vec::new(),
            circumstances: HashMap::new(),
            flags: HashMap::new(),
            entries: HashMap::new(),
            notices: HashMap::new(),
            records: HashMap::new(),
        };
        book.records
            .insert(record.key, store.case_file(record.key).await?);
        book.keep_circumstances(store.flags(record.key).await?, on);
        book.keep_chronology(store.chronology(record.key).await?);
        book.keep_notices(
            &store.pupil_absence_reports(record.key).await?,
            &store.pupil_leave_requests(record.key).await?,
        );
        book.pupils.push(record);
        Ok(book)
    }

    /// A pupil's chronology, oldest first.
    pub fn chronology(&self, key: PupilKey) -> &[CaseEntry] {
        self.entries.get(&key).map_or(&[], Vec::as_slice)
    }

    /// A pupil's case file, oldest first.
    pub fn case_file(&self, key: PupilKey) -> &[CaseFileRecord] {
        self.records.get(&key).map_or(&[], Vec::as_slice)
    }

    /// A pupil's circumstances, current and past.
    pub fn circumstances(&self, key: PupilKey) -> &[FlagRecord] {
        self.circumstances.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Whether a pupil has a circumstance now (an EHCP also from their SEN status).
    pub fn has_flag(&self, record: &PupilRecord, flag: Flag) -> bool {
        self.case(record.key).has_flag(&record.pupil, flag)
    }

    /// When a letter for a pupil's item was printed, if it is not yet recorded as sent.
    pub fn printed(&self, key: PupilKey, item: &rollcall_core::ItemKey) -> Option<DateTime> {
        self.case(key).printed(item)
    }

    fn case(&self, key: PupilKey) -> Case<'_> {
        Case {
            flags: self.flags.get(&key).map_or(&[], Vec::as_slice),
            entries: self.chronology(key),
            notices: self.notices.get(&key).map_or(&[], Vec::as_slice),
            records: self.case_file(key),
        }
    }

    /// The school's register, as the book read it.
    pub fn register(&self) -> &Register {
        &self.register
    }

    /// The pupil at a place in the register.
    pub fn record(&self, id: PupilId) -> Option<&PupilRecord> {
        self.pupils.get(usize::try_from(id.0).ok()?)
    }

    /// Everything due at `now`, soonest first.
    pub fn items(&self, policy: &Policy, now: DateTime) -> Vec<Due<'_>> {
        let case_of = |id: PupilId| {
            self.record(id)
                .map(|r| self.case(r.key))
                .unwrap_or_default()
        };
        rollcall_core::school_items(&self.register, policy, case_of, now)
            .into_iter()
            .filter_map(|item| {
                Some(Due {
                    pupil: self.record(item.pupil)?,
                    item,
                })
            })
            .collect()
    }

    /// Where a pupil stands at `now`.
    pub fn standing<'p>(&self, key: PupilKey, policy: &'p Policy, now: DateTime) -> Standing<'p> {
        let Some(id) = self.pupils.iter().position(|r| r.key == key) else {
            return Standing::default();
        };
        let id = PupilId(u32::try_from(id).unwrap_or(u32::MAX));
        rollcall_core::standing(&self.register, id, policy, self.case(key), now)
    }
}
