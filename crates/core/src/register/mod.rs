//! The attendance register: a mark for every pupil, morning and afternoon.
//!
//! Each pupil's marks are kept as a dense row of one byte per session from their first mark to
//! their last, so that a school year costs about two bytes per pupil per day and every statistic
//! is a single pass over contiguous memory. Minutes late are kept apart, only for late marks.

use std::fmt;

use jiff::civil::Date;
use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::calendar::{Calendar, DateRange};
use crate::code::{Code, CodeError};
use crate::ids::Upn;
use crate::pupil::Pupil;
use crate::session::{Session, SessionKey, Slot};

mod row;
use row::Row;

/// A pupil's position in a [`Register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PupilId(pub u32);

impl PupilId {
    fn index(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

/// The entry for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// The code.
    pub code: Code,
    /// For `L` and `U`, how late the pupil arrived, when recorded.
    pub minutes_late: Option<u16>,
}

/// The field of a mark an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkField {
    /// The pupil.
    Upn,
    /// The date.
    Date,
    /// The session.
    Session,
    /// The code.
    Code,
    /// The minutes late.
    MinutesLate,
}

/// Why a mark cannot be entered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarkError {
    /// No pupil with this UPN.
    #[error("no pupil with UPN {0} is on the admission register")]
    UnknownPupil(Upn),
    /// The code was not in force on the session's date.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// A mark before the pupil's starting day.
    #[error(
        "{upn} starts on {}, after this session on {}",
        crate::text::human_date(.entry),
        crate::text::human_date(.date)
    )]
    BeforeEntry {
        /// The pupil.
        upn: Upn,
        /// Their starting day.
        entry: Date,
        /// The session's date.
        date: Date,
    },
    /// A mark after the pupil left.
    #[error(
        "{upn} left on {}, before this session on {}",
        crate::text::human_date(.leaving),
        crate::text::human_date(.date)
    )]
    AfterLeaving {
        /// The pupil.
        upn: Upn,
        /// Their leaving date.
        leaving: Date,
        /// The session's date.
        date: Date,
    },
    /// A code other than `#` for a session the calendar has closed.
    #[error("the school calendar has no school session on {0}; only # may be entered")]
    Closed(SessionKey),
    /// `#` for a session the calendar has open.
    #[error("{0} is a school session in the school calendar; # is only for planned closures")]
    NotClosed(SessionKey),
    /// Minutes late for a code that is not a late arrival.
    #[error("minutes late are only recorded with L or U, not with {0}")]
    MinutesNotLate(Code),
    /// A second mark for a session.
    #[error("{upn} already has a mark for {key}")]
    Duplicate {
        /// The pupil.
        upn: Upn,
        /// The session.
        key: SessionKey,
    },
}

impl MarkError {
    /// The field of the mark the error is about.
    pub fn field(&self) -> MarkField {
        match self {
            MarkError::UnknownPupil(_) => MarkField::Upn,
            MarkError::Code(_) => MarkField::Code,
            MarkError::BeforeEntry { .. }
            | MarkError::AfterLeaving { .. }
            | MarkError::Closed(_)
            | MarkError::NotClosed(_) => MarkField::Date,
            MarkError::MinutesNotLate(_) => MarkField::MinutesLate,
            MarkError::Duplicate { .. } => MarkField::Session,
        }
    }
}

/// Two pupils with one UPN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("UPN {upn} is given to two pupils (pupils {first} and {second})")]
pub struct DuplicatePupil {
    /// The UPN.
    pub upn: Upn,
    /// 1-based position of the first pupil.
    pub first: usize,
    /// 1-based position of the second pupil.
    pub second: usize,
}

/// The pupils on the admission register, found by UPN.
#[derive(Debug, Clone, Default)]
pub struct Roll {
    pupils: Vec<Pupil>,
    index: FxHashMap<Upn, PupilId>,
}

impl Roll {
    /// The roll of these pupils; refuses two pupils with one UPN.
    pub fn new(pupils: Vec<Pupil>) -> Result<Roll, DuplicatePupil> {
        let mut index = FxHashMap::default();
        index.reserve(pupils.len());
        for (i, pupil) in pupils.iter().enumerate() {
            let id = PupilId(u32::try_from(i).unwrap_or(u32::MAX));
            if let Some(previous) = index.insert(pupil.upn, id) {
                return Err(DuplicatePupil {
                    upn: pupil.upn,
                    first: previous.index() + 1,
                    second: i + 1,
                });
            }
        }
        Ok(Roll { pupils, index })
    }

    /// The pupils, indexed by [`PupilId`].
    pub fn pupils(&self) -> &[Pupil] {
        &self.pupils
    }

    /// A pupil.
    #[inline]
    pub fn pupil(&self, id: PupilId) -> Option<&Pupil> {
        self.pupils.get(id.index())
    }

    /// The pupil with a UPN.
    #[inline]
    pub fn find(&self, upn: &Upn) -> Option<PupilId> {
        self.index.get(upn).copied()
    }

    /// Every pupil's id, in order.
    pub fn ids(&self) -> impl Iterator<Item = PupilId> + use<> {
        (0..u32::try_from(self.pupils.len()).unwrap_or(u32::MAX)).map(PupilId)
    }
}

/// Marks for the pupils of a roll.
#[derive(Debug, Clone, Default)]
pub struct Register {
    roll: Roll,
    rows: Vec<Row>,
    marks: u64,
}

/// A pupil's row of marks, for statistics that walk it in order.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    /// The slot of the first byte.
    pub start: Slot,
    /// One byte per session: 0 for no mark, otherwise [`Code::as_byte`].
    pub codes: &'a [u8],
    /// Minutes late by slot, in slot order.
    pub lates: &'a [(i32, u16)],
}

impl<'a> RowView<'a> {
    /// The bytes for the sessions of a date range, and the slot of the first of them.
    pub fn within(&self, range: DateRange) -> (Slot, &'a [u8]) {
        let first = Slot::new(range.first, Session::Am).0.max(self.start.0);
        let end = self.start.0 + i32::try_from(self.codes.len()).unwrap_or(0);
        let last = (Slot::new(range.last, Session::Pm).0 + 1).min(end);
        if last <= first {
            return (Slot(first), &[]);
        }
        let from = usize::try_from(first - self.start.0).unwrap_or(0);
        let to = usize::try_from(last - self.start.0).unwrap_or(0);
        (Slot(first), self.codes.get(from..to).unwrap_or(&[]))
    }

    /// The marks recorded, in order.
    pub fn marks(&self) -> impl Iterator<Item = (Slot, Code)> + 'a {
        let start = self.start.0;
        self.codes.iter().enumerate().filter_map(move |(i, &b)| {
            let code = Code::from_byte(b)?;
            Some((Slot(start + i32::try_from(i).ok()?), code))
        })
    }

    /// The marks recorded, in order, each with its minutes late when recorded.
    pub fn entries(&self) -> impl Iterator<Item = (Slot, Mark)> + 'a {
        let mut lates = self.lates.iter().peekable();
        self.marks().map(move |(slot, code)| {
            while lates.next_if(|&&(s, _)| s < slot.0).is_some() {}
            let minutes_late = lates.next_if(|&&(s, _)| s == slot.0).map(|&(_, m)| m);
            (slot, Mark { code, minutes_late })
        })
    }
}

impl Register {
    /// The roll the register is for.
    pub fn roll(&self) -> &Roll {
        &self.roll
    }

    /// The pupils, indexed by [`PupilId`].
    pub fn pupils(&self) -> &[Pupil] {
        self.roll.pupils()
    }

    /// Every pupil's id, in order.
    pub fn ids(&self) -> impl Iterator<Item = PupilId> + use<> {
        self.roll.ids()
    }

    /// A pupil.
    pub fn pupil(&self, id: PupilId) -> Option<&Pupil> {
        self.roll.pupil(id)
    }

    /// The pupil with a UPN.
    pub fn find(&self, upn: &Upn) -> Option<PupilId> {
        self.roll.find(upn)
    }

    /// The number of marks held.
    pub fn mark_count(&self) -> u64 {
        self.marks
    }

    /// A pupil's row of marks.
    pub fn row(&self, id: PupilId) -> RowView<'_> {
        match self.rows.get(id.index()) {
            Some(row) => RowView {
                start: Slot(row.start),
                codes: &row.codes,
                lates: &row.lates,
            },
            None => RowView {
                start: Slot(0),
                codes: &[],
                lates: &[],
            },
        }
    }

    /// The mark for one session.
    pub fn mark(&self, id: PupilId, slot: Slot) -> Option<Mark> {
        let row = self.rows.get(id.index())?;
        let code = Code::from_byte(row.get(slot))?;
        let minutes_late = row
            .lates
            .binary_search_by_key(&slot.0, |&(s, _)| s)
            .ok()
            .and_then(|i| row.lates.get(i))
            .map(|&(_, m)| m);
        Some(Mark { code, minutes_late })
    }

    /// The first and last dates with any mark.
    pub fn span(&self) -> Option<DateRange> {
        let mut bounds: Option<(i32, i32)> = None;
        for row in &self.rows {
            let Some(first) = row.codes.iter().position(|&b| b != 0) else {
                continue;
            };
            let last = row.codes.iter().rposition(|&b| b != 0).unwrap_or(first);
            let first = row.start + i32::try_from(first).unwrap_or(0);
            let last = row.start + i32::try_from(last).unwrap_or(0);
            bounds = Some(match bounds {
                Some((lo, hi)) => (lo.min(first), hi.max(last)),
                None => (first, last),
            });
        }
        bounds.map(|(lo, hi)| DateRange {
            first: Slot(lo).key().date,
            last: Slot(hi).key().date,
        })
    }

    /// The calendar the register implies: a session is open when any pupil has a mark other
    /// than `#` for it.
    pub fn inferred_calendar(&self) -> Calendar {
        let Some(span) = self.span() else {
            return Calendar::from_open_slots([]);
        };
        let base = Slot::new(span.first, Session::Am).0;
        let end = Slot::new(span.last, Session::Pm).0;
        let mut open = vec![false; usize::try_from(end - base + 1).unwrap_or(0)];
        let closed = Code::PlannedClosure.as_byte();
        for row in &self.rows {
            let offset = usize::try_from(row.start - base).unwrap_or(0);
            let cells = open.get_mut(offset..).unwrap_or_default();
            for (cell, &b) in cells.iter_mut().zip(&row.codes) {
                *cell |= b != 0 && b != closed;
            }
        }
        Calendar::from_open_slots(
            open.iter()
                .enumerate()
                .filter(|(_, open)| **open)
                .filter_map(|(i, _)| i32::try_from(i).ok().map(|i| Slot(base + i))),
        )
    }
}

/// Checks everything about a mark except whether its session already has one: the pupil was
/// on roll (regulation 8), and [`check_code`]. Needs no access to the register, so marks can be
/// checked in parallel.
pub fn check_mark(
    pupil: &Pupil,
    key: SessionKey,
    code: Code,
    minutes_late: Option<u16>,
    calendar: Option<&Calendar>,
) -> Result<(), MarkError> {
    check_code(key, code, minutes_late, calendar)?;
    // Z is the mark for a prospective pupil, before their starting day.
    if code != Code::Prospective
        && let Some(entry) = pupil.entry_date.filter(|&e| key.date < e)
    {
        return Err(MarkError::BeforeEntry {
            upn: pupil.upn,
            entry,
            date: key.date,
        });
    }
    if let Some(leaving) = pupil.leaving_date.filter(|&l| key.date > l) {
        return Err(MarkError::AfterLeaving {
            upn: pupil.upn,
            leaving,
            date: key.date,
        });
    }
    Ok(())
}

/// Checks what a mark says whoever it is for: the code was in force on the date (regulation 10
/// and statutory.md §7), the calendar has the session open (or closed, for `#`), and minutes
/// late go only with `L` or `U`.
pub fn check_code(
    key: SessionKey,
    code: Code,
    minutes_late: Option<u16>,
    calendar: Option<&Calendar>,
) -> Result<(), MarkError> {
    code.check_date(key.date)?;
    if let Some(calendar) = calendar {
        let open = calendar.is_open(key.slot());
        match code {
            Code::PlannedClosure if open => return Err(MarkError::NotClosed(key)),
            Code::PlannedClosure => {}
            _ if !open => return Err(MarkError::Closed(key)),
            _ => {}
        }
    }
    if minutes_late.is_some_and(|m| m > 0) && !code.is_late() {
        return Err(MarkError::MinutesNotLate(code));
    }
    Ok(())
}

/// Builds a [`Register`] for a [`Roll`]. The builder holds only the marks, so that marks can be
/// checked against the roll on other threads while it is being filled.
#[derive(Debug)]
pub struct RegisterBuilder {
    rows: Vec<Row>,
    marks: u64,
}

/// Why a run of stored marks was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RunError {
    /// The pupil is not on the roll.
    #[error("pupil {0} is not on the roll")]
    NoPupil(PupilId),
    /// A byte that is no code's.
    #[error("{0} is not the number of a code")]
    NotACode(u8),
    /// A session that already had a mark.
    #[error("the session {} already has the mark {}", .0.key(), .1.symbol())]
    Occupied(Slot, Code),
}

/// A session that already has a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupied {
    /// The mark already entered.
    pub existing: Code,
}

impl RegisterBuilder {
    /// Starts an empty register for a roll.
    pub fn new(roll: &Roll) -> RegisterBuilder {
        RegisterBuilder {
            rows: vec![Row::default(); roll.pupils.len()],
            marks: 0,
        }
    }

    /// Enters a mark already [checked](check_mark); refuses a second mark for a session.
    pub fn insert(
        &mut self,
        id: PupilId,
        slot: Slot,
        code: Code,
        minutes_late: Option<u16>,
    ) -> Result<(), Occupied> {
        let row = self
            .rows
            .get_mut(id.index())
            .ok_or(Occupied { existing: code })?;
        let cell = row.cell(slot).ok_or(Occupied { existing: code })?;
        if let Some(existing) = Code::from_byte(*cell) {
            return Err(Occupied { existing });
        }
        *cell = code.as_byte();
        if let Some(minutes) = minutes_late.filter(|_| code.is_late()) {
            row.lates.push((slot.0, minutes));
        }
        self.marks += 1;
        Ok(())
    }

    /// Enters a run of marks as stored: `codes` one byte a session from `start` (0 for none,
    /// otherwise [`Code::as_byte`]) and `lates` the minutes late of its late marks by slot.
    /// Refuses a byte that is no code and a session already marked; what came before the
    /// refused byte stays entered.
    pub fn insert_run(
        &mut self,
        id: PupilId,
        start: Slot,
        codes: &[u8],
        lates: &[(Slot, u16)],
    ) -> Result<(), RunError> {
        let row = self.rows.get_mut(id.index()).ok_or(RunError::NoPupil(id))?;
        let (Some(first), Some(last)) = (
            codes.iter().position(|&b| b != 0),
            codes.iter().rposition(|&b| b != 0),
        ) else {
            return Ok(());
        };
        let at = |i: usize| Slot(start.0 + i32::try_from(i).unwrap_or(i32::MAX));
        // A run is a pupil's stretch of the register at once: it takes only the room it needs.
        let target = row
            .span(at(first), at(last), false)
            .ok_or(RunError::NoPupil(id))?;
        let run = codes.get(first..=last).unwrap_or_default();
        for (i, (cell, &byte)) in target.iter_mut().zip(run).enumerate() {
            if byte == 0 {
                continue;
            }
            if Code::from_byte(byte).is_none() {
                return Err(RunError::NotACode(byte));
            }
            if let Some(existing) = Code::from_byte(*cell) {
                return Err(RunError::Occupied(at(first + i), existing));
            }
            *cell = byte;
            self.marks += 1;
        }
        for &(slot, minutes) in lates {
            if Code::from_byte(row.get(slot)).is_some_and(Code::is_late) {
                row.lates.push((slot.0, minutes));
            }
        }
        Ok(())
    }

    /// Checks and enters a mark for the pupil with a UPN.
    pub fn record(
        &mut self,
        roll: &Roll,
        upn: &Upn,
        key: SessionKey,
        code: Code,
        minutes_late: Option<u16>,
        calendar: Option<&Calendar>,
    ) -> Result<(), MarkError> {
        let id = roll.find(upn).ok_or(MarkError::UnknownPupil(*upn))?;
        let pupil = roll.pupil(id).ok_or(MarkError::UnknownPupil(*upn))?;
        check_mark(pupil, key, code, minutes_late, calendar)?;
        self.insert(id, key.slot(), code, minutes_late)
            .map_err(|_| MarkError::Duplicate { upn: *upn, key })
    }

    /// The finished register of the roll's pupils.
    pub fn finish(mut self, roll: Roll) -> Register {
        for row in &mut self.rows {
            let used = row.codes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            row.codes.truncate(used);
            row.codes.shrink_to_fit();
            row.lates.sort_unstable_by_key(|&(slot, _)| slot);
            row.lates.shrink_to_fit();
        }
        self.rows.resize_with(roll.pupils.len(), Row::default);
        Register {
            roll,
            rows: self.rows,
            marks: self.marks,
        }
    }
}

impl fmt::Display for PupilId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
pub(crate) mod tests;
