//! Attendance by cohort: the pupils cut by a characteristic, each group's figures from the
//! core's [`summarise_by`] (the one place the statistics are computed), with the same period last
//! year and each group's gap to all pupils.

use rollcall_core::procedures::Flag;
use rollcall_core::{
    DateRange, GroupSummary, Pupil, PupilId, Rate, Rating, Register, SenStatus, Sex,
};

/// How pupils are cut into cohorts (seed 001 §"Monitoring": classes, year groups, boys, girls,
/// PP, EAL, SEND and EHCP; the DfE's characteristics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// All pupils together.
    All,
    /// Year group.
    YearGroup,
    /// Registration group.
    RegGroup,
    /// Sex.
    Sex,
    /// Free school meals now.
    Fsm,
    /// The pupil premium (FSM6, looked after or previously looked after).
    PupilPremium,
    /// English as an additional language.
    Eal,
    /// SEN support (K), an EHC plan (E), or neither.
    Sen,
    /// Looked after at any time in the period.
    LookedAfter,
    /// A child in need (a social worker) or on a child protection plan at any time in the period.
    ChildInNeed,
    /// The vulnerability rating the school's procedures give the pupil now (seed 000
    /// appendix 2: red, amber, green).
    Vulnerability,
}

/// What applied to a pupil beyond their record: the circumstances recorded at any time in a
/// period, and their vulnerability rating now, if the school rates pupils.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Circumstances {
    /// Circumstances recorded.
    pub flags: Vec<Flag>,
    /// The rating.
    pub rating: Option<Rating>,
}

impl Cut {
    /// Every cut, in the order a page offers them.
    pub const ALL: [Cut; 11] = [
        Cut::All,
        Cut::YearGroup,
        Cut::RegGroup,
        Cut::Sex,
        Cut::Fsm,
        Cut::PupilPremium,
        Cut::Eal,
        Cut::Sen,
        Cut::LookedAfter,
        Cut::ChildInNeed,
        Cut::Vulnerability,
    ];

    /// Its name in addresses.
    pub fn id(self) -> &'static str {
        match self {
            Cut::All => "all",
            Cut::YearGroup => "year_group",
            Cut::RegGroup => "reg_group",
            Cut::Sex => "sex",
            Cut::Fsm => "fsm",
            Cut::PupilPremium => "pupil_premium",
            Cut::Eal => "eal",
            Cut::Sen => "sen",
            Cut::LookedAfter => "looked_after",
            Cut::ChildInNeed => "child_in_need",
            Cut::Vulnerability => "vulnerability",
        }
    }

    /// Reads its name.
    pub fn parse(id: &str) -> Option<Cut> {
        Cut::ALL.into_iter().find(|c| c.id() == id)
    }

    /// How a person reads it.
    pub fn title(self) -> &'static str {
        match self {
            Cut::All => "All pupils",
            Cut::YearGroup => "Year group",
            Cut::RegGroup => "Class",
            Cut::Sex => "Boys and girls",
            Cut::Fsm => "Free school meals",
            Cut::PupilPremium => "Pupil premium",
            Cut::Eal => "English as an additional language",
            Cut::Sen => "Special educational needs",
            Cut::LookedAfter => "Looked after",
            Cut::ChildInNeed => "Child in need or protection plan",
            Cut::Vulnerability => "Vulnerability rating",
        }
    }
}

/// A cohort: its order in the table and its name.
pub type Cohort = (u16, String);

fn yes_no(order: u16, yes: bool, named: &str, others: &str) -> Cohort {
    if yes {
        (order, named.to_owned())
    } else {
        (order + 1, others.to_owned())
    }
}

/// The cohort a pupil is in, given the circumstances that applied to them in the period.
pub fn cohort_of(cut: Cut, pupil: &Pupil, circumstances: &Circumstances) -> Cohort {
    let has = |flag: Flag| circumstances.flags.contains(&flag);
    match cut {
        Cut::All => (0, "All pupils".to_owned()),
        Cut::YearGroup => (
            u16::try_from(i16::from(pupil.year_group.number()) + 10).unwrap_or(0),
            match pupil.year_group.to_string().as_str() {
                "R" => "Reception".to_owned(),
                n if n.starts_with('N') => format!("Nursery ({n})"),
                n => format!("Year {n}"),
            },
        ),
        Cut::RegGroup => (0, pupil.reg_group.clone()),
        Cut::Sex => match pupil.sex {
            Sex::Female => (0, "Girls".to_owned()),
            Sex::Male => (1, "Boys".to_owned()),
        },
        Cut::Fsm => yes_no(0, pupil.fsm, "Free school meals", "Not free school meals"),
        Cut::PupilPremium => yes_no(0, pupil.pupil_premium, "Pupil premium", "Not pupil premium"),
        Cut::Eal => yes_no(0, pupil.eal, "EAL", "English first language"),
        Cut::Sen => match pupil.sen {
            SenStatus::Ehcp => (0, "EHC plan (E)".to_owned()),
            SenStatus::Support => (1, "SEN support (K)".to_owned()),
            SenStatus::None => (2, "No SEN".to_owned()),
        },
        Cut::LookedAfter => yes_no(
            0,
            has(Flag::LookedAfter),
            "Looked after",
            "Not looked after",
        ),
        Cut::ChildInNeed => yes_no(
            0,
            has(Flag::SocialWorker) || has(Flag::ChildProtectionPlan),
            "Child in need or protection plan",
            "Neither",
        ),
        Cut::Vulnerability => match circumstances.rating {
            Some(Rating::Red) => (0, "Red: complex or acute".to_owned()),
            Some(Rating::Amber) => (1, "Amber: vulnerable".to_owned()),
            Some(Rating::Green) => (2, "Green: universal".to_owned()),
            None => (3, "Not rated".to_owned()),
        },
    }
}

/// One cohort's figures now and over the same period last year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    /// The cohort.
    pub cohort: String,
    /// Its figures over the period.
    pub now: GroupSummary<Cohort>,
    /// Its figures over the same period last year, when it had pupils then.
    pub last_year: Option<GroupSummary<Cohort>>,
    /// Too few pupils to show to those who may not see pupils: its figures are withheld.
    pub suppressed: bool,
}

/// What applied to a pupil during a range.
pub type CircumstancesOf<'a> = &'a dyn Fn(PupilId, DateRange) -> Circumstances;

/// The cohorts of a cut over a period and the same period last year. `circumstances` gives
/// what applied to a pupil during a range.
pub fn cohort_table(
    register: &Register,
    cut: Cut,
    now: DateRange,
    before: DateRange,
    circumstances: CircumstancesOf<'_>,
) -> Vec<CohortRow> {
    let summarise = |range: DateRange| {
        rollcall_core::summarise_by(register, range, |id, pupil| {
            Some(cohort_of(cut, pupil, &circumstances(id, range)))
        })
    };
    let mut last: Vec<GroupSummary<Cohort>> = summarise(before);
    summarise(now)
        .into_iter()
        .map(|now| {
            let last_year = last
                .iter()
                .position(|l| l.key.1 == now.key.1)
                .map(|i| last.swap_remove(i));
            CohortRow {
                cohort: now.key.1.clone(),
                now,
                last_year,
                suppressed: false,
            }
        })
        .collect()
}

/// A difference between two rates in hundredths of a percentage point: `a - b`.
pub fn gap(a: Option<Rate>, b: Option<Rate>) -> Option<i64> {
    let (a, b) = (a?, b?);
    let signed = |r: Rate| i64::try_from(r.hundredths()).unwrap_or(i64::MAX);
    Some(signed(a) - signed(b))
}

/// A gap as a page shows it: "+1.25", "-0.40", "0.00".
pub fn points(hundredths: i64) -> String {
    let sign = if hundredths > 0 {
        "+"
    } else if hundredths < 0 {
        "-"
    } else {
        ""
    };
    let n = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", n / 100, n % 100)
}
