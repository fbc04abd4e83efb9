//! Returns to the local authority as kept: each one made, with what it held, how it went and who
//! made it; and `ReturnBook`, what the returns' rules read about a school, read from the store
//! once.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use rollcall_core::admission::Entry;
use rollcall_core::admission::deletion::Deletion;
use rollcall_core::casefile::{PartTime, Record};
use rollcall_core::procedures::ReturnSettings;
use rollcall_core::{Calendar, Contact, Register};
use rollcall_returns::{Due, Key, PupilFacts, School};

use crate::{NewCaseEntry, NewMessage, PupilKey, PupilRecord, Result, SchoolId, Store, StoreError};

/// How a return went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Emailed through the outbox to the local authority's address.
    Emailed,
    /// Downloaded and sent another way (the authority's portal, its own form).
    ByHand,
}

impl Sent {
    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            Sent::Emailed => "emailed",
            Sent::ByHand => "by_hand",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<Sent> {
        [Sent::Emailed, Sent::ByHand]
            .into_iter()
            .find(|s| s.id() == id)
    }

    /// How the office reads it.
    pub fn title(self) -> &'static str {
        match self {
            Sent::Emailed => "Emailed",
            Sent::ByHand => "Sent another way",
        }
    }
}

/// A return being made.
#[derive(Debug, Clone)]
pub struct NewReturn {
    /// The school.
    pub school: SchoolId,
    /// Which return.
    pub key: Key,
    /// The day it was due.
    pub due: Date,
    /// How it went.
    pub sent: Sent,
    /// To whom: the address, or how it was sent ("the LA's portal").
    pub to: String,
    /// What it held, as the CSV sent.
    pub content: String,
    /// Each pupil's chronology entry (completing the worklist's item for it, if any), with the
    /// email about them when it goes by email.
    pub entries: Vec<(Option<NewMessage>, NewCaseEntry)>,
    /// Who made it, "name, position".
    pub by: String,
    /// When, in the school's time.
    pub at: DateTime,
    /// When, for the outbox.
    pub recorded_at: jiff::Timestamp,
}

/// A return made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRecord {
    /// Its number.
    pub id: i64,
    /// Which return.
    pub key: Key,
    /// The day it was due.
    pub due: Date,
    /// How it went.
    pub sent: Sent,
    /// To whom.
    pub to: String,
    /// What it held, as CSV.
    pub content: String,
    /// Who made it.
    pub by: String,
    /// When.
    pub at: DateTime,
}

/// A day's attendance data for the DfE, as the scheduler made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyData {
    /// The school.
    pub school: SchoolId,
    /// The day.
    pub date: Date,
    /// Whether every register was taken.
    pub complete: bool,
    /// The sessions still unmarked, in words.
    pub missing: String,
    /// The file, CSV.
    pub content: String,
    /// When it was made.
    pub made_at: jiff::Timestamp,
}

/// Returns made.
#[async_trait]
pub trait ReturnsMade: Send + Sync {
    /// Keeps a day's data for the DfE, replacing an earlier making of the same day.
    async fn save_daily(&self, daily: &DailyData) -> Result<()>;

    /// A day's data, if it has been made.
    async fn daily_data(&self, school: SchoolId, date: Date) -> Result<Option<DailyData>>;

    /// Records a return as made, with its chronology entries and emails, in one transaction.
    /// A return is made once: a second recording of its key is refused.
    async fn record_return(&self, made: &NewReturn) -> Result<i64>;

    /// A school's returns made, oldest first.
    async fn returns_made(&self, school: SchoolId) -> Result<Vec<ReturnRecord>>;
}

/// What the returns' rules read about one pupil, owned.
struct Held {
    record: PupilRecord,
    entry: Option<Entry>,
    admitted: Option<Date>,
    deletion: Option<(Deletion, Date)>,
    contacts: Vec<Contact>,
    part_time: Vec<PartTime>,
}

/// A school's records as the returns read them.
pub struct ReturnBook {
    register: Register,
    pupils: Vec<Held>,
    made: Vec<ReturnRecord>,
}

impl ReturnBook {
    /// Reads a school's register, admission register, contacts, part-time timetables and the
    /// returns already made.
    pub async fn load(store: &dyn Store, school: SchoolId) -> Result<ReturnBook> {
        let register = store.load_register(school).await?;
        let mut contacts: HashMap<PupilKey, Vec<Contact>> = HashMap::new();
        for c in store.school_contacts(school).await? {
            contacts.entry(c.pupil).or_default().push(c.contact);
        }
        let mut part_time: HashMap<PupilKey, Vec<PartTime>> = HashMap::new();
        for filed in store.school_case_files(school).await? {
            if let Record::PartTime(t) = filed.record.record {
                part_time.entry(filed.pupil).or_default().push(t);
            }
        }
        let pupils = store
            .admission_register(school)
            .await?
            .into_iter()
            .map(|line| Held {
                entry: line.entry.map(|v| v.entry),
                admitted: line.admitted.map(|a| a.date()),
                deletion: line.deletion.map(|d| (d.deletion, d.at.date())),
                contacts: contacts.remove(&line.record.key).unwrap_or_default(),
                part_time: part_time.remove(&line.record.key).unwrap_or_default(),
                record: line.record,
            })
            .collect();
        Ok(ReturnBook {
            register,
            pupils,
            made: store.returns_made(school).await?,
        })
    }

    /// The school as the rules read it.
    pub fn school<'a>(
        &'a self,
        calendar: &'a Calendar,
        settings: &'a ReturnSettings,
    ) -> School<'a> {
        School {
            register: &self.register,
            calendar,
            settings,
            pupils: self
                .pupils
                .iter()
                .map(|h| PupilFacts {
                    pupil: &h.record.pupil,
                    entry: h.entry.as_ref(),
                    admitted: h.admitted,
                    deletion: h.deletion.as_ref().map(|(d, at)| (d, *at)),
                    contacts: h.contacts.iter().collect(),
                    part_time: h.part_time.iter().collect(),
                })
                .collect(),
        }
    }

    /// The returns due and not yet made, by the rules, up to `today`.
    pub fn due(&self, school: &School<'_>, today: Date) -> Vec<Due> {
        rollcall_returns::due(school, today)
            .into_iter()
            .filter(|d| !self.made.iter().any(|m| m.key == d.key))
            .collect()
    }

    /// The returns made, newest first.
    pub fn made(&self) -> impl Iterator<Item = &ReturnRecord> {
        self.made.iter().rev()
    }

    /// The pupil record for a UPN.
    pub fn pupil(&self, upn: &rollcall_core::Upn) -> Result<&PupilRecord> {
        self.pupils
            .iter()
            .map(|h| &h.record)
            .find(|r| r.pupil.upn == *upn)
            .ok_or(StoreError::NotFound("pupil"))
    }
}
