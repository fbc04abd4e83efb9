//! The statements for parents, their reports and requests, and the outbox's deliveries, once
//! for both databases (as in `statements.rs`).

use async_trait::async_trait;
use jiff::civil::Date;
use rollcall_core::{AbsenceReason, Code, LeaveKind, RequestStatus, SessionKey};
use rollcall_store::{
    AbsenceReportRecord, Answer, ContactId, ContactRecord, Delivery, Document, LeaveRecord,
    MessageRecord, NewAbsenceReport, NewLeaveRequest, ParentAccount, ParentId, PupilKey,
    TemplateRecord,
};

use crate::statements::{
    CONTACT_COLUMNS, ContactRow, MESSAGE_COLUMNS, MessageRow, Result, code_of, corrupt, db,
    rows_by, session_number, session_of,
};
use crate::time::{from_micros, to_micros};

fn status_of(text: &str) -> Result<RequestStatus> {
    RequestStatus::parse(text).ok_or_else(|| corrupt("request status", text))
}

fn session_key(date: jiff_sqlx::Date, session: i16) -> Result<SessionKey> {
    Ok(SessionKey {
        date: date.to_jiff(),
        session: session_of(session)?,
    })
}

#[derive(sqlx::FromRow)]
struct ParentRow {
    id: i64,
    email: String,
    name: String,
    password_hash: Option<String>,
}

impl ParentRow {
    fn record(self) -> ParentAccount {
        ParentAccount {
            id: ParentId(self.id),
            email: self.email,
            name: self.name,
            password_hash: self.password_hash,
        }
    }
}

/// The school's answer, as its columns hold it.
fn answer(
    status: RequestStatus,
    response: Option<String>,
    by: Option<String>,
    at: Option<i64>,
) -> Option<Answer> {
    Some(Answer {
        status,
        response: response?,
        by: by?,
        at: from_micros(at?),
    })
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    pupil_id: i64,
    contact_id: i64,
    parent_id: i64,
    parent_name: String,
    first_date: jiff_sqlx::Date,
    first_session: i16,
    last_date: jiff_sqlx::Date,
    last_session: i16,
    reason: String,
    details: String,
    expected_return: Option<jiff_sqlx::Date>,
    at: jiff_sqlx::DateTime,
    recorded_at: i64,
    status: String,
    response: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    code: Option<String>,
}

impl ReportRow {
    fn record(self) -> Result<AbsenceReportRecord> {
        let status = status_of(&self.status)?;
        Ok(AbsenceReportRecord {
            id: self.id,
            report: NewAbsenceReport {
                pupil: PupilKey(self.pupil_id),
                contact: ContactId(self.contact_id),
                parent: ParentId(self.parent_id),
                first: session_key(self.first_date, self.first_session)?,
                last: session_key(self.last_date, self.last_session)?,
                reason: AbsenceReason::parse(&self.reason)
                    .ok_or_else(|| corrupt("reason for absence", &self.reason))?,
                details: self.details,
                expected_return: self.expected_return.map(|d| d.to_jiff()),
                at: self.at.to_jiff(),
                recorded_at: from_micros(self.recorded_at),
            },
            parent_name: self.parent_name,
            status,
            answer: answer(status, self.response, self.decided_by, self.decided_at),
            code: self.code.as_deref().map(code_of).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LeaveRow {
    id: i64,
    pupil_id: i64,
    contact_id: i64,
    parent_id: i64,
    parent_name: String,
    first_date: jiff_sqlx::Date,
    last_date: jiff_sqlx::Date,
    kind: String,
    reason: String,
    document_name: Option<String>,
    at: jiff_sqlx::DateTime,
    recorded_at: i64,
    status: String,
    response: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    granted_first: Option<jiff_sqlx::Date>,
    granted_last: Option<jiff_sqlx::Date>,
    code: Option<String>,
}

impl LeaveRow {
    fn record(self) -> Result<LeaveRecord> {
        let status = status_of(&self.status)?;
        let code: Option<Code> = self.code.as_deref().map(code_of).transpose()?;
        Ok(LeaveRecord {
            id: self.id,
            request: NewLeaveRequest {
                pupil: PupilKey(self.pupil_id),
                contact: ContactId(self.contact_id),
                parent: ParentId(self.parent_id),
                first: self.first_date.to_jiff(),
                last: self.last_date.to_jiff(),
                kind: LeaveKind::parse(&self.kind)
                    .ok_or_else(|| corrupt("kind of leave", &self.kind))?,
                reason: self.reason,
                document: None,
                at: self.at.to_jiff(),
                recorded_at: from_micros(self.recorded_at),
            },
            parent_name: self.parent_name,
            document_name: self.document_name,
            status,
            answer: answer(status, self.response, self.decided_by, self.decided_at),
            granted: match (self.granted_first, self.granted_last, code) {
                (Some(first), Some(last), Some(code)) => {
                    Some((first.to_jiff(), last.to_jiff(), code))
                }
                _ => None,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    document_name: Option<String>,
    document_type: Option<String>,
    document: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct TemplateRow {
    name: String,
    subject: String,
    body: String,
    by_name: String,
    at: i64,
}

impl TemplateRow {
    fn record(self) -> Result<TemplateRecord> {
        Ok(TemplateRecord {
            name: self.name,
            subject: self.subject,
            body: self.body,
            by: self.by_name,
            at: from_micros(self.at),
        })
    }
}

const REPORT_COLUMNS: &str = "r.id, r.pupil_id, r.contact_id, r.parent_id, pa.name AS parent_name, \
    r.first_date, r.first_session, r.last_date, r.last_session, r.reason, r.details, \
    r.expected_return, r.at, r.recorded_at, r.status, r.response, r.decided_by, r.decided_at, r.code";

const LEAVE_COLUMNS: &str = "l.id, l.pupil_id, l.contact_id, l.parent_id, pa.name AS parent_name, \
    l.first_date, l.last_date, l.kind, l.reason, l.document_name, l.at, l.recorded_at, l.status, \
    l.response, l.decided_by, l.decided_at, l.granted_first, l.granted_last, l.code";

/// A decision's columns: status, response, who, when and the code.
pub(crate) struct Decided<'a> {
    pub status: RequestStatus,
    pub response: &'a str,
    pub by: &'a str,
    pub at: i64,
    pub code: Option<Code>,
    pub granted: Option<(Date, Date)>,
}

/// One method per statement.
#[async_trait]
pub(crate) trait FamilySql: Send {
    async fn upsert_parent(&mut self, email: &str, name: &str) -> Result<i64>;
    async fn select_parent(&mut self, id: i64) -> Result<Option<ParentAccount>>;
    async fn select_parent_by_email(&mut self, email: &str) -> Result<Option<ParentAccount>>;
    async fn update_parent_password(&mut self, id: i64, hash: &str) -> Result<u64>;
    async fn insert_parent_contact(&mut self, parent: i64, contact: i64) -> Result<()>;
    async fn select_parent_contacts(&mut self, parent: i64) -> Result<Vec<ContactRecord>>;
    async fn insert_parent_link(
        &mut self,
        token_hash: &str,
        parent: i64,
        purpose: &str,
        expires: i64,
    ) -> Result<()>;
    async fn use_parent_link(
        &mut self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<i64>>;
    async fn insert_parent_session(
        &mut self,
        token_hash: &str,
        parent: i64,
        expires: i64,
    ) -> Result<()>;
    async fn select_parent_session(
        &mut self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ParentAccount>>;
    async fn delete_parent_session(&mut self, token_hash: &str) -> Result<()>;

    async fn insert_absence_report(&mut self, school: i64, r: &NewAbsenceReport) -> Result<i64>;
    async fn update_report_answer(&mut self, pupil: i64, id: i64, answer: &str) -> Result<u64>;
    async fn select_school_reports(&mut self, school: i64) -> Result<Vec<AbsenceReportRecord>>;
    async fn select_pupil_reports(&mut self, pupil: i64) -> Result<Vec<AbsenceReportRecord>>;
    async fn select_report(&mut self, school: i64, id: i64) -> Result<Option<AbsenceReportRecord>>;
    async fn update_report_decision(
        &mut self,
        school: i64,
        id: i64,
        d: &Decided<'_>,
    ) -> Result<u64>;

    async fn insert_leave(&mut self, school: i64, l: &NewLeaveRequest) -> Result<i64>;
    async fn select_school_leave(&mut self, school: i64) -> Result<Vec<LeaveRecord>>;
    async fn select_pupil_leave(&mut self, pupil: i64) -> Result<Vec<LeaveRecord>>;
    async fn select_leave(&mut self, school: i64, id: i64) -> Result<Option<LeaveRecord>>;
    async fn select_leave_document(&mut self, pupil: i64, id: i64) -> Result<Option<Document>>;
    async fn update_leave_decision(&mut self, school: i64, id: i64, d: &Decided<'_>)
    -> Result<u64>;

    async fn select_due_messages(
        &mut self,
        now: i64,
        limit: i64,
        channels: [&str; 2],
    ) -> Result<Vec<i64>>;
    async fn lease_message(
        &mut self,
        id: i64,
        now: i64,
        until: i64,
    ) -> Result<Option<(i64, MessageRecord)>>;
    async fn update_delivery(&mut self, id: i64, delivery: &Delivery) -> Result<u64>;
    async fn select_pupil_outbox(&mut self, pupil: i64) -> Result<Vec<MessageRecord>>;
    async fn select_templates(&mut self, school: i64) -> Result<Vec<TemplateRecord>>;
    async fn upsert_template(&mut self, school: i64, t: &TemplateRecord) -> Result<()>;
}

macro_rules! impl_family_sql {
    ($conn:ty) => {
        #[async_trait]
        impl FamilySql for $conn {
            async fn upsert_parent(&mut self, email: &str, name: &str) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO parents (email, name) VALUES ($1, $2) \
                     ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
                )
                .bind(email)
                .bind(name)
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_parent(&mut self, id: i64) -> Result<Option<ParentAccount>> {
                Ok(sqlx::query_as::<_, ParentRow>(
                    "SELECT id, email, name, password_hash FROM parents WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(ParentRow::record))
            }

            async fn select_parent_by_email(&mut self, email: &str) -> Result<Option<ParentAccount>> {
                Ok(sqlx::query_as::<_, ParentRow>(
                    "SELECT id, email, name, password_hash FROM parents WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(ParentRow::record))
            }

            async fn update_parent_password(&mut self, id: i64, hash: &str) -> Result<u64> {
                sqlx::query("UPDATE parents SET password_hash = $2 WHERE id = $1")
                    .bind(id)
                    .bind(hash)
                    .execute(&mut *self)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db)
            }

            async fn insert_parent_contact(&mut self, parent: i64, contact: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO parent_contacts (parent_id, contact_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(parent)
                .bind(contact)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_parent_contacts(&mut self, parent: i64) -> Result<Vec<ContactRecord>> {
                Ok(sqlx::query_as::<_, ContactRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c \
                     JOIN parent_contacts pc ON pc.contact_id = c.id \
                     WHERE pc.parent_id = $1 AND NOT c.ended ORDER BY c.pupil_id, c.id"
                )))
                .bind(parent)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ContactRow::record)
                .collect())
            }

            async fn insert_parent_link(&mut self, token_hash: &str, parent: i64, purpose: &str, expires: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO parent_links (token_hash, parent_id, purpose, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(parent)
                .bind(purpose)
                .bind(expires)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn use_parent_link(&mut self, token_hash: &str, purpose: &str, now: i64) -> Result<Option<i64>> {
                sqlx::query_scalar(
                    "UPDATE parent_links SET used_at = $3 \
                     WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
                     RETURNING parent_id",
                )
                .bind(token_hash)
                .bind(purpose)
                .bind(now)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)
            }

            async fn insert_parent_session(&mut self, token_hash: &str, parent: i64, expires: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO parent_sessions (token_hash, parent_id, expires_at) VALUES ($1, $2, $3)",
                )
                .bind(token_hash)
                .bind(parent)
                .bind(expires)
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }

            async fn select_parent_session(&mut self, token_hash: &str, now: i64) -> Result<Option<ParentAccount>> {
                Ok(sqlx::query_as::<_, ParentRow>(
                    "SELECT p.id, p.email, p.name, p.password_hash FROM parent_sessions s \
                     JOIN parents p ON p.id = s.parent_id WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(ParentRow::record))
            }

            async fn delete_parent_session(&mut self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM parent_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn insert_absence_report(&mut self, school: i64, r: &NewAbsenceReport) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO absence_reports (school_id, pupil_id, contact_id, parent_id, first_date, \
                     first_session, last_date, last_session, reason, details, expected_return, at, \
                     recorded_at, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending') RETURNING id",
                )
                .bind(school)
                .bind(r.pupil.0)
                .bind(r.contact.0)
                .bind(r.parent.0)
                .bind(jiff_sqlx::Date::from(r.first.date))
                .bind(session_number(r.first.session))
                .bind(jiff_sqlx::Date::from(r.last.date))
                .bind(session_number(r.last.session))
                .bind(r.reason.id())
                .bind(&r.details)
                .bind(r.expected_return.map(jiff_sqlx::Date::from))
                .bind(jiff_sqlx::DateTime::from(r.at))
                .bind(to_micros(r.recorded_at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn update_report_answer(&mut self, pupil: i64, id: i64, answer: &str) -> Result<u64> {
                sqlx::query(
                    "UPDATE absence_reports SET details = details || $3, status = 'pending' \
                     WHERE pupil_id = $1 AND id = $2 AND status = 'more_information'",
                )
                .bind(pupil)
                .bind(id)
                .bind(format!("\n\nAnswer to the school: {answer}"))
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_school_reports(&mut self, school: i64) -> Result<Vec<AbsenceReportRecord>> {
                rows_by!(self, ReportRow, format!(
                    "SELECT {REPORT_COLUMNS} FROM absence_reports r JOIN parents pa ON pa.id = r.parent_id \
                     WHERE r.school_id = $1 ORDER BY r.recorded_at DESC, r.id DESC"), school)
            }

            async fn select_pupil_reports(&mut self, pupil: i64) -> Result<Vec<AbsenceReportRecord>> {
                rows_by!(self, ReportRow, format!(
                    "SELECT {REPORT_COLUMNS} FROM absence_reports r JOIN parents pa ON pa.id = r.parent_id \
                     WHERE r.pupil_id = $1 ORDER BY r.recorded_at DESC, r.id DESC"), pupil)
            }

            async fn select_report(&mut self, school: i64, id: i64) -> Result<Option<AbsenceReportRecord>> {
                sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {REPORT_COLUMNS} FROM absence_reports r JOIN parents pa ON pa.id = r.parent_id \
                     WHERE r.school_id = $1 AND r.id = $2")))
                .bind(school)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(ReportRow::record)
                .transpose()
            }

            async fn update_report_decision(&mut self, school: i64, id: i64, d: &Decided<'_>) -> Result<u64> {
                sqlx::query(
                    "UPDATE absence_reports SET status = $3, response = $4, decided_by = $5, \
                     decided_at = $6, code = $7 \
                     WHERE school_id = $1 AND id = $2 AND status IN ('pending', 'more_information')",
                )
                .bind(school)
                .bind(id)
                .bind(d.status.id())
                .bind(d.response)
                .bind(d.by)
                .bind(d.at)
                .bind(d.code.map(|c| c.symbol()))
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn insert_leave(&mut self, school: i64, l: &NewLeaveRequest) -> Result<i64> {
                let document = l.document.as_ref();
                sqlx::query_scalar(
                    "INSERT INTO leave_requests (school_id, pupil_id, contact_id, parent_id, first_date, \
                     last_date, kind, reason, document_name, document_type, document, at, recorded_at, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending') RETURNING id",
                )
                .bind(school)
                .bind(l.pupil.0)
                .bind(l.contact.0)
                .bind(l.parent.0)
                .bind(jiff_sqlx::Date::from(l.first))
                .bind(jiff_sqlx::Date::from(l.last))
                .bind(l.kind.id())
                .bind(&l.reason)
                .bind(document.map(|d| d.name.as_str()))
                .bind(document.map(|d| d.content_type.as_str()))
                .bind(document.map(|d| d.bytes.as_slice()))
                .bind(jiff_sqlx::DateTime::from(l.at))
                .bind(to_micros(l.recorded_at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_school_leave(&mut self, school: i64) -> Result<Vec<LeaveRecord>> {
                rows_by!(self, LeaveRow, format!(
                    "SELECT {LEAVE_COLUMNS} FROM leave_requests l JOIN parents pa ON pa.id = l.parent_id \
                     WHERE l.school_id = $1 ORDER BY l.recorded_at DESC, l.id DESC"), school)
            }

            async fn select_pupil_leave(&mut self, pupil: i64) -> Result<Vec<LeaveRecord>> {
                rows_by!(self, LeaveRow, format!(
                    "SELECT {LEAVE_COLUMNS} FROM leave_requests l JOIN parents pa ON pa.id = l.parent_id \
                     WHERE l.pupil_id = $1 ORDER BY l.recorded_at DESC, l.id DESC"), pupil)
            }

            async fn select_leave(&mut self, school: i64, id: i64) -> Result<Option<LeaveRecord>> {
                sqlx::query_as::<_, LeaveRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {LEAVE_COLUMNS} FROM leave_requests l JOIN parents pa ON pa.id = l.parent_id \
                     WHERE l.school_id = $1 AND l.id = $2")))
                .bind(school)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(LeaveRow::record)
                .transpose()
            }

            async fn select_leave_document(&mut self, pupil: i64, id: i64) -> Result<Option<Document>> {
                let row = sqlx::query_as::<_, DocumentRow>(
                    "SELECT document_name, document_type, document FROM leave_requests \
                     WHERE pupil_id = $1 AND id = $2",
                )
                .bind(pupil)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?;
                Ok(row.and_then(|r| {
                    Some(Document {
                        name: r.document_name?,
                        content_type: r.document_type?,
                        bytes: r.document?,
                    })
                }))
            }

            async fn update_leave_decision(&mut self, school: i64, id: i64, d: &Decided<'_>) -> Result<u64> {
                sqlx::query(
                    "UPDATE leave_requests SET status = $3, response = $4, decided_by = $5, \
                     decided_at = $6, code = $7, granted_first = $8, granted_last = $9 \
                     WHERE school_id = $1 AND id = $2 AND status IN ('pending', 'more_information')",
                )
                .bind(school)
                .bind(id)
                .bind(d.status.id())
                .bind(d.response)
                .bind(d.by)
                .bind(d.at)
                .bind(d.code.map(|c| c.symbol()))
                .bind(d.granted.map(|(f, _)| jiff_sqlx::Date::from(f)))
                .bind(d.granted.map(|(_, l)| jiff_sqlx::Date::from(l)))
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_due_messages(&mut self, now: i64, limit: i64, channels: [&str; 2]) -> Result<Vec<i64>> {
                let [first, second] = channels;
                sqlx::query_scalar(
                    "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until < $1) AND channel IN ($3, $4) \
                     ORDER BY next_attempt_at, id LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .bind(first)
                .bind(second)
                .fetch_all(&mut *self)
                .await
                .map_err(db)
            }

            async fn lease_message(&mut self, id: i64, now: i64, until: i64) -> Result<Option<(i64, MessageRecord)>> {
                #[derive(sqlx::FromRow)]
                struct Leased {
                    school_id: i64,
                    #[sqlx(flatten)]
                    message: MessageRow,
                }
                sqlx::query_as::<_, Leased>(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET claimed_until = $3, attempts = attempts + 1 \
                     WHERE id = $1 AND status = 'queued' AND (claimed_until IS NULL OR claimed_until < $2) \
                     RETURNING school_id, {MESSAGE_COLUMNS}"
                )))
                .bind(id)
                .bind(now)
                .bind(until)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(|l| Ok((l.school_id, l.message.record()?)))
                .transpose()
            }

            async fn update_delivery(&mut self, id: i64, delivery: &Delivery) -> Result<u64> {
                let (status, error, reference, sent_at, next) = match delivery {
                    Delivery::Sent { at, reference } => {
                        ("sent", None, reference.as_deref(), Some(to_micros(*at)), None)
                    }
                    Delivery::Retry { error, retry_at } => {
                        ("queued", Some(error.as_str()), None, None, Some(to_micros(*retry_at)))
                    }
                    Delivery::Failed { error } => ("failed", Some(error.as_str()), None, None, None),
                };
                sqlx::query(
                    "UPDATE outbox SET status = $2, error = $3, reference = $4, sent_at = $5, \
                     next_attempt_at = COALESCE($6, next_attempt_at), claimed_until = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(status)
                .bind(error)
                .bind(reference)
                .bind(sent_at)
                .bind(next)
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_pupil_outbox(&mut self, pupil: i64) -> Result<Vec<MessageRecord>> {
                rows_by!(self, MessageRow, format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE pupil_id = $1 ORDER BY queued_at, id"), pupil)
            }

            async fn select_templates(&mut self, school: i64) -> Result<Vec<TemplateRecord>> {
                rows_by!(self, TemplateRow,
                    "SELECT name, subject, body, by_name, at FROM message_templates WHERE school_id = $1 ORDER BY name", school)
            }

            async fn upsert_template(&mut self, school: i64, t: &TemplateRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO message_templates (school_id, name, subject, body, by_name, at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (school_id, name) DO UPDATE SET \
                     subject = excluded.subject, body = excluded.body, by_name = excluded.by_name, at = excluded.at",
                )
                .bind(school)
                .bind(&t.name)
                .bind(&t.subject)
                .bind(&t.body)
                .bind(&t.by)
                .bind(to_micros(t.at))
                .execute(&mut *self)
                .await
                .map(|_| ())
                .map_err(db)
            }
        }
    };
}

impl_family_sql!(sqlx::SqliteConnection);
impl_family_sql!(sqlx::PgConnection);
