//! The half-termly quality-assurance report (seed 001 Annex 4a): its figures come from the
//! register each time; what the senior attendance champion writes (the evaluation, the planned
//! follow-up, the staff involved) is kept for each school and period, every saving a version.

use async_trait::async_trait;
use jiff::civil::DateTime;

use crate::{Actor, Result, SchoolId};

/// What the champion writes for a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QaText {
    /// The evaluation of the period's attendance and actions.
    pub evaluation: String,
    /// Planned follow-up: actions, dates and who.
    pub follow_up: String,
    /// The staff involved in the QA.
    pub staff: String,
}

/// What was written, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaRecord {
    /// The text.
    pub text: QaText,
    /// Who saved it: name and position.
    pub by: String,
    /// When.
    pub at: DateTime,
}

/// Where the reports' text is kept.
#[async_trait]
pub trait QaReports {
    /// Saves the text for a school's period (`half_term:2025-11-03`), as a new version.
    async fn save_qa_text(
        &self,
        school: SchoolId,
        period: &str,
        text: &QaText,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;
    /// The latest text saved for a school's period.
    async fn qa_text(&self, school: SchoolId, period: &str) -> Result<Option<QaRecord>>;
}
