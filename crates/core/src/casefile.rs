//! A pupil's case file beyond the chronology: meetings, support plans and attendance contracts,
//! part-time timetables, referrals, and the legal interventions (notices to improve, penalty
//! notices, referrals for prosecution or an education supervision order).
//!
//! Each record is a document the school fills in once and then keeps up to date (a review
//! held, a plan closed, a notice paid); the store keeps each version's change in the
//! chronology. The worklist reads the dates in them: actions agreed, reviews due, timetables
//! ending, and how many penalty notices a parent has had.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::session::{Session, SessionKey, Slot};
use crate::text::human_date;

/// A dated outcome: of a referral, a notice to improve, a referral to court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// When it was known.
    pub on: Date,
    /// What it was.
    pub text: String,
}

/// The kinds of meeting the seeds hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// School Attendance Panel (seed 002).
    Sap,
    /// Attendance support meeting (seed 001 §6c, seed 000).
    AttendanceSupport,
    /// Attendance contract meeting, with the LA attendance team (seed 001 §6d).
    AttendanceContract,
    /// Team around the child (seed 001 letter 3).
    TeamAroundTheChild,
    /// Multi-agency meeting.
    MultiAgency,
}

impl MeetingKind {
    /// Every kind, in the order a form offers them.
    pub const ALL: [MeetingKind; 5] = [
        MeetingKind::AttendanceSupport,
        MeetingKind::AttendanceContract,
        MeetingKind::Sap,
        MeetingKind::TeamAroundTheChild,
        MeetingKind::MultiAgency,
    ];

    /// The kind's name in data.
    pub fn id(self) -> &'static str {
        match self {
            MeetingKind::Sap => "sap",
            MeetingKind::AttendanceSupport => "attendance_support",
            MeetingKind::AttendanceContract => "attendance_contract",
            MeetingKind::TeamAroundTheChild => "team_around_the_child",
            MeetingKind::MultiAgency => "multi_agency",
        }
    }

    /// Reads a kind's name.
    pub fn parse(text: &str) -> Option<MeetingKind> {
        MeetingKind::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How staff and parents know it.
    pub fn title(self) -> &'static str {
        match self {
            MeetingKind::Sap => "School Attendance Panel (SAP) meeting",
            MeetingKind::AttendanceSupport => "Attendance support meeting",
            MeetingKind::AttendanceContract => "Attendance contract meeting",
            MeetingKind::TeamAroundTheChild => "Team around the child meeting",
            MeetingKind::MultiAgency => "Multi-agency meeting",
        }
    }
}

/// An action agreed at a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreedAction {
    /// What will be done.
    pub what: String,
    /// Who will do it.
    pub owner: String,
    /// By when.
    pub by: Date,
}

/// A meeting held with the family (seed 001 annex 6b's first half; seed 002 SAP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// What kind of meeting.
    pub kind: MeetingKind,
    /// When it was held.
    pub held: DateTime,
    /// Who was there.
    pub attendees: Vec<String>,
    /// Who sent apologies.
    pub apologies: Vec<String>,
    /// The barriers to attending school, in the school's words.
    pub barriers_school: String,
    /// In the parent's words.
    pub barriers_parent: String,
    /// In the child's words.
    pub barriers_child: String,
    /// The actions agreed, each with an owner and a date.
    pub actions: Vec<AgreedAction>,
    /// When the next review is.
    pub next_review: Option<Date>,
}

/// A support plan or a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// Attendance targeted support plan (seed 001 annex 6b).
    TargetedSupport,
    /// Attendance contract (seed 001 annex 7b; Working together to improve school attendance
    /// 2024 ¶¶140–152).
    Contract,
}

impl PlanKind {
    /// Both kinds.
    pub const ALL: [PlanKind; 2] = [PlanKind::TargetedSupport, PlanKind::Contract];

    /// The kind's name in data.
    pub fn id(self) -> &'static str {
        match self {
            PlanKind::TargetedSupport => "targeted_support",
            PlanKind::Contract => "contract",
        }
    }

    /// Reads a kind's name.
    pub fn parse(text: &str) -> Option<PlanKind> {
        PlanKind::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How staff and parents know it.
    pub fn title(self) -> &'static str {
        match self {
            PlanKind::TargetedSupport => "Attendance targeted support plan",
            PlanKind::Contract => "Attendance contract",
        }
    }
}

/// One intervention or piece of support a plan offers (seed 001 annex 7b's table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intervention {
    /// The intervention: "Part-time timetable over 8 weeks".
    pub what: String,
    /// Its details and intended impact.
    pub detail: String,
}

/// Why and when a plan was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// The closure date.
    pub on: Date,
    /// The reason.
    pub reason: String,
}

/// An attendance targeted support plan or an attendance contract, with the fields of seed 001
/// annexes 6b and 7b.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Which.
    pub kind: PlanKind,
    /// When it starts.
    pub starts: Date,
    /// The attendance target as a percentage.
    pub target_percent: u8,
    /// The target for each week, in words: "9 of 10 sessions".
    pub target_per_week: String,
    /// How long it runs, in months.
    pub months: u8,
    /// Review dates.
    pub reviews: Vec<Date>,
    /// The barriers in the school's words.
    pub barriers_school: String,
    /// In the parent's words.
    pub barriers_parent: String,
    /// In the child's words.
    pub barriers_child: String,
    /// What is offered.
    pub interventions: Vec<Intervention>,
    /// Set when the plan is closed.
    pub closed: Option<Closure>,
}

/// Plans last 3 to 12 months (seed 001 annex 7b, from the DfE guidance).
pub const PLAN_MONTHS: std::ops::RangeInclusive<u8> = 3..=12;
/// Plans and timetables are reviewed at least every 6 weeks (seed 001 §6d "at least 4–6
/// weekly").
pub const MAX_WEEKS_BETWEEN_REVIEWS: i64 = 6;

impl Plan {
    /// When the plan's timescale ends.
    pub fn ends(&self) -> Date {
        self.starts
            .checked_add(i32::from(self.months).months())
            .unwrap_or(self.starts)
    }

    /// Checks the plan against the seeds' rules.
    pub fn validate(&self) -> Result<(), CaseFileError> {
        if !PLAN_MONTHS.contains(&self.months) {
            return Err(CaseFileError::PlanMonths(self.months));
        }
        if self.target_percent == 0 || self.target_percent > 100 {
            return Err(CaseFileError::Target(self.target_percent));
        }
        check_reviews(self.starts, self.ends(), &self.reviews)
    }
}

/// A part-time timetable: agreed with a parent the pupil normally lives with (regulation 11(6)
/// of the 2024 regulations), time-limited and regularly reviewed (Working together to improve
/// school attendance, 2024), its missed sessions recorded as `C2` (statutory.md §§9–10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartTime {
    /// The parent it was agreed with.
    pub agreed_with: String,
    /// The first day.
    pub starts: Date,
    /// The last day.
    pub ends: Date,
    /// The weekly sessions the pupil is not expected in school, which become `C2`.
    pub off: Vec<WeeklySession>,
    /// Review dates.
    pub reviews: Vec<Date>,
    /// When the local authority was told (needed when the pupil has an EHCP).
    pub la_informed: Option<Date>,
}

/// A session in the school week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySession {
    /// Monday is 1, Friday 5.
    pub weekday: i8,
    /// Morning or afternoon.
    pub session: Session,
}

impl WeeklySession {
    /// Whether a session falls on this weekday and half.
    pub fn matches(self, slot: Slot) -> bool {
        slot.session() == self.session
            && slot.day().weekday().to_monday_one_offset() == self.weekday
    }

    /// "Monday PM".
    pub fn title(self) -> String {
        let day =
            Weekday::from_monday_one_offset(self.weekday).map_or("?", crate::text::weekday_name);
        format!("{day} {}", self.session)
    }
}

impl PartTime {
    /// Checks the timetable: it ends, misses at least one weekday session, and is reviewed.
    pub fn validate(&self) -> Result<(), CaseFileError> {
        if self.ends < self.starts {
            return Err(CaseFileError::EndsBeforeStart);
        }
        if self.off.is_empty() {
            return Err(CaseFileError::NoSessionsOff);
        }
        if let Some(s) = self.off.iter().find(|s| !(1..=5).contains(&s.weekday)) {
            return Err(CaseFileError::Weekday(s.weekday));
        }
        check_reviews(self.starts, self.ends, &self.reviews)
    }

    /// Whether the pupil is off timetable at a session.
    pub fn off_at(&self, slot: Slot) -> bool {
        let date = slot.day().date();
        self.starts <= date && date <= self.ends && self.off.iter().any(|s| s.matches(slot))
    }
}

fn check_reviews(starts: Date, ends: Date, reviews: &[Date]) -> Result<(), CaseFileError> {
    let mut previous = starts;
    let mut sorted = reviews.to_vec();
    sorted.sort();
    for &review in &sorted {
        if review < starts || review > ends {
            return Err(CaseFileError::ReviewOutside(review));
        }
        if weeks_apart(previous, review) > MAX_WEEKS_BETWEEN_REVIEWS {
            return Err(CaseFileError::ReviewGap(previous, review));
        }
        previous = review;
    }
    if weeks_apart(previous, ends) > MAX_WEEKS_BETWEEN_REVIEWS {
        return Err(CaseFileError::ReviewGap(previous, ends));
    }
    Ok(())
}

/// Whole weeks from one date to another, rounding a part week up.
fn weeks_apart(from: Date, to: Date) -> i64 {
    let days = i64::from((to - from).get_days());
    (days + 6) / 7
}

/// Services a school refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralTo {
    /// Early help.
    EarlyHelp,
    /// The school attendance service or an education welfare officer.
    AttendanceService,
    /// Children's social care.
    SocialCare,
    /// The local authority.
    LocalAuthority,
    /// The local authority's children missing education team.
    ChildrenMissingEducation,
}

impl ReferralTo {
    /// Every service, in the order a form offers them.
    pub const ALL: [ReferralTo; 5] = [
        ReferralTo::EarlyHelp,
        ReferralTo::AttendanceService,
        ReferralTo::SocialCare,
        ReferralTo::LocalAuthority,
        ReferralTo::ChildrenMissingEducation,
    ];

    /// The service's name in data.
    pub fn id(self) -> &'static str {
        match self {
            ReferralTo::EarlyHelp => "early_help",
            ReferralTo::AttendanceService => "attendance_service",
            ReferralTo::SocialCare => "social_care",
            ReferralTo::LocalAuthority => "local_authority",
            ReferralTo::ChildrenMissingEducation => "children_missing_education",
        }
    }

    /// Reads a service's name.
    pub fn parse(text: &str) -> Option<ReferralTo> {
        ReferralTo::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How staff know it.
    pub fn title(self) -> &'static str {
        match self {
            ReferralTo::EarlyHelp => "Early help",
            ReferralTo::AttendanceService => "School attendance service / EWO",
            ReferralTo::SocialCare => "Children's social care",
            ReferralTo::LocalAuthority => "Local authority",
            ReferralTo::ChildrenMissingEducation => "Children missing education",
        }
    }
}

/// A referral to another service, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// To whom.
    pub to: ReferralTo,
    /// When.
    pub made: Date,
    /// Why.
    pub reason: String,
    /// What came of it.
    pub outcome: Option<Outcome>,
}

/// A notice to improve: the final chance to engage with support before a penalty notice
/// (National Framework for Penalty Notices 2024; statutory.md §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeToImprove {
    /// The parent it is issued to.
    pub parent: String,
    /// When it was issued.
    pub issued: Date,
    /// The improvement period, 3 to 6 weeks.
    pub weeks: u8,
    /// The support already given.
    pub support_given: String,
    /// The further support available.
    pub support_available: String,
    /// What sufficient improvement means.
    pub sufficient_improvement: String,
    /// The result, once the period ends.
    pub result: Option<Outcome>,
}

/// The improvement period a notice to improve may set (National Framework for Penalty Notices
/// 2024).
pub const IMPROVEMENT_WEEKS: std::ops::RangeInclusive<u8> = 3..=6;

impl NoticeToImprove {
    /// When the improvement period ends.
    pub fn ends(&self) -> Date {
        self.issued
            .checked_add((i64::from(self.weeks) * 7).days())
            .unwrap_or(self.issued)
    }

    /// Checks the improvement period and the contents the framework requires.
    pub fn validate(&self) -> Result<(), CaseFileError> {
        if !IMPROVEMENT_WEEKS.contains(&self.weeks) {
            return Err(CaseFileError::ImprovementWeeks(self.weeks));
        }
        for (field, text) in [
            ("support_given", &self.support_given),
            ("support_available", &self.support_available),
            ("sufficient_improvement", &self.sufficient_improvement),
        ] {
            if text.trim().is_empty() {
                return Err(CaseFileError::Missing(field));
            }
        }
        Ok(())
    }
}

/// Where a penalty notice stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PenaltyStatus {
    /// Issued, not yet paid.
    Issued,
    /// Paid in full.
    Paid {
        /// When.
        on: Date,
    },
    /// Withdrawn: it no longer counts towards the limit.
    Withdrawn {
        /// When.
        on: Date,
        /// Why.
        reason: String,
    },
    /// Not paid within 28 days: the LA considers prosecution.
    Unpaid,
}

/// A penalty notice to one parent for one child (National Framework for Penalty Notices 2024).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyNotice {
    /// The parent it is issued to.
    pub parent: String,
    /// When it was issued.
    pub issued: Date,
    /// The first session it covers.
    pub first: SessionKey,
    /// The last session it covers.
    pub last: SessionKey,
    /// Where it stands.
    pub status: PenaltyStatus,
}

/// Days within which a first notice is £80 (statutory.md §6).
pub const REDUCED_DAYS: i32 = 21;
/// Days within which any notice must be paid.
pub const PAYMENT_DAYS: i32 = 28;
/// A first notice paid within 21 days, in pence.
pub const REDUCED_PENCE: u32 = 8_000;
/// A first notice paid within 28 days, or any second notice, in pence.
pub const FULL_PENCE: u32 = 16_000;
/// The rolling period, from the first notice's issue, within which at most two count.
pub const PENALTY_PERIOD_YEARS: i16 = 3;

impl PenaltyNotice {
    /// Whether it counts towards the limit of two: withdrawn notices do not.
    pub fn counts(&self) -> bool {
        !matches!(self.status, PenaltyStatus::Withdrawn { .. })
    }

    /// The last day to pay it.
    pub fn pay_by(&self) -> Date {
        self.issued
            .checked_add(i64::from(PAYMENT_DAYS).days())
            .unwrap_or(self.issued)
    }

    /// Whether it covers a session: sessions a notice covers cannot be counted again.
    pub fn covers(&self, slot: Slot) -> bool {
        self.counts() && self.first.slot() <= slot && slot <= self.last.slot()
    }
}

/// What the next notice to a parent for a child would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPenalty {
    /// A first notice: £80 within 21 days, £160 within 28.
    First,
    /// A second within three years of the first: £160 within 28 days.
    Second {
        /// When the first was issued.
        first: Date,
    },
    /// Two already within three years of the first: no notice may be issued; prosecution or
    /// another legal intervention instead.
    None {
        /// When the first was issued.
        first: Date,
        /// When the period ends and a notice may again be issued.
        until: Date,
    },
}

impl NextPenalty {
    /// What it costs if paid on a day after issue, in pence; `None` once 28 days have passed.
    pub fn amount(self, issued: Date, paid: Date) -> Option<u32> {
        let days = (paid - issued).get_days();
        match self {
            NextPenalty::First if days <= REDUCED_DAYS => Some(REDUCED_PENCE),
            NextPenalty::First | NextPenalty::Second { .. } if days <= PAYMENT_DAYS => {
                Some(FULL_PENCE)
            }
            _ => None,
        }
    }
}

/// What the next penalty notice to a parent for a child would be on `on`, from the notices that
/// parent already has for that child. A period starts at a counted notice and lasts three
/// years; at most two count in it (National Framework for Penalty Notices 2024; statutory.md
/// §6).
pub fn next_penalty<'a>(
    notices: impl IntoIterator<Item = &'a PenaltyNotice>,
    on: Date,
) -> NextPenalty {
    let mut issued: Vec<Date> = notices
        .into_iter()
        .filter(|n| n.counts() && n.issued <= on)
        .map(|n| n.issued)
        .collect();
    issued.sort();
    let mut period: Option<(Date, Date, usize)> = None;
    for date in issued {
        period = match period {
            Some((first, until, count)) if date < until => Some((first, until, count + 1)),
            _ => Some((date, three_years_after(date), 1)),
        };
    }
    match period {
        Some((first, until, count)) if on < until => {
            if count >= 2 {
                NextPenalty::None { first, until }
            } else {
                NextPenalty::Second { first }
            }
        }
        _ => NextPenalty::First,
    }
}

/// The penalty notices among a case file's records.
pub fn penalty_notices(records: &[CaseFileRecord]) -> impl Iterator<Item = &PenaltyNotice> {
    records.iter().filter_map(|r| match &r.record {
        Record::PenaltyNotice(n) => Some(n),
        _ => None,
    })
}

/// For each parent who has had a notice for the child, what their next would be on `on`.
pub fn next_penalties(notices: &[&PenaltyNotice], on: Date) -> Vec<(String, NextPenalty)> {
    let mut parents: Vec<&str> = notices.iter().map(|n| n.parent.as_str()).collect();
    parents.sort_unstable();
    parents.dedup();
    parents
        .into_iter()
        .map(|parent| {
            let theirs = notices.iter().copied().filter(|n| n.parent == parent);
            (parent.to_owned(), next_penalty(theirs, on))
        })
        .collect()
}

fn three_years_after(date: Date) -> Date {
    date.checked_add(PENALTY_PERIOD_YEARS.years())
        .unwrap_or(date)
}

/// The routes to court when support and penalty notices have not worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalRoute {
    /// Prosecution under s.444(1) Education Act 1996 (strict liability).
    Prosecution,
    /// Prosecution under s.444(1A): the parent knowingly failed to secure attendance.
    ProsecutionKnowingly,
    /// An education supervision order, applied for by the LA.
    EducationSupervisionOrder,
}

impl LegalRoute {
    /// Every route.
    pub const ALL: [LegalRoute; 3] = [
        LegalRoute::Prosecution,
        LegalRoute::ProsecutionKnowingly,
        LegalRoute::EducationSupervisionOrder,
    ];

    /// The route's name in data.
    pub fn id(self) -> &'static str {
        match self {
            LegalRoute::Prosecution => "prosecution",
            LegalRoute::ProsecutionKnowingly => "prosecution_knowingly",
            LegalRoute::EducationSupervisionOrder => "education_supervision_order",
        }
    }

    /// Reads a route's name.
    pub fn parse(text: &str) -> Option<LegalRoute> {
        LegalRoute::ALL.into_iter().find(|k| k.id() == text)
    }

    /// How staff know it.
    pub fn title(self) -> &'static str {
        match self {
            LegalRoute::Prosecution => "Prosecution, s.444(1) Education Act 1996",
            LegalRoute::ProsecutionKnowingly => "Prosecution, s.444(1A) Education Act 1996",
            LegalRoute::EducationSupervisionOrder => "Education supervision order",
        }
    }
}

/// A referral to the LA for prosecution or an education supervision order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalReferral {
    /// Which route.
    pub route: LegalRoute,
    /// The parent concerned.
    pub parent: String,
    /// When the referral was made.
    pub made: Date,
    /// What came of it.
    pub outcome: Option<Outcome>,
}

/// One record in a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Tagged `type`: meetings and plans have a `kind` of their own.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A meeting.
    Meeting(Meeting),
    /// A support plan or contract.
    Plan(Plan),
    /// A part-time timetable.
    PartTime(PartTime),
    /// A referral.
    Referral(Referral),
    /// A notice to improve.
    NoticeToImprove(NoticeToImprove),
    /// A penalty notice.
    PenaltyNotice(PenaltyNotice),
    /// A referral for prosecution or an education supervision order.
    LegalReferral(LegalReferral),
}

impl Record {
    /// The record's kind in data.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Meeting(_) => "meeting",
            Record::Plan(_) => "plan",
            Record::PartTime(_) => "part_time",
            Record::Referral(_) => "referral",
            Record::NoticeToImprove(_) => "notice_to_improve",
            Record::PenaltyNotice(_) => "penalty_notice",
            Record::LegalReferral(_) => "legal_referral",
        }
    }

    /// What it is called, for the chronology and the case file.
    pub fn title(&self) -> String {
        match self {
            Record::Meeting(m) => m.kind.title().to_owned(),
            Record::Plan(p) => p.kind.title().to_owned(),
            Record::PartTime(_) => "Part-time timetable".to_owned(),
            Record::Referral(r) => format!("Referral: {}", r.to.title()),
            Record::NoticeToImprove(n) => format!("Notice to improve: {}", n.parent),
            Record::PenaltyNotice(n) => format!("Penalty notice: {}", n.parent),
            Record::LegalReferral(r) => format!("{}: {}", r.route.title(), r.parent),
        }
    }

    /// The chronology entry kind that records it.
    pub fn entry_kind(&self) -> crate::casework::EntryKind {
        use crate::casework::EntryKind;
        match self {
            Record::Meeting(_) => EntryKind::Meeting,
            Record::Plan(_) | Record::PartTime(_) => EntryKind::Plan,
            Record::Referral(_) | Record::LegalReferral(_) => EntryKind::Referral,
            Record::NoticeToImprove(_) | Record::PenaltyNotice(_) => EntryKind::Decision,
        }
    }

    /// Checks it.
    pub fn validate(&self) -> Result<(), CaseFileError> {
        match self {
            Record::Plan(p) => p.validate(),
            Record::PartTime(p) => p.validate(),
            Record::NoticeToImprove(n) => n.validate(),
            Record::PenaltyNotice(n) if n.last < n.first => Err(CaseFileError::EndsBeforeStart),
            Record::Meeting(m) if m.attendees.is_empty() => {
                Err(CaseFileError::Missing("attendees"))
            }
            _ => Ok(()),
        }
    }
}

/// A case-file record as kept: its number, when and by whom it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFileRecord {
    /// Its number, unique in the school.
    pub id: i64,
    /// When it was made or last changed.
    pub at: DateTime,
    /// Who made or last changed it: name and position.
    pub by: String,
    /// The record.
    pub record: Record,
}

/// Why a record cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseFileError {
    /// A plan outside 3 to 12 months.
    #[error("a plan lasts 3 to 12 months (seed 001 annex 7b); found {0}")]
    PlanMonths(u8),
    /// A target of 0 or above 100%.
    #[error("an attendance target is 1% to 100%; found {0}%")]
    Target(u8),
    /// A review outside the plan or timetable.
    #[error("the review on {} falls outside the plan's dates", human_date(.0))]
    ReviewOutside(Date),
    /// Reviews too far apart.
    #[error(
        "reviews are at least every 6 weeks (seed 001 §6d); there is none between {} and {}",
        human_date(.0),
        human_date(.1)
    )]
    ReviewGap(Date, Date),
    /// An end before the start.
    #[error("it ends before it starts")]
    EndsBeforeStart,
    /// A part-time timetable with every session in school.
    #[error("a part-time timetable names the sessions the pupil is not in school")]
    NoSessionsOff,
    /// Not a school weekday.
    #[error("weekdays run from 1 (Monday) to 5 (Friday); found {0}")]
    Weekday(i8),
    /// An improvement period outside 3 to 6 weeks.
    #[error(
        "a notice to improve's improvement period is 3 to 6 weeks (National Framework for Penalty Notices); found {0}"
    )]
    ImprovementWeeks(u8),
    /// A required field left empty: its name in the form.
    #[error("enter {}", missing_label(.0))]
    Missing(&'static str),
}

/// What a required field holds, as a sentence names it.
fn missing_label(field: &str) -> &str {
    match field {
        "attendees" => "who was present",
        "support_given" => "the support already given",
        "support_available" => "the further support available",
        "sufficient_improvement" => "what sufficient improvement means",
        other => other,
    }
}

impl Record {
    /// The field of the record's form that `error` is about.
    pub fn field_of(&self, error: &CaseFileError) -> &'static str {
        match (self, error) {
            (_, CaseFileError::Missing(field)) => field,
            (_, CaseFileError::PlanMonths(_)) => "months",
            (_, CaseFileError::Target(_)) => "target_percent",
            (_, CaseFileError::ReviewOutside(_) | CaseFileError::ReviewGap(..)) => "reviews",
            (Record::PenaltyNotice(_), CaseFileError::EndsBeforeStart) => "last",
            (_, CaseFileError::EndsBeforeStart) => "ends",
            (_, CaseFileError::NoSessionsOff | CaseFileError::Weekday(_)) => "off",
            (_, CaseFileError::ImprovementWeeks(_)) => "weeks",
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn notice(issued: Date, status: PenaltyStatus) -> PenaltyNotice {
        let key = SessionKey {
            date: issued,
            session: Session::Am,
        };
        PenaltyNotice {
            parent: "Mrs Able".into(),
            issued,
            first: key,
            last: key,
            status,
        }
    }

    #[test]
    fn the_limit_of_two_notices_in_three_years() {
        // National Framework for Penalty Notices 2024 (statutory.md §6): at most two notices to
        // a parent for a child in three years from the first; withdrawn notices do not count.
        let withdrawn = PenaltyStatus::Withdrawn {
            on: date(2025, 2, 1),
            reason: "Issued in error".into(),
        };
        let first = date(2025, 1, 10);
        let until = date(2028, 1, 10);
        // (notices issued, asked on, next notice)
        let table: Vec<(Vec<PenaltyNotice>, Date, NextPenalty)> = vec![
            (vec![], date(2025, 1, 1), NextPenalty::First),
            (
                vec![notice(first, PenaltyStatus::Issued)],
                date(2025, 6, 1),
                NextPenalty::Second { first },
            ),
            (
                vec![
                    notice(
                        first,
                        PenaltyStatus::Paid {
                            on: date(2025, 1, 20),
                        },
                    ),
                    notice(
                        date(2025, 6, 1),
                        PenaltyStatus::Paid {
                            on: date(2025, 6, 20),
                        },
                    ),
                ],
                date(2026, 3, 1),
                NextPenalty::None { first, until },
            ),
            // The third falls on the day the period ends: a new period begins.
            (
                vec![
                    notice(first, PenaltyStatus::Issued),
                    notice(date(2025, 6, 1), PenaltyStatus::Unpaid),
                ],
                until,
                NextPenalty::First,
            ),
            // A withdrawn notice does not count.
            (
                vec![
                    notice(first, withdrawn.clone()),
                    notice(date(2025, 6, 1), PenaltyStatus::Issued),
                ],
                date(2026, 3, 1),
                NextPenalty::Second {
                    first: date(2025, 6, 1),
                },
            ),
            // A notice long ago starts no period now.
            (
                vec![notice(
                    date(2020, 1, 10),
                    PenaltyStatus::Paid {
                        on: date(2020, 1, 20),
                    },
                )],
                date(2025, 1, 1),
                NextPenalty::First,
            ),
        ];
        for (notices, on, want) in table {
            assert_eq!(next_penalty(&notices, on), want, "{on} {notices:?}");
        }
    }

    #[test]
    fn amounts() {
        // £80 within 21 days for a first notice, £160 within 28; a second is £160 flat.
        let issued = date(2025, 1, 10);
        let second = NextPenalty::Second { first: issued };
        let table = [
            (NextPenalty::First, 21, Some(8_000)),
            (NextPenalty::First, 22, Some(16_000)),
            (NextPenalty::First, 28, Some(16_000)),
            (NextPenalty::First, 29, None),
            (second, 1, Some(16_000)),
            (second, 28, Some(16_000)),
            (second, 29, None),
        ];
        for (next, days, want) in table {
            let paid = issued.checked_add(days.days()).unwrap_or(issued);
            assert_eq!(next.amount(issued, paid), want, "{next:?} {days}");
        }
    }

    #[test]
    fn plans_and_timetables_are_checked() {
        let plan = |months, reviews: Vec<Date>| Plan {
            kind: PlanKind::TargetedSupport,
            starts: date(2025, 11, 3),
            target_percent: 90,
            target_per_week: "9 of 10 sessions".into(),
            months,
            reviews,
            barriers_school: String::new(),
            barriers_parent: String::new(),
            barriers_child: String::new(),
            interventions: vec![],
            closed: None,
        };
        let every_six_weeks = |n: i64| {
            (1..=n)
                .map(|i| {
                    date(2025, 11, 3)
                        .checked_add((i * 42).days())
                        .unwrap_or(date(2025, 11, 3))
                })
                .collect::<Vec<_>>()
        };
        // (plan, result): seed 001 annex 7b, 3–12 months reviewed every 4–6 weeks.
        let table = [
            (plan(3, every_six_weeks(2)), Ok(())),
            (
                plan(2, every_six_weeks(2)),
                Err(CaseFileError::PlanMonths(2)),
            ),
            (
                plan(13, every_six_weeks(9)),
                Err(CaseFileError::PlanMonths(13)),
            ),
            (
                plan(3, vec![date(2025, 12, 1)]),
                Err(CaseFileError::ReviewGap(
                    date(2025, 12, 1),
                    date(2026, 2, 3),
                )),
            ),
            (
                plan(3, vec![date(2025, 11, 1)]),
                Err(CaseFileError::ReviewOutside(date(2025, 11, 1))),
            ),
        ];
        for (plan, want) in table {
            assert_eq!(
                plan.validate(),
                want,
                "{} months {:?}",
                plan.months,
                plan.reviews
            );
        }
        let timetable = PartTime {
            agreed_with: "Mrs Able".into(),
            starts: date(2025, 11, 3),
            ends: date(2025, 12, 12),
            off: vec![WeeklySession {
                weekday: 5,
                session: Session::Pm,
            }],
            reviews: vec![date(2025, 11, 24)],
            la_informed: None,
        };
        assert_eq!(timetable.validate(), Ok(()));
        let friday_pm = Slot::new(date(2025, 11, 7), Session::Pm);
        let friday_am = Slot::new(date(2025, 11, 7), Session::Am);
        let after = Slot::new(date(2025, 12, 19), Session::Pm);
        assert!(timetable.off_at(friday_pm));
        assert!(!timetable.off_at(friday_am) && !timetable.off_at(after));
        let none_off = PartTime {
            off: vec![],
            ..timetable.clone()
        };
        assert_eq!(none_off.validate(), Err(CaseFileError::NoSessionsOff));
        let saturday = PartTime {
            off: vec![WeeklySession {
                weekday: 6,
                session: Session::Am,
            }],
            ..timetable
        };
        assert_eq!(saturday.validate(), Err(CaseFileError::Weekday(6)));
    }

    #[test]
    fn notices_to_improve() {
        // 3 to 6 weeks, with the contents the framework requires.
        let nti = |weeks| NoticeToImprove {
            parent: "Mrs Able".into(),
            issued: date(2025, 11, 3),
            weeks,
            support_given: "Attendance support meeting and plan".into(),
            support_available: "Early help".into(),
            sufficient_improvement: "No unauthorised absence".into(),
            result: None,
        };
        assert_eq!(nti(4).validate(), Ok(()));
        assert_eq!(nti(4).ends(), date(2025, 12, 1));
        assert_eq!(nti(2).validate(), Err(CaseFileError::ImprovementWeeks(2)));
        assert_eq!(nti(7).validate(), Err(CaseFileError::ImprovementWeeks(7)));
        let empty = NoticeToImprove {
            sufficient_improvement: " ".into(),
            ..nti(4)
        };
        assert_eq!(
            empty.validate(),
            Err(CaseFileError::Missing("sufficient_improvement"))
        );
    }

    #[test]
    fn records_read_back() {
        let outcome = Some(Outcome {
            on: date(2025, 12, 1),
            text: "Accepted".into(),
        });
        let records = [
            Record::Meeting(Meeting {
                kind: MeetingKind::AttendanceSupport,
                held: date(2025, 11, 3).at(9, 30, 0, 0),
                attendees: vec!["Mrs Able".into()],
                apologies: vec![],
                barriers_school: String::new(),
                barriers_parent: "Mornings".into(),
                barriers_child: String::new(),
                actions: vec![AgreedAction {
                    what: "Morning check-in".into(),
                    owner: "Attendance officer".into(),
                    by: date(2025, 11, 4),
                }],
                next_review: Some(date(2025, 12, 1)),
            }),
            Record::Plan(Plan {
                kind: PlanKind::Contract,
                starts: date(2025, 11, 3),
                target_percent: 90,
                target_per_week: "9 of 10 sessions".into(),
                months: 3,
                reviews: vec![date(2025, 12, 1)],
                barriers_school: String::new(),
                barriers_parent: String::new(),
                barriers_child: String::new(),
                interventions: vec![Intervention {
                    what: "Breakfast club".into(),
                    detail: "A calm start".into(),
                }],
                closed: None,
            }),
            Record::PartTime(PartTime {
                agreed_with: "Mrs Able".into(),
                starts: date(2025, 11, 3),
                ends: date(2025, 12, 12),
                off: vec![WeeklySession {
                    weekday: 5,
                    session: Session::Pm,
                }],
                reviews: vec![],
                la_informed: None,
            }),
            Record::Referral(Referral {
                to: ReferralTo::EarlyHelp,
                made: date(2025, 11, 3),
                reason: "Housing".into(),
                outcome: outcome.clone(),
            }),
            Record::NoticeToImprove(NoticeToImprove {
                parent: "Mrs Able".into(),
                issued: date(2025, 11, 3),
                weeks: 4,
                support_given: "A plan".into(),
                support_available: "Early help".into(),
                sufficient_improvement: "No unauthorised absence".into(),
                result: None,
            }),
            Record::PenaltyNotice(notice(date(2025, 1, 10), PenaltyStatus::Issued)),
            Record::LegalReferral(LegalReferral {
                route: LegalRoute::Prosecution,
                parent: "Mrs Able".into(),
                made: date(2025, 11, 3),
                outcome,
            }),
        ];
        for record in records {
            let json = serde_json::to_string(&record).unwrap_or_default();
            assert!(
                json.starts_with(&format!(r#"{{"type":"{}""#, record.kind())),
                "{json}"
            );
            assert_eq!(
                serde_json::from_str::<Record>(&json).map_err(|e| e.to_string()),
                Ok(record),
                "{json}"
            );
        }
    }
}
