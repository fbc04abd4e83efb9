//! The school's attendance meetings (seed 001 §7(2),(4): at least fortnightly, led by the
//! attendance champion, a summary of agreed actions saved): each meeting as held, the actions
//! agreed at it, and which later meeting closed each action with what came of it. An action
//! stays open, and is carried from meeting to meeting, until one closes it.

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};

use crate::{Actor, PupilKey, Result, SchoolId};

/// An action agreed at a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    /// The pupil it is for; none for a whole-school action.
    pub pupil: Option<PupilKey>,
    /// What is to be done.
    pub what: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: Option<Date>,
}

/// A meeting to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// The day it was held.
    pub held_on: Date,
    /// Who was there.
    pub present: String,
    /// What it found.
    pub notes: String,
    /// The actions it agreed.
    pub actions: Vec<NewAction>,
    /// Actions of earlier meetings it closed, each with what came of it.
    pub closed: Vec<(i64, String)>,
}

/// A meeting as held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    /// Its number.
    pub id: i64,
    /// The day it was held.
    pub held_on: Date,
    /// Who was there.
    pub present: String,
    /// What it found.
    pub notes: String,
    /// Who recorded it: name and position.
    pub by: String,
    /// When.
    pub at: DateTime,
}

/// An action as agreed, and its close if it has been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    /// Its number.
    pub id: i64,
    /// The meeting that agreed it.
    pub meeting: i64,
    /// The pupil it is for.
    pub pupil: Option<PupilKey>,
    /// What is to be done.
    pub what: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: Option<Date>,
    /// The meeting that closed it, and what came of it.
    pub closed: Option<(i64, String)>,
}

/// Where meetings are kept.
#[async_trait]
pub trait Meetings {
    /// Records a meeting, its actions and the actions it closed, all or nothing. An action
    /// already closed, or of another school, is refused ([`crate::StoreError::Conflict`]):
    /// another meeting was recorded first.
    async fn record_meeting(
        &self,
        school: SchoolId,
        meeting: &NewMeeting,
        actor: &Actor,
        at: DateTime,
    ) -> Result<i64>;
    /// A school's meetings, the latest first.
    async fn meetings(&self, school: SchoolId) -> Result<Vec<MeetingRecord>>;
    /// Every action agreed at a school's meetings, oldest first.
    async fn meeting_actions(&self, school: SchoolId) -> Result<Vec<ActionRecord>>;
}
