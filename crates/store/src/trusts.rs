//! What a trust sets for its schools: targets for attendance and persistent absence, against
//! which its dashboard rates each school red, amber or green. Every change is kept; the latest
//! is in force.

use async_trait::async_trait;
use jiff::civil::DateTime;
use rollcall_analytics::Targets;

use crate::{Actor, Result, TrustId};

/// Targets as set, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetsRecord {
    /// The targets.
    pub targets: Targets,
    /// Who set them: name and position.
    pub by: String,
    /// When.
    pub at: DateTime,
}

/// Where trusts' settings are kept.
#[async_trait]
pub trait Trusts {
    /// Sets a trust's targets (checked first).
    async fn set_trust_targets(
        &self,
        trust: TrustId,
        targets: &Targets,
        actor: &Actor,
        at: DateTime,
    ) -> Result<()>;
    /// A trust's name.
    async fn trust_name(&self, trust: TrustId) -> Result<String>;
    /// A trust's targets in force, if it has set any.
    async fn trust_targets(&self, trust: TrustId) -> Result<Option<TargetsRecord>>;
}
