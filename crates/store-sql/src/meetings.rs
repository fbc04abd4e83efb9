//! The school's attendance meetings and their actions: the statements once for both databases
//! (as in `statements.rs`), and the store's operations over them.

use async_trait::async_trait;
use jiff::civil::{Date, DateTime};
use rollcall_store::{
    ActionRecord, Actor, MeetingRecord, Meetings, NewAction, NewMeeting, PupilKey, SchoolId,
    StoreError,
};

use crate::SqlStore;
use crate::statements::{Result, db, rows_by};

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    held_on: jiff_sqlx::Date,
    present: String,
    notes: String,
    by_name: String,
    at: jiff_sqlx::DateTime,
}

impl MeetingRow {
    fn record(self) -> Result<MeetingRecord> {
        Ok(MeetingRecord {
            id: self.id,
            held_on: self.held_on.to_jiff(),
            present: self.present,
            notes: self.notes,
            by: self.by_name,
            at: self.at.to_jiff(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    meeting_id: i64,
    pupil_id: Option<i64>,
    what: String,
    owner: String,
    due: Option<jiff_sqlx::Date>,
    closed_by_meeting: Option<i64>,
    outcome: Option<String>,
}

impl ActionRow {
    fn record(self) -> Result<ActionRecord> {
        Ok(ActionRecord {
            id: self.id,
            meeting: self.meeting_id,
            pupil: self.pupil_id.map(PupilKey),
            what: self.what,
            owner: self.owner,
            due: self.due.map(|d| d.to_jiff()),
            closed: self
                .closed_by_meeting
                .map(|m| (m, self.outcome.unwrap_or_default())),
        })
    }
}

#[async_trait]
pub(crate) trait MeetingSql: Send {
    async fn insert_meeting(
        &mut self,
        school: i64,
        held_on: Date,
        present: &str,
        notes: &str,
        by: &str,
        at: DateTime,
    ) -> Result<i64>;
    async fn insert_action(&mut self, school: i64, meeting: i64, action: &NewAction) -> Result<()>;
    /// Closes an open action of the school; false if there is none such.
    async fn close_action(
        &mut self,
        school: i64,
        action: i64,
        meeting: i64,
        outcome: &str,
    ) -> Result<bool>;
    async fn pupil_school(&mut self, pupil: i64) -> Result<Option<i64>>;
    async fn select_meetings(&mut self, school: i64) -> Result<Vec<MeetingRecord>>;
    async fn select_actions(&mut self, school: i64) -> Result<Vec<ActionRecord>>;
}

macro_rules! impl_meeting_sql {
    ($conn:ty) => {
        #[async_trait]
        impl MeetingSql for $conn {
            async fn insert_meeting(
                &mut self,
                school: i64,
                held_on: Date,
                present: &str,
                notes: &str,
                by: &str,
                at: DateTime,
            ) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO attendance_meetings (school_id, held_on, present, notes, \
                     by_name, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(school)
                .bind(jiff_sqlx::Date::from(held_on))
                .bind(present)
                .bind(notes)
                .bind(by)
                .bind(jiff_sqlx::DateTime::from(at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn insert_action(
                &mut self,
                school: i64,
                meeting: i64,
                action: &NewAction,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO meeting_actions (school_id, meeting_id, pupil_id, what, owner, \
                     due) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(school)
                .bind(meeting)
                .bind(action.pupil.map(|p| p.0))
                .bind(&action.what)
                .bind(&action.owner)
                .bind(action.due.map(jiff_sqlx::Date::from))
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn close_action(
                &mut self,
                school: i64,
                action: i64,
                meeting: i64,
                outcome: &str,
            ) -> Result<bool> {
                sqlx::query(
                    "UPDATE meeting_actions SET closed_by_meeting = $1, outcome = $2 \
                     WHERE id = $3 AND school_id = $4 AND closed_by_meeting IS NULL",
                )
                .bind(meeting)
                .bind(outcome)
                .bind(action)
                .bind(school)
                .execute(&mut *self)
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(db)
            }

            async fn pupil_school(&mut self, pupil: i64) -> Result<Option<i64>> {
                sqlx::query_scalar("SELECT school_id FROM pupils WHERE id = $1")
                    .bind(pupil)
                    .fetch_optional(&mut *self)
                    .await
                    .map_err(db)
            }

            async fn select_meetings(&mut self, school: i64) -> Result<Vec<MeetingRecord>> {
                rows_by!(
                    self,
                    MeetingRow,
                    "SELECT id, held_on, present, notes, by_name, at FROM attendance_meetings \
                     WHERE school_id = $1 ORDER BY held_on DESC, id DESC"
                        .to_owned(),
                    school
                )
            }

            async fn select_actions(&mut self, school: i64) -> Result<Vec<ActionRecord>> {
                rows_by!(
                    self,
                    ActionRow,
                    "SELECT id, meeting_id, pupil_id, what, owner, due, closed_by_meeting, \
                     outcome FROM meeting_actions WHERE school_id = $1 ORDER BY id"
                        .to_owned(),
                    school
                )
            }
        }
    };
}

impl_meeting_sql!(sqlx::SqliteConnection);
impl_meeting_sql!(sqlx::PgConnection);

#[async_trait]
impl Meetings for SqlStore {
    async fn record_meeting(
        &self,
        school: SchoolId,
        meeting: &NewMeeting,
        actor: &Actor,
        at: DateTime,
    ) -> Result<i64> {
        let by = actor.signature();
        write!(self, |c| {
            for action in &meeting.actions {
                if let Some(pupil) = action.pupil
                    && c.pupil_school(pupil.0).await? != Some(school.0)
                {
                    return Err(StoreError::NotFound("pupil"));
                }
            }
            let id = c
                .insert_meeting(
                    school.0,
                    meeting.held_on,
                    &meeting.present,
                    &meeting.notes,
                    &by,
                    at,
                )
                .await?;
            for action in &meeting.actions {
                c.insert_action(school.0, id, action).await?;
            }
            for (action, outcome) in &meeting.closed {
                if !c.close_action(school.0, *action, id, outcome).await? {
                    return Err(StoreError::Conflict(format!(
                        "action {action} is not open: another meeting closed it first"
                    )));
                }
            }
            Ok(id)
        })
    }

    async fn meetings(&self, school: SchoolId) -> Result<Vec<MeetingRecord>> {
        read!(self, |c| c.select_meetings(school.0).await)
    }

    async fn meeting_actions(&self, school: SchoolId) -> Result<Vec<ActionRecord>> {
        read!(self, |c| c.select_actions(school.0).await)
    }
}
