//! The letters rollcall prints, each with a default wording from the seed policies that a
//! school may replace. Wordings are text with merge fields in double braces, as for messages;
//! paragraphs are separated by a blank line.

use std::collections::{BTreeMap, BTreeSet};

use rollcall_messages::{Fields, TemplateError};
use serde::{Deserialize, Serialize};

/// Which letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterKind {
    /// Seed 001 annex 5: attendance below 96%, sharing the learning-hours table.
    Letter1,
    /// Seed 001 annex 6a: below 90%, an attendance support meeting and the penalty framework.
    Letter2,
    /// Seed 001 annex 7a: no improvement, an attendance contract meeting.
    Letter3,
    /// Seed 000: School Attendance Letter 1, with the attendance certificate.
    Sal1,
    /// Seed 000: School Attendance Letter 2, no improvement in three weeks.
    Sal2,
    /// Seed 002: the half-termly traffic-light letter to every family.
    TrafficLight,
    /// Seed 002 and seed 000: a certificate for 100% attendance.
    Certificate,
    /// Seed 000: "Recognising and rewarding most improved": a certificate for attendance that
    /// rose.
    Improvement,
    /// The headteacher's decision on leave of absence.
    LeaveDecision,
    /// A notice to improve (National Framework for Penalty Notices 2024).
    NoticeToImprove,
}

/// How a letter is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A letter to a parent.
    Letter,
    /// A certificate for the pupil.
    Certificate,
}

/// The merge fields every letter may use, each with an example.
pub const FIELDS: &[(&str, &str)] = &[
    ("school_name", "Beecroft Primary"),
    ("school_phone", "0113 496 0000"),
    ("date", "23 November 2026"),
    ("contact_name", "Sarah Able"),
    ("salutation", "Mrs Able"),
    ("legal_name", "Amelia Able"),
    ("preferred_name", "Amy"),
    ("registration_group", "3A"),
    ("attendance_percent", "89.5"),
    ("sessions_missed", "14"),
    ("unauthorised_sessions", "6"),
    ("meeting_date", "Tuesday 1 December 2026"),
    ("meeting_time", "09:30"),
    ("traffic_light", "Amber"),
    ("period", "Autumn 2026, first half term"),
    ("dates", "Monday 7 December 2026 to Friday 11 December 2026"),
    ("decision", "Refused"),
    (
        "response",
        "The request does not describe exceptional circumstances.",
    ),
    ("improvement_weeks", "4"),
    ("improvement_ends", "Monday 21 December 2026"),
    (
        "support_given",
        "An attendance support meeting and a targeted support plan.",
    ),
    ("support_available", "Early help and the school nurse."),
    (
        "sufficient_improvement",
        "No unauthorised absence during the improvement period.",
    ),
    ("signatory", "Jo Bloggs"),
    ("signatory_position", "Headteacher"),
];

const PENALTY_FRAMEWORK: &str =
    "Under the National Framework for Penalty Notices, all schools are \
required to consider a penalty notice when a child has missed 10 or more sessions (5 days) for \
unauthorised reasons within a rolling period of 10 school weeks.

A penalty notice is £80 if paid within 21 days, or £160 if paid after this but within 28 days. \
A second notice to the same parent for the same child within three years of the first is £160, \
with no reduction. No more than two penalty notices can be issued to a parent for the same child \
in three years: after that, the case is considered for prosecution under section 444 of the \
Education Act 1996, where the maximum fine is £2,500 or three months' imprisonment.";

impl LetterKind {
    /// Every letter, in the order the library lists them.
    pub const ALL: [LetterKind; 10] = [
        LetterKind::Letter1,
        LetterKind::Letter2,
        LetterKind::Letter3,
        LetterKind::Sal1,
        LetterKind::Sal2,
        LetterKind::TrafficLight,
        LetterKind::Certificate,
        LetterKind::Improvement,
        LetterKind::LeaveDecision,
        LetterKind::NoticeToImprove,
    ];

    /// The letter's name in data; a policy's letter step with this id prints it.
    pub fn id(self) -> &'static str {
        match self {
            LetterKind::Letter1 => "letter_1",
            LetterKind::Letter2 => "letter_2",
            LetterKind::Letter3 => "letter_3",
            LetterKind::Sal1 => "sal1",
            LetterKind::Sal2 => "sal2",
            LetterKind::TrafficLight => "traffic_light",
            LetterKind::Certificate => "certificate",
            LetterKind::Improvement => "improvement",
            LetterKind::LeaveDecision => "leave_decision",
            LetterKind::NoticeToImprove => "notice_to_improve",
        }
    }

    /// Reads a letter's name.
    pub fn parse(text: &str) -> Option<LetterKind> {
        LetterKind::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How staff know it.
    pub fn title(self) -> &'static str {
        match self {
            LetterKind::Letter1 => "Low attendance letter 1",
            LetterKind::Letter2 => "Low attendance letter 2 (attendance support meeting)",
            LetterKind::Letter3 => "Low attendance letter 3 (attendance contract meeting)",
            LetterKind::Sal1 => "School attendance letter 1 (SAL 1)",
            LetterKind::Sal2 => "School attendance letter 2 (SAL 2)",
            LetterKind::TrafficLight => "Half-termly traffic-light letter",
            LetterKind::Certificate => "Certificate: 100% attendance",
            LetterKind::Improvement => "Certificate: most improved attendance",
            LetterKind::LeaveDecision => "Decision on leave of absence",
            LetterKind::NoticeToImprove => "Notice to improve",
        }
    }

    /// How it is laid out.
    pub fn layout(self) -> Layout {
        match self {
            LetterKind::Certificate | LetterKind::Improvement => Layout::Certificate,
            _ => Layout::Letter,
        }
    }

    /// Whether the learning-hours table goes with it (seed 001 letter 1; seed 000 SAL 1;
    /// seed 002's traffic-light letter).
    pub fn has_learning_hours(self) -> bool {
        matches!(
            self,
            LetterKind::Letter1 | LetterKind::Sal1 | LetterKind::TrafficLight
        )
    }

    /// The default subject line.
    pub fn default_subject(self) -> &'static str {
        match self {
            LetterKind::Letter1 => "Re: Low attendance letter 1",
            LetterKind::Letter2 => "Re: Low attendance letter 2",
            LetterKind::Letter3 => "Re: Low attendance letter 3",
            LetterKind::Sal1 => "School attendance letter 1",
            LetterKind::Sal2 => "School attendance letter 2",
            LetterKind::TrafficLight => "{{ preferred_name }}'s attendance: {{ traffic_light }}",
            LetterKind::Certificate => "Certificate of 100% attendance",
            LetterKind::Improvement => "Certificate for improved attendance",
            LetterKind::LeaveDecision => "Your request for leave of absence: {{ decision }}",
            LetterKind::NoticeToImprove => "Notice to improve",
        }
    }

    /// The default wording, from the seed policies.
    pub fn default_body(self) -> String {
        match self {
            LetterKind::Letter1 => "We hope you are well. We understand the importance of working together to support attendance in school. The first stage of our approach to attendance is helping you to understand your own child's missed sessions. According to our records, {{ preferred_name }}'s attendance for this academic year currently stands at {{ attendance_percent }}%. This reflects a total of {{ sessions_missed }} missed sessions since the start of the academic year.

All attendance, whatever the reason, is coded. We understand that these absences may be due to illness, lates or other authorised reasons, and every family will be different. Every moment in school counts and days missed add up quickly. Being in school daily is important to your child's achievement, wellbeing and social development. The table below shows the learning that is missed when children are absent from school.

To help us to correctly identify absences, please tell the school each day that {{ preferred_name }} is unable to attend. Where children are unwell, we advise parents to follow the NHS advice \"Is my child too ill for school?\".

We are here to listen and understand your family context. If there is anything we can do to support you, {{ preferred_name }}'s class teacher would be happy to meet you. You can see the full details of {{ preferred_name }}'s attendance in the parent portal; if you feel there may be any discrepancies in this record, please call us on {{ school_phone }}.

Working together, we can support {{ preferred_name }} to feel happy attending school daily. Thank you for your continued support.".into(),
            LetterKind::Letter2 => format!("We understand the importance of working together to support {{{{ preferred_name }}}}'s attendance. Following our last communication, we have noticed that {{{{ preferred_name }}}}'s attendance continues to be low. It has dropped to {{{{ attendance_percent }}}}%, which means {{{{ preferred_name }}}} has now missed {{{{ sessions_missed }}}} sessions this academic year.

Whilst we understand that some absences may be due to illness or other authorised circumstances, the growing number of sessions missed can affect the progress, attainment and wellbeing of children. For full details of {{{{ preferred_name }}}}'s attendance, please see the parent portal; if you do not agree with the record, please call the office on {{{{ school_phone }}}}.

We would like to meet you as a family, to listen and understand any barriers to {{{{ preferred_name }}}} attending school, and to agree an Attendance Targeted Support Plan together. We have made an appointment for {{{{ meeting_date }}}} at {{{{ meeting_time }}}}. We are happy to hold it as an online call if that is easier. Please call the school office to let us know if you can attend, or to arrange another time.

Please be advised that we will be unable to authorise further absence for illness unless you can provide evidence of contact with a medical professional: an appointment card, a text or email, a prescription or sight of the medication prescribed.

The statutory information below explains the next steps that may be taken in the future when absence is avoidable or attendance is not improving. Please be assured that there is no further action at this time.

{PENALTY_FRAMEWORK}

If you have any questions, please contact us through the office."),
            LetterKind::Letter3 => format!("We understand the importance of working together to support {{{{ preferred_name }}}}'s attendance. Following our last communication, {{{{ preferred_name }}}}'s attendance has shown no improvement. It has dropped to {{{{ attendance_percent }}}}%, which means {{{{ preferred_name }}}} has now missed {{{{ sessions_missed }}}} sessions this academic year.

At this point, we need to work together to make a difference for {{{{ preferred_name }}}}. We invite you to a team around the child meeting in school at {{{{ meeting_time }}}} on {{{{ meeting_date }}}}, with your child's class teacher, our attendance champion and the local authority's attendance team, to understand the challenges and agree an Attendance Contract that removes the barriers to {{{{ preferred_name }}}} being in school daily.

Should {{{{ preferred_name }}}}'s attendance fall further, we may need to move to the enforcement stage of our policy, which could result in a referral to the local authority for legal action. We are not yet at this stage, but the statutory information below explains what could follow.

{PENALTY_FRAMEWORK}

There is no legal right of appeal against a penalty notice once issued. We remain unable to authorise absence for illness without evidence of contact with a medical professional. We look forward to working together with you to support {{{{ preferred_name }}}}."),
            LetterKind::Sal1 => "We are writing to let you know about {{ preferred_name }}'s attendance, which is {{ attendance_percent }}% this year: {{ sessions_missed }} sessions missed. A copy of {{ preferred_name }}'s attendance record is enclosed.

Every day counts. The table below shows how quickly missed days add up to lost learning over a school year.

If anything is making it difficult for {{ preferred_name }} to attend, please contact us on {{ school_phone }}: our attendance officer and family liaison officer are here to help, and can put you in touch with other support, including early help.".into(),
            LetterKind::Sal2 => "We wrote to you recently about {{ preferred_name }}'s attendance. Over the three weeks since, it has not improved: it is now {{ attendance_percent }}%, with {{ sessions_missed }} sessions missed this year.

We would like to invite you to an attendance support meeting on {{ meeting_date }} at {{ meeting_time }}, with our attendance officer and, where appropriate, the home school and the education welfare officer, to talk about any barriers and agree a plan with targets, so that {{ preferred_name }} can make the most of every day.

Please call us on {{ school_phone }} to confirm, or to arrange another time.".into(),
            LetterKind::TrafficLight => "This half term ({{ period }}) {{ preferred_name }}'s attendance is {{ attendance_percent }}%, which puts {{ preferred_name }} in our {{ traffic_light }} group.

Green (96% and above) is excellent attendance, and we celebrate 100% with certificates. Yellow (95% and below) means too many days off: your child's teacher will keep an eye on attendance. Amber (91%) is a serious concern, and we will invite you to a School Attendance Panel meeting with the headteacher. Red (90% and below) is persistent absence: there will be a School Attendance Panel meeting, and if attendance does not improve the case will be passed to the local authority.

The table below shows how quickly days off add up. If you need any help with attendance, please call us on {{ school_phone }}.".into(),
            LetterKind::Certificate => "This certificate is awarded to {{ preferred_name }} {{ legal_name }} of {{ registration_group }} for 100% attendance: {{ period }}.

Well done!".into(),
            LetterKind::Improvement => "This certificate is awarded to {{ preferred_name }} {{ legal_name }} of {{ registration_group }} for improving their attendance to {{ attendance_percent }}%: {{ period }}.

Every day counts. Well done!".into(),
            LetterKind::LeaveDecision => "You asked for leave of absence for {{ preferred_name }} ({{ dates }}). The headteacher's decision: {{ decision }}.

{{ response }}

Leave is granted only in exceptional circumstances. Absence that has not been granted is unauthorised, and the school must consider a penalty notice when a pupil has 10 sessions of unauthorised absence within 10 school weeks.".into(),
            LetterKind::NoticeToImprove => format!("This is a notice to improve {{{{ preferred_name }}}}'s attendance: a final opportunity to engage with support before a penalty notice is considered.

{{{{ preferred_name }}}}'s attendance this year is {{{{ attendance_percent }}}}%, with {{{{ sessions_missed }}}} sessions missed, {{{{ unauthorised_sessions }}}} of them unauthorised. Regular attendance is essential for your child's learning, wellbeing and future; as a parent, you have a legal duty under section 7 of the Education Act 1996 to make sure your child receives a suitable full-time education.

The support we have already given: {{{{ support_given }}}}

The further support available to you: {{{{ support_available }}}}

The improvement period is {{{{ improvement_weeks }}}} weeks, ending {{{{ improvement_ends }}}}. Sufficient improvement means: {{{{ sufficient_improvement }}}}

If attendance does not improve sufficiently in that time, a penalty notice may be issued or the local authority may consider prosecution. A penalty notice may be issued before the period ends if there is further unauthorised absence without good reason.

{PENALTY_FRAMEWORK}"),
        }
    }
}

/// Merge fields by name, with [`FIELDS`]' examples.
pub fn example_fields() -> Fields {
    FIELDS
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect()
}

/// The prefix of a letter's name among a school's saved templates.
pub const SAVED_PREFIX: &str = "letter.";

/// A school's wording of each letter: its own where it has saved one, rollcall's otherwise.
#[derive(Debug, Clone, Default)]
pub struct Letters {
    own: BTreeMap<&'static str, (String, String)>,
}

impl Letters {
    /// With the school's saved templates (name, subject, body); names other than
    /// `letter.{id}` are ignored.
    pub fn new(saved: impl IntoIterator<Item = (String, String, String)>) -> Letters {
        Letters {
            own: saved
                .into_iter()
                .filter_map(|(name, subject, body)| {
                    let kind = LetterKind::parse(name.strip_prefix(SAVED_PREFIX)?)?;
                    Some((kind.id(), (subject, body)))
                })
                .collect(),
        }
    }

    /// The subject and body of a letter.
    pub fn get(&self, kind: LetterKind) -> (String, String) {
        match self.own.get(kind.id()) {
            Some((subject, body)) => (subject.clone(), body.clone()),
            None => (kind.default_subject().to_owned(), kind.default_body()),
        }
    }

    /// Whether the school has its own wording.
    pub fn is_own(&self, kind: LetterKind) -> bool {
        self.own.contains_key(kind.id())
    }

    /// Checks a wording a school wants to save: it must render with the letter fields, and use
    /// no others.
    pub fn check(subject: &str, body: &str) -> Result<(), TemplateError> {
        rollcall_messages::render(subject, body, &example_fields()).map(|_| ())
    }

    /// The merge fields a letter's wording uses.
    pub fn fields_used(&self, kind: LetterKind) -> Result<BTreeSet<String>, TemplateError> {
        let (subject, body) = self.get(kind);
        rollcall_messages::fields_used(&subject, &body)
    }

    /// The subject and paragraphs of a letter, merged.
    pub fn merge(
        &self,
        kind: LetterKind,
        fields: &Fields,
    ) -> Result<(String, Vec<Vec<String>>), TemplateError> {
        let (subject, body) = self.get(kind);
        let (subject, body) = rollcall_messages::render(&subject, &body, fields)?;
        Ok((subject, paragraphs(&body)))
    }
}

/// Paragraphs separated by blank lines, each as its lines.
fn paragraphs(body: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in body.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.to_owned());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_merges_with_the_example_fields() {
        for kind in LetterKind::ALL {
            let (subject, body) = Letters::default()
                .merge(kind, &example_fields())
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(!subject.is_empty(), "{kind:?}");
            assert!(!body.is_empty(), "{kind:?}");
            assert!(body.iter().flatten().all(|l| !l.contains("{{")), "{kind:?}");
            assert_eq!(LetterKind::parse(kind.id()), Some(kind));
        }
    }

    #[test]
    fn a_school_wording_replaces_the_default_and_is_checked() {
        let own = Letters::new([
            (
                "letter.letter_1".to_owned(),
                "Attendance".to_owned(),
                "Dear family,\n{{ preferred_name }} is at {{ attendance_percent }}%.\n\nThanks"
                    .to_owned(),
            ),
            (
                "register_close".to_owned(),
                String::new(),
                "not a letter".to_owned(),
            ),
        ]);
        let (subject, body) = own
            .merge(LetterKind::Letter1, &example_fields())
            .unwrap_or_default();
        assert_eq!(subject, "Attendance");
        assert_eq!(
            body,
            vec![
                vec!["Dear family,".to_owned(), "Amy is at 89.5%.".to_owned()],
                vec!["Thanks".to_owned()]
            ]
        );
        assert!(own.is_own(LetterKind::Letter1) && !own.is_own(LetterKind::Letter2));
        assert!(Letters::check("", "{{ preferred_name }}").is_ok());
        let err = Letters::check("", "{{ shoe_size }}")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("undefined")));
    }
}
