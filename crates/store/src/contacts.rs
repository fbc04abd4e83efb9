//! Contacts kept by the school: added, edited and ended by the office, each change kept as a
//! version with who and when (the admission register marks the parents and their emergency
//! numbers, regulation 8(2), and needs its history); and a parent's own request to change their
//! telephone number, email or address, which the office confirms or declines.

use async_trait::async_trait;
use jiff::civil::DateTime;

use crate::{Actor, Contact, ContactId, ContactRecord, ParentId, PupilKey, Result, SchoolId};

/// Why a contact's version was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactChange {
    /// Added by the office, at admission or later, or by an import.
    Added,
    /// Edited by the office.
    Edited,
    /// No longer a contact: kept, but no longer called, written to or shown to the portal.
    Ended,
    /// Changed as the parent asked, the office having confirmed it.
    ParentAsked,
}

impl ContactChange {
    /// Every kind.
    pub const ALL: [ContactChange; 4] = [
        ContactChange::Added,
        ContactChange::Edited,
        ContactChange::Ended,
        ContactChange::ParentAsked,
    ];

    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            ContactChange::Added => "added",
            ContactChange::Edited => "edited",
            ContactChange::Ended => "ended",
            ContactChange::ParentAsked => "parent_asked",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<ContactChange> {
        ContactChange::ALL.into_iter().find(|c| c.id() == id)
    }

    /// How the history reads it.
    pub fn title(self) -> &'static str {
        match self {
            ContactChange::Added => "Added",
            ContactChange::Edited => "Edited",
            ContactChange::Ended => "No longer a contact",
            ContactChange::ParentAsked => "Changed at the parent's request",
        }
    }
}

/// A version of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactVersion {
    /// The contact.
    pub id: ContactId,
    /// The pupil.
    pub pupil: PupilKey,
    /// The contact as it then stood.
    pub contact: Contact,
    /// Why.
    pub change: ContactChange,
    /// When.
    pub at: DateTime,
    /// Who: "name, position", or the parent's name for their own request.
    pub by: String,
}

/// What a parent asks to change about themselves; `None` leaves a detail as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewDetails {
    /// A telephone number to put first.
    pub phone: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// A postal address.
    pub address: Option<String>,
}

/// Where a parent's request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailsStatus {
    /// Waiting for the office.
    Pending,
    /// Made, by whom and when.
    Confirmed {
        /// "name, position".
        by: String,
        /// When.
        at: DateTime,
    },
    /// Not made, and why.
    Declined {
        /// "name, position".
        by: String,
        /// When.
        at: DateTime,
        /// Why, as the parent is told.
        reason: String,
    },
}

/// A parent's request to change their details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsRequest {
    /// Its number.
    pub id: i64,
    /// The school asked.
    pub school: SchoolId,
    /// The parent.
    pub parent: ParentId,
    /// Their name.
    pub parent_name: String,
    /// What they asked.
    pub details: NewDetails,
    /// When.
    pub asked: DateTime,
    /// Where it stands.
    pub status: DetailsStatus,
}

/// The office's decision on a parent's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsDecision {
    /// The school.
    pub school: SchoolId,
    /// The request.
    pub id: i64,
    /// `None` to confirm; the reason to decline.
    pub declined: Option<String>,
    /// Who decided.
    pub actor: Actor,
    /// When.
    pub at: DateTime,
}

/// Contacts and their history.
#[async_trait]
pub trait Contacts: Send + Sync {
    /// Adds a contact, with its first version.
    async fn add_contact_by(
        &self,
        key: PupilKey,
        contact: &Contact,
        actor: &Actor,
        at: DateTime,
    ) -> Result<ContactId>;

    /// Replaces a contact's details, keeping the version before.
    async fn edit_contact(
        &self,
        key: PupilKey,
        id: ContactId,
        contact: &Contact,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;

    /// Ends a contact: kept with its history, no longer used.
    async fn end_contact(
        &self,
        key: PupilKey,
        id: ContactId,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;

    /// Every current contact of a school's pupils.
    async fn school_contacts(&self, school: SchoolId) -> Result<Vec<ContactRecord>>;

    /// Every version of a pupil's contacts, oldest first.
    async fn contact_history(&self, key: PupilKey) -> Result<Vec<ContactVersion>>;

    /// A parent asks the school to change their details.
    async fn ask_details_change(
        &self,
        school: SchoolId,
        parent: ParentId,
        details: &NewDetails,
        at: DateTime,
    ) -> Result<i64>;

    /// A school's requests from parents, oldest first.
    async fn details_requests(&self, school: SchoolId) -> Result<Vec<DetailsRequest>>;

    /// A parent's own requests, oldest first.
    async fn parent_details_requests(&self, parent: ParentId) -> Result<Vec<DetailsRequest>>;

    /// Confirms a pending request (every one of the parent's contact records at the school
    /// changes, each keeping its version before) or declines it. Decided once.
    async fn decide_details(&self, decision: &DetailsDecision) -> Result<()>;
}
