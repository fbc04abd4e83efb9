//! The rows the statements read, as the database returns them, and how each becomes the
//! store's record.

use jiff::civil::Date;
use rollcall_core::{
    CaseEntry, EntryKind, Flag, ItemKey, LaEstab, Pupil, SenStatus, SessionKey, Sex, Upn, Urn,
    YearGroup,
};
use rollcall_store::{
    CaseRecord, Channel, Contact, ContactId, ContactRecord, DeliveryStatus, FlagRecord, GroupId,
    GroupRecord, JobRecord, MarkSource, MessageRecord, NewMessage, PupilKey, PupilRecord, SchoolId,
    SchoolRecord, StoredMark, SubmissionRecord, TrustId,
};

use super::values::{Held, Result, code_of, corrupt, minutes_of, session_of};
use crate::time::from_micros;

pub(crate) const PUPIL_COLUMNS: &str = "p.id, p.school_id, p.upn, p.legal_surname, p.legal_forename, \
    p.preferred_forename, p.date_of_birth, p.sex, p.year_group, p.reg_group_id, \
    g.name AS reg_group, p.entry_date, p.leaving_date, p.fsm, p.eal, p.sen, p.la_estab, \
    p.pupil_premium";

pub(crate) const MESSAGE_COLUMNS: &str = "id, pupil_id, contact_id, channel, recipient, \
    subject, body, queued_at, status, attempts, error, sent_at";

#[derive(sqlx::FromRow)]
pub(crate) struct SchoolRow {
    pub(crate) id: i64,
    pub(crate) trust_id: Option<i64>,
    pub(crate) name: String,
    pub(crate) urn: Option<String>,
    pub(crate) la_estab: Option<String>,
    pub(crate) policy: String,
}

impl SchoolRow {
    pub(crate) fn record(self) -> Result<SchoolRecord> {
        Ok(SchoolRecord {
            id: SchoolId(self.id),
            trust: self.trust_id.map(TrustId),
            name: self.name,
            urn: self
                .urn
                .map(|u| Urn::parse(&u).map_err(|_| corrupt("URN", &u)))
                .transpose()?,
            la_estab: self
                .la_estab
                .map(|l| LaEstab::parse(&l).map_err(|_| corrupt("LA/establishment number", &l)))
                .transpose()?,
            policy: self.policy,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub(crate) id: i64,
    pub(crate) school_id: i64,
    pub(crate) name: String,
}

impl GroupRow {
    pub(crate) fn record(self) -> GroupRecord {
        GroupRecord {
            id: GroupId(self.id),
            school: SchoolId(self.school_id),
            name: self.name,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PupilRow {
    pub(crate) id: i64,
    pub(crate) school_id: i64,
    pub(crate) upn: String,
    pub(crate) legal_surname: String,
    pub(crate) legal_forename: String,
    pub(crate) preferred_forename: Option<String>,
    pub(crate) date_of_birth: jiff_sqlx::Date,
    pub(crate) sex: String,
    pub(crate) year_group: String,
    pub(crate) reg_group_id: Option<i64>,
    pub(crate) reg_group: Option<String>,
    pub(crate) entry_date: Option<jiff_sqlx::Date>,
    pub(crate) leaving_date: Option<jiff_sqlx::Date>,
    pub(crate) fsm: bool,
    pub(crate) eal: bool,
    pub(crate) pupil_premium: bool,
    pub(crate) sen: String,
    pub(crate) la_estab: Option<String>,
}

impl PupilRow {
    /// The row as SQLite's own handle reads it, column by column as `sqlx` would.
    pub(crate) fn from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<PupilRow> {
        let date = |column| r.get::<_, Date>(column).map(jiff_sqlx::Date::from);
        let optional_date = |column| {
            r.get::<_, Option<Date>>(column)
                .map(|d| d.map(jiff_sqlx::Date::from))
        };
        Ok(PupilRow {
            id: r.get("id")?,
            school_id: r.get("school_id")?,
            upn: r.get("upn")?,
            legal_surname: r.get("legal_surname")?,
            legal_forename: r.get("legal_forename")?,
            preferred_forename: r.get("preferred_forename")?,
            date_of_birth: date("date_of_birth")?,
            sex: r.get("sex")?,
            year_group: r.get("year_group")?,
            reg_group_id: r.get("reg_group_id")?,
            reg_group: r.get("reg_group")?,
            entry_date: optional_date("entry_date")?,
            leaving_date: optional_date("leaving_date")?,
            fsm: r.get("fsm")?,
            eal: r.get("eal")?,
            pupil_premium: r.get("pupil_premium")?,
            sen: r.get("sen")?,
            la_estab: r.get("la_estab")?,
        })
    }

    pub(crate) fn record(self) -> Result<PupilRecord> {
        Ok(PupilRecord {
            key: PupilKey(self.id),
            school: SchoolId(self.school_id),
            group: self.reg_group_id.map(GroupId),
            pupil: Pupil {
                upn: Upn::parse(&self.upn).map_err(|_| corrupt("UPN", &self.upn))?,
                legal_surname: self.legal_surname,
                legal_forename: self.legal_forename,
                preferred_forename: self.preferred_forename,
                date_of_birth: self.date_of_birth.to_jiff(),
                sex: Sex::parse(&self.sex).map_err(|_| corrupt("sex", &self.sex))?,
                year_group: YearGroup::parse(&self.year_group)
                    .map_err(|_| corrupt("year group", &self.year_group))?,
                reg_group: self.reg_group.unwrap_or_default(),
                entry_date: self.entry_date.map(|d| d.to_jiff()),
                leaving_date: self.leaving_date.map(|d| d.to_jiff()),
                fsm: self.fsm,
                eal: self.eal,
                pupil_premium: self.pupil_premium,
                sen: SenStatus::parse(&self.sen).map_err(|_| corrupt("SEN status", &self.sen))?,
                school: self
                    .la_estab
                    .map(|l| LaEstab::parse(&l).map_err(|_| corrupt("LA/establishment number", &l)))
                    .transpose()?,
            },
        })
    }
}

/// A pupil on a register, with the mark held for the session if any.
#[derive(sqlx::FromRow)]
pub(crate) struct RosterRow {
    #[sqlx(flatten)]
    pub(crate) pupil: PupilRow,
    pub(crate) code: Option<String>,
    pub(crate) minutes_late: Option<i32>,
    pub(crate) comment: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) recorded_by: Option<String>,
    pub(crate) recorded_at: Option<i64>,
    pub(crate) version: Option<i32>,
    pub(crate) entry_hash: Option<Vec<u8>>,
}

impl RosterRow {
    pub(crate) fn record(self, date: Date, session: i16) -> Result<(PupilRecord, Option<Held>)> {
        let mark = match (self.code, self.source, self.recorded_at, self.version) {
            (Some(code), Some(source), Some(recorded_at), Some(version)) => Some(
                MarkRow {
                    pupil_id: self.pupil.id,
                    date: jiff_sqlx::Date::from(date),
                    session,
                    code,
                    minutes_late: self.minutes_late,
                    comment: self.comment,
                    source,
                    recorded_by: self.recorded_by,
                    recorded_at,
                    version,
                    entry_hash: self.entry_hash,
                }
                .held()?
                .1,
            ),
            _ => None,
        };
        Ok((self.pupil.record()?, mark))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MarkRow {
    pub(crate) pupil_id: i64,
    pub(crate) date: jiff_sqlx::Date,
    pub(crate) session: i16,
    pub(crate) code: String,
    pub(crate) minutes_late: Option<i32>,
    pub(crate) comment: Option<String>,
    pub(crate) source: String,
    pub(crate) recorded_by: Option<String>,
    pub(crate) recorded_at: i64,
    pub(crate) version: i32,
    pub(crate) entry_hash: Option<Vec<u8>>,
}

impl MarkRow {
    pub(crate) fn held(self) -> Result<(i64, Held)> {
        let hash = self.entry_hash.clone().unwrap_or_default();
        let (pupil, mark) = self.record()?;
        Ok((pupil, Held { mark, hash }))
    }

    pub(crate) fn record(self) -> Result<(i64, StoredMark)> {
        Ok((
            self.pupil_id,
            StoredMark {
                key: SessionKey {
                    date: self.date.to_jiff(),
                    session: session_of(self.session)?,
                },
                code: code_of(&self.code)?,
                minutes_late: minutes_of(self.minutes_late),
                comment: self.comment,
                source: MarkSource::parse(&self.source)
                    .ok_or_else(|| corrupt("mark source", &self.source))?,
                recorded_by: self.recorded_by,
                recorded_at: from_micros(self.recorded_at),
                version: u32::try_from(self.version)
                    .map_err(|_| corrupt("mark version", &self.version.to_string()))?,
            },
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SubmissionRow {
    pub(crate) group_id: i64,
    pub(crate) date: jiff_sqlx::Date,
    pub(crate) session: i16,
    pub(crate) by_name: String,
    pub(crate) at: i64,
    pub(crate) amended: bool,
}

impl SubmissionRow {
    pub(crate) fn record(self) -> Result<SubmissionRecord> {
        Ok(SubmissionRecord {
            group: GroupId(self.group_id),
            date: self.date.to_jiff(),
            session: session_of(self.session)?,
            by: self.by_name,
            at: from_micros(self.at),
            amended: self.amended,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub(crate) id: i64,
    pub(crate) pupil_id: i64,
    pub(crate) name: String,
    pub(crate) relationship: String,
    pub(crate) parental_responsibility: bool,
    pub(crate) lives_with_pupil: bool,
    pub(crate) correspondence: bool,
    pub(crate) salutation: Option<String>,
    pub(crate) priority: i32,
    pub(crate) phones: String,
    pub(crate) email: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) preferred_language: Option<String>,
    pub(crate) court_order: Option<String>,
    pub(crate) opted_out: bool,
}

impl ContactRow {
    pub(crate) fn record(self) -> ContactRecord {
        ContactRecord {
            id: ContactId(self.id),
            pupil: PupilKey(self.pupil_id),
            contact: Contact {
                name: self.name,
                relationship: self.relationship,
                parental_responsibility: self.parental_responsibility,
                lives_with_pupil: self.lives_with_pupil,
                correspondence: self.correspondence,
                salutation: self.salutation,
                priority: u16::try_from(self.priority).unwrap_or(u16::MAX),
                phones: self
                    .phones
                    .split('\n')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                email: self.email,
                address: self.address,
                preferred_language: self.preferred_language,
                court_order: self.court_order,
                opted_out: self.opted_out,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub(crate) id: i64,
    pub(crate) pupil_id: i64,
    pub(crate) at: jiff_sqlx::DateTime,
    pub(crate) kind: String,
    pub(crate) rating: Option<String>,
    pub(crate) likelihood: Option<i16>,
    pub(crate) frequency: Option<i16>,
    pub(crate) item_rule: Option<String>,
    pub(crate) item_occasion: Option<String>,
    pub(crate) with_whom: String,
    pub(crate) note: String,
    pub(crate) by_name: String,
    pub(crate) by_position: String,
    pub(crate) recorded_at: i64,
}

impl CaseRow {
    pub(crate) fn record(self) -> Result<CaseRecord> {
        let score = |n: Option<i16>| n.and_then(|n| u8::try_from(n).ok());
        let kind = EntryKind::parse(
            &self.kind,
            self.rating.as_deref(),
            score(self.likelihood),
            score(self.frequency),
        )
        .map_err(|e| corrupt("casework entry", &e.to_string()))?;
        Ok(CaseRecord {
            id: self.id,
            pupil: PupilKey(self.pupil_id),
            entry: CaseEntry {
                at: self.at.to_jiff(),
                kind,
                item: self
                    .item_rule
                    .zip(self.item_occasion)
                    .map(|(rule, occasion)| ItemKey { rule, occasion }),
                with: self.with_whom,
                note: self.note,
                by: format!("{}, {}", self.by_name, self.by_position),
            },
            recorded_at: from_micros(self.recorded_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FlagRow {
    pub(crate) id: i64,
    pub(crate) pupil_id: i64,
    pub(crate) flag: String,
    pub(crate) from_date: jiff_sqlx::Date,
    pub(crate) until_date: Option<jiff_sqlx::Date>,
    pub(crate) note: String,
    pub(crate) by_name: String,
    pub(crate) by_position: String,
    pub(crate) ended_by: Option<String>,
}

impl FlagRow {
    pub(crate) fn record(self) -> Result<FlagRecord> {
        Ok(FlagRecord {
            id: self.id,
            pupil: PupilKey(self.pupil_id),
            flag: Flag::parse(&self.flag).ok_or_else(|| corrupt("flag", &self.flag))?,
            from: self.from_date.to_jiff(),
            until: self.until_date.map(|d| d.to_jiff()),
            note: self.note,
            by: format!("{}, {}", self.by_name, self.by_position),
            ended_by: self.ended_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    pub(crate) school_id: i64,
    pub(crate) kind: String,
    pub(crate) date: jiff_sqlx::Date,
    pub(crate) session: i16,
    pub(crate) runner: String,
    pub(crate) ran_at: i64,
    pub(crate) summary: String,
}

impl JobRow {
    pub(crate) fn record(self) -> Result<JobRecord> {
        Ok(JobRecord {
            school: SchoolId(self.school_id),
            kind: self.kind,
            key: SessionKey {
                date: self.date.to_jiff(),
                session: session_of(self.session)?,
            },
            runner: self.runner,
            at: from_micros(self.ran_at),
            summary: self.summary,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) id: i64,
    pub(crate) pupil_id: Option<i64>,
    pub(crate) contact_id: Option<i64>,
    pub(crate) channel: String,
    pub(crate) recipient: String,
    pub(crate) subject: Option<String>,
    pub(crate) body: String,
    pub(crate) queued_at: i64,
    pub(crate) status: String,
    pub(crate) attempts: i32,
    pub(crate) error: Option<String>,
    pub(crate) sent_at: Option<i64>,
}

impl MessageRow {
    pub(crate) fn record(self) -> Result<MessageRecord> {
        let status = DeliveryStatus::parse(&self.status)
            .ok_or_else(|| corrupt("delivery status", &self.status))?;
        Ok(MessageRecord {
            id: self.id,
            message: NewMessage {
                pupil: self.pupil_id.map(PupilKey),
                contact: self.contact_id.map(ContactId),
                channel: Channel::parse(&self.channel)
                    .ok_or_else(|| corrupt("channel", &self.channel))?,
                recipient: self.recipient,
                subject: self.subject,
                body: self.body,
                withheld: (status == DeliveryStatus::Withheld)
                    .then(|| self.error.clone())
                    .flatten(),
            },
            queued_at: from_micros(self.queued_at),
            status,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            error: self.error,
            sent_at: self.sent_at.map(from_micros),
        })
    }
}
