//! A school's settings for its returns to the local authority: where they go, how often the
//! attendance return is made, and the transition points that need no new-pupil or deletion
//! return.

use crate::pupil::YearGroup;

/// How often the attendance return is made: as agreed with the local authority, and at least
/// once a calendar month (statutory.md §4; *Working together to improve school attendance*
/// (2024), the summary table of responsibilities). Nothing less frequent can be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frequency {
    /// Each school week, for the week ending Friday.
    Weekly,
    /// Every two school weeks.
    Fortnightly,
    /// Each calendar month.
    #[default]
    Monthly,
}

impl Frequency {
    /// Every frequency.
    pub const ALL: [Frequency; 3] = [
        Frequency::Weekly,
        Frequency::Fortnightly,
        Frequency::Monthly,
    ];

    /// Its name in a policy.
    pub fn id(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Fortnightly => "fortnightly",
            Frequency::Monthly => "monthly",
        }
    }

    /// Reads its name.
    pub fn parse(text: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.id() == text)
    }
}

/// Where the returns go and which pupils need none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReturnSettings {
    /// The local authority's address for returns (seed 002: `cme@leeds.gov.uk`); without one
    /// returns are downloaded and sent by hand.
    pub la_email: Option<String>,
    /// Where children-missing-education referrals go, when not to `la_email` (seed 002:
    /// `CME@leeds.gov.uk`, beside the attendance service's address).
    pub cme_email: Option<String>,
    /// How often the attendance return is made.
    pub attendance_every: Frequency,
    /// The school's most junior class: a pupil placed in it whose starting day is the first day
    /// of the school year needs no new-pupil return (regulation 13(2)).
    pub first_year: Option<YearGroup>,
    /// The local authority has asked for new-pupil returns for those pupils too (regulation
    /// 13(3)).
    pub junior_returns_asked: bool,
    /// The school's final year: a pupil who leaves having completed it needs no deletion return
    /// (regulation 13(5); seed 003 "Deletion from Roll": the end of Year 4).
    pub final_year: Option<YearGroup>,
}
