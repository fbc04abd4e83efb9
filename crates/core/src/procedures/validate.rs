//! Whether a school's procedures fit together: thresholds are percentages, bands run from the
//! best down, escalations in day order, a notice to improve's period within the framework's 3
//! to 6 weeks, lateness rules that count late codes, and each rule's steps named once.

use thiserror::Error;

use super::{Procedures, Step, Threshold};

/// Why procedures are not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProceduresError {
    /// A notice to improve's period outside 3–6 weeks.
    #[error(
        "a notice to improve's improvement period is 3 to 6 weeks (National Framework for Penalty Notices); found {0}"
    )]
    ImprovementPeriod(u32),
    /// A percentage above 100.
    #[error("a percentage runs from 0 to 100; found {0}")]
    Percentage(String),
    /// Bands must run from best to worst.
    #[error("bands run from the best attendance to the worst; {0} is out of order")]
    BandOrder(String),
    /// Escalations must run in day order.
    #[error("escalation days run in order from day 1; day {0} is out of order")]
    EscalationOrder(u32),
    /// Two steps of a rule share an id.
    #[error("two steps are called {0:?}; each needs its own id")]
    DuplicateStep(String),
    /// Face-to-face contact every 0 days.
    #[error("face-to-face contact is every 1 day or more")]
    ZeroInterval,
    /// Risk thresholds out of order.
    #[error("a risk assessment scores 1 to 25, RED from more than AMBER")]
    RiskScoring,
    /// A lateness rule that cannot be met, or counts codes that are not late arrivals.
    #[error("lateness rule {0:?}: {1}")]
    Lateness(String, &'static str),
}

impl Procedures {
    /// Checks that the settings fit together.
    pub fn validate(&self) -> Result<(), ProceduresError> {
        if let Some(weeks) = self.penalty.notice_to_improve_weeks
            && !(3..=6).contains(&weeks)
        {
            return Err(ProceduresError::ImprovementPeriod(weeks));
        }
        let mut last: Option<u16> = None;
        for band in &self.bands {
            if let Some(threshold) = band.threshold {
                check_percentage(threshold)?;
                if last.is_some_and(|l| threshold.hundredths() > l) {
                    return Err(ProceduresError::BandOrder(band.name.clone()));
                }
                last = Some(threshold.hundredths());
            }
            unique_steps(&band.steps)?;
        }
        for stage in &self.stages {
            check_percentage(stage.threshold)?;
            if let Some(t) = stage.or_falling {
                check_percentage(t)?;
            }
            unique_steps(&stage.steps)?;
        }
        let mut day = 0;
        for e in &self.escalations {
            if e.day == 0 || e.day < day {
                return Err(ProceduresError::EscalationOrder(e.day));
            }
            day = e.day;
        }
        if let Some(v) = &self.vulnerability {
            if v.face_to_face_every.contains(&0) {
                return Err(ProceduresError::ZeroInterval);
            }
            if let Some(r) = v.risk
                && !(r.amber_from >= 1 && r.amber_from < r.red_from && r.red_from <= 25)
            {
                return Err(ProceduresError::RiskScoring);
            }
        }
        if let Some(i) = &self.illness
            && let Some(t) = i.ehcp_notify_la
        {
            check_percentage(t)?;
        }
        for (i, rule) in self.lateness.iter().enumerate() {
            let refuse = |why| Err(ProceduresError::Lateness(rule.id.clone(), why));
            if rule.codes.is_empty() || rule.codes.iter().any(|c| !c.is_late()) {
                return refuse("it counts the late codes L and U, one or both");
            }
            if rule.count == 0 || rule.within_weeks == 0 {
                return refuse("it needs a count and a number of weeks of 1 or more");
            }
            if self.lateness.iter().skip(i + 1).any(|r| r.id == rule.id) {
                return refuse("two lateness rules have this id");
            }
            unique_steps(&rule.steps)?;
        }
        Ok(())
    }
}

fn check_percentage(threshold: Threshold) -> Result<(), ProceduresError> {
    if threshold.hundredths() > 10_000 {
        return Err(ProceduresError::Percentage(threshold.to_string()));
    }
    Ok(())
}

fn unique_steps(steps: &[Step]) -> Result<(), ProceduresError> {
    for (i, step) in steps.iter().enumerate() {
        if steps.iter().skip(i + 1).any(|s| s.id == step.id) {
            return Err(ProceduresError::DuplicateStep(step.id.clone()));
        }
    }
    Ok(())
}
