//! The store's operations for families: parents' accounts, one-time links and sessions, their
//! reports of absence and requests for leave with the school's decisions (each stored with its
//! marks, chronology entry and message in one transaction), and the outbox of messages.

use async_trait::async_trait;
use jiff::Timestamp;
use rollcall_store::{
    AbsenceReportRecord, BulkChange, BulkOutcome, Channel, ContactId, ContactRecord, Decision,
    Delivery, Document, Families, LeaveRecord, LinkPurpose, MessageRecord, Messages,
    NewAbsenceReport, NewCaseEntry, NewLeaveRequest, NewMessage, ParentAccount, ParentId, PupilKey,
    Result, SchoolId, StoreError, TemplateRecord,
};

use crate::families::{Decided, FamilySql};
use crate::ledger::LedgerSql;
use crate::rows::RowSql;
use crate::statements::{CaseSql, Sql};
use crate::time::to_micros;
use crate::{SqlStore, found, ops};

/// A decision's own columns, from the decision.
fn decided(d: &Decision) -> Decided<'_> {
    Decided {
        status: d.status,
        response: &d.response,
        by: &d.actor.name,
        at: to_micros(d.at),
        code: d.marks.as_ref().map(|m| m.code),
        granted: d.marks.as_ref().and_then(|m| m.granted),
    }
}

/// What a decision does besides its own row: the marks (a session holding no mark or `N` gets
/// the code, with a ledger entry), the chronology entry and the message.
async fn carry_out<C: Sql + FamilySql + LedgerSql + RowSql + ?Sized>(
    conn: &mut C,
    d: &Decision,
) -> Result<BulkOutcome> {
    let outcome = match &d.marks {
        Some(marks) => {
            let change = BulkChange {
                school: d.school,
                pupils: vec![d.entry.pupil],
                sessions: marks.sessions.clone(),
                code: marks.code,
                reason: marks.reason.clone(),
                actor: d.actor.clone(),
                at: d.at,
            };
            ops::bulk_code(conn, &change).await?
        }
        None => BulkOutcome::default(),
    };
    conn.insert_case_entry(d.school.0, &d.entry).await?;
    if let Some((message, entry)) = &d.message {
        conn.insert_message(d.school.0, None, message, to_micros(d.at))
            .await?;
        conn.insert_case_entry(d.school.0, entry).await?;
    }
    Ok(outcome)
}

fn already_decided() -> StoreError {
    StoreError::Conflict("This has been decided already; reload to see the decision.".into())
}

#[async_trait]
impl Families for SqlStore {
    async fn ensure_parent(&self, email: &str, name: &str) -> Result<ParentId> {
        write!(self, |c| c.upsert_parent(email, name).await.map(ParentId))
    }

    async fn parent(&self, id: ParentId) -> Result<ParentAccount> {
        found(read!(self, |c| c.select_parent(id.0).await)?, "parent")
    }

    async fn parent_by_email(&self, email: &str) -> Result<Option<ParentAccount>> {
        read!(self, |c| c.select_parent_by_email(email).await)
    }

    async fn set_parent_password(&self, id: ParentId, password_hash: &str) -> Result<()> {
        match write!(self, |c| c
            .update_parent_password(id.0, password_hash)
            .await)?
        {
            0 => Err(StoreError::NotFound("parent")),
            _ => Ok(()),
        }
    }

    async fn link_parent(&self, parent: ParentId, contact: ContactId) -> Result<()> {
        write!(self, |c| c.insert_parent_contact(parent.0, contact.0).await)
    }

    async fn parent_contacts(&self, parent: ParentId) -> Result<Vec<ContactRecord>> {
        read!(self, |c| c.select_parent_contacts(parent.0).await)
    }

    async fn create_parent_link(
        &self,
        token_hash: &str,
        parent: ParentId,
        purpose: LinkPurpose,
        expires: Timestamp,
    ) -> Result<()> {
        write!(self, |c| {
            c.insert_parent_link(token_hash, parent.0, purpose.id(), to_micros(expires))
                .await
        })
    }

    async fn use_parent_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<Option<ParentId>> {
        let used = write!(self, |c| {
            c.use_parent_link(token_hash, purpose.id(), to_micros(now))
                .await
        })?;
        Ok(used.map(ParentId))
    }

    async fn create_parent_session(
        &self,
        token_hash: &str,
        parent: ParentId,
        expires: Timestamp,
    ) -> Result<()> {
        write!(self, |c| {
            c.insert_parent_session(token_hash, parent.0, to_micros(expires))
                .await
        })
    }

    async fn parent_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<ParentAccount>> {
        read!(self, |c| c
            .select_parent_session(token_hash, to_micros(now))
            .await)
    }

    async fn delete_parent_session(&self, token_hash: &str) -> Result<()> {
        write!(self, |c| c.delete_parent_session(token_hash).await)
    }

    async fn add_absence_report(
        &self,
        report: &NewAbsenceReport,
        entry: &NewCaseEntry,
    ) -> Result<i64> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(report.pupil.0).await?, "pupil")?;
            let id = c.insert_absence_report(pupil.school.0, report).await?;
            c.insert_case_entry(pupil.school.0, entry).await?;
            Ok::<_, StoreError>(id)
        })
    }

    async fn answer_absence_report(
        &self,
        pupil: PupilKey,
        id: i64,
        answer: &str,
        entry: &NewCaseEntry,
    ) -> Result<()> {
        write!(self, |c| {
            let record = found(c.select_pupil(pupil.0).await?, "pupil")?;
            if c.update_report_answer(pupil.0, id, answer).await? == 0 {
                return Err(StoreError::Conflict(
                    "The school has not asked for more about this report.".into(),
                ));
            }
            c.insert_case_entry(record.school.0, entry).await?;
            Ok::<_, StoreError>(())
        })
    }

    async fn absence_report(&self, school: SchoolId, id: i64) -> Result<AbsenceReportRecord> {
        found(
            read!(self, |c| c.select_report(school.0, id).await)?,
            "report",
        )
    }

    async fn absence_reports(&self, school: SchoolId) -> Result<Vec<AbsenceReportRecord>> {
        read!(self, |c| c.select_school_reports(school.0).await)
    }

    async fn pupil_absence_reports(&self, pupil: PupilKey) -> Result<Vec<AbsenceReportRecord>> {
        read!(self, |c| c.select_pupil_reports(pupil.0).await)
    }

    async fn decide_absence_report(&self, d: &Decision) -> Result<BulkOutcome> {
        write!(self, |c| {
            let report = found(c.select_report(d.school.0, d.id).await?, "report")?;
            if report.report.pupil != d.entry.pupil {
                return Err(StoreError::NotFound("report"));
            }
            if c.update_report_decision(d.school.0, d.id, &decided(d))
                .await?
                == 0
            {
                return Err(already_decided());
            }
            carry_out(c, d).await
        })
    }

    async fn add_leave_request(
        &self,
        request: &NewLeaveRequest,
        entry: &NewCaseEntry,
    ) -> Result<i64> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(request.pupil.0).await?, "pupil")?;
            let id = c.insert_leave(pupil.school.0, request).await?;
            c.insert_case_entry(pupil.school.0, entry).await?;
            Ok::<_, StoreError>(id)
        })
    }

    async fn leave_request(&self, school: SchoolId, id: i64) -> Result<LeaveRecord> {
        found(
            read!(self, |c| c.select_leave(school.0, id).await)?,
            "leave request",
        )
    }

    async fn leave_requests(&self, school: SchoolId) -> Result<Vec<LeaveRecord>> {
        read!(self, |c| c.select_school_leave(school.0).await)
    }

    async fn pupil_leave_requests(&self, pupil: PupilKey) -> Result<Vec<LeaveRecord>> {
        read!(self, |c| c.select_pupil_leave(pupil.0).await)
    }

    async fn leave_document(&self, pupil: PupilKey, id: i64) -> Result<Document> {
        found(
            read!(self, |c| c.select_leave_document(pupil.0, id).await)?,
            "document",
        )
    }

    async fn decide_leave(&self, d: &Decision) -> Result<BulkOutcome> {
        write!(self, |c| {
            let request = found(c.select_leave(d.school.0, d.id).await?, "leave request")?;
            if request.request.pupil != d.entry.pupil {
                return Err(StoreError::NotFound("leave request"));
            }
            if c.update_leave_decision(d.school.0, d.id, &decided(d))
                .await?
                == 0
            {
                return Err(already_decided());
            }
            carry_out(c, d).await
        })
    }
}

#[async_trait]
impl Messages for SqlStore {
    async fn queue_messages(
        &self,
        school: SchoolId,
        messages: &[(NewMessage, NewCaseEntry)],
        at: Timestamp,
    ) -> Result<()> {
        write!(self, |c| {
            for (message, entry) in messages {
                c.insert_message(school.0, None, message, to_micros(at))
                    .await?;
                c.insert_case_entry(school.0, entry).await?;
            }
            Ok::<_, StoreError>(())
        })
    }

    async fn claim_messages(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        channels: &[Channel],
    ) -> Result<Vec<(SchoolId, MessageRecord)>> {
        let (now, until) = (to_micros(now), to_micros(until));
        let [first, second] = match channels {
            [] => return Ok(Vec::new()),
            [one] => [one.id(), one.id()],
            [one, two, ..] => [one.id(), two.id()],
        };
        write!(self, |c| {
            let mut claimed = Vec::new();
            for id in c
                .select_due_messages(now, i64::from(limit), [first, second])
                .await?
            {
                // Another process may have leased it between the read and now.
                if let Some((school, message)) = c.lease_message(id, now, until).await? {
                    claimed.push((SchoolId(school), message));
                }
            }
            Ok::<_, StoreError>(claimed)
        })
    }

    async fn record_delivery(&self, id: i64, delivery: &Delivery) -> Result<()> {
        match write!(self, |c| c.update_delivery(id, delivery).await)? {
            0 => Err(StoreError::NotFound("message")),
            _ => Ok(()),
        }
    }

    async fn pupil_messages(&self, pupil: PupilKey) -> Result<Vec<MessageRecord>> {
        read!(self, |c| c.select_pupil_outbox(pupil.0).await)
    }

    async fn templates(&self, school: SchoolId) -> Result<Vec<TemplateRecord>> {
        read!(self, |c| c.select_templates(school.0).await)
    }

    async fn set_template(&self, school: SchoolId, template: &TemplateRecord) -> Result<()> {
        write!(self, |c| c.upsert_template(school.0, template).await)
    }
}
