//! The messages rollcall sends, each with a default wording a school may replace. Templates
//! are text with merge fields in double braces (`{{ preferred_name }}`), rendered by
//! minijinja; a field a message does not have is an error when the school saves the template,
//! not a gap in a parent's text.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::{Environment, UndefinedBehavior};
use thiserror::Error;

/// Which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The text at register close to the parents of a pupil absent with no reason (seed 000
    /// appendix 2; seed 001 §5).
    RegisterClose,
    /// A report of absence accepted.
    ReportAccepted,
    /// More needed about a report of absence.
    ReportMoreInformation,
    /// The decision on a leave request.
    LeaveDecision,
    /// The school's invitation to the parent portal.
    Invitation,
    /// A link to sign in to the parent portal.
    SignInLink,
}

/// Merge fields by name.
pub type Fields = BTreeMap<&'static str, String>;

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// Not a message rollcall sends.
    #[error("{0:?} is not one of rollcall's messages")]
    Unknown(String),
    /// The text does not render.
    #[error("the {part} cannot be used: {reason}")]
    Invalid {
        /// Subject or body.
        part: &'static str,
        /// What is wrong, with the line.
        reason: String,
    },
}

impl Kind {
    /// Every message, in the order the template page lists them.
    pub const ALL: [Kind; 6] = [
        Kind::RegisterClose,
        Kind::ReportAccepted,
        Kind::ReportMoreInformation,
        Kind::LeaveDecision,
        Kind::Invitation,
        Kind::SignInLink,
    ];

    /// The template's name in data.
    pub fn id(self) -> &'static str {
        match self {
            Kind::RegisterClose => "register_close",
            Kind::ReportAccepted => "report_accepted",
            Kind::ReportMoreInformation => "report_more_information",
            Kind::LeaveDecision => "leave_decision",
            Kind::Invitation => "invitation",
            Kind::SignInLink => "sign_in_link",
        }
    }

    /// Reads a template's name.
    pub fn parse(text: &str) -> Result<Kind, TemplateError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.id() == text)
            .ok_or_else(|| TemplateError::Unknown(text.to_owned()))
    }

    /// How staff know it.
    pub fn title(self) -> &'static str {
        match self {
            Kind::RegisterClose => "Text at register close: absent with no reason",
            Kind::ReportAccepted => "Email: absence report accepted",
            Kind::ReportMoreInformation => "Email: more needed about an absence report",
            Kind::LeaveDecision => "Email: decision on leave of absence",
            Kind::Invitation => "Email: invitation to the parent portal",
            Kind::SignInLink => "Email: sign-in link",
        }
    }

    /// Whether it goes by text (else by email).
    pub fn is_text(self) -> bool {
        self == Kind::RegisterClose
    }

    /// The fields it has, each with an example for checking a school's wording.
    pub fn fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::RegisterClose => &[
                ("school_name", "Beecroft Primary"),
                ("school_phone", "0113 496 0000"),
                ("preferred_name", "Amy"),
                ("legal_name", "Amelia Able"),
                ("date", "Monday 23 November 2026"),
                ("session", "morning"),
            ],
            Kind::ReportAccepted | Kind::ReportMoreInformation => &[
                ("school_name", "Beecroft Primary"),
                ("school_phone", "0113 496 0000"),
                ("preferred_name", "Amy"),
                ("legal_name", "Amelia Able"),
                ("parent_name", "Mrs Able"),
                (
                    "dates",
                    "Tuesday 24 November 2026 to Wednesday 25 November 2026",
                ),
                ("reason", "Illness"),
                ("response", "Get well soon."),
            ],
            Kind::LeaveDecision => &[
                ("school_name", "Beecroft Primary"),
                ("school_phone", "0113 496 0000"),
                ("preferred_name", "Amy"),
                ("legal_name", "Amelia Able"),
                ("parent_name", "Mrs Able"),
                ("dates", "Monday 7 December 2026 to Friday 11 December 2026"),
                ("decision", "Granted for some days"),
                (
                    "granted",
                    "Monday 7 December 2026 to Tuesday 8 December 2026",
                ),
                (
                    "response",
                    "Granted for the funeral; the rest of the week is refused.",
                ),
            ],
            Kind::Invitation | Kind::SignInLink => &[
                ("school_name", "Beecroft Primary"),
                ("parent_name", "Mrs Able"),
                ("link", "https://rollcall.example/parent/link/abc"),
            ],
        }
    }

    /// The default subject (emails only).
    pub fn default_subject(self) -> &'static str {
        match self {
            Kind::RegisterClose => "",
            Kind::ReportAccepted => "{{ preferred_name }}'s absence: thank you",
            Kind::ReportMoreInformation => "{{ preferred_name }}'s absence: please tell us more",
            Kind::LeaveDecision => {
                "Your request for leave for {{ preferred_name }}: {{ decision }}"
            }
            Kind::Invitation => "Your invitation to {{ school_name }}'s parent portal",
            Kind::SignInLink => "Sign in to {{ school_name }}'s parent portal",
        }
    }

    /// The default wording.
    pub fn default_body(self) -> &'static str {
        match self {
            Kind::RegisterClose => {
                "{{ school_name }}: {{ preferred_name }} was not at registration this {{ session }} \
                 and we have not heard why. Please call the school office today on {{ school_phone }}."
            }
            Kind::ReportAccepted => {
                "Dear {{ parent_name }},\n\nThank you for telling us that {{ preferred_name }} will \
                 be absent ({{ dates }}, {{ reason | lower }}). We have recorded it on the register.\
                 {% if response %}\n\n{{ response }}{% endif %}\n\n{{ school_name }}\n{{ school_phone }}"
            }
            Kind::ReportMoreInformation => {
                "Dear {{ parent_name }},\n\nThank you for telling us about {{ preferred_name }}'s \
                 absence ({{ dates }}). We need a little more before we can record it:\n\n\
                 {{ response }}\n\nPlease answer in the parent portal, or call us on \
                 {{ school_phone }}.\n\n{{ school_name }}"
            }
            Kind::LeaveDecision => {
                "Dear {{ parent_name }},\n\nYou asked for leave of absence for {{ preferred_name }} \
                 ({{ dates }}). The headteacher's decision: {{ decision }}.\
                 {% if granted %}\n\nGranted: {{ granted }}.{% endif %}\n\n{{ response }}\n\n\
                 Absence that has not been granted is unauthorised, and may lead to a penalty \
                 notice.\n\n{{ school_name }}\n{{ school_phone }}"
            }
            Kind::Invitation => {
                "Dear {{ parent_name }},\n\n{{ school_name }} invites you to its parent portal, \
                 where you can see your child's attendance, tell us about an absence and ask for \
                 leave.\n\nOpen this link within 7 days to choose your password (it works once):\n\
                 {{ link }}\n\n{{ school_name }}"
            }
            Kind::SignInLink => {
                "Dear {{ parent_name }},\n\nHere is your link to sign in to {{ school_name }}'s \
                 parent portal. It works once, within 20 minutes:\n{{ link }}\n\nIf you did not \
                 ask for it, you can ignore this email."
            }
        }
    }

    /// Example fields, for checking a school's wording.
    pub fn example(self) -> Fields {
        self.fields()
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned()))
            .collect()
    }
}

/// Renders a subject and body with the fields.
pub fn render(
    subject: &str,
    body: &str,
    fields: &Fields,
) -> Result<(String, String), TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let one = |part: &'static str, text: &str| {
        env.render_str(text, fields)
            .map_err(|e| TemplateError::Invalid {
                part,
                reason: {
                    let what = e
                        .detail()
                        .map_or_else(|| e.kind().to_string(), str::to_owned);
                    match e.line() {
                        Some(line) => format!("line {line}: {what}"),
                        None => what,
                    }
                },
            })
    };
    Ok((one("subject", subject)?, one("body", body)?))
}

/// The merge fields a subject and body use.
pub fn fields_used(subject: &str, body: &str) -> Result<BTreeSet<String>, TemplateError> {
    let env = Environment::new();
    let one = |part: &'static str, text: &str| {
        env.template_from_str(text)
            .map(|t| t.undeclared_variables(false))
            .map_err(|e| TemplateError::Invalid {
                part,
                reason: e.to_string(),
            })
    };
    let mut used: BTreeSet<String> = one("subject", subject)?.into_iter().collect();
    used.extend(one("body", body)?);
    Ok(used)
}

/// A school's wording of each message: its own where it has saved one, rollcall's otherwise.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    own: BTreeMap<&'static str, (String, String)>,
}

impl Templates {
    /// With the school's saved wordings (name, subject, body); unknown names are ignored.
    pub fn new(own: impl IntoIterator<Item = (String, String, String)>) -> Templates {
        Templates {
            own: own
                .into_iter()
                .filter_map(|(name, subject, body)| {
                    Some((Kind::parse(&name).ok()?.id(), (subject, body)))
                })
                .collect(),
        }
    }

    /// The subject and body of a message.
    pub fn get(&self, kind: Kind) -> (&str, &str) {
        match self.own.get(kind.id()) {
            Some((subject, body)) => (subject, body),
            None => (kind.default_subject(), kind.default_body()),
        }
    }

    /// Whether the school has its own wording.
    pub fn is_own(&self, kind: Kind) -> bool {
        self.own.contains_key(kind.id())
    }

    /// Renders a message.
    pub fn render(&self, kind: Kind, fields: &Fields) -> Result<(String, String), TemplateError> {
        let (subject, body) = self.get(kind);
        render(subject, body, fields)
    }

    /// Checks a wording a school wants to save: it must render with the message's fields, and
    /// use no others.
    pub fn check(kind: Kind, subject: &str, body: &str) -> Result<(), TemplateError> {
        render(subject, body, &kind.example()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_with_its_fields() {
        for kind in Kind::ALL {
            let (subject, body) = Templates::default()
                .render(kind, &kind.example())
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(!body.contains("{{"), "{kind:?}: {body}");
            assert_eq!(subject.is_empty(), kind.is_text(), "{kind:?}");
            assert_eq!(Kind::parse(kind.id()), Ok(kind));
        }
    }

    #[test]
    fn the_fields_a_wording_uses() {
        let used = fields_used(
            "{{ preferred_name }}'s attendance",
            "{% if meeting_date %}On {{ meeting_date }} at {{ meeting_time }}{% endif %}",
        );
        assert_eq!(
            used,
            Ok(["meeting_date", "meeting_time", "preferred_name"]
                .map(String::from)
                .into())
        );
        assert!(fields_used("{{ unclosed", "").is_err());
    }

    #[test]
    fn register_close_text() {
        let (_, body) = Templates::default()
            .render(Kind::RegisterClose, &Kind::RegisterClose.example())
            .unwrap();
        assert_eq!(
            body,
            "Beecroft Primary: Amy was not at registration this morning and we have not heard \
             why. Please call the school office today on 0113 496 0000."
        );
    }

    #[test]
    fn a_school_wording_is_checked_before_it_is_saved() {
        let cases = [
            ("Hello {{ preferred_name }}", Ok(())),
            ("Hello {{ first_name }}", Err("undefined")),
            ("Hello {{ preferred_name ", Err("line 1")),
        ];
        for (body, want) in cases {
            match (Templates::check(Kind::RegisterClose, "", body), want) {
                (Ok(()), Ok(())) => {}
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{body}: {e}"),
                (got, want) => panic!("{body}: got {got:?}, want {want:?}"),
            }
        }
        let own = Templates::new([(
            "register_close".to_owned(),
            String::new(),
            "{{ preferred_name }} missed registration".to_owned(),
        )]);
        let (_, body) = own
            .render(Kind::RegisterClose, &Kind::RegisterClose.example())
            .unwrap();
        assert_eq!(body, "Amy missed registration");
        assert!(own.is_own(Kind::RegisterClose) && !own.is_own(Kind::Invitation));
    }
}
