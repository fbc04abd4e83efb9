//! The `[procedures]` section of a policy file: first-day contact, escalation, vulnerability,
//! bands, graduated-response stages, penalty notices, leave, illness and home schools.
//!
//! Documented in `docs/formats.md`. Like the rest of the policy, every value keeps its position so
//! that an error names its line and key.

use std::ops::Range;

use rollcall_core::procedures::{Frequency, ReturnSettings};
use rollcall_core::{
    ActionKind, Band, Code, EarlyWarning, Escalation, FirstDay, FirstDaySession, Flag, HomeSchool,
    Illness, Lateness, Leave, Penalty, Procedures, ProceduresError, RiskScoring, Stage, Statutory,
    Step, Threshold, Vulnerability, Welfare, YearGroup,
};
use serde::Deserialize;
use toml::Spanned;

use crate::error::FileError;
use crate::policy::{TimeValue, hundredths, time_of};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProcedures {
    minimum_sessions: Option<u64>,
    retry_minutes: Option<u32>,
    first_day: Option<RawFirstDay>,
    #[serde(default)]
    escalations: Vec<RawEscalation>,
    welfare: Option<RawWelfare>,
    vulnerability: Option<RawVulnerability>,
    #[serde(default)]
    bands: Vec<RawBand>,
    #[serde(default)]
    stages: Vec<RawStage>,
    #[serde(default)]
    lateness: Vec<RawLateness>,
    penalty: Option<RawPenalty>,
    leave: Option<RawLeave>,
    illness: Option<RawIllness>,
    home_school: Option<RawHomeSchool>,
    early_warning: Option<RawEarlyWarning>,
    statutory: Option<RawStatutory>,
    letters: Option<RawLetters>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLetters {
    #[serde(default)]
    skip_low_attendance: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    kind: Spanned<String>,
    what: String,
    who: String,
    #[serde(default)]
    within_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFirstDay {
    source: String,
    am: Option<RawFirstDaySession>,
    pm: Option<RawFirstDaySession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFirstDaySession {
    parent_deadline: Spanned<TimeValue>,
    text_at_close: Option<RawStep>,
    call: Option<RawStep>,
}

/// A step's keys written out beside `day`, not flattened: serde cannot deny unknown keys
/// through a flatten, and a misspelt key must be an error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalation {
    day: Spanned<u32>,
    id: String,
    kind: Spanned<String>,
    what: String,
    who: String,
    #[serde(default)]
    within_days: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWelfare {
    flags: Vec<Spanned<String>>,
    steps: Vec<RawStep>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVulnerability {
    red: Vec<Spanned<String>>,
    amber: Vec<Spanned<String>>,
    #[serde(default)]
    persistent_absence_is_amber: bool,
    face_to_face_every: Spanned<RawEvery>,
    who: String,
    risk: Option<Spanned<RawRisk>>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvery {
    red: u32,
    amber: u32,
    green: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    red_from: u8,
    amber_from: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    name: Spanned<String>,
    below: Option<Spanned<f64>>,
    at_or_below: Option<Spanned<f64>>,
    #[serde(default)]
    steps: Vec<RawStep>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: Spanned<String>,
    name: String,
    below: Option<Spanned<f64>>,
    at_or_below: Option<Spanned<f64>>,
    or_falling_below: Option<Spanned<f64>>,
    no_improvement_weeks: Option<u32>,
    min_weeks_since_previous: Option<u32>,
    steps: Vec<RawStep>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLateness {
    id: Spanned<String>,
    codes: Vec<Spanned<String>>,
    count: u32,
    within_weeks: u32,
    steps: Vec<RawStep>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPenalty {
    notice_to_improve_weeks: Option<Spanned<u32>>,
    who: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeave {
    notice_days: u32,
    religious_observance_days: Option<u32>,
    place_at_risk_days: Option<u32>,
    longest_days: Option<u32>,
    who: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIllness {
    medical_evidence_after_days: Option<u32>,
    sickness_return_to: String,
    ehcp_notify_la_below: Option<Spanned<f64>>,
    who: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEarlyWarning {
    id: String,
    kind: Spanned<String>,
    what: String,
    who: String,
    #[serde(default)]
    within_days: u32,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHomeSchool {
    update_within_minutes: u32,
    who: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatutory {
    office: String,
    deletion: String,
    la_email: Option<String>,
    cme_email: Option<String>,
    attendance_return: Option<Spanned<String>>,
    first_year: Option<Spanned<String>>,
    #[serde(default)]
    junior_returns_asked: bool,
    final_year: Option<Spanned<String>>,
}

/// Where an error is: the span of the value and its key.
type At<'a> = dyn Fn(Range<usize>, &str, String) -> FileError + 'a;

impl RawProcedures {
    /// Validates the section into [`Procedures`]. `whole` is the section's span, for errors that
    /// concern several values.
    pub(crate) fn validate(
        self,
        whole: Range<usize>,
        at: &At<'_>,
    ) -> Result<Procedures, FileError> {
        let defaults = Procedures::default();
        let first_day = match self.first_day {
            None => FirstDay::default(),
            Some(f) => FirstDay {
                am: f
                    .am
                    .map(|s| first_day_session(s, "procedures.first_day.am", at))
                    .transpose()?,
                pm: f
                    .pm
                    .map(|s| first_day_session(s, "procedures.first_day.pm", at))
                    .transpose()?,
                source: f.source,
            },
        };
        let mut escalations = Vec::new();
        for (i, e) in self.escalations.into_iter().enumerate() {
            let field = format!("procedures.escalations[{i}]");
            if *e.day.get_ref() == 0 {
                return Err(at(
                    e.day.span(),
                    &format!("{field}.day"),
                    "days of absence count from 1".into(),
                ));
            }
            let raw = RawStep {
                id: e.id,
                kind: e.kind,
                what: e.what,
                who: e.who,
                within_days: e.within_days,
            };
            escalations.push(Escalation {
                day: *e.day.get_ref(),
                step: step(raw, &field, at)?,
                source: e.source,
            });
        }
        let welfare = self
            .welfare
            .map(|w| -> Result<Welfare, FileError> {
                Ok(Welfare {
                    flags: flags(&w.flags, "procedures.welfare.flags", at)?,
                    steps: steps(w.steps, "procedures.welfare.steps", at)?,
                    source: w.source,
                })
            })
            .transpose()?;
        let vulnerability = self
            .vulnerability
            .map(|v| -> Result<Vulnerability, FileError> {
                let every = v.face_to_face_every.get_ref();
                Ok(Vulnerability {
                    red: flags(&v.red, "procedures.vulnerability.red", at)?,
                    amber: flags(&v.amber, "procedures.vulnerability.amber", at)?,
                    persistent_absence_is_amber: v.persistent_absence_is_amber,
                    face_to_face_every: [every.red, every.amber, every.green],
                    who: v.who,
                    risk: v.risk.map(|r| RiskScoring {
                        red_from: r.get_ref().red_from,
                        amber_from: r.get_ref().amber_from,
                    }),
                    source: v.source,
                })
            })
            .transpose()?;
        let mut bands = Vec::new();
        for (i, b) in self.bands.into_iter().enumerate() {
            let field = format!("procedures.bands[{i}]");
            bands.push(Band {
                name: b.name.get_ref().clone(),
                threshold: threshold(b.below, b.at_or_below, &field, at)?,
                steps: steps(b.steps, &format!("{field}.steps"), at)?,
                source: b.source,
            });
        }
        let mut stages = Vec::new();
        for (i, s) in self.stages.into_iter().enumerate() {
            let field = format!("procedures.stages[{i}]");
            let Some(limit) = threshold(s.below, s.at_or_below, &field, at)? else {
                return Err(at(
                    s.id.span(),
                    &field,
                    "a stage needs a threshold: below = 96 or at_or_below = 90".into(),
                ));
            };
            stages.push(Stage {
                id: s.id.get_ref().clone(),
                name: s.name,
                threshold: limit,
                or_falling: s
                    .or_falling_below
                    .map(|v| percent(&v, &format!("{field}.or_falling_below"), at))
                    .transpose()?
                    .map(Threshold::Below),
                no_improvement_weeks: s.no_improvement_weeks,
                min_weeks_since_previous: s.min_weeks_since_previous,
                steps: steps(s.steps, &format!("{field}.steps"), at)?,
                source: s.source,
            });
        }
        let mut lateness = Vec::new();
        for (i, l) in self.lateness.into_iter().enumerate() {
            let field = format!("procedures.lateness[{i}]");
            let mut codes = Vec::new();
            for code in &l.codes {
                let parsed = Code::parse(code.get_ref())
                    .ok()
                    .filter(|c| c.is_late())
                    .ok_or_else(|| {
                        at(
                            code.span(),
                            &format!("{field}.codes"),
                            format!("{:?} is not a late code: L or U", code.get_ref()),
                        )
                    })?;
                codes.push(parsed);
            }
            lateness.push(Lateness {
                id: l.id.get_ref().clone(),
                codes,
                count: l.count,
                within_weeks: l.within_weeks,
                steps: steps(l.steps, &format!("{field}.steps"), at)?,
                source: l.source,
            });
        }
        let penalty_span = self
            .penalty
            .as_ref()
            .and_then(|p| p.notice_to_improve_weeks.as_ref().map(|w| w.span()));
        let penalty = match self.penalty {
            None => defaults.penalty,
            Some(p) => Penalty {
                notice_to_improve_weeks: p.notice_to_improve_weeks.map(|w| *w.get_ref()),
                who: p.who,
                source: p.source,
            },
        };
        let illness = self
            .illness
            .map(|i| -> Result<Illness, FileError> {
                Ok(Illness {
                    medical_evidence_after_days: i.medical_evidence_after_days,
                    sickness_return_to: i.sickness_return_to,
                    ehcp_notify_la: i
                        .ehcp_notify_la_below
                        .map(|v| percent(&v, "procedures.illness.ehcp_notify_la_below", at))
                        .transpose()?
                        .map(Threshold::Below),
                    who: i.who,
                    source: i.source,
                })
            })
            .transpose()?;
        let procedures = Procedures {
            first_day,
            escalations,
            welfare,
            vulnerability,
            bands,
            stages,
            minimum_sessions: self.minimum_sessions.unwrap_or(defaults.minimum_sessions),
            retry_minutes: self.retry_minutes.unwrap_or(defaults.retry_minutes),
            lateness,
            penalty,
            leave: self.leave.map(|l| Leave {
                notice_days: l.notice_days,
                religious_observance_days: l.religious_observance_days,
                place_at_risk_days: l.place_at_risk_days,
                longest_days: l.longest_days,
                who: l.who,
                source: l.source,
            }),
            illness,
            early_warning: match self.early_warning {
                Some(e) => Some(EarlyWarning {
                    step: step(
                        RawStep {
                            id: e.id,
                            kind: e.kind,
                            what: e.what,
                            who: e.who,
                            within_days: e.within_days,
                        },
                        "procedures.early_warning",
                        at,
                    )?,
                    source: e.source,
                }),
                None => None,
            },
            home_school: self.home_school.map(|h| HomeSchool {
                update_within_minutes: h.update_within_minutes,
                who: h.who,
                source: h.source,
            }),
            statutory: match self.statutory {
                Some(s) => statutory(s, at)?,
                None => defaults.statutory,
            },
            skip_low_attendance_letters: match &self.letters {
                Some(l) => flags(
                    &l.skip_low_attendance,
                    "procedures.letters.skip_low_attendance",
                    at,
                )?,
                None => Vec::new(),
            },
        };
        procedures.validate().map_err(|e| {
            let (span, field) = match &e {
                ProceduresError::ImprovementPeriod(_) => (
                    penalty_span.unwrap_or(whole.clone()),
                    "procedures.penalty.notice_to_improve_weeks",
                ),
                ProceduresError::BandOrder(_) => (whole.clone(), "procedures.bands"),
                ProceduresError::EscalationOrder(_) => (whole.clone(), "procedures.escalations"),
                ProceduresError::ZeroInterval | ProceduresError::RiskScoring => {
                    (whole.clone(), "procedures.vulnerability")
                }
                ProceduresError::Percentage(_) | ProceduresError::DuplicateStep(_) => {
                    (whole.clone(), "procedures")
                }
                ProceduresError::Lateness(..) => (whole.clone(), "procedures.lateness"),
            };
            at(span, field, e.to_string())
        })?;
        Ok(procedures)
    }
}

fn first_day_session(
    raw: RawFirstDaySession,
    field: &str,
    at: &At<'_>,
) -> Result<FirstDaySession, FileError> {
    let deadline = time_of(raw.parent_deadline.get_ref()).map_err(|e| {
        at(
            raw.parent_deadline.span(),
            &format!("{field}.parent_deadline"),
            e,
        )
    })?;
    Ok(FirstDaySession {
        parent_deadline: deadline,
        text_at_close: raw
            .text_at_close
            .map(|s| step(s, &format!("{field}.text_at_close"), at))
            .transpose()?,
        call: raw
            .call
            .map(|s| step(s, &format!("{field}.call"), at))
            .transpose()?,
    })
}

fn step(raw: RawStep, field: &str, at: &At<'_>) -> Result<Step, FileError> {
    let kind = ActionKind::parse(raw.kind.get_ref()).ok_or_else(|| {
        let kinds: Vec<&str> = ActionKind::ALL.iter().map(|k| k.id()).collect();
        at(
            raw.kind.span(),
            &format!("{field}.kind"),
            format!(
                "{:?} is not a kind of action; use one of {}",
                raw.kind.get_ref(),
                kinds.join(", ")
            ),
        )
    })?;
    Ok(Step {
        id: raw.id,
        kind,
        what: raw.what,
        who: raw.who,
        within_days: raw.within_days,
    })
}

fn steps(raw: Vec<RawStep>, field: &str, at: &At<'_>) -> Result<Vec<Step>, FileError> {
    raw.into_iter()
        .enumerate()
        .map(|(i, s)| step(s, &format!("{field}[{i}]"), at))
        .collect()
}

fn statutory(s: RawStatutory, at: &At<'_>) -> Result<Statutory, FileError> {
    let year = |raw: &Option<Spanned<String>>, field: &str| {
        raw.as_ref()
            .map(|y| YearGroup::parse(y.get_ref()).map_err(|e| at(y.span(), field, e.to_string())))
            .transpose()
    };
    let attendance_every = match &s.attendance_return {
        None => Frequency::default(),
        Some(f) => Frequency::parse(f.get_ref()).ok_or_else(|| {
            at(
                f.span(),
                "procedures.statutory.attendance_return",
                format!(
                    "{:?} is not weekly, fortnightly or monthly (the return is made at least monthly)",
                    f.get_ref()
                ),
            )
        })?,
    };
    Ok(Statutory {
        office: s.office,
        deletion: s.deletion,
        returns: ReturnSettings {
            la_email: s.la_email,
            cme_email: s.cme_email,
            attendance_every,
            first_year: year(&s.first_year, "procedures.statutory.first_year")?,
            junior_returns_asked: s.junior_returns_asked,
            final_year: year(&s.final_year, "procedures.statutory.final_year")?,
        },
    })
}

fn flags(raw: &[Spanned<String>], field: &str, at: &At<'_>) -> Result<Vec<Flag>, FileError> {
    raw.iter()
        .map(|f| {
            Flag::parse(f.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = Flag::ALL.iter().map(|f| f.id()).collect();
                at(
                    f.span(),
                    field,
                    format!(
                        "{:?} is not a flag; use one of {}",
                        f.get_ref(),
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

fn percent(value: &Spanned<f64>, field: &str, at: &At<'_>) -> Result<u16, FileError> {
    hundredths(*value.get_ref()).map_err(|found| {
        at(
            value.span(),
            field,
            format!("a percentage runs from 0 to 100; found {found}"),
        )
    })
}

/// A threshold written as `below = 96` or `at_or_below = 90`.
fn threshold(
    below: Option<Spanned<f64>>,
    at_or_below: Option<Spanned<f64>>,
    field: &str,
    at: &At<'_>,
) -> Result<Option<Threshold>, FileError> {
    match (below, at_or_below) {
        (None, None) => Ok(None),
        (Some(b), None) => Ok(Some(Threshold::Below(percent(
            &b,
            &format!("{field}.below"),
            at,
        )?))),
        (None, Some(a)) => Ok(Some(Threshold::AtOrBelow(percent(
            &a,
            &format!("{field}.at_or_below"),
            at,
        )?))),
        (Some(b), Some(_)) => Err(at(
            b.span(),
            field,
            "give either below or at_or_below, not both".into(),
        )),
    }
}
