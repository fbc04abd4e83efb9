//! Each pupil's chronology and circumstances, and the register-close jobs with the messages,
//! entries and returns they make in one transaction.

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_store::{
    Actor, CaseRecord, Casework, FlagRecord, JobRecord, MessageRecord, NewCaseEntry, NewFlag,
    PupilKey, Result, ScheduledJob, SchoolId, StoreError,
};

use crate::statements::{CaseSql, Sql};
use crate::time::to_micros;
use crate::{SqlStore, found, returns};

#[async_trait]
impl Casework for SqlStore {
    async fn add_case_entry(&self, entry: &NewCaseEntry) -> Result<i64> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(entry.pupil.0).await?, "pupil")?;
            c.insert_case_entry(pupil.school.0, entry).await
        })
    }

    async fn chronology(&self, key: PupilKey) -> Result<Vec<CaseRecord>> {
        read!(self, |c| c.select_case_entries(key.0).await)
    }

    async fn school_chronology(&self, school: SchoolId) -> Result<Vec<CaseRecord>> {
        read!(self, |c| c.select_school_case_entries(school.0).await)
    }

    async fn add_flag(&self, flag: &NewFlag) -> Result<i64> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(flag.pupil.0).await?, "pupil")?;
            c.insert_flag(pupil.school.0, flag).await
        })
    }

    async fn end_flag(&self, key: PupilKey, id: i64, until: Date, actor: &Actor) -> Result<()> {
        let by = actor.signature();
        write!(
            self,
            |c| match c.update_flag_end(key.0, id, until, &by).await? {
                0 => Err(StoreError::Invalid(
                    "that circumstance is not current, or began after the date given".into(),
                )),
                _ => Ok(()),
            }
        )
    }

    async fn flags(&self, key: PupilKey) -> Result<Vec<FlagRecord>> {
        read!(self, |c| c.select_flags(key.0).await)
    }

    async fn school_flags(&self, school: SchoolId) -> Result<Vec<FlagRecord>> {
        read!(self, |c| c.select_school_flags(school.0).await)
    }

    async fn run_job(&self, job: &ScheduledJob) -> Result<bool> {
        write!(self, |c| {
            // Whoever inserts the job's row runs it; a second runner waits on the row's key
            // until the first commits, then finds it there.
            let Some(id) = c.insert_job(job).await? else {
                return Ok(false);
            };
            let at = to_micros(job.at);
            for message in &job.messages {
                c.insert_message(job.school.0, Some(id), message, at)
                    .await?;
            }
            for entry in &job.entries {
                c.insert_case_entry(job.school.0, entry).await?;
            }
            for made in &job.returns {
                returns::make(c, made, Some(id)).await?;
            }
            Ok::<_, StoreError>(true)
        })
    }

    async fn jobs(&self, school: SchoolId, date: Date) -> Result<Vec<JobRecord>> {
        read!(self, |c| c.select_jobs(school.0, date).await)
    }

    async fn outbox(&self, school: SchoolId) -> Result<Vec<MessageRecord>> {
        read!(self, |c| c.select_outbox(school.0).await)
    }
}
