//! A school's procedures as settings: what it does about absence, when, and who does it.
//!
//! The five seed policies differ in deadlines, thresholds, stages and roles, so every one of
//! those is a setting here, and the worklist (`worklist/`) reads nothing else. Each step names
//! the policy paragraph it comes from, so that an item on the worklist can say why it is there.

use jiff::civil::Time;

// A pupil's circumstances.
mod flag;
mod returns;
// Whether a school's settings fit together.
mod validate;

pub use flag::Flag;
pub use returns::{Frequency, ReturnSettings};
pub use validate::ProceduresError;

/// A percentage threshold, exact to a hundredth of a per cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Strictly below: seed 001 "attendance slips below 96%".
    Below(u16),
    /// At or below: seed 002 "90% and below".
    AtOrBelow(u16),
}

impl Threshold {
    /// Whether an attendance rate of `part / whole` meets the threshold, compared exactly.
    pub fn met_by(self, part: u64, whole: u64) -> bool {
        match self {
            Threshold::Below(h) => part * 10_000 < u64::from(h) * whole,
            Threshold::AtOrBelow(h) => part * 10_000 <= u64::from(h) * whole,
        }
    }

    /// The threshold's hundredths of a per cent.
    pub fn hundredths(self) -> u16 {
        match self {
            Threshold::Below(h) | Threshold::AtOrBelow(h) => h,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = crate::policy::percent_text(self.hundredths());
        match self {
            Threshold::Below(_) => write!(f, "below {pct}"),
            Threshold::AtOrBelow(_) => write!(f, "{pct} or below"),
        }
    }
}

/// What kind of thing a step asks someone to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// Send a text message.
    Text,
    /// Telephone.
    Call,
    /// Visit the home.
    HomeVisit,
    /// Face-to-face contact: a home visit or a video call (seed 000 appendix 2).
    FaceToFace,
    /// Contact by the pupil's teacher or key worker.
    Contact,
    /// Send a letter.
    Letter,
    /// Hold a meeting.
    Meeting,
    /// Agree a plan or contract.
    Plan,
    /// Refer to another service.
    Referral,
    /// Tell someone outside the school (home school, local authority, social worker).
    Notify,
    /// Decide something (a penalty notice, a deletion).
    Decision,
    /// Correct the register.
    Register,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 12] = [
        ActionKind::Text,
        ActionKind::Call,
        ActionKind::HomeVisit,
        ActionKind::FaceToFace,
        ActionKind::Contact,
        ActionKind::Letter,
        ActionKind::Meeting,
        ActionKind::Plan,
        ActionKind::Referral,
        ActionKind::Notify,
        ActionKind::Decision,
        ActionKind::Register,
    ];

    /// The kind's name in settings and data.
    pub fn id(self) -> &'static str {
        match self {
            ActionKind::Text => "text",
            ActionKind::Call => "call",
            ActionKind::HomeVisit => "home_visit",
            ActionKind::FaceToFace => "face_to_face",
            ActionKind::Contact => "contact",
            ActionKind::Letter => "letter",
            ActionKind::Meeting => "meeting",
            ActionKind::Plan => "plan",
            ActionKind::Referral => "referral",
            ActionKind::Notify => "notify",
            ActionKind::Decision => "decision",
            ActionKind::Register => "register",
        }
    }

    /// Reads a kind's name.
    pub fn parse(text: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.id() == text)
    }
}

/// One thing a rule asks for: what, by whom, how soon, and where the school's policy says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Identifies the step within its rule (`letter_2`), so that doing it is remembered.
    pub id: String,
    /// What kind of thing it is.
    pub kind: ActionKind,
    /// What to do, in the school's words: "Letter 2", "Attendance Support Meeting".
    pub what: String,
    /// Who does it, in the school's words: "Attendance Officer", "Class teacher".
    pub who: String,
    /// School days allowed after it becomes due (0: the same day).
    pub within_days: u32,
}

/// A vulnerability rating (seed 000 appendix 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rating {
    /// Universal.
    Green,
    /// Vulnerable.
    Amber,
    /// Complex or acute.
    Red,
}

impl Rating {
    /// The rating's name in data.
    pub fn id(self) -> &'static str {
        match self {
            Rating::Green => "green",
            Rating::Amber => "amber",
            Rating::Red => "red",
        }
    }

    /// Reads a rating's name.
    pub fn parse(text: &str) -> Option<Rating> {
        [Rating::Green, Rating::Amber, Rating::Red]
            .into_iter()
            .find(|r| r.id() == text)
    }
}

impl std::fmt::Display for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rating::Green => "GREEN",
            Rating::Amber => "AMBER",
            Rating::Red => "RED",
        })
    }
}

/// First-day contact for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstDaySession {
    /// Parents should report an absence by this time (seed 000: 8.30 and 12.15).
    pub parent_deadline: Time,
    /// Text every parent of a pupil absent without a reason when the register closes.
    pub text_at_close: Option<Step>,
    /// Call when no reason is known, then the emergency contacts in priority order.
    pub call: Option<Step>,
}

/// First-day contact (Working together to improve school attendance, 2024; every seed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirstDay {
    /// Morning settings, if the school follows up morning absence.
    pub am: Option<FirstDaySession>,
    /// Afternoon settings.
    pub pm: Option<FirstDaySession>,
    /// The policy paragraph.
    pub source: String,
}

/// A step taken on a given day of continuous unexplained absence (seed 001 §6a(9): a visit
/// after three days; seed 004: key worker after 3, home visit within 5, CME referral at 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The day of continuous unexplained absence on which it is due (1 is the first day).
    pub day: u32,
    /// What to do.
    pub step: Step,
    /// The policy paragraph.
    pub source: String,
}

/// A same-day route for pupils with a social worker or a child protection plan (seed 001
/// §6a(5) and its note: notify the social worker without delay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welfare {
    /// Pupils with any of these flags take this route on the first session absent without a reason.
    pub flags: Vec<Flag>,
    /// The steps, due the same day.
    pub steps: Vec<Step>,
    /// The policy paragraph.
    pub source: String,
}

/// Risk assessment scoring (seed 000 appendix 4): likelihood 1–5 × frequency 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskScoring {
    /// Lowest score rated RED (seed 000: 20).
    pub red_from: u8,
    /// Lowest score rated AMBER (seed 000: 10).
    pub amber_from: u8,
}

impl RiskScoring {
    /// The score of a likelihood and a frequency, each 1–5: their product (seed 000 appendix
    /// 4).
    pub fn score(likelihood: u8, frequency: u8) -> u8 {
        likelihood.saturating_mul(frequency)
    }

    /// The rating for a likelihood and a frequency, each 1–5.
    pub fn rate(self, likelihood: u8, frequency: u8) -> Rating {
        let score = RiskScoring::score(likelihood, frequency);
        if score >= self.red_from {
            Rating::Red
        } else if score >= self.amber_from {
            Rating::Amber
        } else {
            Rating::Green
        }
    }
}

/// The tiered first-day response (seed 000 appendices 2–3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vulnerability {
    /// Flags that make a pupil RED.
    pub red: Vec<Flag>,
    /// Flags that make a pupil AMBER.
    pub amber: Vec<Flag>,
    /// Persistent or severe absence this year makes a pupil AMBER.
    pub persistent_absence_is_amber: bool,
    /// Face-to-face contact every this many days of absence, by rating: RED, AMBER, GREEN
    /// (seed 000: every 1st, 3rd and 5th day).
    pub face_to_face_every: [u32; 3],
    /// Who makes face-to-face contact.
    pub who: String,
    /// The risk assessment's scoring, when the school uses one.
    pub risk: Option<RiskScoring>,
    /// The policy paragraph.
    pub source: String,
}

impl Vulnerability {
    /// How often face-to-face contact is due for a rating.
    pub fn every(&self, rating: Rating) -> u32 {
        let [red, amber, green] = self.face_to_face_every;
        match rating {
            Rating::Red => red,
            Rating::Amber => amber,
            Rating::Green => green,
        }
    }
}

/// An attendance band (seed 002's traffic lights) and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// The band's name: "Amber".
    pub name: String,
    /// Attendance that puts a pupil in this band; `None` for the top band.
    pub threshold: Option<Threshold>,
    /// What the school does for pupils in it.
    pub steps: Vec<Step>,
    /// The policy paragraph.
    pub source: String,
}

/// A stage of the graduated response (seed 001 §6b–6d; seed 000 SAL letters; seed 002 SAP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Identifies the stage in data: `facilitate`.
    pub id: String,
    /// The stage's name: "Facilitate and formalise targeted support".
    pub name: String,
    /// Attendance that brings a pupil to this stage.
    pub threshold: Threshold,
    /// Or attendance meeting this and lower than when the previous stage began (seed 001 §6d:
    /// "below 90% and is declining").
    pub or_falling: Option<Threshold>,
    /// Only after this many weeks at the previous stage without improvement (seed 001 §6c:
    /// "no improvement within 2–4 weeks"; seed 000: SAL 2 after 3 weeks).
    pub no_improvement_weeks: Option<u32>,
    /// Only when at least this many weeks have passed since the previous stage began.
    pub min_weeks_since_previous: Option<u32>,
    /// What the stage asks for.
    pub steps: Vec<Step>,
    /// The policy paragraph.
    pub source: String,
}

/// Penalty-notice handling under the national threshold (statutory.md §6) and the local code of
/// conduct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Penalty {
    /// The local code of conduct asks for a notice to improve first, with this improvement period
    /// in weeks (3–6).
    pub notice_to_improve_weeks: Option<u32>,
    /// Who considers a notice.
    pub who: String,
    /// The policy paragraph.
    pub source: String,
}

/// Late arrivals adding up: so many of the late codes within so many school weeks ask for the
/// rule's steps (seed 001 §4: "Where these 'U' lates accumulate … the school will send a
/// letter"; seed 002 "Punctuality": letters inviting the parents of pupils persistently late
/// to a meeting; seed 003 "Lateness": a meeting with the headteacher, and unauthorised
/// lateness referred to the local authority). The seeds name no numbers: each school sets its
/// own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    /// Identifies the rule in data: `u_letter`.
    pub id: String,
    /// The codes that count: `L`, `U`, or both.
    pub codes: Vec<crate::code::Code>,
    /// How many of them…
    pub count: u32,
    /// …within this many school weeks.
    pub within_weeks: u32,
    /// What the rule asks for.
    pub steps: Vec<Step>,
    /// The policy paragraph.
    pub source: String,
}

/// Leave of absence rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    /// Days of notice a request needs (seed 000: 14; seed 002: a month, 28).
    pub notice_days: u32,
    /// Days of religious observance a year (seed 002: 2).
    pub religious_observance_days: Option<u32>,
    /// School days of unauthorised leave (`G`) that put the place at risk (seed 002: 20).
    pub place_at_risk_days: Option<u32>,
    /// The most days one request may cover, first to last, if the school sets a limit.
    pub longest_days: Option<u32>,
    /// Who acts when the place is at risk.
    pub who: String,
    /// The policy paragraph.
    pub source: String,
}

/// Illness rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illness {
    /// Medical evidence may be asked for after this many consecutive school days of illness
    /// (seed 000: 5).
    pub medical_evidence_after_days: Option<u32>,
    /// Who is told when the sickness return is due (15 days in a year): the LA, or the home school.
    pub sickness_return_to: String,
    /// Tell the LA when a pupil with an EHCP has attendance meeting this (seeds 000, 001).
    pub ehcp_notify_la: Option<Threshold>,
    /// Who does these.
    pub who: String,
    /// The policy paragraph.
    pub source: String,
}

/// An alternative provision's duty to its learners' home schools (seed 000 §"first day").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeSchool {
    /// Minutes within which the home school is expected to reply (seed 000: 30).
    pub update_within_minutes: u32,
    /// Who notifies.
    pub who: String,
    /// The policy paragraph.
    pub source: String,
}

/// Early help before a pupil becomes persistently absent (seed 001 §6: "look at all
/// severities of absence"): a step once a year for a pupil whose recent attendance puts them on
/// course for persistent absence ([`crate::trajectory`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyWarning {
    /// What to do, and who.
    pub step: Step,
    /// The policy paragraph.
    pub source: String,
}

/// Who handles the statutory duties that every school has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statutory {
    /// Who corrects `N` codes and makes the local authority returns.
    pub office: String,
    /// Who decides deletions from the admission register.
    pub deletion: String,
    /// Where the returns go, and how often.
    pub returns: ReturnSettings,
}

/// Every procedure of a school, as settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedures {
    /// First-day contact.
    pub first_day: FirstDay,
    /// Steps by day of continuous unexplained absence, in day order.
    pub escalations: Vec<Escalation>,
    /// The same-day welfare route.
    pub welfare: Option<Welfare>,
    /// The vulnerability rating and its face-to-face contact.
    pub vulnerability: Option<Vulnerability>,
    /// Attendance bands, best first.
    pub bands: Vec<Band>,
    /// Graduated response stages, in order.
    pub stages: Vec<Stage>,
    /// Possible sessions a pupil must have this year before bands and stages apply.
    pub minimum_sessions: u64,
    /// Minutes after a call or visit that reached nobody before the item is due again.
    pub retry_minutes: u32,
    /// Late arrivals adding up.
    pub lateness: Vec<Lateness>,
    /// Penalty notices.
    pub penalty: Penalty,
    /// Leave of absence.
    pub leave: Option<Leave>,
    /// Illness.
    pub illness: Option<Illness>,
    /// Home schools, for an alternative provision.
    pub home_school: Option<HomeSchool>,
    /// Early help for pupils on course to be persistently absent, when the school asks for it.
    pub early_warning: Option<EarlyWarning>,
    /// The statutory duties.
    pub statutory: Statutory,
    /// Pupils with these circumstances get no low-attendance letter in a whole-school batch
    /// (a pupil below the top band): "if the school says so", e.g. an individual healthcare
    /// plan.
    pub skip_low_attendance_letters: Vec<Flag>,
}

impl Procedures {
    /// The band an attendance rate puts a pupil in: the lowest whose threshold it meets.
    pub fn band_of(&self, rate: crate::stats::Rate) -> Option<&Band> {
        self.bands
            .iter()
            .rfind(|b| b.threshold.is_none_or(|t| t.met_by(rate.part, rate.whole)))
    }
}

impl Default for Procedures {
    /// The statutory duties only: what every school must do whatever its policy says.
    fn default() -> Procedures {
        Procedures {
            first_day: FirstDay::default(),
            escalations: Vec::new(),
            welfare: None,
            vulnerability: None,
            bands: Vec::new(),
            stages: Vec::new(),
            minimum_sessions: DEFAULT_MINIMUM_SESSIONS,
            retry_minutes: DEFAULT_RETRY_MINUTES,
            lateness: Vec::new(),
            penalty: Penalty {
                notice_to_improve_weeks: None,
                who: "Headteacher".into(),
                source: "National Framework for Penalty Notices (2024)".into(),
            },
            leave: None,
            illness: None,
            home_school: None,
            early_warning: None,
            statutory: Statutory {
                office: "Attendance officer".into(),
                deletion: "Headteacher".into(),
                returns: ReturnSettings::default(),
            },
            skip_low_attendance_letters: Vec::new(),
        }
    }
}

/// Two school weeks: before then one day's absence would put a pupil in every band.
pub const DEFAULT_MINIMUM_SESSIONS: u64 = 20;

/// An hour between tries at a call that reached nobody, unless the school sets its own.
pub const DEFAULT_RETRY_MINUTES: u32 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_compare_exactly() {
        // Seed 001 §6b "slips below 96%"; seed 002 "90% and below".
        let table = [
            (Threshold::Below(9600), 96, 100, false),
            (Threshold::Below(9600), 959, 1000, true),
            (Threshold::AtOrBelow(9000), 90, 100, true),
            (Threshold::AtOrBelow(9000), 901, 1000, false),
            (Threshold::AtOrBelow(9100), 182, 200, true),
        ];
        for (threshold, part, whole, expect) in table {
            assert_eq!(
                threshold.met_by(part, whole),
                expect,
                "{threshold} {part}/{whole}"
            );
        }
        assert_eq!(Threshold::Below(9600).to_string(), "below 96%");
        assert_eq!(Threshold::AtOrBelow(9050).to_string(), "90.50% or below");
    }

    #[test]
    fn risk_scores() {
        // Seed 000 appendix 4: 20–25 red, 10–19 amber, 2–9 green.
        let scoring = RiskScoring {
            red_from: 20,
            amber_from: 10,
        };
        let table = [
            (5, 5, Rating::Red),
            (4, 5, Rating::Red),
            (5, 3, Rating::Amber),
            (2, 5, Rating::Amber),
            (3, 3, Rating::Green),
            (1, 2, Rating::Green),
        ];
        for (likelihood, frequency, expect) in table {
            assert_eq!(scoring.rate(likelihood, frequency), expect);
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::parse(kind.id()), Some(kind));
        }
        for flag in Flag::ALL {
            assert_eq!(Flag::parse(flag.id()), Some(flag));
        }
    }
}
