//! Contacts kept by the school: each change a version, and parents' requests to change their
//! details. The statements once for both databases (as in `statements.rs`), and the store's
//! operations over them.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_store::{
    Actor, Contact, ContactChange, ContactId, ContactRecord, ContactVersion, Contacts,
    DetailsDecision, DetailsRequest, DetailsStatus, NewDetails, ParentId, PupilKey, SchoolId,
    StoreError,
};

use crate::statements::{
    CONTACT_COLUMNS, ContactRow, Result, Sql, bind_contact, corrupt, db, rows_by,
};
use crate::{SqlStore, found};

const VERSION_COLUMNS: &str = "v.contact_id AS id, v.pupil_id, v.name, v.relationship, \
    v.parental_responsibility, v.lives_with_pupil, v.correspondence, v.salutation, v.priority, \
    v.phones, v.email, v.address, v.preferred_language, v.court_order, v.opted_out, \
    v.change, v.at, v.by_name";

#[derive(sqlx::FromRow)]
struct VersionRow {
    #[sqlx(flatten)]
    contact: ContactRow,
    change: String,
    at: jiff_sqlx::DateTime,
    by_name: String,
}

impl VersionRow {
    fn record(self) -> Result<ContactVersion> {
        let change = ContactChange::parse(&self.change)
            .ok_or_else(|| corrupt("contact change", &self.change))?;
        let held = self.contact.record();
        Ok(ContactVersion {
            id: held.id,
            pupil: held.pupil,
            contact: held.contact,
            change,
            at: self.at.to_jiff(),
            by: self.by_name,
        })
    }
}

const REQUEST_COLUMNS: &str = "r.id, r.school_id, r.parent_id, p.name AS parent_name, r.phone, \
    r.email, r.address, r.asked_at, r.status, r.decided_at, r.decided_by, r.reason";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    school_id: i64,
    parent_id: i64,
    parent_name: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    asked_at: jiff_sqlx::DateTime,
    status: String,
    decided_at: Option<jiff_sqlx::DateTime>,
    decided_by: Option<String>,
    reason: Option<String>,
}

impl RequestRow {
    fn record(self) -> Result<DetailsRequest> {
        let decided = self.decided_at.map(|d| d.to_jiff());
        let by = self.decided_by.unwrap_or_default();
        let status = match (self.status.as_str(), decided) {
            ("pending", _) => DetailsStatus::Pending,
            ("confirmed", Some(at)) => DetailsStatus::Confirmed { by, at },
            ("declined", Some(at)) => DetailsStatus::Declined {
                by,
                at,
                reason: self.reason.unwrap_or_default(),
            },
            (other, _) => return Err(corrupt("request status", other)),
        };
        Ok(DetailsRequest {
            id: self.id,
            school: SchoolId(self.school_id),
            parent: ParentId(self.parent_id),
            parent_name: self.parent_name,
            details: NewDetails {
                phone: self.phone,
                email: self.email,
                address: self.address,
            },
            asked: self.asked_at.to_jiff(),
            status,
        })
    }
}

#[async_trait]
pub(crate) trait ContactSql: Send {
    async fn select_contact(&mut self, id: i64) -> Result<Option<(ContactRecord, bool)>>;
    async fn update_contact(&mut self, id: i64, contact: &Contact, ended: bool) -> Result<()>;
    async fn insert_version(
        &mut self,
        school: i64,
        held: &ContactRecord,
        change: ContactChange,
        at: DateTime,
        by: &str,
    ) -> Result<()>;
    async fn select_versions(&mut self, pupil: i64) -> Result<Vec<ContactVersion>>;
    async fn select_school_contacts(&mut self, school: i64) -> Result<Vec<ContactRecord>>;
    async fn insert_request(
        &mut self,
        school: i64,
        parent: i64,
        details: &NewDetails,
        at: DateTime,
    ) -> Result<i64>;
    async fn select_requests(&mut self, school: i64) -> Result<Vec<DetailsRequest>>;
    async fn select_request(&mut self, school: i64, id: i64) -> Result<Option<DetailsRequest>>;
    async fn select_parent_requests(&mut self, parent: i64) -> Result<Vec<DetailsRequest>>;
    async fn decide_request(&mut self, d: &DetailsDecision) -> Result<u64>;
    async fn select_parent_contacts_at(
        &mut self,
        parent: i64,
        school: i64,
    ) -> Result<Vec<ContactRecord>>;
}

macro_rules! impl_contact_sql {
    ($conn:ty) => {
        #[async_trait]
        impl ContactSql for $conn {
            async fn select_contact(&mut self, id: i64) -> Result<Option<(ContactRecord, bool)>> {
                #[derive(sqlx::FromRow)]
                struct Held {
                    #[sqlx(flatten)]
                    contact: ContactRow,
                    ended: bool,
                }
                Ok(sqlx::query_as::<_, Held>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CONTACT_COLUMNS}, c.ended FROM contacts c WHERE c.id = $1"
                )))
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(|h| (h.contact.record(), h.ended)))
            }

            async fn update_contact(&mut self, id: i64, c: &Contact, ended: bool) -> Result<()> {
                let query = sqlx::query(
                    "UPDATE contacts SET name = $2, relationship = $3, parental_responsibility = $4, \
                     lives_with_pupil = $5, correspondence = $6, priority = $7, phones = $8, email = $9, \
                     address = $10, preferred_language = $11, court_order = $12, opted_out = $13, \
                     salutation = $14, ended = $15 WHERE id = $1",
                )
                .bind(id);
                bind_contact!(query, c)
                    .bind(ended)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn insert_version(
                &mut self,
                school: i64,
                held: &ContactRecord,
                change: ContactChange,
                at: DateTime,
                by: &str,
            ) -> Result<()> {
                let query = sqlx::query(
                    "INSERT INTO contact_versions (school_id, contact_id, pupil_id, name, relationship, \
                     parental_responsibility, lives_with_pupil, correspondence, priority, phones, email, \
                     address, preferred_language, court_order, opted_out, salutation, change, at, by_name) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                )
                .bind(school)
                .bind(held.id.0)
                .bind(held.pupil.0);
                bind_contact!(query, held.contact)
                    .bind(change.id())
                    .bind(jiff_sqlx::DateTime::from(at))
                    .bind(by)
                    .execute(&mut *self)
                    .await
                    .map(|_| ())
                    .map_err(db)
            }

            async fn select_school_contacts(&mut self, school: i64) -> Result<Vec<ContactRecord>> {
                Ok(sqlx::query_as::<_, ContactRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c JOIN pupils p ON p.id = c.pupil_id \
                     WHERE p.school_id = $1 AND NOT c.ended ORDER BY c.pupil_id, c.priority, c.id"
                )))
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ContactRow::record)
                .collect())
            }

            async fn select_versions(&mut self, pupil: i64) -> Result<Vec<ContactVersion>> {
                rows_by!(self, VersionRow,
                    format!("SELECT {VERSION_COLUMNS} FROM contact_versions v WHERE v.pupil_id = $1 ORDER BY v.id"), pupil)
            }

            async fn insert_request(&mut self, school: i64, parent: i64, d: &NewDetails, at: DateTime) -> Result<i64> {
                sqlx::query_scalar(
                    "INSERT INTO details_requests (school_id, parent_id, phone, email, address, asked_at, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
                )
                .bind(school)
                .bind(parent)
                .bind(&d.phone)
                .bind(&d.email)
                .bind(&d.address)
                .bind(jiff_sqlx::DateTime::from(at))
                .fetch_one(&mut *self)
                .await
                .map_err(db)
            }

            async fn select_requests(&mut self, school: i64) -> Result<Vec<DetailsRequest>> {
                rows_by!(self, RequestRow,
                    format!("SELECT {REQUEST_COLUMNS} FROM details_requests r JOIN parents p ON p.id = r.parent_id \
                             WHERE r.school_id = $1 ORDER BY r.id"), school)
            }

            async fn select_request(&mut self, school: i64, id: i64) -> Result<Option<DetailsRequest>> {
                sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {REQUEST_COLUMNS} FROM details_requests r JOIN parents p ON p.id = r.parent_id \
                     WHERE r.school_id = $1 AND r.id = $2"
                )))
                .bind(school)
                .bind(id)
                .fetch_optional(&mut *self)
                .await
                .map_err(db)?
                .map(RequestRow::record)
                .transpose()
            }

            async fn select_parent_requests(&mut self, parent: i64) -> Result<Vec<DetailsRequest>> {
                rows_by!(self, RequestRow,
                    format!("SELECT {REQUEST_COLUMNS} FROM details_requests r JOIN parents p ON p.id = r.parent_id \
                             WHERE r.parent_id = $1 ORDER BY r.id"), parent)
            }

            async fn decide_request(&mut self, d: &DetailsDecision) -> Result<u64> {
                let status = if d.declined.is_some() { "declined" } else { "confirmed" };
                sqlx::query(
                    "UPDATE details_requests SET status = $3, decided_at = $4, decided_by = $5, reason = $6 \
                     WHERE school_id = $1 AND id = $2 AND status = 'pending'",
                )
                .bind(d.school.0)
                .bind(d.id)
                .bind(status)
                .bind(jiff_sqlx::DateTime::from(d.at))
                .bind(d.actor.signature())
                .bind(&d.declined)
                .execute(&mut *self)
                .await
                .map(|r| r.rows_affected())
                .map_err(db)
            }

            async fn select_parent_contacts_at(&mut self, parent: i64, school: i64) -> Result<Vec<ContactRecord>> {
                Ok(sqlx::query_as::<_, ContactRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts c \
                     JOIN parent_contacts pc ON pc.contact_id = c.id \
                     JOIN pupils p ON p.id = c.pupil_id \
                     WHERE pc.parent_id = $1 AND p.school_id = $2 AND NOT c.ended ORDER BY c.id"
                )))
                .bind(parent)
                .bind(school)
                .fetch_all(&mut *self)
                .await
                .map_err(db)?
                .into_iter()
                .map(ContactRow::record)
                .collect())
            }
        }
    };
}

impl_contact_sql!(sqlx::SqliteConnection);
impl_contact_sql!(sqlx::PgConnection);

/// A parent's details put into a contact: a new number goes first, the old ones kept after it.
fn with_details(mut contact: Contact, d: &NewDetails) -> Contact {
    if let Some(phone) = &d.phone {
        contact.phones.retain(|p| p != phone);
        contact.phones.insert(0, phone.clone());
    }
    if let Some(email) = &d.email {
        contact.email = Some(email.clone());
    }
    if let Some(address) = &d.address {
        contact.address = Some(address.clone());
    }
    contact
}

#[async_trait]
impl Contacts for SqlStore {
    async fn add_contact_by(
        &self,
        key: PupilKey,
        contact: &Contact,
        actor: &Actor,
        at: DateTime,
    ) -> Result<ContactId> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            let id = ContactId(c.insert_contact(key.0, contact).await?);
            let held = ContactRecord {
                id,
                pupil: key,
                contact: contact.clone(),
            };
            c.insert_version(
                pupil.school.0,
                &held,
                ContactChange::Added,
                at,
                &actor.signature(),
            )
            .await?;
            Ok::<_, StoreError>(id)
        })
    }

    async fn edit_contact(
        &self,
        key: PupilKey,
        id: ContactId,
        contact: &Contact,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            let (held, ended) = found(c.select_contact(id.0).await?, "contact")?;
            if held.pupil != key || ended {
                return Err(StoreError::NotFound("contact"));
            }
            c.update_contact(id.0, contact, false).await?;
            let new = ContactRecord {
                contact: contact.clone(),
                ..held
            };
            c.insert_version(
                pupil.school.0,
                &new,
                ContactChange::Edited,
                at,
                &actor.signature(),
            )
            .await
        })
    }

    async fn end_contact(
        &self,
        key: PupilKey,
        id: ContactId,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()> {
        write!(self, |c| {
            let pupil = found(c.select_pupil(key.0).await?, "pupil")?;
            let (held, ended) = found(c.select_contact(id.0).await?, "contact")?;
            if held.pupil != key || ended {
                return Err(StoreError::NotFound("contact"));
            }
            c.update_contact(id.0, &held.contact, true).await?;
            c.insert_version(
                pupil.school.0,
                &held,
                ContactChange::Ended,
                at,
                &actor.signature(),
            )
            .await
        })
    }

    async fn school_contacts(&self, school: SchoolId) -> Result<Vec<ContactRecord>> {
        read!(self, |c| c.select_school_contacts(school.0).await)
    }

    async fn contact_history(&self, key: PupilKey) -> Result<Vec<ContactVersion>> {
        read!(self, |c| c.select_versions(key.0).await)
    }

    async fn ask_details_change(
        &self,
        school: SchoolId,
        parent: ParentId,
        details: &NewDetails,
        at: DateTime,
    ) -> Result<i64> {
        if details == &NewDetails::default() {
            return Err(StoreError::Invalid(
                "say which of your details to change".into(),
            ));
        }
        write!(self, |c| {
            if c.select_parent_contacts_at(parent.0, school.0)
                .await?
                .is_empty()
            {
                return Err(StoreError::NotFound("school"));
            }
            c.insert_request(school.0, parent.0, details, at).await
        })
    }

    async fn details_requests(&self, school: SchoolId) -> Result<Vec<DetailsRequest>> {
        read!(self, |c| c.select_requests(school.0).await)
    }

    async fn parent_details_requests(&self, parent: ParentId) -> Result<Vec<DetailsRequest>> {
        read!(self, |c| c.select_parent_requests(parent.0).await)
    }

    async fn decide_details(&self, d: &DetailsDecision) -> Result<()> {
        write!(self, |c| {
            let request = found(c.select_request(d.school.0, d.id).await?, "request")?;
            if c.decide_request(d).await? == 0 {
                return Err(StoreError::Conflict(
                    "this request has already been decided".into(),
                ));
            }
            if d.declined.is_none() {
                let by = d.actor.signature();
                for held in c
                    .select_parent_contacts_at(request.parent.0, d.school.0)
                    .await?
                {
                    let new = ContactRecord {
                        contact: with_details(held.contact.clone(), &request.details),
                        ..held
                    };
                    c.update_contact(new.id.0, &new.contact, false).await?;
                    c.insert_version(d.school.0, &new, ContactChange::ParentAsked, d.at, &by)
                        .await?;
                }
            }
            Ok::<_, StoreError>(())
        })
    }
}
