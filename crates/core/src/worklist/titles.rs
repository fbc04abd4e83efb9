//! What a worklist rule is called when a person reads it, as in a pupil's chronology: the
//! school's own words for the steps its policy sets, the statutory duties by their names.

use super::slug;
use crate::procedures::{Procedures, Step};

/// The duties every school has and the dates a case file sets, by rule.
const FIXED: [(&str, &str); 23] = [
    (
        "statutory.continuous_absence",
        "Continuous absence: tell the local authority",
    ),
    ("statutory.deletion", "Deletion from the admission register"),
    (
        "statutory.n_overdue",
        "Reason for absence still unknown (N)",
    ),
    ("penalty.consider", "Consider a penalty notice"),
    ("penalty.notice_to_improve", "Consider a notice to improve"),
    (
        "penalty.other_interventions",
        "Other legal interventions: no further penalty notice",
    ),
    ("penalty.payment", "Penalty notice: payment due"),
    ("notice_to_improve.result", "Notice to improve: its result"),
    ("meeting.action", "An action agreed at a meeting"),
    ("meeting.review", "A meeting's review"),
    ("plan.review", "Support plan or contract: review"),
    ("plan.end", "Support plan or contract: end"),
    ("part_time.review", "Part-time timetable: review"),
    ("part_time.end", "Part-time timetable: end"),
    (
        "part_time.la",
        "Part-time timetable: tell the local authority",
    ),
    (
        "illness.ehcp_la",
        "EHCP and falling attendance: tell the local authority",
    ),
    (
        "illness.medical_evidence",
        "Illness: ask for medical evidence",
    ),
    (
        "illness.sickness_return",
        "Sickness return to the local authority",
    ),
    (
        "leave.place_at_risk",
        "Unauthorised leave: the place is at risk",
    ),
    ("leave.refused_taken", "Leave refused but taken"),
    ("home_school.notify", "Tell the home school"),
    ("home_school.update", "Update from the home school"),
    ("vulnerability.face_to_face", "Face-to-face contact"),
];

/// The title of `rule` (`stage.listen.letter_1`), or `None` for a rule this school's
/// procedures do not name.
pub fn rule_title(procedures: &Procedures, rule: &str) -> Option<String> {
    if let Some((_, title)) = FIXED.iter().find(|(id, _)| *id == rule) {
        return Some((*title).to_owned());
    }
    let (family, rest) = rule.split_once('.')?;
    let step = |steps: &[Step], id: &str| steps.iter().find(|s| s.id == id).map(|s| s.what.clone());
    match family {
        "first_day" => {
            let sessions = [&procedures.first_day.am, &procedures.first_day.pm];
            sessions
                .into_iter()
                .flatten()
                .flat_map(|s| [&s.text_at_close, &s.call])
                .flatten()
                .find(|s| s.id == rest)
                .map(|s| s.what.clone())
        }
        "welfare" => step(&procedures.welfare.as_ref()?.steps, rest),
        "early_warning" => procedures
            .early_warning
            .as_ref()
            .filter(|e| e.step.id == rest)
            .map(|e| e.step.what.clone()),
        "escalation" => procedures
            .escalations
            .iter()
            .find(|e| e.step.id == rest)
            .map(|e| e.step.what.clone()),
        "band" => {
            let (band, id) = rest.split_once('.')?;
            let band = procedures.bands.iter().find(|b| slug(&b.name) == band)?;
            step(&band.steps, id)
        }
        "stage" => {
            let (stage, id) = rest.split_once('.')?;
            let stage = procedures.stages.iter().find(|s| s.id == stage)?;
            step(&stage.steps, id).map(|what| format!("{}: {what}", stage.name))
        }
        "lateness" => {
            let (rule, id) = rest.split_once('.')?;
            step(
                &procedures.lateness.iter().find(|l| l.id == rule)?.steps,
                id,
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_their_titles() {
        let procedures = Procedures::default();
        let table = [
            // The national framework's steps, whatever the school's policy.
            ("penalty.consider", Some("Consider a penalty notice")),
            (
                "penalty.other_interventions",
                Some("Other legal interventions: no further penalty notice"),
            ),
            (
                "statutory.deletion",
                Some("Deletion from the admission register"),
            ),
            // A step this school's procedures do not have.
            ("stage.listen.letter_1", None),
            ("nonsense", None),
        ];
        for (rule, expect) in table {
            assert_eq!(rule_title(&procedures, rule).as_deref(), expect, "{rule}");
        }
    }
}
